"""Zones the way official files draw them — areas and lines of hundreds of vertices, and
many parcels read back from the cache — give the same answers, batch and single, as the
simple test squares: the shortcuts that settle most points never move the 500 m line."""

from __future__ import annotations

import json
import struct
import threading
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.affinity import rotate, translate
from shapely.geometry import mapping
from shapely.ops import nearest_points
from test_batch import _assert_same

from firecheck.batch.engine import BatchEngine
from firecheck.batch.places import PlaceKeys
from firecheck.batch.requests import Requests
from firecheck.batch.results import _general
from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.geo.projection import to_local, to_wgs84
from firecheck.geo.segments import SIDE_POINTS, segments_distance, vertices_of
from firecheck.rules.model import RuleSet
from firecheck.views.words import action, reasons_words
from firecheck.zones import cache as zcache
from firecheck.zones.index import _SMALL_VERTICES, ZoneIndex
from firecheck.zones.load import default_zones_path, load_zones
from firecheck.zones.model import Shapes, ZoneRows, ZoneSet

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


def _parcel_zones(tmp_path: Path, base: Path, n: int, spacing_m: float = 400.0) -> Path:
    """``base`` with n small squares of the grassland subsidy areas (official parcels) spread
    along EXACT's latitude ``spacing_m`` apart, padded past the size from which zones are
    cached."""
    document = json.loads(base.read_text("utf-8"))
    for i in range(n):
        cx, cy = EXACT.cx - 20_000 + spacing_m * i, EXACT.cy + 5_000
        ring = np.array([[cx - 40, cy - 40], [cx + 40, cy - 40], [cx + 40, cy + 40],
                         [cx - 40, cy + 40], [cx - 40, cy - 40]])
        document["features"].append(_zone(f"grassland-subsidy-areas/{i}", {
            "type": "Polygon", "coordinates": [_wgs84(ring)]}))
        document["features"][-1]["properties"]["designation"] = "grassland-subsidy-areas"
    document["padding"] = "x" * (zcache.CACHE_MIN_BYTES + 1000)
    path = tmp_path / "parcels.geojson"
    path.write_text(json.dumps(document), "utf-8")
    return path


def test_a_check_on_cached_parcels_imports_no_arrow_kernels(tmp_path: Path,
                                                           synthetic_zones_path: Path) -> None:
    """A single check with a cached zones file reads the cache with pyarrow but never its
    compute kernels (pyarrow.compute: ~50 ms; even pyarrow._compute: 8 ms and 7 MB)."""
    import os
    import subprocess
    import sys

    source = _parcel_zones(tmp_path, synthetic_zones_path, 30)
    lon, lat = to_wgs84(np.array([EXACT.cx - 20_000]), np.array([EXACT.cy + 5_000]))
    code = ("import sys\nfrom firecheck.cli import run\n"
            f"run(['check', '{float(lat[0])},{float(lon[0])}', '-a', 'bbq', '-d', '2023-04-01',"
            " '--json',"
            f" '--zones', {str(source)!r}])\n"
            "print(sorted(m for m in sys.modules if m.startswith('pyarrow')), file=sys.stderr)")
    env = {**os.environ, "FIRECHECK_CACHE": str(tmp_path / "cache")}
    for _ in range(2):  # the first builds the cache, the second reads it
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True)
    named = {z["id"] for r in json.loads(done.stdout)["reasons"] for z in r["zones"]}
    assert "grassland-subsidy-areas/0" in named  # answered with the parcel, from the cache
    loaded = done.stderr.strip().splitlines()[-1]
    assert "'pyarrow'" in loaded and "compute" not in loaded, loaded


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


def test_a_reason_among_many_parcels_names_the_nearest_three_and_counts_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: RuleSet,
        synthetic_zones_path: Path) -> None:
    """Among parcels a place is within 500 m of dozens: the sentence a ranger reads names the
    three nearest (by distance to the edge) and counts the others; the JSON lists them all."""
    from firecheck.views.words import explain

    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    zones = load_zones(_parcel_zones(tmp_path, synthetic_zones_path, 40, spacing_m=120.0))
    lon, lat = to_wgs84(np.array([EXACT.cx - 20_000 + 120.0 * 20 + 60]),
                        np.array([EXACT.cy + 5_000]))
    verdict = evaluate(Request(float(lat[0]), float(lon[0]), BAN_DAY, "bbq"), rules, zones)
    ban = next(r for r in verdict.reasons if r.code == "fire_ban")
    assert len(ban.zones) == 9  # four parcels each side within 500 m, one 20 m away
    by_edge = sorted(ban.zones, key=lambda z: abs(z.edge_m or 0.0))
    for lang, more in (("en", "and 6 more zones"), ("zh", "另有 6 处区域")):
        text = explain(ban, verdict, lang)
        assert more in text
        named = [z for z in ban.zones if (z.name_en if lang == "en" else z.name_zh) in text]
        assert sorted(z.id for z in named) == sorted(z.id for z in by_edge[:3])
    assert len(verdict.to_dict()["reasons"][0]["zones"]) == 9


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


