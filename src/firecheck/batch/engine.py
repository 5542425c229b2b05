"""Batch evaluation: many requests at once, on the same engine as a single check.

Geometry is measured for whole arrays: one vectorised datum conversion and projection per
chunk, prepared polygons that settle most points without a distance (surely inside or
outside the county's uncertainty band; beyond every zone's reach), and exact distances,
computed as the single path computes them, for the rest. Rules are never re-implemented
here: every row is reduced to the key that decides its answer — its day plans (the
engine's :class:`DayPlan` signatures) and the relation of the place to each zone (the
engine's :func:`relation`) — and the engine's own :func:`apply_plan` runs once per
distinct key; its answer is broadcast to every row with that key.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from .datum import DATUMS, to_wgs84
from .engine import (
    SEVERITY,
    DayPlan,
    Place,
    Request,
    Verdict,
    apply_plan,
    locate_parts,
    plan_day,
    relation,
    worst,
)
from .grids import UNSETTLED
from .projection import to_local
from .rules import RuleSet
from .zones import Measure, ZoneSet

RELATIONS = ("certain", "near", "beyond")
_FINE_NOTES = {"land_type_unknown", "one_fine_per_act"}  # said by the fine range itself
SCOPES = ("inside", "near_boundary", "outside")
_CODE_BITS = 8  # bits per packed (designation, relation) code
_BLOCK_BITS = 9  # single-day plan sets are tabled in blocks of 512 days


@dataclass
class Requests:
    """A chunk of requests as arrays. Rare per-row extras are sparse: rows with an error
    (``bad``; message in ``errors``) are not evaluated, rows in ``geometry`` are routes or
    areas, ``notes`` holds warning codes found while reading a row."""

    lat: np.ndarray  # float64, in the row's datum
    lon: np.ndarray
    datum: np.ndarray  # int8 index into DATUMS
    first: np.ndarray  # int64 date ordinals (date.toordinal), inclusive
    last: np.ndarray
    activity: np.ndarray  # int64 index into BatchEngine.activities
    bad: np.ndarray  # bool
    errors: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> (en, zh)
    geometry: dict[int, BaseGeometry] = field(default_factory=dict)  # row -> lon/lat shape
    notes: dict[int, str] = field(default_factory=dict)  # row -> warning codes

    def wgs84(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """WGS-84 lat, lon of ``rows`` (phone-map datums converted) and which were converted."""
        lat, lon = self.lat[rows].astype(float), self.lon[rows].astype(float)
        datum = self.datum[rows]
        for code, name in enumerate(DATUMS):
            if name != "wgs84" and (mask := datum == code).any():
                lat[mask], lon[mask] = to_wgs84(lat[mask], lon[mask], name)
        return lat, lon, datum != DATUMS.index("wgs84")

    def flag_row(self, row: int, message: tuple[str, str]) -> None:
        """Mark one row as bad with ``message`` unless already bad."""
        if not self.bad[row]:
            self.errors[int(row)] = message
            self.bad[row] = True

    def flag(self, mask: np.ndarray, message: tuple[str, str]) -> None:
        """Mark rows of ``mask`` as bad with ``message`` unless already bad."""
        for row in np.flatnonzero(mask & ~self.bad):
            self.errors[int(row)] = message
        self.bad |= mask


@dataclass(frozen=True)
class Answer:
    """What a group of equal requests gets (the batch columns that do not depend on which
    individual zones are near)."""

    status: str
    reasons: str
    hit_kinds: frozenset[tuple[int, int]]  # (designation index, 0 zone buffer | 1 inside)
    fine_individual: str
    fine_unit: str
    hotline: str
    warnings: str


@dataclass
class Outcome:
    """Per-row results: a group index into ``answers`` (-1 for error rows), the zones each
    row's answer names, and the distance to the nearest of them."""

    group: np.ndarray
    answers: list[Answer]
    zone_ids: pa.Array  # ';'-joined ids of the zones named, per row
    distance_m: np.ndarray  # float64, NaN when no zone is involved
    warnings: dict[int, str]  # row -> warning codes of the row itself (e.g. datum)


