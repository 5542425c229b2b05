"""Judging a located place on one day: the rules in force (:class:`DayPlan`, independent
of the place) applied to the place's measures. A batch plans each distinct day once and
calls :func:`apply_plan` once per distinct place key; a single check does both for one.

Certainty: a zone edge drawn with accuracy A and a place known to ±a metres decide a
buffer of B metres only outside the band |distance − B| < A + a; inside that band the
answer is ``uncertain``. Zones a rule lists but no file maps make an in-county place
``uncertain`` too, never ``allowed`` — unless the user states that the place is inside a
zone (``Request.in_zones``), which is recorded as stated.

Land: a rule with ``lands`` applies on those land types only, and its ``basis``
provisions say what it means on each (森林防火条例 Art. 25 on forest land, 草原防火条例
Art. 18 on grassland). With the land type stated, that decides; unknown, the reason is
``uncertain`` and lists what each land type gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ..geo.edges import relation
from ..rules.activities import Activity
from ..rules.model import LANDS, Advice, Fine, Hotline, Land, Provision, Rule, RuleSet, Selected
from ..text import Message, Text
from ..zones.model import Measure, ZoneSet
from .model import SEVERITY, LandCase, Location, Reason, Request, Status, Verdict, ZoneHit, worst

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
            # An assumed rule's note names the day's year; a rule stated as annual is noted
            # on days before its notice.
            tuple((s.rule.id, s.assumed_from, self.day.year if s.assumed_from else None,
                   s.rule.stated_annual and s.rule.document.date is not None
                   and self.day < s.rule.document.date) for s in self.selected),
            tuple(n.code for n in self.notes),
        )


NEAR_EDGE = "_near_edge"  # the code suffix of a reason whose zones are near their line, none surely in


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
        reasons += _apply(active, plan, request, place, zones, rules)
    status = worst([r.effect for r in reasons] or ["allowed"])
    if place.scope == "near_boundary" and status != "allowed":
        reasons.append(Reason("near_county_boundary", "uncertain", None, None))
        status = "uncertain"
    return _verdict(status, request, plan, place, reasons, rules, zones, plan.notes)


def rule_buffer(rule: Rule, zone_buffer_m: float) -> float:
    """The distance a zone rule reaches from the zone edge: the zone's buffer, or 0 for
    rules that apply inside the zone only."""
    return zone_buffer_m if rule.where == "zones_and_buffer" else 0.0


def _apply(active: Active, plan: DayPlan, request: Request, place: Location,
           zones: ZoneSet, rules: RuleSet) -> list[Reason]:
    """Reasons one in-period rule gives for the place."""
    chosen, period = active.chosen, active.span
    rule = chosen.rule
    fines = _rule_fines(active, plan, request.land, rules)
    if rule.where == "county":
        return _on_land(rule, chosen, period, plan, request.land, fines, rules)
    certain: list[ZoneHit] = []
    near: list[ZoneHit] = []
    open_: list[ZoneHit] = []
    for designation in rule.zones:
        if designation in request.in_zones:
            certain.append(_stated(designation, zones))
            continue
        found = False
        for m in place.measures:
            if m.zone.designation != designation:
                continue
            buffer_m = rule_buffer(rule, m.zone.buffer_m)
            kind = relation(m.edge_m, buffer_m, (m.zone.accuracy_m or 0.0) + place.accuracy_m)
            if kind != "beyond":
                (certain if kind == "certain" else near).append(_hit(m, buffer_m))
                found = True
        if (not found and place.lat is not None and designation not in place.beyond
                and zones.completeness(designation) != "complete"):
            name = zones.designation_name(designation)
            open_.append(ZoneHit(designation, designation, name.zh, name.en, "unknown", None,
                                 None, None, zones.completeness(designation), "none"))
    reasons = []
    if certain:
        reasons.append(Reason(rule.kind, rule.effect, rule, period, tuple(certain),
                              chosen.assumed_from, fines=fines))
    if near and not certain:  # a rule that surely applies is not made less sure by another zone
        reasons.append(Reason(rule.kind + NEAR_EDGE, "uncertain", rule, period, tuple(near),
                              chosen.assumed_from, fines=fines))
    if open_ and not certain:
        reasons.append(Reason(f"{rule.kind}_unmapped_zones", "uncertain", rule, period,
                              tuple(open_), chosen.assumed_from, fines=fines))
    return reasons


def _on_land(rule: Rule, chosen: Selected, period: tuple[date, date], plan: DayPlan,
             land: Land | None, fines: tuple[Fine, ...], rules: RuleSet) -> list[Reason]:
    """A county-wide rule: on its land types only; each land's effect from its basis."""
    if rule.lands is None:
        return [Reason(rule.kind, rule.effect, rule, period, (), chosen.assumed_from,
                       fines=fines)]
    if land is not None:
        if land not in rule.lands:
            return []
        case = _case(rule, land, plan, rules)
        return [Reason(rule.kind, case.effect, rule, period, (), chosen.assumed_from,  # type: ignore[arg-type]
                       basis=case.basis, exception=case.exception,
                       fines=fines if case.effect != "allowed" else ())]
    cases = tuple(_case(rule, each, plan, rules) for each in LANDS)
    if all(c.effect in ("not_applicable", "allowed") for c in cases):
        return []
    return [Reason(f"{rule.kind}_land_unknown", "uncertain", rule, period, (),
                   chosen.assumed_from, cases=cases, fines=fines)]