# Small zones of every shape: a batch bounds most (point, zone) pairs by the zone's bounding
# box (a convex zone is no farther than the box plus the farthest box corner is from it)
# and measures only pairs near a threshold. Every shape, measured at the thresholds.
SMALL_X_M, SMALL_Y_M = 8000.0, 0.0  # the small zones' centre, east of EXACT's
SMALL_DESIGNATIONS = {  # shape -> a designation the fire ban lists
    "square": "grassland-subsidy-areas", "rotated": "forestry-project-areas",
    "triangle": "honghua-obo-nr", "l-shape": "daxianshan-scenic", "holed": "xiheyi-forestry",
    "pair": "qifenzi-forestry", "line": "zhao-great-wall", "point": "erxiang-nanpo-forest",
    "tilted": "ecological-redline"}


def _small_shapes() -> dict[str, shapely.Geometry]:
    """Small zones in local metres around (SMALL_X_M, SMALL_Y_M) from EXACT's centre."""
    cx, cy = EXACT.cx + SMALL_X_M, EXACT.cy + SMALL_Y_M
    square = shapely.box(-60, -60, 60, 60)
    shapes = {
        "square": square,
        "rotated": rotate(shapely.box(-75, -75, 75, 75), 30, origin=(0, 0)),
        "triangle": shapely.Polygon([(0, 0), (200, 30), (40, 170)]),
        "l-shape": shapely.Polygon([(0, 0), (160, 0), (160, 50), (50, 50), (50, 160), (0, 160)]),
        "holed": shapely.Polygon(shapely.box(-90, -90, 90, 90).exterior.coords,
                                 [shapely.box(-40, -40, 40, 40).exterior.coords]),
        "pair": shapely.MultiPolygon([square, shapely.box(200, -30, 260, 30)]),
        "line": shapely.LineString([(0, 0), (150, 40), (300, -20)]),
        "point": shapely.Point(0, 0),
        # A few metres off its box: bounds within the ±5 m bands (so they must decide there).
        "tilted": rotate(shapely.box(-75, -75, 75, 75), 1, origin=(0, 0)),
    }
    spots = [(-2400, -2400), (0, -2400), (2400, -2400), (-2400, 0), (0, 0), (2400, 0),
             (-2400, 2400), (0, 2400), (2400, 2400)]
    return {name: translate(shape, cx + dx, cy + dy)
            for (name, shape), (dx, dy) in zip(shapes.items(), spots, strict=True)}


