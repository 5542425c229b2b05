"""Where a request lies, independent of the date: its place in WGS-84, its county scope,
and its signed distance to every mapped zone within reach."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ..geo.datum import Datum, to_wgs84
from ..geo.projection import to_local
from ..geo.projection import to_wgs84 as plane_to_wgs84
from ..text import Message, Text
from ..zones.model import Measure, Zone, ZoneSet
from .model import Location, Request, Scope

_GEOD = Geod(ellps="WGS84")


def locate(request: Request, zones: ZoneSet) -> Location:
    """Measure the request's place (a point, or its route/area geometry); converts its datum
    to WGS-84 first."""
    if request.accuracy_m < 0 or request.accuracy_m != request.accuracy_m:
        raise InputError("位置精度必须是非负的米数",
                         "position accuracy must be a non-negative number of metres",
                         code="invalid_accuracy")
    if request.lat is None or request.lon is None:
        if not request.in_zones and request.geometry is None:
            raise InputError("需要位置：坐标、地名，或用 --in-zone 说明所在区域",
                             "a place is needed: coordinates, a place name, or --in-zone",
                             code="missing_place")
        if request.geometry is None:  # only the zones the user says it is in: all in Guyang
            return Location(None, None, request.accuracy_m, None, "inside", (),
                            request.warnings)
    if request.geometry is not None:
        shape = geometry_to_plane(request.geometry, request.datum)
        centre = shape.representative_point()
        lon, lat = plane_to_wgs84(centre.x, centre.y)
        return _measure(zones, shape, float(lat), float(lon), request.accuracy_m,
                        request.warnings)
    lat, lon = to_wgs84(request.lat, request.lon, request.datum)
    warnings = request.warnings
    if request.datum != "wgs84":
        warnings += (_datum_note(request, lat, lon),)
    x, y = (float(v) for v in to_local(lon, lat))
    return _measure(zones, shapely.Point(x, y), float(lat), float(lon), request.accuracy_m,
                    warnings)


def locate_parts(request: Request, zones: ZoneSet) -> list[Location]:
    """The request's place; one per part for a route or area in several parts, each judged
    on its own (a part outside the county is out of scope whatever the others are)."""
    geometry = request.geometry
    if geometry is None or shapely.get_num_geometries(geometry) < 2:
        return [locate(request, zones)]
    return [locate(replace(request, geometry=part), zones)
            for part in shapely.get_parts(geometry) if not part.is_empty]


def _measure(zones: ZoneSet, shape: BaseGeometry, lat: float, lon: float, accuracy_m: float,
             warnings: tuple[Message, ...]) -> Location:
    index = zones.index()
    county_edge = index.county_edge_of(shape)
    measures = tuple(Measure(zones.mapped[i], edge_m, i)
                     for i, edge_m in index.measure(shape, accuracy_m))
    flags = zones.beyond_extents(np.array([shape], dtype=object), accuracy_m)[0]
    beyond = frozenset(d for d, flag in zip(zones.bounded, flags, strict=True) if flag)
    return Location(lat, lon, accuracy_m, county_edge,
                    scope_of(county_edge, zones.county, accuracy_m), measures, warnings, beyond)


def scope_of(county_edge: float, county: Zone, accuracy_m: float) -> Scope:
    """Inside, outside or within the uncertainty band of the county line."""
    band = (county.accuracy_m or 0.0) + accuracy_m
    if county_edge <= -band:
        return "inside"
    return "outside" if county_edge > band else "near_boundary"


def _datum_note(request: Request, lat: float, lon: float) -> Message:
    moved = _GEOD.inv(request.lon, request.lat, lon, lat)[2]  # metres on the ellipsoid
    name = request.datum.upper()
    return Message("datum_converted", Text(
        f"{name} 坐标已换算为 WGS-84（{lat:.6f}, {lon:.6f}），偏移 {moved:.0f} 米。",
        f"{name} coordinates converted to WGS-84 ({lat:.6f}, {lon:.6f}): moved {moved:.0f} m."))


def geometry_to_plane(geometry: BaseGeometry, datum: Datum) -> BaseGeometry:
    """A lon/lat route or area in local metres, its datum converted first; an InputError
    if a vertex is out of range or where PROJ cannot place it on the county's plane."""
    xy = shapely.get_coordinates(geometry)
    if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        raise InputError("有顶点超出范围（经度 -180..180，纬度 -90..90）",
                         "a vertex is out of range (longitude -180..180, latitude -90..90)",
                         code="invalid_geometry")

    def to_plane(xy: np.ndarray) -> np.ndarray:
        lat, lon = to_wgs84(xy[:, 1], xy[:, 0], datum)
        return np.column_stack(to_local(lon, lat))

    shape = shapely.transform(geometry, to_plane)
    if not np.isfinite(shapely.get_coordinates(shape)).all():
        raise InputError("路线或区域延伸到离固阳过远之处，无法在本县平面上测量",
                         "the route or area reaches places too far from Guyang to measure on "
                         "the county's plane", code="geometry_not_projectable")
    return shape
