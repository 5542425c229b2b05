"""Words for verdicts: status labels, the answer's first line (status, one sentence, whom
to call), and one-sentence explanations of each reason."""

from __future__ import annotations

import math

from ..engine.judge import NEAR_EDGE
from ..engine.model import SEVERITY, LandCase, Reason, Verdict, ZoneHit, worst
from ..rules.model import Amount, Fine, Hotline, fine_span
from ..text import Text

STATUS_LABEL = {
    "prohibited": Text("禁止", "PROHIBITED"),
    "permit_required": Text("须经批准", "PERMIT REQUIRED"),
    "uncertain": Text("无法确定", "UNCERTAIN"),
    "allowed": Text("未禁止", "ALLOWED"),
    "out_of_scope": Text("不在本县范围", "OUT OF SCOPE"),
}
EFFECT_LABEL = {
    "prohibited": Text("禁止", "prohibited"),
    "permit_required": Text("须经批准", "permit required"),
    "uncertain": Text("无法确定", "uncertain"),
    "allowed": Text("允许（须守条件）", "allowed, on conditions"),
    "out_of_scope": Text("不适用", "not covered"),
    "not_applicable": Text("不适用", "does not apply"),
}
LAND_LABEL = {"forest": Text("林地", "forest"), "grassland": Text("草原", "grassland"),
              "farmland": Text("农田", "farmland"), "built-up": Text("城镇", "built-up areas"),
              "water": Text("水域", "water"), "any": Text("", "")}
CERTAINTY_LABEL = {
    "verified": Text("已核实", "verified"),
    "secondary": Text("二手来源", "secondary source"),
    "unconfirmed": Text("待核实", "UNCONFIRMED"),
}
FIRE_ALARM = "12119"


def status_label(status: str, lang: str) -> str:
    return STATUS_LABEL[status].get(lang)


# ----------------------------------------------------------------- the first line


def deciding(verdict: Verdict) -> list[Reason]:
    """The reasons that make the status what it is (for ``uncertain``: what it depends on)."""
    return [r for r in verdict.reasons if r.effect == verdict.status]


def action(verdict: Verdict, lang: str, general: bool = False) -> str:
    """After the status label: whom to call, then the one-sentence reason (for
    ``uncertain``: what it depends on, what each case gives, and how to act meanwhile).
    The number comes first so that it is on the first line at any width. ``general``: for
    every place that shares the verdict's reasons (a batch group), so no distance of this
    place is quoted."""
    text = _action(verdict, lang, general)
    return text if lang == "zh" else text[:1].upper() + text[1:]


def _action(verdict: Verdict, lang: str, general: bool = False) -> str:
    zh = lang == "zh"
    status = verdict.status
    reasons = deciding(verdict)
    local = _local_number(verdict, reasons)
    sep = " · "
    if status == "uncertain":
        call = (f"请拨 {local} 核实" if zh else f"call {local} to check") if local else (
            "请向县森林草原防火指挥部核实" if zh else "check with the county fire command")
        sentence = ("取决于" if zh else "Depends on ") + dependencies(verdict, lang)
        if _strictest_if_yes(reasons) == "prohibited":
            sentence += "。核实前按禁止对待" if zh else ". Until then treat as prohibited"
        return call + sep + _sentence(sentence, zh)
    if status == "out_of_scope":
        reason = (_OUTSIDE.get(lang) if general else
                  explain(verdict.reasons[0], verdict, lang) if verdict.reasons else "")
        return (f"火情报警 {FIRE_ALARM}" if zh else f"fire alarm {FIRE_ALARM}") + sep + reason
    if status == "allowed":
        return (f"发现火情 {FIRE_ALARM}" if zh else f"to report a fire {FIRE_ALARM}") + sep + \
            _sentence(_allowed(verdict, lang), zh)
    sentence = ("；" if zh else "; ").join(dict.fromkeys(summary(r, lang) for r in reasons))
    if status == "permit_required":
        call = f"审批与咨询 {local or FIRE_ALARM}" if zh else f"approval and advice {local or FIRE_ALARM}"
    else:
        numbers = [n for n in (FIRE_ALARM, local) if n]
        call = f"举报 {'、'.join(numbers)}" if zh else f"to report {', '.join(numbers)}"
    return call + sep + _sentence(sentence, zh)


