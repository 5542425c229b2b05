"""Tests for firecheck.datum: WGS-84 / GCJ-02 / BD-09 conversion.

prcoords (test-only dependency) is the oracle for the forward formulas and the
iterative inverses; published vectors from other implementations pin absolute values.
"""

from __future__ import annotations

import numpy as np
import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from firecheck.errors import InputError
from firecheck.geo import datum
from firecheck.geo.datum import (
    DATUMS,
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    parse_datum,
    to_wgs84,
    wgs84_to_gcj02,
)
from firecheck.geo.projection import LOCAL_CRS, to_local
from firecheck.geo.projection import to_wgs84 as local_to_wgs84

CHINA = ((0.8293, 55.8271), (72.004, 137.8347))  # the formula's own "in China" box
GUYANG = ((40.72, 41.50), (109.61, 110.75))
# GCJ-02 moves points by at most ~0.011 deg; keep property tests this far from the box edge
# so that the forward image stays inside the box (at the edge the box test is ambiguous).
MARGIN = 0.05
REGIONS = pytest.mark.parametrize("region", [CHINA, GUYANG], ids=["china", "guyang"])
CONVERSIONS = [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02]
GEOD = Geod(ellps="WGS84")
PROPS = settings(max_examples=300, deadline=None, database=None)


def _points(region: tuple, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    (lat0, lat1), (lon0, lon1) = region
    return rng.uniform(lat0, lat1, n), rng.uniform(lon0, lon1, n)


def _oracle(fn, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = np.array([tuple(fn((a, b))) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)])
    return out[:, 0], out[:, 1]


def _maxdiff(got: tuple, want: tuple) -> float:
    return float(max(np.max(np.abs(got[0] - want[0])), np.max(np.abs(got[1] - want[1]))))


def _lat(region: tuple, margin: float = 0.0) -> st.SearchStrategy[float]:
    return st.floats(region[0][0] + margin, region[0][1] - margin)


def _lon(region: tuple, margin: float = 0.0) -> st.SearchStrategy[float]:
    return st.floats(region[1][0] + margin, region[1][1] - margin)


# --- agreement with prcoords -------------------------------------------------------------
# Measured (20,000 random points over the China box): forward formulas agree to 4e-16 deg
# (GCJ) and 3e-14 deg (BD), i.e. rounding only; 1e-9 deg is the contract.


@REGIONS
def test_wgs84_to_gcj02_matches_prcoords(region: tuple) -> None:
    lat, lon = _points(region, 3000, 1)
    assert _maxdiff(wgs84_to_gcj02(lat, lon), _oracle(prcoords.wgs_gcj, lat, lon)) < 1e-9


@REGIONS
def test_gcj02_to_bd09_matches_prcoords(region: tuple) -> None:
    lat, lon = _points(region, 3000, 2)
    assert _maxdiff(gcj02_to_bd09(lat, lon), _oracle(prcoords.gcj_bd, lat, lon)) < 1e-9


# prcoords' *_bored inverses iterate only until the correction is below PRC_EPS = 1e-5 deg
# (max 10 steps), so with default settings they are themselves off by up to ~4.4e-8 deg
# (GCJ) / ~1.5e-8 deg (BD), measured: hence 1e-7 deg (~1 cm). With PRC_EPS = 0 they run all
# 10 steps to the same fixed point as ours; measured agreement then is 8.5e-14 / 5.7e-14 deg,
# hence 1e-12.


@REGIONS
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(gcj02_to_wgs84, prcoords.gcj_wgs_bored), (bd09_to_gcj02, prcoords.bd_gcj_bored)],
    ids=["gcj_wgs", "bd_gcj"],
)
def test_inverse_matches_prcoords_bored(region: tuple, ours, theirs) -> None:
    lat, lon = _points(region, 3000, 3)
    assert _maxdiff(ours(lat, lon), _oracle(theirs, lat, lon)) < 1e-7


