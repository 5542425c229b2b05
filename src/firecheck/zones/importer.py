"""Importing the county's official zone files (readers per format in :mod:`.importers`).

Each layer is read in its own CRS (``--crs``, else what the file declares — checked against
the coordinates' own evidence — else guessed from the coordinates), reprojected to WGS-84
with pyproj, its web-map datum undone (GCJ-02/BD-09: ``--datum``, a .ovkml, or refused when
DataV keys or the county line's offset give it away), narrowed to what is needed
(``--where``, ``--clip-county``), mapped to firecheck's zone schema and checked like any
zones file. The recorded accuracy is the survey's plus the datum's uncertainty plus the
conversion's error, and the import log says how each was found.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ..text import Text
from . import file as zonefile
from .importers import read_layer
from .importers.crs import misplaced, reproject, resolve, to_degrees
from .importers.datums import (
    WEB_FORMULA_M,
    datum_shift,
    offset_datum,
    undo_web_datum,
    web_datum,
)
from .importers.geojson import datav_hint
from .importers.layer import Layer, crs_label, no_features
from .importers.place import extent, in_guyang
from .importers.select import clip, parse_where, where

MAP_ACCURACY_MM = 0.5  # a point on a map is good to about 0.5 mm at its scale (NMAS: 1/50 in)
NAME_FIELDS = ("name_zh", "name", "名称", "mc", "qymc", "zone_name", "xmmc")


@dataclass
class ImportOptions:
    """How source files are read and their attributes become firecheck zone properties."""

    designation: str | None = None  # the clause-二 zone the features belong to
    designation_field: str | None = None
    id_field: str | None = None
    name_field: str | None = None
    name_en_field: str | None = None
    kind: str | None = None
    level: str | None = None
    crs: str | None = None
    datum: str | None = None  # web-map datum of the lon/lat: wgs84, gcj02, bd09
    towgs84: str | None = None  # the survey's 3 or 7 parameters to WGS-84
    datum_accuracy: float | None = None  # metres of datum uncertainty, as stated
    encoding: str | None = None
    layer: str | None = None  # a layer of a zip, GeoPackage or geodatabase
    where: list[str] = field(default_factory=list)  # FIELD=VALUE
    clip_county: bool = False
    accuracy_m: float | None = None
    scale: int | None = None  # survey scale 1:N
    buffer_m: float = 500.0
    completeness: str = "complete"
    today: date = field(default_factory=date.today)

    @classmethod
    def from_mapping_file(cls, path: Path, **overrides: Any) -> ImportOptions:
        """Options from a small TOML or JSON mapping file; explicit options win."""
        try:
            text = path.read_text("utf-8")
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError,
                json.JSONDecodeError) as exc:
            raise InputError(f"{path}：映射文件无法读取：{exc}",
                             f"{path}: unreadable mapping file: {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"{path}：映射文件应为键值表", f"{path}: a mapping file is a table")
        known = set(cls.__dataclass_fields__) - {"today"}
        if unknown := set(data) - known:
            raise InputError(f"{path}：未知的键 {sorted(unknown)}",
                             f"{path}: unknown keys {sorted(unknown)}; known: {sorted(known)}")
        data.update({k: v for k, v in overrides.items() if v not in (None, [], False)})
        return cls(**data)

    def accuracy(self) -> tuple[float, str]:
        """The survey's own accuracy_m and what it rests on."""
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


@dataclass(frozen=True)
class Accuracy:
    """What the imported lines can honestly claim, part by part."""

    survey_m: float
    survey: str
    datum_m: float
    datum: str
    conversion_m: float
    conversion: str

    @property
    def total(self) -> float:
        return round(self.survey_m + self.datum_m + self.conversion_m, 3)

    def basis(self) -> str:
        return (f"survey {self.survey_m:g} m ({self.survey}) + datum {self.datum_m:g} m "
                f"({self.datum}) + conversion {self.conversion_m:g} m ({self.conversion})")


def import_files(paths: list[Path], options: ImportOptions,
                 base: dict[str, Any] | None) -> dict[str, Any]:
    """A zones FeatureCollection: ``base`` (e.g. the shipped file) with the imported
    features added — replacing features of the same id, the placeholders of every
    designation that the import now maps, and the county line if a county line is
    imported. Each file's log entry (``firecheck.imports``) says how it was read and
    carries its warnings."""
    survey = options.accuracy()
    conditions = parse_where(options.where)
    county = _county(base)
    features: list[dict[str, Any]] = []
    provenance = []
    for path in paths:
        layer = read_layer(path, options.layer, options.encoding)
        digest = hashlib.sha256(_bytes(path)).hexdigest()
        records = where(layer.records, conditions, layer.name)
        converted, entry = _convert(layer, records, options, survey, county)
        accuracy = entry.pop("_accuracy")
        for n, (props, geom) in enumerate(converted):
            features.append(_feature(layer.name, n, props, geom, options, accuracy, digest))
        provenance.append({"file": layer.name, "sha256": digest, **entry,
                           "imported": options.today.isoformat(), "features": len(converted)})
    merged = _merge(base, features)
    head = dict(base or {"type": "FeatureCollection"})
    meta = dict(head.get("firecheck") or {})
    meta["imports"] = [*meta.get("imports", []), *provenance]
    head.update({"type": "FeatureCollection", "firecheck": meta, "features": merged})
    return head


