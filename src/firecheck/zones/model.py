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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import DataError
from ..text import Text
from .index import Shared, ZoneIndex

if TYPE_CHECKING:
    from .index_cache import IndexCache

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
    position: int = -1  # the zone's index among ZoneSet.mapped


class Shapes:
    """Geometries (local metres) by row, with their bounds: ``decode(rows)`` gives new
    objects on every call when they come from WKB (safe to prepare in any thread), the
    loaded objects themselves otherwise."""

    def __init__(self, decode: Callable[[np.ndarray], np.ndarray], present: np.ndarray,
                 bounds: np.ndarray, fresh: bool) -> None:
        self.decode = decode
        self.present = present  # which rows have a geometry
        self.bounds = bounds  # (rows, 4): xmin, ymin, xmax, ymax (NaN without a geometry)
        self.fresh = fresh  # decode makes new objects

    @classmethod
    def of(cls, shapes: np.ndarray) -> Shapes:
        """Geometry objects already made."""
        return cls(lambda rows: shapes[rows], ~shapely.is_missing(shapes),
                   shapely.bounds(shapes), False)

    def subset(self, rows: np.ndarray) -> Shapes:
        """The shapes of ``rows``, renumbered from 0."""
        return Shapes(lambda sub: self.decode(rows[sub]), self.present[rows], self.bounds[rows],
                      self.fresh)

    def __len__(self) -> int:
        return len(self.present)


class ZoneRows(Sequence[Zone]):
    """Zones held as columns, as the cache reads them: a shape is decoded from its WKB, and a
    :class:`Zone` made, only when it is asked for (a single check among 100,000 parcels
    decodes the few near it)."""

    def __init__(self, fields_of: Callable[[int], dict[str, Any]],
                 values_of: Callable[[str, np.ndarray], list[Any]], text: Mapping[str, Coded],
                 numbers: Mapping[str, np.ndarray], shapes: Shapes,
                 extents: np.ndarray) -> None:
        self.fields_of = fields_of  # row -> the Zone's fields but its shapes
        self.values_of = values_of  # (field, rows) -> the field's values at those rows
        self.text = text  # the fields ZoneSet groups by, dictionary-coded
        self.numbers = numbers  # buffer_m, accuracy_m (NaN: none), extent_accuracy_m
        self.shapes, self.extents = shapes, extents
        self._made: dict[int, Zone] = {}

    def __len__(self) -> int:
        return len(self.shapes)

    @overload
    def __getitem__(self, i: int) -> Zone: ...
    @overload
    def __getitem__(self, i: slice) -> list[Zone]: ...

    def __getitem__(self, i: int | slice) -> Zone | list[Zone]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        zone = self._made.get(i)
        if zone is None:
            zone = self._made[i] = Zone(**self.fields_of(i),
                                        shape=self.shapes.decode(np.array([i]))[0],
                                        extent=self.extents[i])
        return zone


Coded = tuple[list[str], np.ndarray]  # (distinct values, each row's index into them)


def _coded(values: Sequence[str]) -> Coded:
    """The distinct values (in order of first appearance) and each row's index into them."""
    distinct: dict[str, int] = {}
    codes = np.array([distinct.setdefault(v, len(distinct)) for v in values], dtype=np.int64)
    return list(distinct), codes


class _Subset(Sequence[Zone]):
    """The zones at ``rows`` of a zone sequence, made as they are asked for."""

    def __init__(self, zones: Sequence[Zone], rows: np.ndarray) -> None:
        self._zones, self._rows = zones, rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> Zone: ...
    @overload
    def __getitem__(self, i: slice) -> list[Zone]: ...

    def __getitem__(self, i: int | slice) -> Zone | list[Zone]:
        if isinstance(i, slice):
            return [self._zones[int(r)] for r in self._rows[i]]
        return self._zones[int(self._rows[i])]