_OUTSIDE = Text("不在固阳县界内（县界精度约 ±1 公里）：本工具的规则不覆盖此处。",
                "Outside the Guyang county line (known to about ±1 km): these rules do not "
                "cover this place.")
_QUALIFIER = {NEAR_EDGE: Text("近区域边界，边界精度不足以判定",
                                 "near a zone edge known too roughly to decide"),
              "_unmapped_zones": Text("区域边界未公开", "zone boundaries not published"),
              "_land_unknown": Text("地类未知", "land type unknown")}
_SCOPE_WORDS = {"outside_county": Text("不在固阳县界内", "outside the Guyang county line"),
                "near_county_boundary": Text("靠近县界（县界精度约 ±1 公里），可能不属本县",
                                             "near the county line (known to about ±1 km): "
                                             "may be outside Guyang")}


def reasons_words(verdict: Verdict, lang: str) -> str:
    """The reasons that decide the status, each in a few words: '禁止：…（固阳县防火戒严通告）'
    or '无法确定：…（地类未知；内蒙古森林草原防火条例）' — what a sheet's 依据 column shows."""
    reasons = deciding(verdict) or list(verdict.reasons)
    return ("；" if lang == "zh" else "; ").join(dict.fromkeys(
        _reason_words(r, lang) for r in reasons)) or "—"


def _reason_words(reason: Reason, lang: str) -> str:
    zh = lang == "zh"
    label = EFFECT_LABEL[reason.effect].get(lang)
    if reason.rule is None:
        words = _SCOPE_WORDS.get(reason.code)
        return f"{label}：{words.get(lang) if words else reason.code}" if zh else (
            f"{label}: {words.get(lang) if words else reason.code}")
    notes = [q.get(lang) for suffix, q in _QUALIFIER.items() if reason.code.endswith(suffix)]
    notes.append(reason.rule.document.short_zh if zh else reason.rule.document.short_en)
    text = summary(reason, lang)
    return f"{label}：{text}（{'；'.join(notes)}）" if zh else f"{label}: {text} ({'; '.join(notes)})"


def _sentence(text: str, zh: str | bool) -> str:
    text = text.rstrip("。.")
    return f"{text}。" if zh else (text[:1].upper() + text[1:] + ".")


def summary(reason: Reason, lang: str) -> str:
    """The rule in one sentence: its summary, or the exception the activity claims."""
    rule = reason.rule
    if rule is None:
        return reason.code
    if reason.exception is not None:
        return reason.exception.text_zh if lang == "zh" else reason.exception.text_en
    text = (rule.summary_zh if lang == "zh" else rule.summary_en) or (
        rule.title_zh if lang == "zh" else rule.title_en)
    if reason.basis is not None:
        cite = reason.basis.provision_zh if lang == "zh" else reason.basis.provision_en
        text += f"（{cite}）" if lang == "zh" else f" ({cite})"
    return text


