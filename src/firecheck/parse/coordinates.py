"""Parsers for user-typed coordinates and dates.

Every failure raises :class:`InputError` in English and Chinese, naming the offending text and
the accepted forms. Dates come back as local calendar dates in Asia/Shanghai.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.parser import isoparse

from firecheck.errors import InputError
from firecheck.localtime import to_local_date
from firecheck.messages import Message

MAX_SPAN_DAYS = 3660
YEARS = (1900, 2200)  # the years a request may name: the rules speak of nothing else

_DATE_FORMS_EN = (
    "2023-04-01, 2023/4/1, 2023.4.1, 20230401, 2023年4月1日, 4月1日 (this year), "
    "2023-03-14T16:30+08:00 (converted to Beijing time), today, yesterday, tomorrow"
)
_DATE_FORMS_ZH = (
    "2023-04-01、2023/4/1、2023.4.1、20230401、2023年4月1日、4月1日（今年）、"
    "2023-03-14T16:30+08:00（换算为北京时间）、今天、昨天、明天"
)

# What each parser reads, for error messages: (name en, name zh, accepted forms en, zh).
_KINDS: dict[str, tuple[str, str, str, str]] = {
    "point": (
        "coordinates",
        "坐标",
        '"41.03,110.05", "41.03 110.05", "41.03N 110.05E", "N41.03 E110.05", '
        '"41°02′30″N 110°03′00″E", "41°02.5′N 110°03′E", "41 02 30 N 110 03 00 E", '
        '"北纬41.03 东经110.05" (latitude first unless N/S/E/W letters say otherwise)',
        "“41.03,110.05”、“41.03 110.05”、“41.03N 110.05E”、“N41.03 E110.05”、"
        "“41°02′30″N 110°03′00″E”、“41°02.5′N 110°03′E”、“41 02 30 N 110 03 00 E”、"
        "“北纬41.03 东经110.05”（无N/S/E/W字母时纬度在前）",
    ),
    "lat": (
        "latitude",
        "纬度",
        '"41.03", "-41.03", "41.03N", "41°02′30″N", "41°02.5′N", "北纬41度2分30秒"',
        "“41.03”、“-41.03”、“41.03N”、“41°02′30″N”、“41°02.5′N”、“北纬41度2分30秒”",
    ),
    "lon": (
        "longitude",
        "经度",
        '"110.05", "-110.05", "110.05E", "110°03′00″E", "110°03.0′E", "东经110度3分"',
        "“110.05”、“-110.05”、“110.05E”、“110°03′00″E”、“110°03.0′E”、“东经110度3分”",
    ),
    "date": ("date", "日期", _DATE_FORMS_EN, _DATE_FORMS_ZH),
    "span": (
        "date range",
        "日期范围",
        "2023-05-25..2023-06-05, 2023-05-25至2023-06-05, 5月25日到6月5日, "
        "2023/5/25~2023/6/5, or a single date; each date as " + _DATE_FORMS_EN,
        "2023-05-25..2023-06-05、2023-05-25至2023-06-05、5月25日到6月5日、"
        "2023/5/25~2023/6/5，或单个日期；日期格式：" + _DATE_FORMS_ZH,
    ),
}


@dataclass(frozen=True)
class _Source:
    """The user's text as typed (``text``) and normalised (``norm``), and what it should be."""

    text: str
    norm: str
    kind: str

    def error(self, en: str, zh: str) -> InputError:
        """An InputError quoting the input, saying what is wrong and listing the accepted forms."""
        what_en, what_zh, forms_en, forms_zh = _KINDS[self.kind]
        return InputError(
            f"Cannot read {what_en} '{self.text}': {en} Accepted forms: {forms_en}.",
            f"无法识别{what_zh}“{self.text}”：{zh}可接受的格式：{forms_zh}。",
        )


# Characters NFKC leaves alone (or maps badly) that people type for degrees, minus and ranges.
_PRE_NFKC = str.maketrans({"º": "°", "˚": "°", "−": "-", "〜": "~"})


def _normalise(text: str) -> str:
    """NFKC-normalise (full-width digits and punctuation to ASCII) and strip whitespace."""
    return unicodedata.normalize("NFKC", text.translate(_PRE_NFKC)).replace("′′", "″").strip()


# ---------------------------------------------------------------------------------- coordinates


@dataclass(frozen=True)
class ParsedPoint:
    """A latitude/longitude pair in decimal degrees, with notes on how it was read."""

    lat: float
    lon: float
    warnings: tuple[Message, ...] = ()


