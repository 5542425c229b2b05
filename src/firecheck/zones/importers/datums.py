"""Datums, and what they cost in accuracy.

*Geodetic datums* (Beijing 1954, Xian 1980…): PROJ has no transformation from them to WGS-84
at Guyang and applies a "ballpark" 0 m shift. Then either the survey's own parameters are
given (``--towgs84``), or the uncertainty is stated (``--datum-accuracy``), or it is taken
from EPSG's published transformations of that datum elsewhere in China (their largest shift
at the data's place); a datum with none of these is refused.

*Web-map datums* (GCJ-02 of Amap/Tencent/DataV/奥维, BD-09 of Baidu) are offsets of WGS-84
lon/lat, undone with :func:`firecheck.geo.datum.to_wgs84`; DataV's keys or a county line
lying one GCJ-02 offset from the known one give them away when nobody said so.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.transformer import AreaOfInterest, TransformerGroup
from shapely.geometry.base import BaseGeometry

from ...errors import InputError
from ...geo.datum import parse_datum, to_wgs84
from ...geo.projection import to_local
from ...text import Text
from ..file import GUYANG_BOX
from .crs import to_degrees

# Frames PROJ rightly takes as WGS-84 here (both ITRF-aligned, geocentric).
GEOCENTRIC = re.compile(r"World Geodetic System 1984|China 2000|China Geodetic Coordinate "
                        r"System 2000|ITRF", re.IGNORECASE)
# geo/datum.py: the public GCJ-02 formula agrees with real Amap offsets to about a metre.
WEB_FORMULA_M = 1.0
_GUYANG = AreaOfInterest(*GUYANG_BOX)
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class DatumShift:
    """How a layer's CRS reaches WGS-84 and how sure that is."""

    transformer: Transformer
    metres: float  # datum uncertainty added to the accuracy
    basis: str
    warning: Text | None = None


def parse_towgs84(text: str) -> tuple[float, ...]:
    """'dx,dy,dz' or 'dx,dy,dz,rx,ry,rz,s' (metres, arc-seconds, ppm; position vector, as
    PROJ's +towgs84)."""
    try:
        values = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        values = ()
    if len(values) not in (3, 7) or not all(math.isfinite(v) for v in values):
        raise InputError(f"--towgs84 {text!r}：应为 3 个或 7 个数 dx,dy,dz[,rx,ry,rz,s]",
                         f"--towgs84 {text!r}: give 3 or 7 numbers dx,dy,dz[,rx,ry,rz,s] "
                         "(metres, arc-seconds, ppm; position-vector convention)")
    return values


def datum_shift(crs: CRS, lonlat: tuple[float, float], towgs84: str | None,
                datum_accuracy: float | None) -> DatumShift:
    """The transformation of ``crs`` to WGS-84 and the datum uncertainty it leaves, near
    ``lonlat`` (the layer's centre, WGS-84 degrees)."""
    datum = crs.datum.name if crs.datum else crs.name
    if towgs84 is not None:
        params = parse_towgs84(towgs84)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyproj: "you will lose information" in PROJ.4
            base = re.sub(r"\+towgs84=\S+|\+datum=\S+|\+nadgrids=\S+", "", crs.to_proj4())
            bound = CRS.from_proj4(f"{base} +towgs84={','.join(f'{v:g}' for v in params)}")
        stated = datum_accuracy or 0.0
        return DatumShift(to_degrees(bound), stated,
                          f"{datum} → WGS-84 by the importer's parameters (--towgs84 "
                          f"{','.join(f'{v:g}' for v in params)})"
                          + (f", stated to ±{stated:g} m" if datum_accuracy else
                             "; their own accuracy not stated (--datum-accuracy adds it)"))
    transformer = to_degrees(crs, area_of_interest=_GUYANG)
    ballpark = "Ballpark" in transformer.description or transformer.accuracy < 0
    if not ballpark:
        metres = max(transformer.accuracy, datum_accuracy or 0.0)
        return DatumShift(transformer, metres,
                          f"PROJ: {transformer.description} (±{transformer.accuracy:g} m)")
    if GEOCENTRIC.search(datum):
        return DatumShift(transformer, datum_accuracy or 0.0,
                          f"{datum}: a geocentric frame, taken as WGS-84 (no shift)")
    if datum_accuracy is not None:
        return DatumShift(transformer, datum_accuracy,
                          f"{datum}: PROJ has no transformation here (0 m shift applied); "
                          f"uncertainty ±{datum_accuracy:g} m stated by the importer "
                          "(--datum-accuracy)", _zero_shift_warning(datum, datum_accuracy))
    published = _published_shifts(crs, lonlat)
    if not published:
        raise InputError(
            f"{datum}：PROJ 在此没有到 WGS-84 的转换参数，只会按 0 米平移（实际偏差可达数十米），EPSG 也没有"
            "该基准的公开参数。请用 --towgs84 dx,dy,dz,rx,ry,rz,s 给出测绘成果附带的七参数，或用 "
            "--datum-accuracy 米数 说明基准不确定度（会计入精度）",
            f"{datum}: PROJ has no transformation to WGS-84 here and would shift by 0 m (the "
            "true shift can be tens of metres), and EPSG publishes none for this datum. Give "
            "the survey's seven parameters with --towgs84 dx,dy,dz,rx,ry,rz,s, or state the "
            "datum uncertainty with --datum-accuracy METRES (it is added to the accuracy)")
    low, high = min(m for _, m in published), max(m for _, m in published)
    metres = float(math.ceil(high))
    names = "; ".join(f"{n} {m:.0f} m" for n, m in published)
    return DatumShift(transformer, metres,
                      f"{datum}: PROJ has no transformation here (0 m shift applied); EPSG's "
                      f"published {datum} → WGS 84 sets (for other areas) move this place "
                      f"{low:.0f}–{high:.0f} m ({names}): uncertainty ±{metres:g} m",
                      Text(f"{datum} 到 WGS-84 在此无转换参数，已按 0 米平移；EPSG 为其他地区公布的"
                           f"参数在此处的平移为 {low:.0f}–{high:.0f} 米，精度因此放宽 {metres:g} 米。"
                           "有测绘成果的七参数时请用 --towgs84 给出",
                           f"{datum} has no transformation to WGS-84 here: shifted by 0 m; the "
                           f"sets EPSG publishes for other areas move this place "
                           f"{low:.0f}–{high:.0f} m, so the accuracy is widened by {metres:g} m. "
                           "Give the survey's seven parameters with --towgs84 to do better"))


