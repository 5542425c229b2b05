"""The numpy segment kernels measure bit for bit as the loaded GEOS does: distances to
lines and rings, and inside/outside of a ring (GEOS's ray crossing), for random shapes at
the county's coordinates and for the hard cases (on a vertex, on an edge, level with a
horizontal edge); where they cannot decide, they say so and GEOS measures."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from firecheck.geo import segments
from firecheck.geo.edges import signed_edge_m
from firecheck.geo.segments import as_geos, ring_edges, segments_distance, vertices_of

# The county in its local plane: about 60 × 50 km around (15 km, −8 km).
X0, Y0 = 15_000.0, -8_000.0


def _geos_signed(rings: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    shapely.prepare(rings)
    return signed_edge_m(rings, shapely.boundary(rings), np.True_, shapely.points(x, y))


def test_the_kernels_measure_as_this_geos_does() -> None:
    """Either the kernels match this GEOS (as every supported one so far) or they are
    switched off; a silent mismatch of one ulp is what they must never be."""
    assert as_geos()


def test_distances_to_random_segments_are_geos_bit_for_bit() -> None:
    """200,000 segments of up to 600 m and points near them, across the county: every
    distance equals GEOS's to the last bit (np.hypot alone differs in ~8% of them on a
    GEOS that takes the root of the sum of squares)."""
    rng = np.random.default_rng(7)
    n = 200_000
    a = np.column_stack([rng.uniform(X0 - 3e4, X0 + 3e4, n), rng.uniform(Y0 - 2.5e4, Y0 + 2.5e4, n)])
    b, p = a + rng.uniform(-600, 600, (2, n, 2))
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    geos = shapely.distance(lines, shapely.points(p))
    assert np.array_equal(segments_distance(*vertices_of(lines)[:2], p[:, 0], p[:, 1]), geos)


def _field(rng: np.random.Generator, k: int) -> np.ndarray:
    """A closed star-shaped ring of ``k`` corners, 20–120 m across, somewhere in the county."""
    angle = np.sort(rng.uniform(0, 2 * np.pi, k))
    radius = rng.uniform(20, 120, k)
    centre = rng.uniform([X0 - 3e4, Y0 - 2.5e4], [X0 + 3e4, Y0 + 2.5e4])
    ring = centre + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return np.vstack([ring, ring[:1]])


def test_random_fields_are_measured_and_located_as_geos_does() -> None:
    """2,000 field rings of 3–63 corners and 50 points about each (in, out, near the
    edge): every decided signed distance equals GEOS's, and nearly all are decided."""
    rng = np.random.default_rng(11)
    rings = [shapely.Polygon(_field(rng, int(rng.integers(3, 64)))) for _ in range(2000)]
    rings = np.array([r for r in rings if r.is_valid], dtype=object)
    shapes = np.repeat(rings, 50)
    x0, y0, x1, y1 = shapely.bounds(shapes).T
    x = rng.uniform(x0 - 20, x1 + 20)
    y = rng.uniform(y0 - 20, y1 + 20)
    order = np.argsort(shapely.get_num_coordinates(shapes), kind="stable")
    shapes, x, y = shapes[order], x[order], y[order]
    found, decided = np.empty(len(x)), np.empty(len(x), dtype=bool)
    for first in range(0, len(x), 8192):
        some = slice(first, first + 8192)
        found[some], decided[some] = ring_edges(*vertices_of(shapes[some])[:2], x[some],
                                                y[some])
    want = _geos_signed(shapes, x, y)
    assert np.array_equal(found[decided], want[decided])
    assert decided.mean() > 0.999
    assert (want < 0).mean() > 0.2  # points inside, too


GRID = st.integers(-4, 4)


@settings(max_examples=300, deadline=None)
@given(corners=st.lists(st.tuples(GRID, GRID), min_size=3, max_size=12, unique=True),
       points=st.lists(st.tuples(st.integers(-10, 10), st.integers(-10, 10)), min_size=1,
                       max_size=30),
       scale=st.sampled_from([1.0, 0.1, 97.0]))
