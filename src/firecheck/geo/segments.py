"""Points measured against rows of segments in numpy, operation for operation as GEOS
measures them — bit for bit the same distances and the same inside/outside answers (tests
hold both), so a batch need not call GEOS for each (point, small zone) pair. GEOS versions
differ in how they measure between two points (``std::hypot`` or the root of the sum of
squares): :func:`as_geos` asks the loaded GEOS which, and says when neither matches it.

A row holds one shape's points (:func:`vertices_of`), padded by repeating its last point:
a padded segment (of no length, at an end) is never nearer, and never crosses a ray.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import shapely

SIDE_POINTS = 8  # intervals per side of a box bounding a concave ring's distance
# GEOS's CGAlgorithmsDD orientation filter: a determinant within this share of its terms
# is decided in double-double arithmetic, which these kernels leave to GEOS itself.
_DP_SAFE_EPSILON = 1e-15


def as_geos() -> bool:
    """Whether these kernels measure bit for bit as the loaded GEOS does (else only GEOS
    may give an exact distance; :func:`box_slack`, a bound, holds either way)."""
    return _geos_formula() is not None


@cache
def _geos_formula() -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """How the loaded GEOS measures between two points, found by asking it on segments
    and points where the two formulas differ: the one whose every distance matches."""
    a, b, p = _probe()
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    geos = np.asarray(shapely.distance(lines, shapely.points(p)))
    vx, vy = np.column_stack([a[:, 0], b[:, 0]]), np.column_stack([a[:, 1], b[:, 1]])
    for formula in (_root_of_squares, np.hypot):
        found = _each_distance(formula, vx, vy, vx - p[:, :1], vy - p[:, 1:])
        if np.array_equal(found[:, 0], geos):
            return formula
    return None


def _probe() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """4,096 segments of up to 850 m across 60 km and a point near each, spread by
    additive recurrences (k·√prime mod 1; numpy.random is 10 ms of imports): (a, b, p)."""
    u = np.modf(np.arange(1, 4097)[:, None] * np.sqrt([2.0, 3.0, 5.0, 7.0, 11.0, 13.0]))[0]
    a = (u[:, :2] - 0.5) * 6e4
    return a, a + (u[:, 2:4] - 0.5) * 1200, a + (u[:, 4:] - 0.5) * 1200


def _root_of_squares(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return np.sqrt(dx * dx + dy * dy)


def vertices_of(shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each shape's points in rows (x, y) filled out by repeating a row's last point, and
    how many points each has: the segments of a row are its consecutive points (a
    polygon of one ring gives its ring, closed; a point, one segment of no length)."""
    xy, owner = shapely.get_coordinates(shapes, return_index=True)
    count = np.bincount(owner, minlength=len(shapes))
    take = (np.cumsum(count) - count)[:, None] + np.minimum(
        np.arange(max(int(count.max()), 2)), count[:, None] - 1)
    return xy[take, 0], xy[take, 1], count


def segments_distance(vx: np.ndarray, vy: np.ndarray, px: np.ndarray,
                      py: np.ndarray) -> np.ndarray:
    """Per row: the distance from (px, py) to the nearest segment between its points
    (rows of :func:`vertices_of`), computed operation for operation as GEOS's
    Distance::pointToSegment and Coordinate::distance — so bit for bit GEOS's distance
    to the line or point (a test holds it)."""
    return _nearest(vx, vy, vx - px[:, None], vy - py[:, None])


def each_segment_distance(vx: np.ndarray, vy: np.ndarray, px: np.ndarray,
                          py: np.ndarray) -> np.ndarray:
    """Per row and segment a → b (consecutive points): the distance from (px, py) to the
    segment, as GEOS computes it (NaN for a segment too short to square)."""
    dx, dy = vx - px[:, None], vy - py[:, None]  # from the point: a − p exactly −(p − a)
    return _each_distance(_geos_formula() or np.hypot, vx, vy, dx, dy)


