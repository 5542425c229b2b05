"""Facts pinned to literals from the notices, so that a wrong constant in the code or the
data cannot pass by agreeing with itself: the 500 m of clause 三(一) at exactly 500.0 m and
500.5 m, in every shipped zone, in the importer's default and on the map; the rules version
changing with the rules' content; the order of statuses."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapely

from firecheck.batch.places import PlaceKeys
from firecheck.engine.judge import apply_plan, plan_day
from firecheck.engine.model import Location, Request
from firecheck.geo.edges import relation, relations
from firecheck.resources import RULES_DIR, ZONES_FILE
from firecheck.rules.loader import load_rules
from firecheck.rules.model import RuleSet
from firecheck.zones.importer import ImportOptions
from firecheck.zones.model import Measure, ZoneSet

BAN_BUFFER_M = 500  # 固阳县防火戒严通告 三(一): "防火戒严管制区内及边缘500米内"
CLAUSE_2_ZONES = {  # the same notice, clause 二 (two parts of 大青山, thirteen in all)
    "daqingshan-nr-baiyangou", "daqingshan-nr-maanshan", "qin-great-wall", "zhao-great-wall",
    "honghua-obo-nr", "chunkunshan-nr", "daxianshan-scenic", "xiheyi-forestry",
    "qifenzi-forestry", "erxiang-nanpo-forest", "ecological-redline", "forestry-project-areas",
    "grassland-subsidy-areas"}


def test_every_shipped_fire_ban_zone_reaches_500_m() -> None:
    features = json.loads(ZONES_FILE.read_text("utf-8"))["features"]
    zones = {f["properties"]["designation"]: f["properties"] for f in features
             if f["properties"]["kind"] != "county_boundary"}
    assert set(zones) == CLAUSE_2_ZONES
    assert {p["buffer_m"] for p in zones.values()} == {BAN_BUFFER_M}


def test_the_fire_ban_rule_lists_clause_2(rules: RuleSet) -> None:
    (ban,) = [r for r in rules.rules if r.kind == "fire_ban"]
    assert set(ban.zones) == CLAUSE_2_ZONES
    assert ban.where == "zones_and_buffer"


def test_importer_default_buffer_is_the_notices() -> None:
    assert ImportOptions().buffer_m == BAN_BUFFER_M


@pytest.mark.parametrize(("edge_m", "expected"), [
    (-100.0, "certain"), (0.0, "certain"), (499.0, "certain"), (500.0, "certain"),
    (500.5, "beyond"), (501.0, "beyond")])
def test_the_line_is_at_exactly_500_m(edge_m: float, expected: str) -> None:
    assert relation(edge_m, 500.0, 0.0) == expected
    (batch,) = relations(np.array([edge_m]), np.array([500.0]), np.array([0.0]))
    assert ("certain", "near", "beyond")[batch] == expected


@pytest.mark.parametrize(("edge_m", "band", "expected"), [
    (200.0, 300.0, "certain"), (200.5, 300.0, "near"), (800.0, 300.0, "near"),
    (800.5, 300.0, "beyond")])
def test_an_uncertain_line_has_a_band_of_its_accuracy(edge_m: float, band: float,
                                                      expected: str) -> None:
    assert relation(edge_m, 500.0, band) == expected
    (batch,) = relations(np.array([edge_m]), np.array([500.0]), np.array([band]))
    assert ("certain", "near", "beyond")[batch] == expected


@pytest.mark.parametrize(("edge_m", "banned"), [(500.0, True), (500.5, False)])
def test_the_engine_bans_at_500_0_m_and_not_at_500_5_m(rules: RuleSet, zones: ZoneSet,
                                                      edge_m: float, banned: bool) -> None:
    (zone,) = [z for z in zones.mapped if z.designation == "chunkunshan-nr"]
    assert zone.accuracy_m == 0.0 and zone.buffer_m == BAN_BUFFER_M
    place = Location(41.05, 110.30, 0.0, -5000.0, "inside", (Measure(zone, edge_m),), ())
    day = date(2023, 4, 1)
    activity = rules.activities.resolve("bbq")
    verdict = apply_plan(plan_day(day, activity, rules), Request(41.05, 110.30, day, "bbq"),
                         place, rules, zones)
    assert ("fire_ban" in {r.code for r in verdict.reasons}) is banned
    assert (verdict.status == "prohibited") is banned


def test_batch_place_keys_use_the_same_line(zones: ZoneSet) -> None:
    keys = PlaceKeys(zones)
    (index,) = [i for i, z in enumerate(zones.mapped) if z.designation == "chunkunshan-nr"]
    rel_zone, _ = keys.relations(np.array([index, index]), np.array([500.0, 500.5]))
    assert rel_zone.tolist() == [0, 2]


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def test_the_rules_version_changes_with_their_content(tmp_path: Path) -> None:
    shipped = load_rules()
    same = load_rules(replace=[_copy_rules(tmp_path / "a")])
    assert same.version == shipped.version
    changed = _copy_rules(tmp_path / "b")
    ban = changed / "guyang-2023-fire-ban.toml"
    ban.write_text(ban.read_text("utf-8").replace('end = "05-31"', 'end = "05-30"', 1), "utf-8")
    assert load_rules(replace=[changed]).version != shipped.version


def test_statuses_rank_as_the_readme_says(rules: RuleSet, zones: ZoneSet) -> None:
    """prohibited > uncertain > permit required > allowed: 100 m from 春坤山's exact edge
    on a ban day, ridge burning on grassland: the fire ban (prohibited) outranks the fire
    period (production fire needs approval, 草原防火条例 Art. 18 para 1)."""
    (zone,) = [z for z in zones.mapped if z.designation == "chunkunshan-nr"]
    day = date(2023, 4, 1)
    activity = rules.activities.resolve("ridge-burning")
    place = Location(41.05, 110.30, 0.0, -5000.0, "inside", (Measure(zone, 100.0),), ())
    verdict = apply_plan(plan_day(day, activity, rules),
                         Request(41.05, 110.30, day, "ridge-burning", land="grassland"),
                         place, rules, zones)
    assert {r.effect for r in verdict.reasons} == {"prohibited", "permit_required"}
    assert verdict.status == "prohibited"


def test_the_map_draws_the_ban_line_500_m_from_the_zone(zones: ZoneSet) -> None:
    from firecheck.views.maps import figure

    (zone,) = [z for z in zones.mapped if z.designation == "chunkunshan-nr"]
    fig = figure(zones, "en")
    lines = [p for p in fig.axes[0].patches if p.get_gid() == "buffer"]
    distances = [shapely.distance(zone.shape, shapely.points(p.get_path().vertices))
                 for p in lines]
    ours = min(distances, key=lambda d: float(np.mean(d)))  # the line around this zone
    assert np.abs(ours - BAN_BUFFER_M).max() < 0.5
