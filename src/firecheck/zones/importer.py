"""Importing the county's official zone files: GeoJSON, ESRI Shapefile and KML.

Each source is read in its own CRS (declared in the file, in the Shapefile's .prj, or given
with ``--crs``), reprojected to WGS-84 with pyproj, mapped to firecheck's zone schema and
checked like any zones file. A file whose coordinates cannot be Guyang's is refused with the
likely cause, tested against the CRSs the county's GIS is likely to use.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapefile
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ..text import Text
from .file import place_problem, properties

# The CRSs a Guyang GIS file is likely in: CGCS2000 and WGS-84 degrees, CGCS2000 3-degree
# Gauss-Krüger zone 37 (CM 111° E) with and without the zone prefix, the 6-degree zone 19
# (also CM 111° E) likewise, and UTM 49N.
LIKELY_CRS = ("EPSG:4490", "EPSG:4326", "EPSG:4546", "EPSG:4525", "EPSG:4508", "EPSG:4497",
              "EPSG:32649")
MAP_ACCURACY_MM = 0.5  # a point on a map is good to about 0.5 mm at its scale (NMAS: 1/50 in)
NAME_FIELDS = ("name_zh", "name", "名称", "mc", "qymc", "zone_name", "xmmc")
SOURCE_SUFFIXES = (".geojson", ".json", ".shp", ".kml")


@dataclass
class ImportOptions:
    """How source attributes become firecheck zone properties."""

    designation: str | None = None  # the clause-二 zone the features belong to
    designation_field: str | None = None
    id_field: str | None = None
    name_field: str | None = None
    name_en_field: str | None = None
    kind: str | None = None
    level: str | None = None
    crs: str | None = None
    encoding: str | None = None
    accuracy_m: float | None = None
    scale: int | None = None  # survey scale 1:N
    buffer_m: float = 500.0
    completeness: str = "complete"
    today: date = field(default_factory=date.today)

    @classmethod
    def from_mapping_file(cls, path: Path, **overrides: Any) -> ImportOptions:
        """Options from a small TOML or JSON mapping file; explicit options win."""
        text = path.read_text("utf-8")
        try:
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}：映射文件无法读取：{exc}",
                             f"{path}: unreadable mapping file: {exc}") from exc
        known = set(cls.__dataclass_fields__) - {"today"}
        if unknown := set(data) - known:
            raise InputError(f"{path}：未知的键 {sorted(unknown)}",
                             f"{path}: unknown keys {sorted(unknown)}; known: {sorted(known)}")
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)

    def accuracy(self) -> tuple[float, str]:
        """accuracy_m and what it rests on."""
        if self.accuracy_m is not None:
            return float(self.accuracy_m), "given by the importer (--accuracy)"
        if self.scale:
            metres = self.scale * MAP_ACCURACY_MM / 1000
            return metres, (f"survey scale 1:{self.scale} × {MAP_ACCURACY_MM} mm "
                            "(map-accuracy convention)")
        raise InputError(
            "需要边界精度：--accuracy 米数，或用 --scale N 给出测绘比例尺 1:N（精度按图上 0.5 毫米计）",
            "the accuracy of the boundaries is needed: --accuracy METRES, or --scale N for a "
            "survey at 1:N (accuracy = 0.5 mm at that scale)")


@dataclass
class Layer:
    """Features read from one file, still in its own CRS."""

    path: Path
    crs: CRS
    records: list[tuple[dict[str, Any], BaseGeometry | None]]


def import_files(paths: list[Path], options: ImportOptions,
                 base: dict[str, Any] | None) -> dict[str, Any]:
    """A zones FeatureCollection: ``base`` (e.g. the shipped file) with the imported
    features added — replacing features of the same id, and the placeholders of every
    designation that the import now maps."""
    accuracy, basis = options.accuracy()
    features: list[dict[str, Any]] = []
    provenance = []
    for path in paths:
        layer = read_layer(path, options)
        converted = _to_wgs84(layer)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        for n, (props, geom) in enumerate(converted):
            features.append(_feature(path, n, props, geom, options, accuracy, basis, digest))
        provenance.append({"file": path.name, "sha256": digest, "crs": layer.crs.to_string(),
                           "crs_name": layer.crs.name, "imported": options.today.isoformat(),
                           "features": len(converted), "accuracy_m": accuracy,
                           "accuracy_basis": basis})
    merged = _merge(base, features)
    head = dict(base or {"type": "FeatureCollection"})
    meta = dict(head.get("firecheck") or {})
    meta["imports"] = [*meta.get("imports", []), *provenance]
    head.update({"type": "FeatureCollection", "firecheck": meta, "features": merged})
    return head


def read_layer(path: Path, options: ImportOptions) -> Layer:
    """Read a GeoJSON, Shapefile or KML file without reprojecting it."""
    if not path.is_file():
        raise InputError(f"找不到文件：{path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return _read_geojson(path, options)
    if suffix == ".shp":
        return _read_shapefile(path, options)
    if suffix == ".kml":
        return _read_kml(path, options)
    raise InputError(f"{path.name}：不支持的格式，请用 {', '.join(SOURCE_SUFFIXES)}",
                     f"{path.name}: unsupported format; use {', '.join(SOURCE_SUFFIXES)} "
                     "(convert others with ogr2ogr, see the README)")


def _crs(text: str, where: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise InputError(f"{where}：无法识别的坐标系 {text!r}",
                         f"{where}: unknown CRS {text!r}: {exc}") from exc


def _read_geojson(path: Path, options: ImportOptions) -> Layer:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path.name}：不是有效的 UTF-8 JSON：{exc}",
                         f"{path.name}: not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise InputError(f"{path.name}：不是 GeoJSON FeatureCollection",
                         f"{path.name}: not a GeoJSON FeatureCollection")
    declared = ((data.get("crs") or {}).get("properties") or {}).get("name") if isinstance(
        data.get("crs"), dict) else None
    crs = _crs(options.crs or declared or "EPSG:4326", path.name)
    records = []
    for feature in data["features"]:
        props = properties(feature)
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        records.append((props, _shape(geometry, path.name)))
    return Layer(path, crs, records)


def _read_shapefile(path: Path, options: ImportOptions) -> Layer:
    prj = path.with_suffix(".prj")
    if options.crs:
        crs = _crs(options.crs, path.name)
    elif prj.is_file():
        crs = _crs(prj.read_text("utf-8", errors="replace"), prj.name)
    else:
        raise InputError(f"{path.name}：缺少 .prj 坐标系文件，请用 --crs 指定（如 EPSG:4546）",
                         f"{path.name}: no .prj file says its CRS; give --crs (e.g. EPSG:4546)")
    encodings = [options.encoding] if options.encoding else _dbf_encodings(path)
    for encoding in encodings:
        try:
            with shapefile.Reader(str(path), encoding=encoding) as reader:
                names = [f[0] for f in reader.fields[1:]]
                records = [(dict(zip(names, rec.record, strict=True)),
                            _shape(rec.shape.__geo_interface__, path.name)
                            if rec.shape.shapeType != shapefile.NULL else None)
                           for rec in reader.iterShapeRecords()]
            return Layer(path, crs, records)
        except UnicodeDecodeError:
            continue
        except shapefile.ShapefileException as exc:
            if "decode" in str(exc):  # pyshp 3 wraps decoding errors: try the next encoding
                continue
            raise InputError(f"{path.name}：Shapefile 无法读取：{exc}",
                             f"{path.name}: unreadable Shapefile: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise InputError(f"{path.name}：Shapefile 无法读取：{exc}",
                             f"{path.name}: unreadable Shapefile: {exc}") from exc
    raise InputError(f"{path.name}：.dbf 编码无法识别，请用 --encoding 指定",
                     f"{path.name}: the .dbf is neither {' nor '.join(encodings)}; give "
                     "--encoding")


def _dbf_encodings(path: Path) -> list[str]:
    """The .cpg's encoding if there is one, else GBK (Chinese GIS default) then UTF-8."""
    cpg = path.with_suffix(".cpg")
    if cpg.is_file():
        name = cpg.read_text("ascii", errors="replace").strip()
        return [{"936": "gbk", "65001": "utf-8"}.get(name, name)]
    return ["utf-8", "gbk"]


