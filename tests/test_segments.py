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


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to the last bit, the sign of a zero included."""
    return np.array_equal(np.asarray(a, np.float64).view(np.uint64),
                          np.asarray(b, np.float64).view(np.uint64))


def _ring_edges(shapes: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    return ring_edges(*vertices_of(shapes)[:2], x, y)


def _near_the_edge(rings: list[shapely.Polygon]) -> tuple[np.ndarray, ...]:
    """Per ring, points where rounding decides: each vertex and the points one ulp from
    it in x and in y, and points along each edge as floats round them (on it, or an ulp
    beside it)."""
    shapes, xs, ys = [], [], []
    for ring in rings:
        xy = np.asarray(ring.exterior.coords)[:-1]
        up, down = np.nextafter(xy, np.inf), np.nextafter(xy, -np.inf)
        px = np.concatenate([xy[:, 0], up[:, 0], down[:, 0], xy[:, 0], xy[:, 0]])
        py = np.concatenate([xy[:, 1], xy[:, 1], xy[:, 1], up[:, 1], down[:, 1]])
        after = np.roll(xy, -1, axis=0)
        for t in (1e-9, 0.25, 1 / 3, 0.5, 1 - 1e-9):
            px = np.concatenate([px, xy[:, 0] + (after[:, 0] - xy[:, 0]) * t])
            py = np.concatenate([py, xy[:, 1] + (after[:, 1] - xy[:, 1]) * t])
        shapes += [ring] * len(px)
        xs.append(px)
        ys.append(py)
    return np.array(shapes, dtype=object), np.concatenate(xs), np.concatenate(ys)


def test_the_kernels_measure_as_this_geos_does() -> None:
    """Either the kernels match this GEOS (as every supported one so far) or they are
    switched off; a silent mismatch of one ulp is what they must never be."""
    assert as_geos()


def test_the_probe_tells_the_two_formulas_apart() -> None:
    """The probe finds this GEOS's formula only if the two formulas differ on some of its
    rows (they do on ~8% of segments), and their distances agree within rounding."""
    a, b, p = segments._probe()
    vx, vy = np.column_stack([a[:, 0], b[:, 0]]), np.column_stack([a[:, 1], b[:, 1]])
    found = [segments._each_distance(f, vx, vy, vx - p[:, :1], vy - p[:, 1:])[:, 0]
             for f in (segments._root_of_squares, np.hypot)]
    differ = np.count_nonzero(found[0] != found[1])
    assert 100 < differ < len(a) // 4
    assert np.allclose(found[0], found[1], rtol=1e-15, atol=0)


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
    assert _same_bits(found[decided], want[decided])
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
    assert _same_bits(found[decided], want[decided])


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


def test_points_an_ulp_from_a_corner_are_on_the_edge_as_geos_finds_them() -> None:
    """A point on an upright or a level edge an ulp from its corner: GEOS finds it on the
    edge (not inside), though its distance rounds to the corner's (5.6e-17 m), not to 0 —
    the kernel once took the parity there and gave −5.6e-17 (a review found it)."""
    ring = shapely.Polygon([(0.5, 0.25), (2.5, 0.25), (2.5, 1.5), (0.5, 1.5)])
    x = np.array([0.5, np.nextafter(2.5, 0), 2.5, np.nextafter(0.5, 3)] * 2)
    y = np.array([np.nextafter(0.25, 1), 0.25, np.nextafter(1.5, 0), 1.5] * 2)
    shapes = np.array([ring] * 4 + [ring.reverse()] * 4, dtype=object)
    found, decided = _ring_edges(shapes, x, y)
    want = _geos_signed(shapes, x, y)
    assert decided.all() and (want >= 0).all() and (want > 0).sum() >= 2
    assert _same_bits(found, want)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e5, 1e7])
def test_points_where_rounding_decides_are_measured_as_geos_does(scale: float) -> None:
    """Fields (some with collinear runs), boxes (level and upright edges) and slivers at
    sizes from a millimetre to 10,000 km, each tried at its vertices, an ulp from them and
    along its edges: every decided answer is GEOS's to the last bit. About the origin,
    where a coordinate is no larger than the ring, an edge's points are within rounding of
    its line (an orientation filter bound too small decides some wrongly)."""
    rng = np.random.default_rng(int(scale))
    rings = [shapely.Polygon(_field(rng, int(rng.integers(3, 40)))) for _ in range(150)]
    for _ in range(100):  # with each side's midpoint as a vertex too: collinear runs
        corners = _field(rng, int(rng.integers(3, 30)))
        middles = (corners[:-1] + corners[1:]) / 2
        rings.append(shapely.Polygon(np.stack([corners[:-1], middles], 1).reshape(-1, 2)))
    rings = [shapely.affinity.translate(r, -r.centroid.x, -r.centroid.y) for r in rings]
    rings += [shapely.box(*rng.uniform(0, 100, 2), *rng.uniform(100, 200, 2))
              for _ in range(100)]
    rings += [shapely.Polygon([(0, 0), (100, 0.001), (200, 0)])] * 5
    rings = [shapely.affinity.scale(r, scale / 100, scale / 100, origin=(0, 0)) for r in rings]
    shapes, x, y = _near_the_edge([r for r in rings if r.is_valid and r.area > 0])
    found, decided = _ring_edges(shapes, x, y)
    want = _geos_signed(shapes, x, y)
    assert _same_bits(found[decided], want[decided])
    assert decided.mean() > 0.5


def test_points_within_rounding_of_slanted_edges_are_decided_only_when_sure() -> None:
    """20,000 points along slanted edges as floats round them, within an ulp or two of
    the line: where the orientation filter decides, the answer is GEOS's (a filter bound
    too small would decide some wrongly)."""
    rng = np.random.default_rng(23)
    a = rng.uniform([X0, Y0], [X0 + 3e4, Y0 + 3e4], (20_000, 2))
    b = a + rng.uniform(50, 300, (20_000, 2))
    c = np.column_stack([a[:, 0], b[:, 1]])  # a triangle whose long side is slanted
    rings = shapely.polygons(np.stack([a, b, c, a], axis=1))
    t = rng.uniform(0.05, 0.95, 20_000)
    x, y = a[:, 0] + (b[:, 0] - a[:, 0]) * t, a[:, 1] + (b[:, 1] - a[:, 1]) * t
    found, decided = _ring_edges(rings, x, y)
    want = _geos_signed(rings, x, y)
    assert _same_bits(found[decided], want[decided])
    assert 0.3 < decided.mean() < 1.0  # many near enough to be left to GEOS


def test_points_no_projection_can_place_are_left_to_geos() -> None:
    ring = np.array([shapely.box(X0, Y0, X0 + 10, Y0 + 10)], dtype=object)
    with np.errstate(invalid="ignore"):
        _, decided = ring_edges(*vertices_of(ring)[:2], np.array([np.inf]), np.array([Y0 + 5]))
    assert not decided[0]


def test_the_index_measures_every_pair_as_geos_does() -> None:
    """Through the index: fields (measured in numpy), a holed field and a field of two
    parts (GEOS's, not a ring's), and points on edges where numpy cannot decide (its own
    guess there is sometimes wrong, so GEOS must measure them): :meth:`edge_m_xy` gives
    :meth:`edge_m`'s signed metres to the last bit."""
    from firecheck.zones.index import ZoneIndex
    from firecheck.zones.load import load_zones
    from firecheck.zones.model import Shapes

    rng = np.random.default_rng(29)
    fields = [shapely.Polygon(_field(rng, int(rng.integers(3, 30)))) for _ in range(40)]
    slanted = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)])
    holed = shapely.box(X0 - 300, Y0, X0 - 100, Y0 + 200).difference(
        shapely.box(X0 - 250, Y0 + 50, X0 - 150, Y0 + 150))
    two = shapely.MultiPolygon([shapely.box(X0 + 300, Y0, X0 + 400, Y0 + 100),
                                shapely.box(X0 + 500, Y0, X0 + 600, Y0 + 100)])
    # Small fields about the origin, where their edges' points are within rounding of
    # their lines and the orientation filter leaves many to GEOS.
    small = [shapely.affinity.scale(shapely.affinity.translate(f, -f.centroid.x,
                                                               -f.centroid.y), 0.01, 0.01,
                                    origin=(0, 0)) for f in fields[:10]]
    shapes = np.array([*fields, slanted, *small, holed, two], dtype=object)
    index = ZoneIndex(load_zones().county, Shapes.of(shapes), np.full(len(shapes), 505.0),
                      clone=True)
    assert (index._rings[3][:51] > 0).all() and (index._rings[3][51:] == 0).all()
    zone = rng.integers(0, len(shapes), 4000)
    x0, y0, x1, y1 = shapely.bounds(shapes[zone]).T
    x, y = rng.uniform(x0 - 10, x1 + 10), rng.uniform(y0 - 10, y1 + 10)
    on_line = np.arange(0, 100, 0.25)  # exactly on the slanted edge: left to GEOS
    zone, x, y = [zone, np.full(len(on_line), 40)], [x, X0 + on_line], [y, Y0 + on_line]
    for k, field in enumerate(small):
        _, near_x, near_y = _near_the_edge([field])
        zone.append(np.full(len(near_x), 41 + k))
        x.append(near_x)
        y.append(near_y)
    zone, x, y = np.concatenate(zone), np.concatenate(x), np.concatenate(y)
    _, decided = _ring_edges(shapes[zone], x, y)
    assert (~decided).sum() >= 300
    _ = index.measure_points(x[:1], y[:1])  # every part built, as in a batch
    assert _same_bits(index.edge_m_xy(zone, x, y),
                      index.edge_m(zone, shapely.points(x, y)))


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
