"""The rule engine: ``evaluate(request, rules, zones) -> Verdict``.

Pure functions over loaded data. Evaluation has two steps: :func:`locate` measures a place
against the county line and the mapped zones (independent of the date), and :func:`judge`
applies the rules in force on one day to that place. A date range locates once and judges
each day (:func:`evaluate_span`); batch processing reuses the same two steps.

Certainty: a zone edge drawn with accuracy A and a place known to ±a metres decide a
buffer of B metres only outside the band |distance − B| < A + a; inside that band the
answer is ``uncertain``. Zones a rule lists but no file maps make an in-county place
``uncertain`` too, never ``allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Literal

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from .activities import Activity
from .datum import Datum, to_wgs84
from .errors import InputError
from .messages import Message
from .projection import to_local
from .projection import to_wgs84 as to_wgs84_plane
from .rules import Fine, Hotline, Rule, RuleSet, Selected
from .zones import Measure, Zone, ZoneSet

Status = Literal["prohibited", "uncertain", "permit_required", "allowed", "out_of_scope"]
SEVERITY: dict[str, int] = {"allowed": 0, "permit_required": 1, "uncertain": 2, "prohibited": 3}
Scope = Literal["inside", "near_boundary", "outside"]
Actor = Literal["individual", "unit"]
FIRE_ALARM = "fire-alarm-12119"
_TOO_FAR = ("the route or area reaches places too far from Guyang to measure on the "
                      "county's plane", "路线或区域延伸到离固阳过远之处，无法在本县平面上测量")
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Request:
    """One question: may ``activity`` happen at (lat, lon) on ``day``?"""

    lat: float
    lon: float
    day: date
    activity: str  # id or any alias
    datum: Datum = "wgs84"
    actor: Actor | None = None
    accuracy_m: float = 0.0  # how far the true position may be from (lat, lon)
    geometry: BaseGeometry | None = None  # a route or area in the request's datum, lon/lat


@dataclass(frozen=True)
class Place:
    """Where a request lies: WGS-84 position, county scope and nearby mapped zones."""

    lat: float
    lon: float
    accuracy_m: float
    county_edge_m: float  # signed: negative inside the county
    scope: Scope
    measures: tuple[Measure, ...]
    warnings: tuple[Message, ...]


@dataclass(frozen=True)
class ZoneHit:
    """A zone a reason refers to, with the place's position relative to it."""

    id: str
    designation: str
    name_zh: str
    name_en: str
    position: Literal["inside", "buffer", "outside", "unknown"]
    edge_m: float | None  # signed distance to the zone edge; negative inside
    buffer_m: float | None
    accuracy_m: float | None
    completeness: str


@dataclass(frozen=True)
class Reason:
    """Why a verdict is what it is: one rule (or the scope) applied to the place and day."""

    code: str
    effect: Status
    rule: Rule | None
    period: tuple[date, date] | None
    zones: tuple[ZoneHit, ...] = ()
    assumed_from: int | None = None


@dataclass(frozen=True)
class Verdict:
    """The answer to a :class:`Request`."""

    status: Status
    request: Request
    activity: Activity
    place: Place
    reasons: tuple[Reason, ...]
    fines: tuple[Fine, ...]
    hotlines: tuple[Hotline, ...]
    assumptions: tuple[Message, ...]
    warnings: tuple[Message, ...]
    notes: tuple[Message, ...]
    rules_version: str
    zones_version: str


@dataclass(frozen=True)
class Span:
    """Consecutive days that share one verdict."""

    start: date
    end: date
    verdict: Verdict


def evaluate(request: Request, rules: RuleSet, zones: ZoneSet) -> Verdict:
    """Decide one request (a route or area in several parts: its strictest part)."""
    activity = rules.activities.resolve(request.activity)
    return strictest([judge(request, activity, place, rules, zones)
                      for place in locate_parts(request, zones)])


