"""A verdict for a person: the action first — status, one sentence, whom to call — then
the details, at three levels (``brief``: at most a few lines; ``normal``; ``details``:
every citation, period, requirement, assumption and note), wrapped for narrow screens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from rich.console import Console

from ..engine.model import SEVERITY, Span, Verdict, worst
from ..text import say
from .layout import Para, show
from .words import (
    CERTAINTY_LABEL,
    EFFECT_LABEL,
    LAND_LABEL,
    STATUS_LABEL,
    action,
    deciding,
    explain,
    fine_conditions,
    fine_range,
    fines_summary,
)

Level = Literal["brief", "normal", "details"]
STYLE = {
    "prohibited": "bold white on red",
    "permit_required": "bold black on yellow",
    "uncertain": "bold black on bright_magenta",
    "allowed": "bold white on green",
    "out_of_scope": "bold white on blue",
}
# Assumptions a person should see without --details (the others are in JSON and --details).
_SHOWN = {"assumed_recurrence", "stated_annual_period", "inferred_applicability"}


def verdict(console: Console, v: Verdict, lang: str, level: Level = "normal") -> int:
    """Print one verdict; the number of lines printed."""
    return show(console, verdict_paras(v, lang, level))


def spans(console: Console, items: list[Span], lang: str, level: Level = "normal") -> int:
    """Print a date range (see :func:`spans_paras`); the number of lines printed."""
    return show(console, spans_paras(items, lang, level))


def spans_paras(items: list[Span], lang: str, level: Level = "normal") -> list[Para]:
    """A date range: the strictest answer, the runs of days, then each distinct answer
    once (with the runs it covers)."""
    status = worst([s.verdict.status for s in items])
    paras = [Para([(f" {STATUS_LABEL[status].get(lang)} ", STYLE[status]),
                   (say(lang, " 整个日期范围内最严格的结论", " the strictest answer over the range"),
                    "")])]
    for s in items:
        days = (s.end - s.start).days + 1
        why = "；".join(dict.fromkeys(_short(r) for r in s.verdict.reasons)) or "—"
        paras.append(Para([(f"{_run(s, lang)}（{days}天）" if lang == "zh" else
                            f"{_run(s, lang)} ({days} d) ", ""),
                           (STATUS_LABEL[s.verdict.status].get(lang), _fg(s.verdict.status)),
                           (f"：{why}" if lang == "zh" else f": {why}", "")], first=" • ",
                          indent=3))
    for verdict_, runs in _distinct(items):
        if not verdict_.reasons:
            continue
        paras.append(Para.of(""))
        paras.append(Para.of("、".join(runs) if lang == "zh" else ", ".join(runs), style="bold"))
        paras += verdict_paras(verdict_, lang, level)
    return paras


def _distinct(items: list[Span]) -> Iterator[tuple[Verdict, list[str]]]:
    """Each different answer once, with the runs of days that have it."""
    seen: dict[tuple, tuple[Verdict, list[str]]] = {}
    for s in items:
        key = (s.verdict.status, tuple((r.code, r.rule and r.rule.id) for r in s.verdict.reasons))
        entry = seen.setdefault(key, (s.verdict, []))
        entry[1].append(_run(s, "zh"))
    yield from seen.values()


def _run(s: Span, lang: str) -> str:
    if s.start == s.end:
        return s.start.isoformat()
    end = s.end.isoformat()[5:] if s.end.year == s.start.year else s.end.isoformat()
    return f"{s.start.isoformat()}–{end}"


def _short(reason) -> str:
    return reason.rule.kind if reason.rule else reason.code


def _fg(status: str) -> str:
    return {"prohibited": "bold red", "permit_required": "bold yellow",
            "uncertain": "bold magenta", "allowed": "bold green",
            "out_of_scope": "bold blue"}[status]


def verdict_paras(v: Verdict, lang: str, level: Level = "normal") -> list[Para]:
    """The verdict as paragraphs: the action line, then what ``level`` shows."""
    zh = lang == "zh"
    paras = [Para([(f" {STATUS_LABEL[v.status].get(lang)} ", STYLE[v.status]),
                   (" " + action(v, lang), "bold")], indent=0)]
    if level == "brief":  # what was asked, the person knows: the answer, the fine, the numbers
        if fine := fines_summary(v, lang):
            paras.append(Para.of(say(lang, "罚款：", "Fine: ") + fine))
        first = action(v, lang)  # the numbers it names are not repeated
        more = [h for h in v.hotlines if h.number not in first][:1]
        for h in more:
            paras.append(Para.of(say(lang, "另可拨：", "Also: ") + f"{h.number} "
                                 + _short_name(h.name_zh if zh else h.name_en)))
        return paras
    paras.append(Para.of(_what(v, lang)))
    paras += _facts(v, lang)
    if v.reasons:
        paras.append(Para.of(say(lang, "依据", "Why"), style="bold"))
        for i, group in enumerate(_grouped(v.reasons, level), 1):
            reason = group[0]
            label = EFFECT_LABEL[reason.effect].get(lang)
            text = explain(reason, v, lang)
            if len(group) > 1:  # the same reason from another source (county, region)
                also = ("；".join(r.rule.title_zh for r in group[1:] if r.rule) if zh else
                        "; ".join(r.rule.title_en for r in group[1:] if r.rule))
                text += f" 同见：{also}。" if zh else f" Likewise: {also}."
            paras.append(Para([(f"{label}：" if zh else f"{label}: ", _fg_effect(reason.effect)),
                               (text, "")], first=f" {i}. ", indent=len(f" {i}. ")))
            if level == "details":
                for member in group:
                    paras += _citation(member, lang)
    paras += _fines(v, lang, level)
    paras.append(Para.of(say(lang, "电话", "Whom to call"), style="bold"))
    for line in v.hotlines:
        paras.append(Para([(line.number, "bold"), ("  " + (line.name_zh if zh else line.name_en),
                                                    "")], first=" • ", indent=3))
    paras += _duties(v, lang, level)
    for m in v.warnings:
        paras.append(Para.of(m.get(lang), style="yellow", first=" ! ", indent=3))
    for m in v.assumptions:
        if level == "details" or m.code in _SHOWN:
            paras.append(Para.of(m.get(lang), style="yellow", first=" ~ ", indent=3))
    if level == "details":
        for m in v.notes:
            paras.append(Para.of(m.get(lang), style="dim", first=" · ", indent=3))
    paras.append(Para.of(f"{say(lang, '规则', 'rules')} {v.rules_version[:19]} · "
                         f"{say(lang, '区域数据', 'zones')} {v.zones_version[:19]}", style="dim"))
    return paras


def _grouped(reasons: tuple, level: Level) -> list[list]:
    """Reasons by code and effect: the same finding from several sources is listed once
    (with --details, each on its own)."""
    if level == "details":
        return [[r] for r in reasons]
    groups: dict[tuple, list] = {}
    for r in sorted(reasons, key=lambda r: -SEVERITY.get(r.effect, -1)):  # the decisive first
        groups.setdefault((r.code, r.effect, tuple((c.land, c.effect) for c in r.cases)),
                          []).append(r)
    return list(groups.values())


def _fg_effect(effect: str) -> str:
    return _fg(effect) if effect in STYLE else "bold"


def _what(v: Verdict, lang: str) -> str:
    """'上坟烧纸 · 2023-04-05 · 41.106182, 110.045245 (WGS-84)' — or the stated zone."""
    place = v.place
    if place.lat is None:
        names = [h.name_zh if lang == "zh" else h.name_en for r in v.reasons for h in r.zones
                 if h.source == "stated"] or list(v.request.in_zones)
        where = ("、".join(dict.fromkeys(names)) + "内（用户所述）") if lang == "zh" else (
            "inside " + ", ".join(dict.fromkeys(names)) + " (stated by you)")
    else:
        where = f"{place.lat:.6f}, {place.lon:.6f}"
        if v.request.datum != "wgs84":
            where += f" ← {v.request.datum.upper()} {v.request.lat}, {v.request.lon}"
        if place.accuracy_m:
            where += f" ±{place.accuracy_m:.0f} m"
    return f"{v.activity.name.get(lang)} · {v.request.day.isoformat()} · {where}"


def _facts(v: Verdict, lang: str) -> list[Para]:
    """What the user stated, marked so."""
    zh = lang == "zh"
    parts = []
    if v.request.land is not None:
        label = LAND_LABEL[v.request.land].get(lang)
        parts.append(f"地类：{label}" if zh else f"land: {label}")
    if v.request.in_zones and v.place.lat is not None:
        parts.append(("位于 " if zh else "inside ") + ", ".join(v.request.in_zones))
    if not parts:
        return []
    tail = "（用户所述，未经测量）" if zh else " (stated by you, not measured)"
    return [Para.of(("所述：" if zh else "Stated: ") + ("；" if zh else "; ").join(parts) + tail,
                    style="cyan")]


def _citation(reason, lang: str) -> list[Para]:
    """Where a reason's rule comes from, its period and what it requires (--details)."""
    rule = reason.rule
    if rule is None:
        return []
    zh = lang == "zh"
    doc = rule.document
    title = f"《{doc.title_zh}》" + ("" if zh else f" ({doc.title_en})")
    out = [Para.of(f"{say(lang, '出处', 'Source')}：{title} {rule.clause}"
                   f"{'，' + doc.number if doc.number else ''}，{doc.issuer_zh}，{doc.date} "
                   f"[{CERTAINTY_LABEL[doc.status].get(lang)}]", style="dim", first="    ")]
    if reason.period:
        period = f"{reason.period[0]} – {reason.period[1]}"
        if reason.assumed_from:
            period += say(lang, f"（沿用{reason.assumed_from}年日期，假定逐年相同）",
                          f" (dates of {reason.assumed_from}, assumed to recur)")
        out.append(Para.of(f"{say(lang, '期间', 'Period')}：{period}", style="dim", first="    "))
    if reason.basis is not None:
        b = reason.basis
        out.append(Para.of(f"{b.provision_zh if zh else b.provision_en}：{b.rule_zh if zh else b.rule_en}"
                           f" [{CERTAINTY_LABEL[b.status].get(lang)}]", style="dim", first="    "))
    for req_zh, req_en in zip(rule.requirements_zh, rule.requirements_en, strict=True):
        out.append(Para.of(req_zh if zh else req_en, style="dim", first="    • ", indent=6))
    return out


