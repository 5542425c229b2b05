"""Place keys for a batch: each located point reduced to what decides its answer — its
county scope and the distinct (designation, relation) codes of the zones within reach,
measured with the engine's own thresholds — for whole arrays of points."""

from __future__ import annotations

import numpy as np
import shapely

from ..engine.model import Location
from ..geo.edges import RELATIONS, relation, relations
from ..geo.grids import UNSETTLED
from ..zones.model import Measure, ZoneSet
from .arrow import pair_order

SCOPES = ("inside", "near_boundary", "outside")
_CODE_BITS = 8  # bits per packed (designation, relation) code


class PlaceKeys:
    """The county scope of points, and the key of each point's place."""

    def __init__(self, zones: ZoneSet) -> None:
        self.zones = zones
        self.buffer = zones.mapped_buffer
        self.accuracy = zones.mapped_accuracy
        names, codes = zones.mapped_designations
        present, first = np.unique(codes, return_index=True)
        in_order = present[np.argsort(first)]  # in order of first appearance
        self.designations = [names[c] for c in in_order.tolist()]
        self.designation_of = {d: i for i, d in enumerate(self.designations)}
        number = np.zeros(len(names), dtype=np.int64)
        number[in_order] = np.arange(len(in_order))
        self.designation = number[codes]
        self._packable = len(self.designations) * 9 < (1 << _CODE_BITS) - 1
        # The signed edge metres relations turn on (see :meth:`relations`): their distinct
        # rows, and each zone's row.
        self.thresholds = _distinct_rows(np.stack([self.buffer - self.accuracy,
                                                   self.buffer + self.accuracy, -self.accuracy,
                                                   self.accuracy], axis=1))

    def scopes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """0 inside, 1 near the county line, 2 outside (the engine's thresholds): a raster
        settles most points, prepared rings most others, and exact distances only points
        within a few metres of a threshold."""
        index = self.zones.index()
        sure_in, sure_near_in, sure_near_out, sure_out = index.county_rings
        scope = index.county_grid.lookup(x, y)
        rest = np.flatnonzero(scope == UNSETTLED)
        scope[rest] = 2
        for polygon, value in ((sure_in, 0), (sure_out, -1)):
            hit = shapely.contains_xy(polygon, x[rest], y[rest])
            if value >= 0:
                scope[rest[hit]] = value
                rest = rest[~hit]
            else:
                rest = rest[hit]  # outside sure_out: surely outside (2)
        near = shapely.contains_xy(sure_near_out, x[rest], y[rest]) & ~shapely.contains_xy(
            sure_near_in, x[rest], y[rest])
        scope[rest[near]] = 1
        exact = rest[~near]
        if len(exact):
            edge = index.county_edges(x[exact], y[exact])
            width = self.zones.county.accuracy_m or 0.0
            scope[exact] = np.where(edge <= -width, 0, np.where(edge > width, 2, 1))
        return scope

    def relations(self, zone: np.ndarray, edge_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per (point, zone) pair: the relation to the zone's buffer line and to its edge
        (indices into RELATIONS)."""
        return (relations(edge_m, self.buffer[zone], self.accuracy[zone]),
                relations(edge_m, np.zeros_like(edge_m), self.accuracy[zone]))

    def keys(self, n: int, scope: np.ndarray, pair_row: np.ndarray,
             codes: np.ndarray) -> np.ndarray:
        """One key per row: its scope and the distinct (designation, relation) codes of its
        zones — packed into an int64 when they fit, else a tuple."""
        order = pair_order(pair_row, codes)
        rows, codes = pair_row[order], codes[order]
        fresh = np.ones(len(rows), dtype=bool)
        fresh[1:] = (rows[1:] != rows[:-1]) | (codes[1:] != codes[:-1])
        rows, codes = rows[fresh], codes[fresh]
        counts = np.bincount(rows, minlength=n)
        slots = (64 - 2) // _CODE_BITS
        if self._packable and (counts <= slots).all():
            keys = scope.astype(np.int64)
            position = np.arange(len(rows)) - np.searchsorted(rows, rows)
            for p in range(slots):
                mask = position == p
                keys[rows[mask]] += (codes[mask] + 1) << (2 + _CODE_BITS * p)
            return keys
        starts = np.concatenate([[0], np.cumsum(counts)])
        keys = np.empty(n, dtype=object)  # a 1-D array of tuples, not a 2-D array
        for i in range(n):
            keys[i] = (int(scope[i]), tuple(codes[starts[i]:starts[i + 1]].tolist()))
        return keys

    def code(self, zone: np.ndarray, rel_zone: np.ndarray, rel_zero: np.ndarray) -> np.ndarray:
        """The (designation, buffer relation, edge relation) code of each pair."""
        return self.designation[zone] * 9 + rel_zone * 3 + rel_zero

    def location_codes(self, place: Location) -> tuple[int, ...]:
        """The codes of one located route, area or place (the engine's own measures; the
        place's own accuracy widens every band, as in the engine's judge)."""
        return tuple(sorted({
            self.designation_of[m.zone.designation] * 9
            + RELATIONS.index(relation(m.edge_m, m.zone.buffer_m, band(m, place))) * 3
            + RELATIONS.index(relation(m.edge_m, 0.0, band(m, place)))
            for m in place.measures}))


def band(measure: Measure, place: Location) -> float:
    """How far a zone's edge may be from where it is drawn, as seen from ``place``."""
    return (measure.zone.accuracy_m or 0.0) + place.accuracy_m


def _distinct_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a float table and each row's index among them (as
    ``np.unique(axis=0, return_inverse=True)``, in another order), by one 1-D unique per
    column: unique over rows sorts them as raw bytes, 0.2 s for 100k parcels."""
    key = np.zeros(len(table), dtype=np.int64)  # dense: each row's distinct prefix so far
    for column in table.T:
        values, code = np.unique(column, return_inverse=True)
        _, key = np.unique(key * len(values) + code, return_inverse=True)
    _, first = np.unique(key, return_index=True)
    return table[first], key.reshape(-1)
