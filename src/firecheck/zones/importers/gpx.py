"""GPX 1.0/1.1 (a ranger's GPS): waypoints as points, routes and tracks as lines, in
document order, always WGS-84. Shared by ``zones import`` and the batch reader."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from ...errors import InputError
from ...text import Text
from .layer import Layer, Record, parse_crs

_NS = re.compile(r"^\{.*\}")
_TEXT_FIELDS = ("name", "desc", "cmt", "type")


def gpx_records(data: bytes, name: str) -> list[Record]:
    """One record per waypoint, route and track: its name, kind (wpt/rte/trk), first and
    last time and point count, and its shape (a track of several segments is a
    MultiLineString)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"{name}：不是有效的 GPX：{exc}",
                         f"{name}: not valid GPX/XML: {exc}") from exc
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = _NS.sub("", element.tag)
    if root.tag != "gpx":
        raise InputError(f"{name}：不是 GPX 文件（根元素为 {root.tag}）",
                         f"{name}: not a GPX file (root element {root.tag})")
    records: list[Record] = []
    for node in root:
        if node.tag == "wpt":
            points = [node]
            shape: BaseGeometry | None = shapely.Point(_lonlat(node, name))
        elif node.tag == "rte":
            points = node.findall("rtept")
            shape = _line([_lonlat(p, name) for p in points])
        elif node.tag == "trk":
            segments = [[_lonlat(p, name) for p in seg.findall("trkpt")]
                        for seg in node.findall("trkseg")]
            points = [p for seg in node.findall("trkseg") for p in seg.findall("trkpt")]
            lines = [shapely.LineString(seg) for seg in segments if len(seg) > 1]
            shape = (lines[0] if len(lines) == 1 else shapely.MultiLineString(lines) if lines
                     else _line([p for seg in segments for p in seg]))
        else:
            continue
        props: dict[str, Any] = {"gpx_type": node.tag, "points": len(points)}
        props.update({k: v.strip() for k in _TEXT_FIELDS if (v := node.findtext(k))})
        if times := [t.strip() for p in points if (t := p.findtext("time"))]:
            props["first_time"], props["last_time"] = times[0], times[-1]
        records.append((props, shape))
    return records


def read_gpx(data: bytes, name: str) -> Layer:
    records = gpx_records(data, name)
    layer = Layer(name, parse_crs("EPSG:4326", name), records, "GPX (always WGS-84)")
    if not any(g is not None for _, g in records):
        layer.found = Text("没有航点、航线或轨迹", "no waypoints, routes or tracks")
    return layer


def _lonlat(node: ET.Element, where: str) -> tuple[float, float]:
    try:
        return float(node.attrib["lon"]), float(node.attrib["lat"])
    except (KeyError, ValueError) as exc:
        raise InputError(f"{where}：GPX 点缺少有效的 lat/lon 属性",
                         f"{where}: a GPX point without valid lat/lon attributes") from exc


def _line(points: list[tuple[float, float]]) -> BaseGeometry | None:
    if not points:
        return None
    return shapely.LineString(points) if len(points) > 1 else shapely.Point(points[0])
