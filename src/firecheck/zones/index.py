"""The geometry index of a zone set: prepared copies of the zone shapes, spatial trees and
rasters, for one thread. Every distance an answer uses is measured here, for one place and
for arrays of points alike, with :func:`firecheck.geo.edges.signed_edge_m`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..geo.edges import signed_edge_m, with_sign
from ..geo.grids import UNSETTLED, Grid, box_cover, quadtree
from ..geo.segments import as_geos, box_slack, ring_edges, segments_distance, vertices_of

if TYPE_CHECKING:
    from .index_cache import IndexCache
    from .model import Shapes, Zone


class ZoneIndex:
    """Prepared copies of the zone geometries and their spatial indexes, for one thread
    (with the :class:`Shared` parts of its zone set).

    Every distance the engine uses comes from here, for a single place and for arrays of
    points alike, so batch and single answers measure identically.
    """

    def __init__(self, county: Zone, source: Shapes, limit: np.ndarray, clone: bool,
                 extents: tuple[tuple[int, BaseGeometry, float], ...] = (),
                 bounded: int = 0, shared: Shared | None = None) -> None:
        """The mapped zones' ``source`` of shapes and their reach ``limit`` (buffer +
        accuracy); ``clone``: another thread holds the loaded geometries, so measure with
        copies; ``shared``: what this zone set's indexes in other threads read too. Shapes
        are decoded (or copied) when first measured against."""
        self.extents = extents  # (column of its designation, extent, reach) of bounded zones
        self.bounded = bounded  # how many bounded designations (columns)
        self.county_accuracy = county.accuracy_m or 0.0
        self.county_shape = shapely.from_wkb(shapely.to_wkb(county.shape)) if clone \
            else county.shape
        self.county_edge = self.county_shape.boundary
        shapely.prepare(self.county_shape)
        self.source = source
        self._copy = clone and not source.fresh  # loaded objects another thread uses
        self.limit = limit
        self.shared = shared or Shared()
        # Each zone's bounding box grown by its own reach: a place outside it is beyond the
        # zone, so zones with a wide uncertainty do not widen the search for the others.
        xmin, ymin, xmax, ymax = source.bounds.T
        self.reach_box = np.stack([xmin - limit, ymin - limit, xmax + limit, ymax + limit])

    def _decode(self, zones: np.ndarray) -> np.ndarray:
        shapes = self.source.decode(zones)
        return shapely.from_wkb(shapely.to_wkb(shapes)) if self._copy else shapes

    @cached_property
    def shapes(self) -> np.ndarray:
        """Every mapped zone's shape (decoded once, for arrays of points and ``near``): the
        shared ones where :meth:`_common` allows, this thread's own copies elsewhere."""
        common, shareable = self._common.shapes, self._common.shareable
        if shareable.all():
            return common
        shapes = common.copy()
        shapes[~shareable] = self._decode(np.flatnonzero(~shareable))
        return shapes

    @cached_property
    def _common(self) -> _Common:
        """The shapes every thread may read at once, and which those are: shapes of one
        part, no holes and up to :data:`_SMALL_VERTICES` coordinates (never prepared;
        GEOS computes their envelopes when it makes them, so a read writes nothing),
        decoded once as new objects; and every shape's type, coordinates and holes, asked
        of GEOS once for all the parts that depend on them."""
        def build() -> _Common:
            shapes = np.empty(len(self.source), dtype=object)
            for first in range(0, len(shapes), _POINTS_AT_ONCE):  # a block of WKB at a time
                shapes[first:first + _POINTS_AT_ONCE] = self.source.decode(
                    np.arange(first, min(first + _POINTS_AT_ONCE, len(shapes))))
            if not self.source.fresh:  # the loaded objects: a single check may prepare them
                shapes = shapely.from_wkb(shapely.to_wkb(shapes))
            kind = shapely.get_type_id(shapes)
            count = shapely.get_num_coordinates(shapes)
            holes = shapely.get_num_interior_rings(shapes)
            shareable = (np.isin(kind, (0, 1, 2, 3)) & (holes == 0)
                         & (count <= _SMALL_VERTICES) & _EAGER_ENVELOPES)
            return _Common(shapes, shareable, kind, count, holes)
        return self.shared.get("shapes", build)

    @cached_property
    def _one_ring(self) -> np.ndarray:
        """Which zones are polygons of one ring and up to :data:`_SMALL_VERTICES`
        coordinates (fields): bounded by their box, and measured in numpy where numpy
        measures as this GEOS does."""
        common = self._common
        return (common.kind == 3) & (common.holes == 0) & (common.count <= _SMALL_VERTICES)

    @cached_property
    def areal(self) -> np.ndarray:
        """Which zones are areas ((Multi)Polygons)."""
        return np.isin(self._common.kind, _AREAS)

    def _within_reach_boxes(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (point, zone) pair whose reach box holds the point, in order of the points:
        a few zones of a reach by array tests of their boxes, as
        :meth:`measure` tests; many (parcels) by their group's STRtree of the shapes
        themselves, queried with each point's box grown by the group's largest reach, the
        candidates then tested against their own boxes."""
        found, zones = [], []
        rx0, ry0, rx1, ry1 = self.reach_box
        for members, reach, tree in self.trees:
            if tree is None:
                qx, qy = x[:, None], y[:, None]
                row, k = np.nonzero((rx0[members] <= qx) & (qx <= rx1[members])
                                    & (ry0[members] <= qy) & (qy <= ry1[members]))
                zone = members[k]
            else:
                row, k = tree.query(shapely.box(x - reach, y - reach, x + reach, y + reach))
                zone = members[k]
                at_x, at_y = x[row], y[row]
                inside = ((rx0[zone] <= at_x) & (at_x <= rx1[zone])
                          & (ry0[zone] <= at_y) & (at_y <= ry1[zone]))
                row, zone = row[inside], zone[inside]
            found.append(row)
            zones.append(zone)
        if len(found) == 1:
            return found[0], zones[0]
        row, zone = (np.concatenate(found), np.concatenate(zones)) if found else (
            np.empty(0, np.int64), np.empty(0, np.int64))
        order = np.argsort(row, kind="stable")  # a merge of the groups' sorted runs
        return row[order], zone[order]

    @cached_property
    def trees(self) -> list[tuple[np.ndarray, float, shapely.STRtree | None]]:
        """The mapped zones in groups of like reach (buffer + accuracy, within 19%):
        (zone indices, the group's largest reach, an STRtree of the group's shapes — None
        for a group of few zones). The trees hold the shapes every thread shares (GEOS
        builds a tree on its first query, done here, so every thread queries the same);
        a tree of the zones' own envelopes needs no box polygon per zone."""
        def build() -> list[tuple[np.ndarray, float, shapely.STRtree | None]]:
            if not len(self.limit):
                return []
            shapes = self._common.shapes
            band = np.floor(np.log2(1.0 + np.maximum(self.limit, 0.0)) * 4).astype(np.int64)
            groups = []
            for b in np.unique(band).tolist():
                members = np.flatnonzero(band == b)
                reach = float(self.limit[members].max())
                tree = None
                if len(members) > _FEW_ZONES:
                    tree = shapely.STRtree(shapes[members])
                    tree.query(shapely.points(0.0, 0.0))
                groups.append((members, reach, tree))
            return groups

        return self.shared.get("trees", build)

    def edges_of(self, zones: np.ndarray) -> np.ndarray:
        """The edges of ``zones`` (indices): an area's boundary, a line or point itself —
        made for those zones alone before the index holds every edge (a single place)."""
        if "_edges" not in self.__dict__:
            return _edges_of(self._decode(zones))
        edges = self._edges[zones]
        missing = np.flatnonzero(shapely.is_missing(edges))
        edges[missing] = _edges_of(self.shapes[zones[missing]])
        return edges

    @cached_property
    def _edges(self) -> np.ndarray:
        """Every zone's edge (shared where the shape is), but None for the shared rings
        numpy measures (:attr:`_rings`): GEOS measures few of those, and :meth:`edges_of`
        makes theirs when asked — 100,000 parcels' boundaries would hold ~50 MB."""
        shapes, shareable = self._common.shapes, self._common.shareable
        rings = self._rings[3] > 0

        def build() -> np.ndarray:
            common = np.full(len(shapes), None, dtype=object)
            kept = np.flatnonzero(shareable & ~rings)
            common[kept] = _edges_of(shapes[kept])
            return common

        common = self.shared.get("edges", build)
        if shareable.all():
            return common
        edges = common.copy()
        edges[~shareable] = _edges_of(self.shapes[~shareable])
        return edges

    @cached_property
    def prepared(self) -> np.ndarray:
        """The shapes, those of many vertices prepared (once, for arrays of points; a single
        place prepares only the few it is measured against). A parcel's few vertices are
        tested as fast without, and shared by every thread."""
        shapely.prepare(self.shapes[~self._common.shareable])
        return self.shapes

    # ------------------------------------------------------------------ county

    def county_edges(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Signed metres to the county line for points: negative inside the county."""
        found, distance = self._segments.query_nearest(shapely.points(x, y),
                                                       return_distance=True, all_matches=False)
        edge = np.full(len(x), np.inf)  # a point PROJ cannot place (inf) has no nearest edge
        edge[found[0]] = distance
        return with_sign(edge, shapely.contains_xy(self.county_shape, x, y))

    def county_edge_of(self, geometry: BaseGeometry) -> float:
        """Signed metres from a point, line or area to the county line."""
        if geometry.geom_type == "Point":
            return float(self.county_edges(np.array([geometry.x]), np.array([geometry.y]))[0])
        return float(signed_edge_m(self.county_shape, self.county_edge, np.True_, geometry))

    @cached_property
    def _segments(self) -> shapely.STRtree:
        """The county boundary as two-point segments in an STRtree, for nearest queries."""
        pieces = []
        for ring in shapely.get_parts(self.county_edge):
            xy = shapely.get_coordinates(ring)
            pieces.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
        return shapely.STRtree(np.concatenate(pieces))

    @cached_property
    def county_rings(self) -> tuple[BaseGeometry, ...]:
        """Prepared polygons around the scope thresholds (county line ± its accuracy A):
        inside the first ⇒ surely deeper than A; outside the fourth ⇒ surely farther than A
        outside; outside the second and inside the third ⇒ surely within the band. Each is
        offset by a margin that covers GEOS buffer error, so only points within metres of
        a threshold need an exact distance."""
        def build() -> list[BaseGeometry]:
            band = self.county_accuracy
            margin = _chord_margin(band)
            shape = self.county_shape
            return [shape.buffer(-(band + margin), quad_segs=16),
                    shape.buffer(-(band - margin), quad_segs=16),
                    shape.buffer(band - margin, quad_segs=16),
                    shape.buffer(band + margin, quad_segs=16)]

        return tuple(_own_prepared(self.shared.get("county_rings", build, _rings_codec(4))))

    @cached_property
    def county_grid(self) -> Grid:
        """:attr:`county_rings` as a raster of 4 km → 250 m cells: 0 where a whole cell is
        inside the first ring, 2 where it is outside the fourth, 1 where it is between the
        second and third — the ring tests' own answers, for every point of the cell."""
        sure_in, near_in, near_out, sure_out = self.county_rings  # this thread's, to build

        def classify(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray,
                     y1: np.ndarray) -> np.ndarray:
            boxes = shapely.box(x0, y0, x1, y1)
            out = np.full(len(boxes), UNSETTLED, dtype=np.int8)
            out[shapely.contains_properly(sure_in, boxes)] = 0
            out[shapely.disjoint(sure_out, boxes)] = 2
            rest = np.flatnonzero(out == UNSETTLED)
            band = (shapely.contains_properly(near_out, boxes[rest])
                    & shapely.disjoint(near_in, boxes[rest]))
            out[rest[band]] = 1
            return out

        return self.shared.get("county_grid", lambda: quadtree(
            classify, sure_out.bounds, 2, cell_m=_CELL_M, levels=4),
            _one(_grids_codec(1, (0, 1, 2, UNSETTLED), 2)))

    # ------------------------------------------------------------------ zones

    def measure(self, geometry: BaseGeometry, slack_m: float = 0.0) -> list[tuple[int, float]]:
        """(zone index, signed edge metres) of every mapped zone whose buffer, widened by its
        accuracy and ``slack_m``, reaches ``geometry``; sorted by zone index."""
        # The reach boxes that the geometry's box, grown by the slack, overlaps: a plain
        # array test, so a place among 100,000 parcels needs no tree (nor any prepared).
        gx0, gy0, gx1, gy1 = geometry.bounds
        x0, y0, x1, y1 = self.reach_box
        hits = np.flatnonzero((x0 <= gx1 + slack_m) & (x1 >= gx0 - slack_m)
                              & (y0 <= gy1 + slack_m) & (y1 >= gy0 - slack_m))
        edge_m = self.edge_m(hits, geometry)
        keep = edge_m <= self.limit[hits] + slack_m
        return list(zip(hits[keep].tolist(), edge_m[keep].tolist(), strict=True))

    def measure_points(self, x: np.ndarray, y: np.ndarray,
                       thresholds: tuple[np.ndarray, np.ndarray] | None = None) -> Pairs:
        """:meth:`measure` for many points: every (point, zone) pair within reach, in order
        of the points (not of the zones), with bounds on its signed edge metres that lie on
        the same side as the exact distance of the reach and of every one of the zone's
        ``thresholds`` (a table of signed edge metres and each zone's row in it), so they
        decide any comparison with those as the distance would.

        A point outside a zone's bounding box is at least its distance to the box from
        the zone, and at most that plus the zone's :attr:`_box_slack`: for small zones
        such as parcels those two settle nearly every pair; the rest (pairs within those
        metres of a threshold, points inside a box) are measured by :meth:`edge_m_xy`.
        :meth:`Pairs.exact` measures any pair as the single path does."""
        if not len(self.source) or len(x) == 0:
            near = np.empty(0, dtype=np.int64)
        else:
            _ = self.prepared, self._edges
            near = np.flatnonzero(self._reach_grid.lookup(x, y))
        # A few thousand points at a time: each has dozens of pairs among parcels.
        parts = [self._measure_some(x, y, near[i:i + _POINTS_AT_ONCE], thresholds)
                 for i in range(0, len(near), _POINTS_AT_ONCE)]
        row, zone, lo, hi, measured = (np.concatenate(column) for column in zip(
            *parts or [(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0),
                        np.empty(0), np.zeros(0, bool))], strict=True))
        return Pairs(self, row, zone, lo, hi, x, y, measured)

    def _measure_some(self, x: np.ndarray, y: np.ndarray, near: np.ndarray,
                      thresholds: tuple[np.ndarray, np.ndarray] | None
                      ) -> tuple[np.ndarray, ...]:
        """:meth:`measure_points` for the points ``near`` (indices): row, zone, lo, hi and
        whether the pair was measured exactly."""
        found, zone_idx = self._within_reach_boxes(x[near], y[near])
        # A zone of many vertices whose reach box holds the point (a long line's box spans
        # most of the county) is first tested against its prepared reach polygon: only a
        # point inside it needs the exact distance, which costs a pass over every vertex.
        complex_pair = self._outer_of[zone_idx] >= 0
        if complex_pair.any():
            within = np.ones(len(found), dtype=bool)
            at = near[found[complex_pair]]
            within[complex_pair] = shapely.intersects_xy(
                self._outer[self._outer_of[zone_idx[complex_pair]]], x[at], y[at])
            found, zone_idx = found[within], zone_idx[within]
        px, py = x[near[found]], y[near[found]]
        # np.take, not box[zone_idx]: numpy's fancy indexing of rows is 5x slower.
        x0, y0, x1, y1 = np.take(self._box, zone_idx, axis=0).T
        lo = np.hypot(np.maximum(np.maximum(x0 - px, px - x1), 0.0),
                      np.maximum(np.maximum(y0 - py, py - y1), 0.0))
        hi = lo + self._box_slack[zone_idx]  # NaN: no bound (a NaN never clears a threshold)
        bounded = lo > 0  # outside the box
        points, line_of = self._lines
        known = line_of[zone_idx] >= 0  # a point or a line of few vertices: GEOS's distance
        line = np.flatnonzero(known)
        if len(line):
            lo[line] = hi[line] = segments_distance(
                *(part[line_of[zone_idx[line]]] for part in points), px[line], py[line])
            bounded[line] = True
        limit = self.limit[zone_idx]
        below, above = lo - BOUND_SLACK_M, hi + BOUND_SLACK_M
        settled = bounded & ((above <= limit) | (below > limit))
        if thresholds is not None:  # a few distinct rows of thresholds: test each on its pairs
            table, row_of = thresholds
            group = row_of[zone_idx]
            for g, row in enumerate(table.tolist()):
                mine = np.flatnonzero(group == g) if len(table) > 1 else np.arange(len(lo))
                clear, up, down = settled[mine], above[mine], below[mine]
                for t in row:
                    clear &= (up <= t) | (down > t)
                settled[mine] = clear
        exact = np.flatnonzero(~settled & ~known)
        lo[exact] = hi[exact] = self.edge_m_xy(zone_idx[exact], px[exact], py[exact])
        keep = np.flatnonzero(lo <= limit)  # settled pairs: on the same side as exact ones
        return (near[found[keep]], zone_idx[keep].astype(np.int64), lo[keep], hi[keep],
                (~settled[keep] | known[keep]))

    def edge_m(self, zones: np.ndarray, geometries: np.ndarray | BaseGeometry) -> np.ndarray:
        """Signed metres from each geometry to the edge of the zone of the same position in
        ``zones`` (indices into the mapped zones). Before the index holds every shape (a
        single place), only the zones asked for are decoded and prepared."""
        if "_edges" in self.__dict__:
            shapes, edges, areal = self.prepared[zones], self.edges_of(zones), self.areal[zones]
        else:
            shapes = self._decode(zones)
            shapely.prepare(shapes)
            areal = np.isin(shapely.get_type_id(shapes), _AREAS)
            edges = _edges_of(shapes)
        return signed_edge_m(shapes, edges, areal, geometries)

    def edge_m_xy(self, zones: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`edge_m` for points (x, y), pairwise with ``zones``: a polygon of one ring
        and up to :data:`_SMALL_VERTICES` coordinates is measured in numpy, as GEOS
        measures it (:func:`~firecheck.geo.segments.ring_edges`), in classes of like
        width (a ring padded by repeating its last point); other zones, the pairs numpy
        leaves undecided, and a few pairs (numpy's overhead, not its answer), by GEOS."""
        if len(zones) < _FEW_PAIRS:
            return self.edge_m(zones, shapely.points(x, y))
        edge = np.empty(len(zones))
        rx, ry, first, count = self._rings
        k = count[zones]
        width = -(-(k - 1) // _WIDTH_STEP) * _WIDTH_STEP  # segments, rounded up
        rest = [np.flatnonzero(k == 0)]
        for w in np.unique(width[k > 0]).tolist():
            mine = np.flatnonzero(width == w)
            for block in range(0, len(mine), _POINTS_AT_ONCE):
                some = mine[block:block + _POINTS_AT_ONCE]
                at = first[zones[some]][:, None] + np.minimum(np.arange(w + 1),
                                                              k[some][:, None] - 1)
                edge[some], decided = ring_edges(rx[at], ry[at], x[some], y[some])
                rest.append(some[~decided])
        geos = np.concatenate(rest)
        if len(geos):
            edge[geos] = self.edge_m(zones[geos], shapely.points(x[geos], y[geos]))
        return edge

    @cached_property
    def _rings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The closed rings :meth:`edge_m_xy` measures in numpy, one after another (x, y),
        and per zone where its ring starts and how many coordinates it has (0: not a
        polygon of one ring and up to :data:`_SMALL_VERTICES` coordinates, or numpy cannot
        measure as this GEOS does). Shared by every thread."""
        def build() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            ring = self._one_ring & as_geos()
            count = np.where(ring, self._common.count, 0)
            xy = shapely.get_coordinates(self._common.shapes[ring])
            first = np.cumsum(count) - count
            parts = xy[:, 0].copy(), xy[:, 1].copy(), first, count
            for part in parts:  # read by every thread at once
                part.setflags(write=False)
            return parts

        return self.shared.get("rings", build)

    def beyond_extents_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`~.model.ZoneSet.beyond_extents` for points of no accuracy of their own:
        per extent, a raster and two prepared rings (its reach ∓ the GEOS buffer margin)
        settle most points; the exact distance only those within metres of the reach."""
        out = np.ones((len(x), self.bounded), dtype=bool)
        for (column, extent, reach), (grid, inner, outer) in zip(self.extents, self._extent_tests,
                                                                 strict=True):
            state = grid.lookup(x, y)  # 0 within reach, 1 beyond
            rest = np.flatnonzero(state == UNSETTLED)
            within = shapely.contains_xy(inner, x[rest], y[rest])
            state[rest[within]] = 0
            rest = rest[~within]
            beyond = ~shapely.contains_xy(outer, x[rest], y[rest])
            state[rest[beyond]] = 1
            rest = rest[~beyond]
            distance = np.asarray(shapely.distance(extent, shapely.points(x[rest], y[rest])))
            state[rest] = distance > reach
            out[:, column] &= state == 1  # a place PROJ cannot hold is beyond (inf), as there
        return out

    @cached_property
    def _extent_tests(self) -> list[tuple[Grid, BaseGeometry, BaseGeometry]]:
        """Per extent: (raster of 0 surely within reach / 1 surely beyond, inner ring,
        outer ring), the rings prepared (this thread's copies; the rasters are shared)."""
        def rings() -> list[BaseGeometry]:
            made = []
            for _, extent, reach in self.extents:
                margin = _chord_margin(reach)
                made += [extent.buffer(reach - margin, quad_segs=16),
                         extent.buffer(reach + margin, quad_segs=16)]
            return made

        own = _own_prepared(self.shared.get("extent_rings", rings,
                                            _rings_codec(2 * len(self.extents))))
        pairs = list(zip(own[0::2], own[1::2], strict=True))

        def grids() -> list[Grid]:
            made = []
            for inner, outer in pairs:
                def classify(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
                             inner: BaseGeometry = inner, outer: BaseGeometry = outer
                             ) -> np.ndarray:
                    boxes = shapely.box(x0, y0, x1, y1)
                    out = np.full(len(boxes), UNSETTLED, dtype=np.int8)
                    out[shapely.contains_properly(inner, boxes)] = 0
                    out[shapely.disjoint(outer, boxes)] = 1
                    return out

                made.append(quadtree(classify, outer.bounds, 1, cell_m=_CELL_M, levels=4))
            return made

        return [(grid, inner, outer) for grid, (inner, outer)
                in zip(self.shared.get("extent_grids", grids,
                                       _grids_codec(len(pairs), (0, 1, UNSETTLED), 1)),
                    pairs, strict=True)]

    @cached_property
    def _box(self) -> np.ndarray:
        """Every zone's bounding box (rows: xmin, ymin, xmax, ymax), as its source holds it
        (the cache stores the bounds of the very shapes it decodes to)."""
        return self.source.bounds

    @cached_property
    def _box_slack(self) -> np.ndarray:
        """Per zone: how much farther than its bounding box a point outside the box can be
        from the zone (a bound on the distance from any point of the box's outline to the
        zone: the outside point's nearest box point is on it): 0 for a point; for a polygon
        of one ring and up to :data:`_SMALL_VERTICES` coordinates,
        :func:`~firecheck.geo.segments.box_slack`; NaN for other zones, which are
        measured exactly."""
        return self.shared.get("box_slack", self._measure_box_slack,
                               _slack_codec(len(self.source)))

    def _measure_box_slack(self) -> np.ndarray:
        shapes, count = self._common.shapes, self._common.count
        slack = np.where(self._common.kind == 0, 0.0, np.nan)
        rows = np.flatnonzero(self._one_ring)
        rows = rows[np.argsort(count[rows], kind="stable")]  # blocks of like width
        for first in range(0, len(rows), _POINTS_AT_ONCE):  # ~40 B per vertex per array
            some = rows[first:first + _POINTS_AT_ONCE]
            slack[some] = box_slack(shapes[some], self._box[some])
        return slack

    @cached_property
    def _lines(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """The points of each point and each line of few vertices (rows x, y of
        :func:`~firecheck.geo.segments.vertices_of`), whose distances numpy computes as
        GEOS does, and per zone its row (-1: neither, or numpy cannot measure as this GEOS
        does)."""
        def build() -> tuple[tuple[np.ndarray, ...], np.ndarray]:
            shapes, kind = self._common.shapes, self._common.kind
            rows = np.flatnonzero(((kind == 0) | ((kind == 1) & (
                self._common.count <= _FEW_VERTICES))) & as_geos())
            line_of = np.full(len(shapes), -1, dtype=np.int64)
            line_of[rows] = np.arange(len(rows))
            if not len(rows):
                return (np.empty((0, 2)),) * 2, line_of
            return vertices_of(shapes[rows])[:2], line_of

        return self.shared.get("lines", build)

    @cached_property
    def _outer_of(self) -> np.ndarray:
        """Per zone: its position in :attr:`_outer`, or -1 for a zone of few vertices or
        smaller than its reach (a field: its reach box is about as tight)."""
        x0, y0, x1, y1 = self._box.T
        complex_zone = ((self._common.count > _FEW_VERTICES)
                        & (np.maximum(x1 - x0, y1 - y0) > self.limit))
        return np.where(complex_zone, np.cumsum(complex_zone) - 1, -1)

    @cached_property
    def _outer(self) -> np.ndarray:
        """Prepared polygons holding every point within reach (buffer + accuracy) of each
        zone of many vertices, grown by the margin of GEOS buffer error: a point outside
        one is surely beyond that zone."""
        shapes = self.shapes[self._outer_of >= 0]
        limit = self.limit[self._outer_of >= 0]
        outer = shapely.buffer(shapes, limit + _chord_margin(limit), quad_segs=16)
        shapely.prepare(outer)
        return outer

    @cached_property
    def _reach_grid(self) -> Grid:
        """True in the 250 m cells some zone's reach box touches: a point in another cell
        is beyond every zone."""
        return self.shared.get("reach_grid", lambda: box_cover(*self.reach_box),
                               _one(_grids_codec(1, None, False)))


_FEW_VERTICES = 16  # coordinates (a closed ring counts its first twice)
_SMALL_VERTICES = 64  # of a field's outline: shared by threads, bounded by its box
_WIDTH_STEP = 4  # segments: rings measured together are padded to a multiple of this
_FEW_PAIRS = 64  # below this many, GEOS measures points faster than numpy's set-up
_AREAS = (3, 6)  # GEOS type ids of Polygon and MultiPolygon


def _own_prepared(shapes: list[BaseGeometry]) -> list[BaseGeometry]:
    """This thread's prepared copies of shared shapes (GEOS builds a prepared geometry's
    indexes on first use: no two threads may test one)."""
    own = list(shapely.from_wkb(shapely.to_wkb(np.array(shapes, dtype=object))))
    shapely.prepare(own)
    return own


def _edges_of(shapes: np.ndarray) -> np.ndarray:
    """Each shape's edge: an area's boundary, a line or point itself."""
    return np.where(np.isin(shapely.get_type_id(shapes), _AREAS), shapely.boundary(shapes),
                    shapes)
# Metres by which a bound is kept clear of a threshold before it decides without GEOS: far
# above the rounding of a distance in the county's plane (~1e-11 m), far below any band.
BOUND_SLACK_M = 1e-6
_CELL_M = 250.0  # the cell of every raster
_MAX_CELLS = 1 << 26  # of a kept raster (the county's: 150,000)
_POINTS_AT_ONCE = 8192
_FEW_ZONES = 32  # up to this many of a reach, points find their zones by array tests
# GEOS computes a geometry's envelope when it makes it from 3.12 (before, on first use: a
# write that two threads reading one shape could race on).
_EAGER_ENVELOPES = shapely.geos_version >= (3, 12, 0)


class _Common(NamedTuple):
    """:attr:`ZoneIndex._common`: the shapes, which every thread shares, and per shape its
    GEOS type id, coordinates and interior rings."""

    shapes: np.ndarray
    shareable: np.ndarray
    kind: np.ndarray
    count: np.ndarray
    holes: np.ndarray


class Shared:
    """The parts of a zone set's geometry index that every thread reads at once, each built
    once by whichever thread first asks: numpy arrays and rasters, the STRtrees of the
    zones by reach (queried once when built, so GEOS builds them then; a built tree
    answers many threads), the shapes no thread prepares, and the rings each thread copies
    to prepare its own. Each part is built under its own lock, so two threads build two
    parts at once (GEOS releases the GIL); a part may be built from another. A part given
    a :class:`Codec` is read from ``kept`` (an :class:`~.index_cache.IndexCache`) when it
    is there, else built and kept."""

    def __init__(self, kept: IndexCache | None = None) -> None:
        self.kept = kept
        self._lock = threading.Lock()
        self._locks: dict[str, threading.RLock] = {}
        self._parts: dict[str, Any] = {}

    def get(self, name: str, build: Callable[[], Any], codec: Codec | None = None) -> Any:
        if name in self._parts:
            return self._parts[name]
        with self._lock:
            lock = self._locks.setdefault(name, threading.RLock())
        with lock:
            if name not in self._parts:
                self._parts[name] = self._made(name, build, codec)
            return self._parts[name]

    def _made(self, name: str, build: Callable[[], Any], codec: Codec | None) -> Any:
        if codec is None or self.kept is None:
            return build()
        found = self.kept.load(name)
        if found is not None:
            with contextlib.suppress(Exception):  # whatever a kept part holds: built again
                return codec.decode(found)
        part = build()
        self.kept.save(name, codec.encode(part))
        return part


@dataclass(frozen=True)
class Codec:
    """A part as arrays and back; ``decode`` raises on arrays it cannot use."""

    encode: Callable[[Any], dict[str, np.ndarray]]
    decode: Callable[[dict[str, np.ndarray]], Any]


def _grids_codec(count: int, classes: tuple[int, ...] | None, outside: int | bool) -> Codec:
    """``count`` rasters of 250 m cells whose cells hold one of ``classes`` (int8; None:
    booleans) and whose border is ``outside``: any other arrays are refused."""
    dtype = np.bool_ if classes is None else np.int8

    def encode(grids: list[Grid]) -> dict[str, np.ndarray]:
        out = {}
        for i, grid in enumerate(grids):
            out[f"values{i}"] = grid.values
            out[f"frame{i}"] = np.array([grid.ox, grid.oy, grid.cell_m, float(grid.outside)])
        return out

    def decode(arrays: dict[str, np.ndarray]) -> list[Grid]:
        if len(arrays) != 2 * count:
            raise ValueError("not the rasters asked for")
        grids = []
        for i in range(count):
            values, frame = arrays[f"values{i}"], arrays[f"frame{i}"]
            if (values.ndim != 2 or values.dtype != dtype or frame.shape != (4,)
                    or not np.isfinite(frame).all() or frame[2] != _CELL_M
                    or frame[3] != float(outside) or min(values.shape) < 1
                    or values.size > _MAX_CELLS
                    or (classes is not None and not np.isin(values, classes).all())):
                raise ValueError("not a raster a build gives")
            grids.append(Grid(float(frame[0]), float(frame[1]), _CELL_M, values, outside))
        return grids

    return Codec(encode, decode)


def _one(codec: Codec) -> Codec:
    """``codec`` of one part, for a list of one."""
    return Codec(lambda part: codec.encode([part]), lambda arrays: codec.decode(arrays)[0])


def _rings_codec(count: int) -> Codec:
    """``count`` polygons (a buffer: empty, or of finite coordinates), as their WKB."""
    def encode(shapes: list[BaseGeometry]) -> dict[str, np.ndarray]:
        wkb = shapely.to_wkb(np.array(shapes, dtype=object))
        return {"wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
                "ends": np.cumsum([len(w) for w in wkb], dtype=np.int64)}

    def decode(arrays: dict[str, np.ndarray]) -> list[BaseGeometry]:
        data, ends = arrays["wkb"], arrays["ends"]
        starts = np.concatenate([np.zeros(1, np.int64), ends])[:len(ends)]
        if (len(arrays) != 2 or len(ends) != count or data.dtype != np.uint8
                or ends.dtype != np.int64 or (count and ends[-1] != len(data))
                or (np.diff(ends) < 0).any() or (ends < 0).any()):
            raise ValueError("not the shapes asked for")
        wkb = [data[a:b].tobytes() for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        shapes = shapely.from_wkb(np.array(wkb, dtype=object))
        full = ~shapely.is_empty(shapes)
        if (not np.isin(shapely.get_type_id(shapes), _AREAS).all()
                or not np.isfinite(shapely.bounds(shapes[full])).all()):
            raise ValueError("not the rings a build gives")
        return list(shapes)

    return Codec(encode, decode)


def _slack_codec(length: int) -> Codec:
    """:attr:`ZoneIndex._box_slack`: ``length`` metres, each ≥ 0 or NaN."""
    def decode(arrays: dict[str, np.ndarray]) -> np.ndarray:
        found = arrays["values"]
        if (len(arrays) != 1 or found.shape != (length,) or found.dtype != np.float64
                or not (np.isnan(found) | (np.isfinite(found) & (found >= 0))).all()):
            raise ValueError("not the slack a build gives")
        return found

    return Codec(lambda values: {"values": values}, decode)


class Pairs:
    """(point, zone) pairs within reach, from :meth:`ZoneIndex.measure_points`: ``lo`` and
    ``hi`` bound each pair's signed edge metres (equal where measured exactly; ``measured``)
    — bounds, not distances: they decide comparisons with the thresholds they were made
    for, and :meth:`exact` gives a distance; ``x``, ``y`` are the points (``row`` indexes
    them)."""

    def __init__(self, index: ZoneIndex, row: np.ndarray, zone: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray, x: np.ndarray, y: np.ndarray, measured: np.ndarray) -> None:
        self.index = index
        self.row, self.zone, self.lo, self.hi = row, zone, lo, hi
        self.x, self.y, self.measured = x, y, measured

    def __len__(self) -> int:
        return len(self.row)

    def exact(self, which: np.ndarray) -> np.ndarray:
        """The exact signed edge metres of the pairs ``which`` (indices), as the single
        path measures them."""
        edge = self.lo[which].copy()
        todo = np.flatnonzero(~self.measured[which])
        if len(todo):  # often none: the pairs of points and short lines are measured already
            rows = self.row[which][todo]
            edge[todo] = self.index.edge_m_xy(self.zone[which][todo], self.x[rows],
                                              self.y[rows])
        return edge


def _chord_margin(radius: float | np.ndarray) -> float | np.ndarray:
    """Metres by which a GEOS buffer of ``radius`` may miss the true offset curve: GEOS
    simplifies the input by up to 1% of the distance and draws arcs as chords
    (r·(1−cos(π/64)) ≈ 0.12% at 16 segments per quadrant); 1.5% plus 1 m covers both."""
    return 0.015 * radius + 1.0
