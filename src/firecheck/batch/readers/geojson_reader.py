"""GeoJSON input: a FeatureCollection streamed feature by feature (ijson), so memory stays
at one chunk of features whatever the size of the collection; each feature's geometry is
read by the zones file's own parser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import InputError
from ...text import Text
from ...unicode import SURROGATE_ESCAPE, escape_surrogates, has_lone_surrogate
from ...zones.file import parse_geometry, properties
from .json_records import (
    LONE_SURROGATE,
    TOO_DEEP,
    chunk_from_records,
    open_json,
    too_deep,
)
from .source import Chunk, InputFile

_SURROGATE_BYTES = re.compile(SURROGATE_ESCAPE.pattern.encode())
MAX_NESTING = 512  # deeper than a row may nest (64, then a row error): a hostile document
_STEP = np.zeros(256, np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_NOT_STRUCTURE = bytes(b for b in range(256) if chr(b) not in '"[]{}')


def geojson_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    """Features streamed from the file (ijson), a chunk at a time: memory stays at one
    chunk of features whatever the size of the collection."""
    import ijson  # only GeoJSON input needs it

    read, batch = 0, []
    surrogates = source.surrogates
    try:
        if not _has_features_array(source.path):
            raise InputError(f"{source.path.name}：不是 GeoJSON FeatureCollection",
                             f"{source.path.name}: not a GeoJSON FeatureCollection")
        for feature in _features(source.path, surrogates):
            batch.append(feature)
            read += 1
            if len(batch) == chunk_rows:
                yield _feature_chunk(batch, read - len(batch), surrogates)
                batch = []
        if batch:
            yield _feature_chunk(batch, read - len(batch), surrogates)
    except ijson.JSONError as exc:
        reason = _json_reason(exc)
        raise InputError(f"{source.path.name}：第 {read} 个要素之后的 GeoJSON 无法读取："
                         f"{reason}",
                         f"{source.path.name}: cannot read the GeoJSON after feature {read}: "
                         f"{reason}") from exc


def sniff_geojson(source: InputFile) -> None:
    """Refuse a document nested deeper than MAX_NESTING (ijson would need memory and time
    growing with the square of the depth: 100,000 levels exhaust any machine); note
    whether it spells surrogate escapes."""
    if nests_deeper(source.path, MAX_NESTING):
        raise InputError(f"{source.path.name}：JSON 嵌套超过 {MAX_NESTING} 层，不是 GeoJSON 要素集合",
                         f"{source.path.name}: JSON nested more than {MAX_NESTING} levels deep: "
                         "not a GeoJSON FeatureCollection")
    source.surrogates = spells_surrogates(source.path)


def nests_deeper(path: Path, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` anywhere in the file
    (a byte scan: escapes dropped, then everything but quotes and brackets, then each
    string without brackets in it — two adjacent quotes — so only the structure is left,
    summed with numpy)."""
    depth, in_string, carry = 0, False, b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            data = carry + block
            cut = len(data.rstrip(b"\\"))  # a run of backslashes stays whole
            data, carry = data[:cut], data[cut:]
            if b"\\" in data:
                data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
            marks = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
            if not marks:
                continue
            c = np.frombuffer(marks, np.uint8)
            quote = c == ord('"')
            step = _STEP[c]
            if in_string or quote.any():
                inside = (np.cumsum(quote, dtype=np.int8) & 1).astype(bool) ^ in_string
                step = np.where(inside | quote, 0, step)
                in_string = bool(inside[-1])
            levels = depth + np.cumsum(step, dtype=np.int64)
            if levels.max() > limit:
                return True
            depth = int(levels[-1])
    return False


def spells_surrogates(path: Path) -> bool:
    """Whether the file spells a surrogate escape (``\\ud800``) anywhere: ijson's C parser
    silently turns a lone one into '?', so such a file is read by the pure-Python parser,
    which keeps it (the row is then an error, its fields written back as read)."""
    tail = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            if _SURROGATE_BYTES.search(tail + block):
                return True
            tail = block[-5:]
    return False


def _features(path: Path, surrogates: bool) -> Iterator[Any]:
    """The collection's features, by ijson's C parser; from the first number it cannot
    hold (an integer beyond 64 bits, such as a long permit number) on — or from the start
    when the file spells surrogates — by its pure-Python parser, which holds any integer
    Python can and any string JSON can spell."""
    import ijson

    done = 0
    with open_json(path) as fh:
        if surrogates:
            yield from ijson.get_backend("python").items(fh, "features.item", use_float=True)
            return
        try:
            for feature in ijson.items(fh, "features.item", use_float=True):
                done += 1
                yield feature
            return
        except ijson.JSONError as exc:
            if "integer overflow" not in _json_reason(exc):
                raise
    with open_json(path) as fh:
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

    with open_json(path) as fh:
        for prefix, event, _ in ijson.get_backend("python").parse(fh, use_float=True):
            if prefix == "features":
                return event == "start_array"
    return False


def _feature_chunk(features: list[Any], start: int, surrogates: bool) -> Chunk:
    records: list[dict[str, Any]] = []
    geoms: dict[int, Any] = {}
    errors: dict[int, Text] = {}
    for i, feature in enumerate(features):
        if too_deep(feature):
            records.append({})
            errors[i] = TOO_DEEP
            continue
        records.append(properties(feature))
        geom, error = _feature_geometry(feature)
        if geom is not None:
            geoms[i] = geom
        if surrogates and has_lone_surrogate(records[-1]):
            error = LONE_SURROGATE
        if error:
            errors[i] = error
    lines = list(range(start + 1, start + 1 + len(records)))
    return replace(chunk_from_records(records, lines, errors, geoms), features=True)


def _feature_geometry(feature: Any) -> tuple[Any, Text | None]:
    """The feature's shape, or why it has none (the zones file's own parser)."""
    shape, problem = parse_geometry(feature.get("geometry") if isinstance(feature, dict) else None)
    return shape, problem[1] if problem else None




def geojson_fields(source: InputFile) -> list[str]:
    """Every property name of the collection's features, in order of first appearance."""
    import ijson

    names: dict[str, None] = {}
    try:
        for feature in _features(source.path, source.surrogates):
            names.update(dict.fromkeys(map(escape_surrogates, properties(feature))))
    except ijson.JSONError:
        pass
    return list(names)
