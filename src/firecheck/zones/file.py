"""Checking a zones GeoJSON file: every problem, with feature index, id and reason.

Used by :func:`firecheck.zones.load.load_zones` (which refuses a file with errors) and by
``firecheck zones validate`` (which lists them all, and can repair invalid rings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

from ..files import write_atomically
from ..text import Text

COMPLETENESS = ("complete", "partial", "unmapped")
COUNTY_KIND = "county_boundary"
REQUIRED = ("id", "designation", "name_zh", "name_en", "kind", "level", "buffer_m",
            "completeness", "source")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon")
# Geometry types a kind may have (others: any of GEOMETRY_TYPES). The county line decides
# scope: as a line every place would be outside it, as a point no place could be measured.
KIND_GEOMETRIES = {COUNTY_KIND: ("Polygon", "MultiPolygon")}
TEXT_PROPERTIES = ("designation", "name_zh", "name_en", "kind", "level", "completeness",
                   "source")
# A zones file holds WGS-84 longitude/latitude; CGCS2000 degrees are within centimetres.
DEGREE_DATUMS = ("World Geodetic System 1984", "China 2000")
# Guyang's extent (PROVENANCE.md §1: lon 109.6135–110.7407, lat 40.7232–41.4980).
GUYANG_BOX = (109.6135, 40.7232, 110.7407, 41.4980)
FAR_DEGREES = 0.5  # beyond the box by more than this (~45 km): not Guyang data


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a zones file."""

    index: int | None
    id: str | None
    severity: Literal["error", "warning"]
    code: str
    text: Text

    def get(self, lang: str) -> str:
        """The problem with where it is: 'feature 3 (id): …'."""
        where = "file" if self.index is None else f"feature {self.index}"
        where_zh = "文件" if self.index is None else f"第 {self.index} 个要素"
        who = f" ({self.id})" if self.id else ""
        return f"{where_zh}{who}：{self.text.zh}" if lang == "zh" else (
            f"{where}{who}: {self.text.en}")

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``zones validate --json``)."""
        return {"index": self.index, "id": self.id, "severity": self.severity,
                "code": self.code, "en": self.text.en, "zh": self.text.zh}


def check(data: Any, fix: bool = False) -> tuple[list[Problem], list[BaseGeometry | None]]:
    """All problems of a parsed zones document, and each feature's WGS-84 shape (None when
    null or unusable). With ``fix``, invalid geometries are repaired with ``make_valid`` in
    ``data`` itself and reported as warnings."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return [_file_error("not_feature_collection", "不是 GeoJSON FeatureCollection",
                            "not a GeoJSON FeatureCollection")], []
    features = data.get("features")
    if not isinstance(features, list):
        return [_file_error("no_features", "'features' 必须是列表",
                            "'features' must be a list")], []
    problems: list[Problem] = list(_crs_problems(data))
    parsed = _parse_all([f.get("geometry") if isinstance(f, dict) else None for f in features])
    shapes: list[BaseGeometry | None] = []
    seen: dict[str, int] = {}
    for index, (feature, (shape, problem)) in enumerate(zip(features, parsed, strict=True)):
        found = _check_feature(index, feature, seen)
        props = properties(feature)
        if problem and isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            found.append(Problem(index, _id(props), "error", *problem))
        kind = props.get("kind")
        allowed = KIND_GEOMETRIES.get(kind, GEOMETRY_TYPES) if isinstance(kind, str) \
            else GEOMETRY_TYPES
        if shape is not None and shape.geom_type not in allowed:
            found.append(Problem(index, _id(props), "error", "geometry_type_for_kind", Text(
                f"{props.get('kind')} 的几何必须是 {' 或 '.join(allowed)}，而不是 {shape.geom_type}",
                f"a {props.get('kind')} must be a {' or '.join(allowed)}, not a "
                f"{shape.geom_type}")))
            shape = None
        problems += found
        shapes.append(shape)
    problems += _check_shapes(features, shapes, fix)
    counties = sum(1 for f, shape in zip(features, shapes, strict=True)
                   if shape is not None and properties(f).get("kind") == COUNTY_KIND)
    if counties != 1:
        problems.append(_file_error(
            "county_count", f"必须有且仅有一个带几何的 {COUNTY_KIND!r} 要素（现有 {counties} 个）",
            f"exactly one mapped feature of kind {COUNTY_KIND!r} is needed (found {counties})"))
    problems.sort(key=lambda p: -1 if p.index is None else p.index)
    return problems, shapes