@REGIONS
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(gcj02_to_wgs84, prcoords.gcj_wgs_bored), (bd09_to_gcj02, prcoords.bd_gcj_bored)],
    ids=["gcj_wgs", "bd_gcj"],
)
def test_inverse_matches_fully_iterated_prcoords(
    region: tuple, ours, theirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prcoords, "PRC_EPS", 0.0)
    lat, lon = _points(region, 3000, 4)
    assert _maxdiff(ours(lat, lon), _oracle(theirs, lat, lon)) < 1e-12


@REGIONS
def test_exact_inverse_is_closer_than_prcoords_one_step_inverse(region: tuple) -> None:
    # Guards against the iteration silently degenerating to the one-step approximation.
    (lat0, lat1), (lon0, lon1) = region
    inner = ((lat0 + MARGIN, lat1 - MARGIN), (lon0 + MARGIN, lon1 - MARGIN))
    lat, lon = _points(inner, 2000, 5)
    ours = wgs84_to_gcj02(*gcj02_to_wgs84(lat, lon))
    rough = wgs84_to_gcj02(*_oracle(prcoords.gcj_wgs, lat, lon))
    assert _maxdiff(ours, (lat, lon)) < 1e-9 < _maxdiff(rough, (lat, lon))


# --- published vectors -------------------------------------------------------------------


# github.com/wandergis/coordtransform README ("Example&Usage"), given there as (lon, lat).
def test_wandergis_readme_vectors() -> None:
    gcj = (39.91640428150164, 116.41024449916938)
    bd = (39.92133699351021, 116.41036949371029)
    assert _maxdiff(wgs84_to_gcj02(39.915, 116.404), gcj) < 1e-12
    assert _maxdiff(gcj02_to_bd09(39.915, 116.404), bd) < 1e-12


# github.com/googollee/eviltransform python/test.py TESTS (wgsLat, wgsLng, gcjLat, gcjLng).
# (Its BD-09 vectors are not used: PRCoords' README documents wrong BD parameters in
# eviltransform, and they are indeed 10-40 m off the standard formula.)
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_eviltransform_vectors(wlat: float, wlon: float, glat: float, glon: float) -> None:
    assert _maxdiff(wgs84_to_gcj02(wlat, wlon), (glat, glon)) < 1e-12
    assert _maxdiff(gcj02_to_wgs84(glat, glon), (wlat, wlon)) < 1e-9


# --- round trips -------------------------------------------------------------------------


@REGIONS
@PROPS
@given(st.data())
def test_round_trip_wgs_gcj_wgs(region: tuple, data: st.DataObject) -> None:
    lat = data.draw(_lat(region, MARGIN))
    lon = data.draw(_lon(region, MARGIN))
    glat, glon = wgs84_to_gcj02(lat, lon)
    assert (glat, glon) != (lat, lon)
    assert _maxdiff(gcj02_to_wgs84(glat, glon), (lat, lon)) < 1e-9


@REGIONS
@PROPS
@given(st.data())
def test_round_trip_gcj_wgs_gcj(region: tuple, data: st.DataObject) -> None:
    lat = data.draw(_lat(region, MARGIN))
    lon = data.draw(_lon(region, MARGIN))
    assert _maxdiff(wgs84_to_gcj02(*gcj02_to_wgs84(lat, lon)), (lat, lon)) < 1e-9


@REGIONS
@PROPS
@given(st.data())
def test_round_trip_gcj_bd_gcj(region: tuple, data: st.DataObject) -> None:
    lat = data.draw(_lat(region))
    lon = data.draw(_lon(region))
    blat, blon = gcj02_to_bd09(lat, lon)
    assert (blat, blon) != (lat, lon)
    assert _maxdiff(bd09_to_gcj02(blat, blon), (lat, lon)) < 1e-9


@REGIONS
@PROPS
@given(st.data())
def test_round_trip_bd_gcj_bd(region: tuple, data: st.DataObject) -> None:
    lat = data.draw(_lat(region))
    lon = data.draw(_lon(region))
    assert _maxdiff(gcj02_to_bd09(*bd09_to_gcj02(lat, lon)), (lat, lon)) < 1e-9


