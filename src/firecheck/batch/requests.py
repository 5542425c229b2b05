"""Turning input columns (English or Chinese headers) into batch :class:`Requests`.

Values are parsed per distinct value (dates, activities, datums) or vectorised (plain
decimal coordinates); anything else goes through the single-query parsers, so a batch
accepts exactly what ``firecheck check`` accepts. A row that cannot be used gets an error
naming its line and the problem; it never stops the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ..geo.datum import DATUMS, parse_datum, to_wgs84
from ..parse.coordinates import parse_lat, parse_lon
from ..parse.dates import MAX_SPAN_DAYS, parse_date
from ..parse.facts import parse_land
from ..rules.activities import ActivityCatalog, normalize
from ..rules.model import LANDS
from ..text import Text
from .arrow import bools, numpy_of
from .readers.source import Chunk

FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号", "申请编号", "request_id"),
    "lat": ("lat", "latitude", "纬度", "北纬"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "东经"),
    "date": ("date", "日期", "用火日期", "day"),
    "start": ("start", "start_date", "from", "开始日期", "起始日期"),
    "end": ("end", "end_date", "to", "结束日期", "截止日期"),
    "activity": ("activity", "活动", "用火类型", "activity_type"),
    "datum": ("datum", "坐标系", "crs"),
    "actor": ("actor", "主体", "申请主体"),
    "land": ("land", "地类", "土地类型", "land_type", "landtype"),
    "in_zone": ("in_zone", "所在区域", "所在保护区", "in_zones", "stated_zone"),
    "acq_date": ("acq_date",),
    "acq_time": ("acq_time",),
}
UNREAD = {"id", "actor"}  # recognised, passed through, never read: two of them harm nothing
_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_FAILED = -2  # marks a distinct value that did not parse
_UTC_TO_LOCAL_MIN = 8 * 60  # Asia/Shanghai has been UTC+8 without DST since 1992


@dataclass
class Requests:
    """A chunk of requests as arrays. Rare per-row extras are sparse: rows with an error
    (``bad``; message in ``errors``) are not evaluated, rows in ``geometry`` are routes or
    areas, ``notes`` holds warning codes found while reading a row."""

    lat: np.ndarray  # float64, in the row's datum
    lon: np.ndarray
    datum: np.ndarray  # int8 index into DATUMS
    first: np.ndarray  # int64 date ordinals (date.toordinal), inclusive
    last: np.ndarray
    activity: np.ndarray  # int64 index into the activity catalogue's order
    bad: np.ndarray  # bool
    errors: dict[int, Text] = field(default_factory=dict)  # row -> why it cannot be used
    geometry: dict[int, BaseGeometry] = field(default_factory=dict)  # row -> lon/lat shape
    notes: dict[int, str] = field(default_factory=dict)  # row -> warning codes
    land: np.ndarray | None = None  # int8: 0 unknown, else 1 + index into LANDS (stated)
    in_zones: dict[int, tuple[str, ...]] = field(default_factory=dict)  # row -> stated zones

    def wgs84(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """WGS-84 lat, lon of ``rows`` (phone-map datums converted) and which were converted."""
        lat, lon = self.lat[rows].astype(float), self.lon[rows].astype(float)
        datum = self.datum[rows]
        for code, name in enumerate(DATUMS):
            if name != "wgs84" and (mask := datum == code).any():
                lat[mask], lon[mask] = to_wgs84(lat[mask], lon[mask], name)
        return lat, lon, datum != DATUMS.index("wgs84")

    def flag_row(self, row: int, message: Text) -> None:
        """Mark one row as bad with ``message`` unless already bad."""
        if not self.bad[row]:
            self.errors[int(row)] = message
            self.bad[row] = True

    def flag(self, mask: np.ndarray, message: Text) -> None:
        """Mark rows of ``mask`` as bad with ``message`` unless already bad."""
        for row in np.flatnonzero(mask & ~self.bad):
            self.errors[int(row)] = message
        self.bad |= mask


@dataclass(frozen=True)
class Layout:
    """Which input column holds each field."""

    columns: dict[str, str]
    firms: bool

    @classmethod
    def detect(cls, names: list[str], mapping: dict[str, str], has_geometry: bool,
               default_activity: str | None, default_date: str | None = None) -> Layout:
        """Match headers to fields; ``mapping`` (column → field) wins. Raises one clear
        error naming every missing field and the columns found, or naming two columns
        that both mean a field that decides the answer (``lat`` and ``LAT``, ``lat`` and
        ``纬度``)."""
        columns: dict[str, str] = {}
        for column, fld in mapping.items():
            if fld not in FIELDS:
                raise InputError(f"--map {column}={fld}：未知字段",
                                 f"--map {column}={fld}: unknown field; fields are "
                                 f"{', '.join(FIELDS)}")
            if column not in names:
                raise InputError(f"--map：没有列 {column!r}",
                                 f"--map {column}={fld}: no column {column!r}; columns: "
                                 f"{', '.join(names)}")
            columns[fld] = column
        for fld, aliases in FIELDS.items():
            if fld in columns:
                continue
            keys = {normalize(a) for a in aliases}
            found = [n for n in names if normalize(n) in keys and n not in columns.values()]
            if len(found) > 1 and fld not in UNREAD:
                listed = ", ".join(repr(n) for n in found)
                raise InputError(
                    f"列 {listed} 都表示字段 {fld}，无法确定用哪一列。请用 --map 列名={fld} 指定。",
                    f"columns {listed} all mean the field {fld}: firecheck will not guess "
                    f"which to use. Name one with --map COLUMN={fld}.")
            if found:
                columns[fld] = found[0]
        firms = "acq_date" in columns and "acq_time" in columns
        missing = []
        if not has_geometry and not ({"lat", "lon"} <= set(columns)) and "in_zone" not in columns:
            missing += [f for f in ("lat", "lon") if f not in columns]
        if not (firms or default_date or "date" in columns or {"start", "end"} <= set(columns)):
            missing.append("date (or start and end, or --date)")
        if "activity" not in columns and default_activity is None:
            missing.append("activity (or --activity)")
        if missing:
            found_cols = ", ".join(names) or "(none)"
            raise InputError(
                f"缺少必需的列：{'、'.join(missing)}。已有的列：{found_cols}。可用 --map 列名=字段 指定。",
                f"missing required column(s): {', '.join(missing)}. Columns found: {found_cols}. "
                "Use --map COLUMN=FIELD to name them.",
            )
        return cls(columns, firms)


class Normalizer:
    """Builds :class:`Requests` from chunks, caching the parse of each distinct value."""

    def __init__(self, catalog: ActivityCatalog, layout: Layout, default_activity: str | None,
                 default_datum: str, today: date, default_date: str | None = None,
                 zone_names: Callable[[str], tuple[str, ...]] | None = None) -> None:
        self.catalog, self.layout, self.today = catalog, layout, today
        self.default_date = self._parse_date(default_date) if default_date else None
        self.zone_names = zone_names  # resolves what an in_zone cell names
        self._activity_index = {a.id: i for i, a in enumerate(catalog)}
        self.default_activity = (self._activity_index[catalog.resolve(default_activity).id]
                                 if default_activity else None)
        self.default_datum = DATUMS.index(parse_datum(default_datum))
        self._dates: dict[str, int | Text] = {}
        self._acts: dict[str, int | Text] = {}
        self._datums: dict[str, int | Text] = {}
        self._lands: dict[str, int | Text] = {}
        self._zone_cells: dict[str, tuple[str, ...] | Text] = {}

    def requests(self, chunk: Chunk) -> Requests:
        n = chunk.rows
        req = Requests(np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, np.int8),
                       np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64),
                       np.zeros(n, dtype=bool))
        for row, error in chunk.errors.items():
            req.flag_row(row, error)
        self._stated_zones(chunk, req)
        self._coordinates(chunk, req)
        self._days(chunk, req)
        req.activity = self._lookup(chunk, "activity", self._acts, self._parse_activity,
                                    self.default_activity, req,
                                    Text("缺少活动", "missing activity"))
        req.datum = self._lookup(chunk, "datum", self._datums, _parse_datum_index,
                                 self.default_datum, req,
                                 Text("缺少坐标系", "missing datum")).astype(np.int8)
        column = self._column(chunk, "land")
        req.land = (np.zeros(n, np.int8) if column is None else self._distinct(
            column, self._lands, _parse_land_code, req, 0).astype(np.int8))
        return req

    def _stated_zones(self, chunk: Chunk, req: Requests) -> None:
        """The zones a row says its place is inside (stated facts, resolved by name)."""
        column = self._column(chunk, "in_zone")
        if column is None or self.zone_names is None:
            return
        for row, text in enumerate(column.to_pylist()):
            if not text or not text.strip():
                continue
            if text not in self._zone_cells:
                try:
                    self._zone_cells[text] = tuple(dict.fromkeys(
                        d for name in _SPLIT.split(text) if name.strip()
                        for d in self.zone_names(name.strip())))
                except InputError as exc:
                    self._zone_cells[text] = exc.text
            found = self._zone_cells[text]
            if isinstance(found, Text):
                req.flag_row(row, found)
            else:
                req.in_zones[row] = found

    # ----------------------------------------------------------------- columns

    def _column(self, chunk: Chunk, fld: str) -> pa.Array | None:
        name = self.layout.columns.get(fld)
        if name is None or name not in chunk.table.column_names:
            return None
        return chunk.table[name].combine_chunks()

    def _coordinates(self, chunk: Chunk, req: Requests) -> None:
        lat = req.lat = self._numbers(chunk, "lat", parse_lat, req)
        lon = req.lon = self._numbers(chunk, "lon", parse_lon, req)
        points = np.ones(chunk.rows, dtype=bool)
        for row, geom in chunk.geometry.items():
            if geom.geom_type == "Point":
                lon[row], lat[row] = geom.x, geom.y
            else:
                req.geometry[row] = geom
                lat[row] = lon[row] = 0.0
                points[row] = False
        missing = points & (np.isnan(lat) | np.isnan(lon))
        stated = np.zeros(chunk.rows, dtype=bool)
        stated[list(req.in_zones)] = True
        missing &= ~(stated & np.isnan(lat) & np.isnan(lon))  # no coordinates; the zone is stated
        req.flag(missing, Text("坐标缺失或无法识别", "missing or unreadable coordinates"))
        swap = points & ~req.bad & (np.abs(lat) > 90) & (np.abs(lon) <= 90)
        lat[swap], lon[swap] = lon[swap], lat[swap].copy()
        req.notes.update(dict.fromkeys(np.flatnonzero(swap).tolist(), "swapped_lat_lon"))
        req.flag(points & (np.abs(lat) > 90), Text("纬度超出 -90..90", "latitude out of range -90..90"))
        req.flag(points & (np.abs(lon) > 180),
                 Text("经度超出 -180..180", "longitude out of range -180..180"))

    def _numbers(self, chunk: Chunk, fld: str, parser: Any, req: Requests) -> np.ndarray:
        column = self._column(chunk, fld)
        if column is None:
            return np.full(chunk.rows, np.nan)
        try:  # the common case: every value a plain decimal
            values = pc.cast(column, pa.float64())
            if values.null_count == 0 and np.isfinite(fast := numpy_of(values, np.float64)).all():
                return fast.copy()
        except pa.ArrowInvalid:
            pass
        column = pc.utf8_trim_whitespace(column)
        plain = pc.match_substring_regex(column, _NUMBER).fill_null(False)
        values = pc.cast(pc.if_else(plain, column, pa.scalar(None, pa.string())), pa.float64())
        out = numpy_of(values.fill_null(np.nan), np.float64).copy()
        lengths = numpy_of(pc.utf8_length(column).fill_null(0), np.int32)
        other = np.flatnonzero(~bools(plain) & (lengths > 0))
        texts = column.to_pylist() if len(other) else []
        for i in other:
            try:
                out[i] = parser(texts[i])
            except InputError as exc:
                req.flag_row(i, exc.text)
                out[i] = 0.0
        return out

    def _days(self, chunk: Chunk, req: Requests) -> None:
        if self.layout.firms:
            self._firms_days(chunk, req)
            return
        first = self._date_column(chunk, "date", req)
        start = self._date_column(chunk, "start", req)
        end = self._date_column(chunk, "end", req)
        if self.default_date is not None:  # --date: rows with neither a date nor a range
            first[(first < 0) & ((start < 0) | (end < 0))] = self.default_date
        has_date = first >= 0
        ranged = ~has_date & (start >= 0) & (end >= 0)
        req.flag(~has_date & ~ranged, Text("缺少日期（或开始与结束日期）",
                                           "missing date (or start and end)"))
        req.flag(ranged & (end < start), Text("结束日期早于开始日期", "the range ends before it starts"))
        req.flag(ranged & (end - start >= MAX_SPAN_DAYS),
                 Text(f"日期范围超过 {MAX_SPAN_DAYS} 天", f"the range is longer than {MAX_SPAN_DAYS} days"))
        req.first = np.where(req.bad, 0, np.where(has_date, first, start))
        req.last = np.where(req.bad, 0, np.where(has_date, first, end))

    def _date_column(self, chunk: Chunk, fld: str, req: Requests) -> np.ndarray:
        """Ordinals; -1 where empty; errors for unreadable values."""
        column = self._column(chunk, fld)
        if column is None:
            return np.full(chunk.rows, -1, dtype=np.int64)
        return self._distinct(column, self._dates, self._parse_date, req, -1)

    def _firms_days(self, chunk: Chunk, req: Requests) -> None:
        """FIRMS: acq_date (UTC) + acq_time HHMM (UTC) → local date in Asia/Shanghai."""
        days = self._date_column(chunk, "acq_date", req)
        times = self._column(chunk, "acq_time")
        assert times is not None
        times = pc.utf8_trim_whitespace(times)
        plain = pc.match_substring_regex(times, r"^\d{1,4}$").fill_null(False)
        hhmm = numpy_of(pc.cast(pc.if_else(plain, times, pa.scalar("0")), pa.int64()), np.int64)
        valid = bools(plain) & (hhmm % 100 < 60) & (hhmm // 100 < 24)
        req.flag(~valid, Text("acq_time 须为 UTC 时分 HHMM", "acq_time must be UTC HHMM (e.g. 0530)"))
        req.flag(days < 0, Text("缺少 acq_date", "missing acq_date"))
        minutes = (hhmm // 100) * 60 + hhmm % 100
        local = np.where(req.bad, 0, days + (minutes + _UTC_TO_LOCAL_MIN) // (24 * 60))
        req.first, req.last = local, local.copy()

    def _lookup(self, chunk: Chunk, fld: str, cache: dict, parse: Any, default: int | None,
                req: Requests, missing: Text) -> np.ndarray:
        column = self._column(chunk, fld)
        if column is None:
            out = np.full(chunk.rows, default if default is not None else -1, dtype=np.int64)
        else:
            out = self._distinct(column, cache, parse, req, -1)
            if default is not None:
                out[out < 0] = default
        req.flag(out < 0, missing)
        return np.where(out < 0, 0, out)

    def _distinct(self, column: pa.Array, cache: dict, parse: Any, req: Requests,
                  empty: int) -> np.ndarray:
        """Parse each distinct text once; empty text gives ``empty``."""
        encoded = column.dictionary_encode()
        indices = numpy_of(encoded.indices.fill_null(-1), np.int32)
        values = []
        for text in encoded.dictionary.to_pylist():
            if not text or not text.strip():
                values.append(empty)
                continue
            if text not in cache:
                try:
                    cache[text] = parse(text)
                except InputError as exc:
                    cache[text] = exc.text
            values.append(cache[text])
        codes = np.array([v if isinstance(v, int) else _FAILED for v in values] + [empty],
                         dtype=np.int64)
        out = codes[indices]  # index -1 (null) picks the trailing 'empty'
        for i in np.flatnonzero(out == _FAILED):
            req.flag_row(i, values[indices[i]])
        out[out == _FAILED] = empty
        return out

    def _parse_date(self, text: str) -> int:
        return parse_date(text, self.today).toordinal()

    def _parse_activity(self, text: str) -> int:
        return self._activity_index[self.catalog.resolve(text).id]


def _parse_datum_index(text: str) -> int:
    return DATUMS.index(parse_datum(text))


def _parse_land_code(text: str) -> int:
    return 1 + LANDS.index(parse_land(text))


_SPLIT = re.compile(r"[;；、,，|]")
