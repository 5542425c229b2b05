"""What a person sees: the answer's first line (status, one sentence, a number to call),
--brief, narrow terminals, ranges, the calendar without colour, stated facts, and the law's
duties and fine conditions where they belong."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from firecheck import check
from firecheck.cli import app
from firecheck.views.layout import Para, wrap

PHONE = re.compile(r"(12119|0472-\d{7})")
SEAT = "41.0335,110.0520"


def run(*args: str, columns: int = 80) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})
    return result.exit_code, result.stdout.splitlines()


@pytest.mark.parametrize("args", [
    ("--in-zone", "秦长城", "-a", "上坟烧纸", "-d", "2023-04-05"),
    ("-p", "秦长城文物保护区", "-a", "上坟烧纸", "-d", "2023-04-05"),
    ("--in-zone", "秦长城", "-a", "扫墓", "-d", "2023-04-05"),
])
def test_a_ranger_at_the_qin_wall_on_qingming(args: tuple[str, ...]) -> None:
    code, lines = run("check", *args)
    assert code == 10
    assert lines[0].startswith("禁止") and PHONE.search(lines[0])
    assert "位于秦长城文物保护区内（用户所述）" in "".join(line.strip() for line in lines)


def test_the_first_line_acts_for_every_status() -> None:
    for args, word in (((SEAT, "-a", "秸秆", "-d", "2023-07-01"), "禁止"),
                       ((SEAT, "-a", "bbq", "-d", "2023-04-01"), "无法确定"),
                       (("--in-zone", "春坤山", "-a", "entry", "-d", "2023-04-01"), "须经批准"),
                       ((SEAT, "-a", "bbq", "-d", "2023-07-01"), "未禁止"),
                       (("45,120", "-a", "bbq", "-d", "2023-07-01"), "不在本县范围")):
        _, lines = run("check", *args)
        assert lines[0].startswith(word) and PHONE.search(lines[0]), args


def test_uncertain_says_what_it_depends_on_and_what_to_do() -> None:
    _, lines = run("check", SEAT, "-a", "bbq", "-d", "2023-04-01", "--brief")
    head = "".join(lines[:4])
    assert "取决于" in head and "是则禁止" in head
    assert "请拨 0472-8113344 核实" in head and "核实前按禁止对待" in head
    _, lines = run("check", SEAT, "-a", "bbq", "-d", "2023-04-01", "--brief", "--lang", "en")
    assert "Depends on" in lines[0] and "treat as prohibited" in " ".join(lines[:4])


@pytest.mark.parametrize("args", [
    (SEAT, "-a", "bbq", "-d", "2023-04-01"),
    ("41.1145,110.052", "-a", "上坟烧纸", "-d", "2023-04-05"),
    (SEAT, "-a", "秸秆", "-d", "2023-10-01"),
    ("--in-zone", "秦长城", "-a", "上坟烧纸", "-d", "2023-04-05"),
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_brief_is_at_most_six_lines(args: tuple[str, ...], lang: str) -> None:
    code, lines = run("check", *args, "--brief", "--lang", lang)
    assert code in (10, 12) and 2 <= len(lines) <= 6, lines
    assert PHONE.search(lines[0])  # status and a number on the first line


def test_the_default_view_is_shorter_than_the_details() -> None:
    args = ("check", "41.1145,110.052", "-a", "上坟烧纸", "-d", "2023-04-05")
    _, normal = run(*args)
    _, details = run(*args, "--details")
    assert len(normal) < len(details)
    assert any("出处" in line for line in details) and not any("出处" in line for line in normal)


NUMBER = re.compile(r"\d[\d,.–\-]*\d|\d")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("args", [
    (SEAT, "-a", "秸秆", "-d", "2023-10-01", "--details"),
    ("41.1145,110.052", "-a", "上坟烧纸", "-d", "2023-04-05"),
    (SEAT, "-a", "bbq", "-d", "2023-05-25..2023-06-05"),
])
def test_fifty_columns_break_no_number_or_word(args: tuple[str, ...], lang: str) -> None:
    """Every number and every Latin word of the 200-column text appears whole at 50."""
    _, wide = run("check", *args, "--lang", lang, columns=200)
    _, narrow = run("check", *args, "--lang", lang, columns=50)
    assert max(len(line) for line in narrow) <= 50
    tokens = set(re.findall(r"[A-Za-z]{3,}|0472-\d{7}|\d[\d,]*(?:–\d[\d,]*)?", " ".join(wide)))
    flat = [set(re.findall(r"[A-Za-z]{3,}|0472-\d{7}|\d[\d,]*(?:–\d[\d,]*)?", line))
            for line in narrow]
    found = set().union(*flat)
    assert tokens <= found, sorted(tokens - found)[:10]


def test_wrapping_keeps_numbers_units_and_bullets_together() -> None:
    para = Para.of("个人 200–3000元；单位 10000–50000元；请拨 0472-8113344 核实", first=" • ")
    lines = [line.plain for line in wrap(para, 20)]
    assert lines[0].startswith(" • 个人")
    joined = "|".join(lines)
    for whole in ("200–3000元", "10000–50000元", "0472-8113344"):
        assert any(whole in line for line in lines), joined


def test_a_range_lists_runs_and_each_distinct_answer_once() -> None:
    code, lines = run("check", SEAT, "-a", "bbq", "--land", "farmland", "-d",
                      "2023-05-20..2023-06-08", "--lang", "en")
    text = "\n".join(lines)
    assert code == 12
    assert "2023-05-20–05-31 (12 d)" in text and "2023-06-01–06-08 (8 d)" in text
    assert text.count("Whom to call") == 1  # the allowed days have no second answer block


def test_the_calendar_keeps_its_meaning_without_colour() -> None:
    result = CliRunner().invoke(app, ["calendar", "2023", "--lang", "en"])
    out = result.stdout
    assert " 3 " not in out.splitlines()[3][:3]
    assert "Mar 1–14 fire-prevention period; 15–31 fire ban" in out.replace("\n    ", " ")


def test_stated_facts_are_recorded_as_stated() -> None:
    verdict = check(SEAT, "smoking", "2023-10-01", land="林地", in_zones=("春坤山",))
    data = verdict.to_dict()
    assert {"fact": "land", "value": "forest", "source": "stated"} in data["facts"]
    assert any(f["fact"] == "in_zone" and f["value"] == "chunkunshan-nr" for f in data["facts"])
    hits = [z for r in data["reasons"] for z in r["zones"] if z["source"] == "stated"]
    assert hits == [] or all(z["edge_distance_m"] is None for z in hits)
    bare = check(None, "bbq", "2023-04-01", in_zones=("春坤山",)).to_dict()
    assert bare["place"]["lat"] is None and bare["place"]["county_scope_source"] == "stated"


def test_duties_belong_to_their_activity_and_status() -> None:
    grave = {d["id"] for d in check(None, "上坟烧纸", "2023-04-05",
                                     in_zones=("秦长城",)).to_dict()["duties"]}
    bbq = {d["id"] for d in check(None, "bbq", "2023-04-05", in_zones=("秦长城",)).to_dict()[
        "duties"]}
    assert "fire-ban-civilised-memorial" in grave and "fire-ban-civilised-memorial" not in bbq
    assert {"fire-ban-guardianship", "criminal-law-arson"} <= bbq
    straw = {d["id"] for d in check(SEAT, "秸秆", "2023-07-01").to_dict()["duties"]}
    assert {"straw-alternatives", "straw-report"} <= straw
    entry = {d["id"] for d in check(None, "entry", "2023-04-01",
                                    in_zones=("春坤山",)).to_dict()["duties"]}
    assert "fire-ban-obey" in entry


def test_the_fire_command_number_carries_both_names() -> None:
    lines = check(SEAT, "秸秆", "2023-07-01").hotlines
    (line,) = [h for h in lines if h.number == "0472-8113344"]
    assert "防火指挥部" in line.name_zh and "应急管理局" in line.name_zh


def test_text_shows_each_fines_conditions() -> None:
    _, lines = run("check", SEAT, "-a", "秸秆", "-d", "2023-07-01", columns=200)
    text = "\n".join(lines)
    assert "情节严重的处以罚款" in text  # 大气污染防治法 Art. 119: the notice fines serious cases
    assert "警告或200元以下罚款；情节严重的，处5–10日拘留" in text  # 治安管理处罚法 Art. 50
    _, lines = run("check", "--in-zone", "春坤山", "-a", "entry", "-d", "2023-04-01",
                   "--land", "forest", columns=200)
    assert any("森林高火险区" in line for line in lines)  # Art. 52 applies in high-risk areas


def test_the_verdict_json_marks_superseded_acts_as_secondary() -> None:
    data = json.loads(CliRunner().invoke(app, ["rules", "--json"]).stdout)
    forest = next(d for d in data["documents"] if d["id"] == "forest-fire-regulations-2008")
    assert forest["superseded"] == "2026-01-01" and forest["superseded_status"] == "secondary"
    assert "repealed" not in forest


def test_an_ambiguous_place_name_lists_the_candidates() -> None:
    result = CliRunner().invoke(app, ["check", "-p", "秦长城", "-a", "bbq", "-d", "2023-04-01"])
    assert result.exit_code == 2
    assert "有歧义" in result.stderr and "秦长城文物保护区" in result.stderr
