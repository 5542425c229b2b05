"""JSON Lines input: one object per line, read in chunks; a line that is not a usable
object is that row's error. Lines end at LF (CRLF too), or at CR in a file whose lines end
in CR alone, told as for CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from ...text import Text
from ...unicode import escape_surrogates
from .csv_reader import cr_only
from .json_records import chunk_from_records, json_object, open_json
from .source import NUL_LINE, Chunk, InputFile

_BLOCK = 1 << 20


def jsonl_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    with open_json(source.path) as fh:
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        errors: dict[int, Text] = {}
        for number, raw in enumerate(_lines(fh), start=1):
            text = _json_line(raw)
            if not text:
                if b"\0" not in raw:
                    continue  # an empty line is not a row; a line of NULs is one
                value, error = {}, NUL_LINE
            else:
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


def _lines(fh: BinaryIO) -> Iterator[bytes]:
    """The file's lines: split at LF, or at CR when lone CRs outnumber LFs in its first
    MiB (a raw CR cannot be inside a JSON string, so it only ever ends a line there)."""
    start = fh.tell()
    head = fh.read(_BLOCK)
    fh.seek(start)
    if not cr_only(head):
        yield from fh
        return
    carry = b""
    while block := fh.read(_BLOCK):
        *whole, carry = (carry + block).split(b"\r")
        yield from whole
    if carry:
        yield carry


def _json_line(raw: bytes) -> str:
    """One JSON Lines line as text: broken bytes replaced, NULs, BOM and blanks dropped."""
    return raw.decode("utf-8", errors="replace").replace("\0", "").strip().lstrip("\ufeff")


def jsonl_fields(source: InputFile) -> list[str]:
    """Every field name of the file, in order of first appearance (a first pass;
    unreadable lines are left to the reading pass to report)."""
    names: dict[str, None] = {}
    with open_json(source.path) as fh:
        for raw in _lines(fh):
            value, _ = json_object(_json_line(raw))
            names.update(dict.fromkeys(map(escape_surrogates, value)))
    return list(names)
