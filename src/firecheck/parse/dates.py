"""Dates as people type them, as local calendar dates in Asia/Shanghai: ISO, slashes,
compact, Chinese (2023年4月1日, 4月1日 for this year), ISO date-times with an offset, and
today/今天; ranges A..B, A至B, A到B, A~B. :func:`parse_when` is the one place that turns a
date, a range or a from/to pair into the days of a request."""

from __future__ import annotations

import re
from datetime import date, timedelta

from ..errors import InputError
from .forms import Typed, normalise
from .localtime import to_local_date

MAX_SPAN_DAYS = 3660
YEARS = (1900, 2200)  # the years a request may name: the rules speak of nothing else

_DAY_OFFSETS = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "yesterday": -1,
    "昨天": -1,
    "昨日": -1,
    "tomorrow": 1,
    "明天": 1,
    "明日": 1,
}
_NUMERIC_DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_CHINESE_DATE = re.compile(r"(?:([0-9]{4})\s*年\s*)?([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号號]?")
_ISO_DATETIME = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})[Tt ][0-9].*", re.DOTALL)
_SPAN_SEPARATOR = re.compile(r"\s*(?:\.{2,3}|至|到|~)\s*")


def _make_date(src: Typed, piece: str, year: str, month: str, day: str) -> date:
    """``date(year, month, day)``, or an InputError saying ``piece`` is no such date."""
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise src.error(
            f"不存在“{piece}”这一天（{year}年{month}月{day}日）。",
            f"there is no such date as '{piece}' (year {year}, month {month}, day {day}).",
        ) from None


def _datetime_date(src: Typed, piece: str, match: re.Match[str]) -> date:
    """The Asia/Shanghai date of an ISO 8601 date-time; naive times are already local."""
    from dateutil.parser import isoparse  # 8 ms of imports a plain date never needs

    _make_date(src, piece, match[1], match[2], match[3])
    try:
        moment = isoparse(piece)
    except (ValueError, OverflowError):
        raise src.error(
            f"“{piece}”不是有效的ISO 8601日期时间（例如 2023-03-14T16:30+08:00）。",
            f"'{piece}' is not a valid ISO 8601 date-time (e.g. 2023-03-14T16:30+08:00).",
        ) from None
    try:
        return to_local_date(moment)
    except OverflowError:
        raise _out_of_range(src, piece) from None


def _out_of_range(src: Typed, piece: str) -> InputError:
    """``piece`` names a day outside years 1..9999."""
    return src.error(
        f"“{piece}”超出支持的日期范围（公元1-9999年）。",
        f"'{piece}' is outside the supported dates (years 1-9999).",
    )


def _read_date(src: Typed, piece: str, today: date) -> date:
    """The local date written as ``piece`` (normalised), reporting errors against ``src``;
    only in the years :data:`YEARS`."""
    day = _read_any_date(src, piece, today)
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise src.error(f"年份 {day.year} 不在 {YEARS[0]}–{YEARS[1]} 之间。",
                        f"the year {day.year} is outside {YEARS[0]}–{YEARS[1]}.")
    return day


def _read_any_date(src: Typed, piece: str, today: date) -> date:
    if (days := _DAY_OFFSETS.get(piece.casefold())) is not None:
        try:
            return today + timedelta(days=days)
        except OverflowError:
            raise _out_of_range(src, piece) from None
    if match := _NUMERIC_DATE.fullmatch(piece):
        return _make_date(src, piece, match[1], match[3], match[4])
    if match := _COMPACT_DATE.fullmatch(piece):
        return _make_date(src, piece, match[1], match[2], match[3])
    if match := _CHINESE_DATE.fullmatch(piece):
        return _make_date(src, piece, match[1] or str(today.year), match[2], match[3])
    if match := _ISO_DATETIME.fullmatch(piece):
        return _datetime_date(src, piece, match)
    raise src.error(f"“{piece}”不是可识别的日期。", f"'{piece}' is not a recognised date.")