def _convert(layer: Layer, records: list, options: ImportOptions, survey: tuple[float, str],
             county: County | None) -> tuple[list, dict[str, Any]]:
    """The records in WGS-84 lon/lat (clipped if asked) and the log entry of how."""
    rows = [i for i, (_, g) in enumerate(records) if g is not None]
    if not rows:
        raise no_features(layer.name, layer.found)
    shapes = [records[i][1] for i in rows]
    warnings = list(layer.notes)
    crs, crs_source, guessed = resolve(layer, shapes, options.crs)
    warnings += [guessed] if guessed else []
    centre = _centre(reproject(shapes, to_degrees(crs)))
    shift = datum_shift(crs, centre, options.towgs84, options.datum_accuracy)
    warnings += [shift.warning] if shift.warning else []
    moved = reproject(shapes, shift.transformer)
    datum = web_datum(options.datum, layer.datum)
    if datum is None:
        _refuse_web_datum(layer, moved, county)
        datum = "wgs84"
    if datum != "wgs84":
        moved = undo_web_datum(moved, datum)
    kept = np.ones(len(moved), dtype=bool)
    if options.clip_county:
        moved, kept = _clip(layer, moved, options, county)  # type: ignore[assignment]
    else:
        _check_place(layer, crs, shapes, moved)
    conversion = (WEB_FORMULA_M, f"{datum.upper()} → WGS-84 by the public formula "
                  "(geo/datum.py; agrees with Amap to about a metre)") if datum != "wgs84" \
        else (0.0, "PROJ, exact to the millimetre")
    accuracy = Accuracy(survey[0], survey[1], shift.metres, shift.basis, *conversion)
    if datum != "wgs84":
        source = f" ({layer.datum_source})" if options.datum is None and layer.datum_source else ""
        warnings.append(Text(f"坐标按 {datum.upper()}{source} 转换为 WGS-84",
                             f"coordinates converted from {datum.upper()}{source} to WGS-84"))
    out = iter(zip(moved, kept, strict=True))
    converted = []
    for props, geom in records:
        shape, keep = next(out) if geom is not None else (None, True)
        if keep:
            converted.append((props, shape))
    entry: dict[str, Any] = {
        "crs": crs_label(crs), "crs_source": crs_source, "datum": datum,
        "accuracy_m": accuracy.total, "accuracy_basis": accuracy.basis(),
        "accuracy_parts": {"survey_m": accuracy.survey_m, "datum_m": accuracy.datum_m,
                           "conversion_m": accuracy.conversion_m},
        "_accuracy": accuracy}
    if options.where:
        entry["where"] = list(options.where)
    if options.clip_county:
        entry["clipped_to_county"] = {"kept": int(kept.sum()), "of": len(kept)}
    if warnings:
        entry["warnings"] = [{"zh": w.zh, "en": w.en} for w in warnings]
    return converted, entry


def _centre(shapes: list[BaseGeometry]) -> tuple[float, float]:
    coords = shapely.get_coordinates(np.array(shapes, dtype=object))
    coords = coords[np.isfinite(coords).all(axis=1)]
    if not len(coords):
        return 110.18, 41.1
    lon, lat = np.median(coords, axis=0)
    return float(lon), float(lat)


def _refuse_web_datum(layer: Layer, moved: list[BaseGeometry], county: County | None) -> None:
    """Refuse lon/lat that are plainly GCJ-02/BD-09 when nobody said which datum they are."""
    hint = datav_hint(layer)
    if hint is not None:
        raise InputError(f"{layer.name}：{hint.zh}。请加 --datum gcj02 重新导入（若已转换为 WGS-84，"
                         "用 --datum wgs84）",
                         f"{layer.name}: {hint.en}. Rerun with --datum gcj02 (or --datum wgs84 "
                         "if it was converted to WGS-84 already)")
    found = offset_datum(moved, county.shape if county else None)
    if found is not None:
        datum, as_read, fixed = found
        raise InputError(
            f"{layer.name}：这条县界与已知县界相距约 {as_read:,.0f} 米（中位数），按 {datum.upper()} "
            f"转换后只差 {fixed:,.0f} 米：这是网络地图坐标。请加 --datum {datum} 重新导入"
            "（确为 GPS 坐标时用 --datum wgs84）",
            f"{layer.name}: this county line lies {as_read:,.0f} m (median) from the known one "
            f"and {fixed:,.0f} m once converted from {datum.upper()}: web-map coordinates. "
            f"Rerun with --datum {datum} (or --datum wgs84 if they really are GPS)")


