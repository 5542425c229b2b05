"""Fuzzing: no input a user can type or a file can hold produces a traceback.

Every parser, the command line, the three readers and both data loaders get generated
input; each must answer or raise its documented error (InputError / DataError / a
documented exit code). CI runs about 10,000 cases; FIRECHECK_FUZZ_LONG=1 runs 20x more.
The count actually run is printed at the end of the test session.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from firecheck.batch.readers.csv_reader import is_utf8
from firecheck.batch.run import Options, run_batch
from firecheck.cli import app
from firecheck.errors import DataError, InputError
from firecheck.geo.datum import parse_datum
from firecheck.parse import parse_date, parse_date_span, parse_lat, parse_lon, parse_point
from firecheck.resources import RULES_DIR
from firecheck.rules.loader import build_ruleset
from firecheck.rules.model import RuleSet
from firecheck.zones.load import load_zones
from firecheck.zones.model import ZoneSet

from conftest import count_fuzz_case

SCALE = 20 if os.environ.get("FIRECHECK_FUZZ_LONG") == "1" else 1
TODAY = date(2026, 11, 29)
FAST = settings(max_examples=1500 * SCALE, deadline=None, database=None)
SLOW = settings(max_examples=120 * SCALE, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
EXIT_CODES = {0, 1, 2, 3, 10, 11, 12, 13}

coordinate_text = st.text(alphabet="0123456789.,;-+ °′″'\"NSEWnsew北纬东经度分秒（），eE", max_size=30)
date_text = st.text(alphabet="0123456789-/.年月日号T:Z+ 至到~.todayesrmw今天昨明", max_size=30)
any_text = st.one_of(st.text(max_size=40), coordinate_text, date_text)


def _answers_or_input_error(function, *args) -> None:
    count_fuzz_case()
    try:
        function(*args)
    except InputError as exc:
        assert exc.text.en and exc.text.zh


@FAST
@given(text=st.one_of(any_text, coordinate_text))
def test_fuzz_point(text: str) -> None:
    _answers_or_input_error(parse_point, text)


@FAST
@given(text=any_text)
def test_fuzz_lat_lon(text: str) -> None:
    _answers_or_input_error(parse_lat, text)
    _answers_or_input_error(parse_lon, text)


@FAST
@given(text=st.one_of(any_text, date_text))
def test_fuzz_dates(text: str) -> None:
    _answers_or_input_error(parse_date, text, TODAY)
    _answers_or_input_error(parse_date_span, text, TODAY)


@FAST
@given(text=any_text)
def test_fuzz_datum_and_activity(rules: RuleSet, text: str) -> None:
    _answers_or_input_error(parse_datum, text)
    _answers_or_input_error(rules.activities.resolve, text)


FRAGMENTS = ["check", "batch", "periods", "zones", "rules", "hotlines", "activities",
             "41.03,110.05", "110.05,41.03", "nan,1", "-a", "bbq", "秸秆", "--date", "-d",
             "2023-04-01", "2023-03-14T16:30Z", "today", "--from", "--to", "--lat", "--lon",
             "41", "110", "--datum", "gcj02", "bd09", "mars", "--json", "--lang", "en", "zh",
             "--actor", "unit", "--accuracy", "-5", "50", "--zones", "/nonexistent",
             "--rules", "--as-of-rules", "2023", "99999", "--fail-on", "x", "", " ", "--", "-"]


@SLOW
@given(argv=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)),
                     max_size=8))
def test_fuzz_command_line(argv: list[str]) -> None:
    count_fuzz_case()
    if "batch" in argv and ("-" in argv or "--" in argv):
        return  # would read the test runner's stdin
    result = CliRunner().invoke(app, argv)
    assert result.exit_code in EXIT_CODES, (argv, result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        argv, repr(result.exception))


@FAST
@given(data=st.one_of(st.binary(max_size=60), st.text(max_size=30).map(str.encode)))
def test_fuzz_utf8_check_agrees_with_python(data: bytes) -> None:
    """The CSV fast path's UTF-8 check (Arrow's) accepts exactly what Python decodes."""
    count_fuzz_case()
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert is_utf8(data) is expected


@SLOW
@given(payload=st.binary(max_size=400), fmt=st.sampled_from(["csv", "jsonl", "geojson"]),
       header=st.booleans())
def test_fuzz_readers(tmp_path_factory, rules: RuleSet, zones: ZoneSet, payload: bytes,
                      fmt: str, header: bool) -> None:
    count_fuzz_case()
    folder = tmp_path_factory.mktemp("fuzz")
    prefix = b"id,lat,lon,date,activity\n" if header and fmt == "csv" else b""
    source = folder / f"in.{fmt}"
    source.write_bytes(prefix + payload)
    try:
        summary = run_batch(Options(str(source), str(folder / "out.jsonl"), activity="bbq"),
                            rules, zones, TODAY)
    except InputError:
        return
    lines = (folder / "out.jsonl").read_text("utf-8").splitlines()
    assert summary.rows == len(lines)


@SLOW
@given(data=st.data())
def test_fuzz_zones_loader(tmp_path_factory, synthetic_zones_path: Path, data) -> None:
    count_fuzz_case()
    document = json.loads(synthetic_zones_path.read_text("utf-8"))
    feature = data.draw(st.integers(0, len(document["features"]) - 1))
    key = data.draw(st.sampled_from(["id", "designation", "buffer_m", "accuracy_m",
                                     "completeness", "kind", "name_zh", "geometry"]))
    value = data.draw(st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(),
                                st.text(max_size=8), st.booleans(),
                                st.lists(st.integers(), max_size=3)))
    target = document["features"][feature]
    if key == "geometry":
        target["geometry"] = value
    else:
        target["properties"][key] = value
    path = tmp_path_factory.mktemp("zones") / "z.geojson"
    path.write_text(json.dumps(document), "utf-8")
    try:
        load_zones(path)
    except DataError as exc:
        assert exc.text.en


@SLOW
@given(data=st.data())
def test_fuzz_rules_loader(tmp_path_factory, data) -> None:
    count_fuzz_case()
    files = sorted(RULES_DIR.glob("*.toml"))
    victim = data.draw(st.sampled_from(files))
    text = victim.read_text("utf-8")
    lines = text.splitlines()
    row = data.draw(st.integers(0, len(lines) - 1))
    lines[row] = data.draw(st.one_of(
        st.text(max_size=20),
        st.just(lines[row].replace('"', "")),
        st.just(lines[row].split("=")[0] + "= 12"),
        st.just(""),
    ))
    folder = tmp_path_factory.mktemp("rules")
    for path in files:
        (folder / path.name).write_text("\n".join(lines) if path == victim
                                        else path.read_text("utf-8"), "utf-8")
    try:
        build_ruleset(sorted(folder.glob("*.toml")))
    except DataError as exc:
        assert exc.text.en
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - must be wrapped
        raise AssertionError(f"TOML error escaped: {exc}") from exc
