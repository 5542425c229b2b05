"""The public Python API: what a script can do without the command line, and what it costs
to import."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import firecheck
from firecheck import InputError, RangeVerdict, Verdict, check, check_file, check_rows
from firecheck.cli import app
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

SEAT = "41.0335,110.0520"  # 金山镇, the county seat (GeoNames)
HEAVY = ("pyarrow", "ijson", "matplotlib", "pandas", "shapefile", "icalendar", "pyogrio")


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent)
    return done.stdout


def test_the_done_when_line_in_a_fresh_interpreter() -> None:
    out = _python("from firecheck import check\n"
                  "print(check('41.0335,110.0520', '焚烧秸秆', '2023-07-01').status)")
    assert out.strip() == "prohibited"


def test_importing_firecheck_loads_nothing_heavy() -> None:
    out = _python("import sys, firecheck\nprint(sorted(sys.modules))")
    loaded = set(json.loads(out.replace("'", '"')))
    assert not loaded & {"numpy", "shapely", "pyproj", "typer", "rich", *HEAVY}
    assert "firecheck.engine" not in loaded


@pytest.mark.parametrize("argv", [
    ["check", SEAT, "-a", "秸秆", "-d", "2023-07-01"],
    ["check", SEAT, "-a", "bbq", "-d", "2023-04-01..2023-04-03", "--json"],
    ["near", SEAT], ["periods", "2023"], ["hotlines"], ["--version"]])
def test_a_single_command_imports_no_batch_or_map_library(argv: list[str]) -> None:
    code = ("import sys\nfrom firecheck.cli import run\n"
            f"run({argv!r})\n"
            "print('MODULES', sorted(sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES"))
    loaded = set(json.loads(line[len("MODULES "):].replace("'", '"')))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not {m for m in loaded if m.startswith(("firecheck.batch", "firecheck.views.maps"))}


def test_a_batch_does_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas (0.4 s) on its first conversion only to ask whether a value is
    a pandas object; a batch settles that without it, and to_pandas() still works after."""
    pytest.importorskip("pandas")
    source = tmp_path / "in.csv"
    source.write_text(f"lat,lon,date,activity\n{SEAT},2023-04-01,bbq\n", "utf-8")
    code = ("import sys\nfrom firecheck.cli import run\n"
            f"code = run(['batch', {str(source)!r}, '-o', {str(tmp_path / 'out.csv')!r}])\n"
            "print(code, 'pandas' in sys.modules)\n"
            "import pyarrow as pa\nprint(type(pa.table({'a': [1]}).to_pandas()).__name__)")
    assert _python(code).split() == ["0", "False", "DataFrame"]


@pytest.mark.parametrize("out", ["out.csv", "out.xlsx", "out.json"])
def test_a_batch_does_not_import_pyarrow_compute(tmp_path: Path, out: str) -> None:
    """``import pyarrow.compute`` costs ~50 ms (it wraps every kernel in Python): a batch
    calls the kernels by name, through every path its rows take here — numbers that need
    the parser, a blank row, an error row, a range, a cell Excel would run."""
    source = tmp_path / "in.csv"
    source.write_text("id,lat,lon,date,activity\n"
                      f"=1+1,{SEAT},2023-04-01,bbq\n"
                      "2,41°2′N,110.05,2023-04-01..2023-04-03,秸秆\n"
                      ",,,,\n"
                      "4,91x,110.05,2023-04-01,bbq\n", "utf-8")
    code = ("import sys\nfrom firecheck.cli import run\n"
            f"code = run(['batch', {str(source)!r}, '-o', {str(tmp_path / out)!r}])\n"
            "print(code, 'pyarrow.compute' in sys.modules)")
    assert _python(code).split() == ["0", "False"]


def test_the_command_line_batch_uses_a_pool_that_returns_memory(tmp_path: Path) -> None:
    """The batch command makes jemalloc (where pyarrow has it) the Arrow pool of its own
    process; the API leaves a program's pool as it was."""
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    source = tmp_path / "in.csv"
    source.write_text(f"lat,lon,date,activity\n{SEAT},2023-04-01,bbq\n", "utf-8")
    code = ("import pyarrow as pa\nfrom firecheck.api import check_rows\n"
            "list(check_rows([{'lat': 41.0, 'lon': 110.0, 'date': '2023-04-01', 'activity': 'bbq'}]))\n"
            "print(pa.default_memory_pool().backend_name)\n"
            "from firecheck.cli import run\n"
            f"code = run(['batch', {str(source)!r}, '-o', {str(tmp_path / 'out.csv')!r}])\n"
            "print(code, pa.default_memory_pool().backend_name)")
    before = _python("import pyarrow as pa\nprint(pa.default_memory_pool().backend_name)")
    assert _python(code).split() == [before.strip(), "0", "jemalloc"]


