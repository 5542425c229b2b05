"""Formats only GDAL reads — GeoPackage, File Geodatabase, MapInfo, DXF, FlatGeobuf — through
pyogrio, the optional ``gis`` extra (``pip install "firecheck[gis]"``). Imported only here, so
no other command pays for GDAL."""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ...text import Text
from .layer import Layer, Record, parse_crs

OGR_SUFFIXES = (".gpkg", ".gdb", ".tab", ".mif", ".dxf", ".fgb", ".sqlite")


def read_ogr(path: Path, wanted: str | None) -> Layer:
    """One layer of a GDAL-readable dataset (``wanted``, else the only one)."""
    try:
        import pyogrio
        import pyogrio.errors
    except ImportError:
        raise InputError(
            f"{path.name}：读取此格式需要 GDAL：请安装 pip install \"firecheck[gis]\"（pyogrio），"
            "或用 ogr2ogr 转成 GeoJSON/Shapefile（见 README）",
            f"{path.name}: this format needs GDAL: pip install \"firecheck[gis]\" (pyogrio), or "
            "convert it to GeoJSON/Shapefile with ogr2ogr (see the README)") from None
    import shapely

    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
        if wanted is None and len(layers) != 1:
            raise InputError(f"{path.name}：有多个图层，请用 --layer 选择：{'、'.join(layers)}",
                             f"{path.name}: several layers; choose one with --layer: "
                             f"{', '.join(layers)}")
        if wanted is not None and wanted not in layers:
            raise InputError(f"{path.name}：没有图层 {wanted!r}（有：{'、'.join(layers)}）",
                             f"{path.name}: no layer {wanted!r} (it holds: {', '.join(layers)})")
        layer = wanted or layers[0]
        meta, _, wkb, columns = pyogrio.raw.read(path, layer=layer)
    except pyogrio.errors.DataSourceError as exc:
        raise InputError(f"{path.name}：GDAL 无法读取：{exc}",
                         f"{path.name}: GDAL cannot read it: {exc}") from exc
    names = list(meta["fields"])
    shapes = shapely.from_wkb(wkb) if wkb is not None else [None] * len(columns[0] if columns
                                                                         else [])
    records: list[Record] = [
        ({n: columns[k][i] for k, n in enumerate(names)}, shapes[i]) for i in range(len(shapes))]
    crs = parse_crs(meta["crs"], path.name) if meta.get("crs") else None
    found = Layer(f"{path.name}:{layer}", crs, records,
                  f"the {meta.get('driver', 'GDAL')} layer" if crs else "none (the layer has none)")
    if not any(g is not None for _, g in records):
        found.found = Text(f"图层 {layer} 没有几何", f"layer {layer} has no geometries")
    return found
