"""The index cache: parts of a zone set's geometry index that take a batch's threads 0.1–
0.3 s to build at every start (the county's and the extents' rasters and rings; among
parcels, each zone's box slack and the reach raster) and depend on nothing but the zones
file and the code that builds them, kept between runs.

Each part is one file in the zones cache directory (:func:`.cache.cache_dir`, used only
when :func:`.cache.usable_dir` finds it private): a header naming the zones file's whole
SHA-256, the part, a hash of the code that builds and reads it and the SHA-256 of its
payload — plain arrays, each of a listed type and shape — then the payload. The code hash
covers the source of every module of firecheck and the versions of shapely, GEOS, numpy,
pyproj and PROJ, so a part made from other data or by other code is never read. A part
that cannot be trusted — missing, not a private regular file of yours, too large,
truncated, its hash or header not matching, arrays of another type or shape, values a
build cannot give — is built again and rewritten; writes go through an exclusive temporary
file, as the zones cache's. (Anyone who can write your own cache directory can also edit
your zones file: that is the boundary, as for the zones cache.)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from .cache import cache_dir, keep_private, read_private, usable_dir

Arrays = dict[str, np.ndarray]
_FORMAT = 1
_MAGIC = b"firecheck index part\n"
_MAX_BYTES = 256 << 20  # no part a build gives is near this (100k parcels: ~1 MB)
_MAX_HEADER = 64 << 10
_DTYPES = ("|b1", "|i1", "|u1", "<i8", "<f8")
_STALE_S = 86_400  # another code's part untouched this long is removed


class IndexCache:
    """The kept index parts of the zones file with SHA-256 ``version`` (``sha256:...``);
    the cache directory is looked at when a part is first asked for."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.prefix = f"index-{version[7:23]}-"

    @functools.cached_property
    def directory(self) -> Path | None:
        if not hasattr(os, "geteuid") or _code_key() is None:  # no owner to check; no code
            return None
        directory = cache_dir()
        return directory if usable_dir(directory) is None else None

    def load(self, name: str) -> Arrays | None:
        """The arrays of part ``name``, or None when there is no trustworthy one."""
        if self.directory is None:
            return None
        try:
            read = read_private(self._path(name), _MAX_BYTES)
        except OSError:
            return None
        if read is None:
            return None
        found = self._arrays(read.data, name)
        if found is not None:  # in use: another install's cleanup leaves it alone
            with contextlib.suppress(OSError):
                os.utime(self._path(name))
        return found

    def _arrays(self, data: bytes, name: str) -> Arrays | None:
        end = data.find(b"\n", len(_MAGIC), len(_MAGIC) + _MAX_HEADER)
        if not data.startswith(_MAGIC) or end < 0:
            return None
        payload = memoryview(data)[end + 1:]
        try:
            header = json.loads(data[len(_MAGIC):end])
            listed = header.pop("arrays")
        except (ValueError, RecursionError, TypeError, KeyError, AttributeError):
            return None
        if header != self._header(name, payload):
            return None
        arrays, at = {}, 0
        try:
            for key, dtype, shape in listed:
                if (dtype not in _DTYPES or not isinstance(shape, list) or len(shape) > 2
                        or not all(type(n) is int and 0 <= n <= _MAX_BYTES for n in shape)):
                    return None
                size = np.dtype(dtype).itemsize
                for n in shape:  # Python ints: no overflow, and bounded as it grows
                    size *= n
                    if size > _MAX_BYTES:
                        return None
                arrays[str(key)] = np.frombuffer(payload[at:at + size], dtype=dtype).reshape(
                    shape)
                at += size
        except (ValueError, TypeError):
            return None
        return arrays if at == len(payload) else None

    def save(self, name: str, arrays: Arrays) -> None:
        """Keep part ``name`` (best effort: a part not kept is only built again), and
        remove the same part of other code when it has not been used for a day."""
        if self.directory is None:
            return
        parts = [np.ascontiguousarray(a) for a in arrays.values()]
        payload = b"".join(a.tobytes() for a in parts)
        header = self._header(name, payload) | {"arrays": [
            [key, a.dtype.str, list(a.shape)] for key, a in zip(arrays, parts, strict=True)]}
        keep_private(self._path(name), _MAGIC + json.dumps(header).encode() + b"\n" + payload)
        for old in self.directory.glob(f"{self.prefix}*-{name}.bin"):
            with contextlib.suppress(OSError):
                if old != self._path(name) and time.time() - old.stat().st_mtime > _STALE_S:
                    old.unlink()

    def _header(self, name: str, payload: bytes | memoryview) -> dict[str, object]:
        return {"format": _FORMAT, "source": self.version, "part": name, "code": _code_key(),
                "sha256": hashlib.sha256(payload).hexdigest()}

    def _path(self, name: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{self.prefix}{str(_code_key())[:16]}-{name}.bin"


@functools.cache
def _code_key() -> str | None:
    """A hash of firecheck's version, the source of every module of firecheck and the
    versions of the libraries that compute the parts; None (nothing is kept) where the
    source cannot all be read, or there is none (an install of byte code only)."""
    import pyproj
    import shapely

    from .. import __file__ as package_init
    from .. import __version__

    digest = hashlib.sha256(" ".join([
        __version__, shapely.__version__, shapely.geos_version_string, np.__version__,
        pyproj.__version__, pyproj.proj_version_str]).encode())
    root = Path(package_init).parent
    sources = sorted(p for p in root.rglob("*.py")
                     if not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not sources:
        return None
    try:
        for path in sources:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()
