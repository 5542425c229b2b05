"""Reading request tables in chunks, whatever their format. Every input row becomes exactly
one table row, in input order, with its fields as text and its line (or feature) number.

Formats are registered in :data:`READERS`: a new input format is one module with a
:class:`Reader` and one line here.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ...errors import InputError
from . import csv_reader, geojson_reader, gpx_reader, jsonl_reader, shapefile_reader
from .source import Chunk, InputFile


@dataclass(frozen=True)
class Reader:
    """One input format: how to recognise it, sniff it, list its fields, read its rows."""

    name: str
    suffixes: tuple[str, ...]
    chunks: Callable[[InputFile, int], Iterator[Chunk]]
    fields: Callable[[InputFile], list[str] | None]  # known before the first row
    sniff: Callable[[InputFile], None] | None = None
    geometry: bool = False  # rows may carry their own geometry instead of lat/lon


READERS: dict[str, Reader] = {r.name: r for r in (
    Reader("csv", (".csv",), csv_reader.csv_chunks, csv_reader.csv_fields,
           csv_reader.sniff_csv),
    Reader("jsonl", (".jsonl", ".ndjson"), jsonl_reader.jsonl_chunks, jsonl_reader.jsonl_fields),
    Reader("geojson", (".geojson", ".json"), geojson_reader.geojson_chunks,
           geojson_reader.geojson_fields, geometry=True),
    Reader("gpx", (".gpx",), gpx_reader.gpx_chunks, gpx_reader.gpx_fields, geometry=True),
    Reader("shapefile", (".shp",), shapefile_reader.shapefile_chunks,
           shapefile_reader.shapefile_fields, geometry=True),
)}
FORMATS = tuple(READERS)
OUTPUT_FORMATS = ("csv", "jsonl", "geojson")  # what the writer writes
DEFAULT_FORMAT = "csv"


def format_of(name: str, fallback: str = DEFAULT_FORMAT) -> str:
    """The format a file name's extension says, else ``fallback``."""
    lower = name.lower()
    return next((r.name for r in READERS.values() if lower.endswith(r.suffixes)), fallback)


def output_format_of(name: str, source_format: str) -> str:
    """The output format a target's extension says, else the input's if it can be written
    (GeoJSON for GPX or Shapefile input, keeping their geometry)."""
    fmt = format_of(name, "")
    if fmt and fmt not in OUTPUT_FORMATS:
        raise InputError(f"输出格式必须是 {', '.join(OUTPUT_FORMATS)} 之一，而不是 {fmt}",
                         f"the output format must be one of {', '.join(OUTPUT_FORMATS)}, "
                         f"not {fmt}")
    return fmt or (source_format if source_format in OUTPUT_FORMATS else "geojson")


def open_input(source: str | Path | BinaryIO, fmt: str | None) -> InputFile:
    """Resolve a path ('-' for stdin) or a binary file object, its format (from ``fmt`` or
    the extension) and what its reader sniffs (a CSV's encoding and delimiter). Streams are
    spooled to a temporary file, removed by :func:`close_input`."""
    if isinstance(source, (str, Path)) and str(source) != "-":
        path, cleanup, name = Path(source), [], str(source)
        if not path.is_file():
            raise InputError(f"找不到输入文件：{source}", f"input file not found: {source}")
    else:
        stream = sys.stdin.buffer if isinstance(source, (str, Path)) else source
        handle, tmp = tempfile.mkstemp(prefix="firecheck-stdin-")
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(stream, out)
        path, cleanup, name = Path(tmp), [Path(tmp)], str(getattr(source, "name", "") or "")
    fmt = fmt or format_of(name)
    if fmt not in READERS:
        raise InputError(f"输入格式必须是 {', '.join(FORMATS)} 之一，而不是 {fmt!r}",
                         f"the input format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    found = InputFile(path, fmt, size=path.stat().st_size, cleanup=cleanup)
    if (sniff := READERS[fmt].sniff) is not None:
        sniff(found)
    return found


def close_input(source: InputFile) -> None:
    """Remove any temporary spool of the input."""
    for path in source.cleanup:
        path.unlink(missing_ok=True)


def read_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    """Chunks of at most about ``chunk_rows`` rows, in input order."""
    yield from READERS[source.format].chunks(source, chunk_rows)


def input_fields(source: InputFile) -> list[str] | None:
    """The input's field names, before the first row (None for an empty CSV)."""
    return READERS[source.format].fields(source)
