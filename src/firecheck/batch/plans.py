"""Day plans for a batch: which rules each (day or range, activity) holds, planned once per
stretch of days within which nothing can change, and looked up for whole arrays of rows."""

from __future__ import annotations

import bisect
import threading
from datetime import date

import numpy as np

from ..engine.judge import DayPlan, plan_day
from ..rules.activities import Activity
from ..rules.model import RuleSet

_BLOCK_BITS = 9  # single-day plan sets are tabled in blocks of 512 days
_EPOCH = date(1970, 1, 1).toordinal()
_SEGMENTS = 1 << 20  # more than any year's segments: a segment's number is year * this + it


class DayPlans:
    """Ids of the distinct day plans (by the engine's :attr:`DayPlan.signature`) and of the
    ordered sets of them that a row's days hold."""

    def __init__(self, rules: RuleSet, activities: list[Activity]) -> None:
        self.rules, self.activities = rules, activities
        self.plans: list[DayPlan] = []  # by plan id
        self.sets: list[tuple[int, ...]] = []  # plan ids by plan-set id
        self._plan_ids: dict[tuple[int, int, int], int] = {}
        self._cuts: dict[tuple[int, int], list[int]] = {}
        self._signatures: dict[tuple, int] = {}
        self._set_ids: dict[tuple[int, ...], int] = {}
        self._set_of: dict[tuple[int, int, int], int] = {}
        self._day_tables: dict[int, np.ndarray] = {}
        self._zoned = np.zeros(0, dtype=bool)  # with_zone_rules() so far
        self._lock = threading.RLock()  # chunks may be evaluated in parallel threads

    def plan_id(self, ordinal: int, activity: int) -> int:
        """Id of the day plan of (day, activity). Days between two consecutive change dates
        (see :meth:`_segment`) share one plan, so the engine plans once per segment."""
        key = self._segment(ordinal, activity)
        if key not in self._plan_ids:
            plan = plan_day(date.fromordinal(ordinal), self.activities[activity], self.rules)
            sig = self._signatures.setdefault(plan.signature, len(self.plans))
            if sig == len(self.plans):
                self.plans.append(plan)
            self._plan_ids[key] = sig
        return self._plan_ids[key]

    def _segment(self, ordinal: int, activity: int) -> tuple[int, int, int]:
        """(year, activity, segment): the year's dates where any rule period of the
        activity starts or ends, any rule or fine starts or stops being in force, cut it
        into segments within which a day plan cannot change."""
        year = date.fromordinal(ordinal).year
        return year, activity, bisect.bisect_right(self._cuts_of(year, activity), ordinal)

    def _segment_codes(self, ordinals: np.ndarray, activity: int) -> np.ndarray:
        """The segment (:meth:`_segment`) of each of many days of one activity, as one
        number: days of one number share their plan."""
        years = (ordinals - _EPOCH).astype("datetime64[D]").astype("datetime64[Y]").astype(
            np.int64) + 1970
        codes = np.empty(len(ordinals), dtype=np.int64)
        for year in np.unique(years).tolist():
            at = years == year
            codes[at] = year * _SEGMENTS + np.searchsorted(self._cuts_of(year, activity),
                                                           ordinals[at], side="right")
        return codes

    def _cuts_of(self, year: int, activity: int) -> list[int]:
        cuts = self._cuts.get((year, activity))
        if cuts is None:
            cuts = self._cuts[(year, activity)] = self._change_dates(year, activity)
        return cuts

    def _change_dates(self, year: int, activity: int) -> list[int]:
        """Ordinals in ``year`` of the first day of every period, validity or fine span of
        the activity's rules, and of the day after each ends; and the date of the notice
        of a rule stated as annual (before it, a day's answer notes that)."""
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
            if rule.stated_annual and rule.document.date is not None:
                span(rule.document.date, None)  # noted on the days before the notice
            for fid in rule.fines:
                span(self.rules.fines[fid].valid_from, self.rules.fines[fid].valid_to)
        lo, hi = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        return sorted(c for c in cuts if lo <= c <= hi)

    def plan_set(self, first: int, last: int, activity: int) -> int:
        """Id of the ordered set of distinct plans over the days first..last."""
        key = (first, last, activity)
        if key not in self._set_of:
            with self._lock:
                ids = tuple(dict.fromkeys(self.plan_id(d, activity)
                                          for d in range(first, last + 1)))
                if ids not in self._set_ids:
                    self._set_ids[ids] = len(self.sets)
                    self.sets.append(ids)
                self._set_of[key] = self._set_ids[ids]
        return self._set_of[key]

    def with_zone_rules(self) -> np.ndarray:
        """For each plan-set id: does any of its days have a zone rule in its period? (Only
        sets added since the last call are looked at.)"""
        known = self._zoned
        if len(known) < len(self.sets):
            added = self.sets[len(known):]  # a copy: other threads may be adding sets
            known = self._zoned = np.concatenate([known, np.array(
                [any(a.chosen.rule.where != "county" for p in ids for a in self.plans[p].active)
                 for ids in added], dtype=bool)])
        return known

    def for_rows(self, first: np.ndarray, last: np.ndarray, activity: np.ndarray) -> np.ndarray:
        """Plan-set id of each row: single days through a dense (activity, day) table, its
        new days planned once per segment (one plan-set lookup for the days that share it);
        date ranges one by one."""
        ids = np.empty(len(first), dtype=np.int64)
        ranged = np.flatnonzero(first != last)
        ids[ranged] = [self.plan_set(int(first[r]), int(last[r]), int(activity[r]))
                       for r in ranged]
        days = np.flatnonzero(first == last)
        block = first[days] >> _BLOCK_BITS
        low = int(block.min()) if len(block) else 0
        for b in (np.flatnonzero(np.bincount(block - low)) + low).tolist():  # np.unique: 4x slower
            sel = days[block == b]
            table = self._day_table(b)
            day, kind = first[sel] & ((1 << _BLOCK_BITS) - 1), activity[sel]
            found = table[kind, day]
            if (new := found < 0).any():
                for k in np.unique(kind[new]).tolist():
                    fresh = np.unique(day[new][kind[new] == k])
                    codes = self._segment_codes((b << _BLOCK_BITS) + fresh, k)
                    for code in np.unique(codes).tolist():
                        alike = fresh[codes == code]
                        ordinal = (b << _BLOCK_BITS) + int(alike[0])
                        table[k, alike] = self.plan_set(ordinal, ordinal, k)
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