def properties(feature: Any) -> dict[str, Any]:
    """A feature's properties, or {} when it has none (null, or not an object)."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def _crs_problems(data: dict[str, Any]) -> list[Problem]:
    """A legacy ``crs`` member is honoured when it names WGS-84 or CGCS2000 degrees (what a
    zones file holds); any other CRS is refused, with how to import such a file."""
    if "crs" not in data:
        return []
    member = data["crs"]
    name = (member.get("properties") or {}).get("name") if isinstance(member, dict) and \
        isinstance(member.get("properties"), dict | None) else None
    if not isinstance(name, str):
        return [_file_error("bad_crs", "无法读取 'crs' 成员（应为 {\"type\": \"name\", "
                            "\"properties\": {\"name\": …}}）", "the 'crs' member cannot be read "
                            "(expected {\"type\": \"name\", \"properties\": {\"name\": …}})")]
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        crs = None
    if crs is not None and crs.is_geographic and crs.datum is not None and any(
            d in crs.datum.name for d in DEGREE_DATUMS):
        return []
    shown = name if len(name) <= 80 else name[:80] + "…"
    return [_file_error(
        "unsupported_crs",
        f"文件声明坐标系 {shown!r}，但区域文件只能是 WGS-84 经纬度：若坐标确在该坐标系中，请用 "
        f"firecheck zones import 文件 --crs {shown} 导入（会转换）；若坐标其实是经纬度，请删除 'crs' 成员",
        f"the file declares the CRS {shown!r}, but a zones file holds WGS-84 degrees: if "
        f"the coordinates are in that CRS, import the file with 'firecheck zones import FILE "
        f"--crs {shown}' (it reprojects them); if they are degrees, remove the 'crs' member")]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _file_error(code: str, zh: str, en: str) -> Problem:
    return Problem(None, None, "error", code, Text(zh, en))


def _check_feature(index: int, feature: Any, seen: dict[str, int]) -> list[Problem]:
    """The properties of one feature."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        return [Problem(index, None, "error", "not_feature",
                        Text("不是带属性的 GeoJSON 要素", "not a Feature with properties"))]
    props = feature["properties"]
    zid = _id(props)
    out: list[Problem] = []

    def add(severity: Literal["error", "warning"], code: str, zh: str, en: str) -> None:
        out.append(Problem(index, zid, severity, code, Text(zh, en)))

    missing = [k for k in REQUIRED if props.get(k) in (None, "")]
    if missing:
        add("error", "missing_properties", f"缺少属性 {missing}", f"missing properties {missing}")
    wrong = [k for k in TEXT_PROPERTIES if props.get(k) not in (None, "")
             and not isinstance(props[k], str)]
    if props.get("geometry_source") is not None and not isinstance(props["geometry_source"], str):
        wrong.append("geometry_source")
    if isinstance(props.get("id"), bool) or not isinstance(props.get("id"), str | int | None):
        wrong.append("id")
    if wrong:
        add("error", "bad_property_type", f"属性 {wrong} 必须是文本", f"properties {wrong} must be text")
    if zid is not None:
        if zid in seen:
            add("error", "duplicate_id", f"编号重复（与第 {seen[zid]} 个要素相同）",
                f"duplicate id (also feature {seen[zid]})")
        seen.setdefault(zid, index)
    completeness = props.get("completeness")
    if completeness is not None and completeness not in COMPLETENESS:
        add("error", "bad_completeness", f"completeness 必须是 {COMPLETENESS} 之一",
            f"completeness must be one of {COMPLETENESS}")
    for key in ("buffer_m", "accuracy_m", "extent_accuracy_m"):
        value = props.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value <= 100_000):
            add("error", f"bad_{key}", f"{key} 必须是 0..100000 之间的米数，而不是 {value!r}",
                f"{key} must be a number of metres in 0..100000, not {value!r}")
        elif key == "buffer_m" and 0 < value < 10:
            add("warning", "buffer_units", f"buffer_m 为 {value}：是否误用了公里？",
                f"buffer_m is {value}: kilometres instead of metres?")
    extent = props.get("extent")
    if extent is not None and not (
            isinstance(extent, list) and len(extent) == 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in extent)
            and -180 <= extent[0] < extent[2] <= 180 and -90 <= extent[1] < extent[3] <= 90):
        add("error", "bad_extent", "extent 须为 [西, 南, 东, 北] 经纬度",
            "extent must be [west, south, east, north] in degrees")
    mapped = feature.get("geometry") is not None
    if completeness in COMPLETENESS and mapped != (completeness != "unmapped"):
        add("error", "geometry_completeness",
            "仅当 completeness 为 'unmapped' 时几何才应为空",
            "geometry must be null exactly when completeness is 'unmapped'")
    if mapped and props.get("accuracy_m") is None:
        add("error", "missing_accuracy", "有几何的区域必须给出 accuracy_m（米）",
            "a mapped zone needs accuracy_m (metres)")
    return out