def test_a_pool_the_user_chose_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """ARROW_DEFAULT_MEMORY_POOL is how a user picks Arrow's pool (e.g. 'system' where
    jemalloc fails, on 64 KiB pages): firecheck leaves it."""
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    code = ("import pyarrow as pa\nfrom firecheck.batch.arrow import use_returning_pool\n"
            "use_returning_pool()\nprint(pa.default_memory_pool().backend_name)")
    assert _python(code).strip() == "system"


def test_to_dict_is_exactly_what_check_json_prints() -> None:
    verdict = check(SEAT, "焚烧秸秆", "2023-07-01")
    assert isinstance(verdict, Verdict) and verdict.status == "prohibited"
    cli = CliRunner().invoke(app, ["check", SEAT, "-a", "焚烧秸秆", "-d", "2023-07-01", "--json"])
    assert cli.exit_code == 10
    assert cli.stdout == json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2) + "\n"


def test_a_range_is_a_range_verdict() -> None:
    answer = check(SEAT, "bbq", "2023-05-30..2023-06-02")
    assert isinstance(answer, RangeVerdict)
    assert answer.spans[0].start == date(2023, 5, 30)
    assert answer.spans[-1].end == date(2023, 6, 2)
    cli = CliRunner().invoke(app, ["check", SEAT, "-a", "bbq", "--from", "2023-05-30",
                                   "--to", "2023-06-02", "--json"])
    assert json.loads(cli.stdout) == answer.to_dict()
    assert answer.status == answer.to_dict()["status"]


def test_the_api_takes_what_the_cli_takes() -> None:
    by_name = check("金山镇", "秸秆", "2023年7月1日")
    by_dms = check("北纬41度2分 东经110度3分", "straw", date(2023, 7, 1))
    by_parts = check(None, "STRAW", "2023-07-01", lat="41.0335", lon=110.052)
    assert by_name.status == by_dms.status == by_parts.status == "prohibited"
    assert any(w.code == "place_name" for w in by_name.warnings)
    swapped = check("110.052,41.0335", "straw", "2023-07-01")
    assert [w.code for w in swapped.warnings] == ["swapped_lat_lon"]  # travels on the verdict
    phone = check("41.0352,110.0581", "straw", "2023-07-01", datum="gcj02")
    assert [w.code for w in phone.warnings] == ["datum_converted"]


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"place": "41.03,abc", "activity": "bbq"}, "41.03,abc"),
    ({"place": SEAT, "activity": "flying"}, "flying"),
    ({"place": SEAT, "activity": "bbq", "date": "2023-02-30"}, "2023-02-30"),
    ({"place": SEAT, "activity": "bbq", "actor": "company"}, "company"),
    ({"place": "火星基地", "activity": "bbq"}, "火星基地"),
    ({"place": SEAT, "activity": "bbq", "start": "2023-01-01", "end": "2033-12-31"}, "3660"),
])
def test_mistakes_are_input_errors_in_both_languages(kwargs: dict, word: str) -> None:
    with pytest.raises(InputError) as info:
        check(**kwargs)
    assert word in info.value.text.en and word in info.value.text.zh


def test_a_long_range_is_refused_whichever_way_it_is_written() -> None:
    for kwargs in ({"date": "2023-01-01..2033-12-31"},
                   {"start": "2023-01-01", "end": "2033-12-31"}):
        with pytest.raises(InputError, match="at most 3660"):
            check(SEAT, "bbq", **kwargs)


def test_check_file_reads_and_writes_file_objects() -> None:
    source = io.BytesIO("编号,纬度,经度,日期,活动\n1,41.0335,110.0520,2023-07-01,秸秆\n"
                        "2,41.0335,110.0520,2023-07-01,放风筝\n".encode())
    target = io.BytesIO()
    summary = check_file(source, target, output_format="jsonl", lang="en")
    rows = [json.loads(line) for line in target.getvalue().decode().splitlines()]
    assert summary.rows == 2 and summary.counts == {"prohibited": 1, "error": 1}
    assert rows[0]["编号"] == "1" and rows[0]["status"] == "prohibited"
    assert rows[1]["status"] == "error" and rows[1]["error"]["code"] == "unknown_activity"
    assert rows[1]["error"]["message_en"].startswith("line 3: unknown activity")


