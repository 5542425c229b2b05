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
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from ...errors import InputError
from ...text import Text
from .source import NUL_LINE, Chunk, InputFile

_SNIFF_BYTES = 1 << 20
_MAX_FIELD = 1 << 30  # the csv module's default 128 KiB limit would reject long notes
_UTF8_FFFD = "\ufffd".encode()
_GB_FFFD = "\ufffd".encode("gb18030")
_UTF8_LEADS = bytes(range(0xC0, 0x100))  # a non-ASCII UTF-8 character starts with one
# Characters of three or four bytes in UTF-8 (written as a negated class: the range
# U+0800..U+10FFFF takes re 8 ms to compile, on every batch).
_WIDE = re.compile("[^\x00-\u07ff]")


def sniff_csv(source: InputFile) -> None:
    """Set the file's encoding (from all of it), BOM, delimiter and line-end style (from
    its first MiB), and read its header."""
    with source.path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        source.encoding, source.bom, head = "utf-8", True, head[3:]
    else:
        source.encoding = file_encoding(source.path)
    # Lines end mostly in CR alone (classic Mac; an LF here and there is data in quotes).
    source.cr_only = cr_only(head)
    text = head.decode(source.encoding, errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    source.delimiter = max(counts, key=counts.__getitem__) if any(counts.values()) else ","
    source.header = csv_header(source)


def cr_only(head: bytes) -> bool:
    """Whether lines end in CR alone: lone CRs outnumber LFs (an LF here and there is data
    in quotes)."""
    return head.count(b"\r") - head.count(b"\r\n") > head.count(b"\n")


def file_encoding(path: Path) -> str:
    """UTF-8 or GB18030 (Chinese Excel's), from evidence in the whole file, not its start:
    UTF-8 unless GB18030 reads the bytes that are not UTF-8 with fewer errors than UTF-8
    does and they outnumber the file's well-formed non-ASCII UTF-8 characters. A stray
    byte in a UTF-8 file is then that row's error; a GB18030 file whose first MiB is ASCII
    is still GB18030. A valid UTF-8 file costs one read and Arrow's validator."""
    invalid = {start for start, block in _blocks_at_line_ends(path)
               if not block.isascii() and not is_utf8(block)}
    if not invalid:
        return "utf-8"
    utf8_bad = gb_bad = utf8_chars = 0
    for start, block in _blocks_at_line_ends(path):
        if start not in invalid:
            utf8_chars += len(block) - len(block.translate(None, _UTF8_LEADS))
            continue
        as_utf8 = block.decode("utf-8", "replace")
        replaced = as_utf8.count("\ufffd")
        utf8_bad += replaced - block.count(_UTF8_FFFD)
        # This block's well-formed characters of three bytes or more count too (a small file
        # is one block): Chinese in UTF-8 is, and a GB18030 pair that happens to read as
        # UTF-8 (扫墓 as "ɨĹ": 14% of common characters) is of two.
        utf8_chars += _WIDE.subn("", as_utf8)[1] - replaced
        gb_bad += block.decode("gb18030", "replace").count("\ufffd") - block.count(_GB_FFFD)
    return "gb18030" if utf8_bad > gb_bad and utf8_bad > utf8_chars else "utf-8"


def _blocks_at_line_ends(path: Path) -> Iterator[tuple[int, bytes]]:
    """(offset, block): the file in blocks of about a MiB, each cut after an LF or CR —
    neither byte occurs inside a character of UTF-8 or GB18030, so none is split."""
    with path.open("rb") as fh:
        start = 0
        while data := fh.read(_SNIFF_BYTES):
            cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if 0 <= cut < len(data) - 1 and len(data) == _SNIFF_BYTES:
                fh.seek(start + cut + 1)  # the rest starts the next block
                data = data[:cut + 1]
            yield start, data
            start += len(data)


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
    """The CSV header row — the first record with a name in it (blank lines before it are
    skipped) — with empty names filled in and duplicates numbered; None for a file without
    one. A quote the header opens and never closes is an InputError (it would swallow the
    whole file)."""
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_FIELD))
    with _text(source) as fh:
        lines = _Lines(fh, source.cr_only)
        reader = csv.reader(lines, delimiter=source.delimiter, strict=True)
        try:
            row = next((r for r in reader if not _blank(r)), None)
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc):
                return _lenient_header(source)
            line = lines.first_of_record
            raise InputError(f"{source.path.name}：表头（第 {line} 行）的引号没有闭合",
                             f"{source.path.name}: the header (line {line}) opens a quote "
                             "that is never closed") from exc
        source.header_line = lines.first_of_record
    return None if row is None else names_of(row)


def _lenient_header(source: InputFile) -> list[str] | None:
    """The header as the csv module reads it without strict quoting (``"a"b`` → ``ab``)."""
    with _text(source) as fh:
        lines = _Lines(fh, source.cr_only)
        row = next((r for r in csv.reader(lines, delimiter=source.delimiter)
                    if not _blank(r)), None)
        source.header_line = lines.first_of_record
    return None if row is None else names_of(row)


def _blank(row: list[str]) -> bool:
    """A record with nothing in it (before the header: not the header)."""
    return not any(cell.strip() for cell in row)


