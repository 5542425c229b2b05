"""What every format reader hands on: a :class:`Layer` of records still in the file's own
CRS, with where that CRS came from, and what a featureless file held instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

from ...errors import InputError
from ...text import Text

Record = tuple[dict[str, Any], BaseGeometry | None]


@dataclass
class Layer:
    """Features read from one file (or one layer of it), in its own CRS."""

    name: str  # the file name (and the layer, for a zip or a GeoPackage) as the log shows it
    crs: CRS | None  # None: the file does not say (a Shapefile without .prj)
    records: list[Record]
    crs_source: str  # what said the CRS: "the .prj", "the GeoJSON crs member", "KML (WGS-84)"…
    datum: str | None = None  # the planar datum the format implies: "gcj02" for 奥维 .ovkml
    datum_source: str | None = None
    found: Text | None = None  # what a file without usable features held (a NetworkLink…)
    notes: list[Text] = field(default_factory=list)  # how it was read (encoding evidence…)


def parse_crs(text: str, where: str) -> CRS:
    """A CRS from any text pyproj takes (EPSG code, WKT, PROJ string); InputError if none."""
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise InputError(f"{where}：无法识别的坐标系 {text[:80]!r}",
                         f"{where}: unknown CRS {text[:80]!r}: {exc}") from exc


def crs_label(crs: CRS) -> str:
    """The CRS as a log names it: 'EPSG:4546 (CGCS2000 / 3-degree Gauss-Kruger CM 111E)',
    never its whole WKT."""
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def geojson_geometry(geometry: Any, where: str) -> BaseGeometry | None:
    """A GeoJSON geometry mapping as a shape (None for null); InputError if unreadable."""
    if geometry is None:
        return None
    try:
        with np.errstate(invalid="ignore"):  # a NaN coordinate: the validation names it
            return geojson_shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError,
            shapely.errors.ShapelyError) as exc:
        raise InputError(f"{where}：几何无法读取：{exc}",
                         f"{where}: unreadable geometry: {exc}") from exc


def no_features(name: str, found: Text | None) -> InputError:
    """The error for a file without one usable feature, saying what it held instead."""
    what = found or Text("没有任何要素", "no features at all")
    return InputError(f"{name}：没有可导入的要素（{what.zh}）",
                      f"{name}: no features to import ({what.en})")
