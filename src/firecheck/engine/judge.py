"""Judging a located place on one day: the rules in force (:class:`DayPlan`, independent
of the place) applied to the place's measures. A batch plans each distinct day once and
calls :func:`apply_plan` once per distinct place key; a single check does both for one.

Certainty: a zone edge drawn with accuracy A and a place known to ±a metres decide a
buffer of B metres only outside the band |distance − B| < A + a; inside that band the
answer is ``uncertain``. Zones a rule lists but no file maps make an in-county place
``uncertain`` too, never ``allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ..geo.edges import relation
from ..rules.activities import Activity
from ..rules.model import Fine, Hotline, Rule, RuleSet, Selected
from ..text import Message, Text
from ..zones.model import Measure, ZoneSet
from .model import Location, Reason, Request, Status, Verdict, ZoneHit, worst

FIRE_ALARM = "fire-alarm-12119"


@dataclass(frozen=True)
class Active:
    """A rule in its period on the plan's day, the concrete span, and its fines in force."""

    chosen: Selected
    span: tuple[date, date]
    fines: tuple[str, ...]


@dataclass(frozen=True)
class DayPlan:
    """The rules one day holds for one activity: everything :func:`apply_plan` needs
    besides the place."""

    day: date
    activity: Activity
    selected: tuple[Selected, ...]
    active: tuple[Active, ...]
    notes: tuple[Message, ...]

    @property
    def signature(self) -> tuple:
        """What can change a verdict's status, reasons, fines, hotlines or message codes.

        Days with equal signatures give equal answers for the same place (batch groups on it).
        """
        return (
            self.activity.id,
            tuple((a.chosen.rule.id, a.chosen.assumed_from, a.fines) for a in self.active),
            tuple((s.rule.id, s.assumed_from) for s in self.selected),
            tuple(n.code for n in self.notes),
        )


def plan_day(day: date, activity: Activity, rules: RuleSet) -> DayPlan:
    """Select the rules of ``day`` for ``activity`` and the spans and fines in force."""
    selected, notes = rules.select(day, activity.id)
    active = []
    for chosen in selected:
        rule = chosen.rule
        period = rule.period_on(day)
        if period is None:
            notes.append(_outside_periods(rule))
            continue
        first, last = period.dates_around(day)
        span = (max(first, rule.valid_from or first), min(last, rule.valid_to or last))
        fines = tuple(f for f in rule.fines if rules.fines[f].in_force(day))
        active.append(Active(chosen, span, fines))
    return DayPlan(day, activity, tuple(selected), tuple(active), tuple(notes))


def judge(request: Request, activity: Activity, place: Location, rules: RuleSet,
          zones: ZoneSet) -> Verdict:
    """Apply the rules in force on ``request.day`` to an already located place."""
    return apply_plan(plan_day(request.day, activity, rules), request, place, rules, zones)


def apply_plan(plan: DayPlan, request: Request, place: Location, rules: RuleSet,
               zones: ZoneSet) -> Verdict:
    """The verdict of a day's rules for a located place."""
    if place.scope == "outside":
        reason = Reason("outside_county", "out_of_scope", None, None)
        return _verdict("out_of_scope", request, plan, place, [reason], rules, zones, ())
    reasons: list[Reason] = []
    for active in plan.active:
        reasons += _apply(active, place, zones)
    status = worst([r.effect for r in reasons] or ["allowed"])
    if place.scope == "near_boundary" and status != "allowed":
        reasons.append(Reason("near_county_boundary", "uncertain", None, None))
        status = "uncertain"
    return _verdict(status, request, plan, place, reasons, rules, zones, plan.notes)


def rule_buffer(rule: Rule, zone_buffer_m: float) -> float:
    """The distance a zone rule reaches from the zone edge: the zone's buffer, or 0 for
    rules that apply inside the zone only."""
    return zone_buffer_m if rule.where == "zones_and_buffer" else 0.0


def _apply(active: Active, place: Location, zones: ZoneSet) -> list[Reason]:
    """Reasons one in-period rule gives for the place."""
    chosen, period = active.chosen, active.span
    rule = chosen.rule
    if rule.where == "county":
        return [Reason(rule.kind, rule.effect, rule, period, (), chosen.assumed_from)]
    certain: list[ZoneHit] = []
    near: list[ZoneHit] = []
    open_: list[ZoneHit] = []
    for designation in rule.zones:
        found = False
        for m in place.measures:
            if m.zone.designation != designation:
                continue
            buffer_m = rule_buffer(rule, m.zone.buffer_m)
            kind = relation(m.edge_m, buffer_m, (m.zone.accuracy_m or 0.0) + place.accuracy_m)
            if kind != "beyond":
                (certain if kind == "certain" else near).append(_hit(m, buffer_m))
                found = True
        if not found and zones.completeness(designation) != "complete":
            name = zones.designation_name(designation)
            open_.append(ZoneHit(designation, designation, name.zh, name.en, "unknown", None,
                                 None, None, zones.completeness(designation)))
    reasons = []
    if certain:
        reasons.append(Reason(rule.kind, rule.effect, rule, period, tuple(certain),
                              chosen.assumed_from))
    if near:
        reasons.append(Reason(f"{rule.kind}_near_edge", "uncertain", rule, period, tuple(near),
                              chosen.assumed_from))
    if open_ and not certain:
        reasons.append(Reason(f"{rule.kind}_unmapped_zones", "uncertain", rule, period,
                              tuple(open_), chosen.assumed_from))
    return reasons


