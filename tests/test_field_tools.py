"""Field tools: distance and direction, place names, calendars, the guide."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from typer.testing import CliRunner

from firecheck.cli import app
from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.errors import InputError
from firecheck.geo.projection import to_local
from firecheck.rules.model import RuleSet
from firecheck.zones.gazetteer import Gazetteer
from firecheck.zones.model import ZoneSet
from firecheck.zones.nearby import nearest

from conftest import EXACT

runner = CliRunner()


def test_near_gives_distance_direction_and_inside(zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(2300)
    x, y = to_local(lon, lat)
    first = nearest(zones, float(x), float(y))[0]
    assert first.zone.designation == "chunkunshan-nr"
    assert first.edge_m == pytest.approx(2300, abs=0.1)
    assert first.buffer_line_m == pytest.approx(1800, abs=0.1)
    assert first.direction("zh") == "西" and first.direction("en") == "W"
    assert first.within == "beyond" and not first.inside
    inside = nearest(zones, EXACT.cx, EXACT.cy)[0]
    assert inside.inside and inside.within == "certain" and inside.direction("en") == ""


def test_near_command(synthetic_zones_path: Path) -> None:
    lat, lon = EXACT.east_of_edge(2300)
    result = runner.invoke(app, ["near", f"{lat},{lon}", "--zones", str(synthetic_zones_path),
                                 "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0
    first = data["zones"][0]
    assert first["direction_zh"] == "西" and first["edge_distance_m"] == pytest.approx(2300, 0.01)
    text = runner.invoke(app, ["near", f"{lat},{lon}", "--zones", str(synthetic_zones_path),
                               "--lang", "zh"], terminal_width=200).stdout
    assert "2.3 公里" in text and "西" in text


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(metres=st.floats(-900, 1500), day=st.dates(date(2023, 3, 15), date(2023, 5, 31)))
def test_near_agrees_with_check(rules: RuleSet, zones: ZoneSet, metres: float,
                                day: date) -> None:
    """Inside/outside the ban area: `near` and `check` give the same answer."""
    lat, lon = EXACT.east_of_edge(metres)
    x, y = to_local(lon, lat)
    zone = next(n for n in nearest(zones, float(x), float(y), count=20)
                if n.zone.designation == "chunkunshan-nr")
    verdict = evaluate(Request(lat, lon, day, "bbq"), rules, zones)
    banned = any(h.designation == "chunkunshan-nr" for r in verdict.reasons
                 if r.code == "fire_ban" for h in r.zones)
    assert banned == (zone.within == "certain")
    if abs(metres) > 0.01:  # the projection round trip moves a point by ~1e-9 m
        assert zone.inside == (metres < 0)


def test_place_names_carry_their_accuracy(rules: RuleSet, real_zones: ZoneSet) -> None:
    gazetteer = Gazetteer.load(real_zones)
    for name in ("金山镇", "固阳县城", "Jinshan", "jinshan", "西斗铺", "Xidoupu", "红泥井",
                 "Hongnijing", "秦长城文物保护区"):
        assert gazetteer.find(name)
    seat = gazetteer.find("金山镇")
    assert seat.accuracy_m == 1500 and seat.lat == pytest.approx(41.03349)  # the better point
    assert gazetteer.find("西斗").name_zh == "西斗铺"  # part of a name, one place
    with pytest.raises(InputError) as info:
        gazetteer.find("西斗浦")
    assert "西斗铺" in info.value.text.zh
    with pytest.raises(InputError) as info:  # several places: listed, never guessed
        gazetteer.find("秦长城")
    assert "有歧义" in info.value.text.zh and "秦长城文物保护区" in info.value.text.zh
    assert gazetteer.find("春坤山").in_zones == ("chunkunshan-nr",)  # a zone: stated inside


def test_village_point_near_a_zone_is_uncertain(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "-p", "秦长城康图沟段", "-a", "bbq", "-d", "2023-04-01",
                                 "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 12 and data["query"]["accuracy_m"] == 3000
    assert any(w["code"] == "place_name" for w in data["warnings"])
    unknown = runner.invoke(app, ["check", "-p", "Atlantis", "-a", "bbq"])
    assert unknown.exit_code == 2 and "Atlantis" in unknown.stderr
    both = runner.invoke(app, ["check", "41,110", "-p", "金山镇", "-a", "bbq"])
    assert both.exit_code == 2


def test_calendar_and_ics_match_periods(tmp_path: Path) -> None:
    ics = tmp_path / "g.ics"
    result = runner.invoke(app, ["calendar", "2026", "--ics", str(ics), "--lang", "en"],
                           terminal_width=200)
    assert result.exit_code == 0 and "assumed to recur" in " ".join(result.stdout.split())
    periods = json.loads(runner.invoke(app, ["periods", "2026", "--json"]).stdout)["periods"]
    expected = {(p["rule_id"], a, b) for p in periods for a, b in p["dates"]}
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    got = set()
    for event in events:
        start = event.decoded("dtstart")
        end = event.decoded("dtend")
        rule = str(event.get("description")).split("rule: ")[1].splitlines()[0]
        got.add((rule, start.isoformat(), date.fromordinal(end.toordinal() - 1).isoformat()))
        if rule.startswith("guyang-fire-ban"):
            assert "assumed to recur" in str(event.get("description"))
    assert got == expected
    first = ics.read_bytes()
    runner.invoke(app, ["calendar", "2026", "--ics", str(ics)])
    assert ics.read_bytes() == first  # reproducible


def test_guide_and_help_examples() -> None:
    guide = runner.invoke(app, [])
    assert guide.exit_code == 0 and "firecheck check" in guide.stdout
    for command in (["check"], ["batch"], ["near"], ["calendar"], ["periods"], ["activities"],
                    ["hotlines"], ["rules"], ["zones", "import"], ["zones", "validate"]):
        text = runner.invoke(app, [*command, "--help"], terminal_width=200).stdout
        assert text.count("firecheck " + command[0]) >= 2, command
