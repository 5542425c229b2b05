"""Zone data: load a zones GeoJSON, project it once, and measure places against it.

Each feature is one zone (or one part of a zone) named in a notice. ``designation`` ties
features to the zone list a rule cites; ``completeness`` says how much of the zone the
geometry covers ("complete", "partial": located only approximately or in part, or
"unmapped": no usable location, null geometry). ``accuracy_m`` is how far the true edge
may lie from the drawn one. One feature of kind ``county_boundary`` gives the rules' scope.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

from .errors import DataError
from .projection import to_local

COMPLETENESS = ("complete", "partial", "unmapped")
COUNTY_KIND = "county_boundary"
ENV_VAR = "FIRECHECK_ZONES"
_REQUIRED = ("id", "designation", "name_zh", "name_en", "kind", "level", "buffer_m",
             "completeness", "source")


@dataclass(frozen=True, eq=False)
class Zone:
    """One zone feature; ``shape`` is in local metres (see :mod:`firecheck.projection`)."""

    id: str
    designation: str
    name_zh: str
    name_en: str
    kind: str
    level: str
    buffer_m: float
    accuracy_m: float | None
    completeness: str
    geometry_source: str | None
    source: str
    shape: BaseGeometry | None

    def name(self, lang: str) -> str:
        """Display name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Measure:
    """Where a place lies relative to one zone."""

    zone: Zone
    edge_m: float  # signed: negative inside an area


class ZoneSet:
    """The loaded zones, with a spatial index over the mapped ones."""

    def __init__(self, zones: list[Zone], version: str, path: str) -> None:
        counties = [z for z in zones if z.kind == COUNTY_KIND]
        if len(counties) != 1 or counties[0].shape is None:
            raise DataError(
                f"{path}: exactly one mapped feature of kind {COUNTY_KIND!r} is required "
                f"(found {len(counties)})",
                f"{path}：必须有且仅有一个带几何的 {COUNTY_KIND!r} 要素（现有 {len(counties)} 个）",
            )
        self.county = counties[0]
        self.zones = tuple(zones)
        self.version = version
        self.path = path
        self.mapped = tuple(z for z in zones if z.shape is not None and z is not self.county)
        self.by_designation: dict[str, list[Zone]] = {}
        for zone in zones:
            if zone is not self.county:
                self.by_designation.setdefault(zone.designation, []).append(zone)
        self._local = threading.local()

    def index(self) -> ZoneIndex:
        """This thread's geometry index (GEOS prepared geometries and trees are not
        thread-safe, so every thread measures with its own copies)."""
        index = getattr(self._local, "index", None)
        if index is None:
            index = self._local.index = ZoneIndex(self.county, self.mapped)
        return index

    def completeness(self, designation: str) -> str:
        """'complete' if every feature of the designation is mapped completely, 'unmapped' if
        none is mapped (or it is absent from the file), else 'partial'."""
        features = self.by_designation.get(designation, [])
        states = {z.completeness for z in features}
        if not features or states == {"unmapped"}:
            return "unmapped"
        return "complete" if states == {"complete"} else "partial"

    def designation_names(self, designation: str) -> tuple[str, str]:
        """(zh, en) display names of a designation; its id when the file lacks it."""
        features = self.by_designation.get(designation)
        if not features:
            return designation, designation
        return features[0].name_zh, features[0].name_en