@pytest.fixture(scope="module")
def small_zones(tmp_path_factory: pytest.TempPathFactory) -> ZoneSet:
    """The shapes of :func:`_small_shapes`, each of its own designation, drawn to ±5 m, with
    the shipped county line."""
    shipped = json.loads(default_zones_path().read_text(encoding="utf-8"))
    county = next(f for f in shipped["features"] if f["properties"]["kind"] == "county_boundary")
    features = [county]
    for name, shape in _small_shapes().items():
        lon_lat = shapely.transform(shape, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
        feature = _zone(SMALL_DESIGNATIONS[name], mapping(lon_lat))
        feature["properties"]["accuracy_m"] = 5
        features.append(feature)
    path = tmp_path_factory.mktemp("small") / "small.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return load_zones(path)


def test_polygons_of_one_ring_are_bounded_by_their_box(small_zones: ZoneSet) -> None:
    index = small_zones.index()
    by_id = dict(zip((z.id for z in small_zones.mapped), index._box_slack.tolist(), strict=True))
    slack = {name: by_id[d] for name, d in SMALL_DESIGNATIONS.items()}
    assert slack["point"] == 0.0
    assert slack["square"] < 1e-6  # axis-aligned: its box is itself
    assert 10 < slack["rotated"] < 75 and 10 < slack["triangle"] < 200
    # The corner (160, 160) and the top side's end are 110 m from the L's arms.
    assert 110 - 1e-6 < slack["l-shape"] < 110 + 160 / SIDE_POINTS
    for exact in ("holed", "pair", "line"):
        assert np.isnan(slack[exact]), exact


def _slack_of(ring: shapely.Polygon) -> float:
    """:attr:`ZoneIndex._box_slack` of ``ring`` (local metres) in an index of its own."""
    county = load_zones().county
    shapes = np.array([ring, shapely.box(5e4, 5e4, 5.001e4, 5.001e4)], dtype=object)
    return float(ZoneIndex(county, Shapes.of(shapes), np.array([505.0, 505.0]),
                           clone=True)._box_slack[0])


def _outline_distances(ring: shapely.Polygon, per_side: int) -> np.ndarray:
    """GEOS's distance from ``ring`` to ``per_side`` points along each side of its box."""
    x0, y0, x1, y1 = ring.bounds
    t = np.linspace(0.0, 1.0, per_side)
    x = np.concatenate([x0 + (x1 - x0) * t, np.full(per_side, x1), x1 - (x1 - x0) * t,
                        np.full(per_side, x0)])
    y = np.concatenate([np.full(per_side, y0), y0 + (y1 - y0) * t, np.full(per_side, y1),
                        y1 - (y1 - y0) * t])
    return shapely.distance(ring, shapely.points(x, y))


STAR = shapely.Polygon([(np.cos(a) * 100, np.sin(a) * 100) for a in np.arange(5) * 4 * np.pi / 5])
U_SHAPE = shapely.Polygon([(0, 0), (100, 0), (100, 100), (80, 100), (80, 20), (20, 20),
                           (20, 100), (0, 100)])


@pytest.mark.parametrize("ring", [STAR, U_SHAPE], ids=["star", "u-shape"])
def test_a_concave_ring_is_bounded_along_its_box_not_only_at_its_corners(
        ring: shapely.Polygon) -> None:
    """A star (each turn the same way round, the turns adding up to two full turns) and a
    U, whose corners all touch its box while the middle of the open side is 30 m from it:
    the bound holds all along the box, within a sampling interval."""
    x0, y0, x1, y1 = ring.bounds
    along = _outline_distances(ring, 2001)
    slack = _slack_of(ring)
    assert along.max() <= slack < along.max() + (x1 - x0) / SIDE_POINTS
    if ring is U_SHAPE:  # its corners' bound, 0, would not hold
        corners = shapely.distance(ring, shapely.points([x0, x1, x1, x0], [y0, y0, y1, y1]))
        assert corners.max() == 0.0 and along.max() == 30.0


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 31), seed=st.integers(0, 2**32 - 1), size=st.floats(20, 200),
       turn=st.floats(0, 90))
def test_a_concave_ring_is_farther_from_no_point_of_its_box_than_its_slack(
        n: int, seed: int, size: float, turn: float) -> None:
    """Fields of 3–31 corners, star-shaped about their middle with radii from a third to
    the whole, turned any way: no point along the box's sides (2,000 per side, by GEOS) is
    farther from the field than its slack, and the slack is within a sampling interval of
    the farthest."""
    rng = np.random.default_rng(seed)
    angle = np.sort(rng.uniform(0, 2 * np.pi, n))
    radius = size * rng.uniform(0.33, 1.0, n)
    ring = shapely.make_valid(rotate(shapely.Polygon(np.column_stack(
        [np.cos(angle) * radius, np.sin(angle) * radius])), turn, origin=(0, 0)))
    if ring.geom_type != "Polygon" or shapely.get_num_coordinates(ring) > _SMALL_VERTICES:
        return  # a degenerate draw: not a field's outline
    x0, y0, x1, y1 = ring.bounds
    along = _outline_distances(ring, 2000)
    slack = _slack_of(ring)
    assert along.max() <= slack + 1e-9
    assert slack <= along.max() + max(x1 - x0, y1 - y0) * (1 / SIDE_POINTS + 1e-3)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_box_bounds_hold_and_decide_as_the_distance_would(small_zones: ZoneSet, data) -> None:
    """For points all round every small zone, at distances across the reach: the bounds
    hold the exact distance, and at every threshold they fall on its side."""
    index = small_zones.index()
    shapes = index.shapes
    n = data.draw(st.integers(1, 60))
    zone = np.array(data.draw(st.lists(st.integers(0, len(shapes) - 1), min_size=n, max_size=n)))
    angle = np.array(data.draw(st.lists(st.floats(0, 2 * np.pi), min_size=n, max_size=n)))
    reach = np.array(data.draw(st.lists(st.floats(0, 700), min_size=n, max_size=n)))
    centre = shapely.centroid(shapes[zone])
    x = shapely.get_x(centre) + np.cos(angle) * (reach + 100)
    y = shapely.get_y(centre) + np.sin(angle) * (reach + 100)
    keys = PlaceKeys(small_zones)
    pairs = index.measure_points(x, y, keys.thresholds)
    exact = index.edge_m(pairs.zone, shapely.points(x[pairs.row], y[pairs.row]))
    assert (pairs.lo <= exact + 1e-9).all() and (exact <= pairs.hi + 1e-9).all()
    assert np.array_equal(pairs.exact(np.arange(len(pairs))), exact)
    table, row_of = keys.thresholds
    for t in table[row_of[pairs.zone]].T:
        assert np.array_equal(pairs.lo <= t, exact <= t)
    # Every pair within reach is found, and no other.
    everything = index.edge_m(np.repeat(np.arange(len(shapes)), n),
                              shapely.points(np.tile(x, len(shapes)), np.tile(y, len(shapes))))
    within = everything <= np.repeat(index.limit, n)
    assert len(pairs) == within.sum()