@dataclass(frozen=True)
class _Token:
    """One lexical piece of a coordinate: kind, text and position in the normalised input."""

    kind: str
    text: str
    start: int
    end: int


_SPECIAL = r"[+-]?(?:nan|inf(?:inity)?)"
_NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+)?"
_MARKS = {
    "hemi": r"[北南][纬緯]|[东東西][经經]|[NSEW]",
    "sec": r"″|''|’’|\"|”|秒",
    "min": r"′|'|’|分",
    "deg": r"°|度",
    "sep": r"[,;、]",
}


def _token_regex(number: str) -> re.Pattern[str]:
    """The tokeniser regex with ``number`` as the number pattern.

    Case folding is ASCII-only: with Unicode folding "ınf" (dotless i) would match "inf".
    """
    parts = {"ws": r"\s+", "special": _SPECIAL, "num": number, **_MARKS}
    pattern = "|".join(f"(?P<{kind}>{regex})" for kind, regex in parts.items())
    return re.compile(pattern, re.IGNORECASE | re.ASCII)


# "E" is an exponent only in plain decimal input with no other hemisphere letter or unit mark.
_TOKEN = _token_regex(_NUMBER)
_PLAIN_TOKEN = _token_regex(_NUMBER + r"(?:e[+-]?[0-9]+)?")
_NOT_PLAIN = re.compile(r"[NSW北南东東西纬緯经經°度′'’″\"”分秒]", re.IGNORECASE | re.ASCII)
_SPECIAL_WORD = re.compile(_SPECIAL, re.IGNORECASE | re.ASCII)
_PIECE_END = re.compile(r"[\s,;、]")


def _tokenise(src: _Source) -> list[_Token]:
    """Split the normalised text into tokens, dropping whitespace; reject anything unknown."""
    plain = not _NOT_PLAIN.search(_SPECIAL_WORD.sub("", src.norm))
    pattern = _PLAIN_TOKEN if plain else _TOKEN
    tokens: list[_Token] = []
    pos = 0
    while pos < len(src.norm):
        match = pattern.match(src.norm, pos)
        if match is None:
            piece = _PIECE_END.split(src.norm[pos:], maxsplit=1)[0]
            raise src.error(f"unexpected text '{piece}'.", f"无法识别的内容“{piece}”。")
        if match.lastgroup != "ws":
            tokens.append(_Token(str(match.lastgroup), match.group(), pos, match.end()))
        pos = match.end()
    return tokens


@dataclass
class _Number:
    """A number token and the unit mark (kind "deg", "min" or "sec") after it, if any."""

    token: _Token
    unit: _Token | None = None

    @property
    def tokens(self) -> list[_Token]:
        """The number and its unit mark."""
        return [self.token] if self.unit is None else [self.token, self.unit]


@dataclass
class _Group:
    """Numbers sharing one hemisphere letter (or none), between letters and separators."""

    numbers: list[_Number] = field(default_factory=list)
    hemi: _Token | None = None


@dataclass(frozen=True)
class _Value:
    """One signed coordinate value; ``axis`` is "lat"/"lon" when a hemisphere letter says so."""

    number: float
    axis: str | None
    text: str


def _snippet(src: _Source, tokens: list[_Token]) -> str:
    """The normalised input covered by ``tokens``."""
    return src.norm[min(t.start for t in tokens) : max(t.end for t in tokens)]


def _segments(src: _Source, tokens: list[_Token]) -> list[list[_Token]]:
    """Split tokens at separators; an empty piece (",41" or "41,,110") is an error."""
    segments: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind == "sep":
            segments.append([])
        else:
            segments[-1].append(token)
    if any(not segment for segment in segments):
        raise src.error("a separator (, ;) has no value on one side.", "分隔符（, ;）的一侧没有数值。")
    return segments


