"""Excel (.xlsx) input, read row by row with openpyxl's read-only mode: memory stays at one
chunk, and "第 N 行" is the row number Excel shows. The header is the first row with a value
(rows above it are skipped, as blank lines before a CSV header); the rows Excel keeps after
a table (formatted but empty) are not rows; an empty row inside the table is one."""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa

from ...errors import InputError
from ...text import Text
from .csv_reader import names_of
from .source import Chunk, InputFile


def sniff_xlsx(source: InputFile) -> None:
    """Check the workbook and the sheet, and read the header."""
    source.header, source.header_line = _header(source)


def xlsx_fields(source: InputFile) -> list[str] | None:
    return source.header


def xlsx_chunks(source: InputFile, chunk_rows: int) -> Iterator[Chunk]:
    if source.header is None:
        return
    width = len(source.header)
    with _sheet(source) as rows:
        values: list[list[str]] = []
        lines: list[int] = []
        errors: dict[int, Text] = {}
        blanks: list[int] = []  # empty rows not yet known to lie inside the table
        for number, row in enumerate(rows, start=1):
            if number <= source.header_line:
                continue
            cells = [_text(v) for v in row]
            if not any(c.strip() for c in cells):
                blanks.append(number)
                continue
            for blank in blanks:  # a row follows: the empty rows were inside the table
                values.append([""] * width)
                lines.append(blank)
            blanks.clear()
            used = len(cells)
            while used > width and not cells[used - 1].strip():
                used -= 1
            if used > width:  # as a CSV row with more fields than its header: never dropped
                errors[len(values)] = Text(f"该行有 {used} 个单元格有内容，表头只有 {width} 列",
                                           f"row has values in {used} cells; the header has {width}")
            values.append(cells[:width] + [""] * (width - len(cells)))
            lines.append(number)
            if len(values) >= chunk_rows:
                yield _chunk(source.header, values, lines, errors)
                values, lines, errors = [], [], {}
        if values:
            yield _chunk(source.header, values, lines, errors)


def _chunk(header: list[str], values: list[list[str]], lines: list[int],
           errors: dict[int, Text]) -> Chunk:
    columns = list(zip(*values, strict=True)) if values else [()] * len(header)
    table = pa.table({name: pa.array(column, type=pa.string())
                      for name, column in zip(header, columns, strict=True)})
    return Chunk(table, np.array(lines, dtype=np.int64), errors=errors)


def _header(source: InputFile) -> tuple[list[str] | None, int]:
    with _sheet(source) as rows:
        for number, row in enumerate(rows, start=1):
            cells = [_text(v) for v in row]
            if any(c.strip() for c in cells):
                while cells and not cells[-1].strip():
                    cells.pop()
                return names_of(cells), number
    return None, 1


@contextmanager
def _sheet(source: InputFile) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows of the chosen sheet (``source.sheet``, else the first visible worksheet) as
    value tuples. A workbook that fails while it is read — damaged XML, a missing part, a
    broken zip member, entity tricks (refused by defusedxml) — is an InputError, whenever
    the failure comes."""
    try:
        with _opened(source) as rows:
            yield rows
    except InputError:
        raise
    except _BROKEN as exc:
        raise InputError(f"Excel 文件 {source.path} 已损坏或不是正常的工作簿（{type(exc).__name__}）。"
                         f"{_SAVE_AGAIN.zh}",
                         f"the Excel file {source.path} is damaged or not a normal workbook "
                         f"({type(exc).__name__}). {_SAVE_AGAIN.en}") from exc


@contextmanager
def _opened(source: InputFile) -> Iterator[Iterator[tuple[Any, ...]]]:
    import openpyxl  # only Excel input needs it
    from openpyxl.utils.exceptions import InvalidFileException

    raw = source.path.open("rb")  # a file, not a name: openpyxl judges names by extension
    try:
        book = openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raw.close()
        raise InputError(f"无法读取 Excel 文件 {source.path}：{exc}。请在 Excel 中另存为 .xlsx 或“CSV UTF-8”",
                         f"cannot read the Excel file {source.path}: {exc}. Save it again from "
                         "Excel as .xlsx or 'CSV UTF-8'") from exc
    try:
        names = book.sheetnames
        if source.sheet is not None and source.sheet not in names:
            raise InputError(f"工作簿中没有工作表 {source.sheet!r}；有：{'、'.join(names)}",
                             f"the workbook has no sheet {source.sheet!r}; it has: "
                             f"{', '.join(names)}")
        visible = [s for s in book.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
        if source.sheet is None and not visible:
            raise InputError("工作簿中没有可见的工作表", "the workbook has no visible worksheet")
        sheet = book[source.sheet] if source.sheet is not None else visible[0]
        yield sheet.iter_rows(values_only=True)
    finally:
        book.close()
        raw.close()


_SAVE_AGAIN = Text("请在 Excel 中打开并另存为 .xlsx 或“CSV UTF-8”后再试。",
                   "Open it in Excel and save it again as .xlsx or 'CSV UTF-8'.")
# What openpyxl and the libraries under it raise on a damaged or hostile workbook.
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, ValueError,
           TypeError, AttributeError, SyntaxError, OSError)  # XML ParseError is a SyntaxError


def _text(value: Any) -> str:
    """A cell as the text a CSV export would hold: numbers without a spurious '.0', a date
    (a date-time at midnight) as ISO date, other date-times in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
