"""A batch run: read requests in chunks, evaluate them, write one output row per input row.

:func:`run_batch` streams a file (a path, '-' for stdin, or a binary file object) into a
file; :func:`check_rows` answers an iterable of row dicts with result dicts. Both go through
the same readers' row model, the same :class:`~.engine.BatchEngine` and the same columns."""

from __future__ import annotations

import functools
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import shapely

from .. import kernels
from ..errors import InputError
from ..files import same_file
from ..geo.projection import to_local
from ..rules.model import RuleSet
from ..text import Text
from ..zones.gazetteer import Gazetteer
from ..zones.model import ZoneSet
from .engine import BatchEngine, Outcome, many_zones
from .readers import (
    READERS,
    check_unchanged,
    close_input,
    input_fields,
    open_input,
    output_format_of,
    read_chunks,
)
from .readers.json_records import chunk_from_records, python_record
from .readers.source import Chunk
from .requests import Layout, Normalizer, Requests
from .results import Form, Results, defuse
from .writer import Writer, json_rows

MAX_CHUNK_ROWS = 10_000_000
HEADERS = ("keys", "zh", "en")


@dataclass
class Options:
    """What to read and write, and how (the options of ``firecheck batch``)."""

    source: str | Path | BinaryIO  # a path, '-' for stdin, or a binary file object
    target: str | BinaryIO = "-"
    input_format: str | None = None
    output_format: str | None = None
    activity: str | None = None
    datum: str = "wgs84"
    mapping: dict[str, str] = field(default_factory=dict)
    lang: str = "zh"
    chunk_rows: int | None = None  # default: chunk_rows_for(zones)
    workers: int = 2
    map_sample: bool = False
    date: str | None = None  # the date of rows without one (like ``activity``)
    headers: str | None = None  # keys | zh | en: the result columns (default: zh/en for xlsx)
    sheet: str | None = None  # xlsx input: the sheet to read (default: the first)


@dataclass
class Summary:
    """Counts per status, errors, rows, time; and a thinned sample of located rows (local
    x, y and status) for a map."""

    counts: Counter = field(default_factory=Counter)  # per status; 'blank' for empty rows
    rows: int = 0
    notes: list[Text] = field(default_factory=list)  # what the whole file should know
    seconds: float = 0.0
    sample: MapSample | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class MapSample:
    """Every ``stride``-th located row, thinned by halves to stay under ``cap`` rows."""

    cap: int = 200_000
    stride: int = 1
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    status: list[np.ndarray] = field(default_factory=list)
    seen: int = 0

    def add(self, req: Requests, status: np.ndarray) -> None:
        rows = np.arange(self.seen, self.seen + len(req.lat))
        self.seen += len(req.lat)
        keep = (rows % self.stride == 0) & ~req.bad
        keep[list(req.geometry)] = False
        lat, lon, _ = req.wgs84(np.flatnonzero(keep))
        x, y = to_local(lon, lat)
        drawable = np.isfinite(x) & np.isfinite(y)  # PROJ gives inf far from the county
        self.x.append(x[drawable])
        self.y.append(y[drawable])
        self.status.append(status[keep][drawable])
        while sum(len(a) for a in self.x) > self.cap:
            self.stride *= 2
            self.x = [a[::2] for a in self.x]
            self.y = [a[::2] for a in self.y]
            self.status = [a[::2] for a in self.status]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.concatenate(self.x or [np.empty(0)]), np.concatenate(self.y or [np.empty(0)]),
                np.concatenate(self.status or [np.empty(0, dtype=object)]))

