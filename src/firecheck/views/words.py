"""Words for verdicts: status labels and one-sentence explanations of each reason."""

from __future__ import annotations

import math

from ..engine.model import Reason, Verdict, ZoneHit
from ..rules.model import Amount, Fine
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
    "out_of_scope": Text("不适用", "not covered"),
}
LAND_LABEL = {"forest": Text("林地", "forest"), "grassland": Text("草原", "grassland"), "any": Text("", "")}
CERTAINTY_LABEL = {
    "verified": Text("已核实", "verified"),
    "secondary": Text("二手来源", "secondary source"),
    "unconfirmed": Text("待核实", "UNCONFIRMED"),
}


def status_label(status: str, lang: str) -> str:
    return STATUS_LABEL[status].get(lang)


def explain(reason: Reason, verdict: Verdict, lang: str) -> str:
    """One or two sentences saying why this reason applies."""
    zh = lang == "zh"
    edge = verdict.place.county_edge_m
    if reason.code == "outside_county":
        if not math.isfinite(edge):  # beyond the local plane's reach (PROJ gives inf)
            if zh:
                return "远在固阳县界之外：本工具的规则不覆盖此处。"
            return "Far outside the Guyang county line: these rules do not cover this place."
        if zh:
            return f"位于固阳县界外约 {edge / 1000:.1f} 公里（县界精度约 ±1 公里）：本工具的规则不覆盖此处。"
        return (f"About {edge / 1000:.1f} km outside the Guyang county line (known to about "
                "±1 km): these rules do not cover this place.")
    if reason.code == "near_county_boundary":
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
        describe = _near if reason.code.endswith("_near_edge") else _hit
        parts = [describe(z, lang) for z in reason.zones]
        return f"{title}。" + "；".join(parts) + "。" if zh else f"{title}. " + "; ".join(parts) + "."
    condition = rule.condition_zh if zh else rule.condition_en
    if not condition:
        return title
    return f"{title}（{condition}）" if zh else f"{title} ({condition})"


def _zone_name(z: ZoneHit, lang: str) -> str:
    name = z.name_zh if lang == "zh" else z.name_en
    state = {"unmapped": Text("无边界", "unmapped"), "partial": Text("仅有近似位置", "approximate only")}
    return f"{name}（{state[z.completeness].get(lang)}）" if lang == "zh" else (
        f"{name} ({state[z.completeness].get(lang)})")


def _hit(z: ZoneHit, lang: str) -> str:
    name = z.name_zh if lang == "zh" else z.name_en
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


def amount_text(amount: Amount | None, lang: str) -> str:
    """'200–3000 元' / '200–3,000 yuan'; '—' when the provision sets none."""
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