def test_rings_on_a_grid_locate_vertices_and_edges_as_geos_does(corners, points, scale) -> None:
    """Rings on a coarse grid (horizontal and vertical edges, collinear runs) and points
    on a half-step grid (on vertices, on edges, level with horizontal edges, on the ray
    through a vertex): decided answers are GEOS's, inside, outside and on the edge."""
    ring = shapely.Polygon(np.array(corners, dtype=float) * scale)
    if not ring.is_valid or ring.area == 0:
        ring = ring.convex_hull
        if ring.geom_type != "Polygon" or ring.area == 0:
            return
    xy = np.array(points, dtype=float) * scale / 2 + [X0, Y0]
    ring = shapely.affinity.translate(ring, X0, Y0)
    shapes = np.array([ring] * len(xy), dtype=object)
    found, decided = ring_edges(*vertices_of(shapes)[:2], xy[:, 0], xy[:, 1])
    want = _geos_signed(shapes, xy[:, 0], xy[:, 1])
    assert np.array_equal(found[decided], want[decided])


def test_a_point_on_a_slanted_edge_is_left_to_geos() -> None:
    """A point exactly on a slanted edge that its ray crosses: the orientation is 0 within
    GEOS's error bound, which GEOS settles in double-double arithmetic (on the edge) — the
    kernel does not guess, and a point beside it by one ulp is decided."""
    ring = np.array([shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)])] * 2,
                    dtype=object)
    x = np.array([X0 + 37, np.nextafter(X0 + 37, np.inf)])
    y = np.array([Y0 + 37, Y0 + 37])
    found, decided = ring_edges(*vertices_of(ring)[:2], x, y)
    assert decided.tolist() == [False, True]
    assert found[1] == _geos_signed(ring, x, y)[1] > 0


def test_points_no_projection_can_place_are_left_to_geos() -> None:
    ring = np.array([shapely.box(X0, Y0, X0 + 10, Y0 + 10)], dtype=object)
    with np.errstate(invalid="ignore"):
        _, decided = ring_edges(*vertices_of(ring)[:2], np.array([np.inf]), np.array([Y0 + 5]))
    assert not decided[0]


def test_without_a_matching_formula_the_index_asks_geos(monkeypatch: pytest.MonkeyPatch) -> None:
    """A GEOS that measured some other way would switch the kernels off: short lines and
    small rings are then measured by GEOS, with the same answers."""
    from firecheck.zones.index import ZoneIndex
    from firecheck.zones.load import load_zones
    from firecheck.zones.model import Shapes

    county = load_zones().county
    shapes = np.array([shapely.LineString([(X0, Y0), (X0 + 300, Y0 + 40)]),
                       shapely.Polygon(_field(np.random.default_rng(3), 9))], dtype=object)
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(X0 - 600, X0 + 900, 300),
                        rng.uniform(*shapely.bounds(shapes[1])[[0, 2]], 300)])
    y = np.concatenate([rng.uniform(Y0 - 600, Y0 + 640, 300),
                        rng.uniform(*shapely.bounds(shapes[1])[[1, 3]], 300)])

    def measured() -> tuple[np.ndarray, ...]:
        index = ZoneIndex(county, Shapes.of(shapes), np.array([505.0, 505.0]), clone=True)
        pairs = index.measure_points(x, y)
        return pairs.row, pairs.zone, pairs.exact(np.arange(len(pairs))), index

    row, zone, edge, index = measured()
    assert index._rings[3][1] > 0 and index._lines[1][0] >= 0
    monkeypatch.setattr(segments, "_geos_formula", lambda: None)
    off_row, off_zone, off_edge, off = measured()
    assert (off._rings[3] == 0).all() and (off._lines[1] < 0).all()
    assert np.array_equal(row, off_row) and np.array_equal(zone, off_zone)
    assert np.array_equal(edge, off_edge)
