"""Turning input columns (English or Chinese headers) into batch :class:`Requests`.

Values are parsed per distinct value (dates, activities, datums) or vectorised (plain
decimal coordinates); anything else goes through the single-query parsers, so a batch
accepts exactly what ``firecheck check`` accepts. A row that cannot be used gets an error
naming its line and the problem; it never stops the file.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
from shapely.geometry.base import BaseGeometry

from .. import kernels
from ..errors import InputError
from ..geo.datum import DATUMS, parse_datum, to_wgs84
from ..parse.coordinates import parse_lat, parse_lon
from ..parse.dates import MAX_SPAN_DAYS, assumes_year, parse_date, parse_date_span
from ..parse.facts import parse_land
from ..rules.activities import ActivityCatalog, normalize
from ..rules.model import LANDS
from ..text import Message, Text
from ..zones.gazetteer import Gazetteer, Place
from .arrow import bools, numpy_of
from .readers.source import Chunk

FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号", "申请编号", "request_id"),
    "lat": ("lat", "latitude", "纬度", "北纬"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "东经"),
    "place": ("place", "地点", "地名", "location", "place_name"),
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
_GENERIC = "input_error"  # an InputError's code when its raiser gave none


@dataclass
class Requests:
    """A chunk of requests as arrays. Rare per-row extras are sparse: rows with an error
    (``bad``; its code and message in ``errors``) or wholly ``blank`` are not evaluated,
    rows in ``geometry`` are routes or areas, ``accuracy`` holds the uncertainty of a
    position read from a place name, ``notes`` holds warning codes found while reading a
    row."""

    lat: np.ndarray  # float64, in the row's datum
    lon: np.ndarray
    datum: np.ndarray  # int8 index into DATUMS
    first: np.ndarray  # int64 date ordinals (date.toordinal), inclusive
    last: np.ndarray
    activity: np.ndarray  # int64 index into the activity catalogue's order
    bad: np.ndarray  # bool
    errors: dict[int, Message] = field(default_factory=dict)  # row -> why it cannot be used
    geometry: dict[int, BaseGeometry] = field(default_factory=dict)  # row -> lon/lat shape
    notes: dict[int, str] = field(default_factory=dict)  # row -> warning codes
    land: np.ndarray | None = None  # int8: 0 unknown, else 1 + index into LANDS (stated)
    in_zones: dict[int, tuple[str, ...]] = field(default_factory=dict)  # row -> stated zones
    accuracy: dict[int, float] = field(default_factory=dict)  # row -> metres (place names)
    blank: np.ndarray | None = None  # bool: every field of the row is empty

    def wgs84(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """WGS-84 lat, lon of ``rows`` (phone-map datums converted) and which were converted."""
        lat, lon = self.lat[rows].astype(float), self.lon[rows].astype(float)
        datum = self.datum[rows]
        for code, name in enumerate(DATUMS):
            if name != "wgs84" and (mask := datum == code).any():
                lat[mask], lon[mask] = to_wgs84(lat[mask], lon[mask], name)
        return lat, lon, datum != DATUMS.index("wgs84")

    def note(self, row: int, code: str) -> None:
        """Add a warning code to one row."""
        self.notes[row] = ";".join(filter(None, (self.notes.get(row), code)))

    def flag_row(self, row: int, message: Message) -> None:
        """Mark one row as bad with ``message`` unless already bad."""
        if not self.bad[row]:
            self.errors[int(row)] = message
            self.bad[row] = True

    def flag(self, mask: np.ndarray, message: Message) -> None:
        """Mark rows of ``mask`` as bad with ``message`` unless already bad."""
        for row in np.flatnonzero(mask & ~self.bad):
            self.errors[int(row)] = message
        self.bad |= mask


def failure(code: str, exc: InputError) -> Message:
    """A row error from a parser's exception: its own code if it has one, else ``code``."""
    return Message(exc.code if exc.code != _GENERIC else code, exc.text)


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
        located = {"lat", "lon"} <= set(columns) or {"in_zone", "place"} & set(columns)
        if not has_geometry and not located:
            coordinates = [f for f in ("lat", "lon") if f not in columns]
            missing.append(" and ".join(coordinates) + " (or place)")
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
                 gazetteer: Callable[[], Gazetteer] | None = None) -> None:
        self.catalog, self.layout, self.today = catalog, layout, today
        self.default_date = self._parse_span(default_date) if default_date else None
        self.gazetteer = gazetteer  # resolves place and zone names
        self._activity_index = {a.id: i for i, a in enumerate(catalog)}
        self.default_activity = (self._activity_index[catalog.resolve(default_activity).id]
                                 if default_activity else None)
        self.default_datum = DATUMS.index(parse_datum(default_datum))
        self._dates: dict[str, int | Message] = {}
        self._spans: dict[str | None, tuple[int, int, bool, int, Message | None]] = {}
        self._acts: dict[str, int | Message] = {}
        self._datums: dict[str, int | Message] = {}
        self._lands: dict[str, int | Message] = {}
        self._zone_cells: dict[str, tuple[str, ...] | Message] = {}
        self._places: dict[str, Place | Message] = {}
        self.years: Counter[int] = Counter()  # rows per year a date column names
        self.assumed: Counter[int] = Counter()  # rows per year assumed for a day without one
        self._count_lock = threading.Lock()

    def requests(self, chunk: Chunk) -> Requests:
        n = chunk.rows
        req = Requests(np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, np.int8),
                       np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64),
                       np.zeros(n, dtype=bool))
        for row, error in chunk.errors.items():
            req.flag_row(row, Message("unreadable_row", error))
        req.blank = _blank_rows(chunk)
        req.bad |= req.blank
        self._stated_zones(chunk, req)
        self._coordinates(chunk, req)
        self._days(chunk, req)
        req.activity = self._lookup(chunk, "activity", self._acts, self._parse_activity,
                                    self.default_activity, req,
                                    Message("missing_activity", Text("缺少活动", "missing activity")))
        req.datum = self._lookup(chunk, "datum", self._datums, _parse_datum_index,
                                 self.default_datum, req,
                                 Message("missing_datum", Text("缺少坐标系", "missing datum"))
                                 ).astype(np.int8)
        column = self._column(chunk, "land")
        req.land = (np.zeros(n, np.int8) if column is None else self._distinct(
            column, self._lands, _parse_land_code, req, 0, "invalid_land").astype(np.int8))
        return req

    def _stated_zones(self, chunk: Chunk, req: Requests) -> None:
        """The zones a row says its place is inside (stated facts, resolved by name)."""
        column = self._column(chunk, "in_zone")
        if column is None or self.gazetteer is None:
            return
        for row, text in enumerate(column.to_pylist()):
            if not text or not text.strip() or req.bad[row]:
                continue
            if text not in self._zone_cells:
                try:
                    found = self.gazetteer()
                    self._zone_cells[text] = tuple(dict.fromkeys(
                        d for name in _SPLIT.split(text) if name.strip()
                        for d in found.find_zones(name.strip())))
                except InputError as exc:
                    self._zone_cells[text] = failure("unknown_zone", exc)
            named = self._zone_cells[text]
            if isinstance(named, Message):
                req.flag_row(row, named)
            else:
                req.in_zones[row] = named

    def _place_names(self, chunk: Chunk, req: Requests, lat: np.ndarray, lon: np.ndarray) -> None:
        """Rows without coordinates that name a place: its gazetteer point and accuracy, or
        (a zone's name) the zone it says the place is inside."""
        column = self._column(chunk, "place")
        if column is None or self.gazetteer is None:
            return
        for row in np.flatnonzero(np.isnan(lat) & np.isnan(lon) & ~req.bad).tolist():
            text = column[row].as_py()
            if not text or not text.strip() or row in chunk.geometry:
                continue
            if text not in self._places:
                try:
                    self._places[text] = self.gazetteer().find(text.strip())
                except InputError as exc:
                    self._places[text] = failure("unknown_place", exc)
            place = self._places[text]
            if isinstance(place, Message):
                req.flag_row(row, place)
                continue
            req.note(row, "place_name")
            if place.in_zones:
                req.in_zones[row] = tuple(dict.fromkeys((*req.in_zones.get(row, ()), *place.in_zones)))
                continue
            assert place.lat is not None and place.lon is not None
            lat[row], lon[row] = place.lat, place.lon
            req.accuracy[row] = place.accuracy_m

    # ----------------------------------------------------------------- columns

    def _column(self, chunk: Chunk, fld: str) -> pa.Array | None:
        name = self.layout.columns.get(fld)
        if name is None or name not in chunk.table.column_names:
            return None
        return chunk.table[name].combine_chunks()

    def _coordinates(self, chunk: Chunk, req: Requests) -> None:
        lat = req.lat = self._numbers(chunk, "lat", parse_lat, req)
        lon = req.lon = self._numbers(chunk, "lon", parse_lon, req)
        self._place_names(chunk, req, lat, lon)
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
        req.flag(missing, Message("missing_coordinates",
                                  Text("坐标缺失或无法识别", "missing or unreadable coordinates")))
        swap = points & ~req.bad & (np.abs(lat) > 90) & (np.abs(lon) <= 90)
        lat[swap], lon[swap] = lon[swap], lat[swap].copy()
        for row in np.flatnonzero(swap).tolist():
            req.note(row, "swapped_lat_lon")
        req.flag(points & (np.abs(lat) > 90), Message(
            "lat_out_of_range", Text("纬度超出 -90..90", "latitude out of range -90..90")))
        req.flag(points & (np.abs(lon) > 180), Message(
            "lon_out_of_range", Text("经度超出 -180..180", "longitude out of range -180..180")))

    def _numbers(self, chunk: Chunk, fld: str, parser: Any, req: Requests) -> np.ndarray:
        column = self._column(chunk, fld)
        if column is None:
            return np.full(chunk.rows, np.nan)
        try:  # the common case: every value a plain decimal
            values = kernels.cast(column, pa.float64())
            if values.null_count == 0 and np.isfinite(fast := numpy_of(values, np.float64)).all():
                return fast.copy()
        except pa.ArrowInvalid:
            pass
        column = kernels.trim_whitespace(column)
        plain = kernels.fill_null(kernels.matches(column, _NUMBER), False)
        values = kernels.cast(kernels.if_else(plain, column, pa.scalar(None, pa.string())),
                              pa.float64())
        out = numpy_of(kernels.fill_null(values, np.nan), np.float64).copy()
        lengths = numpy_of(kernels.fill_null(kernels.length(column), 0), np.int32)
        other = np.flatnonzero(~bools(plain) & (lengths > 0))
        texts = column.to_pylist() if len(other) else []
        for i in other:
            try:
                out[i] = parser(texts[i])
            except InputError as exc:
                req.flag_row(i, failure(f"invalid_{fld}", exc))
                out[i] = 0.0
        return out

    def _days(self, chunk: Chunk, req: Requests) -> None:
        if self.layout.firms:
            self._firms_days(chunk, req)
            return
        first, last = self._span_column(chunk, req)
        start = self._date_column(chunk, "start", req, "invalid_start")
        end = self._date_column(chunk, "end", req, "invalid_end")
        if self.default_date is not None:  # --date: rows with neither a date nor a range
            fill = (first < 0) & ((start < 0) | (end < 0))
            first[fill], last[fill] = self.default_date[0], self.default_date[1]
        has_date = first >= 0
        ranged = ~has_date & (start >= 0) & (end >= 0)
        req.flag(~has_date & ~ranged, Message("missing_date", Text(
            "缺少日期（或开始与结束日期）", "missing date (or start and end)")))
        req.flag(ranged & (end < start), Message("range_reversed", Text(
            "结束日期早于开始日期", "the range ends before it starts")))
        req.flag(ranged & (end - start >= MAX_SPAN_DAYS), Message("range_too_long", Text(
            f"日期范围超过 {MAX_SPAN_DAYS} 天", f"the range is longer than {MAX_SPAN_DAYS} days")))
        req.first = np.where(req.bad, 0, np.where(has_date, first, start))
        req.last = np.where(req.bad, 0, np.where(has_date, last, end))

    def _span_column(self, chunk: Chunk, req: Requests) -> tuple[np.ndarray, np.ndarray]:
        """The ``date`` column, a day or a range (A..B, A至B, A~B): first and last ordinals,
        -1 where empty; a ``year_assumed`` note where a day gives no year (4月1日)."""
        column = self._column(chunk, "date")
        if column is None:
            return np.full(chunk.rows, -1, np.int64), np.full(chunk.rows, -1, np.int64)
        encoded = kernels.dictionary_encode(column)
        indices = numpy_of(kernels.fill_null(encoded.indices, -1), np.int32)
        known = self._spans.get
        spans = [known(text) or self._read_span(text) for text in encoded.dictionary.to_pylist()]
        firsts, lasts, assumed, years, failed = (
            (list(c) for c in zip(*spans, strict=True)) if spans else ([], [], [], [], []))
        first = np.array([*firsts, -1], np.int64)[indices]  # index -1 (null) picks the last
        last = np.array([*lasts, -1], np.int64)[indices]
        for i in np.flatnonzero(np.array([*assumed, False])[indices]).tolist():
            req.note(i, "year_assumed")
        counts = np.bincount(indices + 1, minlength=len(firsts) + 1)[1:]
        year, guessed = np.array(years, np.int64), np.array(assumed, bool)
        for counter, mine in ((self.assumed, guessed), (self.years, ~guessed)):
            mine &= (year > 0) & (counts > 0)
            found, at = np.unique(year[mine], return_inverse=True)  # a few years
            rows = np.bincount(at, weights=counts[mine], minlength=len(found)).astype(np.int64)
            with self._count_lock:  # chunks are read in parallel threads
                counter.update(dict(zip(found.tolist(), rows.tolist(), strict=True)))
        bad = np.array([f is not None for f in failed] + [False])[indices]
        for i in np.flatnonzero(bad).tolist():
            req.flag_row(i, failed[indices[i]])  # type: ignore[arg-type]
        return first, last

    def _read_span(self, text: str | None) -> tuple[int, int, bool, int, Message | None]:
        """A date cell's (first, last, year assumed, first's year or 0, failure), kept for
        every later cell of the same text."""
        found: tuple[int, int, bool, int, Message | None] = (-1, -1, False, 0, None)
        if text and text.strip():
            try:
                first, last = self._parse_span(text)
                found = (first, last, assumes_year(text), date.fromordinal(first).year, None)
            except InputError as exc:
                found = (-1, -1, False, 0, failure("invalid_date", exc))
        self._spans[text] = found
        return found

    def year_notes(self) -> list[Text]:
        """What a file should hear about its dates: days without a year were read in this
        year, above all when its other dates name another."""
        if not self.assumed:
            return []
        rows, year = sum(self.assumed.values()), self.today.year
        others = sorted(y for y in self.years if y != year)
        if not others:
            return [Text(f"有 {rows:,} 行的日期没有写年份（如“4月1日”），已按 {year} 年判定；"
                         "见“所用日期”列。",
                         f"{rows:,} rows give a date without a year (like 4月1日): read as {year}; "
                         "see the date_used column.")]
        named = "、".join(map(str, others))
        return [Text(f"注意：有 {rows:,} 行的日期没有写年份，已按 {year} 年判定，"
                     f"而表中其他日期是 {named} 年。请核对“所用日期”列，必要时写明年份。",
                     f"Note: {rows:,} rows give a date without a year, read as {year}, while the "
                     f"file's other dates are in {', '.join(map(str, others))}. Check the "
                     "date_used column and write the year where needed.")]

    def _date_column(self, chunk: Chunk, fld: str, req: Requests, code: str) -> np.ndarray:
        """Ordinals; -1 where empty; errors for unreadable values."""
        column = self._column(chunk, fld)
        if column is None:
            return np.full(chunk.rows, -1, dtype=np.int64)
        return self._distinct(column, self._dates, self._parse_date, req, -1, code)

    def _firms_days(self, chunk: Chunk, req: Requests) -> None:
        """FIRMS: acq_date (UTC) + acq_time HHMM (UTC) → local date in Asia/Shanghai."""
        days = self._date_column(chunk, "acq_date", req, "invalid_acq_date")
        times = self._column(chunk, "acq_time")
        assert times is not None
        times = kernels.trim_whitespace(times)
        plain = kernels.fill_null(kernels.matches(times, r"^\d{1,4}$"), False)
        hhmm = numpy_of(kernels.cast(kernels.if_else(plain, times, pa.scalar("0")), pa.int64()),
                        np.int64)
        valid = bools(plain) & (hhmm % 100 < 60) & (hhmm // 100 < 24)
        req.flag(~valid, Message("invalid_acq_time", Text(
            "acq_time 须为 UTC 时分 HHMM", "acq_time must be UTC HHMM (e.g. 0530)")))
        req.flag(days < 0, Message("missing_date", Text("缺少 acq_date", "missing acq_date")))
        minutes = (hhmm // 100) * 60 + hhmm % 100
        local = np.where(req.bad, 0, days + (minutes + _UTC_TO_LOCAL_MIN) // (24 * 60))
        req.first, req.last = local, local.copy()

    def _lookup(self, chunk: Chunk, fld: str, cache: dict, parse: Any, default: int | None,
                req: Requests, missing: Message) -> np.ndarray:
        column = self._column(chunk, fld)
        if column is None:
            out = np.full(chunk.rows, default if default is not None else -1, dtype=np.int64)
        else:
            out = self._distinct(column, cache, parse, req, -1, f"invalid_{fld}")
            if default is not None:
                out[out < 0] = default
        req.flag(out < 0, missing)
        return np.where(out < 0, 0, out)

    def _distinct(self, column: pa.Array, cache: dict, parse: Any, req: Requests,
                  empty: int, code: str) -> np.ndarray:
        """Parse each distinct text once; empty text gives ``empty``; a failure is a row
        error with ``code`` (or the parser's own)."""
        encoded = kernels.dictionary_encode(column)
        indices = numpy_of(kernels.fill_null(encoded.indices, -1), np.int32)
        values = []
        for text in encoded.dictionary.to_pylist():
            if not text or not text.strip():
                values.append(empty)
                continue
            if text not in cache:
                try:
                    cache[text] = parse(text)
                except InputError as exc:
                    cache[text] = failure(code, exc)
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

    def _parse_span(self, text: str) -> tuple[int, int]:
        first, last = parse_date_span(text, self.today)
        return first.toordinal(), last.toordinal()

    def _parse_activity(self, text: str) -> int:
        return self._activity_index[self.catalog.resolve(text).id]


def _blank_rows(chunk: Chunk) -> np.ndarray:
    """Rows whose every field is empty or whitespace, with no geometry and no read error
    (the ``,,,,,,`` rows Excel leaves after a table)."""
    blank = np.ones(chunk.rows, dtype=bool)
    for column in chunk.table.columns:  # usually the first column settles every row
        if not blank.any():
            break
        text = column.combine_chunks()
        empty = kernels.or_(kernels.equal(kernels.length(text), 0), kernels.is_space(text))
        blank &= bools(kernels.fill_null(empty, True))
    blank[list(chunk.geometry)] = False
    blank[list(chunk.errors)] = False
    return blank


def _parse_datum_index(text: str) -> int:
    return DATUMS.index(parse_datum(text))


def _parse_land_code(text: str) -> int:
    return 1 + LANDS.index(parse_land(text))


_SPLIT = re.compile(r"[;；、,，|]")