def dependencies(verdict: Verdict, lang: str) -> str:
    """What an uncertain verdict depends on, in one clause per kind of unknown fact (the
    zones, the land type, the county line), and what the answer is if it holds."""
    zh = lang == "zh"
    reasons = deciding(verdict)
    parts = []
    zoned = [r for r in reasons if r.zones]
    if zoned:
        names = list(dict.fromkeys(_name(z, lang) for r in zoned for z in r.zones))
        named = names[0] if len(names) == 1 else (
            f"{names[0]}等 {len(names)} 处区域" if zh else f"one of {len(names)} listed zones")
        reach = any(r.rule is not None and r.rule.where == "zones_and_buffer" for r in zoned)
        unknown = any(z.completeness == "unmapped" for r in zoned for z in r.zones)
        edge = ("边界未公开" if unknown else "边界仅有近似位置") if zh else (
            "boundaries not published" if unknown else "boundaries only approximate")
        parts.append((f"此处是否在{named}内" + (f"或其边缘{_buffer(zoned[0])}米内" if reach else "")
                      + f"（{edge}）") if zh else (
            "whether this is " + (f"within {_buffer(zoned[0])} m of " if reach else "inside ")
            + named + f" ({edge})"))
    landed = [c for r in reasons for c in r.cases if c.effect in SEVERITY]
    if landed:
        lands = "、".join(dict.fromkeys(LAND_LABEL[c.land].zh for c in landed)) if zh else \
            " or ".join(dict.fromkeys(LAND_LABEL[c.land].en for c in landed))
        parts.append(f"此处是否为{lands}" if zh else f"whether it is {lands}")
    for r in reasons:
        if not r.zones and not r.cases and r.code != "near_county_boundary":
            parts.append(depends(r, verdict, lang))
    joined = ("，以及" if zh else " and ").join(dict.fromkeys(parts))
    others = worst([r.effect for r in verdict.reasons if r.effect != "uncertain"] or ["allowed"])
    if_yes = _strictest_if_yes([r for r in reasons if r.code != "near_county_boundary"])
    if parts and if_yes != others and if_yes in EFFECT_LABEL:
        no = _plain(others, lang)
        joined += (f"：是则{EFFECT_LABEL[if_yes].zh}，否则{no}" if zh
                   else f": if so {EFFECT_LABEL[if_yes].en}, else {no}")
    if any(r.code == "near_county_boundary" for r in reasons):
        inside = _plain(worst([if_yes, others]) if parts else others, lang)
        county = (f"此处是否在固阳县界内（县界精度约 ±1 公里）：在则{inside}，否则不在本县范围" if zh
                  else f"whether this is inside the Guyang county line (known to about ±1 km): "
                  f"if so {inside}, if not outside these rules")
        joined = ("；" if zh else "; and on ").join(p for p in (joined, county) if p)
    return joined


def _plain(status: str, lang: str) -> str:
    """A status in running text ('未禁止' rather than the conditional 'allowed')."""
    if status == "allowed":
        return "未禁止" if lang == "zh" else "allowed"
    return EFFECT_LABEL[status].get(lang)


def depends(reason: Reason, verdict: Verdict, lang: str) -> str:
    """What an uncertain reason depends on, and what each case gives."""
    zh = lang == "zh"
    if reason.code == "near_county_boundary":
        return ("此处是否在固阳县界内（县界精度约 ±1 公里）" if zh
                else "whether this is inside the Guyang county line (known to about ±1 km)")
    if reason.cases:
        return _cases(reason.cases, lang)
    rule = reason.rule
    assert rule is not None
    yes = EFFECT_LABEL[rule.effect].get(lang)
    no = EFFECT_LABEL.get(_if_no(verdict, reason), EFFECT_LABEL["allowed"]).get(lang)
    no = no if _if_no(verdict, reason) != "allowed" else ("未禁止" if zh else "allowed")
    reach = (f"或其边缘{_buffer(reason)}米内" if zh else f" or within {_buffer(reason)} m of it") \
        if rule.where == "zones_and_buffer" else ""
    if reason.code.endswith("_unmapped_zones"):
        names = _names(reason.zones, lang)
        where = (f"此处是否在{names}内{reach}（边界未公开）" if zh else
                 f"whether this is inside {names}{reach} (boundaries not published)")
    elif reason.code.endswith(NEAR_EDGE):
        z = reason.zones[0]
        where = (f"此处是否在{_name(z, lang)}内{reach}（边界精度 ±{z.accuracy_m or 0:.0f} 米）" if zh
                 else f"whether this is inside {_name(z, lang)}{reach} (edge known to "
                 f"±{z.accuracy_m or 0:.0f} m)")
    else:  # a rule whose own effect is uncertain (the regional lockdown zones)
        where = summary(reason, lang) + ("（区域未载入）" if zh else " (its zones are not loaded)")
        return where
    return (f"{where}：是则{yes}，否则{no}" if zh else f"{where}: if so {yes}, if not {no}")


