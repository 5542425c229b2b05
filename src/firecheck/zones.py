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
from dataclasses import dataclass
from importlib import resources
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
    edge: BaseGeometry | None  # boundary of an area; the shape itself for points and lines

    def name(self, lang: str) -> str:
        """Display name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en

    def edge_distance(self, point: BaseGeometry) -> float:
        """Signed metres from ``point`` to the zone's edge: negative inside an area."""
        assert self.shape is not None and self.edge is not None
        distance = float(shapely.distance(self.edge, point))
        if self.edge is not self.shape and shapely.contains_xy(self.shape, point.x, point.y):
            return -distance
        return distance


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
        self.tree = shapely.STRtree([z.shape for z in self.mapped])
        self.reach = max((z.buffer_m + (z.accuracy_m or 0.0) for z in self.mapped), default=0.0)
        self.by_designation: dict[str, list[Zone]] = {}
        for zone in zones:
            if zone is not self.county:
                self.by_designation.setdefault(zone.designation, []).append(zone)

    def county_edge(self, x: float, y: float) -> float:
        """Signed metres to the county line: negative inside the county."""
        return self.county.edge_distance(shapely.Point(x, y))

    def measure(self, x: float, y: float, slack_m: float = 0.0) -> list[Measure]:
        """Every mapped zone whose buffer, widened by its accuracy and ``slack_m``, reaches
        the place at local metres (x, y)."""
        point = shapely.Point(x, y)
        hits = self.tree.query(point, predicate="dwithin", distance=self.reach + slack_m)
        measures = []
        for index in sorted(int(i) for i in hits):
            zone = self.mapped[index]
            edge_m = zone.edge_distance(point)
            if edge_m <= zone.buffer_m + (zone.accuracy_m or 0.0) + slack_m:
                measures.append(Measure(zone, edge_m))
        return measures

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


def default_zones_path() -> Path:
    """``$FIRECHECK_ZONES``, else the zones file shipped in the wheel (or the source tree)."""
    if env := os.environ.get(ENV_VAR):
        return Path(env)
    packaged = Path(str(resources.files("firecheck") / "data" / "zones.geojson"))
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
    edge = None
    if shape is not None:
        edge = shape.boundary if shape.geom_type in ("Polygon", "MultiPolygon") else shape
        shapely.prepare(shape)
    return Zone(
        id=str(props["id"]), designation=str(props["designation"]),
        name_zh=str(props["name_zh"]), name_en=str(props["name_en"]), kind=str(props["kind"]),
        level=str(props["level"]), buffer_m=buffer_m, accuracy_m=accuracy_m,
        completeness=completeness, geometry_source=props.get("geometry_source"),
        source=str(props["source"]), shape=shape, edge=edge,
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