@PROPS
@given(_lat(GUYANG), _lon(GUYANG))
def test_round_trip_wgs_bd_wgs_via_to_wgs84(lat: float, lon: float) -> None:
    blat, blon = gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    assert _maxdiff(to_wgs84(blat, blon, "bd09"), (lat, lon)) < 1e-9


# --- size of the offset in Guyang ---------------------------------------------------------


def _guyang_grid() -> tuple[np.ndarray, np.ndarray]:
    (lat0, lat1), (lon0, lon1) = GUYANG
    lat, lon = np.meshgrid(np.linspace(lat0, lat1, 40), np.linspace(lon0, lon1, 40))
    return lat.ravel(), lon.ravel()


def _metres(a: tuple, b: tuple) -> np.ndarray:
    return np.asarray(GEOD.inv(a[1], a[0], b[1], b[0])[2])


def test_gcj_offset_in_guyang_is_300_to_700_m() -> None:
    lat, lon = _guyang_grid()
    forward = _metres((lat, lon), wgs84_to_gcj02(lat, lon))
    backward = _metres((lat, lon), gcj02_to_wgs84(lat, lon))
    for d in (forward, backward):
        assert d.min() > 300 and d.max() < 700  # measured 489-572 m


def test_bd_offset_in_guyang_is_larger_than_gcj() -> None:
    lat, lon = _guyang_grid()
    gcj = wgs84_to_gcj02(lat, lon)
    d_gcj = _metres((lat, lon), gcj)
    d_bd = _metres((lat, lon), gcj02_to_bd09(*gcj))
    assert d_bd.min() > 900 and d_bd.max() < 1800  # measured 1279-1408 m
    assert np.all(d_bd > d_gcj)


# --- outside China, NaN, types -----------------------------------------------------------

OUTSIDE = [
    (51.5074, -0.1278),  # London
    (-33.8688, 151.2093),  # Sydney
    (0.0, 0.0),
    (60.0, 110.0),  # north of the box
    (41.0, 140.0),  # east of the box
    (0.8, 110.0),  # just south of the box
    (41.0, 72.0),  # just west of the box
]


@pytest.mark.parametrize(("lat", "lon"), OUTSIDE)
def test_gcj_outside_china_is_unchanged(lat: float, lon: float) -> None:
    assert wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert gcj02_to_wgs84(lat, lon) == (lat, lon)
    assert to_wgs84(lat, lon, "gcj02") == (lat, lon)


def test_gcj_outside_china_unchanged_inside_array() -> None:
    lat = np.array([p[0] for p in OUTSIDE] + [41.0])
    lon = np.array([p[1] for p in OUTSIDE] + [110.0])
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        olat, olon = fn(lat, lon)
        np.testing.assert_array_equal(olat[:-1], lat[:-1])
        np.testing.assert_array_equal(olon[:-1], lon[:-1])
        assert olat[-1] != 41.0 and olon[-1] != 110.0


@pytest.mark.parametrize("fn", CONVERSIONS)
@pytest.mark.parametrize(("lat", "lon"), [(np.nan, 110.0), (41.0, np.nan), (np.nan, np.nan)])
def test_nan_in_nan_out(fn, lat: float, lon: float) -> None:
    olat, olon = fn(lat, lon)
    assert np.isnan(olat) and np.isnan(olon)


@pytest.mark.parametrize("fn", CONVERSIONS)
def test_nan_does_not_disturb_other_points(fn) -> None:
    lat = np.array([41.0, np.nan, 40.8, 41.3])
    lon = np.array([110.0, 110.2, np.nan, 109.9])
    olat, olon = fn(lat, lon)
    assert np.isnan(olat[1:3]).all() and np.isnan(olon[1:3]).all()
    for i in (0, 3):
        assert _maxdiff((olat[i], olon[i]), fn(float(lat[i]), float(lon[i]))) < 1e-12


@pytest.mark.parametrize("fn", CONVERSIONS)
@pytest.mark.parametrize(
    ("lat", "lon"), [(41.0, 110.0), (np.float64(41.0), np.float32(110)), (41, 110)]
)
def test_scalars_give_python_floats(fn, lat, lon) -> None:
    out = fn(lat, lon)
    assert isinstance(out, tuple) and len(out) == 2
    assert type(out[0]) is float and type(out[1]) is float
    assert out != (41.0, 110.0)


