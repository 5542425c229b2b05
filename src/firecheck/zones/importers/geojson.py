"""GeoJSON sources: RFC 7946 WGS-84, or the CRS a legacy ``crs`` member names. DataV
(Aliyun/Amap) admin files are GCJ-02: their tell-tale keys are reported so the importer can
refuse to take them as WGS-84."""

from __future__ import annotations

import json
from typing import Any

from ...errors import InputError
from ...text import Text
from .layer import Layer, Record, geojson_geometry, parse_crs

# Keys DataV.GeoAtlas (Aliyun, drawn on Amap's GCJ-02 base) puts in every feature.
DATAV_KEYS = frozenset({"adcode", "centroid", "acroutes"})
_DATAV = "DataV properties: "


def read_geojson(data: bytes, name: str) -> Layer:
    """A FeatureCollection (or a lone Feature) from its bytes."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{name}：不是有效的 UTF-8 JSON：{exc}",
                         f"{name}: not valid UTF-8 JSON: {exc}") from exc
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise InputError(f"{name}：不是 GeoJSON FeatureCollection",
                         f"{name}: not a GeoJSON FeatureCollection")
    declared = _declared_crs(doc.get("crs"))
    records: list[Record] = []
    for feature in doc["features"]:
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        records.append((props if isinstance(props, dict) else {},
                        geojson_geometry(geometry, name)))
    layer = Layer(name, parse_crs(declared, name) if declared else parse_crs("EPSG:4326", name),
                  records, "the GeoJSON crs member" if declared else "GeoJSON (RFC 7946: WGS-84)")
    if keys := sorted(DATAV_KEYS & {k for p, _ in records for k in p}):
        layer.datum_source = _DATAV + ", ".join(keys)
    return layer


def _declared_crs(member: Any) -> str | None:
    if not isinstance(member, dict) or not isinstance(member.get("properties"), dict):
        return None
    value = member["properties"].get("name")
    return value if isinstance(value, str) else None


def datav_hint(layer: Layer) -> Text | None:
    """Why the layer looks like DataV's GCJ-02 data, if it does."""
    if not layer.datum_source or not layer.datum_source.startswith(_DATAV):
        return None
    keys = layer.datum_source.removeprefix(_DATAV)
    return Text(f"属性中有 DataV（阿里云/高德）特有的键（{keys}），此类数据为 GCJ-02 坐标",
                f"its properties have the keys DataV (Aliyun/Amap) writes ({keys}), and DataV "
                "data is GCJ-02")
