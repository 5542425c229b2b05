"""The zones cache: a large zones file (thousands of official parcels) takes seconds to
parse and check; once it has passed, its zones are kept in an Arrow file with the geometries
already projected (as WKB), so the next command loads it in a fraction of that.

A verdict reports the zones file's SHA-256, so a cache is used only when it provably holds
what that file gave: its header names the source's hash, the projection and the SHA-256 of
its own Arrow payload, and all three are checked on every read, with the exact columns and
valid WKB (the payload's hash and the WKB only once: a cache file unchanged since a full
check passed is known by its identity, :mod:`.known`); anything else — a missing or extra
column, bad WKB, a moved vertex, a truncated file — and the cache is rebuilt from the
source, with a note naming it. The cache lives in a directory of its own user
(``~/.cache/firecheck``, ``$XDG_CACHE_HOME/firecheck`` or ``$FIRECHECK_CACHE``), created
private (0700); a directory or file another user could write is not used at all. Writes go
through a temporary file created exclusively (:func:`firecheck.files.temp_file`), so no
planted name or link redirects them, and a write that fails leaves nothing. pyarrow is
imported only when a file is large enough to cache.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import importlib
import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import shapely

from ..files import discard, settled, temp_file
from ..geo.projection import LOCAL_CRS, NEAR
from ..text import Text
from .model import Shapes, Zone, ZoneRows

if TYPE_CHECKING:
    from .known import Known

CACHE_MIN_BYTES = 2 << 20
_FORMAT = 4
_MAGIC = b"firecheck zones cache\n"
_TEXT_FIELDS = ("id", "designation", "name_zh", "name_en", "kind", "level", "completeness",
                "source")
_FIELDS = (*_TEXT_FIELDS, "buffer_m", "accuracy_m", "geometry_source", "extent_accuracy_m")
_SHAPES = (("wkb", "shape"), ("extent_wkb", "extent"))  # column, Zone attribute
_CODED = ("kind", "designation", "completeness")  # stored dictionary-encoded: read as codes
_BOUNDS = ("xmin", "ymin", "xmax", "ymax")  # of each shape: a place finds its zones undecoded
_PROJECTION = hashlib.sha256(f"{LOCAL_CRS.srs} {NEAR}".encode()).hexdigest()[:16]


def cache_dir() -> Path:
    """The cache directory of this user (see the module docstring)."""
    root = os.environ.get("FIRECHECK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "firecheck")
    return Path(root)


def cache_path(version: str) -> Path:
    """Where the cache of the zones file with content hash ``version`` lives."""
    return cache_dir() / f"zones-{version[7:39]}-v{_FORMAT}.arrow"


def usable_dir(directory: Path) -> Text | None:
    """None if ``directory`` is (or was just made) a directory of this user that no one
    else can write; else why the cache is not used there."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        return Text(f"无法创建区域缓存目录 {directory}：{exc.strerror}；本次不使用缓存",
                    f"cannot create the zones cache directory {directory}: {exc.strerror}; "
                    "the cache is not used")
    try:
        info = directory.stat()
    except OSError as exc:
        return Text(f"无法使用区域缓存目录 {directory}：{exc.strerror}",
                    f"cannot use the zones cache directory {directory}: {exc.strerror}")
    if not stat.S_ISDIR(info.st_mode) or not _private(info):
        return Text(f"区域缓存目录 {directory} 不属于你或其他用户可写：不使用缓存（可设 FIRECHECK_CACHE "
                    "为你自己的私有目录）",
                    f"the zones cache directory {directory} is not yours or others can write "
                    "it: the cache is not used (set FIRECHECK_CACHE to a private directory of "
                    "your own)")
    return None


def _private(info: os.stat_result) -> bool:
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def import_arrow_meanwhile() -> None:
    """Start importing pyarrow in a thread (60 ms, mostly its C extensions loading) while
    the caller hashes the zones file (hashlib releases the GIL), so a cache read finds it
    loaded. A failed import is left for the reader to raise."""
    def load() -> None:
        with contextlib.suppress(ImportError):
            importlib.import_module("pyarrow.ipc")

    threading.Thread(target=load, name="import pyarrow", daemon=True).start()


