"""Where imported coordinates lie: whether each feature is in Guyang, and — when not — the
bounding box and the farthest point (never just the first), in words."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from ...text import Text
from ..file import FAR_DEGREES, GUYANG_BOX

_GEOD = Geod(ellps="WGS84")
_CENTRE = ((GUYANG_BOX[0] + GUYANG_BOX[2]) / 2, (GUYANG_BOX[1] + GUYANG_BOX[3]) / 2)


def in_guyang(shapes: list[BaseGeometry]) -> np.ndarray:
    """Per shape: whether its lon/lat bounds lie within Guyang's box and its ~45 km margin."""
    if not shapes:
        return np.zeros(0, dtype=bool)
    west, south, east, north = GUYANG_BOX
    x0, y0, x1, y1 = shapely.bounds(np.array(shapes, dtype=object)).T
    with np.errstate(invalid="ignore"):
        return ((x0 > west - FAR_DEGREES) & (x1 < east + FAR_DEGREES)
                & (y0 > south - FAR_DEGREES) & (y1 < north + FAR_DEGREES))


def fits(coords: np.ndarray) -> bool:
    """Whether lon/lat coordinates all lie within Guyang's box and margin."""
    west, south, east, north = GUYANG_BOX
    lon, lat = coords[:, 0], coords[:, 1]
    with np.errstate(invalid="ignore"):
        return bool(np.isfinite(coords).all() and (
            (lon > west - FAR_DEGREES) & (lon < east + FAR_DEGREES)
            & (lat > south - FAR_DEGREES) & (lat < north + FAR_DEGREES)).all())


def extent(shapes: list[BaseGeometry]) -> Text:
    """'bounding box (W, S)–(E, N); farthest point (lon, lat), N km from Guyang' for lon/lat
    shapes (finite ones)."""
    coords = shapely.get_coordinates(np.array(shapes, dtype=object))
    coords = coords[np.isfinite(coords).all(axis=1)]
    if not len(coords):
        return Text("坐标不是有限数值", "the coordinates are not finite numbers")
    (w, s), (e, n) = coords.min(axis=0), coords.max(axis=0)
    box = f"({w:.4f}, {s:.4f})–({e:.4f}, {n:.4f})"
    if (np.abs(coords[:, 0]) <= 180).all() and (np.abs(coords[:, 1]) <= 90).all():
        _, _, metres = _GEOD.inv(np.full(len(coords), _CENTRE[0]), np.full(len(coords), _CENTRE[1]),
                                 coords[:, 0], coords[:, 1])
        far = int(np.argmax(metres))
        lon, lat, km = coords[far, 0], coords[far, 1], metres[far] / 1000
        return Text(f"范围 {box}，最远点 ({lon:.4f}, {lat:.4f}) 距固阳县中心 {km:,.0f} 公里",
                    f"bounding box {box}, farthest point ({lon:.4f}, {lat:.4f}) "
                    f"{km:,.0f} km from the centre of Guyang")
    return Text(f"范围 {box}", f"bounding box {box}")
