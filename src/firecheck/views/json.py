"""The stable JSON form of verdicts and of the loaded data (English keys, both languages)."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date
from typing import Any

from .. import __version__
from ..engine.model import Location, Reason, Request, Span, Verdict, ZoneHit, worst
from ..errors import FirecheckError
from ..rules.model import Advice, Document, Exception_, Fine, Hotline, Provision, Rule, RuleSet
from ..zones.model import Zone, ZoneSet
from ..zones.nearby import Nearby
from .words import explain

VERDICT_SCHEMA = "firecheck/verdict/1"  # schemas/verdict-1.json; a new key is a new version
RANGE_SCHEMA = "firecheck/verdict-range/1"
ERROR_SCHEMA = "firecheck/error/1"
PERIODS_SCHEMA = "firecheck/periods/1"  # the listings (commands' --json and the HTTP API)
HOTLINES_SCHEMA = "firecheck/hotlines/1"
ACTIVITIES_SCHEMA = "firecheck/activities/1"


def error_dict(error: FirecheckError) -> dict[str, str]:
    """An error on its own (``check --json`` on bad input): the error object and its schema."""
    return {"schema": ERROR_SCHEMA, **error.to_dict()}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _degrees(value: float | None) -> float | None:
    return None if value is None else round(value, 7)


def _metres(value: float | None) -> float | None:
    """Rounded metres; None (JSON null) for none or for no finite distance."""
    return None if value is None or not math.isfinite(value) else round(value, 1)


def document_dict(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id, "title_zh": doc.title_zh, "title_en": doc.title_en,
        "issuer_zh": doc.issuer_zh, "issuer_en": doc.issuer_en, "number": doc.number,
        "date": _day(doc.date), "effective": _day(doc.effective),
        "superseded": _day(doc.superseded), "superseded_status": doc.superseded_status,
        "status": doc.status, "source": doc.source, "file": doc.file,
    }


def zone_hit_dict(z: ZoneHit) -> dict[str, Any]:
    return {
        "id": z.id, "designation": z.designation, "name_zh": z.name_zh, "name_en": z.name_en,
        "position": z.position, "edge_distance_m": _metres(z.edge_m),
        "buffer_m": z.buffer_m, "accuracy_m": z.accuracy_m, "completeness": z.completeness,
        "source": z.source,
    }


def reason_dict(reason: Reason, verdict: Verdict) -> dict[str, Any]:
    rule = reason.rule
    out: dict[str, Any] = {
        "code": reason.code,
        "effect": reason.effect,
        "explanation_zh": explain(reason, verdict, "zh"),
        "explanation_en": explain(reason, verdict, "en"),
        "rule_id": rule.id if rule else None,
        "period": {"start": _day(reason.period[0]), "end": _day(reason.period[1])}
        if reason.period else None,
        "assumed_from_year": reason.assumed_from,
        "zones": [zone_hit_dict(z) for z in reason.zones],
        "basis": provision_dict(reason.basis, reason.exception) if reason.basis else None,
        "cases": [{"land": c.land, "effect": c.effect,
                   "basis": provision_dict(c.basis, c.exception) if c.basis else None}
                  for c in reason.cases],
        "fine_ids": [f.id for f in reason.fines],
    }
    if rule:
        out["citation"] = {
            "document": rule.document.id, "title_zh": rule.document.title_zh,
            "title_en": rule.document.title_en, "issuer_zh": rule.document.issuer_zh,
            "number": rule.document.number, "date": _day(rule.document.date),
            "clause": rule.clause, "status": rule.document.status,
        }
        out["requirements_zh"] = list(rule.requirements_zh)
        out["requirements_en"] = list(rule.requirements_en)
        out["condition_zh"], out["condition_en"] = rule.condition_zh, rule.condition_en
        out["note_zh"], out["note_en"] = rule.note_zh, rule.note_en
    return out


def provision_dict(provision: Provision, exception: Exception_ | None) -> dict[str, Any]:
    """The provision that decides a land-dependent rule, and the exception claimed."""
    return {
        "id": provision.id, "document": provision.document.id,
        "provision_zh": provision.provision_zh, "provision_en": provision.provision_en,
        "land": provision.land, "effect": provision.effect, "rule_zh": provision.rule_zh,
        "rule_en": provision.rule_en, "status": provision.status,
        "exception": None if exception is None else {
            "effect": exception.effect, "clause": exception.clause,
            "text_zh": exception.text_zh, "text_en": exception.text_en},
    }


def advice_dict(note: Advice) -> dict[str, Any]:
    return {"id": note.id, "kind": note.kind, "zh": note.text_zh, "en": note.text_en,
            "document": note.document.id, "title_zh": note.document.title_zh,
            "clause": note.clause, "status": note.document.status}


def facts_dict(request: Request, zones_named: dict[str, ZoneHit]) -> list[dict[str, Any]]:
    """What the user stated about the place, marked as stated."""
    out: list[dict[str, Any]] = []
    if request.land is not None:
        out.append({"fact": "land", "value": request.land, "source": "stated"})
    for designation in request.in_zones:
        hit = zones_named.get(designation)
        out.append({"fact": "in_zone", "value": designation,
                    "name_zh": hit.name_zh if hit else designation,
                    "name_en": hit.name_en if hit else designation, "source": "stated"})
    return out


def fine_dict(fine: Fine) -> dict[str, Any]:
    return {
        "id": fine.id, "document": fine.document.id, "provision_zh": fine.provision_zh,
        "provision_en": fine.provision_en, "conduct_zh": fine.conduct_zh,
        "conduct_en": fine.conduct_en, "condition_zh": fine.condition_zh,
        "condition_en": fine.condition_en, "land_type": fine.land_type,
        "valid_from": _day(fine.valid_from), "valid_to": _day(fine.valid_to),
        "individual_yuan": asdict(fine.individual) if fine.individual else None,
        "unit_yuan": asdict(fine.unit) if fine.unit else None,
        "multiple_zh": fine.multiple_zh, "multiple_en": fine.multiple_en,
        "also_zh": fine.also_zh, "also_en": fine.also_en, "enforcer_zh": fine.enforcer_zh,
        "enforcer_en": fine.enforcer_en, "status": fine.status, "note_zh": fine.note_zh,
        "note_en": fine.note_en, "source": fine.source,
        "activities": sorted(fine.activities) if fine.activities is not None else None,
    }


def hotline_dict(line: Hotline) -> dict[str, Any]:
    return {
        "id": line.id, "number": line.number, "printed": line.printed,
        "name_zh": line.name_zh, "name_en": line.name_en, "document": line.document.id,
        "clause": line.clause,
    }


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    """A verdict as plain JSON-ready data."""
    req, place, act = verdict.request, verdict.place, verdict.activity
    return {
        "schema": VERDICT_SCHEMA,
        "status": verdict.status,
        "date": req.day.isoformat(),
        "activity": {"id": act.id, "name_zh": act.name_zh, "name_en": act.name_en,
                     "category": act.category},
        "query": {"lat": req.lat, "lon": req.lon, "datum": req.datum, "actor": req.actor,
                  "accuracy_m": req.accuracy_m, "land": req.land,
                  "in_zones": list(req.in_zones)},
        "place": {"lat": _degrees(place.lat), "lon": _degrees(place.lon), "datum": "wgs84",
                  "county_scope": place.scope,
                  "county_scope_source": "measured" if place.lat is not None else "stated",
                  "county_edge_distance_m": _metres(place.county_edge_m)},
        "facts": facts_dict(req, {h.designation: h for r in verdict.reasons for h in r.zones}),
        "reasons": [reason_dict(r, verdict) for r in verdict.reasons],
        "fines": [fine_dict(f) for f in verdict.fines],
        "hotlines": [hotline_dict(h) for h in verdict.hotlines],
        "assumptions": [m.to_dict() for m in verdict.assumptions],
        "warnings": [m.to_dict() for m in verdict.warnings],
        "notes": [m.to_dict() for m in verdict.notes],
        "duties": [advice_dict(a) for a in verdict.duties],
        "versions": versions(verdict.rules_version, verdict.zones_version),
    }


def spans_dict(spans: list[Span]) -> dict[str, Any]:
    """A date-range answer: the worst status and each run of equal days."""
    return {
        "schema": RANGE_SCHEMA,
        "status": worst([s.verdict.status for s in spans]),
        "from": spans[0].start.isoformat(),
        "to": spans[-1].end.isoformat(),
        "spans": [{"start": s.start.isoformat(), "end": s.end.isoformat(),
                   **verdict_dict(s.verdict)} for s in spans],
    }


def versions(rules_version: str, zones_version: str) -> dict[str, str]:
    return {"firecheck": __version__, "rules": rules_version, "zones": zones_version}


def rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "kind": rule.kind, "series": rule.series, "document": rule.document.id,
        "clause": rule.clause, "title_zh": rule.title_zh, "title_en": rule.title_en,
        "year": rule.year, "recurs_assumed": rule.recurs_assumed,
        "valid_from": _day(rule.valid_from), "valid_to": _day(rule.valid_to),
        "periods": [p.label() for p in rule.periods], "activities": sorted(rule.activities),
        "where": rule.where, "zones": list(rule.zones), "effect": rule.effect,
        "lands": list(rule.lands) if rule.lands else None, "basis": list(rule.basis),
        "stated_annual": rule.stated_annual, "inference": rule.inference,
        "fines": list(rule.fines), "hotlines": list(rule.hotlines), "advice": list(rule.advice),
    }


def zone_dict(zone: Zone, zones: ZoneSet) -> dict[str, Any]:
    return {
        "id": zone.id, "designation": zone.designation, "name_zh": zone.name_zh,
        "name_en": zone.name_en, "kind": zone.kind, "level": zone.level,
        "buffer_m": zone.buffer_m, "accuracy_m": zone.accuracy_m,
        "completeness": zone.completeness, "geometry_type": zone.shape.geom_type
        if zone.shape is not None else None,
        "geometry_source": zone.geometry_source, "source": zone.source,
        "designation_completeness": zones.completeness(zone.designation)
        if zone is not zones.county else "complete",
    }


def period_rows(rules: RuleSet, year: int) -> list[dict[str, Any]]:
    """Every rule's concrete dates in ``year`` (calendar view), clipped to its validity."""
    rows = []
    for chosen in rules.select_year(year):
        rule = chosen.rule
        dates = []
        for period in rule.periods:
            for first, last in period.occurrences(year):
                first = max(first, rule.valid_from or first)
                last = min(last, rule.valid_to or last)
                if first <= last and first.year <= year <= last.year:
                    dates.append((first, last))
        rows.append({
            "rule_id": rule.id, "kind": rule.kind, "title_zh": rule.title_zh,
            "title_en": rule.title_en, "effect": rule.effect, "where": rule.where,
            "dates": [(a.isoformat(), b.isoformat()) for a, b in sorted(dates)],
            "assumed_from_year": chosen.assumed_from, "document": rule.document.id,
            "document_title_zh": rule.document.title_zh,
            "document_title_en": rule.document.title_en, "clause": rule.clause,
            "status": rule.document.status, "inference": rule.inference,
        })
    return rows