def write_cache(path: Path, zones: list[Zone], version: str) -> None:
    """Best effort: a cache that cannot be written only costs time (and leaves nothing)."""
    import pyarrow as pa
    from pyarrow import ipc

    columns: dict[str, Any] = {f: pa.array([getattr(z, f) for z in zones], type=_type(f))
                               for f in _FIELDS}
    for column, attr in _SHAPES:
        columns[column] = pa.array(shapely.to_wkb(np.array([getattr(z, attr) for z in zones],
                                                           dtype=object)), type=pa.binary())
    bounds = shapely.bounds(np.array([z.shape for z in zones], dtype=object))
    columns.update((name, pa.array(bounds[:, k])) for k, name in enumerate(_BOUNDS))
    table = pa.table(columns)
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    payload = sink.getvalue().to_pybytes()
    header = json.dumps({"format": _FORMAT, "source": version, "projection": _PROJECTION,
                         "sha256": hashlib.sha256(payload).hexdigest()}).encode()
    keep_private(path, _MAGIC + header + b"\n" + payload)


def read_cache(path: Path, version: str,
               known: Known | None = None) -> tuple[ZoneRows | None, Text | None]:
    """The cached zones of the source with hash ``version``, or None — with a note naming
    the cache when one exists but cannot be trusted (it is then rebuilt). A cache that
    ``known`` remembers as proven, and unchanged since, is not hashed and checked again."""
    try:
        read = read_private(path)
    except OSError as exc:
        return None, _untrusted(path, exc.strerror or str(exc))
    if read is None:
        return None, None
    # Recalled only for bytes read from a file that did not change while they were read.
    proven = known.recall(path, read.before, read.after) if known is not None else None
    try:
        zones, digest = _zones(read.data, version, proven)
    except _Damaged as exc:
        return None, _untrusted(path, str(exc))
    if known is not None and proven is None:
        known.remember(path, read.before, read.after, digest)
    return zones, None


class Read(NamedTuple):
    """A file's bytes and its ``fstat`` before and after they were read."""

    data: bytes
    before: os.stat_result
    after: os.stat_result


