"""Zone data: load a zones GeoJSON, project it once, and measure places against it.

Each feature is one zone (or one part of a zone) named in a notice. ``designation`` ties
features to the zone list a rule cites; ``completeness`` says how much of the zone the
geometry covers ("complete", "partial": located only approximately or in part, or
"unmapped": no usable location, null geometry). ``accuracy_m`` is how far the true edge
may lie from the drawn one. One feature of kind ``county_boundary`` gives the rules' scope.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc
import shapely
from shapely.geometry.base import BaseGeometry

from . import zonefile
from .errors import DataError
from .grids import UNSETTLED, Grid, box_cover, quadtree
from .projection import LOCAL_CRS, to_local

COUNTY_KIND = zonefile.COUNTY_KIND
ENV_VAR = "FIRECHECK_ZONES"


@dataclass(frozen=True, eq=False)
class Zone:
    """One zone feature; ``shape`` is in local metres (see :mod:`firecheck.projection`)."""

    id: str
    designation: str
    name_zh: str
    name_en: str
    kind: str
    level: str
    buffer_m: float
    accuracy_m: float | None
    completeness: str
    geometry_source: str | None
    source: str
    shape: BaseGeometry | None

    def name(self, lang: str) -> str:
        """Display name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Measure:
    """Where a place lies relative to one zone."""

    zone: Zone
    edge_m: float  # signed: negative inside an area


class ZoneSet:
    """The loaded zones, with a spatial index over the mapped ones."""

    def __init__(self, zones: list[Zone], version: str, path: str) -> None:
        counties = [z for z in zones if z.kind == COUNTY_KIND]
        if len(counties) != 1 or counties[0].shape is None:
            raise DataError(
                f"{path}: exactly one mapped feature of kind {COUNTY_KIND!r} is required "
                f"(found {len(counties)})",
                f"{path}：必须有且仅有一个带几何的 {COUNTY_KIND!r} 要素（现有 {len(counties)} 个）",
            )
        self.county = counties[0]
        self.zones = tuple(zones)
        self.version = version
        self.path = path
        self.mapped = tuple(z for z in zones if z.shape is not None and z is not self.county)
        self.by_designation: dict[str, list[Zone]] = {}
        for zone in zones:
            if zone is not self.county:
                self.by_designation.setdefault(zone.designation, []).append(zone)
        self._completeness = {d: _completeness(fs) for d, fs in self.by_designation.items()}
        self._local = threading.local()
        self._owner_lock = threading.Lock()
        self._owner_taken = False

    def index(self) -> ZoneIndex:
        """This thread's geometry index. GEOS prepared geometries and trees are not
        thread-safe: the first thread to ask measures with the loaded geometries, every
        other thread with its own copies."""
        index = getattr(self._local, "index", None)
        if index is None:
            with self._owner_lock:
                clone, self._owner_taken = self._owner_taken, True
            index = self._local.index = ZoneIndex(self.county, self.mapped, clone)
        return index

    def completeness(self, designation: str) -> str:
        """'complete' if every feature of the designation is mapped completely, 'unmapped' if
        none is mapped (or it is absent from the file), else 'partial'."""
        return self._completeness.get(designation, "unmapped")

    def designation_names(self, designation: str) -> tuple[str, str]:
        """(zh, en) display names of a designation; its id when the file lacks it."""
        features = self.by_designation.get(designation)
        if not features:
            return designation, designation
        return features[0].name_zh, features[0].name_en