def _fines(v: Verdict, lang: str, level: Level) -> list[Para]:
    """Each provision with its amounts and conditions; by default those of the deciding
    reasons, with --details those of every reason."""
    zh = lang == "zh"
    shown = v.fines if level == "details" else tuple(dict.fromkeys(
        f for r in deciding(v) for f in r.fines)) or v.fines
    if not shown:
        return []
    out = [Para.of(say(lang, "罚款（按行为发生日适用的规定）",
                       "Penalties (the provisions in force on the day of the act)"), style="bold")]
    for f in shown:
        land = LAND_LABEL[f.land_type].get(lang)
        head = (f.provision_zh if zh else f.provision_en) + (f"（{land}）" if zh and land else
                                                            f" ({land})" if land else "")
        text = fine_range(f, v.request.actor, lang)
        if conditions := fine_conditions(f, lang):
            text += ("；" if zh else "; ") + conditions
        if f.status != "verified":
            text += f" [{CERTAINTY_LABEL[f.status].get(lang)}]"
        out.append(Para([(head + ("：" if zh else ": "), "bold"), (text, "")], first=" • ",
                        indent=3))
    return out


def _duties(v: Verdict, lang: str, level: Level) -> list[Para]:
    """Duties and alternatives in full; liabilities in one line unless --details."""
    zh = lang == "zh"
    shown = [d for d in v.duties if level == "details" or d.kind in ("duty", "alternative")]
    out = []
    if shown:
        out.append(Para.of(say(lang, "须知", "Good to know"), style="bold"))
    for note in shown:
        cite = f"（{note.document.short.zh}{note.clause}）" if zh else (
            f" ({note.document.short.en}, {note.clause})")
        out.append(Para.of((note.text_zh if zh else note.text_en) + cite, first=" • ", indent=3))
    liabilities = [d for d in v.duties if d.kind == "liability"]
    if liabilities and level != "details":
        laws = "、".join(f"《{d.document.short.zh}》{d.clause}" for d in liabilities) if zh else \
            "; ".join(f"{d.document.short.en} {d.clause}" for d in liabilities)
        out.append(Para.of(say(lang, f"引发火灾的责任：{laws}（--details 查看）",
                               f"If a fire results: {laws} (see --details)"), style="dim",
                           first=" • ", indent=3))
    return out


def _short_name(name: str) -> str:
    """A hotline's name without its parenthesised notes or second names (brief view)."""
    for mark in ("（", " (", "；", "; "):
        name = name.split(mark)[0]
    return name
