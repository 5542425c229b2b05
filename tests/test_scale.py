"""Zones the way official files draw them — areas and lines of hundreds of vertices, and
many parcels read back from the cache — give the same answers, batch and single, as the
simple test squares: the shortcuts that settle most points never move the 500 m line."""

from __future__ import annotations

import json
import struct
from datetime import date
from pathlib import Path

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
from firecheck.zones import cache as zcache
from firecheck.zones.load import default_zones_path, load_zones
from firecheck.zones.model import ZoneRows, ZoneSet

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


def _parcel_zones(tmp_path: Path, base: Path, n: int) -> Path:
    """``base`` with n small squares of the grassland subsidy areas (official parcels) spread
    along EXACT's latitude, padded past the size from which zones are cached."""
    document = json.loads(base.read_text("utf-8"))
    for i in range(n):
        cx, cy = EXACT.cx - 20_000 + 400.0 * i, EXACT.cy + 5_000
        ring = np.array([[cx - 40, cy - 40], [cx + 40, cy - 40], [cx + 40, cy + 40],
                         [cx - 40, cy + 40], [cx - 40, cy - 40]])
        document["features"].append(_zone(f"grassland-subsidy-areas/{i}", {
            "type": "Polygon", "coordinates": [_wgs84(ring)]}))
        document["features"][-1]["properties"]["designation"] = "grassland-subsidy-areas"
    document["padding"] = "x" * (zcache.CACHE_MIN_BYTES + 1000)
    path = tmp_path / "parcels.geojson"
    path.write_text(json.dumps(document), "utf-8")
    return path


def test_zones_from_the_cache_answer_as_the_file_does(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      rules: RuleSet,
                                                      synthetic_zones_path: Path) -> None:
    """The cache's columns (no Zone object per parcel) hold what the file gives: the same
    zones, groups, completeness and bounds, the same verdicts, batch and single."""
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    source = _parcel_zones(tmp_path, synthetic_zones_path, 120)
    fresh = load_zones(source)
    cached = load_zones(source)
    assert isinstance(cached.zones, ZoneRows) and not isinstance(fresh.zones, ZoneRows)
    assert not cached.notes and cached.version == fresh.version
    assert cached.mapped_ids() == fresh.mapped_ids() == [z.id for z in fresh.mapped]
    assert list(cached.by_designation) == list(fresh.by_designation)
    assert len(cached.by_designation["grassland-subsidy-areas"]) == 1 + 120  # its test square
    for designation in fresh.by_designation:
        assert cached.completeness(designation) == fresh.completeness(designation)
        assert cached.designation_name(designation) == fresh.designation_name(designation)
    assert cached.bounded == fresh.bounded
    for a, b in zip(cached.zones, fresh.zones, strict=True):
        assert (a.id, a.designation, a.kind, a.buffer_m, a.accuracy_m, a.completeness) == \
            (b.id, b.designation, b.kind, b.buffer_m, b.accuracy_m, b.completeness)
        assert (a.shape is None and b.shape is None) or a.shape.equals_exact(b.shape, 0)
    rng = np.random.default_rng(2)
    x = EXACT.cx - 20_500 + rng.uniform(0, 49_000, 60)
    y = EXACT.cy + 5_000 + rng.uniform(-700, 700, 60)
    lon, lat = to_wgs84(x, y)
    for zones in (fresh, cached):
        verdicts = [evaluate(Request(a, b, BAN_DAY, "bbq"), rules, zones) for a, b in
                    zip(lat.tolist(), lon.tolist(), strict=True)]
        assert sum("fire_ban" in {r.code for r in v.reasons} for v in verdicts) > 10
        _assert_same(rules, zones, lat.tolist(), lon.tolist(), [BAN_DAY] * 60, [0] * 60,
                     ["wgs84"] * 60)
    assert [evaluate(Request(a, b, BAN_DAY, "bbq"), rules, cached).to_dict() for a, b in
            zip(lat.tolist(), lon.tolist(), strict=True)] == \
        [evaluate(Request(a, b, BAN_DAY, "bbq"), rules, fresh).to_dict() for a, b in
         zip(lat.tolist(), lon.tolist(), strict=True)]


def _open_ring(wkb: bytes) -> bytes:
    """A one-ring polygon's WKB with its last point moved: the ring no longer closes."""
    return wkb[:-16] + struct.pack("<2d", *(v + 1.0 for v in struct.unpack("<2d", wkb[-16:])))


def _nan_ring(wkb: bytes) -> bytes:
    """First and last point NaN: the same bytes, but no ring GEOS can close."""
    nan = struct.pack("<2d", float("nan"), float("nan"))
    return wkb[:13] + nan + wkb[29:-16] + nan


@pytest.mark.parametrize("damage", [_open_ring, _nan_ring, lambda wkb: wkb[:-8]])
def test_a_parcel_whose_wkb_cannot_be_decoded_is_found_on_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: RuleSet,
        synthetic_zones_path: Path, damage) -> None:
    """Parcels are checked by their WKB's layout, not decoded, when the cache is read: a
    ring that does not close (or cannot) or a cut record is still found there, and the
    cache rebuilt."""
    import pyarrow as pa
    from test_faults import _tamper

    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    source = _parcel_zones(tmp_path, synthetic_zones_path, 30)
    fresh = load_zones(source)
    cached_file = next((tmp_path / "cache").glob("zones-*.arrow"))

    def change(table):
        wkb = table["wkb"].to_pylist()
        row = table["id"].to_pylist().index("grassland-subsidy-areas/7")
        wkb[row] = damage(wkb[row])
        return table.set_column(table.column_names.index("wkb"), "wkb", pa.array(wkb, pa.binary()))

    _tamper(cached_file, change, keep_hash=False)
    again = load_zones(source)
    assert any(str(cached_file) in note.en for note in again.notes)
    lat, lon = EXACT.east_of_edge(100.0)
    assert evaluate(Request(lat, lon, BAN_DAY, "bbq"), rules, again).to_dict() == \
        evaluate(Request(lat, lon, BAN_DAY, "bbq"), rules, fresh).to_dict()


def test_names_of_cached_zones_without_making_zones(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    synthetic_zones_path: Path) -> None:
    """A batch's zone names come from the cache's columns: no Zone is made per parcel."""
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    source = _parcel_zones(tmp_path, synthetic_zones_path, 20)
    fresh, cached = load_zones(source), load_zones(source)
    for lang in ("zh", "en"):
        assert cached.mapped_names(lang) == fresh.mapped_names(lang) == \
            [z.name.get(lang) for z in fresh.mapped]
    assert list(cached.zones._made.values()) == [cached.county]  # the only Zone made
