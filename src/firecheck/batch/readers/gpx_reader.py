"""GPX input (a ranger's GPS): each waypoint is a point row, each route or track a route
row judged from its nearest part; a track's first and last ``<time>`` become its ``start``
and ``end`` (the strictest day of the range decides), else ``--date`` applies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ...zones.importers.gpx import gpx_records
from .json_records import chunk_from_records
from .source import Chunk, InputFile


def _rows(source: InputFile) -> list[tuple[dict[str, Any], Any]]:
    out = []
    for props, shape in gpx_records(source.path.read_bytes(), source.path.name):
        row = {k: v for k, v in props.items() if k not in ("first_time", "last_time")}
        if "first_time" in props:
            if props["gpx_type"] == "wpt":
                row["date"] = props["first_time"]
            else:
                row["start"], row["end"] = props["first_time"], props["last_time"]
        out.append((row, shape))
    return out


def gpx_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    rows = _rows(source)
    for start in range(0, len(rows), chunk_rows):
        part = rows[start:start + chunk_rows]
        geoms = {i: shape for i, (_, shape) in enumerate(part) if shape is not None}
        lines = list(range(start + 1, start + 1 + len(part)))
        yield replace(chunk_from_records([r for r, _ in part], lines, {}, geoms), features=True)


def gpx_fields(source: InputFile) -> list[str]:
    return list(dict.fromkeys(k for row, _ in _rows(source) for k in row))
