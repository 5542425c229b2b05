"""Reading the files a county GIS office has, one module per format, each giving a
:class:`~.layer.Layer` still in the file's own CRS: GeoJSON (DataV too), Shapefile (also
zipped), KML/KMZ/.ovkml, GPX, and through GDAL (the ``gis`` extra) GeoPackage, File
Geodatabase, MapInfo and DXF."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ...errors import InputError
from . import archive
from .geojson import read_geojson
from .gpx import read_gpx
from .kml import read_kml
from .layer import Layer
from .ogr import OGR_SUFFIXES, read_ogr
from .shp import read_shapefile

SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".kml", ".kmz", ".ovkml", ".gpx",
            *OGR_SUFFIXES)
_SIDECARS = (".dbf", ".shx", ".prj", ".cpg")


def read_layer(path: Path, layer: str | None = None, encoding: str | None = None) -> Layer:
    """Read one file (or one ``layer`` of an archive or a GeoPackage) without reprojecting."""
    suffix = path.suffix.lower()
    if suffix in OGR_SUFFIXES and path.exists():
        return read_ogr(path, layer)
    if not path.is_file():
        raise InputError(f"找不到文件：{path}", f"file not found: {path}")
    if suffix == ".shp":
        return read_shapefile(shapefile_parts(path), path.name, encoding)
    if suffix in (".zip", ".kmz"):
        files = archive.members(path)
        member = archive.pick_layer(files, path.name, layer)
        name = f"{path.name}:{member}"
        if member.lower().endswith(".shp"):
            return read_shapefile(archive.shapefile_parts(files, member), name, encoding)
        return _read_bytes(files[member], PurePosixPath(member).suffix.lower(), name)
    if suffix not in SUFFIXES:
        raise InputError(f"{path.name}：不支持的格式，请用 {', '.join(SUFFIXES)}",
                         f"{path.name}: unsupported format; use {', '.join(SUFFIXES)} "
                         "(convert others with ogr2ogr, see the README)")
    return _read_bytes(_read(path), suffix, path.name)


def _read_bytes(data: bytes, suffix: str, name: str) -> Layer:
    if suffix in (".kml", ".ovkml"):
        return read_kml(data, name, ovkml=suffix == ".ovkml")
    if suffix == ".gpx":
        return read_gpx(data, name)
    return read_geojson(data, name)


def shapefile_parts(shp: Path) -> dict[str, bytes]:
    """The .shp and the sidecar files beside it (any case of suffix)."""
    parts = {".shp": _read(shp)}
    siblings = {p.suffix.lower(): p for p in shp.parent.glob(f"{_glob_escape(shp.stem)}.*")
                if p.stem == shp.stem}
    parts.update({s: _read(siblings[s]) for s in _SIDECARS if s in siblings})
    return parts


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取 {path}：{exc.strerror}",
                         f"cannot read {path}: {exc.strerror}") from exc