KML_NS = re.compile(r"^\{.*\}")


def _read_kml(path: Path, options: ImportOptions) -> Layer:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(f"{path.name}：不是有效的 KML：{exc}",
                         f"{path.name}: not valid KML/XML: {exc}") from exc
    for element in root.iter():
        element.tag = KML_NS.sub("", element.tag)
    records = []
    for placemark in root.iter("Placemark"):
        props: dict[str, Any] = {}
        if (name := placemark.findtext("name")) is not None:
            props["name"] = name.strip()
        for data in placemark.iter("Data"):
            props[data.get("name", "")] = (data.findtext("value") or "").strip()
        for data in placemark.iter("SimpleData"):
            props[data.get("name", "")] = (data.text or "").strip()
        try:
            records.append((props, _kml_geometry(placemark, path.name)))
        except (ValueError, shapely.errors.ShapelyError) as exc:
            raise InputError(f"{path.name}：KML 几何无法读取：{exc}",
                             f"{path.name}: unreadable KML geometry: {exc}") from exc
    crs = _crs(options.crs or "EPSG:4326", path.name)
    return Layer(path, crs, records)


def _kml_geometry(node: ET.Element, where: str) -> BaseGeometry | None:
    parts: list[BaseGeometry] = []
    for polygon in node.iter("Polygon"):
        outer = polygon.find("outerBoundaryIs/LinearRing/coordinates")
        inner = polygon.findall("innerBoundaryIs/LinearRing/coordinates")
        if outer is not None:
            parts.append(shapely.Polygon(_kml_coords(outer.text, where),
                                         [_kml_coords(i.text, where) for i in inner]))
    for line in node.iter("LineString"):
        parts.append(shapely.LineString(_kml_coords(line.findtext("coordinates"), where)))
    for point in node.iter("Point"):
        parts.append(shapely.Point(_kml_coords(point.findtext("coordinates"), where)[0]))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    kinds = {p.geom_type for p in parts}
    if kinds == {"Polygon"}:
        return shapely.MultiPolygon(parts)
    if kinds == {"LineString"}:
        return shapely.MultiLineString(parts)
    raise InputError(f"{where}：同一地标混合了多种几何 {sorted(kinds)}",
                     f"{where}: a placemark mixes {sorted(kinds)}; split it into one kind each")