class ZoneIndex:
    """Prepared copies of the zone geometries and their spatial indexes, for one thread.

    Every distance the engine uses comes from here, for a single place and for arrays of
    points alike, so batch and single answers measure identically.
    """

    def __init__(self, county: Zone, mapped: tuple[Zone, ...]) -> None:
        self.county_accuracy = county.accuracy_m or 0.0
        self.county_shape = _clone(county.shape)
        self.county_edge = self.county_shape.boundary
        shapes = [_clone(z.shape) for z in mapped]
        self.areal = np.array([s.geom_type in ("Polygon", "MultiPolygon") for s in shapes],
                              dtype=bool)
        self.shapes = np.array(shapes, dtype=object)
        self.edges = np.array([s.boundary if a else s for s, a in zip(shapes, self.areal,
                                                                      strict=True)],
                              dtype=object)
        self.limit = np.array([z.buffer_m + (z.accuracy_m or 0.0) for z in mapped], dtype=float)
        self.reach = float(self.limit.max()) if len(mapped) else 0.0
        self.tree = shapely.STRtree(self.shapes)
        shapely.prepare(self.shapes)

    # ------------------------------------------------------------------ county

    def county_edges(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Signed metres to the county line for points: negative inside the county."""
        _, distance = self._segments.query_nearest(shapely.points(x, y), return_distance=True,
                                                   all_matches=False)
        return np.where(shapely.contains_xy(self.county_shape, x, y), -distance, distance)

    def county_edge_of(self, geometry: BaseGeometry) -> float:
        """Signed metres from a point, line or area to the county line."""
        if geometry.geom_type == "Point":
            return float(self.county_edges(np.array([geometry.x]), np.array([geometry.y]))[0])
        return _signed(self.county_shape, self.county_edge, True, geometry)

    @cached_property
    def _segments(self) -> shapely.STRtree:
        """The county boundary as two-point segments in an STRtree, for nearest queries."""
        pieces = []
        for ring in shapely.get_parts(self.county_edge):
            xy = shapely.get_coordinates(ring)
            pieces.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
        return shapely.STRtree(np.concatenate(pieces))

    @cached_property
    def county_rings(self) -> tuple[BaseGeometry, ...]:
        """Prepared polygons around the scope thresholds (county line ± its accuracy A):
        inside the first ⇒ surely deeper than A; outside the fourth ⇒ surely farther than A
        outside; outside the second and inside the third ⇒ surely within the band. Each is
        offset by a margin that covers GEOS buffer error, so only points within metres of
        a threshold need an exact distance."""
        band = self.county_accuracy
        margin = _chord_margin(band)
        shape = self.county_shape
        rings = (shape.buffer(-(band + margin), quad_segs=16),
                 shape.buffer(-(band - margin), quad_segs=16),
                 shape.buffer(band - margin, quad_segs=16),
                 shape.buffer(band + margin, quad_segs=16))
        shapely.prepare(list(rings))
        return rings

    # ------------------------------------------------------------------ zones

    def measure(self, geometry: BaseGeometry, slack_m: float = 0.0) -> list[tuple[int, float]]:
        """(zone index, signed edge metres) of every mapped zone whose buffer, widened by its
        accuracy and ``slack_m``, reaches ``geometry``; sorted by zone index."""
        hits = self.tree.query(geometry, predicate="dwithin", distance=self.reach + slack_m)
        out = []
        for index in sorted(int(i) for i in hits):
            edge_m = _signed(self.shapes[index], self.edges[index], bool(self.areal[index]),
                             geometry)
            if edge_m <= self.limit[index] + slack_m:
                out.append((index, edge_m))
        return out

    def measure_points(self, x: np.ndarray,
                       y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`measure` for many points: (point index, zone index, edge_m) of every pair
        within reach, sorted by point then zone; the same distances as the single path."""
        empty = np.empty(0, dtype=np.int64)
        if self.reach_area is None or len(x) == 0:
            return empty, empty, np.empty(0)
        near = np.flatnonzero(shapely.contains_xy(self.reach_area, x, y))
        points = shapely.points(x[near], y[near])
        found, zone_idx = self.tree.query(points, predicate="dwithin", distance=self.reach)
        distance = shapely.distance(self.edges[zone_idx], points[found])
        inside = self.areal[zone_idx] & shapely.contains_xy(
            self.shapes[zone_idx], x[near][found], y[near][found])
        edge_m = np.where(inside & (distance > 0), -distance, distance)
        keep = edge_m <= self.limit[zone_idx]
        rows, zones_kept, edge_m = near[found][keep], zone_idx[keep], edge_m[keep]
        order = np.lexsort((zones_kept, rows))
        return rows[order], zones_kept[order].astype(np.int64), edge_m[order]

    @cached_property
    def reach_area(self) -> BaseGeometry | None:
        """Prepared union of every mapped zone widened by its reach and a margin: a point
        outside it is beyond every zone (for position accuracy 0)."""
        if not len(self.shapes):
            return None
        parts = [shapely.buffer(shape, reach + _chord_margin(reach), quad_segs=16)
                 for shape, reach in zip(self.shapes, self.limit, strict=True)]
        area = shapely.union_all(parts)
        shapely.prepare(area)
        return area


def _signed(shape: BaseGeometry, edge: BaseGeometry, areal: bool,
            geometry: BaseGeometry) -> float:
    """Signed metres from ``geometry`` to a zone edge: negative inside an area. A point
    inside an area gets minus its depth; a line or polygon that crosses the edge gets 0,
    and one wholly inside gets minus its shallowest depth."""
    distance = float(shapely.distance(edge, geometry))
    if areal and distance > 0 and shapely.contains(shape, geometry):
        return -distance
    return distance


def _clone(geometry: BaseGeometry) -> BaseGeometry:
    """An independent GEOS copy (prepared state is per object)."""
    copy = shapely.from_wkb(shapely.to_wkb(geometry))
    shapely.prepare(copy)
    return copy


def _chord_margin(radius: float) -> float:
    """Metres by which a GEOS buffer of ``radius`` may miss the true offset curve: GEOS
    simplifies the input by up to 1% of the distance and draws arcs as chords
    (r·(1−cos(π/64)) ≈ 0.12% at 16 segments per quadrant); 1.5% plus 1 m covers both."""
    return 0.015 * radius + 1.0


def default_zones_path() -> Path:
    """``$FIRECHECK_ZONES``, else the zones file shipped in the wheel (or the source tree)."""
    if env := os.environ.get(ENV_VAR):
        return Path(env)
    packaged = Path(__file__).with_name("data") / "zones.geojson"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "zones.geojson"


def load_zones(path: Path | None = None) -> ZoneSet:
    """Load, validate and project a zones GeoJSON file."""
    path = path or default_zones_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read zones file {path}: {exc.strerror}",
                        f"无法读取区域文件 {path}：{exc.strerror}") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not valid UTF-8 JSON: {exc}",
                        f"{path}：不是有效的 UTF-8 JSON：{exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataError(f"{path}: must be a GeoJSON FeatureCollection",
                        f"{path}：必须是 GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError(f"{path}: 'features' must be a list", f"{path}：'features' 必须是列表")
    zones: list[Zone] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        zone = _zone(path.name, index, feature)
        if zone.id in seen:
            raise DataError(f"{path.name}: feature {index}: duplicate id {zone.id!r}",
                            f"{path.name}：第 {index} 个要素：编号 {zone.id!r} 重复")
        seen.add(zone.id)
        zones.append(zone)
    return ZoneSet(zones, "sha256:" + hashlib.sha256(raw).hexdigest(), str(path))


