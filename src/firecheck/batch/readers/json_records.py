"""What JSON Lines and GeoJSON input share: one JSON object per row, checked (finite
numbers, bounded nesting), every field kept as text, and the original objects kept for
JSON output."""

from __future__ import annotations

import codecs
import json
import math
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from ...text import Text
from .source import Chunk

_MAX_DEPTH = 64  # JSON nesting levels a row may have (GeoJSON needs 7)
TOO_DEEP = Text(f"JSON 嵌套超过 {_MAX_DEPTH} 层", f"JSON nested more than {_MAX_DEPTH} levels deep")


def json_object(text: str) -> tuple[dict[str, Any], Text | None]:
    """One JSON Lines row: its object, or {} and why it cannot be used."""
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_finite)
    except json.JSONDecodeError as exc:
        return {}, Text(f"不是有效的 JSON：{exc.msg}", f"not valid JSON: {exc.msg}")
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return {}, Text(f"无法使用的 JSON：{exc}", f"not usable JSON: {exc}")
    except RecursionError:
        return {}, TOO_DEEP
    if not isinstance(value, dict):
        return {}, Text("该行是 JSON 但不是对象", "line is JSON but not an object")
    return (value, None) if not too_deep(value) else ({}, TOO_DEEP)


def _finite(text: str) -> float:
    """A JSON number that a float holds (not 1e400; not NaN or Infinity, which are not JSON
    and could not be written back as JSON)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def too_deep(value: Any) -> bool:
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


def properties(feature: Any) -> dict[str, Any]:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def open_json(path: Path) -> BinaryIO:
    """The file opened for reading, after its UTF-8 BOM if it has one."""
    fh = path.open("rb")
    if fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)
    return fh


def chunk_from_records(records: list[dict[str, Any]], lines: list[int],
                        errors: dict[int, Text], geoms: dict[int, Any]) -> Chunk:
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