def _zero_shift_warning(datum: str, metres: float) -> Text:
    return Text(f"{datum} 到 WGS-84 在此无转换参数，已按 0 米平移，"
                f"精度放宽 {metres:g} 米（--datum-accuracy）",
                f"{datum} has no transformation to WGS-84 here: shifted by 0 m, accuracy "
                f"widened by {metres:g} m (--datum-accuracy)")


def _published_shifts(crs: CRS, lonlat: tuple[float, float]) -> list[tuple[str, float]]:
    """Each non-ballpark EPSG transformation of the datum to WGS-84 (any area), with how
    far it moves ``lonlat``."""
    geographic = crs.geodetic_crs
    if geographic is None:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        group = TransformerGroup(geographic, "EPSG:4326", always_xy=True)
    lon, lat = lonlat
    out = []
    for transformer in group.transformers:
        if "Ballpark" in transformer.description:
            continue
        x, y = transformer.transform(lon, lat)
        if math.isfinite(x) and math.isfinite(y):
            name = transformer.description.replace("axis order change (2D) + ", "").replace(
                " + axis order change (2D)", "")
            out.append((name, float(_GEOD.inv(lon, lat, x, y)[2])))
    return out


# ------------------------------------------------------------------ web-map datums


def web_datum(given: str | None, implied: str | None) -> str | None:
    """The web-map datum to undo: ``--datum`` (which may be wgs84), else what the format
    implies (.ovkml → gcj02); None when nobody said."""
    if given is not None:
        return parse_datum(given)
    return implied


def undo_web_datum(shapes: list[BaseGeometry], datum: str) -> list[BaseGeometry]:
    """WGS-84 lon/lat shapes from GCJ-02 or BD-09 ones."""
    def move(xy: np.ndarray) -> np.ndarray:
        lat, lon = to_wgs84(xy[:, 1], xy[:, 0], datum)  # type: ignore[arg-type]
        return np.column_stack([lon, lat])

    return list(shapely.transform(np.array(shapes, dtype=object), move))


def offset_datum(shapes: list[BaseGeometry], county: BaseGeometry | None) -> tuple[str, float,
                                                                                  float] | None:
    """(datum, metres as read, metres converted) when a polygon that is plainly the county
    lies off the known county line by a web-map offset that undoing the datum removes."""
    if county is None:
        return None
    line = _local(county.boundary)
    area = _local(county).area
    for shape in shapes:
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        local = _local(shape)
        if not 0.8 < local.area / area < 1.25:
            continue
        as_read = _median_gap(local, line)
        if as_read > 3000:
            continue
        for datum in ("gcj02", "bd09"):
            fixed = _median_gap(_local(undo_web_datum([shape], datum)[0]), line)
            if as_read - fixed > 200 and fixed < as_read / 2:
                return datum, as_read, fixed
    return None


def _local(shape: BaseGeometry) -> BaseGeometry:
    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_local(xy[:, 0], xy[:, 1]))

    return shapely.transform(shape, move)


def _median_gap(polygon: BaseGeometry, line: BaseGeometry) -> float:
    """Median distance (m) from the polygon's vertices to the county line (local plane)."""
    points = shapely.points(shapely.get_coordinates(polygon.boundary))
    return float(np.median(shapely.distance(points, line)))