class ZoneSet:
    """The loaded zones, with a spatial index over the mapped ones. The zones may be Zone
    objects or :class:`ZoneRows`; either way the set works on columns, so a large file's
    zones are made as Zone objects only where one is shown or judged."""

    def __init__(self, zones: Sequence[Zone], version: str, path: str,
                 notes: tuple[Text, ...] = (), kept: IndexCache | None = None) -> None:
        if isinstance(zones, ZoneRows):
            text, numbers = zones.text, zones.numbers
            shapes, extents = zones.shapes, zones.extents
        else:
            zones = tuple(zones)
            text = {f: _coded([getattr(z, f) for z in zones])
                    for f in ("kind", "designation", "completeness")}
            numbers = {"buffer_m": np.array([z.buffer_m for z in zones], dtype=float),
                       "accuracy_m": np.array([np.nan if z.accuracy_m is None else z.accuracy_m
                                               for z in zones], dtype=float),
                       "extent_accuracy_m": np.array([z.extent_accuracy_m for z in zones],
                                                     dtype=float)}
            shapes = Shapes.of(np.array([z.shape for z in zones], dtype=object))
            extents = np.array([z.extent for z in zones], dtype=object)
        kinds, kind = text["kind"]
        county_code = kinds.index(COUNTY_KIND) if COUNTY_KIND in kinds else -1
        counties = np.flatnonzero(kind == county_code)
        if len(counties) != 1 or not shapes.present[counties[0]]:
            raise DataError(
                f"{path}：必须有且仅有一个带几何的 {COUNTY_KIND!r} 要素（现有 {len(counties)} 个）",
                f"{path}: exactly one mapped feature of kind {COUNTY_KIND!r} is required "
                f"(found {len(counties)})",
            )
        self.zones = zones
        self.county = zones[int(counties[0])]
        self.version = version
        self.path = path
        self.notes = notes  # e.g. why the cache was not used (shown on stderr)
        others = kind != county_code
        rows = np.flatnonzero(shapes.present & others)
        self.mapped: Sequence[Zone] = _Subset(zones, rows)
        self.mapped_shapes = shapes.subset(rows)
        self.mapped_buffer = numbers["buffer_m"][rows]
        self.mapped_accuracy = np.nan_to_num(numbers["accuracy_m"][rows], nan=0.0)
        designations, designation = text["designation"]
        # (names, codes) of the mapped zones' designations
        self.mapped_designations = (designations, designation[rows])
        self._mapped_rows = rows
        # Per designation (in order of first appearance, the county excluded): its rows.
        order = np.flatnonzero(others)
        codes = designation[order]
        present, first = np.unique(codes, return_index=True)
        self._rows_of = {designations[c]: order[codes == c]
                         for c in present[np.argsort(first)].tolist()}
        self.by_designation: Mapping[str, list[Zone]] = _ByDesignation(zones, self._rows_of)
        states, state = text["completeness"]
        self._completeness = {d: _completeness({states[c] for c in set(state[r].tolist())})
                              for d, r in self._rows_of.items()}
        has_extent = ~shapely.is_missing(extents)
        # Unmapped designations a source bounds: every feature has an extent.
        self.bounded = tuple(d for d, r in self._rows_of.items() if has_extent[r].all())
        self._local = threading.local()
        self._owner_lock = threading.Lock()
        self._owner_taken = False
        self._shared = Shared(kept)  # what every thread's index reads at once

    def mapped_ids(self) -> list[str]:
        """The ids of the mapped zones, in their order."""
        return self._mapped_values("id")

    def mapped_names(self, lang: str) -> list[str]:
        """The names of the mapped zones in ``lang``, in their order (no Zone is made)."""
        return self._mapped_values(Text("name_zh", "name_en").get(lang))

    def _mapped_values(self, field: str) -> list[Any]:
        if isinstance(self.zones, ZoneRows):
            return self.zones.values_of(field, self._mapped_rows)
        return [getattr(z, field) for z in self.mapped]

    def index(self) -> ZoneIndex:
        """This thread's geometry index. GEOS prepared geometries are not thread-safe: the
        first thread to ask measures with the loaded geometries, every other thread with
        its own copies, and all share what is safe to read at once (the STRtrees, the
        arrays and rasters, the shapes of few vertices)."""
        index = getattr(self._local, "index", None)
        if index is None:
            with self._owner_lock:
                clone, self._owner_taken = self._owner_taken, True
            extents = tuple((j, zone.extent, zone.buffer_m + zone.extent_accuracy_m)
                            for j, d in enumerate(self.bounded) for zone in self.by_designation[d])
            index = self._local.index = ZoneIndex(
                self.county, self.mapped_shapes, self.mapped_buffer + self.mapped_accuracy,
                clone, extents, len(self.bounded), self._shared)
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
        rows = self._rows_of.get(designation)
        if rows is None or not len(rows):
            return Text(designation, designation)
        return self.zones[int(rows[0])].name


def _completeness(states: set[str]) -> str:
    if states == {"unmapped"}:
        return "unmapped"
    return "complete" if states == {"complete"} else "partial"


class _ByDesignation(Mapping[str, list[Zone]]):
    """Designation -> its zones (the county excluded), made when one is looked up."""

    def __init__(self, zones: Sequence[Zone], rows_of: dict[str, np.ndarray]) -> None:
        self._zones, self._rows_of = zones, rows_of

    def __getitem__(self, designation: str) -> list[Zone]:
        return [self._zones[int(r)] for r in self._rows_of[designation]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows_of)

    def __len__(self) -> int:
        return len(self._rows_of)
