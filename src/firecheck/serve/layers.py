"""The loaded zones as GeoJSON (WGS-84, RFC 7946) for ``/api/zones`` and the page's map:
each zone with the properties of ``firecheck zones --json``, and on request the lines a map
draws — the 500 m ban line and the band of the edge's uncertainty — computed in the county's
metric plane exactly as ``firecheck map`` draws them."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from ..geo.projection import to_wgs84
from ..views.json import zone_dict
from ..zones.model import Zone, ZoneSet

SIMPLIFY_M = 20.0  # drawn lines only: well under a phone pixel at the page's widest view


def zones_geojson(zones: ZoneSet, lines: bool) -> dict[str, Any]:
    """A FeatureCollection: every zone (``layer: zone``; unmapped ones with a null
    geometry), and with ``lines`` each mapped zone's ``buffer`` line and accuracy ``band``."""
    features = []
    for zone in zones.zones:
        props = {"layer": "zone", **zone_dict(zone, zones)}
        features.append(_feature(zone.shape, props))
        if lines and zone.shape is not None and zone is not zones.county:
            features += _lines(zone)
    return {"type": "FeatureCollection", "version": zones.version, "features": features}


def _lines(zone: Zone) -> list[dict[str, Any]]:
    assert zone.shape is not None
    accuracy = zone.accuracy_m or 0.0
    base = {"id": zone.id, "designation": zone.designation, "buffer_m": zone.buffer_m,
            "accuracy_m": accuracy}
    out = []
    if zone.buffer_m:
        out.append(_feature(zone.shape.buffer(zone.buffer_m).simplify(SIMPLIFY_M),
                            {"layer": "buffer", **base}))
    if accuracy:
        outer = zone.shape.buffer(zone.buffer_m + accuracy)
        inner = zone.shape.buffer(zone.buffer_m - accuracy) if zone.buffer_m > accuracy else None
        band = outer.difference(inner) if inner is not None and not inner.is_empty else outer
        out.append(_feature(band.simplify(SIMPLIFY_M), {"layer": "band", **base}))
    return out


def _feature(shape: BaseGeometry | None, props: dict[str, Any]) -> dict[str, Any]:
    geometry = None
    if shape is not None:
        wgs = shapely.transform(shape, _to_degrees)
        geometry = mapping(shapely.set_precision(wgs, 1e-7))
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _to_degrees(xy: Any) -> Any:
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    xy[:, 0], xy[:, 1] = lon, lat
    return xy
