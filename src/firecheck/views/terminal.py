"""Human-readable rich output for verdicts and the loaded data, in Chinese or English."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..rules.model import RuleSet
from ..text import Text as Bilingual
from ..text import say
from ..zones.model import ZoneSet
from .layout import Para, show
from .words import CERTAINTY_LABEL, EFFECT_LABEL


def activities(console: Console, rules: RuleSet, lang: str) -> None:
    table = Table(title=say(lang, "活动", "Activities"))
    table.add_column("id", no_wrap=True)
    for head in (say(lang, "名称", "Name"), say(lang, "别名", "Aliases"), say(lang, "出处", "Source")):
        table.add_column(head, overflow="fold")
    for a in rules.activities:
        doc = rules.documents[a.document]
        table.add_row(a.id, a.name.get(lang), ", ".join(a.aliases),
                      f"{say(lang, doc.title_zh, doc.title_en)} {a.clause}")
    console.print(table)


def zones(console: Console, data: ZoneSet, lang: str) -> None:
    console.print(f"{say(lang, '区域文件', 'Zones file')}: {data.path}\n{data.version}")
    table = Table()
    table.add_column("id", no_wrap=True)
    table.add_column(say(lang, "名称", "Name"))
    table.add_column(say(lang, "几何", "Geometry"))
    table.add_column(say(lang, "缓冲", "Buffer"), no_wrap=True)
    table.add_column(say(lang, "精度", "Accuracy"), no_wrap=True)
    table.add_column(say(lang, "来源", "Source"), overflow="fold", ratio=1)
    for z in data.zones:
        geom = z.shape.geom_type if z.shape is not None else say(lang, "无（未测绘）", "none (unmapped)")
        if z.completeness == "partial":
            geom += say(lang, "（近似/不完整）", " (approximate/partial)")
        acc = f"±{z.accuracy_m:.0f} m" if z.accuracy_m is not None else "—"
        table.add_row(z.id, z.name.get(lang), geom, f"{z.buffer_m:.0f} m", acc,
                      z.geometry_source or z.source)
    console.print(table)


def periods(console: Console, rows: list[dict], year: int, lang: str) -> None:
    table = Table(title=say(lang, f"{year} 年的期间", f"Periods in {year}"))
    for head in (say(lang, "规则", "Rule"), say(lang, "期间", "Dates"), say(lang, "效力", "Effect"),
                 say(lang, "出处", "Source")):
        table.add_column(head, overflow="fold")
    for row in rows:
        dates = "\n".join(f"{a} – {b}" for a, b in row["dates"])
        if row["assumed_from_year"]:
            dates += say(lang, f"\n（沿用{row['assumed_from_year']}年通告日期，假定逐年相同）",
                        f"\n(dates of the {row['assumed_from_year']} notice, assumed to recur)")
        source = f"{row['document_title_' + lang]} {row['clause']} [{row['status']}]"
        table.add_row(row["title_" + lang], dates, EFFECT_LABEL[row["effect"]].get(lang), source)
    console.print(table)


def hotlines(console: Console, rules: RuleSet, lang: str) -> None:
    table = Table(title=say(lang, "电话", "Hotlines"))
    for head in (say(lang, "号码", "Number"), say(lang, "单位", "Who"), say(lang, "出处", "Source")):
        table.add_column(head, overflow="fold")
    for line in rules.hotlines.values():
        printed = f" ({say(lang, '原文', 'printed')} {line.printed})" if line.printed else ""
        table.add_row(line.number + printed, say(lang, line.name_zh, line.name_en),
                      f"{say(lang, line.document.title_zh, line.document.title_en)} {line.clause}")
    console.print(table)


def rules_summary(console: Console, rules: RuleSet, lang: str) -> None:
    console.print(f"{say(lang, '规则版本', 'Rules version')}: {rules.version}")
    table = Table(title=say(lang, "已载入的出处文件", "Loaded source documents"))
    for head in ("id", say(lang, "标题", "Title"), say(lang, "文号/日期", "Number / date"),
                 say(lang, "状态", "Status"), say(lang, "文件", "File")):
        table.add_column(head, overflow="fold")
    for doc in rules.documents.values():
        table.add_row(doc.id, say(lang, doc.title_zh, doc.title_en),
                      " ".join(x for x in (doc.number, str(doc.date or "")) if x),
                      CERTAINTY_LABEL[doc.status].get(lang), doc.file)
    console.print(table)
    table = Table(title=say(lang, "规则", "Rules"))
    table.add_column("id", no_wrap=True)
    for head in (say(lang, "内容", "Rule"), say(lang, "期间", "Periods"), say(lang, "条款", "Clause")):
        table.add_column(head, overflow="fold")
    for rule in rules.rules:
        when = ", ".join(p.label() for p in rule.periods)
        when += f" ({rule.year})" if rule.year else f" ({say(lang, '自', 'from')} {rule.valid_from})"
        table.add_row(rule.id, say(lang, rule.title_zh, rule.title_en), when, rule.clause)
    console.print(table)


def problems(console: Console, found: list, lang: str) -> None:
    """A zones file's problems, errors first; or a line saying there are none."""
    if not found:
        console.print(say(lang, "未发现问题。", "No problems found."))
        return
    table = Table(title=say(lang, "区域文件问题", "Zones file problems"))
    for head in (say(lang, "级别", "Level"), say(lang, "要素", "Feature"), "id",
                 say(lang, "问题", "Problem")):
        table.add_column(head, overflow="fold")
    for p in sorted(found, key=lambda p: (p.severity != "error", p.index or -1)):
        level = {"error": say(lang, "错误", "error"), "warning": say(lang, "警告", "warning")}
        table.add_row(Text(level[p.severity], style="bold red" if p.severity == "error"
                           else "yellow"), "—" if p.index is None else str(p.index),
                      p.id or "—", p.text.get(lang))
    console.print(table)


