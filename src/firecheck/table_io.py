"""Reading and writing request tables in chunks: CSV, JSON Lines and GeoJSON.

Every input row becomes exactly one table row, in input order, with its fields as text and
its line number. CSV is read by pyarrow when the file is well formed (encoding and
delimiter sniffed; UTF-8 with or without BOM, or GB18030/GBK as Chinese Excel writes it);
a file pyarrow refuses (ragged rows, broken bytes) is read again by the standard csv module,
which keeps every row and reports what was wrong with it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import shapely
from shapely.geometry import mapping
from shapely.geometry import shape as geojson_shape

from .errors import InputError

FORMATS = ("csv", "jsonl", "geojson")
_SNIFF_BYTES = 1 << 20
_MAX_FIELD = 1 << 30  # the csv module's default 128 KiB limit would reject long notes
_MAX_DEPTH = 64  # JSON nesting levels a row may have (GeoJSON needs 7)
_TOO_DEEP = (f"JSON nested more than {_MAX_DEPTH} levels deep", f"JSON 嵌套超过 {_MAX_DEPTH} 层")


@dataclass
class Chunk:
    """A slice of input rows: text fields, line numbers, optional geometries and errors."""

    table: pa.Table
    lines: np.ndarray  # int64 line (or feature) number of each row
    geometry: dict[int, Any] = field(default_factory=dict)  # row -> lon/lat shapely geometry
    errors: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> (en, zh)
    extra: list[dict[str, Any]] | None = None  # JSON input: the original objects
    features: bool = False  # GeoJSON: `lines` number features, not lines

    @property
    def rows(self) -> int:
        return len(self.lines)


@dataclass
class Source:
    """An input file (stdin is spooled to a temporary file first) and what was sniffed."""

    path: Path
    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    bom: bool = False
    cr_only: bool = False  # classic Mac line ends: only the tolerant reader handles them
    size: int = 0
    cleanup: list[Path] = field(default_factory=list)


def open_source(name: str, fmt: str | None) -> Source:
    """Resolve ``name`` ('-' for stdin), its format (from ``fmt`` or the extension) and,
    for CSV, its encoding and delimiter."""
    if name == "-":
        handle, tmp = tempfile.mkstemp(prefix="firecheck-stdin-")
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
        path, cleanup = Path(tmp), [Path(tmp)]
    else:
        path, cleanup = Path(name), []
        if not path.is_file():
            raise InputError(f"input file not found: {name}", f"找不到输入文件：{name}")
    fmt = fmt or _format_from_name(name)
    source = Source(path, fmt, size=path.stat().st_size, cleanup=cleanup)
    if fmt == "csv":
        _sniff_csv(source)
    return source


def _format_from_name(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".geojson", ".json"):
        return "geojson"
    return "csv"


def _sniff_csv(source: Source) -> None:
    with source.path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        source.encoding, source.bom, head = "utf-8", True, head[3:]
    else:
        try:
            head.decode("utf-8")
            source.encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the sniff boundary is still UTF-8.
            source.encoding = "utf-8" if exc.start >= len(head) - 3 else "gb18030"
    # Lines end mostly in CR alone (classic Mac; an LF here and there is data in quotes).
    source.cr_only = head.count(b"\r") - head.count(b"\r\n") > head.count(b"\n")
    text = head.decode(source.encoding, errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    source.delimiter = max(counts, key=counts.__getitem__) if any(counts.values()) else ","


# --------------------------------------------------------------------------- reading


def read_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    """Chunks of at most about ``chunk_rows`` rows, in input order."""
    if source.format == "jsonl":
        yield from _jsonl_chunks(source, chunk_rows)
    elif source.format == "geojson":
        yield from _geojson_chunks(source, chunk_rows)
    else:
        yield from _csv_chunks(source, chunk_rows)


class _Fallback(Exception):
    """pyarrow cannot read this CSV as it is; use the tolerant reader."""


def _csv_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    header = csv_header(source)
    if header is None:
        return
    done = 0
    try:
        if source.cr_only:
            raise _Fallback
        for chunk in _arrow_csv(source, header, chunk_rows):
            done += chunk.rows
            yield chunk
    except _Fallback:
        yield from _python_csv(source, header, chunk_rows, skip=done)


def csv_header(source: Source) -> list[str] | None:
    """The CSV header row with empty names filled in and duplicates numbered."""
    with _text(source) as fh:
        row = next(csv.reader(fh, delimiter=source.delimiter), None)
    if row is None:
        return None
    names: list[str] = []
    for i, name in enumerate(row):
        name = name.strip() or f"column_{i + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}.{n}", n + 1
        names.append(name)
    return names


def _text(source: Source) -> io.TextIOWrapper:
    encoding = "utf-8-sig" if source.bom else source.encoding
    return open(source.path, encoding=encoding, errors="replace", newline="")


def _arrow_csv(source: Source, header: list[str], chunk_rows: int) -> Iterator[Chunk]:
    """pyarrow parses blocks of whole lines that we cut ourselves: memory stays at one
    block, and the line number of every row is known. Any malformed row → _Fallback."""
    state = {"bad": False}

    def invalid(_row: Any) -> str:
        state["bad"] = True
        return "skip"

    read = pcsv.ReadOptions(column_names=header, encoding=source.encoding, use_threads=True,
                            block_size=1 << 20)
    parse = pcsv.ParseOptions(delimiter=source.delimiter, invalid_row_handler=invalid,
                              newlines_in_values=False, ignore_empty_lines=True)
    convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in header},
                                  strings_can_be_null=False, quoted_strings_can_be_null=False)
    line = 2
    for block in _line_blocks(source.path, max(1 << 16, chunk_rows * 48)):
        if source.encoding == "utf-8" and not is_utf8(block):
            raise _Fallback  # pyarrow would choke inside its bad-row callback on it
        try:
            table = pcsv.read_csv(pa.py_buffer(block), read_options=read, parse_options=parse,
                                  convert_options=convert)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _Fallback from exc
        if state["bad"] or table.num_rows != block.count(b"\n") + (not block.endswith(b"\n")):
            raise _Fallback
        table = _drop_empty_chunks(table)
        yield Chunk(table, np.arange(line, line + table.num_rows, dtype=np.int64))
        line += table.num_rows


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (Arrow's validator: 4× faster than decoding)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _drop_empty_chunks(table: pa.Table) -> pa.Table:
    """pyarrow's CSV reader can return an empty first chunk (for a row longer than its
    parse block) that its CSV writer then renders as garbage bytes: drop such chunks."""
    if all(len(chunk) for column in table.columns for chunk in column.chunks):
        return table
    return pa.table({name: pa.chunked_array([c for c in column.chunks if len(c)], column.type)
                     for name, column in zip(table.column_names, table.columns, strict=True)})


def _line_blocks(path: Path, size: int) -> Iterator[bytes]:
    """The file after its header line, in blocks of about ``size`` bytes cut at newlines."""
    with path.open("rb") as fh:
        fh.readline()
        carry = b""
        while block := fh.read(size):
            data = carry + block
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1:]
            yield data[:cut + 1]
        if carry:
            yield carry


def _python_csv(source: Source, header: list[str], chunk_rows: int,
                skip: int) -> Iterator[Chunk]:
    """The tolerant reader, for the records after the header and the ``skip`` that pyarrow
    gave: short rows are padded, long rows cut, NULs dropped, each reported on its row.
    Records end at CR, LF or CRLF, as for pyarrow, and an empty line is not one (for either
    reader; a line of empty fields is), so the two count alike. Line numbers count LFs (CRs
    in a CR file), as pyarrow's do."""
    width = len(header)
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_FIELD))
    line = [1]  # the line the csv reader's last piece was on

    def pieces(fh: io.TextIOWrapper) -> Iterator[str]:
        number = 1
        for piece in fh:  # newline="": split at CR, LF and CRLF, kept
            line[0] = number
            yield piece.replace("\0", "")
            number += piece.endswith("\n") or source.cr_only

    with _text(source) as fh:
        rows = csv.reader(pieces(fh), delimiter=source.delimiter)
        columns: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        errors: dict[int, tuple[str, str]] = {}
        records = 0
        while True:
            error = None
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                row, error = [""] * width, (f"unreadable row: {exc}", f"无法读取的行：{exc}")
            if not row:
                continue
            records += 1
            if records <= 1 + skip:  # the header, then the rows pyarrow gave
                continue
            if len(row) != width:
                error = error or (f"row has {len(row)} fields, the header has {width}",
                                  f"该行有 {len(row)} 个字段，表头有 {width} 个")
                row = (row + [""] * width)[:width]
            if any("\ufffd" in cell for cell in row):
                error = error or ("row contains bytes that are not valid "
                                  f"{source.encoding}", f"该行含有无法按 {source.encoding} 解码的字节")
            for column, cell in zip(columns, row, strict=True):
                column.append(cell)
            if error:
                errors[len(lines)] = error
            lines.append(line[0])
            if len(lines) >= chunk_rows:
                yield _chunk_from_columns(header, columns, lines, errors)
                columns, lines, errors = [[] for _ in header], [], {}
        if lines:
            yield _chunk_from_columns(header, columns, lines, errors)