def _id(props: dict[str, Any]) -> str | None:
    zid = props.get("id")
    return str(zid) if isinstance(zid, str | int) and not isinstance(zid, bool) and zid != "" \
        else None


Parsed = tuple[BaseGeometry | None, tuple[str, Text] | None]  # shape, or (code, why not)


def _parse_all(geometries: list[Any]) -> list[Parsed]:
    """Every geometry parsed; simple polygons (the bulk of a parcel file) in one vectorised
    call, anything else — or anything odd — one by one with a precise message."""
    with np.errstate(invalid="ignore"):  # a NaN coordinate is named by the validation
        return _parse_each(geometries)


def _parse_each(geometries: list[Any]) -> list[Parsed]:
    out: list[Parsed] = [(None, None)] * len(geometries)
    polygons = [i for i, g in enumerate(geometries)
                if isinstance(g, dict) and g.get("type") == "Polygon"]
    try:
        rings = [geometries[i]["coordinates"] for i in polygons]
        flat = np.array([p for rs in rings for r in rs for p in r], dtype=float)
        ring_ends = np.cumsum([len(r) for rs in rings for r in rs])
        poly_ends = np.cumsum([len(rs) for rs in rings])
        built = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON, flat.reshape(-1, 2),
            (np.concatenate([[0], ring_ends]), np.concatenate([[0], poly_ends])))
        empty = shapely.is_empty(built)
        for k, i in enumerate(polygons):
            out[i] = (None, ("empty_geometry", Text("几何为空", "empty geometry"))) if empty[k] else (
                built[k], None)
        done = set(polygons)
    except (TypeError, ValueError, IndexError, KeyError, shapely.errors.ShapelyError):
        done = set()
    for i, geometry in enumerate(geometries):
        if i not in done:
            out[i] = parse_geometry(geometry)
    return out


def parse_geometry(geometry: Any) -> Parsed:
    """A GeoJSON geometry as a shape, or why it cannot be one."""
    if geometry is None:
        return None, None
    try:
        shape = geojson_shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError,
            shapely.errors.ShapelyError) as exc:
        return None, ("unreadable_geometry",
                      Text(f"几何无法读取：{exc}", f"unreadable geometry: {exc}"))
    if shape.geom_type not in GEOMETRY_TYPES:
        return None, ("geometry_type", Text(f"不支持的几何类型 {shape.geom_type}",
                                            f"unsupported geometry {shape.geom_type}"))
    if shape.is_empty:
        return None, ("empty_geometry", Text("几何为空", "empty geometry"))
    return shape, None


