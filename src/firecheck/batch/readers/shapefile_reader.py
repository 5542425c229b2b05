"""Shapefile input — a NASA FIRMS download (fire_nrt_*.shp: LATITUDE, LONGITUDE, ACQ_DATE,
ACQ_TIME…) or any point/line/area layer — read with the importer's checked reader (damaged
files, .cpg and encodings as ``zones import``), streamed in chunks. Geometries are taken to
WGS-84 with pyproj; a datum PROJ can only guess at here is refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

import numpy as np
import shapely

from ...errors import InputError
from ...zones.importers import shapefile_parts
from ...zones.importers.crs import reproject, to_degrees
from ...zones.importers.datums import datum_shift
from ...zones.importers.place import fits
from ...zones.importers.shp import OpenShapefile, open_shapefile
from .json_records import chunk_from_records
from .source import Chunk, InputFile


def _open(source: InputFile) -> OpenShapefile:
    return open_shapefile(shapefile_parts(source.path), source.path.name, None)


def shapefile_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    opened = _open(source)
    records = opened.records()
    start = 0
    while part := list(islice(records, chunk_rows)):
        rows = [i for i, (_, g) in enumerate(part) if g is not None]
        shapes = _wgs84(opened, [part[i][1] for i in rows]) if rows else []
        lines = list(range(start + 1, start + 1 + len(part)))
        props: list[dict[str, Any]] = [{k: _text(v) for k, v in p.items()} for p, _ in part]
        yield replace(chunk_from_records(props, lines, {}, dict(zip(rows, shapes, strict=True))),
                      features=True)
        start += len(part)


def _wgs84(opened: OpenShapefile, shapes: list[Any]) -> list[Any]:
    if opened.crs is None:
        coords = shapely.get_coordinates(np.array(shapes, dtype=object))
        if (np.abs(coords[:, 0]) <= 180).all() and (np.abs(coords[:, 1]) <= 90).all():
            return shapes  # no .prj, plainly degrees (FIRMS writes WGS-84)
        raise InputError(f"{opened.name}：没有 .prj，坐标也不是经纬度",
                         f"{opened.name}: no .prj, and the coordinates are not degrees")
    moved = reproject(shapes, to_degrees(opened.crs))
    coords = shapely.get_coordinates(np.array(moved, dtype=object))
    centre = tuple(np.median(coords, axis=0)) if fits(coords) else (110.18, 41.1)
    shift = datum_shift(opened.crs, centre, None, None)  # raises for a datum with no parameters
    if shift.metres:
        raise InputError(f"{opened.name}：{shift.warning.zh if shift.warning else shift.basis}。"
                         "批量核查不放宽精度：请先转换为 WGS-84",
                         f"{opened.name}: {shift.basis}. A batch cannot widen each row's "
                         "accuracy: convert the file to WGS-84 first")
    return reproject(shapes, shift.transformer)


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def shapefile_fields(source: InputFile) -> list[str]:
    opened = _open(source)
    first = next(opened.records(), None)
    return list(first[0]) if first else []