def _chunk_from_columns(header: list[str], columns: list[list[str]], lines: list[int],
                        errors: dict[int, tuple[str, str]]) -> Chunk:
    table = pa.table({name: pa.array(col, type=pa.string())
                      for name, col in zip(header, columns, strict=True)})
    return Chunk(table, np.array(lines, dtype=np.int64), errors=errors)


def _jsonl_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    with source.path.open("rb") as fh:
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        errors: dict[int, tuple[str, str]] = {}
        for number, raw in enumerate(fh, start=1):
            text = _json_line(raw)
            if not text:
                continue
            value, error = _json_object(text)
            if error:
                errors[len(records)] = error
            records.append(value)
            lines.append(number)
            if len(records) >= chunk_rows:
                yield _chunk_from_records(records, lines, errors, {})
                records, lines, errors = [], [], {}
        if records:
            yield _chunk_from_records(records, lines, errors, {})


def _json_line(raw: bytes) -> str:
    """One JSON Lines line as text: broken bytes replaced, NULs, BOM and blanks dropped."""
    return raw.decode("utf-8", errors="replace").replace("\0", "").strip().lstrip("\ufeff")


def json_fields(source: Source) -> list[str]:
    """Every field name of a JSON Lines or GeoJSON input, in order of first appearance (a
    first pass; unreadable parts are left to the reading pass to report)."""
    import ijson

    names: dict[str, None] = {}
    if source.format == "jsonl":
        with _open_json(source.path) as fh:
            for raw in fh:
                value, _ = _json_object(_json_line(raw))
                names.update(dict.fromkeys(value))
        return list(names)
    try:
        for feature in _features(source.path):
            names.update(dict.fromkeys(_properties(feature)))
    except ijson.JSONError:
        pass
    return list(names)