def _case(rule: Rule, land: Land, plan: DayPlan, rules: RuleSet) -> LandCase:
    """What ``rule`` gives for the plan's activity on ``land``."""
    if land not in (rule.lands or LANDS):
        return LandCase(land, "not_applicable")
    basis = _basis(rule, land, plan.day, rules)
    if basis is None:
        return LandCase(land, rule.effect)
    exception = basis.exception_for(plan.activity.id)
    return LandCase(land, exception.effect if exception else basis.effect, basis, exception)


def _basis(rule: Rule, land: Land, day: date, rules: RuleSet) -> Provision | None:
    """The rule's provision for ``land`` in force on ``day`` (the law of the day of the act)."""
    return next((p for pid in rule.basis if (p := rules.provisions[pid]).land == land
                 and p.in_force(day)), None)


def _rule_fines(active: Active, plan: DayPlan, land: Land | None,
                rules: RuleSet) -> tuple[Fine, ...]:
    """The rule's fines in force that cover the activity and, when it is stated, the land."""
    out = []
    for fid in active.fines:
        fine = rules.fines[fid]
        if fine.activities is not None and plan.activity.id not in fine.activities:
            continue
        if land is not None and fine.land_type not in ("any", land):
            continue
        out.append(fine)
    return tuple(out)


def _stated(designation: str, zones: ZoneSet) -> ZoneHit:
    name = zones.designation_name(designation)
    return ZoneHit(designation, designation, name.zh, name.en, "inside", None, None, None,
                   zones.completeness(designation), "stated")


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
    # Whom to call: the numbers of the rules that decide first (the strictest reasons).
    ranked = [r.rule for r in sorted(reasons, key=lambda r: -SEVERITY.get(r.effect, -1))
              if r.rule is not None]
    fines = list(dict.fromkeys(f for r in reasons for f in r.fines))
    return Verdict(
        status=status, request=request, activity=plan.activity, place=place,
        reasons=tuple(reasons), fines=tuple(fines), hotlines=tuple(_hotlines(ranked, rules)),
        assumptions=tuple(_assumptions(
            request.day, list(plan.selected) if status != "out_of_scope" else [], reasons,
            fines, request)),
        warnings=place.warnings, notes=notes + _land_notes(plan, request),
        rules_version=rules.version, zones_version=zones.version,
        duties=tuple(_duties(applied, plan.activity, rules)),
    )