def _nearest(vx: np.ndarray, vy: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """:func:`segments_distance` from the points' offsets (dx, dy) from the measured one."""
    # GEOS keeps the least distance below infinity (a NaN segment never is): fmin skips NaN.
    return np.fmin.reduce(_each_distance(_geos_formula() or np.hypot, vx, vy, dx, dy),
                          axis=1, initial=np.inf)


def _each_distance(between: Callable[[np.ndarray, np.ndarray], np.ndarray], vx: np.ndarray,
                   vy: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """:func:`each_segment_distance` with ``between`` as the distance of two points, from
    each point's offsets (dx, dy) from the measured point: GEOS's r = ((p − a)·e) / |e|²
    is the negative of the same sum of products over a − p, which rounds to the same
    magnitude (and s, over a − p in GEOS too, enters only by its magnitude)."""
    ex, ey = np.diff(vx, axis=1), np.diff(vy, axis=1)
    ax, ay = dx[:, :-1], dy[:, :-1]
    length2 = ex * ex + ey * ey
    to_vertex = between(dx, dy)
    to_a, to_b = to_vertex[:, :-1], to_vertex[:, 1:]
    # A segment too short to square (length² underflows to 0; not the same points) gives
    # NaN here, as in GEOS, with no numpy warning.
    with np.errstate(invalid="ignore", divide="ignore"):
        r = -(ax * ex + ay * ey) / length2
        s = (ay * ex - ax * ey) / length2
        return np.where(((ex == 0) & (ey == 0)) | (r <= 0.0), to_a,
                        np.where(r >= 1.0, to_b, np.abs(s) * np.sqrt(length2)))


def ring_edges(vx: np.ndarray, vy: np.ndarray, px: np.ndarray,
               py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a polygon of one ring (its closed ring's points, rows of
    :func:`vertices_of`: a padded repeat never crosses) and a point: the signed metres
    from the point to the ring as :func:`~firecheck.geo.edges.signed_edge_m` gives them
    (minus the depth inside), and whether they are decided here — where GEOS would
    settle a crossing in double-double arithmetic (the point within rounding of a
    segment's line) they are not, and only GEOS may measure the pair.

    Inside is GEOS's RayCrossingCounter: a segment wholly left of the point is skipped;
    the point is on the edge (never inside) on a level segment that spans it, or where
    its orientation to a segment the ray crosses is 0; else a ray towards +x crosses an
    upward segment that counts its lower end, or a downward one that counts its upper
    end, where the point is left of it (the orientation by GEOS's own filter). On the
    edge the distance may still round above 0 (a point an ulp from a corner, measured to
    the corner): its sign is GEOS's. On a vertex it is exactly 0, so that test is left
    out."""
    with np.errstate(invalid="ignore"):  # a point no projection could place: not decided
        dx, dy = vx - px[:, None], vy - py[:, None]
        distance = _nearest(vx, vy, dx, dy)
        # Signs of differences are exact: a − p > 0 exactly when a > p.
        ax, ay, bx, by = dx[:, :-1], dy[:, :-1], dx[:, 1:], dy[:, 1:]
        ahead = (ax >= 0) | (bx >= 0)  # not wholly left of the point
        level = ahead & (ay == 0) & (by == 0) & (np.minimum(ax, bx) <= 0) & (
            np.maximum(ax, bx) >= 0)
        crossing = ahead & ((ay > 0) != (by > 0))
        # CGAlgorithmsDD::orientationIndexFilter (p1 = a, p2 = b, pc = q); its shortcut for
        # terms of opposite signs is this test too (then |det| is at least their sum's).
        det_left = ax * by
        det_right = ay * bx
        det = det_left - det_right
        decided = np.abs(det) >= _DP_SAFE_EPSILON * np.abs(det_left + det_right)
    on_edge = (level | (crossing & (det == 0))).any(axis=1)  # if undecided: not settled
    left_of_upward = np.where(ay > 0, -det, det) > 0
    inside = (np.count_nonzero(crossing & left_of_upward, axis=1) % 2 == 1) & ~on_edge
    settled = ~(crossing & ~decided).any(axis=1) & np.isfinite(px) & np.isfinite(py)
    return np.where(inside & (distance > 0), -distance, distance), settled


def box_slack(shapes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Per polygon of one ring: how much farther than its bounding box ``box`` (rows:
    xmin, ymin, xmax, ymax) a point outside the box can be from the polygon. Convex: the
    farthest corner (the distance to a convex set is convex, so along each side of the
    box it peaks at a corner). Otherwise each side of the box in :data:`SIDE_POINTS`
    intervals: along a line the distance to each segment is convex, so on an interval it
    is at most the larger of its two ends', and the distance to the ring (the least of
    those) at most the least such larger end — a bound for every point of the interval,
    not only the sampled. NaN where no bound is finite."""
    vx, vy, count = vertices_of(shapes)  # a closed ring: its first point again
    ex, ey = np.diff(vx, axis=1), np.diff(vy, axis=1)
    edges = count - 1
    j = np.arange(ex.shape[1])
    real = j < edges[:, None]
    following = np.where(j + 1 < edges[:, None], j + 1, 0)
    fx, fy = np.take_along_axis(ex, following, 1), np.take_along_axis(ey, following, 1)
    cross, dot = ex * fy - ey * fx, ex * fx + ey * fy
    turns = np.where(real, np.arctan2(cross, dot), 0.0).sum(axis=1)
    convex = ((np.where(real, cross > 0, True).all(axis=1)
               | np.where(real, cross < 0, True).all(axis=1))
              & (np.abs(np.abs(turns) - 2 * np.pi) < 1e-6) & (edges >= 3))
    x0, y0, x1, y1 = box.T
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    worst = np.zeros(len(shapes))
    for cx, cy in corners:  # padding: a repeat, no nearer
        worst = np.maximum(worst, segments_distance(vx, vy, cx, cy))
    bound = worst.copy()
    concave = np.flatnonzero(~convex)
    if len(concave):
        vx, vy = vx[concave], vy[concave]
        sides = [(corners[k], corners[(k + 1) % 4]) for k in range(4)]
        for (sx, sy), (tx, ty) in sides:
            sx, sy, tx, ty = sx[concave], sy[concave], tx[concave], ty[concave]
            before = each_segment_distance(vx, vy, sx, sy)
            for k in range(1, SIDE_POINTS + 1):
                at = k / SIDE_POINTS
                after = each_segment_distance(vx, vy, sx + (tx - sx) * at,
                                              sy + (ty - sy) * at)
                bound[concave] = np.fmax(bound[concave], np.fmin.reduce(
                    np.maximum(before, after), axis=1, initial=np.inf))
                before = after
    # No segment of measurable length (no build gives one): measured exactly.
    return np.where(convex, worst, np.where(np.isfinite(bound), bound, np.nan))