def _json_object(text: str) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """One JSON Lines row: its object, or {} and why it cannot be used."""
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_finite)
    except json.JSONDecodeError as exc:
        return {}, (f"not valid JSON: {exc.msg}", f"不是有效的 JSON：{exc.msg}")
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return {}, (f"not usable JSON: {exc}", f"无法使用的 JSON：{exc}")
    except RecursionError:
        return {}, _TOO_DEEP
    if not isinstance(value, dict):
        return {}, ("line is JSON but not an object", "该行是 JSON 但不是对象")
    return (value, None) if not _too_deep(value) else ({}, _TOO_DEEP)


def _finite(text: str) -> float:
    """A JSON number that a float holds (not 1e400; not NaN or Infinity, which are not JSON
    and could not be written back as JSON)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _too_deep(value: Any) -> bool:
    """Whether objects and arrays nest deeper than _MAX_DEPTH (no request needs that, and
    writing them back would exhaust Python's recursion)."""
    level: list[Any] = [value]
    for _ in range(_MAX_DEPTH):
        level = [v for item in level
                 for v in (item.values() if isinstance(item, dict) else item)
                 if isinstance(v, (dict, list))]
        if not level:
            return False
    return True


def _properties(feature: Any) -> dict[str, Any]:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def _open_json(path: Path) -> BinaryIO:
    """The file opened for reading, after its UTF-8 BOM if it has one."""
    fh = path.open("rb")
    if fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)
    return fh