def _land_notes(plan: DayPlan, request: Request) -> tuple[Message, ...]:
    """Say so when the stated land type puts a period's land rules out of play."""
    land = request.land
    if land is None:
        return ()
    return tuple(_not_on_land(a.chosen.rule.title_zh, a.chosen.rule.title_en, land)
                 for a in plan.active
                 if a.chosen.rule.lands is not None and land not in a.chosen.rule.lands)


@lru_cache(maxsize=256)
def _not_on_land(title_zh: str, title_en: str, land: str) -> Message:
    label = LAND_NAMES[land]
    return Message("not_on_this_land", Text(
        f"{title_zh}：只适用于林地、草原；所述地类为{label.zh}，不适用。",
        f"{title_en}: applies on forest and grassland only; the stated land type is "
        f"{label.en}, so it does not apply."))


LAND_NAMES = {"forest": Text("林地", "forest"), "grassland": Text("草原", "grassland"),
              "farmland": Text("农田", "farmland"), "built-up": Text("城镇建成区", "built-up area"),
              "water": Text("水域", "water")}


def _hotlines(applied: list[Rule], rules: RuleSet) -> list[Hotline]:
    """The numbers to call, each once; a number the sources give under several names (the
    fire command office is also the emergency-management bureau) carries all of them."""
    ids = [FIRE_ALARM] + [h for rule in applied for h in rule.hotlines]
    numbers = list(dict.fromkeys(rules.hotlines[h].number for h in ids if h in rules.hotlines))
    return [_merged(number, rules) for number in numbers]


@lru_cache(maxsize=64)
def _merged_names(number: str, names: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    return "；".join(n[0] for n in names), "; ".join(n[1] for n in names)


def _merged(number: str, rules: RuleSet) -> Hotline:
    lines = [h for h in rules.hotlines.values() if h.number == number]
    if len(lines) == 1:
        return lines[0]
    zh, en = _merged_names(number, tuple((h.name_zh, h.name_en) for h in lines))
    first = lines[0]
    return Hotline(first.id, number, first.printed, zh, en, first.document, first.clause,
                   first.note_en)


def _duties(applied: list[Rule], activity: Activity, rules: RuleSet) -> list[Advice]:
    """The duties, alternatives and liabilities of the applying rules, for this activity."""
    ids = dict.fromkeys(a for rule in applied for a in rule.advice)
    return [note for aid in ids if (note := rules.advice[aid]).activities is None
            or activity.id in note.activities]


def _assumptions(day: date, selected: list[Selected], reasons: list[Reason],
                 fines: list[Fine], request: Request) -> list[Message]:
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
        doc = rule.document
        if rule.stated_annual and doc.date is not None and day < doc.date:
            out.append(Message("stated_annual_period", Text(
                f"{rule.title_zh}：通告（{doc.date}）将其表述为每年的期间，此前的日期同样适用。",
                f"{rule.title_en}: the notice ({doc.date}) states this period as annual, so it "
                "is applied to earlier dates too.")))
        if rule.inference:
            out.append(Message("inferred_applicability",
                               Text(rule.condition_zh or "", rule.condition_en or "")))
        if rule.document.status == "secondary":
            out.append(Message("secondary_source", Text(
                f"{rule.document.title_zh}：仅有二手来源，原文未核实。",
                f"{rule.document.title_en}: known only from secondary copies.")))
    lands = {f.land_type for f in fines}
    if request.land is None and {"forest", "grassland"} <= lands:
        out.append(Message("land_type_unknown", Text(
            "此处地类（林地或草原）未知：两类条款均列出。",
            "Land type (forest or grassland) is not known here: both provisions are shown.")))
    if sum(1 for f in fines if f.individual or f.unit) > 1:
        out.append(Message("one_fine_per_act", Text(
            "同一违法行为不得给予两次以上罚款；同时违反多个规定的，按罚款数额高的规定处罚（《行政处罚法》第二十九条）。",
            "One act gets one fine; where several provisions apply, the higher one is used "
            "(Administrative Penalty Law 2021, Art. 29).")))
    return list(dict.fromkeys(out))
