"""Reading request tables in chunks, whatever their format: CSV (:mod:`.csv_input`), JSON
Lines and GeoJSON (:mod:`.json_input`). Every input row becomes exactly one table row, in
input order, with its fields as text and its line (or feature) number."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .chunks import Chunk, Source
from .csv_input import csv_chunks, sniff_csv
from .errors import InputError
from .json_input import geojson_chunks, jsonl_chunks

FORMATS = ("csv", "jsonl", "geojson")


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
        sniff_csv(source)
    return source


def _format_from_name(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".geojson", ".json"):
        return "geojson"
    return "csv"


def read_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    """Chunks of at most about ``chunk_rows`` rows, in input order."""
    if source.format == "jsonl":
        yield from jsonl_chunks(source, chunk_rows)
    elif source.format == "geojson":
        yield from geojson_chunks(source, chunk_rows)
    else:
        yield from csv_chunks(source, chunk_rows)