def _kml_coords(text: str | None, where: str) -> list[tuple[float, float]]:
    try:
        points = [tuple(float(v) for v in item.split(",")[:2]) for item in (text or "").split()]
    except ValueError as exc:
        raise InputError(f"{where}：KML 坐标无法读取",
                         f"{where}: unreadable KML coordinates: {exc}") from exc
    if not points:
        raise InputError(f"{where}：KML 坐标为空", f"{where}: empty KML coordinates")
    if any(len(point) != 2 for point in points):
        raise InputError(f"{where}：KML 坐标须为 经度,纬度", f"{where}: KML coordinates must be lon,lat")
    return points  # type: ignore[return-value]


def _shape(geometry: Any, where: str) -> BaseGeometry | None:
    if geometry is None:
        return None
    try:
        return geojson_shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError,
            shapely.errors.ShapelyError) as exc:
        raise InputError(f"{where}：几何无法读取：{exc}",
                         f"{where}: unreadable geometry: {exc}") from exc


def _to_wgs84(layer: Layer) -> list[tuple[dict[str, Any], BaseGeometry | None]]:
    """Reproject every geometry; refuse the file, naming the likely CRS, if the result is
    not in Guyang."""
    shapes = [g for _, g in layer.records if g is not None]
    if not shapes:
        return layer.records
    converted = _reproject(shapes, layer.crs)
    coords = shapely.get_coordinates(np.array(converted, dtype=object))
    problem = place_problem(coords) if np.isfinite(coords).all() else (
        "error", "not_in_crs", Text("坐标超出所声明坐标系的范围",
                                    "the coordinates are outside the declared CRS's area"))
    if problem:
        raw = place_problem(shapely.get_coordinates(np.array(shapes, dtype=object)))
        swapped = raw is not None and raw[1] == "swapped_axes"
        hint = (Text(" 请交换经纬度列（或修正导出时的坐标轴顺序）后重新导入。",
                     " Swap the columns (or fix the writer's axis order) and import again.")
                if swapped else _likely_crs(shapes, layer.crs))
        why = raw[2] if swapped and raw is not None else problem[2]
        raise InputError(f"{layer.path.name}：按 {layer.crs.name} 读取时，{why.zh}。{hint.zh}",
                         f"{layer.path.name}: read as {layer.crs.name}, {why.en}.{hint.en}")
    out = iter(converted)
    return [(props, next(out) if g is not None else None) for props, g in layer.records]