@pytest.mark.filterwarnings("error::RuntimeWarning")  # numpy's, printed to a user's stderr
def test_segments_too_short_to_square_are_measured_without_numpy_warnings() -> None:
    """A point (a segment of no length) and a segment whose squared length underflows to 0
    are measured as GEOS measures them, silently: numpy's 'invalid value encountered'
    would otherwise reach a batch's stderr."""
    point = np.array([[3.0, 3.0]])
    assert segments_distance(point, point, np.array([6.0, 3.0]),
                             np.array([7.0, 3.0])).tolist() == [5.0, 0.0]
    assert segments_distance(np.array([[0.0, 1e-200]]), np.array([[0.0, 0.0]]), np.array([1.0]),
                             np.array([1.0])).tolist() == [np.sqrt(2.0)]
    # A point on such a segment: NaN for it, so the line's other segments decide, as in
    # GEOS (hypothesis found the line; numpy's min gave NaN and lost the pair).
    for line in ([(0, 0), (0, 0), (0, 2e-163)], [(0, 2e-163), (0, 0), (0, 0)]):
        points = vertices_of(np.array([shapely.LineString(line)], dtype=object))[:2]
        assert segments_distance(*points, np.zeros(1), np.zeros(1)).tolist() == [0.0]


@pytest.mark.filterwarnings("error::RuntimeWarning")
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_lines_of_few_vertices_are_measured_as_geos_does(data) -> None:
    """A point or a line of few vertices (a sketched wall) is measured in numpy, bit for bit
    as GEOS measures it, for points all round it — repeated vertices, segments of no
    length and points on the line included — so no pair with it needs GEOS."""
    county = load_zones().county
    n = data.draw(st.integers(1, 16))
    if data.draw(st.booleans()):  # on a coarse grid: repeats and collinear runs happen
        xy = np.array(data.draw(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)),
                                         min_size=n, max_size=n)), dtype=float) * 97.0
    else:
        xy = np.array(data.draw(st.lists(st.tuples(st.floats(-2e4, 2e4), st.floats(-2e4, 2e4)),
                                         min_size=n, max_size=n)))
    zone = shapely.Point(xy[0]) if n == 1 else shapely.LineString(xy)
    shapes = np.array([zone, shapely.box(5e4, 5e4, 5.001e4, 5.001e4)], dtype=object)
    index = ZoneIndex(county, Shapes.of(shapes), np.array([505.0, 505.0]), clone=True)
    m = data.draw(st.integers(1, 40))
    x = np.array(data.draw(st.lists(st.floats(-2.1e4, 2.1e4), min_size=m, max_size=m)))
    y = np.array(data.draw(st.lists(st.floats(-2.1e4, 2.1e4), min_size=m, max_size=m)))
    x[: min(m, n)], y[: min(m, n)] = xy[: min(m, n), 0], xy[: min(m, n), 1]  # on vertices
    with np.errstate(invalid="ignore"):  # GEOS's own NaN for a segment too short to square
        exact = shapely.distance(zone, shapely.points(x, y))
    pairs = index.measure_points(x, y)
    mine = pairs.zone == 0
    assert sorted(pairs.row[mine].tolist()) == np.flatnonzero(exact <= 505.0).tolist()
    assert np.array_equal(pairs.lo[mine], exact[pairs.row[mine]])
    assert pairs.measured[mine].all()
    assert np.array_equal(pairs.exact(np.flatnonzero(mine)), exact[pairs.row[mine]])