def _km(metres: float, lang: str) -> str:
    if abs(metres) >= 1000:
        return f"{metres / 1000:.1f} {say(lang, '公里', 'km')}"
    return f"{metres:.0f} {say(lang, '米', 'm')}"


def nearby(console: Console, place: Any, found: list, unmapped: list[str], zones: ZoneSet,
           warnings: tuple, lang: str) -> None:
    """The nearest zones: distance to the edge and to the ban line, direction, accuracy."""
    console.print(f"{say(lang, '位置', 'Place')}: {place.lat:.6f}, {place.lon:.6f} (WGS-84)"
                  + (f" ±{place.accuracy_m:.0f} m" if place.accuracy_m else ""))
    table = Table(title=say(lang, "最近的区域", "Nearest zones"))
    for head in (say(lang, "区域", "Zone"), say(lang, "到边界", "To edge"),
                 say(lang, "到 500 米线", "To the ban line"), say(lang, "方向", "Direction"),
                 say(lang, "精度", "Accuracy"), say(lang, "在戒严范围内？", "In the ban area?")):
        table.add_column(head, overflow="fold")
    answer = {"certain": say(lang, "是", "yes"), "near": say(lang, "无法确定", "uncertain"),
              "beyond": say(lang, "否", "no")}
    for n in found:
        edge = (say(lang, f"在区内（距边界 {_km(-n.edge_m, lang)}）",
                   f"inside ({_km(-n.edge_m, lang)} from the edge)") if n.inside
                else _km(n.edge_m, lang))
        line = (say(lang, f"线内 {_km(-n.buffer_line_m, lang)}", f"{_km(-n.buffer_line_m, lang)} "
                   "inside it") if n.buffer_line_m <= 0 else _km(n.buffer_line_m, lang))
        table.add_row(n.zone.name.get(lang), edge, line, n.direction(lang) or "—",
                      f"±{n.accuracy_m:.0f} m", answer[n.within])
    console.print(table)
    if unmapped:
        names = [zones.designation_name(d).get(lang) for d in unmapped]
        console.print(say(lang, "无（完整）边界数据、可能覆盖此处的区域：", "Zones without (complete) "
                         "boundaries that may cover this place: ") + ("、" if lang == "zh"
                                                                 else "; ").join(names),
                      style="yellow")
    for message in warnings:
        console.print(f" • {message.get(lang)}", style="dim")


