"""What JSON Lines and GeoJSON input share: one JSON object per row, checked (finite
numbers, bounded nesting, no lone surrogates), every field kept as text, and the original
objects kept for JSON output.

JSON may spell a lone surrogate (``"\\ud800"``), which no UTF-8 file can hold: such a row
is an error row that keeps its fields; the text columns hold the escape as text, and JSON
output writes it back as the escape it was read from."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from ...parse.localtime import date_text
from ...text import Text
from ...unicode import SURROGATE_ESCAPE, escape_surrogates, has_lone_surrogate
from .source import Chunk

_MAX_DEPTH = 64  # JSON nesting levels a row may have (GeoJSON needs 7)
TOO_DEEP = Text(f"JSON 嵌套超过 {_MAX_DEPTH} 层", f"JSON nested more than {_MAX_DEPTH} levels deep")
LONE_SURROGATE = Text("含有孤立的代理码位（如 \\ud800），不是有效的 Unicode",
                      "holds a lone surrogate (such as \\ud800), which is not valid Unicode")


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
    if too_deep(value):
        return {}, TOO_DEEP
    if SURROGATE_ESCAPE.search(text) and has_lone_surrogate(value):
        return value, LONE_SURROGATE
    return value, None


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


def open_json(path: Path) -> BinaryIO:
    """The file opened for reading, after its UTF-8 BOM if it has one."""
    fh = path.open("rb")
    if fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)
    return fh


def chunk_from_records(records: list[dict[str, Any]], lines: list[int],
                        errors: dict[int, Text], geoms: dict[int, Any]) -> Chunk:
    names = list(dict.fromkeys(k for r in records for k in r))
    columns = {n: [_text_of(r.get(n)) for r in records] for n in names}
    if any(e is LONE_SURROGATE for e in errors.values()):
        rows = [row for row, e in errors.items() if e is LONE_SURROGATE]
        columns = {escape_surrogates(n): values for n, values in columns.items()}
        for values in columns.values():
            for row in rows:
                if values[row] is not None:
                    values[row] = escape_surrogates(values[row])
    table = pa.table({n: pa.array(values, type=pa.string()) for n, values in columns.items()})
    return Chunk(table, np.array(lines, dtype=np.int64), geoms, errors, records)


def python_record(row: Mapping[Any, Any]) -> tuple[dict[str, str | None], Text | None]:
    """A row from Python (``check_rows``) as a file's row holds it — each key and value as
    text (:func:`_text_of`) — and why it cannot be used, if it cannot: a value that has no
    text (its ``__str__`` raises, an integer of 5,000 digits, a structure nested past
    Python's recursion) or holds a lone surrogate. Only that row is lost."""
    texts: dict[str, str | None] = {}
    for key, value in row.items():
        try:
            name = key if isinstance(key, str) else _text_of(key) or ""
            texts[name] = _text_of(value)
        except Exception as exc:  # whatever an object's own methods raise: that row's error
            what = str(key) if isinstance(key, str) else "?"
            reason = f"{type(exc).__name__}: {exc}"[:200]
            return texts, Text(f"字段 {what} 的值无法读取（{reason}）",
                               f"the value of {what} cannot be read ({reason})")
    if has_lone_surrogate(texts):
        return texts, LONE_SURROGATE
    return texts, None


def _text_of(value: Any) -> str | None:
    """A field's value as the text a file would hold: JSON's own values as JSON writes
    them; from Python also a date (ISO) or date-time (its local date, Asia/Shanghai, when
    it is aware), anything else JSON cannot write (a numpy integer, a Decimal) as ``str``,
    and what pandas and numpy use for a missing value (NaN, NaT, NA) as none."""
    if value is None or _missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return date_text(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # not JSON's (ValueError: a circular structure)
        return str(value)


def _missing(value: Any) -> bool:
    """NaN (float, numpy), pandas' NaT and NA, numpy's NaT: a missing value."""
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__name__ in ("NaTType", "NAType"):  # pandas, not imported for this
        return True
    return isinstance(value, (np.datetime64, np.timedelta64)) and bool(np.isnat(value))