class ZoneIndex:
    """Prepared copies of the zone geometries and their spatial indexes, for one thread.

    Every distance the engine uses comes from here, for a single place and for arrays of
    points alike, so batch and single answers measure identically.
    """

    def __init__(self, county: Zone, mapped: tuple[Zone, ...], clone: bool) -> None:
        self.county_accuracy = county.accuracy_m or 0.0
        originals = np.array([county.shape, *(z.shape for z in mapped)], dtype=object)
        copies = shapely.from_wkb(shapely.to_wkb(originals)) if clone else originals
        self.county_shape = copies[0]
        self.county_edge = self.county_shape.boundary
        self.shapes = copies[1:]
        self.areal = np.isin(shapely.get_type_id(self.shapes), (3, 6))  # (Multi)Polygon
        self.edges = np.where(self.areal, shapely.boundary(self.shapes), self.shapes)
        self.limit = np.array([z.buffer_m + (z.accuracy_m or 0.0) for z in mapped], dtype=float)
        # Each zone's bounding box grown by its own reach: a place outside it is beyond the
        # zone, so zones with a wide uncertainty do not widen the search for the others.
        xmin, ymin, xmax, ymax = shapely.bounds(self.shapes).T
        self.tree = shapely.STRtree(shapely.box(xmin - self.limit, ymin - self.limit,
                                                xmax + self.limit, ymax + self.limit))
        shapely.prepare(copies)

    # ------------------------------------------------------------------ county

    def county_edges(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Signed metres to the county line for points: negative inside the county."""
        found, distance = self._segments.query_nearest(shapely.points(x, y),
                                                       return_distance=True, all_matches=False)
        edge = np.full(len(x), np.inf)  # a point PROJ cannot place (inf) has no nearest edge
        edge[found[0]] = distance
        return np.where(shapely.contains_xy(self.county_shape, x, y), -edge, edge)

    def county_edge_of(self, geometry: BaseGeometry) -> float:
        """Signed metres from a point, line or area to the county line."""
        if geometry.geom_type == "Point":
            return float(self.county_edges(np.array([geometry.x]), np.array([geometry.y]))[0])
        return _signed(self.county_shape, self.county_edge, True, geometry)

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
        band = self.county_accuracy
        margin = _chord_margin(band)
        shape = self.county_shape
        rings = (shape.buffer(-(band + margin), quad_segs=16),
                 shape.buffer(-(band - margin), quad_segs=16),
                 shape.buffer(band - margin, quad_segs=16),
                 shape.buffer(band + margin, quad_segs=16))
        shapely.prepare(list(rings))
        return rings

    @cached_property
    def county_grid(self) -> Grid:
        """:attr:`county_rings` as a raster of 4 km → 1 km cells: 0 where a whole cell is
        inside the first ring, 2 where it is outside the fourth, 1 where it is between the
        second and third — the ring tests' own answers, for every point of the cell."""
        sure_in, near_in, near_out, sure_out = self.county_rings

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

        return quadtree(classify, sure_out.bounds, 2, cell_m=1000.0, levels=2)

    # ------------------------------------------------------------------ zones

    def measure(self, geometry: BaseGeometry, slack_m: float = 0.0) -> list[tuple[int, float]]:
        """(zone index, signed edge metres) of every mapped zone whose buffer, widened by its
        accuracy and ``slack_m``, reaches ``geometry``; sorted by zone index."""
        hits = np.sort(self.tree.query(geometry, predicate="dwithin", distance=slack_m))
        distance = shapely.distance(self.edges[hits], geometry)
        inside = self.areal[hits] & (distance > 0) & shapely.contains(self.shapes[hits],
                                                                      geometry)
        edge_m = np.where(inside, -distance, distance)
        keep = edge_m <= self.limit[hits] + slack_m
        return list(zip(hits[keep].tolist(), edge_m[keep].tolist(), strict=True))

    def measure_points(self, x: np.ndarray,
                       y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`measure` for many points: (point index, zone index, edge_m) of every pair
        within reach, sorted by point then zone; the same distances as the single path."""
        empty = np.empty(0, dtype=np.int64)
        if not len(self.shapes) or len(x) == 0:
            return empty, empty, np.empty(0)
        near = np.flatnonzero(self._reach_grid.lookup(x, y))
        points = shapely.points(x[near], y[near])
        found, zone_idx = self.tree.query(points, predicate="intersects")
        distance = shapely.distance(self.edges[zone_idx], points[found])
        inside = self.areal[zone_idx] & shapely.contains_xy(
            self.shapes[zone_idx], x[near][found], y[near][found])
        edge_m = np.where(inside & (distance > 0), -distance, distance)
        keep = edge_m <= self.limit[zone_idx]
        rows, zones_kept, edge_m = near[found][keep], zone_idx[keep], edge_m[keep]
        order = np.lexsort((zones_kept, rows))
        return rows[order], zones_kept[order].astype(np.int64), edge_m[order]

    @cached_property
    def _reach_grid(self) -> Grid:
        """True in the 250 m cells some zone's reach box touches: a point in another cell
        is beyond every zone."""
        xmin, ymin, xmax, ymax = shapely.bounds(self.shapes).T
        return box_cover(xmin - self.limit, ymin - self.limit, xmax + self.limit,
                         ymax + self.limit)


def _signed(shape: BaseGeometry, edge: BaseGeometry, areal: bool,
            geometry: BaseGeometry) -> float:
    """Signed metres from ``geometry`` to a zone edge: negative inside an area. A point
    inside an area gets minus its depth; a line or polygon that crosses the edge gets 0,
    and one wholly inside gets minus its shallowest depth."""
    distance = float(shapely.distance(edge, geometry))
    if areal and distance > 0 and shapely.contains(shape, geometry):
        return -distance
    return distance


def _completeness(features: list[Zone]) -> str:
    states = {z.completeness for z in features}
    if states == {"unmapped"}:
        return "unmapped"
    return "complete" if states == {"complete"} else "partial"


def _chord_margin(radius: float) -> float:
    """Metres by which a GEOS buffer of ``radius`` may miss the true offset curve: GEOS
    simplifies the input by up to 1% of the distance and draws arcs as chords
    (r·(1−cos(π/64)) ≈ 0.12% at 16 segments per quadrant); 1.5% plus 1 m covers both."""
    return 0.015 * radius + 1.0


def default_zones_path() -> Path:
    """``$FIRECHECK_ZONES``, else the zones file shipped in the wheel (or the source tree)."""
    if env := os.environ.get(ENV_VAR):
        return Path(env)
    packaged = Path(__file__).with_name("data") / "zones.geojson"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "zones.geojson"


def load_zones(path: Path | None = None) -> ZoneSet:
    """Load, check and project a zones GeoJSON file; refuse it if it has errors."""
    path = path or default_zones_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read zones file {path}: {exc.strerror}",
                        f"无法读取区域文件 {path}：{exc.strerror}") from exc
    version = "sha256:" + hashlib.sha256(raw).hexdigest()
    cache = _cache_path(version) if len(raw) >= CACHE_MIN_BYTES else None
    if cache is not None and (cached := _read_cache(cache)) is not None:
        return ZoneSet(cached, version, str(path))
    data = parse_json(raw, path)
    problems, shapes = zonefile.check(data)
    if bad := zonefile.errors(problems):
        more = f" (+{len(bad) - 5} more; run 'firecheck zones validate')" if len(bad) > 5 else ""
        raise DataError(f"{path.name}: " + "; ".join(p.text("en") for p in bad[:5]) + more,
                        f"{path.name}：" + "；".join(p.text("zh") for p in bad[:5]) + more)
    mapped = [s for s in shapes if s is not None]
    projected = iter(shapely.transform(np.array(mapped, dtype=object), _to_plane)
                     if mapped else [])
    zones = []
    for feature, shape in zip(data["features"], shapes, strict=True):
        props = feature["properties"]
        local = next(projected) if shape is not None else None
        accuracy = props.get("accuracy_m")
        zones.append(Zone(
            id=str(props["id"]), designation=str(props["designation"]),
            name_zh=str(props["name_zh"]), name_en=str(props["name_en"]),
            kind=str(props["kind"]), level=str(props["level"]),
            buffer_m=float(props["buffer_m"]),
            accuracy_m=None if accuracy is None else float(accuracy),
            completeness=props["completeness"], geometry_source=props.get("geometry_source"),
            source=str(props["source"]), shape=local,
        ))
    if cache is not None:
        _write_cache(cache, zones)
    return ZoneSet(zones, version, str(path))


# A large zones file (thousands of official parcels) takes seconds to parse and check; once
# it has passed, its zones are kept in an Arrow file named by the JSON's hash, with the
# geometries already projected (as WKB), so the next command loads it in a fraction of that.
CACHE_MIN_BYTES = 2 << 20
_CACHE_FORMAT = "1"
_CACHE_FIELDS = ("id", "designation", "name_zh", "name_en", "kind", "level", "buffer_m",
                 "accuracy_m", "completeness", "geometry_source", "source")


def _cache_path(version: str) -> Path:
    root = os.environ.get("FIRECHECK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "firecheck")
    tag = hashlib.sha256(LOCAL_CRS.srs.encode()).hexdigest()[:8]
    return Path(root) / f"zones-{version[7:39]}-{tag}-v{_CACHE_FORMAT}.arrow"


def _write_cache(path: Path, zones: list[Zone]) -> None:
    """Best effort: a cache that cannot be written only costs time."""
    from pyarrow import ipc  # only large zones files need it

    columns: dict[str, Any] = {f: [getattr(z, f) for z in zones] for f in _CACHE_FIELDS}
    columns["wkb"] = pa.array(shapely.to_wkb(np.array([z.shape for z in zones], dtype=object)),
                              type=pa.binary())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.part")
        with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(
                sink, pa.table(columns).schema) as writer:
            writer.write_table(pa.table(columns))
        os.replace(tmp, path)
    except OSError:
        return


def _read_cache(path: Path) -> list[Zone] | None:
    from pyarrow import ipc

    try:
        with pa.memory_map(str(path)) as source:
            table = ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        return None
    rows = table.drop(["wkb"]).to_pylist()
    shapes = shapely.from_wkb(np.array(table["wkb"].to_pylist(), dtype=object))
    return [Zone(**row, shape=shape) for row, shape in zip(rows, shapes, strict=True)]


def parse_json(raw: bytes, path: Path) -> Any:
    """A JSON document from bytes (UTF-8, BOM allowed) or a DataError naming the file."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not valid UTF-8 JSON: {exc}",
                        f"{path}：不是有效的 UTF-8 JSON：{exc}") from exc


def _to_plane(xy: np.ndarray) -> np.ndarray:
    return np.column_stack(to_local(xy[:, 0], xy[:, 1]))