def _geojson_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    """Features streamed from the file (ijson), a chunk at a time: memory stays at one
    chunk of features whatever the size of the collection."""
    import ijson  # only GeoJSON input needs it

    read, batch = 0, []
    try:
        if not _has_features_array(source.path):
            raise InputError(f"{source.path.name}: not a GeoJSON FeatureCollection",
                             f"{source.path.name}：不是 GeoJSON FeatureCollection")
        for feature in _features(source.path):
            batch.append(feature)
            read += 1
            if len(batch) == chunk_rows:
                yield _feature_chunk(batch, read - len(batch))
                batch = []
        if batch:
            yield _feature_chunk(batch, read - len(batch))
    except ijson.JSONError as exc:
        reason = _json_reason(exc)
        raise InputError(f"{source.path.name}: cannot read the GeoJSON after feature {read}: "
                         f"{reason}",
                         f"{source.path.name}：第 {read} 个要素之后的 GeoJSON 无法读取："
                         f"{reason}") from exc


def _features(path: Path) -> Iterator[Any]:
    """The collection's features, by ijson's C parser; from the first number it cannot
    hold (an integer beyond 64 bits, such as a long permit number) on, by its pure-Python
    parser, which holds any integer Python can."""
    import ijson

    done = 0
    with _open_json(path) as fh:
        try:
            for feature in ijson.items(fh, "features.item", use_float=True):
                done += 1
                yield feature
            return
        except ijson.JSONError as exc:
            if "integer overflow" not in _json_reason(exc):
                raise
    with _open_json(path) as fh:
        python = ijson.get_backend("python").items(fh, "features.item", use_float=True)
        yield from islice(python, done, None)


def _json_reason(exc: Exception) -> str:
    """The first line of an ijson error's message."""
    reason = exc.args[0] if exc.args else exc
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", errors="replace")
    first = (str(reason).strip().splitlines() or [""])[0]
    return first if len(first) <= 160 else first[:160] + "…"


def _has_features_array(path: Path) -> bool:
    """Whether the document's top level has a "features" array (perhaps empty). By ijson's
    pure-Python parser, which stops there (the C parser reads ahead, and without its float
    mode crashes on integers of more than 4,300 digits)."""
    import ijson

    with _open_json(path) as fh:
        for prefix, event, _ in ijson.get_backend("python").parse(fh, use_float=True):
            if prefix == "features":
                return event == "start_array"
    return False


def _feature_chunk(features: list[Any], start: int) -> Chunk:
    records: list[dict[str, Any]] = []
    geoms: dict[int, Any] = {}
    errors: dict[int, tuple[str, str]] = {}
    for i, feature in enumerate(features):
        if _too_deep(feature):
            records.append({})
            errors[i] = _TOO_DEEP
            continue
        records.append(_properties(feature))
        geom, error = _feature_geometry(feature)
        if geom is not None:
            geoms[i] = geom
        if error:
            errors[i] = error
    lines = list(range(start + 1, start + 1 + len(records)))
    return replace(_chunk_from_records(records, lines, errors, geoms), features=True)


def _feature_geometry(feature: Any) -> tuple[Any, tuple[str, str] | None]:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if geometry is None:
        return None, None
    try:
        shape = geojson_shape(geometry)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError,
            shapely.errors.ShapelyError) as exc:
        return None, (f"unreadable geometry: {exc}", f"几何无法读取：{exc}")
    if shape.is_empty:
        return None, ("empty geometry", "几何为空")
    if shape.geom_type not in ("Point", "LineString", "Polygon", "MultiLineString",
                               "MultiPolygon", "MultiPoint"):
        return None, (f"unsupported geometry {shape.geom_type}", f"不支持的几何类型 {shape.geom_type}")
    return shape, None


def _chunk_from_records(records: list[dict[str, Any]], lines: list[int],
                        errors: dict[int, tuple[str, str]], geoms: dict[int, Any]) -> Chunk:
    names = list(dict.fromkeys(k for r in records for k in r))
    table = pa.table({n: pa.array([_text_of(r.get(n)) for r in records], type=pa.string())
                      for n in names})
    return Chunk(table, np.array(lines, dtype=np.int64), geoms, errors, records)


def _text_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- writing


