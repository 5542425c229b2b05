"""'How far am I from the line?': the nearest zones of a place, with distance and direction.

Distances come from the same geometry index as the engine, and "within the ban area" is the
engine's own :func:`~firecheck.geo.edges.relation` — so `near` and `check` cannot
disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.ops import nearest_points

from ..geo.edges import Relation, relation
from ..text import Text
from .model import Zone, ZoneSet

COMPASS = tuple(Text(zh, en) for zh, en in (
    ("北", "N"), ("东北", "NE"), ("东", "E"), ("东南", "SE"), ("南", "S"), ("西南", "SW"),
    ("西", "W"), ("西北", "NW")))


@dataclass(frozen=True)
class Nearby:
    """One zone seen from the place."""

    zone: Zone
    edge_m: float  # signed metres to the zone edge: negative inside
    buffer_line_m: float  # signed metres to the ban line (edge + buffer): negative within it
    bearing_deg: float | None  # grid bearing from the place to the nearest edge point
    accuracy_m: float  # the zone's accuracy plus the place's
    within: Relation  # the engine's relation for the zone's buffer: certain / near / beyond

    @property
    def inside(self) -> bool:
        return self.edge_m <= 0

    def direction(self, lang: str) -> str:
        """Compass direction in words ('东北' / 'NE'); '' when inside."""
        if self.bearing_deg is None:
            return ""
        return COMPASS[int(((self.bearing_deg + 22.5) % 360) // 45)].get(lang)


def nearest(zones: ZoneSet, x: float, y: float, accuracy_m: float = 0.0,
            count: int = 5) -> list[Nearby]:
    """The ``count`` mapped zones nearest to local point (x, y), nearest first."""
    index = zones.index()
    if not len(index.shapes) or not (math.isfinite(x) and math.isfinite(y)):
        return []  # no zones, or a place the local plane cannot hold (PROJ gives inf)
    point = shapely.Point(x, y)
    edge = index.edge_m(np.arange(len(index.shapes)), point)
    out = []
    for i in np.argsort(edge, kind="stable")[:count]:
        zone = zones.mapped[int(i)]
        band = (zone.accuracy_m or 0.0) + accuracy_m
        bearing = None
        if edge[i] > 0:
            target = nearest_points(index.edges_of(np.array([i]))[0], point)[0]
            bearing = math.degrees(math.atan2(target.x - x, target.y - y)) % 360
        out.append(Nearby(zone, float(edge[i]), float(edge[i] - zone.buffer_m), bearing,
                          band, relation(float(edge[i]), zone.buffer_m, band)))
    return out