class BatchEngine:
    """Evaluates :class:`Requests` chunk by chunk, caching day plans and group answers."""

    def __init__(self, rules: RuleSet, zones: ZoneSet) -> None:
        self.rules, self.zones = rules, zones
        self.activities = list(rules.activities)
        self._plan_ids: dict[tuple[int, int, int], int] = {}
        self._cuts: dict[tuple[int, int], list[int]] = {}
        self._signatures: dict[tuple, int] = {}
        self._plans: list[DayPlan] = []
        self._plan_sets: dict[tuple[int, ...], int] = {}
        self._plan_set_list: list[tuple[int, ...]] = []
        self._plan_set_of: dict[tuple[int, int, int], int] = {}
        self._day_tables: dict[int, np.ndarray] = {}
        self._lock = threading.RLock()  # chunks may be evaluated in parallel threads
        self._answers: dict[tuple, int] = {}
        self._answer_list: list[Answer] = []
        mapped = zones.mapped
        self._buffer = np.array([z.buffer_m for z in mapped], dtype=float)
        self._accuracy = np.array([z.accuracy_m or 0.0 for z in mapped], dtype=float)
        self.designations = list(dict.fromkeys(z.designation for z in mapped))
        self._designation_of = {d: i for i, d in enumerate(self.designations)}
        self._desig = np.array([self._designation_of[z.designation] for z in mapped],
                               dtype=np.int64)
        self._zone_ids = pa.array([z.id for z in mapped], type=pa.string())
        self._zone_index = {id(z): i for i, z in enumerate(mapped)}
        self._packable = len(self.designations) * 9 < (1 << _CODE_BITS) - 1
        # For each answer: does it name a designation's zones by their buffer relation
        # ([., 0, d]) or by their inside relation ([., 1, d])? Filled by _remember.
        self._named = np.zeros((64, 2, max(len(self.designations), 1)), dtype=bool)

    # ------------------------------------------------------------------ plans

    def plan_id(self, ordinal: int, activity: int) -> int:
        """Id of the signature of the day plan of (day, activity).

        Days between two consecutive change dates (see :meth:`_segment`) share one plan, so
        the engine plans once per segment, not once per day."""
        key = self._segment(ordinal, activity)
        if key not in self._plan_ids:
            plan = plan_day(date.fromordinal(ordinal), self.activities[activity], self.rules)
            sig = self._signatures.setdefault(plan.signature, len(self._plans))
            if sig == len(self._plans):
                self._plans.append(plan)
            self._plan_ids[key] = sig
        return self._plan_ids[key]

    def _segment(self, ordinal: int, activity: int) -> tuple[int, int, int]:
        """(year, activity, segment): the year's dates where any rule period of the
        activity starts or ends, any rule or fine starts or stops being in force, cut it
        into segments within which a day plan cannot change."""
        day = date.fromordinal(ordinal)
        cuts = self._cuts.get((day.year, activity))
        if cuts is None:
            cuts = self._cuts[(day.year, activity)] = self._change_dates(day.year, activity)
        return day.year, activity, bisect.bisect_right(cuts, ordinal)

    def _change_dates(self, year: int, activity: int) -> list[int]:
        """Ordinals in ``year`` of the first day of every period, validity or fine span of
        the activity's rules, and of the day after each ends."""
        act = self.activities[activity].id
        cuts: set[int] = set()

        def span(first: date | None, last: date | None) -> None:
            cuts.update([first.toordinal()] if first else [])
            cuts.update([last.toordinal() + 1] if last else [])

        for rule in self.rules.rules:
            if act not in rule.activities:
                continue
            for period in rule.periods:
                for first, last in period.occurrences(year):
                    span(first, last)
            span(rule.valid_from, rule.valid_to)
            for fid in rule.fines:
                span(self.rules.fines[fid].valid_from, self.rules.fines[fid].valid_to)
        lo, hi = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        return sorted(c for c in cuts if lo <= c <= hi)

    def plan_set(self, first: int, last: int, activity: int) -> int:
        """Id of the ordered set of distinct plans over the days first..last."""
        key = (first, last, activity)
        if key not in self._plan_set_of:
            with self._lock:
                ids = tuple(dict.fromkeys(self.plan_id(d, activity)
                                          for d in range(first, last + 1)))
                if ids not in self._plan_sets:
                    self._plan_sets[ids] = len(self._plan_set_list)
                    self._plan_set_list.append(ids)
                self._plan_set_of[key] = self._plan_sets[ids]
        return self._plan_set_of[key]

    def _zone_plan_sets(self) -> np.ndarray:
        """For each plan set id: does any of its days have a zone rule in its period?"""
        return np.array([any(a.chosen.rule.where != "county"
                             for p in ids for a in self._plans[p].active)
                         for ids in self._plan_set_list], dtype=bool)

    def _plan_sets_for(self, req: Requests, rows: np.ndarray) -> np.ndarray:
        """Plan-set id of each row: single days through a dense (activity, day) table,
        filled once per distinct day and activity; date ranges one by one."""
        first, last, act = req.first[rows], req.last[rows], req.activity[rows]
        ids = np.empty(len(rows), dtype=np.int64)
        ranged = np.flatnonzero(first != last)
        ids[ranged] = [self.plan_set(int(first[r]), int(last[r]), int(act[r])) for r in ranged]
        days = np.flatnonzero(first == last)
        block = first[days] >> _BLOCK_BITS
        for b in np.unique(block).tolist():
            sel = days[block == b]
            table = self._day_table(b)
            day, kind = first[sel] & ((1 << _BLOCK_BITS) - 1), act[sel]
            found = table[kind, day]
            if (new := found < 0).any():
                for k, d in set(zip(kind[new].tolist(), day[new].tolist(), strict=True)):
                    ordinal = (b << _BLOCK_BITS) + d
                    table[k, d] = self.plan_set(ordinal, ordinal, k)
                found = table[kind, day]
            ids[sel] = found
        return ids

    def _day_table(self, block: int) -> np.ndarray:
        """Plan-set ids of single days in a block of 2**_BLOCK_BITS days, by activity (-1:
        not planned yet)."""
        table = self._day_tables.get(block)
        if table is None:
            with self._lock:
                table = self._day_tables.setdefault(
                    block, np.full((len(self.activities), 1 << _BLOCK_BITS), -1, dtype=np.int64))
        return table

    def warm(self) -> None:
        """Build this thread's geometry index and transformers before the first chunk."""
        index = self.zones.index()
        _ = index.county_grid, index._reach_grid, index._segments
        to_local(np.array([110.0]), np.array([41.0]))

    # ------------------------------------------------------------------ evaluate

    def evaluate(self, req: Requests) -> Outcome:
        n = len(req.lat)
        group = np.full(n, -1, dtype=np.int64)
        distance = np.full(n, np.nan)
        row_warnings = dict(req.notes)
        is_geometry = np.zeros(n, dtype=bool)
        is_geometry[list(req.geometry)] = True
        points = np.flatnonzero(~req.bad & ~is_geometry)
        hits = _Hits(n)
        if len(points):
            self._evaluate_points(req, points, group, distance, row_warnings, hits)
        for row in np.flatnonzero(~req.bad & is_geometry):
            self._evaluate_geometry(req, int(row), group, distance, hits)
        return Outcome(group, self._answer_list, hits.joined(self._zone_ids), distance,
                       row_warnings)

    def _evaluate_points(self, req: Requests, rows: np.ndarray, group: np.ndarray,
                         distance: np.ndarray, row_warnings: dict[int, str],
                         hits: _Hits) -> None:
        lat, lon, converted = req.wgs84(rows)
        for row in rows[converted].tolist():
            row_warnings[row] = ";".join(filter(None, (row_warnings.get(row),
                                                       "datum_converted")))
        x, y = to_local(lon, lat)
        scope = self._scopes(x, y)
        plan_sets = self._plan_sets_for(req, rows)
        # Zones matter only in scope and on days a zone rule is in its period.
        measured = (scope != 2) & self._zone_plan_sets()[plan_sets]
        pair_row, pair_zone, pair_edge = self.zones.index().measure_points(x[measured],
                                                                           y[measured])
        pair_row = np.flatnonzero(measured)[pair_row]
        rel_zone = _relations(pair_edge, self._buffer[pair_zone], self._accuracy[pair_zone])
        rel_zero = _relations(pair_edge, np.zeros_like(pair_edge), self._accuracy[pair_zone])
        pair_desig = self._desig[pair_zone]
        place_keys = self._place_keys(len(rows), scope, pair_row,
                                      pair_desig * 9 + rel_zone * 3 + rel_zero)
        if place_keys.dtype == object:
            key_ids, first_row, inverse = _unique_objects(
                list(zip(plan_sets.tolist(), place_keys.tolist(), strict=True)))
        else:
            place_ids, place_inverse, _ = factorize(place_keys)
            combined, inverse, first_row = factorize(plan_sets * len(place_ids) + place_inverse)
            key_ids = [(int(c) // len(place_ids), int(place_ids[c % len(place_ids)]))
                       for c in combined]
        answer_ids = np.empty(len(key_ids), dtype=np.int64)
        missing = [k for k, key in enumerate(key_ids) if key not in self._answers]
        if missing:  # computed under the lock: a parallel chunk waits, then finds them
            with self._lock:
                self._fill(missing, key_ids, first_row, rows, req, pair_row, pair_zone,
                           pair_edge, lat, lon, scope, plan_sets)
        for k, key in enumerate(key_ids):
            answer_ids[k] = self._answers[key]
        group[rows] = answer_ids[inverse]
        # Which of each row's zones its answer names (same rule as the engine's _apply).
        pair_group = group[rows[pair_row]]
        named = ((self._named[pair_group, 0, pair_desig] & (rel_zone < 2))
                 | (self._named[pair_group, 1, pair_desig] & (rel_zero < 2)))
        hits.add(rows[pair_row[named]], pair_zone[named])
        best = np.full(len(rows), np.inf)
        np.minimum.at(best, pair_row[named], pair_edge[named])
        distance[rows] = np.where(np.isinf(best), np.nan, best)

    def _fill(self, missing: list[int], key_ids: list, first_row: np.ndarray, rows: np.ndarray,
              req: Requests, pair_row: np.ndarray, pair_zone: np.ndarray,
              pair_edge: np.ndarray, lat: np.ndarray, lon: np.ndarray, scope: np.ndarray,
              plan_sets: np.ndarray) -> None:
        """Answer each key not yet known, from its first row (the engine's apply_plan)."""
        for k in missing:
            if key_ids[k] in self._answers:  # another chunk answered it meanwhile
                continue
            rep = int(first_row[k])
            lo, hi = np.searchsorted(pair_row, [rep, rep + 1])
            measures = tuple(Measure(self.zones.mapped[int(pair_zone[i])], float(pair_edge[i]))
                             for i in range(lo, hi))
            place = Place(float(lat[rep]), float(lon[rep]), 0.0, float("nan"),
                          SCOPES[int(scope[rep])], measures, ())  # type: ignore[arg-type]
            self._remember(key_ids[k], self._answer(int(plan_sets[rep]), place,
                                                    _request_of(req, int(rows[rep]))))

    def _scopes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
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

    def _place_keys(self, n: int, scope: np.ndarray, pair_row: np.ndarray,
                    codes: np.ndarray) -> np.ndarray:
        """One key per row: its scope and the distinct (designation, relation) codes of its
        zones — packed into an int64 when they fit, else a tuple."""
        order = np.lexsort((codes, pair_row))
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

    def _answer(self, plan_set: int, place: Place, request: Request) -> Answer:
        verdicts = [apply_plan(self._plans[p], request, place, self.rules, self.zones)
                    for p in self._plan_set_list[plan_set]]
        return summarize(verdicts, self._designation_of)

    def _remember(self, key: object, answer: Answer) -> None:
        with self._lock:
            if key not in self._answers:
                index = len(self._answer_list)
                if index == len(self._named):  # grow the table by doubling
                    self._named = np.concatenate([self._named, np.zeros_like(self._named)])
                for designation, kind in answer.hit_kinds:
                    self._named[index, kind, designation] = True
                self._answers[key] = index
                self._answer_list.append(answer)

    def _evaluate_geometry(self, req: Requests, row: int, group: np.ndarray,
                           distance: np.ndarray, hits: _Hits) -> None:
        """A route or area: located by the engine itself, one row at a time; in several
        parts, the part with the strictest answer decides (as the engine's ``strictest``)."""
        request = _request_of(req, row)
        plan_set = self.plan_set(int(req.first[row]), int(req.last[row]),
                                 int(req.activity[row]))
        answers = [(self._place_answer(plan_set, place, request), place)
                   for place in locate_parts(request, self.zones)]
        group[row], place = max(answers, key=lambda a: SEVERITY.get(
            self._answer_list[a[0]].status, -1))
        kinds = self._answer_list[group[row]].hit_kinds
        named = [m for m in place.measures
                 if ((self._designation_of[m.zone.designation], 0) in kinds and relation(
                     m.edge_m, m.zone.buffer_m, m.zone.accuracy_m or 0.0) != "beyond")
                 or ((self._designation_of[m.zone.designation], 1) in kinds and relation(
                     m.edge_m, 0.0, m.zone.accuracy_m or 0.0) != "beyond")]
        hits.add(np.full(len(named), row), np.array([self._zone_index[id(m.zone)] for m in named]))
        distance[row] = min((m.edge_m for m in named), default=np.nan)

    def _place_answer(self, plan_set: int, place: Place, request: Request) -> int:
        """Index of the answer for one located place over a plan set."""
        codes = tuple(sorted({
            self._designation_of[m.zone.designation] * 9
            + RELATIONS.index(relation(m.edge_m, m.zone.buffer_m, m.zone.accuracy_m or 0.0)) * 3
            + RELATIONS.index(relation(m.edge_m, 0.0, m.zone.accuracy_m or 0.0))
            for m in place.measures}))
        key = ("geometry", plan_set, place.scope, codes)
        if key not in self._answers:
            self._remember(key, self._answer(plan_set, place, request))
        return self._answers[key]


class _Hits:
    """Collects (row, zone index) pairs a chunk's answers name, then joins their ids."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: list[np.ndarray] = []
        self.zones: list[np.ndarray] = []

    def add(self, rows: np.ndarray, zones: np.ndarray) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64))
        self.zones.append(np.asarray(zones, dtype=np.int64))

    def joined(self, zone_ids: pa.Array) -> pa.Array:
        """';'-joined zone ids per row, in zone order ('' when none)."""
        rows = np.concatenate(self.rows) if self.rows else np.empty(0, np.int64)
        zones = np.concatenate(self.zones) if self.zones else np.empty(0, np.int64)
        order = np.lexsort((zones, rows))
        rows, zones = rows[order], zones[order]
        offsets = np.searchsorted(rows, np.arange(self.n + 1)).astype(np.int32)
        values = zone_ids.take(pa.array(zones)) if len(zones) else pa.array([], pa.string())
        return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), ";")


def _relations(edge: np.ndarray, buffer: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """Vectorised :func:`firecheck.engine.relation` (0 certain, 1 near, 2 beyond), with the
    same float comparisons."""
    return np.where(edge <= buffer - accuracy, 0, np.where(edge <= buffer + accuracy, 1, 2))


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct int64 values (hash-based, in order of first appearance), each row's index
    into them, and the first row of each."""
    encoded = pa.array(values, type=pa.int64()).dictionary_encode()
    inverse = numpy_of(encoded.indices, np.int32).astype(np.int64)
    uniques = numpy_of(encoded.dictionary, np.int64)
    first = np.empty(len(uniques), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(values) - 1, -1, -1)
    return uniques, inverse, first


def _unique_objects(keys: list[tuple]) -> tuple[list, np.ndarray, np.ndarray]:
    """Like :func:`_unique_pairs` for hashable keys."""
    seen: dict[tuple, int] = {}
    inverse = np.empty(len(keys), dtype=np.int64)
    first: list[int] = []
    for i, key in enumerate(keys):
        if key not in seen:
            seen[key] = len(first)
            first.append(i)
        inverse[i] = seen[key]
    return list(seen), np.array(first, dtype=np.int64), inverse


def _request_of(req: Requests, row: int) -> Request:
    """The single-path request of one row (used for the group's representative)."""
    geometry = req.geometry.get(row)
    return Request(float(req.lat[row]), float(req.lon[row]),
                   date.fromordinal(int(req.first[row])), "", DATUMS[int(req.datum[row])],
                   geometry=geometry)


def summarize(verdicts: list[Verdict], designation_of: dict[str, int]) -> Answer:
    """Merge the verdicts of a row's days into the batch columns."""
    status = (worst([v.status for v in verdicts])
              if any(v.status != "out_of_scope" for v in verdicts) else "out_of_scope")
    reasons = [r for v in verdicts for r in v.reasons]
    kinds = frozenset((designation_of[h.designation],
                       0 if r.rule and r.rule.where == "zones_and_buffer" else 1)
                      for r in reasons for h in r.zones if h.position != "unknown")
    fines = list(dict.fromkeys(f for v in verdicts for f in v.fines))
    worst_verdict = max(verdicts, key=lambda v: SEVERITY.get(v.status, -1))
    lines = [h.number for h in worst_verdict.hotlines]
    hotline = next((n for n in lines if n != "12119"), lines[0] if lines else "12119")
    if status in ("allowed", "out_of_scope"):
        hotline = "12119"
    codes = [m.code for v in verdicts for m in (*v.assumptions, *v.warnings)
             if m.code not in _FINE_NOTES]
    return Answer(
        status=status,
        reasons=";".join(dict.fromkeys(r.code for r in reasons)),
        hit_kinds=kinds,
        fine_individual=_fine_range(fines, "individual"),
        fine_unit=_fine_range(fines, "unit"),
        hotline=hotline,
        warnings=";".join(dict.fromkeys(codes)),
    )


def _fine_range(fines: list, actor: str) -> str:
    """'min-max' yuan over the unconditional provisions with amounts; 'pending' when only
    unconfirmed provisions apply; '' when none."""
    amounts = [getattr(f, actor) for f in fines if getattr(f, actor) and not f.condition_en]
    lows = [a.min for a in amounts if a.min is not None]
    highs = [a.max for a in amounts if a.max is not None]
    if amounts:
        return f"{min(lows) if lows else 0}-{max(highs) if highs else ''}"
    if any(f.status == "unconfirmed" and not f.condition_en for f in fines):
        return "pending"
    return ""


def numpy_of(array: pa.Array, dtype: type) -> np.ndarray:
    """A null-free fixed-width Arrow array as a read-only numpy view of its data buffer.

    (pyarrow's own ``to_numpy`` imports pandas whenever it is installed: 0.3 s per run.)"""
    width = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * width)