def _groups(src: _Source, segment: list[_Token]) -> list[_Group]:
    """Group a separator-free run of tokens by hemisphere letters (prefix or suffix)."""
    groups: list[_Group] = []
    current = _Group()
    for token in segment:
        if token.kind == "hemi":
            if current.numbers and current.hemi is None:  # suffix: "41.03N"
                current.hemi = token
                groups.append(current)
                current = _Group()
                continue
            if current.numbers:  # prefix of the next value: "N41.03 E110.05"
                groups.append(current)
                current = _Group()
            elif current.hemi is not None:
                raise src.error(
                    f"two hemisphere letters in a row ('{current.hemi.text}', '{token.text}').",
                    f"连续出现两个方位字母（“{current.hemi.text}”“{token.text}”）。",
                )
            current.hemi = token
        elif token.kind in ("num", "special"):
            current.numbers.append(_Number(token))
        elif current.numbers and current.numbers[-1].unit is None:
            current.numbers[-1].unit = token
        else:
            raise src.error(
                f"the mark '{token.text}' does not follow a number.",
                f"符号“{token.text}”前面没有数字。",
            )
    if current.numbers:
        groups.append(current)
    elif current.hemi is not None:
        raise src.error(
            f"the hemisphere letter '{current.hemi.text}' has no number.",
            f"方位字母“{current.hemi.text}”后面没有数字。",
        )
    return groups


_RANKS = {"deg": 0, "min": 1, "sec": 2}


def _runs(group: _Group) -> list[list[tuple[_Number, int]]]:
    """Split a group's numbers into values, ranking each number 0 deg, 1 min or 2 sec.

    An unmarked number continues the previous value (as its next unit) only inside a group with
    a hemisphere letter, which is what makes "41 02 30 N" unambiguous.
    """
    runs: list[list[tuple[_Number, int]]] = []
    for number in group.numbers:
        last = runs[-1][-1][1] if runs else None
        if number.unit is not None:
            rank = _RANKS[number.unit.kind]
            continues = last is not None and rank > last
        else:
            continues = group.hemi is not None and last is not None and last < 2
            rank = last + 1 if continues and last is not None else 0
        if continues:
            runs[-1].append((number, rank))
        else:
            runs.append([(number, rank)])
    return runs


def _run_value(src: _Source, run: list[tuple[_Number, int]]) -> _Value:
    """The signed decimal degrees of one run of degrees[, minutes[, seconds]]."""
    tokens = [number.token for number, _ in run]
    text = _snippet(src, [token for number, _ in run for token in number.tokens])
    if [rank for _, rank in run] != list(range(len(run))):
        raise src.error(
            f"'{text}' has minutes or seconds without the larger units before them.",
            f"“{text}”缺少度或分，只有分或秒。",
        )
    parts = [float(token.text) for token in tokens]
    if not all(math.isfinite(part) for part in parts):
        raise src.error(f"'{text}' is not a finite number.", f"“{text}”不是有限数值。")
    if any(token.text[0] in "+-" for token in tokens[1:]):
        raise src.error(f"in '{text}' only the degrees may carry a sign.", f"“{text}”中只有度可以带正负号。")
    _check_dms(src, text, parts)
    magnitude = abs(parts[0]) + sum(part / 60**i for i, part in enumerate(parts[1:], start=1))
    return _Value(-magnitude if tokens[0].text.startswith("-") else magnitude, None, text)


def _check_dms(src: _Source, text: str, parts: list[float]) -> None:
    """Whole degrees before minutes, whole minutes before seconds, minutes and seconds < 60."""
    names = (("degrees", "度"), ("minutes", "分"), ("seconds", "秒"))
    for i, part in enumerate(parts):
        en, zh = names[i]
        if i + 1 < len(parts) and not part.is_integer():
            raise src.error(
                f"in '{text}' the {en} must be a whole number when smaller units follow.",
                f"“{text}”中后面还有更小单位时，{zh}必须是整数。",
            )
        if i > 0 and part >= 60:
            raise src.error(f"in '{text}' the {en} must be below 60.", f"“{text}”中的{zh}必须小于60。")


_HEMISPHERES = {
    "N": ("lat", 1),
    "北": ("lat", 1),
    "S": ("lat", -1),
    "南": ("lat", -1),
    "E": ("lon", 1),
    "东": ("lon", 1),
    "東": ("lon", 1),
    "W": ("lon", -1),
    "西": ("lon", -1),
}


def _group_values(src: _Source, group: _Group) -> list[_Value]:
    """The values of one group, applying its hemisphere letter (which must cover one value)."""
    runs = _runs(group)
    if group.hemi is None:
        return [_run_value(src, run) for run in runs]
    hemi = group.hemi
    text = _snippet(src, [hemi] + [token for number in group.numbers for token in number.tokens])
    if len(runs) > 1:
        raise src.error(
            f"the hemisphere letter '{hemi.text}' goes with '{text}', which is more than one "
            "value (at most degrees, minutes, seconds).",
            f"方位字母“{hemi.text}”对应的“{text}”不止一个数值（最多为度、分、秒）。",
        )
    if runs[0][0][0].token.text.startswith("-"):
        raise src.error(
            f"'{text}' has both a minus sign and a hemisphere letter.",
            f"“{text}”同时带有负号和方位字母。",
        )
    axis, sign = _HEMISPHERES[hemi.text[0].upper()]
    return [_Value(sign * _run_value(src, runs[0]).number, axis, text)]


