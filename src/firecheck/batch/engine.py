"""Batch evaluation: many requests at once, on the same engine as a single check.

Geometry is measured for whole arrays: one vectorised datum conversion and projection per
chunk, prepared polygons that settle most points without a distance (surely inside or
outside the county's uncertainty band; beyond every zone's reach), and exact distances,
computed as the single path computes them, for the rest. Rules are never re-implemented
here: every row is reduced to the key that decides its answer — its day plans
(:class:`~.plans.DayPlans`) and its place key (:class:`~.places.PlaceKeys`) — and the
engine's own :func:`~firecheck.engine.judge.apply_plan` runs once per distinct key
(:class:`~.answers.Answers`); its answer is broadcast to every row with that key.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from .. import kernels
from ..engine.judge import apply_plan
from ..engine.locate import locate_parts
from ..engine.model import SEVERITY, Location, Request
from ..errors import InputError
from ..geo.datum import DATUMS
from ..geo.edges import relation
from ..geo.projection import to_local
from ..rules.model import LANDS, RuleSet
from ..zones.index import BOUND_SLACK_M, Pairs
from ..zones.model import Measure, ZoneSet
from .answers import Answer, Answers, summarize
from .arrow import factorize, pair_order
from .places import SCOPES, PlaceKeys, band
from .plans import DayPlans
from .requests import Requests, failure


@dataclass
class Outcome:
    """Per-row results: a group index into ``answers`` (-1 for error rows), the zones each
    row's answer names, and the distance to the nearest of them."""

    group: np.ndarray
    answers: list[Answer]
    zone_ids: pa.ListArray  # the ids of the zones named, per row
    distance_m: np.ndarray  # float64, NaN when no zone is involved
    warnings: dict[int, str]  # row -> warning codes of the row itself (e.g. datum)