def locate_parts(request: Request, zones: ZoneSet) -> list[Place]:
    """The request's place; one per part for a route or area in several parts, each judged
    on its own (a part outside the county is out of scope whatever the others are)."""
    geometry = request.geometry
    if geometry is None or shapely.get_num_geometries(geometry) < 2:
        return [locate(request, zones)]
    return [locate(replace(request, geometry=part), zones)
            for part in shapely.get_parts(geometry) if not part.is_empty]


def strictest(verdicts: list[Verdict]) -> Verdict:
    """The most restrictive verdict (the first of equals)."""
    return max(verdicts, key=lambda v: SEVERITY.get(v.status, -1))


def evaluate_span(request: Request, end: date, rules: RuleSet, zones: ZoneSet) -> list[Span]:
    """Decide every day from ``request.day`` to ``end`` and group equal consecutive days."""
    if end < request.day:
        raise InputError(f"the range ends ({end}) before it starts ({request.day})",
                         f"日期范围的结束日（{end}）早于开始日（{request.day}）")
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
    return spans


def worst(statuses: list[Status]) -> Status:
    """The most restrictive status; ``out_of_scope`` only when every day is out of scope."""
    ranked = [s for s in statuses if s in SEVERITY]
    return max(ranked, key=SEVERITY.__getitem__) if ranked else "out_of_scope"


def _same(a: Verdict, b: Verdict) -> bool:
    def key(v: Verdict) -> tuple:
        return v.status, tuple((r.code, r.rule and r.rule.id, r.period) for r in v.reasons)

    return key(a) == key(b)


# ---------------------------------------------------------------------------- locate


def locate(request: Request, zones: ZoneSet) -> Place:
    """Measure the request's place (a point, or its route/area geometry); converts its datum
    to WGS-84 first."""
    if request.accuracy_m < 0 or request.accuracy_m != request.accuracy_m:
        raise InputError("position accuracy must be a non-negative number of metres",
                         "位置精度必须是非负的米数")
    if request.geometry is not None:
        return _locate_geometry(request, zones)
    lat, lon = to_wgs84(request.lat, request.lon, request.datum)
    warnings = [_datum_note(request, lat, lon)] if request.datum != "wgs84" else []
    x, y = (float(v) for v in to_local(lon, lat))
    return _place(zones, shapely.Point(x, y), float(lat), float(lon), request.accuracy_m,
                  tuple(warnings))


def _place(zones: ZoneSet, shape: BaseGeometry, lat: float, lon: float, accuracy_m: float,
           warnings: tuple[Message, ...]) -> Place:
    index = zones.index()
    county_edge = index.county_edge_of(shape)
    measures = tuple(Measure(zones.mapped[i], edge_m)
                     for i, edge_m in index.measure(shape, accuracy_m))
    return Place(lat, lon, accuracy_m, county_edge,
                 scope_of(county_edge, zones.county, accuracy_m), measures, warnings)


def scope_of(county_edge: float, county: Zone, accuracy_m: float) -> Scope:
    """Inside, outside or within the uncertainty band of the county line."""
    band = (county.accuracy_m or 0.0) + accuracy_m
    if county_edge <= -band:
        return "inside"
    return "outside" if county_edge > band else "near_boundary"


def _datum_note(request: Request, lat: float, lon: float) -> Message:
    moved = _GEOD.inv(request.lon, request.lat, lon, lat)[2]  # metres on the ellipsoid
    name = request.datum.upper()
    return Message(
        "datum_converted",
        f"{name} coordinates converted to WGS-84 ({lat:.6f}, {lon:.6f}): moved {moved:.0f} m.",
        f"{name} 坐标已换算为 WGS-84（{lat:.6f}, {lon:.6f}），偏移 {moved:.0f} 米。",
    )


def geometry_to_plane(geometry: BaseGeometry, datum: Datum) -> BaseGeometry:
    """A lon/lat route or area in local metres, its datum converted first; an InputError
    if a vertex is out of range or where PROJ cannot place it on the county's plane."""
    xy = shapely.get_coordinates(geometry)
    if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        raise InputError("a vertex is out of range (longitude -180..180, latitude -90..90)",
                         "有顶点超出范围（经度 -180..180，纬度 -90..90）")

    def to_plane(xy: np.ndarray) -> np.ndarray:
        lat, lon = to_wgs84(xy[:, 1], xy[:, 0], datum)
        return np.column_stack(to_local(lon, lat))

    shape = shapely.transform(geometry, to_plane)
    if not np.isfinite(shapely.get_coordinates(shape)).all():
        raise InputError(*_TOO_FAR)
    return shape