def _off_side(shape: shapely.Geometry, metres: float) -> tuple[float, float]:
    """(lat, lon) ``metres`` out from the edge of ``shape`` (local) towards a place 1 km
    east of it, level with its middle (negative: inside)."""
    edge = shape.boundary if shape.geom_type.endswith("Polygon") else shape
    _, y0, x1, y1 = shape.bounds
    start = shapely.Point(x1 + 1000, (y0 + y1) / 2)
    near = nearest_points(edge, start)[0]
    dx, dy = start.x - near.x, start.y - near.y
    norm = float(np.hypot(dx, dy))
    lon, lat = to_wgs84(near.x + dx / norm * metres, near.y + dy / norm * metres)
    return float(lat), float(lon)


@pytest.mark.parametrize("metres", [-5.0001, -4.9999, 0.0, 4.9999, 5.0001, 494.9999, 495.0001,
                                    504.9999, 505.0001])
def test_small_zones_at_every_threshold_batch_equals_single(rules: RuleSet,
                                                           small_zones: ZoneSet,
                                                           metres: float) -> None:
    """Points at 0.1 mm either side of each line a ±5 m zone's answer turns on (its edge ± 5,
    its 500 m line ± 5), off the side of every shape, after places well within each band
    (the first place of a key gives the key's answer, so a place given a wrong key would
    take theirs): the batch answers as the engine."""
    places = [_off_side(shape, m) for m in (-20.0, 2.0, 20.0, 300.0, 500.0, 520.0, metres)
              for shape in _small_shapes().values()
              if m >= 0 or shape.geom_type.endswith("Polygon")]  # a line has no inside
    lat, lon = (list(c) for c in zip(*places, strict=True))
    n = len(lat)
    bbq = list(rules.activities.by_id).index("bbq")
    _assert_same(rules, small_zones, lat, lon, [BAN_DAY] * n, [bbq] * n, ["wgs84"] * n)


def test_threads_share_what_is_safe_to_read_at_once(small_zones: ZoneSet,
                                                    dense_zones: ZoneSet) -> None:
    """Every thread's index reads the same STRtrees and the same shapes of one part, no
    holes and few vertices, which nothing prepares; any other shape (a shape of many
    vertices is prepared) is each thread's own."""
    def indexes(zones: ZoneSet) -> tuple:
        theirs: list = []
        worker = threading.Thread(target=lambda: theirs.append(zones.index()))
        worker.start()
        worker.join()
        return zones.index(), theirs[0]

    for zones in (small_zones, dense_zones):
        mine, theirs = indexes(zones)
        assert mine is not theirs and mine.trees is theirs.trees
        for index in (mine, theirs):
            index.measure_points(np.array([index.shapes[0].centroid.x]),
                                 np.array([index.shapes[0].centroid.y]))
        simple = (np.isin(shapely.get_type_id(mine.shapes), (0, 1, 3))
                  & (shapely.get_num_interior_rings(mine.shapes) == 0)
                  & (shapely.get_num_coordinates(mine.shapes) <= _SMALL_VERTICES))
        assert not simple.all()
        for i in range(len(mine.shapes)):
            if not simple[i]:
                assert mine.shapes[i] is not theirs.shapes[i]
                assert shapely.is_prepared(mine.shapes[i]) and shapely.is_prepared(theirs.shapes[i])
            else:
                assert mine.shapes[i] is theirs.shapes[i] and mine._edges[i] is theirs._edges[i]
                assert not shapely.is_prepared(mine.shapes[i])