def _zone(file: str, index: int, feature: Any) -> Zone:
    where = f"{file}: feature {index}"
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise DataError(f"{where}: not a GeoJSON Feature with properties",
                        f"{where}：不是带属性的 GeoJSON 要素")
    props: dict[str, Any] = feature["properties"]
    if "id" in props:
        where += f" (id {props['id']!r})"
    missing = [k for k in _REQUIRED if props.get(k) in (None, "")]
    if missing:
        raise DataError(f"{where}: missing properties {missing}", f"{where}：缺少属性 {missing}")
    completeness = props["completeness"]
    if completeness not in COMPLETENESS:
        raise DataError(f"{where}: completeness must be one of {COMPLETENESS}",
                        f"{where}：completeness 必须是 {COMPLETENESS} 之一")
    buffer_m = _metres(where, "buffer_m", props["buffer_m"])
    accuracy = props.get("accuracy_m")
    accuracy_m = None if accuracy is None else _metres(where, "accuracy_m", accuracy)
    shape = _project(where, feature.get("geometry"))
    if (shape is None) != (completeness == "unmapped"):
        raise DataError(f"{where}: geometry must be null exactly when completeness is 'unmapped'",
                        f"{where}：仅当 completeness 为 'unmapped' 时几何才应为空")
    if shape is not None and accuracy_m is None:
        raise DataError(f"{where}: a mapped zone needs accuracy_m (metres)",
                        f"{where}：有几何的区域必须给出 accuracy_m（米）")
    return Zone(
        id=str(props["id"]), designation=str(props["designation"]),
        name_zh=str(props["name_zh"]), name_en=str(props["name_en"]), kind=str(props["kind"]),
        level=str(props["level"]), buffer_m=buffer_m, accuracy_m=accuracy_m,
        completeness=completeness, geometry_source=props.get("geometry_source"),
        source=str(props["source"]), shape=shape,
    )


def _metres(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100_000:
        raise DataError(f"{where}: {key} must be a number of metres in 0..100000, not {value!r}",
                        f"{where}：{key} 必须是 0..100000 之间的米数，而不是 {value!r}")
    return float(value)


def _project(where: str, geometry: Any) -> BaseGeometry | None:
    """GeoJSON geometry (WGS-84) to a valid shape in local metres, or None."""
    if geometry is None:
        return None
    try:
        shape = geojson_shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError) as exc:
        raise DataError(f"{where}: unreadable geometry: {exc}", f"{where}：几何无法读取：{exc}") from exc
    if shape.is_empty:
        raise DataError(f"{where}: empty geometry", f"{where}：几何为空")
    coords = shapely.get_coordinates(shape)
    if not (np.all(np.abs(coords[:, 0]) <= 180) and np.all(np.abs(coords[:, 1]) <= 90)):
        raise DataError(f"{where}: coordinates are not WGS-84 lon/lat degrees",
                        f"{where}：坐标不是 WGS-84 经纬度")
    if not shape.is_valid:
        reason = shapely.is_valid_reason(shape)
        raise DataError(f"{where}: invalid geometry: {reason}", f"{where}：几何无效：{reason}")
    return shapely.transform(shape, lambda xy: np.column_stack(to_local(xy[:, 0], xy[:, 1])))
