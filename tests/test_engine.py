"""The engine against the facts of the 2023 notices, on synthetic zones with known edges."""

from __future__ import annotations

from datetime import date

import pytest
import shapely
from pyproj import Geod

from firecheck.engine.evaluate import evaluate, evaluate_range
from firecheck.engine.model import Request
from firecheck.errors import InputError
from firecheck.geo.datum import wgs84_to_gcj02
from firecheck.geo.projection import to_wgs84
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

from conftest import APPROX, APPROX_ACCURACY_M, EXACT

BAN_DAY = date(2023, 4, 1)
SUMMER = date(2023, 7, 1)  # no fire ban, no fire-prevention period


def codes(verdict) -> set[str]:
    return {r.code for r in verdict.reasons}


def ask(rules, zones, lat, lon, day, activity="bbq", **kw):
    return evaluate(Request(lat, lon, day, activity, **kw), rules, zones)


# ------------------------------------------------------------------ 499 m vs 501 m


@pytest.mark.parametrize(("metres", "banned"), [(0.0, True), (250.0, True), (499.0, True),
                                                (500.0, True), (501.0, False), (800.0, False)])
def test_buffer_line_at_500_m(rules: RuleSet, zones: ZoneSet, metres: float, banned: bool) -> None:
    lat, lon = EXACT.east_of_edge(metres)
    v = ask(rules, zones, lat, lon, BAN_DAY)
    assert ("fire_ban" in codes(v)) is banned
    # beyond the line the fire period remains, which binds forest and grassland: unknown here
    assert v.status == ("prohibited" if banned else "uncertain")
    if not banned:
        assert codes(v) == {"fire_period_land_unknown"}
    if banned:
        hit = next(r for r in v.reasons if r.code == "fire_ban").zones[0]
        assert hit.designation == "chunkunshan-nr"
        assert hit.edge_m == pytest.approx(metres, abs=0.05)


def test_distances_are_geodesic_metres(rules: RuleSet, zones: ZoneSet) -> None:
    """499 m measured on the WGS-84 ellipsoid from the edge, not in the projection."""
    edge_lat, edge_lon = EXACT.east_of_edge(0.0)
    lon, lat, _ = Geod(ellps="WGS84").fwd(edge_lon, edge_lat, 90.0, 499.0)
    v = ask(rules, zones, lat, lon, BAN_DAY)
    hit = next(r for r in v.reasons if r.code == "fire_ban").zones[0]
    assert hit.edge_m == pytest.approx(499.0, abs=0.1)


def test_inside_a_zone_reports_depth(rules: RuleSet, zones: ZoneSet) -> None:
    lon, lat = to_wgs84(EXACT.cx, EXACT.cy)
    v = ask(rules, zones, float(lat), float(lon), BAN_DAY)
    hit = next(r for r in v.reasons if r.code == "fire_ban").zones[0]
    assert hit.position == "inside"
    assert hit.edge_m == pytest.approx(-1000.0, abs=0.05)


# ------------------------------------------------------------------ period edges


@pytest.mark.parametrize(("day", "banned"), [
    (date(2023, 3, 14), False), (date(2023, 3, 15), True),
    (date(2023, 5, 31), True), (date(2023, 6, 1), False),
    (date(2023, 11, 5), False), (date(2023, 11, 6), True),
    (date(2023, 11, 16), True), (date(2023, 11, 17), False),
])
def test_fire_ban_period_edges(rules: RuleSet, zones: ZoneSet, day: date, banned: bool) -> None:
    lat, lon = EXACT.east_of_edge(100.0)
    v = ask(rules, zones, lat, lon, day)
    assert ("fire_ban" in codes(v)) is banned
    assert (v.status == "prohibited") is banned


def test_ban_period_is_reported(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100.0)
    reason = next(r for r in ask(rules, zones, lat, lon, date(2023, 11, 10)).reasons
                  if r.code == "fire_ban")
    assert reason.period == (date(2023, 11, 6), date(2023, 11, 16))
    assert reason.rule is not None and reason.rule.document.date == date(2023, 3, 13)
    assert "三(一)" in reason.rule.clause


def test_later_year_assumes_recurrence_and_says_so(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100.0)
    v = ask(rules, zones, lat, lon, date(2026, 3, 15))
    assert v.status == "prohibited"
    note = next(m for m in v.assumptions if m.code == "assumed_recurrence")
    assert "2023" in note.text.en and "2026" in note.text.en
    assert ask(rules, zones, lat, lon, date(2026, 3, 14)).status != "prohibited"