@pytest.mark.parametrize("fn", CONVERSIONS)
def test_arrays_keep_shape(fn) -> None:
    lat, lon = _points(GUYANG, 12, 6)
    lat, lon = lat.reshape(3, 4), lon.reshape(3, 4)
    olat, olon = fn(lat, lon)
    assert isinstance(olat, np.ndarray) and isinstance(olon, np.ndarray)
    assert olat.shape == olon.shape == (3, 4)
    assert olat.dtype == olon.dtype == np.float64
    assert _maxdiff((olat[1, 2], olon[1, 2]), fn(float(lat[1, 2]), float(lon[1, 2]))) < 1e-12


@pytest.mark.parametrize("fn", CONVERSIONS)
def test_broadcasting_and_lists(fn) -> None:
    olat, olon = fn(41.0, np.array([110.0, 110.5]))
    assert olat.shape == olon.shape == (2,)
    assert _maxdiff((olat[1], olon[1]), fn(41.0, 110.5)) < 1e-12
    llat, llon = fn([41.0, 41.1], [110.0, 110.5])
    assert isinstance(llat, np.ndarray) and llat.shape == llon.shape == (2,)


@pytest.mark.parametrize("fn", CONVERSIONS)
def test_inputs_not_modified(fn) -> None:
    lat, lon = _points(GUYANG, 10, 7)
    lat0, lon0 = lat.copy(), lon.copy()
    fn(lat, lon)
    np.testing.assert_array_equal(lat, lat0)
    np.testing.assert_array_equal(lon, lon0)


def test_million_points_one_numpy_pass_per_iteration(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"gcj": 0, "bd": 0}
    gcj_offset, bd_forward = datum._gcj_offset, datum._bd_forward

    def counting_gcj(*args):
        calls["gcj"] += 1
        return gcj_offset(*args)

    def counting_bd(*args):
        calls["bd"] += 1
        return bd_forward(*args)

    monkeypatch.setattr(datum, "_gcj_offset", counting_gcj)
    monkeypatch.setattr(datum, "_bd_forward", counting_bd)
    lat, lon = _points(GUYANG, 1_000_000, 8)
    wlat, wlon = to_wgs84(lat, lon, "bd09")
    assert wlat.shape == wlon.shape == (1_000_000,)
    assert not np.isnan(wlat).any() and not np.isnan(wlon).any()
    # Whole-array calls only: a handful, not one per point (measured: 5 GCJ, 3 BD).
    assert 2 <= calls["gcj"] <= 10 and 2 <= calls["bd"] <= 10
    back = gcj02_to_bd09(*wgs84_to_gcj02(wlat, wlon))
    assert _maxdiff(back, (lat, lon)) < 1e-9


# --- parse_datum and to_wgs84 ------------------------------------------------------------

ALIASES = {
    "wgs84": ["wgs84", "wgs-84", "wgs 84", "gps", "epsg:4326", "4326"],
    "gcj02": ["gcj02", "gcj-02", "gcj", "amap", "gaode", "高德", "tencent", "腾讯", "qq", "火星"],
    "bd09": ["bd09", "bd-09", "bd09ll", "baidu", "百度"],
}
ALIAS_CASES = [(a, d) for d, names in ALIASES.items() for a in names]


def _fullwidth(text: str) -> str:
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text
    )


def test_datums_constant() -> None:
    assert DATUMS == ("wgs84", "gcj02", "bd09")


@pytest.mark.parametrize(("alias", "expected"), ALIAS_CASES)
def test_parse_datum_aliases(alias: str, expected: str) -> None:
    assert parse_datum(alias) == expected
    assert parse_datum(alias.upper()) == expected
    assert parse_datum(f"  {alias.title()}\t\n") == expected
    assert parse_datum(_fullwidth(alias)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＧＣＪ０２", "gcj02"),
        ("Ｂａｉｄｕ", "bd09"),
        ("EPSG : 4326", "wgs84"),
        ("WGS 84", "wgs84"),
        ("Gcj - 02", "gcj02"),
        ("\u3000百度 ", "bd09"),
    ],
)
def test_parse_datum_mixed_forms(text: str, expected: str) -> None:
    assert parse_datum(text) == expected