def _read_values(src: _Source) -> list[_Value]:
    """All coordinate values in the input, in order."""
    tokens = _tokenise(src)
    if not tokens:
        raise src.error("nothing was given.", "输入为空。")
    return [
        value
        for segment in _segments(src, tokens)
        for group in _groups(src, segment)
        for value in _group_values(src, group)
    ]


def _check_range(src: _Source, value: _Value, axis: str) -> None:
    """Latitude must lie in [-90, 90], longitude in [-180, 180]."""
    limit, en, zh = (90, "latitude", "纬度") if axis == "lat" else (180, "longitude", "经度")
    if abs(value.number) > limit:
        raise src.error(
            f"{en} '{value.text}' is outside -{limit}..{limit}.",
            f"{zh}“{value.text}”超出 -{limit}..{limit} 范围。",
        )


_Ordered = tuple[_Value, _Value, tuple[Message, ...]]


def _fmt(number: float) -> str:
    """A degree value with at most six decimals and no trailing zeros."""
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _order(src: _Source, first: _Value, second: _Value) -> _Ordered:
    """(latitude, longitude, warnings): letters decide; else latitude first unless swapped."""
    if first.axis is not None and first.axis == second.axis:
        en, zh = (
            ("latitudes (N/S)", "纬度（N/S）") if first.axis == "lat" else ("longitudes (E/W)", "经度（E/W）")
        )
        raise src.error(
            f"both '{first.text}' and '{second.text}' are {en}; one must be the other axis.",
            f"“{first.text}”和“{second.text}”都是{zh}，需要一个纬度和一个经度。",
        )
    if first.axis and second.axis:
        return (first, second, ()) if first.axis == "lat" else (second, first, ())
    if first.axis or second.axis:
        labelled, bare = (first, second) if first.axis else (second, first)
        raise src.error(
            f"'{labelled.text}' has a hemisphere letter but '{bare.text}' does not; give both or neither.",
            f"“{labelled.text}”带有方位字母而“{bare.text}”没有；请都加或都不加。",
        )
    if abs(first.number) > 90 and abs(second.number) <= 90 and abs(first.number) <= 180:
        warning = Message(
            code="swapped_lat_lon",
            en=f"'{first.text}, {second.text}' looked like longitude, latitude; read as "
            f"lat={_fmt(second.number)}, lon={_fmt(first.number)}.",
            zh=f"“{first.text}, {second.text}”看起来是“经度, 纬度”顺序；已按"
            f"纬度={_fmt(second.number)}、经度={_fmt(first.number)}读取。",
        )
        return second, first, (warning,)
    return first, second, ()


def _strip_brackets(text: str) -> str:
    """Drop one pair of surrounding parentheses or square brackets."""
    if len(text) >= 2 and (text[0], text[-1]) in {("(", ")"), ("[", "]")}:
        return text[1:-1].strip()
    return text


def parse_point(text: str) -> ParsedPoint:
    """Read "lat,lon" in decimal degrees or DMS, with optional N/S/E/W or 北纬/东经 letters."""
    src = _Source(text, _strip_brackets(_normalise(text)), "point")
    values = _read_values(src)
    if len(values) != 2:
        found_en = ", ".join(f"'{value.text}'" for value in values)
        found_zh = "、".join(f"“{value.text}”" for value in values)
        raise src.error(
            f"expected a latitude and a longitude, found {len(values)} value(s): {found_en}.",
            f"需要一个纬度和一个经度，实际读到 {len(values)} 个数值：{found_zh}。",
        )
    lat, lon, warnings = _order(src, values[0], values[1])
    _check_range(src, lat, "lat")
    _check_range(src, lon, "lon")
    return ParsedPoint(lat.number, lon.number, warnings)