def parse_date(text: str, today: date) -> date:
    """Read a date (ISO, slash/dot, compact, Chinese, ISO date-time or keyword) as a local date."""
    src = Typed(text, normalise(text), "date")
    if not src.norm:
        raise src.error("未提供日期。", "no date was given.")
    return _read_date(src, src.norm, today)


def parse_date_span(text: str, today: date) -> tuple[date, date]:
    """Read "A..B" (or A至B, A到B, A~B) or a single date as an inclusive (start, end)."""
    src = Typed(text, normalise(text), "span")
    if not src.norm:
        raise src.error("未提供日期范围。", "no date range was given.")
    parts = _SPAN_SEPARATOR.split(src.norm)
    if len(parts) == 1:  # one day: read (and refused) as a date
        day = _read_date(Typed(text, src.norm, "date"), src.norm, today)
        return day, day
    if len(parts) > 2:
        raise src.error("出现了多个范围分隔符。", "more than one range separator.")
    if not all(parts):
        raise src.error("缺少开始或结束日期。", "the start or end date is missing.")
    start = _read_date(src, parts[0], today)
    if assumes_year(parts[-1]):  # 2023年4月1日至4月10日: the end in the start's year, or the next
        end = _read_date(src, parts[-1], date(start.year, 1, 1))
        if end < start:  # 12月25日至1月5日
            end = _read_date(src, parts[-1], date(start.year + 1, 1, 1))
    else:
        end = _read_date(src, parts[-1], today)
    if start > end:
        error = src.error(f"开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}。",
                          f"the start {start.isoformat()} is after the end {end.isoformat()}.")
        error.code = "range_reversed"
        raise error
    _check_length(start, end, src)
    return start, end


def assumes_year(text: str) -> bool:
    """Whether ``text`` starts with a day named by month and day only (4月1日, read in today's
    year; a range's end without a year takes its start's)."""
    first = _SPAN_SEPARATOR.split(normalise(text))[0]
    return (m := _CHINESE_DATE.fullmatch(first)) is not None and not m[1]


def parse_when(on: str | None, start: str | None, end: str | None,
               today: date) -> tuple[date, date]:
    """The first and last day of a request from a date or range (``on``) or a from/to
    pair (``start``, ``end``), checked alike whichever form is used. Default: today."""
    if on and (start or end):
        raise InputError("--date 与 --from/--to 只能二选一",
                         "give either --date or --from/--to, not both", code="invalid_date")
    if start or end:
        if not (start and end):
            raise InputError("日期范围需要同时给出 --from 和 --to", "a range needs both --from and --to",
                             code="invalid_date")
        first, last = parse_date(start, today), parse_date(end, today)
        if first > last:
            raise InputError(f"--from {first} 晚于 --to {last}", f"--from {first} is after --to {last}",
                             code="invalid_date")
        _check_length(first, last)
        return first, last
    if on is None:
        return today, today
    return parse_date_span(on, today)


def _check_length(start: date, end: date, src: Typed | None = None) -> None:
    """At most MAX_SPAN_DAYS days, quoting the typed range when there is one."""
    days = (end - start).days + 1
    if days > MAX_SPAN_DAYS:
        zh = f"该范围共 {days} 天，最多允许 {MAX_SPAN_DAYS} 天。"
        en = f"the range covers {days} days; at most {MAX_SPAN_DAYS} are allowed."
        raise src.error(zh, en) if src is not None else InputError(zh, en, code="invalid_date")


def check_year(year: int) -> int:
    """``year`` if the rules can speak of it (:data:`YEARS`), else an InputError."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise InputError(f"年份 {year} 超出范围（{YEARS[0]}–{YEARS[1]}）",
                         f"year {year} is out of range ({YEARS[0]}–{YEARS[1]})", code="invalid_year")
    return year