class Writer:
    """Writes formatted chunks to a temporary file, moved into place on success: renamed
    over a regular target — through any symlink, keeping an existing file's permissions —
    so an interrupted run leaves no partial file; copied to stdout ('-') or to a target
    that is not a regular file (a FIFO, /dev/null), which is never replaced.

    :meth:`format` is pure (it may run in worker threads); :meth:`write` appends in order.
    """

    def __init__(self, target: str, fmt: str, bom: bool) -> None:
        self.fmt = fmt
        self.target: Path | None = None
        self.copy = True
        try:
            if target != "-":
                path = Path(target)
                if path.is_dir():
                    raise IsADirectoryError(21, "Is a directory")
                # A device or FIFO is written through; a regular file (or a new one) is
                # replaced where the path leads, so a symlink stays a symlink.
                self.copy = path.exists() and not path.is_file()
                self.target = path if self.copy else Path(os.path.realpath(path))
            directory = (Path(tempfile.gettempdir()) if self.copy or self.target is None
                         else self.target.parent)
            handle, self.tmp = _temp_file(directory, fmt)
            if not self.copy and self.target is not None and self.target.exists():
                os.chmod(self.tmp, stat.S_IMODE(self.target.stat().st_mode))
        except OSError as exc:
            raise InputError(f"cannot write {target}: {exc.strerror}",
                             f"无法写入 {target}：{exc.strerror}") from exc
        self.stream: BinaryIO = os.fdopen(handle, "wb")
        self._schema: pa.Schema | None = None
        self._features = 0
        if bom and fmt == "csv":
            self.stream.write(codecs.BOM_UTF8)
        if fmt == "geojson":
            self.stream.write(b'{"type": "FeatureCollection", "features": [\n')

    def format(self, table: pa.Table, geometry: list[Any] | None = None,
               records: list[dict[str, Any]] | None = None,
               results: list[str] | None = None) -> bytes:
        """One chunk as bytes of the output format (no header, no separators). JSON output
        of JSON input is each original ``records`` object plus the ``results`` columns."""
        if self.fmt == "csv":
            sink = io.BytesIO()
            pcsv.write_csv(table, sink, write_options=pcsv.WriteOptions(
                include_header=False, quoting_style="needed"))
            return sink.getvalue()
        lines = []
        for i, row in enumerate(table.to_pylist()):
            if records is not None:
                row = {**records[i], **{k: row[k] for k in results or ()}}
            if self.fmt == "jsonl":
                lines.append(json.dumps(row, ensure_ascii=False))
                continue
            geom = geometry[i] if geometry is not None else None
            lines.append(json.dumps({"type": "Feature",
                                     "geometry": mapping(geom) if geom is not None else None,
                                     "properties": row}, ensure_ascii=False))
        joiner = "\n" if self.fmt == "jsonl" else ",\n"
        return (joiner.join(lines) + ("\n" if self.fmt == "jsonl" and lines else "")).encode()

    def write(self, schema: pa.Schema, data: bytes) -> None:
        """Append a formatted chunk (the CSV header comes with the first)."""
        if self.fmt == "csv" and self._schema is None:
            header = io.BytesIO()
            pcsv.write_csv(schema.empty_table(), header,
                           write_options=pcsv.WriteOptions(quoting_style="needed"))
            self.stream.write(header.getvalue())
        self._schema = self._schema or schema
        if self.fmt == "geojson" and data:
            data = (b",\n" if self._features else b"") + data
            self._features += 1
        self.stream.write(data)

    def commit(self) -> None:
        """Finish the file and move it into place (or copy it to stdout or the device)."""
        if self.fmt == "geojson":
            self.stream.write(b"\n]}\n")
        self.stream.close()
        try:
            if self.target is None:
                self._copy_to_stdout()
            elif self.copy:
                with self.tmp.open("rb") as fh, self.target.open("wb") as out:
                    shutil.copyfileobj(fh, out)
            else:
                os.replace(self.tmp, self.target)
        except OSError as exc:
            raise InputError(f"cannot write {self.target or 'stdout'}: {exc.strerror}",
                             f"无法写入 {self.target or '标准输出'}：{exc.strerror}") from exc
        finally:
            self.tmp.unlink(missing_ok=True)

    def _copy_to_stdout(self) -> None:
        try:
            with self.tmp.open("rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # the reader (e.g. `| head`) has what it wanted
            _silence_stdout()

    def abort(self) -> None:
        """Remove the partial file."""
        if not self.stream.closed:
            self.stream.close()
        self.tmp.unlink(missing_ok=True)


def _temp_file(directory: Path, fmt: str) -> tuple[int, Path]:
    """A new file in ``directory`` with the permissions the umask gives (mkstemp's are
    0600, which a renamed output would keep)."""
    while True:
        path = directory / f".firecheck-{secrets.token_hex(6)}.{fmt}.part"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path
        except FileExistsError:
            continue


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so nothing later fails on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
