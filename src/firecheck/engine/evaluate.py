"""The engine's entry points: ``evaluate(request, rules, zones) -> Verdict`` and its range
form. Pure functions over loaded data: :func:`~.locate.locate` measures the place once,
:func:`~.judge.judge` applies each day's rules to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ..errors import InputError
from ..rules.model import RuleSet
from ..zones.model import ZoneSet
from .judge import judge
from .locate import locate_parts
from .model import RangeVerdict, Request, Span, Verdict, strictest


def evaluate(request: Request, rules: RuleSet, zones: ZoneSet) -> Verdict:
    """Decide one request (a route or area in several parts: its strictest part)."""
    activity = rules.activities.resolve(request.activity)
    return strictest([judge(request, activity, place, rules, zones)
                      for place in locate_parts(request, zones)])


def evaluate_range(request: Request, end: date, rules: RuleSet, zones: ZoneSet) -> RangeVerdict:
    """Decide every day from ``request.day`` to ``end``, grouping equal consecutive days."""
    if end < request.day:
        raise InputError(f"日期范围的结束日（{end}）早于开始日（{request.day}）",
                         f"the range ends ({end}) before it starts ({request.day})")
    activity = rules.activities.resolve(request.activity)
    places = locate_parts(request, zones)
    spans: list[Span] = []
    for ordinal in range(request.day.toordinal(), end.toordinal() + 1):
        day = date.fromordinal(ordinal)
        verdict = strictest([judge(replace(request, day=day), activity, place, rules, zones)
                             for place in places])
        if spans and _same(spans[-1].verdict, verdict):
            spans[-1] = replace(spans[-1], end=day)
        else:
            spans.append(Span(day, day, verdict))
    return RangeVerdict(tuple(spans))


def _same(a: Verdict, b: Verdict) -> bool:
    def key(v: Verdict) -> tuple:
        return v.status, tuple((r.code, r.rule and r.rule.id, r.period) for r in v.reasons)

    return key(a) == key(b)
