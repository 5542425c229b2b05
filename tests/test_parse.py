"""Tests for the coordinate and date parsers (firecheck.parse) and firecheck.localtime."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firecheck.errors import InputError
from firecheck.parse import (
    MAX_SPAN_DAYS,
    YEARS,
    ParsedPoint,
    parse_date,
    parse_date_span,
    parse_lat,
    parse_lon,
    parse_point,
)
from firecheck.parse.localtime import LOCAL_TZ, local_today, to_local_date

TODAY = date(2024, 6, 15)
LAT_DMS = 41 + 2 / 60 + 30 / 3600  # 41°02′30″
LON_DM = 110 + 3 / 60  # 110°03′


def expect_input_error(
    parse: Callable[[str], object], text: str, fragment: str, en_word: str, zh_word: str
) -> InputError:
    """Assert ``parse(text)`` raises InputError naming ``fragment`` and explaining itself."""
    with pytest.raises(InputError) as info:
        parse(text)
    error = info.value
    for message in (error.text.en, error.text.zh):
        assert text in message
        assert fragment in message
    assert en_word in error.text.en
    assert zh_word in error.text.zh
    assert "Accepted forms" in error.text.en
    assert "可接受的格式" in error.text.zh
    return error


# ---------------------------------------------------------------------------------- localtime


def test_local_tz_is_asia_shanghai_including_its_1980s_summer_time() -> None:
    assert datetime(2023, 3, 14, tzinfo=LOCAL_TZ).utcoffset() == timedelta(hours=8)
    assert datetime(1988, 7, 1, 12, tzinfo=LOCAL_TZ).utcoffset() == timedelta(hours=9)


def test_to_local_date_converts_aware_and_keeps_naive() -> None:
    assert to_local_date(datetime(2023, 3, 14, 16, 30, tzinfo=UTC)) == date(2023, 3, 15)
    assert to_local_date(datetime(2023, 3, 14, 15, 59, tzinfo=UTC)) == date(2023, 3, 14)
    assert to_local_date(datetime(2023, 3, 14, 23, 59)) == date(2023, 3, 14)


def test_local_today_is_the_date_in_shanghai() -> None:
    before = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    today = local_today()
    after = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    assert today in {before, after}


# -------------------------------------------------------------------------------- coordinates


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("41.03,110.05", 41.03, 110.05),
        ("41.03, 110.05", 41.03, 110.05),
        ("41.03 110.05", 41.03, 110.05),
        ("41.03;110.05", 41.03, 110.05),
        ("41.03、110.05", 41.03, 110.05),
        ("41.03，110.05", 41.03, 110.05),
        ("４１.０３,１１０.０５", 41.03, 110.05),
        ("  (41.03, 110.05)  ", 41.03, 110.05),
        ("（41.03，110.05）", 41.03, 110.05),
        ("[41.03, 110.05]", 41.03, 110.05),
        ("-41.03,-110.05", -41.03, -110.05),
        ("−41.03, +110.05", -41.03, 110.05),
        ("4.103e1, 110.05", 41.03, 110.05),
        ("41.03N 110.05E", 41.03, 110.05),
        ("41.03n,110.05e", 41.03, 110.05),
        ("41.03N,110.05E", 41.03, 110.05),
        ("N41.03 E110.05", 41.03, 110.05),
        ("N 41.03 E 110.05", 41.03, 110.05),
        ("N41.03E110.05", 41.03, 110.05),
        ("41.03°N, 110.05°E", 41.03, 110.05),
        ("41.03S 110.05W", -41.03, -110.05),
        ("S41.03, W110.05", -41.03, -110.05),
        ("北纬41.03 东经110.05", 41.03, 110.05),
        ("北纬41.03度，东经110.05度", 41.03, 110.05),
        ("南纬41.03 西经110.05", -41.03, -110.05),
        ("北緯41.03 東經110.05", 41.03, 110.05),
        ("北纬41度2分30秒, 东经110度3分", LAT_DMS, LON_DM),
        ("41°02′30″N 110°03′00″E", LAT_DMS, LON_DM),
        ("41°2'30\"N, 110°3'0\"E", LAT_DMS, LON_DM),
        ("41°2'30''N 110°3'0''E", LAT_DMS, LON_DM),
        ("41º02’30”N 110º03’00”E", LAT_DMS, LON_DM),
        ("41°02.5'N 110°03.0'E", LAT_DMS, LON_DM),
        ("41 02 30 N 110 03 00 E", LAT_DMS, LON_DM),
        ("N41 02 30 E110 03", LAT_DMS, LON_DM),
        ("41°02′30″S 110°03′W", -LAT_DMS, -LON_DM),
        ("41°02′30″, 110°03′", LAT_DMS, LON_DM),
        ("-41°02′30″ 110°03′", -LAT_DMS, LON_DM),
        ("110.05E 41.03N", 41.03, 110.05),
        ("E110°03′ N41°02′30″", LAT_DMS, LON_DM),
        ("90, 180", 90.0, 180.0),
        ("-90, -180", -90.0, -180.0),
    ],
)
def test_parse_point_accepts(text: str, lat: float, lon: float) -> None:
    point = parse_point(text)
    assert point.lat == pytest.approx(lat, abs=1e-12)
    assert point.lon == pytest.approx(lon, abs=1e-12)
    assert point.warnings == ()


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [("110.05,41.03", 41.03, 110.05), ("-110.05 41.03", 41.03, -110.05), ("180,-90", -90, 180)],
)
def test_parse_point_swaps_lon_lat_with_warning(text: str, lat: float, lon: float) -> None:
    point = parse_point(text)
    assert (point.lat, point.lon) == (lat, lon)
    [warning] = point.warnings
    assert warning.code == "swapped_lat_lon"
    assert "longitude, latitude" in warning.text.en
    assert f"lat={lat:g}, lon={lon:g}" in warning.text.en
    assert f"纬度={lat:g}、经度={lon:g}" in warning.text.zh


@pytest.mark.parametrize("text", ["50,60", "60 50", "89.9,90", "-45, -170"])
def test_parse_point_never_swaps_when_both_orders_are_valid(text: str) -> None:
    first, second = (float(part) for part in text.replace(",", " ").split())
    assert parse_point(text) == ParsedPoint(first, second, ())


@pytest.mark.parametrize(
    ("text", "fragment", "en_word", "zh_word"),
    [
        ("", "", "nothing", "为空"),
        ("  ( )  ", "", "nothing", "为空"),
        ("41.03", "41.03", "found 1", "1 个"),
        ("41, 110, 5", "5", "found 3", "3 个"),
        ("41 02 30 110 03 00", "110", "found 6", "6 个"),
        ("nan,110", "nan", "not a finite number", "不是有限数值"),
        ("NaN, 110", "NaN", "not a finite number", "不是有限数值"),
        ("41, inf", "inf", "not a finite number", "不是有限数值"),
        ("41, -Infinity", "-Infinity", "not a finite number", "不是有限数值"),
        ("1e999,110", "1e999", "not a finite number", "不是有限数值"),
        ("41, 1e999", "1e999", "not a finite number", "不是有限数值"),
        ("1e999", "1e999", "not a finite number", "不是有限数值"),
        ("95,110", "95", "latitude", "纬度"),
        ("-90.0001, 110", "-90.0001", "outside -90..90", "-90..90"),
        ("95N 110E", "95N", "outside -90..90", "-90..90"),
        ("100, 100", "100", "outside -90..90", "-90..90"),
        ("41,190", "190", "outside -180..180", "-180..180"),
        ("41, -180.5", "-180.5", "longitude", "经度"),
        ("190, 41", "190", "outside -90..90", "纬度"),
        ("abc", "abc", "unexpected text", "无法识别的内容"),
        ("41.03,abc", "abc", "unexpected text", "无法识别的内容"),
        ("41.03.110", ".110", "unexpected text", "无法识别的内容"),
        ("ınf, 110", "ınf", "unexpected text", "无法识别的内容"),
        ("41, İnf", "İnf", "unexpected text", "无法识别的内容"),
        ("41N 110N", "110N", "both '41N' and '110N' are latitudes", "都是纬度"),
        ("41S, 110N", "41S", "latitudes", "纬度"),
        ("41E 110W", "110W", "longitudes", "都是经度"),
        ("41°60′N 110°E", "41°60′", "minutes must be below 60", "分必须小于60"),
        ("41°02′60″N 110°E", "41°02′60″", "seconds must be below 60", "秒必须小于60"),
        ("41 75 N 110 E", "41 75", "minutes must be below 60", "分必须小于60"),
        ("41.5°30′N 110°E", "41.5°30′", "degrees must be a whole number", "度必须是整数"),
        ("41°2.5′30″N 110°E", "41°2.5′30″", "minutes must be a whole number", "分必须是整数"),
        ("41°30″N 110°E", "41°30″", "without the larger units", "缺少度或分"),
        ("41°-2′N 110°E", "41°-2′", "only the degrees may carry a sign", "只有度可以带正负号"),
        ("-41N 110E", "-41N", "minus sign and a hemisphere letter", "负号和方位字母"),
        ("41.03 E 110.05", "110.05", "does not; give both or neither", "请都加或都不加"),
        ("41 02 30 40 N 110 E", "41 02 30 40 N", "more than one value", "不止一个数值"),
        ("NE41 110", "E", "two hemisphere letters", "连续出现两个方位字母"),
        ("41N 110 E N", "N", "has no number", "后面没有数字"),
        ("41°°, 110", "°", "does not follow a number", "前面没有数字"),
        ("41,,110", ",", "separator", "分隔符"),
        ("41,110,", ",", "separator", "分隔符"),
    ],
)
def test_parse_point_rejects(text: str, fragment: str, en_word: str, zh_word: str) -> None:
    expect_input_error(parse_point, text, fragment, en_word, zh_word)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("41.03", 41.03),
        (" -41.03 ", -41.03),
        ("41.03N", 41.03),
        ("41.03S", -41.03),
        ("N41.03", 41.03),
        ("41°02′30″N", LAT_DMS),
        ("41°02.5′", LAT_DMS),
        ("41 02 30 N", LAT_DMS),
        ("北纬41度2分30秒", LAT_DMS),
        ("南纬41.03", -41.03),
        ("90", 90.0),
        ("-90", -90.0),
    ],
)
def test_parse_lat_accepts(text: str, value: float) -> None:
    assert parse_lat(text) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("110.05", 110.05),
        ("110.05E", 110.05),
        ("110.05W", -110.05),
        ("110°03′W", -LON_DM),
        ("东经110度3分", LON_DM),
        ("西经110.05", -110.05),
        ("-180", -180.0),
        ("95", 95.0),
    ],
)
def test_parse_lon_accepts(text: str, value: float) -> None:
    assert parse_lon(text) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize(
    ("parse", "text", "fragment", "en_word", "zh_word"),
    [
        (parse_lat, "110E", "110E", "use N/S", "北纬/南纬"),
        (parse_lat, "东经110", "东经110", "use N/S", "北纬/南纬"),
        (parse_lon, "41N", "41N", "use E/W", "东经/西经"),
        (parse_lat, "95", "95", "outside -90..90", "纬度"),
        (parse_lon, "180.5E", "180.5E", "outside -180..180", "经度"),
        (parse_lat, "41, 110", "110", "expected one value, found 2", "2 个"),
        (parse_lat, "41 02 30", "02", "found 3", "3 个"),
        (parse_lat, "", "", "nothing", "为空"),
        (parse_lon, "nan", "nan", "not a finite number", "不是有限数值"),
        (parse_lon, "110x", "x", "unexpected text", "无法识别的内容"),
        (parse_lat, "41°75′", "41°75′", "minutes must be below 60", "分必须小于60"),
    ],
)
def test_parse_lat_lon_reject(
    parse: Callable[[str], float], text: str, fragment: str, en_word: str, zh_word: str
) -> None:
    error = expect_input_error(parse, text, fragment, en_word, zh_word)
    assert ("latitude" if parse is parse_lat else "longitude") in error.text.en


# -------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-01", date(2023, 4, 1)),
        ("2023/4/1", date(2023, 4, 1)),
        ("2023.4.1", date(2023, 4, 1)),
        ("2023-4-1", date(2023, 4, 1)),
        ("20230401", date(2023, 4, 1)),
        ("２０２３－０４－０１", date(2023, 4, 1)),
        (" 2023-04-01 ", date(2023, 4, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2023年4月1日", date(2023, 4, 1)),
        ("2023年04月01号", date(2023, 4, 1)),
        ("2023 年 4 月 1 日", date(2023, 4, 1)),
        ("4月1日", date(2024, 4, 1)),
        ("12月31号", date(2024, 12, 31)),
        ("today", TODAY),
        ("Today", TODAY),
        ("今天", TODAY),
        ("今日", TODAY),
        ("yesterday", TODAY - timedelta(days=1)),
        ("昨天", TODAY - timedelta(days=1)),
        ("tomorrow", TODAY + timedelta(days=1)),
        ("明天", TODAY + timedelta(days=1)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-03-14T16:30Z", date(2023, 3, 15)),
        ("2023-03-14T15:59:59Z", date(2023, 3, 14)),
        ("2023-03-14T16:00:00Z", date(2023, 3, 15)),
        ("2023-03-14T16:30:00+00:00", date(2023, 3, 15)),
        ("20230314T1630Z", date(2023, 3, 15)),
        ("2023-03-14 16:30+08:00", date(2023, 3, 14)),
        ("2023-03-15T00:30+09:00", date(2023, 3, 14)),
        ("2023-03-14T20:00-05:00", date(2023, 3, 15)),
        ("2023-12-31T16:00Z", date(2024, 1, 1)),
        ("2023-03-14T23:59", date(2023, 3, 14)),
        ("2023-03-14T00:00", date(2023, 3, 14)),
    ],
)
def test_parse_date_converts_datetimes_to_guyang_local_date(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("today", [date(2019, 1, 1), date(2025, 12, 31)])
def test_chinese_date_without_year_takes_year_of_today(today: date) -> None:
    assert parse_date("4月1日", today) == date(today.year, 4, 1)


@pytest.mark.parametrize(
    ("text", "fragment", "en_word", "zh_word"),
    [
        ("", "", "no date was given", "未提供日期"),
        ("4", "4", "not a recognised date", "不是可识别的日期"),
        ("2023", "2023", "not a recognised date", "不是可识别的日期"),
        ("2023-04", "2023-04", "not a recognised date", "不是可识别的日期"),
        ("2023-04/01", "2023-04/01", "not a recognised date", "不是可识别的日期"),
        ("abc", "abc", "not a recognised date", "不是可识别的日期"),
        ("tomorrowx", "tomorrowx", "not a recognised date", "不是可识别的日期"),
        ("2023年4月", "2023年4月", "not a recognised date", "不是可识别的日期"),
        ("2023-02-30", "2023-02-30", "no such date", "不存在"),
        ("2023-13-01", "2023-13-01", "no such date", "不存在"),
        ("20230229", "20230229", "no such date", "不存在"),
        ("2023年2月29日", "2023年2月29日", "no such date", "不存在"),
        ("2月30日", "2024", "year 2024, month 2, day 30", "2024年2月30日"),
        ("0000-01-01", "0000-01-01", "no such date", "不存在"),
        ("2023-02-30T10:00Z", "2023-02-30", "no such date", "不存在"),
        ("2023-03-14T25:00", "2023-03-14T25:00", "not a valid ISO 8601", "ISO 8601"),
        ("2023-03-14T16:30 +08:00", "+08:00", "not a valid ISO 8601", "ISO 8601"),
        ("9999-12-31T23:00Z", "9999-12-31", "outside the supported dates", "超出支持的日期范围"),
    ],
)
def test_parse_date_rejects(text: str, fragment: str, en_word: str, zh_word: str) -> None:
    error = expect_input_error(lambda t: parse_date(t, TODAY), text, fragment, en_word, zh_word)
    assert "2023年4月1日" in error.text.en  # the accepted forms are listed
    assert "今天" in error.text.zh


def test_parse_date_keywords_at_the_ends_of_the_calendar() -> None:
    expect_input_error(
        lambda t: parse_date(t, date.max),
        "tomorrow",
        "tomorrow",
        "outside the supported dates",
        "超出",
    )
    expect_input_error(
        lambda t: parse_date(t, date.min), "昨天", "昨天", "outside the supported dates", "超出"
    )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023-05-25..2023-06-05", date(2023, 5, 25), date(2023, 6, 5)),
        ("2023-05-25 .. 2023-06-05", date(2023, 5, 25), date(2023, 6, 5)),
        ("2023-05-25…2023-06-05", date(2023, 5, 25), date(2023, 6, 5)),
        ("2023-05-25至2023-06-05", date(2023, 5, 25), date(2023, 6, 5)),
        ("2023年5月25日到2023年6月5日", date(2023, 5, 25), date(2023, 6, 5)),
        ("5月25日到6月5日", date(2024, 5, 25), date(2024, 6, 5)),
        ("2023/5/25~2023/6/5", date(2023, 5, 25), date(2023, 6, 5)),
        ("2023/5/25～2023/6/5", date(2023, 5, 25), date(2023, 6, 5)),
        ("2023.5.25..2023.6.5", date(2023, 5, 25), date(2023, 6, 5)),
        ("20230525..20230605", date(2023, 5, 25), date(2023, 6, 5)),
        ("today..tomorrow", TODAY, TODAY + timedelta(days=1)),
        ("2023-05-25", date(2023, 5, 25), date(2023, 5, 25)),
        ("今天", TODAY, TODAY),
        ("2023-06-05..2023-06-05", date(2023, 6, 5), date(2023, 6, 5)),
    ],
)
def test_parse_date_span_accepts(text: str, start: date, end: date) -> None:
    assert parse_date_span(text, TODAY) == (start, end)


def test_parse_date_span_length_limit_is_inclusive_day_count() -> None:
    start = date(2020, 1, 1)
    longest = start + timedelta(days=MAX_SPAN_DAYS - 1)
    assert parse_date_span(f"{start}..{longest}", TODAY) == (start, longest)
    too_long = f"{start}..{longest + timedelta(days=1)}"
    expect_input_error(
        lambda t: parse_date_span(t, TODAY), too_long, str(MAX_SPAN_DAYS + 1), "at most", "最多"
    )


@pytest.mark.parametrize(
    ("text", "fragment", "en_word", "zh_word"),
    [
        ("2023-06-05..2023-05-25", "2023-06-05", "is after the end", "晚于"),
        # 16:30 UTC is already the next day in Guyang, 16:30 Beijing time is not.
        ("2023-03-14T16:30Z..2023-03-14T16:30+08:00", "2023-03-15", "is after the end", "晚于"),
        ("..2023-06-05", "..2023-06-05", "missing", "缺少"),
        ("2023-06-05至", "2023-06-05至", "missing", "缺少"),
        ("2023-01-01..2023-02-01..2023-03-01", "2023-02-01", "more than one", "多个"),
        ("2023-05-25..abc", "abc", "not a recognised date", "不是可识别的日期"),
        ("2023-05-25到2023-02-30", "2023-02-30", "no such date", "不存在"),
        ("", "", "no date range was given", "未提供日期范围"),
    ],
)
def test_parse_date_span_rejects(text: str, fragment: str, en_word: str, zh_word: str) -> None:
    expect_input_error(lambda t: parse_date_span(t, TODAY), text, fragment, en_word, zh_word)


# --------------------------------------------------------------------------------- properties


def dms(value: float, positive: str, negative: str) -> tuple[str, str, str, str, float]:
    """(degrees, minutes, seconds to 0.001, hemisphere letter, the exact value printed)."""
    millis = round(abs(value) * 3_600_000)
    degrees, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = f"{rest // 1000:02d}.{rest % 1000:03d}"
    printed = math.copysign(millis / 3_600_000, value)
    return str(degrees), f"{minutes:02d}", seconds, positive if value >= 0 else negative, printed


DMS_STYLES = [
    "{d}°{m}′{s}″{h}",
    "{h}{d}°{m}'{s}\"",
    "{d} {m} {s} {h}",
    "{zh}{d}度{m}分{s}秒",
]
CHINESE_HEMISPHERES = {"N": "北纬", "S": "南纬", "E": "东经", "W": "西经"}
LATS = st.floats(min_value=-90, max_value=90, allow_nan=False)
LONS = st.floats(min_value=-180, max_value=180, allow_nan=False)


@settings(max_examples=300)
@given(LATS, LONS, st.sampled_from(["{},{}", "{}, {}", "{} {}", "{};{}", "({}，{})"]))
def test_decimal_points_round_trip(lat: float, lon: float, layout: str) -> None:
    point = parse_point(layout.format(repr(lat), repr(lon)))
    assert abs(point.lat - lat) <= 1e-6
    assert abs(point.lon - lon) <= 1e-6
    assert point.warnings == ()


@settings(max_examples=300)
@given(LATS, LONS, st.sampled_from(DMS_STYLES), st.sampled_from([", ", " ", "；"]), st.booleans())
def test_dms_points_round_trip(lat: float, lon: float, style: str, separator: str, lon_first: bool) -> None:
    parts = []
    printed = []
    for value, positive, negative in ((lat, "N", "S"), (lon, "E", "W")):
        d, m, s, h, exact = dms(value, positive, negative)
        parts.append(style.format(d=d, m=m, s=s, h=h, zh=CHINESE_HEMISPHERES[h]))
        printed.append(exact)
    text = separator.join(reversed(parts) if lon_first else parts)
    point = parse_point(text)
    assert point.lat == pytest.approx(printed[0], abs=1e-9)
    assert point.lon == pytest.approx(printed[1], abs=1e-9)
    assert abs(point.lat - lat) <= 0.0005 / 3600 + 1e-9
    assert abs(point.lon - lon) <= 0.0005 / 3600 + 1e-9
    assert point.warnings == ()


def check_every_parser(text: str) -> None:
    """Each parser returns a valid result or raises InputError, never anything else."""
    for parse in (parse_point, parse_lat, parse_lon):
        try:
            result = parse(text)
        except InputError:
            continue
        if isinstance(result, ParsedPoint):
            assert abs(result.lat) <= 90 and abs(result.lon) <= 180
        else:
            assert math.isfinite(result) and abs(result) <= 180
    with contextlib.suppress(InputError):
        assert isinstance(parse_date(text, TODAY), date)
    try:
        start, end = parse_date_span(text, TODAY)
        assert start <= end and (end - start).days < MAX_SPAN_DAYS
    except InputError:
        pass


PIECES = [
    *"0123456789",
    *".,;:-+ /~()'\"°′″’”NSEWnsewTZ",
    *"北南东西纬经度分秒年月日号至到今天明昨、，",
    "41",
    "110.05",
    "2023-",
    "..",
    "nan",
    "inf",
    "1e999",
    "e5",
    "T16:30Z",
    "+08:00",
    "today",
    "2023-03-14T",
    "ınf",
    "İ",
    "ſ",
    "K",
    "\u3000",
]


@settings(max_examples=300)
@given(st.text())
def test_arbitrary_text_gives_result_or_input_error(text: str) -> None:
    check_every_parser(text)


@settings(max_examples=500)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_lookalike_text_gives_result_or_input_error(text: str) -> None:
    check_every_parser(text)


DATES = st.dates(min_value=date(YEARS[0], 1, 1), max_value=date(YEARS[1], 12, 31))


@pytest.mark.parametrize("text", ["1899-12-31", "2201-01-01", "0001-01-01", "9999-12-31",
                                  "2200-12-31..2201-01-02", "18991231"])
def test_years_outside_what_the_rules_speak_of_are_refused(text: str) -> None:
    with pytest.raises(InputError, match=f"outside {YEARS[0]}–{YEARS[1]}"):
        parse_date_span(text, TODAY)


@settings(max_examples=300)
@given(DATES)
def test_dates_round_trip(day: date) -> None:
    y, m, d = f"{day.year:04d}", day.month, day.day
    for text in (
        day.isoformat(),
        f"{y}/{m}/{d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{y}年{m}月{d}日",
    ):
        assert parse_date(text, TODAY) == day
    assert parse_date(f"{m}月{d}日", day.replace(month=1, day=1)) == day


@settings(max_examples=300)
@given(
    st.dates(min_value=date(YEARS[0], 1, 1),
             max_value=date(YEARS[1], 12, 31) - timedelta(days=MAX_SPAN_DAYS)),
    st.integers(min_value=0, max_value=MAX_SPAN_DAYS - 1),
)
def test_spans_round_trip(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    assert parse_date_span(f"{start.isoformat()}..{end.isoformat()}", TODAY) == (start, end)


OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@settings(max_examples=300)
@given(
    st.datetimes(min_value=datetime(YEARS[0], 1, 2), max_value=datetime(YEARS[1], 12, 30),
                 timezones=OFFSETS),
    st.sampled_from(["T", " "]),
)
def test_aware_datetimes_give_shanghai_date(moment: datetime, sep: str) -> None:
    expected = moment.astimezone(LOCAL_TZ).date()
    assert parse_date(moment.isoformat(sep=sep), TODAY) == expected


@settings(max_examples=200)
@given(st.datetimes(min_value=datetime(YEARS[0], 1, 1), max_value=datetime(YEARS[1], 12, 31)))
def test_naive_datetimes_are_local(moment: datetime) -> None:
    assert parse_date(moment.isoformat(), TODAY) == moment.date()
