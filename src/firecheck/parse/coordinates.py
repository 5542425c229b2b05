"""Coordinates as people type them: decimal or DMS, with N/S/E/W or 北纬/东经, in either
order when the letters say so (a lon,lat pair that cannot be lat,lon is swapped, with a
warning). Every failure is an :class:`InputError` quoting the text and the accepted forms."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..text import Message, Text
from .forms import Typed, normalise


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


def _tokenise(src: Typed) -> list[_Token]:
    """Split the normalised text into tokens, dropping whitespace; reject anything unknown."""
    plain = not _NOT_PLAIN.search(_SPECIAL_WORD.sub("", src.norm))
    pattern = _PLAIN_TOKEN if plain else _TOKEN
    tokens: list[_Token] = []
    pos = 0
    while pos < len(src.norm):
        match = pattern.match(src.norm, pos)
        if match is None:
            piece = _PIECE_END.split(src.norm[pos:], maxsplit=1)[0]
            raise src.error(f"无法识别的内容“{piece}”。", f"unexpected text '{piece}'.")
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


def _snippet(src: Typed, tokens: list[_Token]) -> str:
    """The normalised input covered by ``tokens``."""
    return src.norm[min(t.start for t in tokens) : max(t.end for t in tokens)]


def _segments(src: Typed, tokens: list[_Token]) -> list[list[_Token]]:
    """Split tokens at separators; an empty piece (",41" or "41,,110") is an error."""
    segments: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind == "sep":
            segments.append([])
        else:
            segments[-1].append(token)
    if any(not segment for segment in segments):
        raise src.error("分隔符（, ;）的一侧没有数值。", "a separator (, ;) has no value on one side.")
    return segments


def _groups(src: Typed, segment: list[_Token]) -> list[_Group]:
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
                    f"连续出现两个方位字母（“{current.hemi.text}”“{token.text}”）。",
                    f"two hemisphere letters in a row ('{current.hemi.text}', '{token.text}').",
                )
            current.hemi = token
        elif token.kind in ("num", "special"):
            current.numbers.append(_Number(token))
        elif current.numbers and current.numbers[-1].unit is None:
            current.numbers[-1].unit = token
        else:
            raise src.error(
                f"符号“{token.text}”前面没有数字。",
                f"the mark '{token.text}' does not follow a number.",
            )
    if current.numbers:
        groups.append(current)
    elif current.hemi is not None:
        raise src.error(
            f"方位字母“{current.hemi.text}”后面没有数字。",
            f"the hemisphere letter '{current.hemi.text}' has no number.",
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


def _run_value(src: Typed, run: list[tuple[_Number, int]]) -> _Value:
    """The signed decimal degrees of one run of degrees[, minutes[, seconds]]."""
    tokens = [number.token for number, _ in run]
    text = _snippet(src, [token for number, _ in run for token in number.tokens])
    if [rank for _, rank in run] != list(range(len(run))):
        raise src.error(
            f"“{text}”缺少度或分，只有分或秒。",
            f"'{text}' has minutes or seconds without the larger units before them.",
        )
    parts = [float(token.text) for token in tokens]
    if not all(math.isfinite(part) for part in parts):
        raise src.error(f"“{text}”不是有限数值。", f"'{text}' is not a finite number.")
    if any(token.text[0] in "+-" for token in tokens[1:]):
        raise src.error(f"“{text}”中只有度可以带正负号。", f"in '{text}' only the degrees may carry a sign.")
    _check_dms(src, text, parts)
    magnitude = abs(parts[0]) + sum(part / 60**i for i, part in enumerate(parts[1:], start=1))
    return _Value(-magnitude if tokens[0].text.startswith("-") else magnitude, None, text)


def _check_dms(src: Typed, text: str, parts: list[float]) -> None:
    """Whole degrees before minutes, whole minutes before seconds, minutes and seconds < 60."""
    names = (("degrees", "度"), ("minutes", "分"), ("seconds", "秒"))
    for i, part in enumerate(parts):
        en, zh = names[i]
        if i + 1 < len(parts) and not part.is_integer():
            raise src.error(
                f"“{text}”中后面还有更小单位时，{zh}必须是整数。",
                f"in '{text}' the {en} must be a whole number when smaller units follow.",
            )
        if i > 0 and part >= 60:
            raise src.error(f"“{text}”中的{zh}必须小于60。", f"in '{text}' the {en} must be below 60.")


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


def _group_values(src: Typed, group: _Group) -> list[_Value]:
    """The values of one group, applying its hemisphere letter (which must cover one value)."""
    runs = _runs(group)
    if group.hemi is None:
        return [_run_value(src, run) for run in runs]
    hemi = group.hemi
    text = _snippet(src, [hemi] + [token for number in group.numbers for token in number.tokens])
    if len(runs) > 1:
        raise src.error(
            f"方位字母“{hemi.text}”对应的“{text}”不止一个数值（最多为度、分、秒）。",
            f"the hemisphere letter '{hemi.text}' goes with '{text}', which is more than one "
            "value (at most degrees, minutes, seconds).",
        )
    if runs[0][0][0].token.text.startswith("-"):
        raise src.error(
            f"“{text}”同时带有负号和方位字母。",
            f"'{text}' has both a minus sign and a hemisphere letter.",
        )
    axis, sign = _HEMISPHERES[hemi.text[0].upper()]
    return [_Value(sign * _run_value(src, runs[0]).number, axis, text)]


def _read_values(src: Typed) -> list[_Value]:
    """All coordinate values in the input, in order."""
    tokens = _tokenise(src)
    if not tokens:
        raise src.error("输入为空。", "nothing was given.")
    return [
        value
        for segment in _segments(src, tokens)
        for group in _groups(src, segment)
        for value in _group_values(src, group)
    ]


def _check_range(src: Typed, value: _Value, axis: str) -> None:
    """Latitude must lie in [-90, 90], longitude in [-180, 180]."""
    limit, en, zh = (90, "latitude", "纬度") if axis == "lat" else (180, "longitude", "经度")
    if abs(value.number) > limit:
        raise src.error(
            f"{zh}“{value.text}”超出 -{limit}..{limit} 范围。",
            f"{en} '{value.text}' is outside -{limit}..{limit}.",
        )


_Ordered = tuple[_Value, _Value, tuple[Message, ...]]


def _fmt(number: float) -> str:
    """A degree value with at most six decimals and no trailing zeros."""
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _order(src: Typed, first: _Value, second: _Value) -> _Ordered:
    """(latitude, longitude, warnings): letters decide; else latitude first unless swapped."""
    if first.axis is not None and first.axis == second.axis:
        en, zh = (
            ("latitudes (N/S)", "纬度（N/S）") if first.axis == "lat" else ("longitudes (E/W)", "经度（E/W）")
        )
        raise src.error(
            f"“{first.text}”和“{second.text}”都是{zh}，需要一个纬度和一个经度。",
            f"both '{first.text}' and '{second.text}' are {en}; one must be the other axis.",
        )
    if first.axis and second.axis:
        return (first, second, ()) if first.axis == "lat" else (second, first, ())
    if first.axis or second.axis:
        labelled, bare = (first, second) if first.axis else (second, first)
        raise src.error(
            f"“{labelled.text}”带有方位字母而“{bare.text}”没有；请都加或都不加。",
            f"'{labelled.text}' has a hemisphere letter but '{bare.text}' does not; give both or neither.",
        )
    if abs(first.number) > 90 and abs(second.number) <= 90 and abs(first.number) <= 180:
        warning = Message("swapped_lat_lon", Text(
            f"“{first.text}, {second.text}”看起来是“经度, 纬度”顺序；已按"
            f"纬度={_fmt(second.number)}、经度={_fmt(first.number)}读取。",
            f"'{first.text}, {second.text}' looked like longitude, latitude; read as "
            f"lat={_fmt(second.number)}, lon={_fmt(first.number)}."))
        return second, first, (warning,)
    return first, second, ()


def _strip_brackets(text: str) -> str:
    """Drop one pair of surrounding parentheses or square brackets."""
    if len(text) >= 2 and (text[0], text[-1]) in {("(", ")"), ("[", "]")}:
        return text[1:-1].strip()
    return text


def parse_point(text: str) -> ParsedPoint:
    """Read "lat,lon" in decimal degrees or DMS, with optional N/S/E/W or 北纬/东经 letters."""
    src = Typed(text, _strip_brackets(normalise(text)), "point")
    values = _read_values(src)
    if len(values) != 2:
        found_en = ", ".join(f"'{value.text}'" for value in values)
        found_zh = "、".join(f"“{value.text}”" for value in values)
        raise src.error(
            f"需要一个纬度和一个经度，实际读到 {len(values)} 个数值：{found_zh}。",
            f"expected a latitude and a longitude, found {len(values)} value(s): {found_en}.",
        )
    lat, lon, warnings = _order(src, values[0], values[1])
    _check_range(src, lat, "lat")
    _check_range(src, lon, "lon")
    return ParsedPoint(lat.number, lon.number, warnings)


def _parse_axis(text: str, axis: str) -> float:
    """One latitude or longitude value, whose hemisphere letter (if any) must match ``axis``."""
    src = Typed(text, _strip_brackets(normalise(text)), axis)
    values = _read_values(src)
    if len(values) != 1:
        found_en = ", ".join(f"'{value.text}'" for value in values)
        found_zh = "、".join(f"“{value.text}”" for value in values)
        raise src.error(
            f"需要一个数值，实际读到 {len(values)} 个：{found_zh}。",
            f"expected one value, found {len(values)}: {found_en}.",
        )
    value = values[0]
    if value.axis not in (None, axis):
        en, zh = ("N/S", "北纬/南纬") if axis == "lat" else ("E/W", "东经/西经")
        raise src.error(
            f"“{value.text}”中的方位字母属于另一坐标轴，应使用{zh}。",
            f"the hemisphere letter in '{value.text}' belongs to the other axis; use {en}.",
        )
    _check_range(src, value, axis)
    return value.number


def parse_lat(text: str) -> float:
    """Read one latitude (decimal or DMS, optional N/S or 北纬/南纬)."""
    return _parse_axis(text, "lat")


def parse_lon(text: str) -> float:
    """Read one longitude (decimal or DMS, optional E/W or 东经/西经)."""
    return _parse_axis(text, "lon")