def _check_place(layer: Layer, crs: Any, shapes: list[BaseGeometry],
                 moved: list[BaseGeometry]) -> None:
    """Refuse a layer not (all) in Guyang, with its extent and which option would help."""
    inside = in_guyang(moved)
    if inside.all():
        return
    if not inside.any():
        raise misplaced(layer.name, crs, shapes, moved)
    outside = [s for s, ok in zip(moved, inside, strict=True) if not ok]
    where_out = extent(outside)
    raise InputError(
        f"{layer.name}：{len(outside)} / {len(moved)} 个要素不在固阳县（{where_out.zh}）。"
        "这是全市或全省的图层？"
        "请用 --where 字段=值（如 name=固阳县）选出所需要素，或用 --clip-county 只保留与本县相交的部分",
        f"{layer.name}: {len(outside)} of {len(moved)} features are not in Guyang "
        f"({where_out.en}). A city- or province-wide layer? Pick the features with --where "
        "FIELD=VALUE (e.g. name=固阳县), or keep what reaches the county with --clip-county")


def _clip(layer: Layer, moved: list[BaseGeometry], options: ImportOptions,
          county: County | None) -> tuple[list[BaseGeometry | None], np.ndarray]:
    """Each shape cut to the county and a margin (None where it does not reach it)."""
    if county is None:
        raise InputError("--clip-county 需要底图中的县界", "--clip-county needs the base's county line")
    margin = county.accuracy_m + options.buffer_m  # nothing that could matter is cut away
    cut = clip(moved, county.shape, margin)
    kept = np.array([c is not None for c in cut], dtype=bool)
    if not kept.any():
        raise InputError(f"{layer.name}：没有要素与固阳县（含 {margin:,.0f} 米边距）相交"
                         f"（{extent(moved).zh}）",
                         f"{layer.name}: no feature reaches Guyang (with a {margin:,.0f} m "
                         f"margin): {extent(moved).en}")
    return cut, kept


@dataclass(frozen=True)
class County:
    """The base's county line (WGS-84) and its accuracy."""

    shape: BaseGeometry
    accuracy_m: float


def _county(base: dict[str, Any] | None) -> County | None:
    for feature in (base or {}).get("features", []):
        props = feature.get("properties") or {}
        if props.get("kind") == zonefile.COUNTY_KIND and feature.get("geometry"):
            return County(geojson_shape(feature["geometry"]), float(props.get("accuracy_m") or 0))
    return None


def _bytes(path: Path) -> bytes:
    if path.is_dir():  # a File Geodatabase is a folder: hash its files in order
        return b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())
    return path.read_bytes()


def _feature(name: str, n: int, props: dict[str, Any], geom: BaseGeometry | None,
             options: ImportOptions, accuracy: Accuracy, digest: str) -> dict[str, Any]:
    """One source feature in firecheck's zone schema."""
    designation = _text(props.get(options.designation_field)) if options.designation_field \
        else options.designation
    if not designation:
        raise InputError(f"{name}：第 {n} 个要素缺少所属区域；请用 --designation 或 "
                         "--designation-field 指定",
                         f"{name}: feature {n}: no designation; give --designation (e.g. "
                         "grassland-subsidy-areas) or --designation-field")
    raw_id = _text(props.get(options.id_field)) if options.id_field else None
    label = _text(props.get(options.name_field)) if options.name_field else _guess_name(props)
    name_en = _text(props.get(options.name_en_field)) if options.name_en_field else None
    return {
        "type": "Feature",
        "properties": {
            "id": f"{designation}/{raw_id or n + 1}",
            "designation": designation,
            "name_zh": label or designation,
            "name_en": name_en or label or designation,
            "kind": options.kind or designation,
            "level": options.level or "official",
            "buffer_m": options.buffer_m,
            "accuracy_m": accuracy.total,
            "completeness": options.completeness,
            "geometry_source": f"{name} feature {n} (sha256 {digest[:12]}), "
                               f"imported {options.today.isoformat()}",
            "source": f"official import: {name}; accuracy {accuracy.total:g} m "
                      f"({accuracy.basis()})",
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
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    return text or None


def _merge(base: dict[str, Any] | None, imported: list[dict[str, Any]]) -> list[dict]:
    """Base features, minus those an import replaces (same id), supersedes (an unmapped
    placeholder of a designation the import maps) or succeeds (the county line, when one is
    imported), then the imported ones."""
    new_ids = {f["properties"]["id"] for f in imported}
    mapped = {f["properties"]["designation"] for f in imported if f["geometry"] is not None}
    new_county = any(f["properties"]["kind"] == zonefile.COUNTY_KIND for f in imported)
    kept = []
    for feature in (base or {}).get("features", []):
        props = feature.get("properties") or {}
        if props.get("id") in new_ids:
            continue
        if props.get("designation") in mapped and props.get("completeness") != "complete":
            continue
        if new_county and props.get("kind") == zonefile.COUNTY_KIND:
            continue
        kept.append(feature)
    return kept + imported
