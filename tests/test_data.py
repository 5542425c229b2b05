"""The shipped data: zones rebuilt from the reference files, rules validated with clear errors."""

from __future__ import annotations

import csv
import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest

from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.errors import DataError
from firecheck.resources import NEIGHBOURS_FILE, PLACES_FILE, RULES_DIR, ZONES_FILE
from firecheck.rules.loader import build_ruleset
from firecheck.rules.model import RuleSet
from firecheck.zones.file import dump
from firecheck.zones.load import load_zones
from firecheck.zones.model import ZoneSet

from conftest import EXACT

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"  # the snapshot of ../shared/data the shipped data is built from
SHARED = ROOT.parent / "shared" / "data"
SNAPSHOT = ("PROVENANCE.md", "guyang_boundary_wgs84.geojson", "guyang_neighbours_wgs84.geojson",
            "places.csv")


def _build_module():
    spec = importlib.util.spec_from_file_location("build_zones", ROOT / "scripts/build_zones.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_zones_file_is_reproducible_from_the_sources() -> None:
    build = _build_module()
    assert dump(build.build(SOURCES)) == ZONES_FILE.read_text("utf-8")
    assert dump(build.neighbours(SOURCES)) == NEIGHBOURS_FILE.read_text("utf-8")
    assert build.places(SOURCES) == json.loads(PLACES_FILE.read_text("utf-8"))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not on this machine")
@pytest.mark.parametrize("name", SNAPSHOT)
def test_sources_are_the_shared_reference_data(name: str) -> None:
    assert (SOURCES / name).read_bytes() == (SHARED / name).read_bytes(), (
        f"sources/{name} differs from ../shared/data/{name}: copy it and run "
        "scripts/build_zones.py (sources/README.md)")


def test_no_zone_coordinate_is_invented() -> None:
    with (SOURCES / "places.csv").open(encoding="utf-8") as fh:
        known = {(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)}
    data = json.loads(ZONES_FILE.read_text("utf-8"))
    for feature in data["features"]:
        if feature["properties"]["kind"] == "county_boundary" or feature["geometry"] is None:
            continue
        coords = feature["geometry"]["coordinates"]
        points = [coords] if feature["geometry"]["type"] == "Point" else coords
        assert {tuple(p) for p in points} <= known, feature["properties"]["id"]


def test_every_listed_zone_is_in_the_shipped_file(rules: RuleSet, real_zones: ZoneSet) -> None:
    for rule in rules.rules:
        for designation in rule.zones:
            assert designation in real_zones.by_designation, designation
    mapped = {z.designation for z in real_zones.mapped}
    assert mapped == {"qin-great-wall", "honghua-obo-nr"}
    assert all(z.accuracy_m and z.accuracy_m >= 10_000 for z in real_zones.mapped)
    assert real_zones.completeness("grassland-subsidy-areas") == "unmapped"
    assert real_zones.completeness("qin-great-wall") == "partial"


def test_rules_cite_documents_and_hash_their_content(rules: RuleSet) -> None:
    assert rules.version.startswith("sha256:") and len(rules.version) == 7 + 64
    for rule in rules.rules:
        assert rule.document.id in rules.documents and rule.clause
    for fine in rules.fines.values():
        assert fine.source and fine.document.id in rules.documents
    assert {f.status for f in rules.fines.values()} >= {"verified", "unconfirmed"}


def _rules_with(tmp_path: Path, name: str, text: str) -> RuleSet:
    extra = tmp_path / name
    extra.write_text(text, encoding="utf-8")
    return build_ruleset([*sorted(RULES_DIR.glob("*.toml")), extra])


DOC = """schema = 1
[document]
id = "test-doc"
title_zh = "测试"
title_en = "Test"
issuer_zh = "测试"
issuer_en = "Test"
status = "verified"
source = "test"
"""

RULE = """
[[rules]]
id = "test-rule"
kind = "fire_ban"
series = "guyang-fire-ban"
year = 2026
recurs_assumed = true
title_zh = "测试"
title_en = "Test"
clause = "一"
periods = [{ start = "03-10", end = "06-05" }]
activities = ["@fire_use"]
where = "zones_and_buffer"
zones = ["chunkunshan-nr"]
effect = "prohibited"
"""


def test_a_new_years_notice_wins_for_its_year(tmp_path: Path, zones: ZoneSet) -> None:
    rules = _rules_with(tmp_path, "n2026.toml", DOC + RULE)
    lat, lon = EXACT.east_of_edge(10)
    for day, banned in ((date(2026, 3, 10), True), (date(2026, 6, 5), True),
                        (date(2026, 3, 9), False), (date(2026, 11, 10), False),
                        (date(2027, 6, 1), True), (date(2025, 11, 10), True)):
        v = evaluate(Request(lat, lon, day, "bbq"), rules, zones)
        assert (v.status == "prohibited") is banned, day
    v = evaluate(Request(lat, lon, date(2027, 6, 1), "bbq"), rules, zones)
    assert any("2026" in m.text.en for m in v.assumptions if m.code == "assumed_recurrence")


@pytest.mark.parametrize(("change", "message"), [
    (('start = "03-10"', 'start = "02-30"'), "not a real MM-DD"),
    (('effect = "prohibited"', 'effect = "maybe"'), "effect must be one of"),
    (('activities = ["@fire_use"]', 'activities = ["juggling"]'), "unknown activity 'juggling'"),
    (('year = 2026', 'year = 2023'), "both give series 'guyang-fire-ban'"),
    (('periods = [{ start = "03-10", end = "06-05" }]', "periods = []"), "periods must not be empty"),
    (('clause = "一"\n', ""), "clause is required"),
    (('zones = ["chunkunshan-nr"]', "zones = []"), "zones must list at least one zone"),
    (('periods = [{ start = "03-10", end = "06-05" }]',
      'periods = [{ start = "03-10", end = "06-05" }, { start = "06-01", end = "07-01" }]'),
     "overlap on 06-01"),
    (('periods = [{ start = "03-10", end = "06-05" }]',
      'periods = [{ start = "09-10", end = "10-05" }, { start = "03-01", end = "04-01" }]'),
     "calendar order"),
])
def test_bad_rules_file_gives_a_precise_error(tmp_path: Path, change: tuple[str, str],
                                              message: str) -> None:
    text = DOC + RULE.replace(*change)
    with pytest.raises(DataError) as info:
        _rules_with(tmp_path, "bad.toml", text)
    assert message in info.value.text.en and "bad.toml" in info.value.text.en


def test_duplicate_alias_is_refused(tmp_path: Path) -> None:
    text = """schema = 1
[[activities]]
id = "grilling"
category = "fire_use"
name_zh = "烤"
name_en = "Grilling"
aliases = ["BBQ"]
cited = { document = "guyang-2023-fire-ban", clause = "三(一)" }
"""
    with pytest.raises(DataError, match="ambiguous"):
        _rules_with(tmp_path, "alias.toml", text)


def test_fine_without_amount_must_be_unconfirmed(tmp_path: Path) -> None:
    text = DOC + """
[[fines]]
id = "test-fine"
provision_zh = "测试"
provision_en = "Test"
conduct_zh = "测试"
conduct_en = "Test"
land_type = "any"
status = "verified"
source = "test"
"""
    with pytest.raises(DataError, match="needs an amount"):
        _rules_with(tmp_path, "fine.toml", text)


@pytest.mark.parametrize(("patch", "message"), [
    ({"buffer_m": -5}, "buffer_m must be a number of metres"),
    ({"extent_accuracy_m": "abc"}, "extent_accuracy_m must be a number of metres"),  # was exit 70
    ({"extent_accuracy_m": -1e9}, "extent_accuracy_m must be a number of metres"),
    ({"completeness": "mostly"}, "completeness must be one of"),
    ({"accuracy_m": None}, "needs accuracy_m"),
    ({"id": None}, "missing properties ['id']"),
])
def test_bad_zones_file_gives_a_precise_error(tmp_path: Path, synthetic_zones_path: Path,
                                              patch: dict, message: str) -> None:
    data = json.loads(synthetic_zones_path.read_text("utf-8"))
    data["features"][1]["properties"].update(patch)
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_zones(path)
    assert message in info.value.text.en and "feature 1" in info.value.text.en


def test_self_intersecting_zone_is_refused(tmp_path: Path, synthetic_zones_path: Path) -> None:
    data = json.loads(synthetic_zones_path.read_text("utf-8"))
    data["features"][1]["geometry"]["coordinates"] = [
        [[110.0, 41.0], [110.1, 41.1], [110.1, 41.0], [110.0, 41.1], [110.0, 41.0]]]
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError, match="Self-intersection"):
        load_zones(path)


def test_a_nan_coordinate_is_named_without_numpy_warnings(tmp_path: Path,
                                                          synthetic_zones_path: Path) -> None:
    """A NaN vertex (JSON NaN, as some tools write) is a precise error, not a numpy
    RuntimeWarning from inside shapely printed first."""
    import warnings

    data = json.loads(synthetic_zones_path.read_text("utf-8"))
    feature = next(f for f in data["features"] if f["geometry"] and
                   f["geometry"]["type"] == "Polygon")
    feature["geometry"]["coordinates"][0][1][0] = float("nan")
    feature["geometry"] = {"type": "MultiPolygon",  # read one by one (a Polygon: at once)
                           "coordinates": [feature["geometry"]["coordinates"]]}
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="Invalid Coordinate"):
            load_zones(path)