def test_earlier_year_has_no_notice(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100.0)
    v = ask(rules, zones, lat, lon, date(2022, 4, 1))
    assert "fire_ban" not in codes(v)
    assert any(m.code == "no_notice_for_year" for m in v.notes)


def test_fire_prevention_periods_are_separate_reasons(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(2000.0)
    v = ask(rules, zones, lat, lon, date(2023, 4, 1), land="forest")
    periods = {r.rule.id for r in v.reasons if r.code == "fire_period" and r.rule}
    assert periods == {"guyang-fire-period", "im-fire-period"}
    assert v.status == "prohibited"  # on forest land (Forest Fire Regulations Art. 25)
    # 1 Jun: the county period (to 31 May) has ended, the regional one (to 15 Jun) has not.
    v = ask(rules, zones, lat, lon, date(2023, 6, 1), land="forest")
    assert {r.rule.id for r in v.reasons if r.rule} == {"im-fire-period"}
    assert ask(rules, zones, lat, lon, SUMMER).status == "allowed"


def test_2025_regional_order_replaces_the_regulation_that_year(rules: RuleSet,
                                                               zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(2000.0)
    v = ask(rules, zones, lat, lon, date(2025, 6, 10))
    ids = {r.rule.id for r in v.reasons if r.rule}
    assert "im-2025-fire-period-west" in ids and "im-fire-period" not in ids
    assert {m.code for m in v.assumptions} >= {"inferred_applicability", "secondary_source"}
    oct_2025 = ask(rules, zones, lat, lon, date(2025, 10, 20))
    assert oct_2025.status == "uncertain" and "lockdown_period" in codes(oct_2025)
    assert "lockdown_period" not in codes(ask(rules, zones, lat, lon, date(2026, 10, 20)))


# ------------------------------------------------------------------ accuracy


@pytest.mark.parametrize(("metres", "status"), [
    (150.0, "prohibited"),   # 150 <= 500 - 300
    (300.0, "uncertain"),    # inside the ±300 m band around the 500 m line
    (790.0, "uncertain"),
    (810.0, "allowed"),  # beyond 500 + 300: the fire period does not bind stated farmland
])
def test_approximate_zone_is_uncertain_near_its_line(rules: RuleSet, zones: ZoneSet,
                                                     metres: float, status: str) -> None:
    lat, lon = APPROX.east_of_edge(metres)
    v = ask(rules, zones, lat, lon, BAN_DAY, land="farmland")
    assert v.status == status
    if status == "uncertain":
        hit = next(r for r in v.reasons if r.code == "fire_ban_near_edge").zones[0]
        assert hit.accuracy_m == APPROX_ACCURACY_M


def test_position_accuracy_widens_the_band(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(480.0)
    assert ask(rules, zones, lat, lon, BAN_DAY).status == "prohibited"
    assert ask(rules, zones, lat, lon, BAN_DAY, accuracy_m=50.0).status == "uncertain"


def test_unmapped_zones_make_an_in_county_place_uncertain(rules: RuleSet,
                                                          real_zones: ZoneSet) -> None:
    v = ask(rules, real_zones, 41.03349, 110.05205, BAN_DAY)  # county seat, GeoNames
    assert v.status == "uncertain"
    unmapped = next(r for r in v.reasons if r.code == "fire_ban_unmapped_zones")
    assert {"grassland-subsidy-areas", "chunkunshan-nr"} <= {z.designation for z in unmapped.zones}
    assert "0472-8113344" in {h.number for h in v.hotlines}


def test_qin_wall_corridor_is_never_a_confident_answer(rules: RuleSet,
                                                       real_zones: ZoneSet) -> None:
    v = ask(rules, real_zones, 41.1145, 110.052, BAN_DAY)  # the derived Kangtugou point
    assert v.status == "uncertain"
    assert "fire_ban_near_edge" in codes(v) and "fire_ban" not in codes(v)


# ------------------------------------------------------------------ datum


def test_gcj02_input_flips_the_verdict(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(300.0)  # WGS-84: prohibited
    glat, glon = wgs84_to_gcj02(lat, lon)
    misread = ask(rules, zones, glat, glon, BAN_DAY)  # Amap coordinates taken as GPS
    right = ask(rules, zones, glat, glon, BAN_DAY, datum="gcj02")
    assert misread.status != "prohibited"
    assert right.status == "prohibited"
    assert right.place.lat == pytest.approx(lat, abs=1e-8)
    moved = next(m for m in right.warnings if m.code == "datum_converted")
    assert " m." in moved.text.en


def test_bd09_input_is_converted(rules: RuleSet, zones: ZoneSet) -> None:
    from firecheck.geo.datum import gcj02_to_bd09

    lat, lon = EXACT.east_of_edge(300.0)
    blat, blon = gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    assert ask(rules, zones, blat, blon, BAN_DAY, datum="bd09").status == "prohibited"


# ------------------------------------------------------------------ straw ban and scope


def test_straw_ban_applies_outside_every_zone(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(5000.0)
    v = ask(rules, zones, lat, lon, SUMMER, activity="秸秆")
    assert v.status == "prohibited" and codes(v) == {"straw_ban"}
    fine = next(f for f in v.fines if f.id == "air-pollution-art119-1")
    assert (fine.individual.min, fine.individual.max) == (500, 2000)
    assert {"0472-6111028", "0472-8113344", "0472-8120119", "0472-2877717",
            "0472-8112033", "12119"} <= {h.number for h in v.hotlines}


def test_straw_ban_starts_on_20_march_2023(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(5000.0)
    before = ask(rules, zones, lat, lon, date(2023, 3, 19), activity="straw")
    on = ask(rules, zones, lat, lon, date(2023, 3, 20), activity="straw")
    assert "straw_ban" not in codes(before) and "straw_ban" in codes(on)
    assert any(m.code == "rule_not_in_force" for m in before.notes)


def test_ridge_burning_is_banned_as_weeds(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(5000.0)
    assert "straw_ban" in codes(ask(rules, zones, lat, lon, SUMMER, activity="烧田埂"))


def test_outside_the_county_is_out_of_scope(rules: RuleSet, zones: ZoneSet) -> None:
    v = ask(rules, zones, 40.50, 110.00, BAN_DAY, activity="straw")  # Baotou city, south
    assert v.status == "out_of_scope"
    assert [h.number for h in v.hotlines] == ["12119"]
    assert v.fines == ()


def test_near_the_county_line_is_uncertain(rules: RuleSet, zones: ZoneSet) -> None:
    inner = zones.county.shape.buffer(-200.0).exterior  # type: ignore[union-attr]
    point = inner.interpolate(0.3, normalized=True)
    lon, lat = to_wgs84(point.x, point.y)
    v = ask(rules, zones, float(lat), float(lon), SUMMER, activity="straw")
    assert v.status == "uncertain"
    assert "near_county_boundary" in codes(v)
    assert v.place.county_edge_m == pytest.approx(-200.0, abs=1.0)
    assert ask(rules, zones, float(lat), float(lon), SUMMER, activity="entry").status == "allowed"


# ------------------------------------------------------------------ entry


def test_entry_needs_a_pass_inside_but_not_in_the_buffer(rules: RuleSet, zones: ZoneSet) -> None:
    lon, lat = to_wgs84(EXACT.cx, EXACT.cy)
    inside = ask(rules, zones, float(lat), float(lon), BAN_DAY, activity="entry")
    assert inside.status == "permit_required" and "zone_entry" in codes(inside)
    reason = next(r for r in inside.reasons if r.code == "zone_entry")
    assert any("防火通行证" in text for text in reason.rule.requirements_zh)
    lat_b, lon_b = EXACT.east_of_edge(200.0)
    assert ask(rules, zones, lat_b, lon_b, BAN_DAY, activity="entry").status == "allowed"
    car = ask(rules, zones, float(lat), float(lon), BAN_DAY, activity="vehicle")
    assert car.status == "permit_required" and "vehicle_entry" in codes(car)
    assert "grassland-fire-2008-art45-2" in {f.id for f in car.fines}


# ------------------------------------------------------------------ fines over time


def test_fines_follow_the_law_in_force_on_the_day(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100.0)
    old = {f.id for f in ask(rules, zones, lat, lon, date(2025, 11, 10)).fines}
    new_v = ask(rules, zones, lat, lon, date(2026, 11, 10))
    new = {f.id for f in new_v.fines}
    assert {"forest-fire-2008-art50", "grassland-fire-2008-art44-1",
            "public-security-2012-art50"} <= old
    assert not old & {"forest-grassland-2026-outdoor-fire", "public-security-2025-obstruction"}
    assert {"forest-grassland-2026-outdoor-fire", "public-security-2025-obstruction"} <= new
    assert not new & {"forest-fire-2008-art50", "public-security-2012-art50"}
    assert all(f.status == "unconfirmed" and f.individual is None for f in new_v.fines
               if f.id.startswith("forest-grassland-2026"))


def test_fire_ban_fines_show_forest_and_grassland(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100.0)
    v = ask(rules, zones, lat, lon, date(2023, 4, 1))
    forest = next(f for f in v.fines if f.id == "forest-fire-2008-art50")
    grass = next(f for f in v.fines if f.id == "grassland-fire-2008-art44-1")
    assert (forest.individual.min, forest.individual.max) == (200, 3000)
    assert (forest.unit.min, forest.unit.max) == (10000, 50000)
    assert (grass.individual.min, grass.individual.max) == (2000, 5000)
    assert {m.code for m in v.assumptions} >= {"land_type_unknown", "one_fine_per_act"}


# ------------------------------------------------------------------ ranges and errors


def test_range_reports_which_days_are_in_which_ban(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100.0)
    spans = evaluate_range(Request(lat, lon, date(2023, 5, 25), "bbq", land="grassland"),
                           date(2023, 6, 20), rules, zones).spans
    summary = [(s.start, s.end, s.verdict.status) for s in spans]
    assert summary == [
        (date(2023, 5, 25), date(2023, 5, 31), "prohibited"),
        (date(2023, 6, 1), date(2023, 6, 15), "prohibited"),  # grassland, regional period
        (date(2023, 6, 16), date(2023, 6, 20), "allowed"),
    ]


def test_unknown_activity_lists_close_matches(rules: RuleSet, zones: ZoneSet) -> None:
    with pytest.raises(InputError) as info:
        ask(rules, zones, 41.0, 110.0, BAN_DAY, activity="barbecu")
    assert "barbecue" in info.value.text.en and "firecheck activities" in info.value.text.en


def test_every_alias_resolves_to_its_activity(rules: RuleSet) -> None:
    for activity in rules.activities:
        for alias in (activity.id, *activity.aliases):
            assert rules.activities.resolve(alias).id == activity.id
            assert rules.activities.resolve(f"  {alias.upper()} ").id == activity.id
            wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in alias)
            assert rules.activities.resolve(wide).id == activity.id


def test_every_notice_term_of_clause_3_1_has_an_activity(rules: RuleSet) -> None:
    terms = ["野外吸烟", "野炊", "焚烧秸秆", "烧田埂", "上坟烧纸", "烟花爆竹", "孔明灯", "篝火晚会",
             "烧烤", "野外用火"]
    for term in terms:
        assert rules.activities.resolve(term).category == "fire_use", term


def test_prohibited_fire_ban_reason_is_all_fire_uses(rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(10.0)
    for activity in rules.activities:
        v = ask(rules, zones, lat, lon, BAN_DAY, activity=activity.id)
        expected = "prohibited" if activity.category == "fire_use" else "allowed"
        assert v.status == expected, activity.id


def test_zone_geometry_is_measured_in_local_metres(zones: ZoneSet) -> None:
    zone = next(z for z in zones.mapped if z.designation == "chunkunshan-nr")
    assert zone.shape is not None
    assert shapely.area(zone.shape) == pytest.approx(4_000_000, rel=1e-6)


@pytest.mark.parametrize("kind", ["MultiPoint", "MultiPolygon", "MultiLineString"])
def test_a_part_inside_a_zone_decides_for_the_whole_shape(rules: RuleSet, zones: ZoneSet,
                                                          kind: str) -> None:
    """A burn area or route in several parts: one part 200 m inside the zone makes the
    whole request as banned as that part alone, however far the other parts are (each
    part is judged on its own; the strictest decides)."""
    def lonlat(dx: float, dy: float = 0.0) -> tuple[float, float]:
        lon, lat = to_wgs84(EXACT.cx + EXACT.half + dx, EXACT.cy + dy)
        return float(lon), float(lat)

    inside, far = lonlat(-200), lonlat(30_000)
    if kind == "MultiPoint":
        shape = shapely.MultiPoint([far, inside])
    elif kind == "MultiLineString":
        shape = shapely.MultiLineString([[far, lonlat(31_000)], [inside, lonlat(-250, 40)]])
    else:
        square = [lonlat(-220, -20), lonlat(-180, -20), lonlat(-180, 20), lonlat(-220, 20)]
        shape = shapely.MultiPolygon([shapely.Polygon([far, lonlat(30_050), lonlat(30_050, 50)]),
                                      shapely.Polygon(square)])
    whole = evaluate(Request(0, 0, date(2023, 4, 1), "bbq", geometry=shape), rules, zones)
    part = evaluate(Request(inside[1], inside[0], date(2023, 4, 1), "bbq"), rules, zones)
    assert whole.status == part.status == "prohibited"
    edges = [h.edge_m for r in whole.reasons for h in r.zones if h.id == "chunkunshan-nr"]
    assert edges and min(edges) < -170