def read_private(path: Path, limit: int | None = None) -> Read | None:
    """The bytes of ``path`` if it is a regular file of this user that no one else can
    write — opened without following a symlink or blocking on a FIFO; None if there is no
    file; an OSError saying why it cannot be used (a file larger than ``limit`` bytes
    included)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)  # before fdopen, which raises on a directory
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            raise OSError(errno.EPERM, "not a private file of yours")
        if limit is not None and info.st_size > limit:
            raise OSError(errno.EFBIG, "larger than any it could be")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        return Read(fh.read(), info, os.fstat(fd))


def keep_private(path: Path, data: bytes) -> None:
    """Best effort: write ``data`` to ``path`` in the cache directory through a temporary
    file created exclusively, renamed into place when complete; a write that fails leaves
    nothing (and is only a cache not kept)."""
    try:
        handle, tmp = temp_file(path.parent, ".part")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        settled(tmp)
    except OSError:
        discard(tmp)
    except BaseException:
        discard(tmp)
        raise


class _Damaged(Exception):
    """What is wrong with a cache file."""


def _zones(data: bytes, version: str, proven: str | None) -> tuple[ZoneRows, str]:
    """The zones of a cache file's bytes and its payload's SHA-256 — the hash and every
    parcel's WKB checked unless the header names ``proven``, the hash a full check of this
    very file found before."""
    import pyarrow as pa
    from pyarrow import ipc

    if not data.startswith(_MAGIC):
        raise _Damaged("not a firecheck zones cache")
    end = data.find(b"\n", len(_MAGIC))
    end = len(data) if end < 0 else end
    line, payload = data[len(_MAGIC):end], memoryview(data)[end + 1:]  # the payload: no copy
    try:
        header = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise _Damaged("unreadable header") from exc
    trusted = proven is not None and isinstance(header, dict) and header.get("sha256") == proven
    digest = proven if trusted else hashlib.sha256(payload).hexdigest()
    expected = {"format": _FORMAT, "source": version, "projection": _PROJECTION,
                "sha256": digest}
    if header != expected:
        raise _Damaged("made from other data, or changed since" if isinstance(header, dict)
                       and header.get("source") != version else "its content does not match "
                       "its hash")
    try:
        table = ipc.open_stream(pa.py_buffer(payload)).read_all()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _Damaged(f"unreadable Arrow data ({exc})") from exc
    wanted = pa.schema([*((f, _type(f)) for f in _FIELDS),
                        *((column, pa.binary()) for column, _ in _SHAPES),
                        *((name, pa.float64()) for name in _BOUNDS)])
    if not table.schema.equals(wanted):
        raise _Damaged("its columns are not the zones' columns")
    table = table.combine_chunks()
    wkb = table["wkb"].chunk(0)
    decode = _decoder(wkb)
    try:
        extents = _decoded(table["extent_wkb"].chunk(0))
        if not trusted:
            _check_wkb(wkb, decode)
    except (shapely.errors.ShapelyError, TypeError, ValueError, NotImplementedError) as exc:
        raise _Damaged(f"bad WKB ({exc})") from exc  # NotImplementedError: a curved type
    bounds = np.column_stack([_floats(table[name].chunk(0)) for name in _BOUNDS])
    present = _valid(wkb)
    if not np.isfinite(bounds[present]).all() or not np.isnan(bounds[~present]).all():
        raise _Damaged("its bounds are not its shapes'")
    if any(table[f].null_count for f in (*_TEXT_FIELDS, "buffer_m", "extent_accuracy_m")):
        raise _Damaged("a required value is missing")
    columns = {f: table[f].chunk(0) if table[f].num_chunks else pa.array([], _type(f))
               for f in _FIELDS}
    numbers = {f: _floats(columns[f]) for f in ("buffer_m", "accuracy_m", "extent_accuracy_m")}
    for f, metres in numbers.items():  # as a zones file allows them
        unset = np.isnan(metres) & (present if f == "accuracy_m" else True)  # mapped: has one
        if (unset | (metres < 0) | (metres > 100_000) | np.isinf(metres)).any():
            raise _Damaged(f"its {f} is not a zones file's")

    return ZoneRows(
        _Fields(columns),
        functools.partial(_values_of, columns),
        {f: (columns[f].dictionary.to_pylist(),
             _numpy(columns[f].indices, np.int32).astype(np.int64)) for f in _CODED},
        numbers, Shapes(decode, present, bounds, True), extents), digest


def _values_of(columns: dict[str, Any], field: str, rows: np.ndarray) -> list[Any]:
    """The values of one field at ``rows``, as Python values (pyarrow's kernels are
    imported only by this: a single check never needs them)."""
    import pyarrow as pa

    from .. import kernels

    return kernels.take(columns[field], pa.array(rows, pa.int64())).to_pylist()


def _decoder(wkb: Any) -> Callable[[np.ndarray], np.ndarray]:
    """Rows -> new geometries decoded from a binary Arrow array's buffers (no
    pyarrow.compute)."""
    offsets = np.frombuffer(wkb.buffers()[1], dtype=np.int32, count=len(wkb) + 1,
                            offset=wkb.offset * 4)
    data = memoryview(wkb.buffers()[2] or b"")
    valid = _valid(wkb)

    def decode(rows: np.ndarray) -> np.ndarray:
        blobs = np.empty(len(rows), dtype=object)
        blobs[:] = [bytes(data[offsets[r]:offsets[r + 1]]) if valid[r] else None
                    for r in rows.tolist()]
        return shapely.from_wkb(blobs)

    return decode


def _decoded(wkb: Any) -> np.ndarray:
    """Every row of a binary Arrow array as a geometry (None for null); only the non-null
    ones are decoded (a parcel has no extent)."""
    shapes = np.full(len(wkb), None, dtype=object)
    present = np.flatnonzero(_valid(wkb))
    shapes[present] = _decoder(wkb)(present)
    return shapes


def _check_wkb(wkb: Any, decode: Callable[[np.ndarray], np.ndarray]) -> None:
    """Raise unless every shape's WKB decodes. A little-endian one-ring polygon (a parcel)
    is checked by its layout — its length is that its ring's point count gives, of at least
    4 points, the last the same as the (finite) first — without building it; any other is
    decoded."""
    offsets = np.frombuffer(wkb.buffers()[1], dtype=np.int32, count=len(wkb) + 1,
                            offset=wkb.offset * 4).astype(np.int64)
    data = np.frombuffer(wkb.buffers()[2] or b"\0", dtype=np.uint8)
    start, length = offsets[:-1], np.diff(offsets)
    rows = np.flatnonzero(_valid(wkb) & (length >= 13 + 16 * 4))
    at = start[rows]
    # Every 16 bytes from each position, as a view: a shape's header or a point is one row.
    window = np.lib.stride_tricks.sliding_window_view(data, 16) if len(data) >= 16 else None
    checked = np.zeros(len(wkb), dtype=bool)
    if window is not None and len(rows):
        head = window[at]
        words = head[:, 1:13].copy().view("<u4")  # geometry type, rings, points
        points = words[:, 2].astype(np.int64)
        fits = ((head[:, 0] == 1) & (words[:, 0] == 3) & (words[:, 1] == 1) & (points >= 4)
                & (length[rows] == 13 + 16 * points))
        rows, at, points = rows[fits], at[fits], points[fits]
        first = window[at + 13].copy()
        last = window[at + 13 + 16 * (points - 1)].copy()
        closed = (first.view("<u8") == last.view("<u8")).all(axis=1)
        closed &= np.isfinite(first.view("<f8")).all(axis=1)  # NaN != NaN in GEOS
        checked[rows[closed]] = True
    others = np.flatnonzero(_valid(wkb) & ~checked)
    if len(others):
        decode(others)


class _Fields:
    """Row -> its fields, read straight from the Arrow buffers (no Python object for the
    rows not asked for; a batch asks for thousands, a single check for a handful)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = columns
        self.getters: dict[str, Callable[[int], Any]] = {}

    def __call__(self, i: int) -> dict[str, Any]:
        if not self.getters:  # made when a first zone is asked for
            self.getters = {f: _getter(column) for f, column in self.columns.items()}
        return {f: get(i) for f, get in self.getters.items()}