def names_of(row: list[str]) -> list[str]:
    """Header names: empty ones filled in (column_N), duplicates numbered (a.2)."""
    names: list[str] = []
    for i, name in enumerate(row):
        name = name.strip() or f"column_{i + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}.{n}", n + 1
        names.append(name)
    return names


class _Lines:
    """The pieces of a text file (split at CR, LF and CRLF, kept) for the csv module, with
    the line number of each as pyarrow counts lines (LFs; CRs in a CR file), the line the
    current record began on, and whether the last piece held only NUL bytes. NULs are
    dropped (the csv module would keep them in the field)."""

    def __init__(self, fh: io.TextIOWrapper, cr_only: bool) -> None:
        self.fh, self.cr_only = fh, cr_only
        self.number = 0  # the line the last piece was on
        self.first_of_record = 1
        self.nul_line = False
        self._next = 1
        self._open = False  # inside a record that spans pieces

    def __iter__(self) -> Iterator[str]:
        for piece in self.fh:
            self.number = self._next
            self._next += piece.endswith("\n") or self.cr_only
            if "\0" in piece:
                bare = piece.replace("\0", "")
                self.nul_line = not bare.strip("\r\n")
                piece = bare
            else:
                self.nul_line = False
            if not self._open:
                self.first_of_record = self.number
            self._open ^= piece.count('"') % 2 == 1
            yield piece


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
    # Every block is valid UTF-8 when parsed: checked below, or decoded from its encoding.
    convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in header},
                                  strings_can_be_null=False, quoted_strings_can_be_null=False,
                                  check_utf8=False)
    line = source.header_line + 1
    for block in _line_blocks(source.path, source.header_line, max(1 << 16, chunk_rows * 48)):
        if source.encoding == "utf-8" and not is_utf8(block):
            raise _Fallback  # pyarrow would choke inside its bad-row callback on it
        view = np.frombuffer(block, dtype=np.uint8)
        if _count(view, b'"') % 2:
            raise _Fallback  # cut inside a quoted field (pyarrow would close it there)
        try:
            table = pcsv.read_csv(pa.py_buffer(block), read_options=read, parse_options=parse,
                                  convert_options=convert)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _Fallback from exc
        if state["bad"] or table.num_rows != _count(view, b"\n") + (block[-1:] != b"\n"):
            raise _Fallback
        table = _drop_empty_chunks(table)
        yield Chunk(table, np.arange(line, line + table.num_rows, dtype=np.int64))
        line += table.num_rows


def _count(view: np.ndarray, byte: bytes) -> int:
    """How often ``byte`` occurs in ``view`` (bytes as uint8): a quarter of the time of
    bytes.count, which holds the GIL while it scans."""
    return int(np.count_nonzero(view == byte[0]))


def is_utf8(data: bytes | memoryview) -> bool:
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


def _line_blocks(path: Path, header_line: int, size: int) -> Iterator[memoryview]:
    """The file after its header line (line ``header_line``), in blocks of about ``size``
    bytes cut at newlines. Each block is a view of one buffer that the next block reads
    into (pyarrow's parse copies what it keeps), so no block is allocated or copied: a
    new 2 MB bytes object per read and per cut cost the reading thread ~5 ms a block under
    the GIL. A header that is not one plain line (a quoted newline, a bare CR) → _Fallback."""
    with path.open("rb") as fh:
        for _ in range(header_line - 1):  # blank lines before the header
            fh.readline()
        header = fh.readline()
        if header.count(b'"') % 2 or b"\r" in header.rstrip(b"\r\n"):
            raise _Fallback
        buf = bytearray(size)
        tail = 0  # the start of an unfinished line, at the front of buf
        while True:
            if tail == len(buf):  # a line longer than the buffer: a larger one
                grown = bytearray(2 * len(buf))
                grown[:tail] = buf
                buf = grown
            count = fh.readinto(memoryview(buf)[tail:])
            if not count:
                break
            end = tail + count
            cut = buf.rfind(b"\n", 0, end)
            if cut < 0:
                tail = end
                continue
            yield memoryview(buf)[:cut + 1]
            tail = end - cut - 1
            buf[:tail] = buf[cut + 1:end]
        if tail:
            yield memoryview(buf)[:tail]


def _python_csv(source: InputFile, header: list[str], chunk_rows: int,
                skip: int) -> Iterator[Chunk]:
    """The tolerant reader, for the records after the header and the ``skip`` that pyarrow
    gave: short rows are padded, long rows cut, NULs dropped, each reported on its row.
    Records end at CR, LF or CRLF, as for pyarrow, and an empty line is not one (for either
    reader; a line of empty fields is, and so is a line of NUL bytes), so the two count
    alike. Line numbers count LFs (CRs in a CR file), as pyarrow's do."""
    width = len(header)
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_FIELD))
    with _text(source) as fh:
        pieces = _Lines(fh, source.cr_only)
        rows = csv.reader(pieces, delimiter=source.delimiter)
        columns: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        errors: dict[int, Text] = {}
        records = -1  # the header is record 0
        while True:
            error = None
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                row, error = [""] * width, Text(f"无法读取的行：{exc}", f"unreadable row: {exc}")
            if records < 0:  # blank records before the header, then the header
                records += not _blank(row)
                continue
            if not row:
                if not pieces.nul_line:
                    continue
                row, error = [""] * width, NUL_LINE
            records += 1
            if records <= skip:  # the rows pyarrow gave
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
            lines.append(pieces.number)
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