def _locate_geometry(request: Request, zones: ZoneSet) -> Place:
    """A route or area: its nearest part decides (a part inside a zone counts as 0 m)."""
    assert request.geometry is not None
    shape = geometry_to_plane(request.geometry, request.datum)
    centre = shape.representative_point()
    lon, lat = to_wgs84_plane(centre.x, centre.y)
    return _place(zones, shape, float(lat), float(lon), request.accuracy_m, ())


# ----------------------------------------------------------------------------- judge


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


def judge(request: Request, activity: Activity, place: Place, rules: RuleSet,
          zones: ZoneSet) -> Verdict:
    """Apply the rules in force on ``request.day`` to an already located place."""
    return apply_plan(plan_day(request.day, activity, rules), request, place, rules, zones)


def apply_plan(plan: DayPlan, request: Request, place: Place, rules: RuleSet,
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


Relation = Literal["certain", "near", "beyond"]


def relation(edge_m: float, buffer_m: float, band: float) -> Relation:
    """Whether a place at signed ``edge_m`` from a zone edge is surely within ``buffer_m``
    of it, within the uncertainty ``band`` of that line, or surely beyond it."""
    if edge_m <= buffer_m - band:
        return "certain"
    if edge_m <= buffer_m + band:
        return "near"
    return "beyond"


def rule_buffer(rule: Rule, zone_buffer_m: float) -> float:
    """The distance a zone rule reaches from the zone edge: the zone's buffer, or 0 for
    rules that apply inside the zone only."""
    return zone_buffer_m if rule.where == "zones_and_buffer" else 0.0


def _apply(active: Active, place: Place, zones: ZoneSet) -> list[Reason]:
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
            name_zh, name_en = zones.designation_names(designation)
            open_.append(ZoneHit(designation, designation, name_zh, name_en, "unknown", None,
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
    return Message("outside_period", f"{title_en}: not in its period ({labels}).",
                   f"{title_zh}：不在其期间内（{labels}）。")


def _verdict(status: Status, request: Request, plan: DayPlan, place: Place,
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
            year, doc = chosen.assumed_from, chosen.rule.document
            out.append(Message(
                "assumed_recurrence",
                f"{chosen.rule.title_en}: dates from the {year} notice; no {day.year} "
                f"notice loaded, so they are assumed to recur ({doc.title_en}).",
                f"{chosen.rule.title_zh}：日期沿用{year}年通告；未载入{day.year}年通告，"
                f"假定逐年相同（{doc.title_zh}）。",
            ))
    for rule in dict.fromkeys(r.rule for r in reasons if r.rule is not None):
        if rule.inference:
            out.append(Message("inferred_applicability", rule.condition_en or "",
                               rule.condition_zh or ""))
        if rule.document.status == "secondary":
            out.append(Message(
                "secondary_source",
                f"{rule.document.title_en}: known only from secondary copies.",
                f"{rule.document.title_zh}：仅有二手来源，原文未核实。",
            ))
    lands = {f.land_type for f in fines}
    if {"forest", "grassland"} <= lands:
        out.append(Message(
            "land_type_unknown",
            "Land type (forest or grassland) is not known here: both provisions are shown.",
            "此处地类（林地或草原）未知：两类条款均列出。",
        ))
    if sum(1 for f in fines if f.individual or f.unit) > 1:
        out.append(Message(
            "one_fine_per_act",
            "One act gets one fine; where several provisions apply, the higher one is used "
            "(Administrative Penalty Law 2021, Art. 29).",
            "同一违法行为不得给予两次以上罚款；同时违反多个规定的，按罚款数额高的规定处罚（《行政处罚法》第二十九条）。",
        ))
    return list(dict.fromkeys(out))
