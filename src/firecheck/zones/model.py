"""The zone model: each feature of a zones file is one zone (or one part of a zone) named
in a notice, with its geometry in the county's metric plane.

``designation`` ties features to the zone list a rule cites; ``completeness`` says how much
of the zone the geometry covers ("complete", "partial": located only approximately or in
part, or "unmapped": no usable location, null geometry). ``accuracy_m`` is how far the true
edge may lie from the drawn one. One feature of kind ``county_boundary`` gives the rules'
scope.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import DataError
from ..text import Text
from .index import ZoneIndex

COUNTY_KIND = "county_boundary"


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
    extent: BaseGeometry | None = None  # where an unmapped zone must lie (local metres)
    extent_accuracy_m: float = 0.0

    @property
    def name(self) -> Text:
        """Display name in both languages."""
        return Text(self.name_zh, self.name_en)


@dataclass(frozen=True)
class Measure:
    """Where a place lies relative to one zone."""

    zone: Zone
    edge_m: float  # signed: negative inside an area


class ZoneSet:
    """The loaded zones, with a spatial index over the mapped ones."""

    def __init__(self, zones: list[Zone], version: str, path: str,
                 notes: tuple[Text, ...] = ()) -> None:
        counties = [z for z in zones if z.kind == COUNTY_KIND]
        if len(counties) != 1 or counties[0].shape is None:
            raise DataError(
                f"{path}：必须有且仅有一个带几何的 {COUNTY_KIND!r} 要素（现有 {len(counties)} 个）",
                f"{path}: exactly one mapped feature of kind {COUNTY_KIND!r} is required "
                f"(found {len(counties)})",
            )
        self.county = counties[0]
        self.zones = tuple(zones)
        self.version = version
        self.path = path
        self.notes = notes  # e.g. why the cache was not used (shown on stderr)
        self.mapped = tuple(z for z in zones if z.shape is not None and z is not self.county)
        self.by_designation: dict[str, list[Zone]] = {}
        for zone in zones:
            if zone is not self.county:
                self.by_designation.setdefault(zone.designation, []).append(zone)
        self._completeness = {d: _completeness(fs) for d, fs in self.by_designation.items()}
        # Unmapped designations a source bounds: every feature has an extent.
        self.bounded = tuple(d for d, fs in self.by_designation.items()
                             if all(z.extent is not None for z in fs))
        self._local = threading.local()
        self._owner_lock = threading.Lock()
        self._owner_taken = False

    def index(self) -> ZoneIndex:
        """This thread's geometry index. GEOS prepared geometries and trees are not
        thread-safe: the first thread to ask measures with the loaded geometries, every
        other thread with its own copies."""
        index = getattr(self._local, "index", None)
        if index is None:
            with self._owner_lock:
                clone, self._owner_taken = self._owner_taken, True
            extents = tuple((j, zone.extent, zone.buffer_m + zone.extent_accuracy_m)
                            for j, d in enumerate(self.bounded) for zone in self.by_designation[d])
            index = self._local.index = ZoneIndex(self.county, self.mapped, clone, extents,
                                                  len(self.bounded))
        return index

    def beyond_extents(self, places: np.ndarray, accuracy_m: float) -> np.ndarray:
        """For places (rows: geometries in local metres) and each of :attr:`bounded`
        (columns): is the place farther from every extent of that designation than its
        buffer, the extent's accuracy and the place's own? Then the zone cannot reach it."""
        out = np.zeros((len(places), len(self.bounded)), dtype=bool)
        if not self.bounded or not len(places):
            return out
        points = places
        for j, designation in enumerate(self.bounded):
            beyond = np.ones(len(places), dtype=bool)
            for zone in self.by_designation[designation]:
                reach = zone.buffer_m + zone.extent_accuracy_m + accuracy_m
                with np.errstate(invalid="ignore"):  # places PROJ cannot hold: inf, beyond
                    beyond &= np.asarray(shapely.distance(zone.extent, points)) > reach
            out[:, j] = beyond
        return out

    def completeness(self, designation: str) -> str:
        """'complete' if every feature of the designation is mapped completely, 'unmapped' if
        none is mapped (or it is absent from the file), else 'partial'."""
        return self._completeness.get(designation, "unmapped")

    def designation_name(self, designation: str) -> Text:
        """Display name of a designation; its id when the file lacks it."""
        features = self.by_designation.get(designation)
        if not features:
            return Text(designation, designation)
        return features[0].name


def _completeness(features: list[Zone]) -> str:
    states = {z.completeness for z in features}
    if states == {"unmapped"}:
        return "unmapped"
    return "complete" if states == {"complete"} else "partial"