class BatchEngine:
    """Evaluates :class:`Requests` chunk by chunk: day plans, place keys and answers, each
    kept for the whole run."""

    def __init__(self, rules: RuleSet, zones: ZoneSet) -> None:
        self.rules, self.zones = rules, zones
        self.activities = list(rules.activities)
        self.plans = DayPlans(rules, self.activities)
        self.keys = PlaceKeys(zones)
        self.answers = Answers(len(self.keys.designations))
        self._zone_ids = pa.array(zones.mapped_ids(), type=pa.string())
        self._warmed = itertools.count()  # threads warmed so far

    def warm(self) -> None:
        """Build this thread's geometry index and transformers before the first chunk; every
        other thread takes the parts in reverse, so two threads build two at once (the
        county raster takes ~60 ms, the extents' ~40 ms)."""
        index = self.zones.index()
        parts: list[Callable[[], object]] = [
            lambda: index.county_grid,
            lambda: (index._reach_grid, index._segments, index._outer),
            lambda: index._extent_tests]
        for part in parts if next(self._warmed) % 2 == 0 else parts[::-1]:
            part()
        to_local(np.array([110.0]), np.array([41.0]))

    def evaluate(self, req: Requests) -> Outcome:
        """Answer every usable row of a chunk; a route or area the county's plane cannot
        hold becomes that row's error."""
        n = len(req.lat)
        group = np.full(n, -1, dtype=np.int64)
        distance = np.full(n, np.nan)
        row_warnings = dict(req.notes)
        single = np.zeros(n, dtype=bool)  # routes, areas and stated zones: one at a time
        single[list(req.geometry)] = True
        single[list(req.in_zones)] = True
        single[list(req.accuracy)] = True
        points = np.flatnonzero(~req.bad & ~single)
        hits = _Hits(n)
        step = _PASS_ROWS_MANY_ZONES if many_zones(self.zones) else _PASS_ROWS
        for first in range(0, len(points), step):
            self._evaluate_points(req, points[first:first + step], group, distance,
                                  row_warnings, hits)
        for row in np.flatnonzero(~req.bad & single):
            try:
                self._evaluate_single(req, int(row), group, distance, hits)
            except InputError as exc:  # e.g. a vertex PROJ cannot place
                req.flag_row(int(row), failure("geometry_not_projectable", exc))
        # The answers as they are now (every one this chunk names): the list itself grows
        # while other threads evaluate, and a reader must see one length throughout.
        return Outcome(group, list(self.answers.list), hits.lists(self._zone_ids), distance,
                       row_warnings)

    def _evaluate_points(self, req: Requests, rows: np.ndarray, group: np.ndarray,
                         distance: np.ndarray, row_warnings: dict[int, str],
                         hits: _Hits) -> None:
        lat, lon, converted = req.wgs84(rows)
        for row in rows[converted].tolist():
            row_warnings[row] = ";".join(filter(None, (row_warnings.get(row),
                                                       "datum_converted")))
        x, y = to_local(lon, lat)
        scope = self.keys.scopes(x, y)
        plan_sets = self.plans.for_rows(req.first[rows], req.last[rows], req.activity[rows])
        land = _lands(req)[rows]
        # Zones matter only in scope and on days a zone rule is in its period.
        measured = (scope != 2) & self.plans.with_zone_rules()[plan_sets]
        pairs = self.zones.index().measure_points(x[measured], y[measured],
                                                  self.keys.thresholds)
        pair_row, pair_zone = np.flatnonzero(measured)[pairs.row], pairs.zone
        rel_zone, rel_zero = self.keys.relations(pair_zone, pairs.lo)  # lo: as exact, here
        pair_code = self.keys.code(pair_zone, rel_zone, rel_zero)
        place_keys = self.keys.keys(len(rows), scope, pair_row, pair_code)
        # The day plans, the stated land type, and which bounded zones cannot reach the place
        # (asked only where a zone rule applies: elsewhere no answer reads it).
        beyond = np.ones((len(rows), len(self.zones.bounded)), dtype=bool)
        beyond[measured] = self.zones.index().beyond_extents_xy(x[measured], y[measured])
        bits = beyond.astype(np.int64) @ (1 << np.arange(beyond.shape[1], dtype=np.int64))
        facts = (plan_sets * _LAND_CODES + land) * (1 << beyond.shape[1]) + bits
        if place_keys.dtype == object:
            key_ids, first_row, inverse = _unique_objects(
                list(zip(facts.tolist(), place_keys.tolist(), strict=True)))
        else:
            place_ids, place_inverse, _ = factorize(place_keys)
            combined, inverse, first_row = factorize(facts * len(place_ids) + place_inverse)
            key_ids = list(zip((combined // len(place_ids)).tolist(),
                               place_ids[combined % len(place_ids)].tolist(), strict=True))
        found = [self.answers.get(key) for key in key_ids]
        if None in found:  # computed under the lock: a parallel chunk waits, then finds them
            with self.answers.lock:
                for k in [k for k, known in enumerate(found) if known is None]:
                    found[k] = self.answers.get(key_ids[k])
                    if found[k] is not None:  # answered meanwhile
                        continue
                    rep = int(first_row[k])
                    lo, hi = np.searchsorted(pair_row, [rep, rep + 1])
                    own = _one_per_code(pair_code[lo:hi], pair_zone[lo:hi]) + lo
                    own = own[np.argsort(pair_zone[own])]  # in zone order, as measure()
                    measures = tuple(Measure(self.zones.mapped[zone], edge, zone)
                                     for zone, edge in zip(pair_zone[own].tolist(),
                                                           pairs.exact(own).tolist(), strict=True))
                    place = Location(float(lat[rep]), float(lon[rep]), 0.0, float("nan"),
                                     SCOPES[int(scope[rep])], measures,  # type: ignore[arg-type]
                                     (), frozenset(d for d, b in zip(
                                         self.zones.bounded, beyond[rep], strict=True) if b))
                    found[k] = self.answers.remember(key_ids[k], self._answer(
                        int(plan_sets[rep]), place, _request_of(req, int(rows[rep]))))
        answer_ids = np.array(found, dtype=np.int64)
        group[rows] = answer_ids[inverse]
        # Which of each row's zones its answer names (same rule as the engine's _apply).
        pair_group = group[rows[pair_row]]
        pair_desig = self.keys.designation[pair_zone]
        table = self.answers.named  # relations: 0 certain, 1 near, 2 beyond (never named)
        named = ((table[pair_group, 0, np.minimum(rel_zone, 1), pair_desig] & (rel_zone < 2))
                 | (table[pair_group, 1, np.minimum(rel_zero, 1), pair_desig] & (rel_zero < 2)))
        hits.add(rows[pair_row[named]], pair_zone[named])
        distance[rows] = _nearest(pairs, named, pair_row, len(rows))

    def _answer(self, plan_set: int, place: Location, request: Request) -> Answer:
        verdicts = [apply_plan(self.plans.plans[p], request, place, self.rules, self.zones)
                    for p in self.plans.sets[plan_set]]
        return summarize(verdicts, self.keys.designation_of)

    def _evaluate_single(self, req: Requests, row: int, group: np.ndarray,
                         distance: np.ndarray, hits: _Hits) -> None:
        """A route, an area or a place with stated zones: located by the engine itself, one
        row at a time; in several parts, the part with the strictest answer decides (as
        the engine's ``strictest``)."""
        request = _request_of(req, row)
        plan_set = self.plans.plan_set(int(req.first[row]), int(req.last[row]),
                                       int(req.activity[row]))
        answers = []
        for place in locate_parts(request, self.zones):
            key = ("single", plan_set, request.land, request.in_zones, place.scope,
                   place.beyond, self.keys.location_codes(place))
            found = self.answers.get(key)
            if found is None:
                found = self.answers.remember(key, self._answer(plan_set, place, request))
            answers.append((found, place))
        group[row], place = max(answers, key=lambda a: SEVERITY.get(
            self.answers.list[a[0]].status, -1))
        kinds = self.answers.list[group[row]].hit_kinds
        designation_of = self.keys.designation_of

        def is_named(m: Measure, kind: int, line: float) -> bool:
            found = relation(m.edge_m, line, band(m, place))
            return found != "beyond" and (designation_of[m.zone.designation], kind,
                                          int(found == "near")) in kinds

        named = [m for m in place.measures
                 if is_named(m, 0, m.zone.buffer_m) or is_named(m, 1, 0.0)]
        hits.add(np.full(len(named), row), np.array([m.position for m in named]))
        distance[row] = min((m.edge_m for m in named), default=np.nan)


def _one_per_code(codes: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Of one place's pairs, the first zone (lowest index) of each distinct (designation,
    relation) code: all its key holds, so all its answer may rest on (among 100k parcels a
    place is within reach of dozens of one designation). The first, as the engine names a
    designation in a sheet's words by its first zone (its buffer, say), so the words are
    those of the place's own single check."""
    order = pair_order(codes, zones)
    first = np.ones(len(order), dtype=bool)
    first[1:] = codes[order][1:] != codes[order][:-1]
    return order[first]


def _nearest(pairs: Pairs, named: np.ndarray, pair_row: np.ndarray, n: int) -> np.ndarray:
    """Per row, the exact signed edge metres of the nearest of its named zones (NaN for
    none): only pairs whose lower bound is within the row's least upper bound can be it."""
    named = np.flatnonzero(named)
    bound = np.full(n, np.inf)
    np.minimum.at(bound, pair_row[named], pairs.hi[named])
    near = named[pairs.lo[named] - BOUND_SLACK_M <= bound[pair_row[named]] + BOUND_SLACK_M]
    best = np.full(n, np.inf)
    np.minimum.at(best, pair_row[near], pairs.exact(near))
    return np.where(np.isinf(best), np.nan, best)


class _Hits:
    """Collects (row, zone index) pairs a chunk's answers name, then joins their ids."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: list[np.ndarray] = []
        self.zones: list[np.ndarray] = []

    def add(self, rows: np.ndarray, zones: np.ndarray) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64))
        self.zones.append(np.asarray(zones, dtype=np.int64))

    def lists(self, zone_ids: pa.Array) -> pa.ListArray:
        """The zone ids of each row, in zone order (empty when none)."""
        rows = np.concatenate(self.rows) if self.rows else np.empty(0, np.int64)
        zones = np.concatenate(self.zones) if self.zones else np.empty(0, np.int64)
        order = pair_order(rows, zones)
        rows, zones = rows[order], zones[order]
        offsets = np.searchsorted(rows, np.arange(self.n + 1)).astype(np.int32)
        values = kernels.take(zone_ids, pa.array(zones)) if len(zones) else pa.array([], pa.string())
        return pa.ListArray.from_arrays(pa.array(offsets), values)


def _unique_objects(keys: list[tuple]) -> tuple[list, np.ndarray, np.ndarray]:
    """Distinct hashable keys in order of first appearance, the first row of each, and
    each row's index into them."""
    seen: dict[tuple, int] = {}
    inverse = np.empty(len(keys), dtype=np.int64)
    first: list[int] = []
    for i, key in enumerate(keys):
        if key not in seen:
            seen[key] = len(first)
            first.append(i)
        inverse[i] = seen[key]
    return list(seen), np.array(first, dtype=np.int64), inverse


_LAND_CODES = 1 + len(LANDS)
# Points per pass: each pass costs ~100 numpy calls and a lookup of each distinct key, all
# holding the GIL (10,000 → 50,000: a fully mapped 1M-row batch 1.93 → 1.69 s); among 100k
# parcels each point has dozens of zone pairs, and passes of 10,000 keep memory down.
_PASS_ROWS, _PASS_ROWS_MANY_ZONES = 50_000, 10_000


def many_zones(zones: ZoneSet) -> bool:
    """More than 10,000 mapped zones (official parcels): each row then meets dozens, and
    passes and chunks are made smaller to keep memory down."""
    return len(zones.mapped) > 10_000


def _lands(req: Requests) -> np.ndarray:
    return req.land if req.land is not None else np.zeros(len(req.lat), np.int8)


def _request_of(req: Requests, row: int) -> Request:
    """The single-path request of one row (used for the group's representative)."""
    lat, lon = float(req.lat[row]), float(req.lon[row])
    code = int(_lands(req)[row])
    return Request(None if lat != lat else lat, None if lon != lon else lon,
                   date.fromordinal(int(req.first[row])), "", DATUMS[int(req.datum[row])],
                   geometry=req.geometry.get(row), land=LANDS[code - 1] if code else None,
                   in_zones=req.in_zones.get(row, ()), accuracy_m=req.accuracy.get(row, 0.0))