def run_batch(options: Options, rules: RuleSet, zones: ZoneSet, today: date,
              progress: Callable[[int, int], None] | None = None) -> Summary:
    """Stream ``options.source`` through the engine into ``options.target``.

    Chunks are evaluated and formatted in parallel threads (the heavy work — CSV parsing
    and formatting, projection, geometry predicates — releases the GIL) and written in
    input order. Nothing reaches the target unless every row was read and written: the
    target is refused if it is the input, the zones file or a rules file, and the run fails
    if the input changed while it was read.
    """
    started = time.perf_counter()
    chunk_rows = chunk_rows_for(zones) if options.chunk_rows is None else options.chunk_rows
    if not 1 <= chunk_rows <= MAX_CHUNK_ROWS:
        raise InputError(f"每块行数须在 1..{MAX_CHUNK_ROWS:,} 之间",
                         f"rows per chunk must be within 1..{MAX_CHUNK_ROWS:,}")
    if isinstance(options.target, str):
        refuse_inputs_as_output(options.target, options.source, rules, zones)
    if options.headers is not None and options.headers not in HEADERS:
        raise InputError(f"--headers 必须是 {'、'.join(HEADERS)} 之一",
                         f"--headers must be one of {', '.join(HEADERS)}, not {options.headers!r}")
    source = open_input(options.source, options.input_format, options.sheet)
    target_name = options.target if isinstance(options.target, str) else str(
        getattr(options.target, "name", "") or "")
    out_format = options.output_format or output_format_of(target_name, source.format)
    form, lang = form_of(out_format, options.headers, options.lang)
    writer: Writer | None = None
    summary = Summary(sample=MapSample() if options.map_sample else None)
    engine = BatchEngine(rules, zones)
    try:
        # The input fields, known before the first row: the CSV header, or for JSON every
        # field any row has (a first pass), so the layout, a CSV header and the names of
        # the result columns are the same for every chunk.
        fields = input_fields(source)
        # A CSV for Excel (a sheet's headers, or an input Excel gave) starts with a BOM.
        bom = form == "sheet" or source.encoding != "utf-8" or source.bom or source.format == "xlsx"
        for_excel = out_format == "csv" and bom
        results = Results(form, lang, zones, fields or [], for_excel=for_excel)
        header = pa.schema([(defuse(n) if for_excel else n, pa.string())
                            for n in [*(fields or []), *results.columns]])
        writer = Writer(options.target, out_format, bom=bom, colours=results.colours())

        def normalizer_for(columns: list[str]) -> Normalizer:  # raises naming missing ones
            layout = Layout.detect(columns, options.mapping, READERS[source.format].geometry,
                                   options.activity, options.date)
            return Normalizer(rules.activities, layout, options.activity, options.datum, today,
                              options.date, gazetteer=gazetteer(zones))

        normalizer = normalizer_for(fields) if fields else None

        def process(chunk: Chunk) -> tuple[pa.Array, bytes | pa.Buffer, Chunk, Requests]:
            assert normalizer is not None and writer is not None
            requests = normalizer.requests(chunk)
            outcome = engine.evaluate(requests)
            table = results.table(chunk, requests, outcome)
            data = writer.format(table, _geometries(chunk, requests, out_format), chunk.extra,
                                 results.columns)
            return status_codes(requests, outcome), data, chunk, requests

        def finish(status: pa.Array, data: bytes | pa.Buffer, chunk: Chunk,
                   requests: Requests) -> None:
            assert writer is not None
            writes.append(write_pool.submit(writer.write, header, data))
            while len(writes) > 2:  # bound the bytes waiting for the disk
                writes.pop(0).result()
            if summary.sample is not None:
                summary.sample.add(requests, np.array(status.to_pylist(), dtype=object))
            counts = kernels.value_counts(status)
            summary.counts.update({c["values"]: c["counts"] for c in counts})
            summary.rows += chunk.rows
            if progress:
                progress(summary.rows, source.size)

        writes: list[Future] = []
        pending: deque[Future] = deque()
        with ThreadPoolExecutor(max_workers=options.workers, initializer=engine.warm) as pool, \
                ThreadPoolExecutor(max_workers=1) as write_pool:
            try:
                for chunk in read_chunks(source, chunk_rows):
                    normalizer = normalizer or normalizer_for(fields or [])
                    pending.append(pool.submit(process, chunk))
                    while len(pending) > options.workers:
                        finish(*pending.popleft().result())
                while pending:
                    finish(*pending.popleft().result())
            except BaseException:
                for waiting in (*pending, *writes):  # an error or a signal: stop at once
                    waiting.cancel()
                raise
        if summary.rows == 0 and out_format in ("csv", "xlsx") and fields is not None:
            writer.write(header, writer.format(header.empty_table()))  # the header alone
        for done in writes:
            done.result()  # re-raise a write error
        check_unchanged(source)
        writer.commit()
        if normalizer is not None:
            summary.notes.extend(normalizer.year_notes())
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        close_input(source)
    summary.seconds = time.perf_counter() - started
    return summary


def chunk_rows_for(zones: ZoneSet) -> int:
    """Rows per chunk unless asked: 50,000; 10,000 among more than 10,000 mapped zones
    (parcels), where each row meets dozens of zones and a chunk's pairs take ~3 KB a row —
    a 1M-row batch among 100,000 field parcels peaks at 369–377 MB instead of 395–402 MB
    with 20,000 (and 348 MB with 5,000, for 4% more CPU), no slower."""
    return 10_000 if many_zones(zones) else 50_000


