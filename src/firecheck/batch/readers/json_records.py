"""JSON Lines and GeoJSON input, in chunks: one row per line or feature, every field as
text; the original objects are kept for JSON output. GeoJSON is streamed (ijson), so memory
stays at one chunk of features whatever the size of the collection."""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from .chunks import Chunk, Source
from .errors import InputError
from .zonefile import parse_geometry

_MAX_DEPTH = 64  # JSON nesting levels a row may have (GeoJSON needs 7)
_TOO_DEEP = (f"JSON nested more than {_MAX_DEPTH} levels deep", f"JSON 嵌套超过 {_MAX_DEPTH} 层")


def jsonl_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    with source.path.open("rb") as fh:
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        errors: dict[int, tuple[str, str]] = {}
        for number, raw in enumerate(fh, start=1):
            text = _json_line(raw)
            if not text:
                continue
            value, error = _json_object(text)
            if error:
                errors[len(records)] = error
            records.append(value)
            lines.append(number)
            if len(records) >= chunk_rows:
                yield _chunk_from_records(records, lines, errors, {})
                records, lines, errors = [], [], {}
        if records:
            yield _chunk_from_records(records, lines, errors, {})


def _json_line(raw: bytes) -> str:
    """One JSON Lines line as text: broken bytes replaced, NULs, BOM and blanks dropped."""
    return raw.decode("utf-8", errors="replace").replace("\0", "").strip().lstrip("\ufeff")


def json_fields(source: Source) -> list[str]:
    """Every field name of a JSON Lines or GeoJSON input, in order of first appearance (a
    first pass; unreadable parts are left to the reading pass to report)."""
    import ijson

    names: dict[str, None] = {}
    if source.format == "jsonl":
        with _open_json(source.path) as fh:
            for raw in fh:
                value, _ = _json_object(_json_line(raw))
                names.update(dict.fromkeys(value))
        return list(names)
    try:
        for feature in _features(source.path):
            names.update(dict.fromkeys(_properties(feature)))
    except ijson.JSONError:
        pass
    return list(names)


def _json_object(text: str) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """One JSON Lines row: its object, or {} and why it cannot be used."""
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_finite)
    except json.JSONDecodeError as exc:
        return {}, (f"not valid JSON: {exc.msg}", f"不是有效的 JSON：{exc.msg}")
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return {}, (f"not usable JSON: {exc}", f"无法使用的 JSON：{exc}")
    except RecursionError:
        return {}, _TOO_DEEP
    if not isinstance(value, dict):
        return {}, ("line is JSON but not an object", "该行是 JSON 但不是对象")
    return (value, None) if not _too_deep(value) else ({}, _TOO_DEEP)


def _finite(text: str) -> float:
    """A JSON number that a float holds (not 1e400; not NaN or Infinity, which are not JSON
    and could not be written back as JSON)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _too_deep(value: Any) -> bool:
    """Whether objects and arrays nest deeper than _MAX_DEPTH (no request needs that, and
    writing them back would exhaust Python's recursion)."""
    level: list[Any] = [value]
    for _ in range(_MAX_DEPTH):
        level = [v for item in level
                 for v in (item.values() if isinstance(item, dict) else item)
                 if isinstance(v, (dict, list))]
        if not level:
            return False
    return True


def _properties(feature: Any) -> dict[str, Any]:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def _open_json(path: Path) -> BinaryIO:
    """The file opened for reading, after its UTF-8 BOM if it has one."""
    fh = path.open("rb")
    if fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)
    return fh


def geojson_chunks(source: Source, chunk_rows: int) -> Iterator[Chunk]:
    """Features streamed from the file (ijson), a chunk at a time: memory stays at one
    chunk of features whatever the size of the collection."""
    import ijson  # only GeoJSON input needs it

    read, batch = 0, []
    try:
        if not _has_features_array(source.path):
            raise InputError(f"{source.path.name}: not a GeoJSON FeatureCollection",
                             f"{source.path.name}：不是 GeoJSON FeatureCollection")
        for feature in _features(source.path):
            batch.append(feature)
            read += 1
            if len(batch) == chunk_rows:
                yield _feature_chunk(batch, read - len(batch))
                batch = []
        if batch:
            yield _feature_chunk(batch, read - len(batch))
    except ijson.JSONError as exc:
        reason = _json_reason(exc)
        raise InputError(f"{source.path.name}: cannot read the GeoJSON after feature {read}: "
                         f"{reason}",
                         f"{source.path.name}：第 {read} 个要素之后的 GeoJSON 无法读取："
                         f"{reason}") from exc


def _features(path: Path) -> Iterator[Any]:
    """The collection's features, by ijson's C parser; from the first number it cannot
    hold (an integer beyond 64 bits, such as a long permit number) on, by its pure-Python
    parser, which holds any integer Python can."""
    import ijson

    done = 0
    with _open_json(path) as fh:
        try:
            for feature in ijson.items(fh, "features.item", use_float=True):
                done += 1
                yield feature
            return
        except ijson.JSONError as exc:
            if "integer overflow" not in _json_reason(exc):
                raise
    with _open_json(path) as fh:
        python = ijson.get_backend("python").items(fh, "features.item", use_float=True)
        yield from islice(python, done, None)


def _json_reason(exc: Exception) -> str:
    """The first line of an ijson error's message."""
    reason = exc.args[0] if exc.args else exc
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", errors="replace")
    first = (str(reason).strip().splitlines() or [""])[0]
    return first if len(first) <= 160 else first[:160] + "…"


def _has_features_array(path: Path) -> bool:
    """Whether the document's top level has a "features" array (perhaps empty). By ijson's
    pure-Python parser, which stops there (the C parser reads ahead, and without its float
    mode crashes on integers of more than 4,300 digits)."""
    import ijson

    with _open_json(path) as fh:
        for prefix, event, _ in ijson.get_backend("python").parse(fh, use_float=True):
            if prefix == "features":
                return event == "start_array"
    return False


def _feature_chunk(features: list[Any], start: int) -> Chunk:
    records: list[dict[str, Any]] = []
    geoms: dict[int, Any] = {}
    errors: dict[int, tuple[str, str]] = {}
    for i, feature in enumerate(features):
        if _too_deep(feature):
            records.append({})
            errors[i] = _TOO_DEEP
            continue
        records.append(_properties(feature))
        geom, error = _feature_geometry(feature)
        if geom is not None:
            geoms[i] = geom
        if error:
            errors[i] = error
    lines = list(range(start + 1, start + 1 + len(records)))
    return replace(_chunk_from_records(records, lines, errors, geoms), features=True)


def _feature_geometry(feature: Any) -> tuple[Any, tuple[str, str] | None]:
    """The feature's shape, or why it has none (the zones file's own parser)."""
    shape, problem = parse_geometry(feature.get("geometry") if isinstance(feature, dict) else None)
    return shape, problem[1:] if problem else None


def _chunk_from_records(records: list[dict[str, Any]], lines: list[int],
                        errors: dict[int, tuple[str, str]], geoms: dict[int, Any]) -> Chunk:
    names = list(dict.fromkeys(k for r in records for k in r))
    table = pa.table({n: pa.array([_text_of(r.get(n)) for r in records], type=pa.string())
                      for n in names})
    return Chunk(table, np.array(lines, dtype=np.int64), geoms, errors, records)


def _text_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