def _hit(m: Measure, buffer_m: float) -> ZoneHit:
    z = m.zone
    position = "inside" if m.edge_m <= 0 else "buffer" if m.edge_m <= buffer_m else "outside"
    return ZoneHit(z.id, z.designation, z.name_zh, z.name_en, position, m.edge_m, buffer_m,
                   z.accuracy_m, z.completeness)


def _outside_periods(rule: Rule) -> Message:
    return _outside_note(rule.title_en, rule.title_zh,
                         ", ".join(p.label() for p in rule.periods))


@lru_cache(maxsize=1024)
def _outside_note(title_en: str, title_zh: str, labels: str) -> Message:
    return Message("outside_period", Text(f"{title_zh}：不在其期间内（{labels}）。",
                                          f"{title_en}: not in its period ({labels})."))


def _verdict(status: Status, request: Request, plan: DayPlan, place: Location,
             reasons: list[Reason], rules: RuleSet, zones: ZoneSet,
             notes: tuple[Message, ...]) -> Verdict:
    applied = [r.rule for r in reasons if r.rule is not None]
    fines = _fines(applied, plan, rules)
    return Verdict(
        status=status, request=request, activity=plan.activity, place=place,
        reasons=tuple(reasons), fines=tuple(fines), hotlines=tuple(_hotlines(applied, rules)),
        assumptions=tuple(_assumptions(
            request.day, list(plan.selected) if status != "out_of_scope" else [], reasons, fines)),
        warnings=place.warnings, notes=notes,
        rules_version=rules.version, zones_version=zones.version,
    )


def _fines(applied: list[Rule], plan: DayPlan, rules: RuleSet) -> list[Fine]:
    in_force = {a.chosen.rule.id: a.fines for a in plan.active}
    ids = [fid for rule in applied for fid in in_force.get(rule.id, ())]
    return [rules.fines[fid] for fid in dict.fromkeys(ids)]


def _hotlines(applied: list[Rule], rules: RuleSet) -> list[Hotline]:
    ids = [FIRE_ALARM] + [h for rule in applied for h in rule.hotlines]
    by_number: dict[str, Hotline] = {}
    for hid in ids:
        if hid in rules.hotlines:
            line = rules.hotlines[hid]
            by_number.setdefault(line.number, line)
    return list(by_number.values())


def _assumptions(day: date, selected: list[Selected], reasons: list[Reason],
                 fines: list[Fine]) -> list[Message]:
    out: list[Message] = []
    for chosen in selected:
        if chosen.assumed_from is not None:
            year, doc, rule = chosen.assumed_from, chosen.rule.document, chosen.rule
            out.append(Message("assumed_recurrence", Text(
                f"{rule.title_zh}：日期沿用{year}年通告；未载入{day.year}年通告，"
                f"假定逐年相同（{doc.title_zh}）。",
                f"{rule.title_en}: dates from the {year} notice; no {day.year} "
                f"notice loaded, so they are assumed to recur ({doc.title_en}).")))
    for rule in dict.fromkeys(r.rule for r in reasons if r.rule is not None):
        if rule.inference:
            out.append(Message("inferred_applicability",
                               Text(rule.condition_zh or "", rule.condition_en or "")))
        if rule.document.status == "secondary":
            out.append(Message("secondary_source", Text(
                f"{rule.document.title_zh}：仅有二手来源，原文未核实。",
                f"{rule.document.title_en}: known only from secondary copies.")))
    lands = {f.land_type for f in fines}
    if {"forest", "grassland"} <= lands:
        out.append(Message("land_type_unknown", Text(
            "此处地类（林地或草原）未知：两类条款均列出。",
            "Land type (forest or grassland) is not known here: both provisions are shown.")))
    if sum(1 for f in fines if f.individual or f.unit) > 1:
        out.append(Message("one_fine_per_act", Text(
            "同一违法行为不得给予两次以上罚款；同时违反多个规定的，按罚款数额高的规定处罚（《行政处罚法》第二十九条）。",
            "One act gets one fine; where several provisions apply, the higher one is used "
            "(Administrative Penalty Law 2021, Art. 29).")))
    return list(dict.fromkeys(out))
