"""Local calendar dates for Guyang County, which keeps Beijing time (Asia/Shanghai, UTC+8)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from dateutil import tz


def _load_local_tz() -> tzinfo:
    """Asia/Shanghai from the system or dateutil's bundled zoneinfo; raise if neither has it."""
    zone = tz.gettz("Asia/Shanghai")
    if zone is None:
        raise RuntimeError("time zone Asia/Shanghai not found (system zoneinfo or dateutil's)")
    return zone


LOCAL_TZ: tzinfo = _load_local_tz()


def local_today() -> date:
    """Today's date in Asia/Shanghai."""
    return datetime.now(LOCAL_TZ).date()


def date_text(day: date) -> str:
    """A date from Python as the ISO text a date field reads: a date-time as its local
    calendar date (:func:`to_local_date`), so every offset reads, even one of seconds."""
    return (to_local_date(day) if isinstance(day, datetime) else day).isoformat()


def to_local_date(dt: datetime) -> date:
    """The Asia/Shanghai calendar date of ``dt``; a naive ``dt`` is taken as local time already."""
    if dt.utcoffset() is None:
        return dt.date()
    return dt.astimezone(LOCAL_TZ).date()