def _cases(cases: tuple[LandCase, ...], lang: str) -> str:
    """'地类：林地、草原上禁止；农田、城镇、水域不适用' — land types grouped by effect."""
    zh = lang == "zh"
    groups: dict[str, list[str]] = {}
    for case in cases:
        groups.setdefault(case.effect, []).append(LAND_LABEL[case.land].get(lang))
    order = sorted(groups, key=lambda e: -SEVERITY.get(e, -1))
    parts = [("、".join(lands) + ("上" if e != "not_applicable" else "") + EFFECT_LABEL[e].zh)
             if zh else f"{EFFECT_LABEL[e].en} on {', '.join(lands)}"
             for e, lands in ((e, groups[e]) for e in order)]
    return ("地类：" if zh else "the land type: ") + ("；" if zh else "; ").join(parts)


def _if_no(verdict: Verdict, reason: Reason) -> str:
    """The status the other reasons give when this uncertain one does not hold."""
    others = [r.effect for r in verdict.reasons if r is not reason and r.effect != "uncertain"]
    return worst(others or ["allowed"])


def _strictest_if_yes(reasons: list[Reason]) -> str:
    effects = [c.effect for r in reasons for c in r.cases] + [
        r.rule.effect for r in reasons if r.rule is not None and not r.cases]
    return worst([e for e in effects if e in SEVERITY] or ["allowed"])  # type: ignore[misc]


def _allowed(verdict: Verdict, lang: str) -> str:
    zh = lang == "zh"
    conditional = [r for r in verdict.reasons if r.effect == "allowed"]
    if conditional:
        return summary(conditional[0], lang)
    activity = verdict.activity.name.get(lang)
    return (f"此时此地没有已载入的规则禁止或限制{activity}" if zh
            else f"no loaded rule forbids or conditions this ({activity}) here on this day")


def _local_number(verdict: Verdict, reasons: list[Reason]) -> str | None:
    """The first local number the deciding rules give (not the 12119 fire alarm)."""
    wanted = [h for r in reasons if r.rule for h in r.rule.hotlines]
    by_id = {h.id: h.number for h in verdict.hotlines}
    for hid in wanted:
        number = by_id.get(hid) or _number_of(verdict.hotlines, hid)
        if number and number != FIRE_ALARM:
            return number
    return next((h.number for h in verdict.hotlines if h.number != FIRE_ALARM), None)


def _number_of(lines: tuple[Hotline, ...], hid: str) -> str | None:
    return next((h.number for h in lines if h.id == hid), None)


def _buffer(reason: Reason) -> str:
    buffers = {z.buffer_m for z in reason.zones if z.buffer_m}
    return f"{max(buffers):.0f}" if buffers else "500"


def _names(zones: tuple[ZoneHit, ...], lang: str) -> str:
    names = [_name(z, lang) for z in zones]
    if len(names) <= 2:
        return ("、" if lang == "zh" else " or ").join(names)
    return (f"{'、'.join(names[:2])}等 {len(names)} 处区域" if lang == "zh"
            else f"{', '.join(names[:2])} or {len(names) - 2} more zones")


def _name(z: ZoneHit, lang: str) -> str:
    return z.name_zh if lang == "zh" else z.name_en


# ----------------------------------------------------------------- explanations


