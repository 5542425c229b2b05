"""KML sources: Google Earth's .kml and .kmz (a zip whose root holds doc.kml), and 奥维互动地图's
.ovkml (KML with GCJ-02 coordinates). Placemarks become records; a file without one says what
it held instead (a NetworkLink to another file, an overlay, empty folders)."""

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


def read_kml(data: bytes, name: str, ovkml: bool = False) -> Layer:
    """Placemarks of a KML document (lon,lat[,alt] in WGS-84 — GCJ-02 for .ovkml)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"{name}：不是有效的 KML：{exc}",
                         f"{name}: not valid KML/XML: {exc}") from exc
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = _NS.sub("", element.tag)
    records: list[Record] = []
    for placemark in root.iter("Placemark"):
        props: dict[str, Any] = {}
        if (title := placemark.findtext("name")) is not None:
            props["name"] = title.strip()
        for item in placemark.iter("Data"):
            props[item.get("name", "")] = (item.findtext("value") or "").strip()
        for item in placemark.iter("SimpleData"):
            props[item.get("name", "")] = (item.text or "").strip()
        try:
            records.append((props, _geometry(placemark, name)))
        except (ValueError, shapely.errors.ShapelyError) as exc:
            raise InputError(f"{name}：KML 几何无法读取：{exc}",
                             f"{name}: unreadable KML geometry: {exc}") from exc
    layer = Layer(name, parse_crs("EPSG:4326", name), records, "KML (always WGS-84 lon/lat)")
    if ovkml:
        layer.datum, layer.datum_source = "gcj02", "奥维 .ovkml (GCJ-02)"
    if not any(g is not None for _, g in records):
        layer.found = _what_else(root)
    return layer


def _what_else(root: ET.Element) -> Text:
    """What a KML without placemark geometry holds, and what to do about it."""
    links = [(link.findtext("Link/href") or link.findtext("Url/href") or "").strip()
             for link in root.iter("NetworkLink")]
    if links:
        target = ", ".join(h for h in links if h)[:200] or "?"
        return Text(f"只有指向其他文件的网络链接 NetworkLink（{target}）：请在 Google Earth 中打开它，"
                    "把图层另存为 KML/KMZ 后再导入",
                    f"only a NetworkLink to another file ({target}); open it in Google Earth "
                    "and save the layer (right-click → Save Place As… KML/KMZ), then import that")
    overlays = sum(1 for tag in ("GroundOverlay", "ScreenOverlay", "PhotoOverlay")
                   for _ in root.iter(tag))
    if overlays:
        return Text(f"只有 {overlays} 个图片叠加层（不是矢量边界）",
                    f"only {overlays} image overlay(s), which are pictures, not boundaries")
    placemarks = sum(1 for _ in root.iter("Placemark"))
    if placemarks:
        return Text(f"{placemarks} 个地标均无几何", f"{placemarks} placemark(s), none with a geometry")
    return Text("没有地标（Placemark）", "no Placemark")


def _geometry(node: ET.Element, where: str) -> BaseGeometry | None:
    parts: list[BaseGeometry] = []
    for polygon in node.iter("Polygon"):
        outer = polygon.find("outerBoundaryIs/LinearRing/coordinates")
        inner = polygon.findall("innerBoundaryIs/LinearRing/coordinates")
        if outer is not None:
            parts.append(shapely.Polygon(_coords(outer.text, where),
                                         [_coords(i.text, where) for i in inner]))
    for line in node.iter("LineString"):
        parts.append(shapely.LineString(_coords(line.findtext("coordinates"), where)))
    for point in node.iter("Point"):
        parts.append(shapely.Point(_coords(point.findtext("coordinates"), where)[0]))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    kinds = {p.geom_type for p in parts}
    if kinds == {"Polygon"}:
        return shapely.MultiPolygon(parts)
    if kinds == {"LineString"}:
        return shapely.MultiLineString(parts)
    if kinds == {"Point"}:
        return shapely.MultiPoint(parts)
    raise InputError(f"{where}：同一地标混合了多种几何 {sorted(kinds)}",
                     f"{where}: a placemark mixes {sorted(kinds)}; split it into one kind each")


def _coords(text: str | None, where: str) -> list[tuple[float, float]]:
    try:
        points = [(float(x), float(y)) for x, y, *_ in
                  (item.split(",") for item in (text or "").split())]
    except ValueError as exc:
        raise InputError(f"{where}：KML 坐标无法读取",
                         f"{where}: unreadable KML coordinates: {exc}") from exc
    if not points:
        raise InputError(f"{where}：KML 坐标为空", f"{where}: empty KML coordinates")
    return points
