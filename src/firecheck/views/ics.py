"""A year's periods as an iCalendar file a phone can import (one all-day event per period)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from .. import __version__

KIND_ZH = {"fire_ban": "防火戒严", "zone_entry": "戒严区准入", "vehicle_entry": "戒严区车辆准入",
           "fire_period": "森林草原防火期", "lockdown_period": "戒严管制期", "straw_ban": "秸秆禁烧"}


def calendar_ics(rows: list[dict[str, Any]], year: int) -> bytes:
    """The period rows of :func:`firecheck.report.period_rows` as iCalendar bytes."""
    cal = Calendar()
    cal.add("prodid", f"-//firecheck {__version__}//Guyang fire and straw bans//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"固阳县防火与禁烧 {year} / Guyang fire & straw bans {year}")
    for row in rows:
        for first, last in row["dates"]:
            event = Event()
            start, end = date.fromisoformat(first), date.fromisoformat(last)
            event.add("uid", f"{row['rule_id']}-{first}@firecheck")
            event.add("dtstamp", _stamp(start))
            event.add("summary", f"{KIND_ZH.get(row['kind'], row['kind'])} · {row['title_en']}")
            event.add("dtstart", start)
            event.add("dtend", end + timedelta(days=1))  # all-day events end exclusively
            event.add("description", _description(row))
            event.add("categories", [row["kind"]])
            cal.add_component(event)
    return cal.to_ical()


def _description(row: dict[str, Any]) -> str:
    lines = [row["title_zh"], row["title_en"],
             f"出处 Source: 《{row['document_title_zh']}》 {row['clause']} ({row['status']})",
             f"rule: {row['rule_id']}"]
    if row["assumed_from_year"]:
        lines.append(f"日期沿用{row['assumed_from_year']}年通告，假定逐年相同 — dates of the "
                     f"{row['assumed_from_year']} notice, assumed to recur (no notice for this "
                     "year is loaded).")
    if row["inference"]:
        lines.append("适用范围系推断 — applicability to Guyang is inferred.")
    return "\n".join(lines)


def _stamp(day: date) -> datetime:
    """A deterministic DTSTAMP (the period's first day), so the file is reproducible."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