def explain(reason: Reason, verdict: Verdict, lang: str) -> str:
    """One or two sentences saying why this reason applies."""
    zh = lang == "zh"
    edge = verdict.place.county_edge_m
    if reason.code == "outside_county":
        if edge is None or not math.isfinite(edge):  # beyond the plane (PROJ gives inf)
            if zh:
                return "远在固阳县界之外：本工具的规则不覆盖此处。"
            return "Far outside the Guyang county line: these rules do not cover this place."
        if zh:
            return f"位于固阳县界外约 {edge / 1000:.1f} 公里（县界精度约 ±1 公里）：本工具的规则不覆盖此处。"
        return (f"About {edge / 1000:.1f} km outside the Guyang county line (known to about "
                "±1 km): these rules do not cover this place.")
    if reason.code == "near_county_boundary":
        edge = edge or 0.0
        if zh:
            side = "县界内" if edge <= 0 else "县界外"
            return (f"距县界约 {abs(edge):.0f} 米（{side}），在县界位置误差范围内："
                    "此处可能不属固阳县，上述规定可能不适用。")
        side = "inside" if edge <= 0 else "outside"
        return (f"About {abs(edge):.0f} m {side} the county line, within the line's uncertainty: "
                "the place may lie outside Guyang, where these rules do not apply.")
    rule = reason.rule
    assert rule is not None
    title = rule.title_zh if zh else rule.title_en
    if reason.code.endswith("_unmapped_zones"):
        names = ("、" if zh else "; ").join(_zone_name(z, lang) for z in reason.zones)
        if zh:
            return (f"{title}。此处不在任何已测绘区域的范围内，但以下区域没有（完整的）边界数据，"
                    f"可能覆盖此处：{names}。请向县森林草原防火指挥部核实。")
        return (f"{title}. Not within any mapped zone, but these listed zones have no (complete) "
                f"boundary data and may cover this place: {names}. Check with the county fire "
                "command.")
    if reason.zones:
        describe = _near if reason.code.endswith(NEAR_EDGE) else _hit
        # Nearest first (what is stated, then inside, then by distance to the edge); among
        # parcels a place meets dozens, and only the first few are read in the field.
        hits = sorted(reason.zones, key=lambda z: (z.source != "stated", z.position != "inside",
                                                   abs(z.edge_m or 0.0)))
        parts = [describe(z, lang) for z in hits[:_LISTED]]
        if len(hits) > _LISTED:
            more = len(hits) - _LISTED
            parts.append(f"另有 {more} 处区域（完整列表见 JSON 结果）" if zh
                         else f"and {more} more zones (every one in the JSON answer)")
        return f"{title}。" + "；".join(parts) + "。" if zh else f"{title}. " + "; ".join(parts) + "."
    if reason.cases:
        return (f"{title}。此处地类未知——{_cases(reason.cases, lang)}。" if zh
                else f"{title}. The land type here is not known — {_cases(reason.cases, lang)}.")
    if reason.basis is not None:
        basis = reason.basis
        law = (f"{basis.provision_zh}：{basis.rule_zh}" if zh
               else f"{basis.provision_en}: {basis.rule_en}")
        if reason.exception is not None:
            law += (f"；{reason.exception.clause}：{reason.exception.text_zh}" if zh
                    else f"; {reason.exception.clause}: {reason.exception.text_en}")
        return f"{title}（{law}）" if zh else f"{title} ({law})"
    condition = rule.condition_zh if zh else rule.condition_en
    if not condition:
        return title
    return f"{title}（{condition}）" if zh else f"{title} ({condition})"


_LISTED = 3  # zones a reason's sentence names; the rest are counted


def _zone_name(z: ZoneHit, lang: str) -> str:
    name = z.name_zh if lang == "zh" else z.name_en
    state = {"unmapped": Text("无边界", "unmapped"),
             "partial": Text("仅有近似位置", "approximate only")}
    return f"{name}（{state[z.completeness].get(lang)}）" if lang == "zh" else (
        f"{name} ({state[z.completeness].get(lang)})")


def _hit(z: ZoneHit, lang: str) -> str:
    name = z.name_zh if lang == "zh" else z.name_en
    if z.source == "stated":
        return f"位于{name}内（用户所述）" if lang == "zh" else f"inside {name} (stated by you)"
    d = abs(z.edge_m or 0.0)
    if z.position == "inside":
        return f"位于{name}内（距边界 {d:.0f} 米）" if lang == "zh" else (
            f"inside {name} ({d:.0f} m from its edge)")
    return (f"距{name}边界 {d:.0f} 米，在 {z.buffer_m:.0f} 米缓冲区内" if lang == "zh"
            else f"{d:.0f} m from the edge of {name}, within its {z.buffer_m:.0f} m buffer")


