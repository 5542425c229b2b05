"""The command line: exit codes, JSON form, languages, and clear errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from firecheck.cli import EXIT_CODES, app

from conftest import EXACT

runner = CliRunner()


def run(*args: str, zones: Path | None = None) -> tuple[int, str, str]:
    argv = list(args) + (["--zones", str(zones)] if zones else [])
    result = runner.invoke(app, argv)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def place(metres: float) -> str:
    lat, lon = EXACT.east_of_edge(metres)
    return f"{lat:.8f},{lon:.8f}"


def test_check_json_prohibited(synthetic_zones_path: Path) -> None:
    code, out, _ = run("check", place(100), "-a", "烧烤", "-d", "2023-04-01", "--json",
                       zones=synthetic_zones_path)
    data = json.loads(out)
    assert code == EXIT_CODES["prohibited"] == 10
    assert data["status"] == "prohibited"
    reason = next(r for r in data["reasons"] if r["code"] == "fire_ban")
    assert reason["zones"][0]["edge_distance_m"] == pytest.approx(100, abs=0.1)
    assert reason["citation"]["date"] == "2023-03-13"
    assert reason["period"] == {"start": "2023-03-15", "end": "2023-05-31"}
    assert data["versions"]["rules"].startswith("sha256:")
    assert data["versions"]["zones"].startswith("sha256:")
    assert data["hotlines"][0]["number"] == "12119"


def test_time_zone_edge_on_the_command_line(synthetic_zones_path: Path) -> None:
    """16:30 UTC on 14 March is 00:30 on 15 March in Guyang: the ban has begun."""
    code, out, _ = run("check", place(100), "-a", "bbq", "-d", "2023-03-14T16:30Z", "--json",
                       zones=synthetic_zones_path)
    assert code == 10 and json.loads(out)["date"] == "2023-03-15"
    code, out, _ = run("check", place(100), "-a", "bbq", "-d", "2023-03-14T15:59Z", "--json",
                       zones=synthetic_zones_path)
    assert code != 10 and json.loads(out)["date"] == "2023-03-14"


def test_range_json_and_exit_code(synthetic_zones_path: Path) -> None:
    code, out, _ = run("check", place(100), "-a", "bbq", "-d", "2023-05-25..2023-06-05",
                       "--json", zones=synthetic_zones_path)
    data = json.loads(out)
    assert code == 10 and data["status"] == "prohibited"
    assert [(s["start"], s["end"], s["status"]) for s in data["spans"]] == [
        ("2023-05-25", "2023-05-31", "prohibited"),
        ("2023-06-01", "2023-06-05", "uncertain"),  # the fire period: land type unknown
    ]
    same = run("check", place(100), "-a", "bbq", "--from", "2023-05-25", "--to", "2023-06-05",
               "--json", zones=synthetic_zones_path)
    assert same[1] == out


def test_output_is_deterministic(synthetic_zones_path: Path) -> None:
    args = ("check", place(450), "-a", "bbq", "-d", "2023-11-10", "--json")
    assert run(*args, zones=synthetic_zones_path)[1] == run(*args, zones=synthetic_zones_path)[1]


@pytest.mark.parametrize(("lang", "word"), [("zh", "禁止"), ("en", "PROHIBITED")])
def test_human_output_languages(synthetic_zones_path: Path, lang: str, word: str) -> None:
    code, out, _ = run("check", place(100), "-a", "bbq", "-d", "2023-04-01", "--lang", lang,
                       zones=synthetic_zones_path)
    assert code == 10 and word in out and "12119" in out


FAR = ("--lat", "-7.7", "--lon", "-160.5")  # PROJ cannot place it on the county's plane (inf)


def test_a_place_beyond_the_local_plane_is_out_of_scope_without_a_distance() -> None:
    code, out, _ = run("check", *FAR, "-a", "bbq", "-d", "2026-04-01", "--json", "--lang", "en")
    data = json.loads(out)  # strict JSON: no Infinity
    assert code == 13 and data["status"] == "out_of_scope"
    assert data["place"]["county_edge_distance_m"] is None
    assert data["reasons"][0]["explanation_en"].startswith("Far outside")
    code, out, _ = run("near", *FAR, "--json")
    assert code == 0 and json.loads(out)["zones"] == []
    code, _, err_text = run("map", *FAR, "-o", "far.svg", "--lang", "en")
    assert code == 2 and "too far from Guyang to draw" in err_text
    code, out, _ = run("check", *FAR, "--datum", "bd09", "-a", "bbq", "--json")
    assert "moved 1012 m" in json.dumps(json.loads(out)["warnings"])  # on the ellipsoid
    code, out, _ = run("near", "30,110", "--lang", "en")  # far, but on the plane
    assert code == 0 and "may cover this place" not in out


def test_exit_codes_per_status(synthetic_zones_path: Path) -> None:
    cases = {
        "allowed": (place(3000), "2023-07-01", "bbq"),
        "permit_required": (place(-100), "2023-04-01", "entry"),
        "uncertain": (place(3000), "2023-04-01", "bbq"),
        "prohibited": (place(100), "2023-04-01", "bbq"),
        "out_of_scope": ("40.5,110.0", "2023-04-01", "bbq"),
    }
    for status, (where, day, activity) in cases.items():
        code, _, _ = run("check", where, "-a", activity, "-d", day, zones=synthetic_zones_path)
        assert code == EXIT_CODES[status], status
    assert run("check", "41.03,110.05", "-a", "bbq", "-d", "2023-04-01")[0] == 12  # shipped data


@pytest.mark.parametrize("args", [
    ("check", "41.03", "-a", "bbq"),
    ("check", "nan,110", "-a", "bbq"),
    ("check", "95,110", "-a", "bbq"),
    ("check", "abc", "-a", "bbq"),
    ("check", "41.03,110.05", "-a", "bbq", "-d", "2023-02-30"),
    ("check", "41.03,110.05", "-a", "bbq", "-d", "yesterday-ish"),
    ("check", "41.03,110.05", "-a", "bbq", "-d", "2023-06-05..2023-05-25"),
    ("check", "41.03,110.05", "-a", "bbq", "--datum", "mars"),
    ("check", "41.03,110.05", "-a", "volcano"),
    ("check", "41.03,110.05", "--lat", "41", "-a", "bbq"),
    ("check", "-a", "bbq"),
    ("periods", "99999"),
])
def test_user_mistakes_get_a_message_and_exit_2(args: tuple[str, ...]) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip() or "Usage" in result.output


def test_swapped_lon_lat_is_corrected_with_a_warning() -> None:
    _, out, _ = run("check", "110.05,41.03", "-a", "bbq", "-d", "2023-07-01", "--json")
    data = json.loads(out)
    assert data["place"]["lat"] == pytest.approx(41.03)
    assert any(w["code"] == "swapped_lat_lon" for w in data["warnings"])


def test_bad_zones_file_is_a_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "zones.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    result = runner.invoke(app, ["check", "41.03,110.05", "-a", "bbq", "--zones", str(bad),
                                 "--lang", "en"])
    assert result.exit_code == 3 and "feature 0" in result.stderr


@pytest.mark.parametrize("command", ["activities", "zones", "periods", "hotlines", "rules"])
def test_listing_commands_have_json(command: str) -> None:
    result = runner.invoke(app, [command, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)


def test_periods_2023_lists_every_dated_rule() -> None:
    data = json.loads(runner.invoke(app, ["periods", "2023", "--json"]).stdout)
    by_id = {row["rule_id"]: row for row in data["periods"]}
    assert by_id["guyang-fire-ban-2023"]["dates"] == [["2023-03-15", "2023-05-31"],
                                                       ["2023-11-06", "2023-11-16"]]
    assert by_id["guyang-straw-ban"]["dates"] == [["2023-03-20", "2023-12-31"]]
    # stated as annual ("每年9月15日至次年5月31日"): it ran before the notice of 13 March too
    assert by_id["guyang-fire-period"]["dates"] == [["2022-09-15", "2023-05-31"],
                                                     ["2023-09-15", "2024-05-31"]]
    later = json.loads(runner.invoke(app, ["periods", "2027", "--json"]).stdout)
    ban = next(r for r in later["periods"] if r["kind"] == "fire_ban")
    assert ban["assumed_from_year"] == 2023 and ban["dates"][0] == ["2027-03-15", "2027-05-31"]


def test_hotlines_are_dialable() -> None:
    data = json.loads(runner.invoke(app, ["hotlines", "--json"]).stdout)
    numbers = {h["number"] for h in data["hotlines"]}
    assert {"12119", "0472-8113344", "0472-8119362", "0472-8122150", "0472-6111028",
            "0472-8120119", "0472-2877717", "0472-8112033"} == numbers


def test_installed_entry_point_runs_without_traceback() -> None:
    """The real console entry (python -m firecheck) with the zones file found by the package."""
    proc = subprocess.run(
        [sys.executable, "-m", "firecheck", "check", "41.03,110.05", "-a", "straw", "-d",
         "2023-07-01", "--json", "--lang", "en"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 10, proc.stderr
    assert json.loads(proc.stdout)["status"] == "prohibited"
    bad = subprocess.run([sys.executable, "-m", "firecheck", "check", "x", "-a", "bbq"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "x" in bad.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_human_listings(lang: str) -> None:
    expect = {
        "activities": ("孔明灯", "sky-lantern"),
        "zones": ("guyang-county", "±10000 m"),
        "periods": ("2023-03-15", "2023-11-16"),
        "hotlines": ("0472-6111028", "12119"),
        "rules": ("guyang-fire-ban-2023", "sha256:"),
    }
    for command, words in expect.items():
        args = [command, "--lang", lang] + (["2023"] if command == "periods" else [])
        result = runner.invoke(app, args, terminal_width=200)
        assert result.exit_code == 0, (command, result.output)
        for word in words:
            assert word in result.stdout, (command, word)


def test_human_range_and_uncertain_output(synthetic_zones_path: Path) -> None:
    code, out, _ = run("check", place(100), "-a", "bbq", "-d", "2023-05-30..2023-06-02",
                       "--lang", "en", zones=synthetic_zones_path)
    assert code == 10 and "the strictest answer over the range" in out and "2023-06-01" in out
    code, out, _ = run("check", "41.03,110.05", "-a", "entry", "-d", "2026-04-01", "--actor",
                       "unit")
    assert code == 12 and "无法确定" in out and "假定逐年相同" in out
    code, out, _ = run("check", "40.5,110.0", "-a", "bbq", "-d", "2023-04-01", "--lang", "en")
    assert code == 13 and "outside the Guyang county line" in out


# ----------------------------------------------------------------- usage errors in the user's language


@pytest.mark.parametrize("args,zh,en", [
    (["check", "41,110", "--bogus"], "没有这个选项：--bogus", "No such option: --bogus"),
    (["check", "41,110"], "缺少必需的选项 '--activity'", "Missing option '--activity'"),
    (["check", "41,110", "--activty", "bbq"], "是否要用 --activity", "Possible options: --activity"),
    (["batch", "x.csv", "--workers", "99"], "'--workers' 的值无效：99 不在范围", "99 is not in the range"),
    (["chek"], "没有这个命令：'chek'。是否要用 'check'？", "No such command 'chek'"),
    (["check", "41,110", "-a", "bbq", "--zones", "a\x00b"], "含有 NUL 字节，不可能是文件名",
     "contains a NUL byte; no file name can"),
])
def test_usage_errors_follow_lang(capsys: pytest.CaptureFixture[str], args: list[str], zh: str,
                                  en: str) -> None:
    from firecheck.cli import run

    assert run(args) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert zh in err and "用法错误" in err and "运行 'firecheck" in err and "Traceback" not in err
    assert run([*args, "--lang", "en"]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert en in err and "usage error" in err and "用法" not in err


def test_a_language_firecheck_does_not_speak(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """--lang fr: the error names the option and its environment variable as they are
    (click's "(env var: ...)" inside the option's name was read as the message), in the
    language FIRECHECK_LANG asks for, else Chinese."""
    from firecheck.cli import run

    args = ["check", "41,110", "-a", "bbq", "--lang", "fr"]
    monkeypatch.delenv("FIRECHECK_LANG", raising=False)
    assert run(args) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "'--lang' / '-l'（环境变量 'FIRECHECK_LANG'） 的值无效：'fr'" in err
    assert "不是以下之一" in err and "env var" not in err
    monkeypatch.setenv("FIRECHECK_LANG", "en")
    assert run(args) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "usage error: Invalid value for '--lang'" in err and "用法" not in err


def test_no_file_name_is_stat_before_firecheck_sees_it() -> None:
    """Every file-name parameter takes the name as typed (typer's Path type stats it, and a
    NUL byte escaped that as a ValueError: exit 70, found by the command-line fuzz test)."""
    import typer.main

    from firecheck.cli.options import PathType

    def params(command: Any) -> Iterator[Any]:
        yield from command.params
        for sub in getattr(command, "commands", {}).values():
            yield from params(sub)

    paths = [p for p in params(typer.main.get_command(app)) if p.type.name.lower() == "path"]
    assert len(paths) >= 14 and all(isinstance(p.type, PathType) for p in paths), [
        p.name for p in paths if not isinstance(p.type, PathType)]
    for argv in (["zones", "validate", "a\x00b"], ["zones", "import", "x\x00", "-o", "y"],
                 ["map", "41,110", "-a", "bbq", "-o", "m\x00.svg"]):
        result = CliRunner().invoke(app, argv)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), argv


def test_usage_error_with_json_prints_the_error_object(capsys: pytest.CaptureFixture[str]) -> None:
    from firecheck.cli import run

    assert run(["check", "41,110", "--json", "--bogus"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "firecheck/error/1" and data["code"] == "usage_error"
    assert data["message_en"] == "No such option: --bogus" and "没有这个选项" in data["message_zh"]


def test_help_panels_follow_lang(capsys: pytest.CaptureFixture[str]) -> None:
    from firecheck.cli import run

    assert run(["check", "--help"]) == 0
    assert "选项 · Options" in capsys.readouterr().out
    assert run(["check", "--help", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Options" in out and "选项 ·" not in out