def _parse_axis(text: str, axis: str) -> float:
    """One latitude or longitude value, whose hemisphere letter (if any) must match ``axis``."""
    src = _Source(text, _strip_brackets(_normalise(text)), axis)
    values = _read_values(src)
    if len(values) != 1:
        found_en = ", ".join(f"'{value.text}'" for value in values)
        found_zh = "、".join(f"“{value.text}”" for value in values)
        raise src.error(
            f"expected one value, found {len(values)}: {found_en}.",
            f"需要一个数值，实际读到 {len(values)} 个：{found_zh}。",
        )
    value = values[0]
    if value.axis not in (None, axis):
        en, zh = ("N/S", "北纬/南纬") if axis == "lat" else ("E/W", "东经/西经")
        raise src.error(
            f"the hemisphere letter in '{value.text}' belongs to the other axis; use {en}.",
            f"“{value.text}”中的方位字母属于另一坐标轴，应使用{zh}。",
        )
    _check_range(src, value, axis)
    return value.number


def parse_lat(text: str) -> float:
    """Read one latitude (decimal or DMS, optional N/S or 北纬/南纬)."""
    return _parse_axis(text, "lat")


def parse_lon(text: str) -> float:
    """Read one longitude (decimal or DMS, optional E/W or 东经/西经)."""
    return _parse_axis(text, "lon")


# ---------------------------------------------------------------------------------------- dates

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


def _make_date(src: _Source, piece: str, year: str, month: str, day: str) -> date:
    """``date(year, month, day)``, or an InputError saying ``piece`` is no such date."""
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise src.error(
            f"there is no such date as '{piece}' (year {year}, month {month}, day {day}).",
            f"不存在“{piece}”这一天（{year}年{month}月{day}日）。",
        ) from None


def _datetime_date(src: _Source, piece: str, match: re.Match[str]) -> date:
    """The Asia/Shanghai date of an ISO 8601 date-time; naive times are already local."""
    _make_date(src, piece, match[1], match[2], match[3])
    try:
        moment = isoparse(piece)
    except (ValueError, OverflowError):
        raise src.error(
            f"'{piece}' is not a valid ISO 8601 date-time (e.g. 2023-03-14T16:30+08:00).",
            f"“{piece}”不是有效的ISO 8601日期时间（例如 2023-03-14T16:30+08:00）。",
        ) from None
    try:
        return to_local_date(moment)
    except OverflowError:
        raise _out_of_range(src, piece) from None


def _out_of_range(src: _Source, piece: str) -> InputError:
    """``piece`` names a day outside years 1..9999."""
    return src.error(
        f"'{piece}' is outside the supported dates (years 1-9999).",
        f"“{piece}”超出支持的日期范围（公元1-9999年）。",
    )


def _read_date(src: _Source, piece: str, today: date) -> date:
    """The local date written as ``piece`` (normalised), reporting errors against ``src``;
    only in the years :data:`YEARS`."""
    day = _read_any_date(src, piece, today)
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise src.error(f"the year {day.year} is outside {YEARS[0]}–{YEARS[1]}.",
                        f"年份 {day.year} 不在 {YEARS[0]}–{YEARS[1]} 之间。")
    return day


def _read_any_date(src: _Source, piece: str, today: date) -> date:
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
    raise src.error(f"'{piece}' is not a recognised date.", f"“{piece}”不是可识别的日期。")


def parse_date(text: str, today: date) -> date:
    """Read a date (ISO, slash/dot, compact, Chinese, ISO date-time or keyword) as a local date."""
    src = _Source(text, _normalise(text), "date")
    if not src.norm:
        raise src.error("no date was given.", "未提供日期。")
    return _read_date(src, src.norm, today)


def parse_date_span(text: str, today: date) -> tuple[date, date]:
    """Read "A..B" (or A至B, A到B, A~B) or a single date as an inclusive (start, end)."""
    src = _Source(text, _normalise(text), "span")
    if not src.norm:
        raise src.error("no date range was given.", "未提供日期范围。")
    parts = _SPAN_SEPARATOR.split(src.norm)
    if len(parts) > 2:
        raise src.error("more than one range separator.", "出现了多个范围分隔符。")
    if not all(parts):
        raise src.error("the start or end date is missing.", "缺少开始或结束日期。")
    start, end = _read_date(src, parts[0], today), _read_date(src, parts[-1], today)
    if start > end:
        raise src.error(
            f"the start {start.isoformat()} is after the end {end.isoformat()}.",
            f"开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}。",
        )
    days = (end - start).days + 1
    if days > MAX_SPAN_DAYS:
        raise src.error(
            f"the range covers {days} days; at most {MAX_SPAN_DAYS} are allowed.",
            f"该范围共 {days} 天，最多允许 {MAX_SPAN_DAYS} 天。",
        )
    return start, end