@pytest.mark.parametrize(
    "bad", ["", "   ", "utm", "wgs85", "gcj03", "bd09mc", "cgcs2000", "google"]
)
def test_parse_datum_unknown(bad: str) -> None:
    with pytest.raises(InputError) as info:
        parse_datum(bad)
    err = info.value
    for name in DATUMS:
        assert name in err.text.en and name in err.text.zh
    assert repr(bad) in err.text.en and repr(bad) in err.text.zh
    assert "坐标系" in err.text.zh and err.text.zh != err.text.en


def test_parse_datum_non_string() -> None:
    with pytest.raises(InputError):
        parse_datum(None)  # type: ignore[arg-type]


def test_to_wgs84_dispatch() -> None:
    lat, lon = _points(GUYANG, 50, 9)
    wlat, wlon = to_wgs84(lat, lon, "wgs84")
    np.testing.assert_array_equal(wlat, lat)
    np.testing.assert_array_equal(wlon, lon)
    assert wlat is not lat and wlon is not lon
    assert to_wgs84(41.0, 110.0, "wgs84") == (41.0, 110.0)
    np.testing.assert_array_equal(to_wgs84(lat, lon, "gcj02"), gcj02_to_wgs84(lat, lon))
    np.testing.assert_array_equal(
        to_wgs84(lat, lon, "bd09"), gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    )
    assert to_wgs84(41.0, 110.0, "百度") == to_wgs84(41.0, 110.0, "bd09")  # type: ignore[arg-type]
    assert to_wgs84(41.0, 110.0, "bd09") != to_wgs84(41.0, 110.0, "gcj02")
    with pytest.raises(InputError):
        to_wgs84(41.0, 110.0, "utm")  # type: ignore[arg-type]


def test_local_plane_pipelines_are_proj_own_choice() -> None:
    """The written-out WGS-84 ⇄ local-plane pipelines give exactly what PROJ derives from
    the CRSs (EPSG:4326, lon/lat order), to 1 µm: near the county, within the 1.5° of the
    central meridian projected by the faster series at any latitude, and far from it."""
    rng = np.random.default_rng(3)
    lon = np.concatenate([rng.uniform(109.5, 110.9, 500), rng.uniform(75, 135, 500),
                          rng.uniform(110.18 - 1.5, 110.18 + 1.5, 500)])
    lat = np.concatenate([rng.uniform(40.6, 41.6, 500), rng.uniform(20, 53, 500),
                          rng.uniform(-80, 80, 500)])
    forward = Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True)
    inverse = Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True)
    x, y = to_local(lon, lat)
    ex, ey = forward.transform(lon, lat)
    assert np.abs(x - ex).max() < 1e-6 and np.abs(y - ey).max() < 1e-6
    back_lon, back_lat = local_to_wgs84(x, y)
    elon, elat = inverse.transform(x, y)
    assert np.abs(back_lon - elon).max() < 1e-12 and np.abs(back_lat - elat).max() < 1e-12
    assert np.abs(back_lon - lon).max() < 1e-9 and np.abs(back_lat - lat).max() < 1e-9


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_a_point_converts_the_same_alone_or_among_others(datum: str) -> None:
    """Each point's inverse stops on its own: the same bits alone as in an array (when all
    stopped at the last one's convergence, a batch row and a single check differed by up
    to 3e-8 m)."""
    rng = np.random.default_rng(12)
    lat, lon = rng.uniform(40.6, 41.6, 500), rng.uniform(109.5, 110.9, 500)
    together = np.column_stack(to_wgs84(lat, lon, datum))
    alone = np.array([to_wgs84(float(a), float(b), datum)
                      for a, b in zip(lat, lon, strict=True)])
    assert np.array_equal(together, alone)