def test_check_rows_answers_each_row_in_order(rules: RuleSet, real_zones: ZoneSet) -> None:
    rows = [{"lat": 41.0335, "lon": 110.052, "date": "2023-07-01", "activity": "straw"},
            {"lat": "x"}, {"lat": "45", "lon": "120", "date": "2023-07-01", "activity": "straw"}]
    out = list(check_rows(rows, rules=rules, zones=real_zones, lang="en"))
    assert [r["status"] for r in out] == ["prohibited", "error", "out_of_scope"]
    assert out[0]["lat"] == 41.0335  # the row's own fields come back as given


def test_public_names_are_exported() -> None:
    for name in firecheck.__all__:
        assert getattr(firecheck, name) is not None
    assert "check" in dir(firecheck)
    with pytest.raises(AttributeError):
        _ = firecheck.no_such_name  # type: ignore[attr-defined]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lat=st.floats(40.6, 41.6), lon=st.floats(109.5, 110.9),
       day=st.dates(date(2022, 1, 1), date(2027, 12, 31)),
       activity=st.sampled_from(["bbq", "秸秆", "entry", "上坟烧纸", "vehicle"]))
def test_the_api_and_the_command_line_agree(lat: float, lon: float, day: date,
                                           activity: str) -> None:
    place = f"{lat!r},{lon!r}"
    verdict = check(place, activity, day.isoformat())
    cli = CliRunner().invoke(app, ["check", place, "-a", activity, "-d", day.isoformat(),
                                   "--json"])
    assert json.loads(cli.stdout) == verdict.to_dict()


def test_check_rows_takes_python_values(rules: RuleSet, real_zones: ZoneSet) -> None:
    """Rows from Python hold Python values: a date, an aware date-time (read in local time,
    UTC+8: 20:00 UTC on 4 April is 5 April there), numpy numbers, a Decimal. Each is read
    as a file would give it, and a value no field can read is that row's error, not a
    TypeError that loses the rest."""
    import datetime as dt
    from decimal import Decimal

    import numpy as np

    base = {"lat": 41.0335, "lon": 110.052, "activity": "straw"}
    rows = [{**base, "date": date(2023, 7, 1)},
            {**base, "date": dt.datetime(2023, 4, 4, 20, 0, tzinfo=dt.UTC)},
            {**base, "id": np.int64(7), "lat": np.float32(41.0335), "date": "2023-07-01"},
            {**base, "lon": Decimal("110.052"), "date": "2023-07-01"},
            {**base, "date": object()}]
    out = list(check_rows(rows, rules=rules, zones=real_zones, lang="en"))
    assert [r["status"] for r in out] == ["prohibited"] * 4 + ["error"]
    assert [r["date_used"]["start"] for r in out[:2]] == ["2023-07-01", "2023-04-05"]
    assert out[4]["error"]["code"] == "invalid_date"


def test_check_rows_loses_only_the_row_a_value_breaks(rules: RuleSet, real_zones: ZoneSet) -> None:
    """What a script's rows may hold: a list that holds itself, a value whose __str__
    raises or gives a lone surrogate, an integer of 5,000 digits, keys that are not text,
    pandas-style missing values (NaN is missing, so the default activity applies). Each
    input row gets exactly one result; none stops the others."""
    import numpy as np

    class Raising:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    loop: list = []
    loop.append(loop)
    base = {"lat": 41.0335, "lon": 110.052, "date": "2023-07-01", "activity": "straw"}
    rows = [{**base, "note": loop}, {**base, "note": Raising()}, {**base, "note": 10**5000},
            {**base, "note": ("x\ud800",)}, {**base, 1: "one"}, {**base, "lat": float("nan")},
            {**base, "activity": float("nan")}, {**base, "date": np.datetime64("NaT")}, base]
    out = list(check_rows(rows, rules=rules, zones=real_zones, lang="en", activity="straw"))
    assert len(out) == len(rows)
    codes = [r["error"]["code"] if r["error"] else r["status"] for r in out]
    assert codes == ["prohibited", "unreadable_row", "unreadable_row", "unreadable_row",
                     "prohibited", "missing_coordinates", "prohibited", "missing_date",
                     "prohibited"]
    assert "RuntimeError: no text" in out[1]["error"]["message_en"]