CALENDAR_STYLE = {"fire_ban": "bold white on red", "lockdown_period": "bold white on magenta",
                  "fire_period": "black on yellow", "straw_ban": "white on grey37"}


def calendar(console: Console, rows: list[dict], year: int, lang: str) -> None:
    """Twelve months of days, each marked with the strongest period in force: fire ban,
    lockdown, fire-prevention period, or only the straw ban."""
    from datetime import date, timedelta

    order = list(CALENDAR_STYLE)
    marks: dict[date, str] = {}
    for row in rows:
        if row["kind"] not in CALENDAR_STYLE:
            continue
        for first, last in row["dates"]:
            day, end = date.fromisoformat(first), date.fromisoformat(last)
            while day <= end:
                if day.year == year and (day not in marks or order.index(row["kind"])
                                         < order.index(marks[day])):
                    marks[day] = row["kind"]
                day += timedelta(days=1)
    console.print(Text(say(lang, f"{year} 年", f"{year}"), style="bold"))
    names = {"fire_ban": Bilingual("防火戒严（戒严区及 500 米内禁火）", "fire ban (zones and 500 m)"),
             "lockdown_period": Bilingual("自治区戒严管制期", "regional lockdown period"),
             "fire_period": Bilingual("森林草原防火期（林地、草原禁火）", "fire-prevention period"),
             "straw_ban": Bilingual("仅秸秆禁烧（全年）", "straw-burning ban only (all year)")}
    if not console.is_terminal or console.no_color or console.width < 100:
        _calendar_runs(console, marks, year, lang, names)
    else:
        _calendar_grid(console, marks, year, lang, names, order)
    assumed = sorted({r["assumed_from_year"] for r in rows if r["assumed_from_year"]})
    if assumed:
        console.print(say(lang, f"注：{year} 年无通告，戒严日期沿用 {assumed[0]} 年通告，假定逐年相同。",
                         f"Note: no {year} notice is loaded; ban dates of the {assumed[0]} "
                         "notice are assumed to recur."), style="yellow")


def _calendar_runs(console: Console, marks: dict, year: int, lang: str, names: dict) -> None:
    """Month by month, the runs of days under each period in words: readable without
    colour (piped, redirected) and at any width."""
    from datetime import date, timedelta

    paras = []
    for month in range(1, 13):
        day, runs = date(year, month, 1), []
        while day.month == month:
            kind, start = marks.get(day), day
            while (day + timedelta(days=1)).month == month and marks.get(
                    day + timedelta(days=1)) == kind:
                day += timedelta(days=1)
            span = f"{start.day}" if start == day else f"{start.day}–{day.day}"
            what = names[kind].get(lang) if kind else say(lang, "无", "none")
            runs.append(f"{span} {what}")
            day += timedelta(days=1)
        label = f"{month:>2}月 " if lang == "zh" else f"{date(year, month, 1):%b} "
        paras.append(Para.of(("；" if lang == "zh" else "; ").join(runs), first=label))
    show(console, paras)


def _calendar_grid(console: Console, marks: dict, year: int, lang: str, names: dict,
                   order: list[str]) -> None:
    """Twelve rows of coloured days, with a key (a wide colour terminal)."""
    from datetime import date, timedelta

    for month in range(1, 13):
        line = Text(f"{month:>2}{say(lang, '月', ' ')} ")
        day = date(year, month, 1)
        while day.month == month:
            kind = marks.get(day)
            line.append(f"{day.day:>2}", style=CALENDAR_STYLE[kind] if kind else "")
            line.append(" ")
            day += timedelta(days=1)
        console.print(line)
    legend = Text(say(lang, "图例：", "Key: "))
    for kind in order:
        legend.append(" 01 ", style=CALENDAR_STYLE[kind])
        legend.append(f" {names[kind].get(lang)}  ")
    console.print(legend)
