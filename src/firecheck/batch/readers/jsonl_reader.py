"""JSON Lines input: one object per line, read in chunks; a line that is not a usable
object is that row's error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...text import Text
from .json_records import chunk_from_records, json_object, open_json
from .source import Chunk, InputFile


def jsonl_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    with source.path.open("rb") as fh:
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        errors: dict[int, Text] = {}
        for number, raw in enumerate(fh, start=1):
            text = _json_line(raw)
            if not text:
                continue
            value, error = json_object(text)
            if error:
                errors[len(records)] = error
            records.append(value)
            lines.append(number)
            if len(records) >= chunk_rows:
                yield chunk_from_records(records, lines, errors, {})
                records, lines, errors = [], [], {}
        if records:
            yield chunk_from_records(records, lines, errors, {})


def _json_line(raw: bytes) -> str:
    """One JSON Lines line as text: broken bytes replaced, NULs, BOM and blanks dropped."""
    return raw.decode("utf-8", errors="replace").replace("\0", "").strip().lstrip("\ufeff")




def jsonl_fields(source: InputFile) -> list[str]:
    """Every field name of the file, in order of first appearance (a first pass;
    unreadable lines are left to the reading pass to report)."""
    names: dict[str, None] = {}
    with open_json(source.path) as fh:
        for raw in fh:
            value, _ = json_object(_json_line(raw))
            names.update(dict.fromkeys(value))
    return list(names)