def refuse_inputs_as_output(target: str, source: str | Path | BinaryIO, rules: RuleSet,
                            zones: ZoneSet) -> None:
    """An InputError if ``target`` is the batch's input (a path, or stdin redirected from
    a file), the zones file or a rules file: writing it would destroy what is being read."""
    inputs: list[tuple[str | Path | int, Text]] = [
        (zones.path, Text("区域文件", "zones file")),
        *((path, Text("规则文件", "rules file")) for path in rules.paths)]
    if isinstance(source, (str, Path)):
        named = 0 if str(source) == "-" else source
        inputs.insert(0, (named, Text("输入文件", "input")))
    found = same_file("/dev/stdout" if target == "-" else target, [p for p, _ in inputs])
    if found is None:
        return
    what = next(kind for path, kind in inputs if path is found)
    shown = "标准输入" if found == 0 else str(found)
    shown_en = "stdin" if found == 0 else str(found)
    where = "标准输出" if target == "-" else target
    raise InputError(f"输出 {where} 就是{what.zh}（{shown}）：不能覆盖它",
                     f"the output {'stdout' if target == '-' else target} is the {what.en} "
                     f"({shown_en}): it must not be overwritten")


def check_rows(rows: Iterable[Mapping[str, Any]], rules: RuleSet, zones: ZoneSet,
               today: date, *, activity: str | None = None, datum: str = "wgs84",
               mapping: dict[str, str] | None = None, lang: str = "zh",
               chunk_rows: int = 10_000) -> Iterator[dict[str, Any]]:
    """Answer row dicts — fields named as in a batch file (纬度/lat, 日期/date, 活动/activity…)
    — with result dicts: each row's own fields plus the result columns, exactly as JSON
    Lines output holds them; one result per row, in order. The columns are those of the
    first chunk; a row that cannot be used gets its error in the ``error`` column."""
    engine = BatchEngine(rules, zones)
    normalizer: Normalizer | None = None
    results: Results | None = None
    done = 0
    for batch in _batched(rows, chunk_rows):
        records = [dict(row) for row in batch]
        read = [python_record(record) for record in records]
        unusable = {i: error for i, (_, error) in enumerate(read) if error is not None}
        chunk = chunk_from_records([texts for texts, _ in read],
                                   list(range(done + 1, done + 1 + len(read))), unusable, {})
        done += len(read)
        if normalizer is None or results is None:
            fields = chunk.table.column_names
            results = Results("json", lang, zones, fields)
            normalizer = Normalizer(rules.activities, Layout.detect(
                fields, mapping or {}, False, activity), activity, datum, today,
                gazetteer=gazetteer(zones))
        requests = normalizer.requests(chunk)
        table = results.table(chunk, requests, engine.evaluate(requests))
        yield from json_rows(table, records, results.columns)


def _batched(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def gazetteer(zones: ZoneSet) -> Callable[[], Gazetteer]:
    """The gazetteer of ``zones`` (place and zone names), read once when first asked."""
    return functools.cache(lambda: Gazetteer.load(zones))


def form_of(out_format: str, headers: str | None, lang: str) -> tuple[Form, str]:
    """The result columns' form and language: a sheet for xlsx (in ``lang``, or the
    language ``headers`` names) and for CSV with ``--headers zh|en``; JSON's native types
    for JSON Lines and GeoJSON; else the stable English keys."""
    if headers in ("zh", "en") and out_format not in ("csv", "xlsx"):
        raise InputError("--headers zh/en 只用于 CSV 和 xlsx 输出；JSON 始终使用固定的英文键",
                         "--headers zh/en is for CSV and xlsx output; JSON always keeps the "
                         "stable English keys")
    if headers in ("zh", "en") or (out_format == "xlsx" and headers is None):
        return "sheet", headers if headers in ("zh", "en") else lang
    return ("json" if out_format in ("jsonl", "geojson") else "csv"), lang


def status_codes(req: Requests, outcome: Outcome) -> pa.Array:
    """Each row's status code (``error``, ``blank`` for a wholly empty row)."""
    statuses = [a.status for a in outcome.answers] + ["error", "blank"]
    blank = req.blank if req.blank is not None else np.zeros(len(req.lat), dtype=bool)
    index = np.where(outcome.group >= 0, outcome.group,
                     len(outcome.answers) + blank.astype(np.int64))
    return kernels.take(pa.array(statuses, type=pa.string()), pa.array(index.astype(np.int64)))


def _geometries(chunk: Chunk, req: Requests, out_format: str) -> list | None:
    """Geometry for GeoJSON output: the input geometry, else a point from lat/lon."""
    if out_format != "geojson":
        return None
    points = shapely.points(req.lon, req.lat)
    geometry: list = [None if req.bad[i] else p for i, p in enumerate(points)]
    for row, geom in chunk.geometry.items():
        geometry[row] = geom
    return geometry