def _check_shapes(features: list[Any], shapes: list[BaseGeometry | None],
                  fix: bool) -> list[Problem]:
    """Placement and validity of every parsed shape, for all features at once; shapes that
    fail are replaced by None (or by their repair, with ``fix``)."""
    out: list[Problem] = []
    rows = [i for i, s in enumerate(shapes) if s is not None]
    if not rows:
        return out
    array = np.array([shapes[i] for i in rows], dtype=object)
    west, south, east, north = GUYANG_BOX
    x0, y0, x1, y1 = shapely.bounds(array).T
    placed = ((x0 > west - FAR_DEGREES) & (x1 < east + FAR_DEGREES)
              & (y0 > south - FAR_DEGREES) & (y1 < north + FAR_DEGREES))
    valid = shapely.is_valid(array)
    for k, i in enumerate(rows):
        zid = _id(properties(features[i]))
        if not placed[k]:
            coords = shapely.get_coordinates(shapes[i])
            severity, code, why = place_problem(coords) if np.isfinite(coords).all() else (
                "error", "bad_coordinates", Text("坐标不是有限数值", "coordinates are not finite numbers"))
            out.append(Problem(i, zid, severity, code, why))
            shapes[i] = None
        elif not valid[k]:
            reason = shapely.is_valid_reason(shapes[i])
            if fix:
                shapes[i] = shapely.make_valid(shapes[i])
                features[i]["geometry"] = mapping(shapes[i])
                out.append(Problem(i, zid, "warning", "fixed_geometry", Text(
                    f"无效几何已修复：{reason}", f"invalid geometry repaired: {reason}")))
            else:
                out.append(Problem(i, zid, "error", "invalid_geometry", Text(
                    f"几何无效：{reason}（可用 firecheck zones validate --fix 修复）",
                    f"invalid geometry: {reason} (firecheck zones validate --fix repairs it)")))
    return out


def place_problem(coords: np.ndarray) -> tuple[str, str, Text] | None:
    """Why lon/lat coordinates cannot be Guyang's, naming the likely cause, as (severity,
    code, why); else None."""
    lon, lat = coords[:, 0], coords[:, 1]
    if _near_guyang(lon, lat):
        return None
    if _near_guyang(lat, lon):
        return ("error", "swapped_axes", Text(
            "经纬度互换后坐标正好落在固阳县内：坐标轴顺序颠倒（x,y 写成了纬度、经度）",
            "coordinates would fall in Guyang with longitude and latitude swapped: the "
            "axes are swapped (lat,lon written as x,y)"))
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        return ("error", "not_degrees", Text(
            f"坐标（{lon[0]:.0f}, {lat[0]:.0f}）不是经纬度：文件的坐标系声明有误，"
            "请用 --crs 指定（如 EPSG:4546 或 EPSG:4525）",
            f"coordinates like ({lon[0]:.0f}, {lat[0]:.0f}) are not degrees: projected "
            "coordinates in a file declared (or assumed) WGS-84 — the CRS is wrong "
            "(import with --crs, e.g. EPSG:4546 or EPSG:4525)"))
    return ("error", "far_from_guyang", Text(
        f"坐标远离固阳县（首点 {lon[0]:.4f}, {lat[0]:.4f}）：坐标系有误，或不是本县数据",
        f"coordinates lie far from Guyang (first point {lon[0]:.4f}, {lat[0]:.4f}): "
        "a wrong CRS, or data of another area"))


def _near_guyang(lon: np.ndarray, lat: np.ndarray) -> bool:
    west, south, east, north = GUYANG_BOX
    return bool(((lon > west - FAR_DEGREES) & (lon < east + FAR_DEGREES)
                 & (lat > south - FAR_DEGREES) & (lat < north + FAR_DEGREES)).all())


def dump(collection: dict[str, Any]) -> str:
    """JSON with one feature per line: diffable, and stable byte for byte."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False) for f in collection["features"]]
    body = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    return body + ',\n "features": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def write(collection: dict[str, Any], path: Path) -> None:
    """Write a zones file atomically (a temporary file beside it, then rename)."""
    text = dump(collection).encode("utf-8")
    write_atomically(path, lambda out: out.write(text))