def _reproject(shapes: list[BaseGeometry], crs: CRS) -> list[BaseGeometry]:
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return list(shapely.transform(np.array(shapes, dtype=object), move))


def _likely_crs(shapes: list[BaseGeometry], declared: CRS) -> Text:
    """Which likely CRS (or which axis order) would put the data in Guyang."""
    raw = shapely.get_coordinates(np.array(shapes, dtype=object))
    if place_problem(raw) is None and not declared.is_geographic:
        return Text(" 坐标本身就是经纬度：请不指定 --crs，或用 --crs EPSG:4326。",
                    " The coordinates are already WGS-84 degrees: import without --crs, or "
                    "with --crs EPSG:4326.")
    for candidate in LIKELY_CRS:
        crs = CRS.from_user_input(candidate)
        if crs == declared:
            continue
        moved = shapely.get_coordinates(np.array(_reproject(shapes, crs), dtype=object))
        if np.isfinite(moved).all() and place_problem(moved) is None:
            return Text(f" 按 {candidate}（{crs.name}）读取则落在固阳县内：请加 --crs {candidate} "
                        "重新导入。", f" Read as {candidate} ({crs.name}) it falls in Guyang: "
                        f"rerun with --crs {candidate}.")
    return Text(" 常用坐标系（CGCS2000、WGS-84、高斯-克吕格 37/19 带、UTM 49N）均不能使其落在固阳县。",
                " None of the usual CRSs (CGCS2000, WGS-84, Gauss-Krüger zone 37/19, UTM 49N) "
                "puts it in Guyang.")


def _feature(path: Path, n: int, props: dict[str, Any], geom: BaseGeometry | None,
             options: ImportOptions, accuracy: float, basis: str,
             digest: str) -> dict[str, Any]:
    """One source feature in firecheck's zone schema."""
    designation = _text(props.get(options.designation_field)) if options.designation_field \
        else options.designation
    if not designation:
        raise InputError(f"{path.name}：第 {n} 个要素缺少所属区域；请用 --designation 或 "
                         "--designation-field 指定",
                         f"{path.name}: feature {n}: no designation; give --designation (e.g. "
                         "grassland-subsidy-areas) or --designation-field")
    raw_id = _text(props.get(options.id_field)) if options.id_field else None
    name = _text(props.get(options.name_field)) if options.name_field else _guess_name(props)
    name_en = _text(props.get(options.name_en_field)) if options.name_en_field else None
    return {
        "type": "Feature",
        "properties": {
            "id": f"{designation}/{raw_id or n + 1}",
            "designation": designation,
            "name_zh": name or designation,
            "name_en": name_en or name or designation,
            "kind": options.kind or designation,
            "level": options.level or "official",
            "buffer_m": options.buffer_m,
            "accuracy_m": accuracy,
            "completeness": options.completeness,
            "geometry_source": f"{path.name} feature {n} (sha256 {digest[:12]}), "
                               f"imported {options.today.isoformat()}",
            "source": f"official import: {path.name}; accuracy {accuracy:g} m ({basis})",
            "attributes": {k: _text(v) for k, v in props.items()},
        },
        "geometry": mapping(geom) if geom is not None else None,
    }


def _guess_name(props: dict[str, Any]) -> str | None:
    lowered = {k.lower(): v for k, v in props.items()}
    for key in NAME_FIELDS:
        if _text(lowered.get(key)):
            return _text(lowered[key])
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip()
    return text or None


def _merge(base: dict[str, Any] | None, imported: list[dict[str, Any]]) -> list[dict]:
    """Base features, minus those an import replaces (same id) or supersedes (an unmapped
    placeholder of a designation the import maps), then the imported ones."""
    new_ids = {f["properties"]["id"] for f in imported}
    mapped = {f["properties"]["designation"] for f in imported if f["geometry"] is not None}
    kept = []
    for feature in (base or {}).get("features", []):
        props = feature.get("properties") or {}
        if props.get("id") in new_ids:
            continue
        if props.get("designation") in mapped and props.get("completeness") != "complete":
            continue
        kept.append(feature)
    return kept + imported
