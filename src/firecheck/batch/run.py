"""``firecheck batch``: read requests in chunks, evaluate, write one output row per input row."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .batch import BatchEngine, Outcome, Requests
from .chunks import Chunk
from .json_input import json_fields
from .projection import to_local
from .rules import RuleSet
from .table_input import Layout, Normalizer
from .table_io import open_source, read_chunks
from .table_output import Writer
from .zones import ZoneSet

OUTPUT_COLUMNS = ("status", "reasons", "zone_ids", "distance_m",
                  "fine_individual_yuan", "fine_unit_yuan", "hotline", "warnings", "error")


@dataclass
class Options:
    """What the command line chose."""

    source: str
    target: str
    input_format: str | None = None
    output_format: str | None = None
    activity: str | None = None
    datum: str = "wgs84"
    mapping: dict[str, str] = field(default_factory=dict)
    lang: str = "zh"
    chunk_rows: int = 50_000
    workers: int = 2
    map_sample: bool = False


@dataclass
class Summary:
    """Counts per status, errors, rows, time; and a thinned sample of located rows (local
    x, y and status) for a map."""

    counts: Counter = field(default_factory=Counter)
    rows: int = 0
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
    input order.
    """
    started = time.perf_counter()
    source = open_source(options.source, options.input_format)
    out_format = options.output_format or _output_format(options.target, source.format)
    writer: Writer | None = None
    summary = Summary(sample=MapSample() if options.map_sample else None)
    engine = BatchEngine(rules, zones)
    try:
        writer = Writer(options.target, out_format, bom=source.encoding != "utf-8" or source.bom)
        # The input fields, known before the first row: the CSV header, or for JSON every
        # field any row has (a first pass), so the layout, a CSV header and the names of
        # the result columns are the same for every chunk.
        fields = source.header if source.format == "csv" else json_fields(source)
        names = result_names(fields or [])
        header = pa.schema([(n, pa.string()) for n in [*(fields or []), *names.values()]])

        def normalizer_for(columns: list[str]) -> Normalizer:  # raises naming missing ones
            layout = Layout.detect(columns, options.mapping, source.format == "geojson",
                                   options.activity)
            return Normalizer(engine, layout, options.activity, options.datum, today)

        normalizer = normalizer_for(fields) if fields else None

        def process(chunk: Chunk) -> tuple[pa.ChunkedArray, bytes, Chunk, Requests]:
            assert normalizer is not None and writer is not None
            requests = normalizer.requests(chunk)
            table = _output_table(chunk, requests, engine.evaluate(requests), options.lang,
                                  fields or [], names)
            data = writer.format(table, _geometries(chunk, requests, out_format), chunk.extra,
                                 list(names.values()))
            return table[names["status"]], data, chunk, requests

        def finish(status: pa.ChunkedArray, data: bytes, chunk: Chunk,
                   requests: Requests) -> None:
            assert writer is not None
            writes.append(write_pool.submit(writer.write, header, data))
            while len(writes) > 2:  # bound the bytes waiting for the disk
                writes.pop(0).result()
            if summary.sample is not None:
                summary.sample.add(requests, np.array(status.to_pylist(), dtype=object))
            counts = pc.value_counts(status).to_pylist()
            summary.counts.update({c["values"]: c["counts"] for c in counts})
            summary.rows += chunk.rows
            if progress:
                progress(summary.rows, source.size)

        writes: list[Future] = []
        with ThreadPoolExecutor(max_workers=options.workers, initializer=engine.warm) as pool, \
                ThreadPoolExecutor(max_workers=1) as write_pool:
            pending: deque[Future] = deque()
            for chunk in read_chunks(source, options.chunk_rows):
                normalizer = normalizer or normalizer_for(fields or [])
                pending.append(pool.submit(process, chunk))
                while len(pending) > options.workers:
                    finish(*pending.popleft().result())
            while pending:
                finish(*pending.popleft().result())
        if summary.rows == 0 and out_format == "csv" and fields is not None:
            writer.write(header, writer.format(header.empty_table()))  # the header alone
        for done in writes:
            done.result()  # re-raise a write error
        writer.commit()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        for path in source.cleanup:
            path.unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _output_format(target: str, input_format: str) -> str:
    lower = target.lower()
    for suffix, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"),
                        (".geojson", "geojson"), (".json", "geojson")):
        if lower.endswith(suffix):
            return fmt
    return input_format


def result_names(fields: list[str]) -> dict[str, str]:
    """The output name of each result column: its own, else firecheck_NAME (then
    firecheck_NAME_2 …) when an input field already has it."""
    taken, names = set(fields), {}
    for name in OUTPUT_COLUMNS:
        key, n = (name if name not in taken else f"firecheck_{name}"), 1
        while key in taken:
            n += 1
            key = f"firecheck_{name}_{n}"
        taken.add(key)
        names[name] = key
    return names


def _output_table(chunk: Chunk, req: Requests, outcome: Outcome, lang: str,
                  fields: list[str], names: dict[str, str]) -> pa.Table:
    """Every input field, in ``fields`` order (empty where a row lacks one), then the result
    columns under their ``names``."""
    answers = outcome.answers
    error_rows = outcome.group < 0
    safe = np.where(error_rows, 0, outcome.group).astype(np.int32)

    indices = pa.array(safe, mask=error_rows)

    def column(attr: str) -> pa.Array:
        values = [getattr(a, attr) for a in answers] or [""]
        return pa.array(values, type=pa.string()).take(indices)

    warnings = column("warnings")
    if outcome.warnings:
        merged = warnings.to_pylist()
        for row, codes in outcome.warnings.items():
            merged[row] = ";".join(filter(None, (merged[row], codes)))
        warnings = pa.array(merged, type=pa.string())
    statuses = pa.array([a.status for a in answers] + ["error"], type=pa.string())
    status = statuses.take(pa.array(np.where(error_rows, len(answers), safe).astype(np.int32)))
    messages: list[str | None] = [None] * chunk.rows
    for row, (en, zh) in req.errors.items():
        messages[row] = zh if lang == "zh" else en
    distance = np.round(outcome.distance_m, 1)
    results = {
        "status": status,
        "reasons": column("reasons"),
        "zone_ids": pc.if_else(pa.array(error_rows), pa.scalar(None, pa.string()),
                               outcome.zone_ids),
        "distance_m": pa.array(distance, mask=np.isnan(distance)),
        "fine_individual_yuan": column("fine_individual"),
        "fine_unit_yuan": column("fine_unit"),
        "hotline": column("hotline"),
        "warnings": warnings,
        "error": pa.array(messages, type=pa.string()),
    }
    present = set(chunk.table.column_names)
    columns = {name: chunk.table[name] if name in present else pa.nulls(chunk.rows, pa.string())
               for name in fields}
    columns.update({names[name]: results[name] for name in OUTPUT_COLUMNS})
    return pa.table(columns)


def _geometries(chunk: Chunk, req: Requests, out_format: str) -> list | None:
    """Geometry for GeoJSON output: the input geometry, else a point from lat/lon."""
    if out_format != "geojson":
        return None
    points = shapely.points(req.lon, req.lat)
    geometry: list = [None if req.bad[i] else p for i, p in enumerate(points)]
    for row, geom in chunk.geometry.items():
        geometry[row] = geom
    return geometry