def _near(z: ZoneHit, lang: str) -> str:
    name = z.name_zh if lang == "zh" else z.name_en
    edge = z.edge_m or 0.0
    where = (f"位于{name}近似范围内" if edge <= 0 else f"距{name}近似边界 {edge:.0f} 米") if (
        lang == "zh") else (f"inside the approximate outline of {name}" if edge <= 0
                            else f"{edge:.0f} m from the approximate edge of {name}")
    return (f"{where}；界线为 {z.buffer_m:.0f} 米，而边界位置精度仅 ±{z.accuracy_m:.0f} 米，无法判定"
            if lang == "zh" else f"{where}; the line is at {z.buffer_m:.0f} m but the edge is "
            f"known only to ±{z.accuracy_m:.0f} m, so this cannot be decided")


# ----------------------------------------------------------------- fines


def amount_text(amount: Amount | None, lang: str) -> str:
    """'200–3000元' / '200–3,000 yuan'; '—' when the provision sets none."""
    if amount is None:
        return "—"
    unit = "元" if lang == "zh" else " yuan"
    if amount.min is None:
        return f"≤{amount.max:,}{unit}" if lang != "zh" else f"{amount.max}元以下"
    if amount.max is None:
        return f"≥{amount.min:,}{unit}" if lang != "zh" else f"{amount.min}元以上"
    return f"{amount.min:,}–{amount.max:,}{unit}" if lang != "zh" else (
        f"{amount.min}–{amount.max}元")


def fine_range(fine: Fine, actor: str | None, lang: str) -> str:
    """The amounts of a fine for the actor (or both), or why there are none."""
    if fine.status == "unconfirmed" and not (fine.individual or fine.unit):
        return "条号与数额待核实" if lang == "zh" else "article and amount pending verification"
    parts = []
    for who, amount in (("individual", fine.individual), ("unit", fine.unit)):
        if actor in (None, who) and amount is not None:
            label = {"individual": Text("个人", "individual"), "unit": Text("单位", "unit")}[who]
            parts.append(f"{label.get(lang)} {amount_text(amount, lang)}")
    if fine.multiple_en:
        parts.append(fine.multiple_zh if lang == "zh" else fine.multiple_en)
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def fine_conditions(fine: Fine, lang: str) -> str:
    """When a provision applies and what else it orders: its condition, then its other
    measures (warning, order to stop, detention …)."""
    zh = lang == "zh"
    parts = [t for t in ((fine.condition_zh if zh else fine.condition_en),
                         (fine.also_zh if zh else fine.also_en)) if t]
    return ("；" if zh else "; ").join(parts)


def fines_summary(verdict: Verdict, lang: str) -> str | None:
    """'个人 200–5000元，单位 2000–50000元' over the unconditional fines of the deciding
    reasons; None when none apply."""
    fines = [f for r in deciding(verdict) for f in r.fines] or list(verdict.fines)
    return fines_text(fines, verdict.request.actor, lang)


def fines_text(fines: list[Fine], actor: str | None, lang: str) -> str | None:
    """The fines' ranges for ``actor`` (or both): '个人 200–5000元，单位 2000–50000元'; None
    when none sets an amount or is pending."""
    zh = lang == "zh"
    parts = []
    for who, label in (("individual", Text("个人", "individuals")), ("unit", Text("单位", "units"))):
        if actor not in (None, who):
            continue
        span = fine_span(fines, who)
        if span == "pending":
            parts.append(f"{label.get(lang)} {'数额待核实' if zh else 'amount pending verification'}")
        elif span is not None:
            parts.append(f"{label.get(lang)} {amount_text(span, lang)}")
    if not parts:
        return None
    lands = {f.land_type for f in fines} - {"any"}
    extra = ("（视地类）" if zh else " (by land type)") if len(lands) > 1 else ""
    return ("，" if zh else ", ").join(parts) + extra