@pytest.fixture(scope="module")
def parcel_cluster(tmp_path_factory: pytest.TempPathFactory) -> ZoneSet:
    """60 parcels of one designation (squares, some turned, convex and concave fields of
    up to 40 corners, 40–200 m across, some overlapping) in a 3 km square, drawn to ±5 m: a
    place among them is within reach of dozens, bounded by their boxes three ways."""
    rng = np.random.default_rng(16)
    shipped = json.loads(default_zones_path().read_text(encoding="utf-8"))
    county = next(f for f in shipped["features"] if f["properties"]["kind"] == "county_boundary")
    features = [county]
    for i in range(60):
        half = rng.uniform(20, 100)
        if i % 3 == 0:
            square = rotate(shapely.box(-half, -half, half, half),
                            rng.choice([0.0, rng.uniform(0, 90)]))
        else:  # on an ellipse (convex) or at radii from half to the whole (concave)
            angle = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(5, 40)))
            radius = half * (1.0 if i % 3 == 1 else rng.uniform(0.5, 1.0, len(angle)))
            square = rotate(shapely.Polygon(np.column_stack(
                [np.cos(angle) * radius, np.sin(angle) * radius * 0.6])), rng.uniform(0, 90))
        x, y = EXACT.cx + SMALL_X_M + rng.uniform(-1500, 1500), EXACT.cy + rng.uniform(-1500, 1500)
        lon_lat = shapely.transform(translate(square, x, y),
                                    lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
        feature = _zone("grassland-subsidy-areas", mapping(lon_lat))
        feature["properties"] |= {"id": f"grassland-subsidy-areas/{i}", "accuracy_m": 5}
        features.append(feature)
    path = tmp_path_factory.mktemp("cluster") / "cluster.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return load_zones(path)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_places_among_many_parcels_batch_equals_single(rules: RuleSet, parcel_cluster: ZoneSet,
                                                       data) -> None:
    """Each batch answer is worked out once per key, from one place of its group: among
    dozens of parcels of one designation, every row still gets the answer, the parcels and
    the distance a single check gives it."""
    n = data.draw(st.integers(1, 40))
    lat, lon = [], []
    for _ in range(n):
        x = EXACT.cx + SMALL_X_M + data.draw(st.floats(-2200, 2200))
        y = EXACT.cy + data.draw(st.floats(-2200, 2200))
        lo_, la_ = to_wgs84(x, y)
        lat.append(float(la_))
        lon.append(float(lo_))
    days = data.draw(st.lists(st.dates(date(2023, 1, 1), date(2023, 12, 31)), min_size=n,
                              max_size=n))
    acts = data.draw(st.lists(st.integers(0, len(rules.activities.by_id) - 1), min_size=n,
                              max_size=n))
    _assert_same(rules, parcel_cluster, lat, lon, days, acts, ["wgs84"] * n)


def test_a_keys_words_are_its_first_places_own(tmp_path: Path, rules: RuleSet) -> None:
    """Two parcels of one designation with different buffers (1,000 m and 500 m), a place
    near both lines: its key's answer is worked out from one zone per relation, and that is
    the zone a single check names first, so the sheet's words give the 1,000 m the
    engine's own words give, not the nearer parcel's 500 m."""
    shipped = json.loads(default_zones_path().read_text(encoding="utf-8"))
    county = next(f for f in shipped["features"] if f["properties"]["kind"] == "county_boundary")
    cx, cy = EXACT.cx + SMALL_X_M, EXACT.cy
    far = shapely.box(cx - 50, cy - 50, cx + 50, cy + 50)  # the place is 997 m east of it
    near = shapely.box(cx + 50 + 997 + 498, cy - 50, cx + 50 + 997 + 598, cy + 50)  # 498 m
    features = [county]
    for i, (shape, buffer_m) in enumerate(((far, 1000), (near, 500))):
        lon_lat = shapely.transform(shape, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
        feature = _zone("grassland-subsidy-areas", mapping(lon_lat))
        feature["properties"] |= {"id": f"grassland-subsidy-areas/{i}", "buffer_m": buffer_m,
                                  "accuracy_m": 5}
        features.append(feature)
    path = tmp_path / "buffers.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    zones = load_zones(path)
    lon, lat = to_wgs84(cx + 50 + 997, cy)
    single = evaluate(Request(float(lat), float(lon), BAN_DAY, "bbq"), rules, zones)
    assert single.status == "uncertain"
    engine = BatchEngine(rules, zones)
    day = np.array([BAN_DAY.toordinal()])
    bbq = [a.id for a in engine.activities].index("bbq")
    out = engine.evaluate(Requests(np.array([float(lat)]), np.array([float(lon)]),
                                   np.zeros(1, np.int8), day, day.copy(), np.array([bbq]),
                                   np.zeros(1, dtype=bool)))
    batch = _general(out.answers[out.group[0]].verdict, zones)
    alone = _general(single, zones)
    for lang in ("zh", "en"):
        assert reasons_words(batch, lang) == reasons_words(alone, lang)
        assert action(batch, lang, general=True) == action(alone, lang, general=True)
    assert "1000" in action(batch, "zh", general=True)
