"""Reading request tables in chunks, whatever their format. Every input row becomes exactly
one table row, in input order, with its fields as text and its line (or feature) number.

Formats are registered in :data:`READERS`: a new input format is one module with a
:class:`Reader` and one line here.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ...errors import InputError
from ...files import discard, spool
from .kinds import content_format, file_head, is_utf16, refuse_binary, utf16_to_utf8
from .source import Chunk, InputFile


@dataclass(frozen=True)
class Reader:
    """One input format: how to recognise it, and the module of this package that sniffs
    it, lists its fields and reads its rows — ``<prefix>_chunks``, ``<prefix>_fields`` and,
    if it sniffs, ``sniff_<prefix>`` — imported only when a file of the format is read (the
    GPX and shapefile readers load the zone importers: 10 ms of every other batch)."""

    name: str
    suffixes: tuple[str, ...]
    module: str
    sniffs: bool = False
    geometry: bool = False  # rows may carry their own geometry instead of lat/lon

    def chunks(self, source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
        return self._function(f"{self.name}_chunks")(source, chunk_rows)

    def fields(self, source: InputFile) -> list[str] | None:
        return self._function(f"{self.name}_fields")(source)

    @property
    def sniff(self) -> Callable[[InputFile], None] | None:
        return self._function(f"sniff_{self.name}") if self.sniffs else None

    def _function(self, name: str) -> Callable[..., Any]:
        return getattr(importlib.import_module(f"{__name__}.{self.module}"), name)


READERS: dict[str, Reader] = {r.name: r for r in (
    Reader("csv", (".csv",), "csv_reader", sniffs=True),
    Reader("jsonl", (".jsonl", ".ndjson"), "jsonl_reader"),
    Reader("geojson", (".geojson", ".json"), "geojson_reader", sniffs=True, geometry=True),
    Reader("gpx", (".gpx",), "gpx_reader", geometry=True),
    Reader("shapefile", (".shp",), "shapefile_reader", geometry=True),
    Reader("xlsx", (".xlsx", ".xlsm"), "xlsx_reader", sniffs=True),
)}
FORMATS = tuple(READERS)
OUTPUT_FORMATS = ("csv", "jsonl", "geojson", "xlsx")  # what the writer writes
TEXT_FORMATS = ("csv", "jsonl", "geojson", "gpx")
DEFAULT_FORMAT = "csv"


def format_of(name: str, fallback: str = DEFAULT_FORMAT) -> str:
    """The format a file name's extension says, else ``fallback``."""
    lower = name.lower()
    return next((r.name for r in READERS.values() if lower.endswith(r.suffixes)), fallback)


def output_format_of(name: str, source_format: str) -> str:
    """The output format a target's extension says, else the input's if it can be written
    (GeoJSON for GPX or Shapefile input, keeping their geometry; CSV for an Excel input
    written to stdout or a name without .xlsx: a workbook is written only when named)."""
    fmt = format_of(name, "")
    if name.lower().endswith((".xls", ".et")):
        raise InputError("firecheck 写出的 Excel 文件是 .xlsx：请把输出文件命名为 .xlsx",
                         "firecheck writes Excel files as .xlsx: name the output .xlsx")
    if not fmt and source_format == "xlsx":
        return "csv"
    if fmt and fmt not in OUTPUT_FORMATS:
        raise InputError(f"输出格式必须是 {', '.join(OUTPUT_FORMATS)} 之一，而不是 {fmt}",
                         f"the output format must be one of {', '.join(OUTPUT_FORMATS)}, "
                         f"not {fmt}")
    return fmt or (source_format if source_format in OUTPUT_FORMATS else "geojson")


def open_input(source: str | Path | BinaryIO, fmt: str | None,
               sheet: str | None = None) -> InputFile:
    """Resolve a path ('-' for stdin) or a binary file object, its format (from ``fmt``, the
    content — an Excel workbook is one whatever its name — or the extension) and what its
    reader sniffs (a CSV's encoding and delimiter). Streams, and UTF-16 text (Excel's
    "Unicode text"), are spooled to a private temporary file (UTF-8), removed by
    :func:`close_input` (or, if the spooling is interrupted, at once). A file of another
    kind (a PDF, an image, an old .xls) is refused with what to do instead."""
    if isinstance(source, (str, Path)) and str(source) != "-":
        path, cleanup, name = Path(source), [], str(source)
        if not path.is_file():
            raise InputError(f"找不到输入文件：{source}", f"input file not found: {source}")
    else:
        stream = sys.stdin.buffer if isinstance(source, (str, Path)) else source
        path = spool(".stdin.part", lambda out: shutil.copyfileobj(stream, out))
        cleanup, name = [path], str(getattr(source, "name", "") or "")
    try:
        fmt = fmt or content_format(path) or format_of(name)
        if fmt not in READERS:
            raise InputError(f"输入格式必须是 {', '.join(FORMATS)} 之一，而不是 {fmt!r}",
                             f"the input format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        if fmt in TEXT_FORMATS:
            head = file_head(path)
            refuse_binary(head, name or "-")
            if is_utf16(head):
                path = utf16_to_utf8(path, head)
                cleanup.append(path)
        state = os.stat(path)
        found = InputFile(path, fmt, size=state.st_size, cleanup=cleanup, state=_identity(state),
                          sheet=sheet)
        if (sniff := READERS[fmt].sniff) is not None:
            sniff(found)
    except BaseException:
        for spooled in cleanup:
            discard(spooled)
        raise
    return found


def _identity(state: os.stat_result) -> tuple[int, ...]:
    return state.st_dev, state.st_ino, state.st_size, state.st_mtime_ns


def check_unchanged(source: InputFile) -> None:
    """An InputError if the input file changed (shrank, grew, was replaced) since it was
    opened: the rows read may not be the file's rows."""
    try:
        now = _identity(os.stat(source.path))
    except OSError:
        now = ()
    if now != source.state:
        raise InputError(f"输入文件 {source.path} 在读取期间被修改（大小或时间改变）：结果不完整，未写出",
                         f"the input file {source.path} changed while it was read (its size "
                         "or time changed): the result would be incomplete; nothing was written")


def close_input(source: InputFile) -> None:
    """Remove any temporary spool of the input."""
    for path in source.cleanup:
        discard(path)


def read_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    """Chunks of at most about ``chunk_rows`` rows, in input order."""
    yield from READERS[source.format].chunks(source, chunk_rows)


def input_fields(source: InputFile) -> list[str] | None:
    """The input's field names, before the first row (None for an empty CSV)."""
    return READERS[source.format].fields(source)
