"""Zones the way official files draw them — areas and lines of hundreds of vertices, and
many parcels read back from the cache — give the same answers, batch and single, as the
simple test squares: the shortcuts that settle most points never move the 500 m line."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch import _assert_same

from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.geo.projection import to_local, to_wgs84
from firecheck.rules.model import RuleSet
from firecheck.zones.load import default_zones_path, load_zones
from firecheck.zones.model import ZoneSet

from conftest import EXACT

BAN_DAY = date(2023, 4, 1)
LINE_Y_OFFSET_M = -6000.0  # the line runs west-east this far south of EXACT's centre
LINE_X0_M, LINE_X1_M = -30000.0, 30000.0  # relative to EXACT's centre


def _zone(zid: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {
        "id": zid, "designation": zid, "name_zh": zid, "name_en": zid, "kind": "test",
        "level": "test", "buffer_m": 500, "accuracy_m": 0, "completeness": "complete",
        "source": "tests/test_scale.py"}, "geometry": geometry}


def _wgs84(xy: np.ndarray) -> list[list[float]]:
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat]).tolist()


@pytest.fixture(scope="module")
def dense_zones(tmp_path_factory: pytest.TempPathFactory, rules: RuleSet) -> ZoneSet:
    """EXACT's square drawn with 400 vertices, and a straight 60 km line of 300 vertices
    (both listed by the fire ban), with the shipped county line."""
    shipped = json.loads(default_zones_path().read_text(encoding="utf-8"))
    county = next(f for f in shipped["features"] if f["properties"]["kind"] == "county_boundary")
    square = shapely.box(EXACT.cx - EXACT.half, EXACT.cy - EXACT.half,
                         EXACT.cx + EXACT.half, EXACT.cy + EXACT.half)
    ring = shapely.get_coordinates(shapely.segmentize(square, 8 * EXACT.half / 400))
    xs = np.linspace(EXACT.cx + LINE_X0_M, EXACT.cx + LINE_X1_M, 300)
    line = np.column_stack([xs, np.full(300, EXACT.cy + LINE_Y_OFFSET_M)])
    features = [county, _zone("chunkunshan-nr", {"type": "Polygon", "coordinates": [_wgs84(ring)]}),
                _zone("qin-great-wall", {"type": "LineString", "coordinates": _wgs84(line)})]
    path = tmp_path_factory.mktemp("dense") / "dense.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    zones = load_zones(path)
    assert min(shapely.get_num_coordinates(z.shape) for z in zones.mapped) >= 300
    return zones


def _north_of_line(metres: float, east_m: float = 0.0) -> tuple[float, float]:
    lon, lat = to_wgs84(EXACT.cx + east_m, EXACT.cy + LINE_Y_OFFSET_M + metres)
    return float(lat), float(lon)


@pytest.mark.parametrize(("metres", "banned"), [(-200.0, True), (0.0, True), (499.0, True),
                                                (501.0, False), (505.0, False),
                                                (800.0, False)])
def test_the_500_m_line_of_dense_zones(rules: RuleSet, dense_zones: ZoneSet, metres: float,
                                       banned: bool) -> None:
    places = [EXACT.east_of_edge(metres), _north_of_line(abs(metres), east_m=12_345.0)]
    for lat, lon in places:
        v = evaluate(Request(lat, lon, BAN_DAY, "bbq"), rules, dense_zones)
        assert ("fire_ban" in {r.code for r in v.reasons}) is banned
    lat, lon = zip(*places, strict=True)
    _assert_same(rules, dense_zones, list(lat), list(lon), [BAN_DAY] * 2, [0, 0],
                 ["wgs84"] * 2)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_batch_agrees_with_single_checks_on_dense_zones(rules: RuleSet, dense_zones: ZoneSet,
                                                        data) -> None:
    n = data.draw(st.integers(1, 30))
    lat, lon = [], []
    for _ in range(n):
        pick = data.draw(st.sampled_from(["square", "line", "anywhere"]))
        if pick == "square":
            a, b = EXACT.east_of_edge(data.draw(st.floats(-1200, 1500)))
        elif pick == "line":
            a, b = _north_of_line(data.draw(st.floats(-1500, 1500)),
                                  data.draw(st.floats(LINE_X0_M - 800, LINE_X1_M + 800)))
        else:
            a, b = data.draw(st.floats(40.6, 41.6)), data.draw(st.floats(109.5, 110.9))
        lat.append(a)
        lon.append(b)
    days = data.draw(st.lists(st.dates(date(2023, 1, 1), date(2023, 12, 31)),
                              min_size=n, max_size=n))
    acts = data.draw(st.lists(st.integers(0, len(rules.activities.by_id) - 1), min_size=n,
                              max_size=n))
    _assert_same(rules, dense_zones, lat, lon, days, acts, ["wgs84"] * n)


def test_the_line_lies_where_the_tests_say(dense_zones: ZoneSet) -> None:
    line = next(z for z in dense_zones.mapped if z.id == "qin-great-wall").shape
    lat, lon = _north_of_line(499.0, 100.0)
    x, y = to_local(lon, lat)
    assert shapely.Point(x, y).distance(line) == pytest.approx(499.0, abs=1e-3)



def test_bounded_zones_are_beyond_in_batch_exactly_where_single_says(real_zones: ZoneSet) -> None:
    """The rasters and rings of :meth:`ZoneIndex.beyond_extents_xy` give the exact test's
    answer, also at a hundredth of a metre either side of an extent's reach."""
    rng = np.random.default_rng(5)
    index = real_zones.index()
    xs, ys = [rng.uniform(-60e3, 60e3, 4000)], [rng.uniform(-60e3, 60e3, 4000)]
    for _, extent, reach in index.extents:
        p = shapely.points(rng.uniform(-60e3, 60e3, 500), rng.uniform(-60e3, 60e3, 500))
        p = p[~shapely.contains(extent, p)]
        q = shapely.get_coordinates(shapely.shortest_line(extent.boundary, p))[0::2]
        away = shapely.get_coordinates(p) - q
        unit = away / np.hypot(*away.T)[:, None]
        for offset in (-0.01, 0.01):
            xy = q + unit * (reach + offset)
            xs.append(xy[:, 0])
            ys.append(xy[:, 1])
    x, y = np.concatenate(xs), np.concatenate(ys)
    assert real_zones.bounded and np.isfinite(x).all()
    expected = real_zones.beyond_extents(shapely.points(x, y), 0.0)
    assert 0 < expected.sum() < expected.size
    assert np.array_equal(index.beyond_extents_xy(x, y), expected)
