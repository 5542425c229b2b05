"""CSV input: sniffing, and reading in chunks.

pyarrow reads the file when it is well formed (encoding and delimiter sniffed; UTF-8 with or
without BOM, or GB18030/GBK as Chinese Excel writes it); from the first block it refuses
(ragged rows, broken bytes, blank lines), the standard csv module reads on, keeping every row
and reporting what was wrong with it. Both split records alike, so none is lost or repeated.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from ...text import Text
from .source import Chunk, InputFile

_SNIFF_BYTES = 1 << 20
_MAX_FIELD = 1 << 30  # the csv module's default 128 KiB limit would reject long notes


def sniff_csv(source: InputFile) -> None:
    """Set the file's encoding, BOM, delimiter and line-end style from its first MiB, and
    read its header."""
    with source.path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        source.encoding, source.bom, head = "utf-8", True, head[3:]
    else:
        try:
            head.decode("utf-8")
            source.encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the sniff boundary is still UTF-8.
            source.encoding = "utf-8" if exc.start >= len(head) - 3 else "gb18030"
    # Lines end mostly in CR alone (classic Mac; an LF here and there is data in quotes).
    source.cr_only = head.count(b"\r") - head.count(b"\r\n") > head.count(b"\n")
    text = head.decode(source.encoding, errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    source.delimiter = max(counts, key=counts.__getitem__) if any(counts.values()) else ","
    source.header = csv_header(source)


class _Fallback(Exception):
    """pyarrow cannot read this CSV as it is; use the tolerant reader."""


def csv_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    header = source.header
    if header is None:
        return
    done = 0
    try:
        if source.cr_only:
            raise _Fallback
        for chunk in _arrow_csv(source, header, chunk_rows):
            done += chunk.rows
            yield chunk
    except _Fallback:
        yield from _python_csv(source, header, chunk_rows, skip=done)


def csv_fields(source: InputFile) -> list[str] | None:
    """The header read when the file was sniffed."""
    return source.header


def csv_header(source: InputFile) -> list[str] | None:
    """The CSV header row with empty names filled in and duplicates numbered."""
    with _text(source) as fh:
        row = next(csv.reader(fh, delimiter=source.delimiter), None)
    if row is None:
        return None
    names: list[str] = []
    for i, name in enumerate(row):
        name = name.strip() or f"column_{i + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}.{n}", n + 1
        names.append(name)
    return names


def _text(source: InputFile) -> io.TextIOWrapper:
    encoding = "utf-8-sig" if source.bom else source.encoding
    return open(source.path, encoding=encoding, errors="replace", newline="")


def _arrow_csv(source: InputFile, header: list[str], chunk_rows: int) -> Iterator[Chunk]:
    """pyarrow parses blocks of whole lines that we cut ourselves: memory stays at one
    block, and the line number of every row is known. Any malformed row → _Fallback."""
    state = {"bad": False}

    def invalid(_row: Any) -> str:
        state["bad"] = True
        return "skip"

    read = pcsv.ReadOptions(column_names=header, encoding=source.encoding, use_threads=True,
                            block_size=1 << 20)
    parse = pcsv.ParseOptions(delimiter=source.delimiter, invalid_row_handler=invalid,
                              newlines_in_values=False, ignore_empty_lines=True)
    convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in header},
                                  strings_can_be_null=False, quoted_strings_can_be_null=False)
    line = 2
    for block in _line_blocks(source.path, max(1 << 16, chunk_rows * 48)):
        if source.encoding == "utf-8" and not is_utf8(block):
            raise _Fallback  # pyarrow would choke inside its bad-row callback on it
        if block.count(b'"') % 2:
            raise _Fallback  # cut inside a quoted field (pyarrow would close it there)
        try:
            table = pcsv.read_csv(pa.py_buffer(block), read_options=read, parse_options=parse,
                                  convert_options=convert)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _Fallback from exc
        if state["bad"] or table.num_rows != block.count(b"\n") + (not block.endswith(b"\n")):
            raise _Fallback
        table = _drop_empty_chunks(table)
        yield Chunk(table, np.arange(line, line + table.num_rows, dtype=np.int64))
        line += table.num_rows


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (Arrow's validator: 4× faster than decoding)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _drop_empty_chunks(table: pa.Table) -> pa.Table:
    """pyarrow's CSV reader can return an empty first chunk (for a row longer than its
    parse block) that its CSV writer then renders as garbage bytes: drop such chunks."""
    if all(len(chunk) for column in table.columns for chunk in column.chunks):
        return table
    return pa.table({name: pa.chunked_array([c for c in column.chunks if len(c)], column.type)
                     for name, column in zip(table.column_names, table.columns, strict=True)})


def _line_blocks(path: Path, size: int) -> Iterator[bytes]:
    """The file after its header line, in blocks of about ``size`` bytes cut at newlines.
    A header that is not one plain line (a quoted newline, a bare CR) → _Fallback."""
    with path.open("rb") as fh:
        header = fh.readline()
        if header.count(b'"') % 2 or b"\r" in header.rstrip(b"\r\n"):
            raise _Fallback
        carry = b""
        while block := fh.read(size):
            data = carry + block
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1:]
            yield data[:cut + 1]
        if carry:
            yield carry


def _python_csv(source: InputFile, header: list[str], chunk_rows: int,
                skip: int) -> Iterator[Chunk]:
    """The tolerant reader, for the records after the header and the ``skip`` that pyarrow
    gave: short rows are padded, long rows cut, NULs dropped, each reported on its row.
    Records end at CR, LF or CRLF, as for pyarrow, and an empty line is not one (for either
    reader; a line of empty fields is), so the two count alike. Line numbers count LFs (CRs
    in a CR file), as pyarrow's do."""
    width = len(header)
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_FIELD))
    line = [1]  # the line the csv reader's last piece was on

    def pieces(fh: io.TextIOWrapper) -> Iterator[str]:
        number = 1
        for piece in fh:  # newline="": split at CR, LF and CRLF, kept
            line[0] = number
            yield piece.replace("\0", "")
            number += piece.endswith("\n") or source.cr_only

    with _text(source) as fh:
        rows = csv.reader(pieces(fh), delimiter=source.delimiter)
        columns: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        errors: dict[int, Text] = {}
        records = 0
        while True:
            error = None
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                row, error = [""] * width, Text(f"无法读取的行：{exc}", f"unreadable row: {exc}")
            if not row:
                continue
            records += 1
            if records <= 1 + skip:  # the header, then the rows pyarrow gave
                continue
            if len(row) != width:
                error = error or Text(f"该行有 {len(row)} 个字段，表头有 {width} 个",
                                      f"row has {len(row)} fields, the header has {width}")
                row = (row + [""] * width)[:width]
            if any("\ufffd" in cell for cell in row):
                error = error or Text(f"该行含有无法按 {source.encoding} 解码的字节",
                                      f"row contains bytes that are not valid {source.encoding}")
            for column, cell in zip(columns, row, strict=True):
                column.append(cell)
            if error:
                errors[len(lines)] = error
            lines.append(line[0])
            if len(lines) >= chunk_rows:
                yield _chunk_from_columns(header, columns, lines, errors)
                columns, lines, errors = [[] for _ in header], [], {}
        if lines:
            yield _chunk_from_columns(header, columns, lines, errors)


def _chunk_from_columns(header: list[str], columns: list[list[str]], lines: list[int],
                        errors: dict[int, Text]) -> Chunk:
    table = pa.table({name: pa.array(col, type=pa.string())
                      for name, col in zip(header, columns, strict=True)})
    return Chunk(table, np.array(lines, dtype=np.int64), errors=errors)