def activity_rows(rules: RuleSet) -> list[dict[str, Any]]:
    """The activity vocabulary with each activity's citation."""
    return [{"id": a.id, "category": a.category, "name_zh": a.name_zh, "name_en": a.name_en,
             "aliases": list(a.aliases), "document": a.document, "clause": a.clause}
            for a in rules.activities]


def near_dict(place: Location, found: list[Nearby], unmapped: list[str], zones: ZoneSet,
              warnings: tuple) -> dict[str, Any]:
    """The `near` answer as JSON-ready data."""
    return {
        "place": {"lat": round(place.lat, 7), "lon": round(place.lon, 7), "datum": "wgs84",
                  "accuracy_m": place.accuracy_m, "county_scope": place.scope},
        "zones": [{
            "id": n.zone.id, "designation": n.zone.designation, "name_zh": n.zone.name_zh,
            "name_en": n.zone.name_en, "inside": n.inside,
            "edge_distance_m": _metres(n.edge_m),
            "buffer_line_distance_m": _metres(n.buffer_line_m), "buffer_m": n.zone.buffer_m,
            "direction_zh": n.direction("zh"), "direction_en": n.direction("en"),
            "bearing_deg": None if n.bearing_deg is None else round(n.bearing_deg, 1),
            "accuracy_m": n.accuracy_m, "within_buffer": n.within,
            "completeness": n.zone.completeness,
        } for n in found],
        "unmapped_designations": [{"designation": d, "name_zh": zones.designation_name(d).zh,
                                   "name_en": zones.designation_name(d).en,
                                   "completeness": zones.completeness(d)} for d in unmapped],
        "warnings": [m.to_dict() for m in warnings],
        "versions": {"zones": zones.version},
    }