def _getter(array: Any) -> Callable[[int], Any]:
    """Row -> the value of a string, dictionary-coded string or float64 Arrow array."""
    import pyarrow as pa

    valid = _valid(array)
    if pa.types.is_dictionary(array.type):
        names = array.dictionary.to_pylist()
        codes = _numpy(array.indices, np.int32)
        return lambda i: names[codes[i]] if valid[i] else None
    if pa.types.is_floating(array.type):
        values = _numpy(array, np.float64)
        return lambda i: float(values[i]) if valid[i] else None
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array) + 1,
                            offset=array.offset * 4)
    data = memoryview(array.buffers()[2] or b"")
    return lambda i: str(data[offsets[i]:offsets[i + 1]], "utf-8") if valid[i] else None


def _valid(array: Any) -> np.ndarray:
    """Which rows of an Arrow array are not null."""
    bitmap = array.buffers()[0]
    if bitmap is None or not array.null_count:
        return np.ones(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[array.offset:array.offset + len(array)].astype(bool)


def _type(name: str) -> Any:
    import pyarrow as pa

    if name in _CODED:
        return pa.dictionary(pa.int32(), pa.string())
    return pa.float64() if name in ("buffer_m", "accuracy_m", "extent_accuracy_m") else pa.string()


def _numpy(array: Any, dtype: type) -> np.ndarray:
    """A fixed-width Arrow array's values as numpy, without pyarrow.compute (0.1 s to
    import) or pandas; values under nulls are whatever the buffer holds."""
    width = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * width)


def _floats(array: Any) -> np.ndarray:
    """A float64 Arrow array as numpy, NaN for null."""
    return np.where(_valid(array), _numpy(array, np.float64), np.nan)


def _untrusted(path: Path, why: str) -> Text:
    return Text(f"区域缓存 {path} 不可信（{why}）：已从区域文件重建",
                f"the zones cache {path} cannot be trusted ({why}): rebuilt from the zones file")
