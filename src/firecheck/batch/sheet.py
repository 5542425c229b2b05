"""The result table as an Excel workbook an official can filter: a bold header row, frozen
under the header, an autofilter over every column, column widths that fit, and each
status coloured (禁止 red, 须经批准 amber, 无法确定 grey, 未禁止 green, 错误 marked).

openpyxl's write-only mode streams rows to disk, so memory stays at one chunk whatever the
number of rows (see the README's Design section for openpyxl against python-calamine).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pyarrow as pa

_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?")  # not 007, not an ID number
_MAX_WIDTH = 60
_MAX_CELL = 32_767  # Excel's limit of characters in a cell
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")  # not allowed in a cell's XML
_SAMPLE_ROWS = 200
_SLICE_ROWS = 2_000  # rows made into cells at once
FILLS = {"prohibited": "FFC7CE", "permit_required": "FFEB9C", "uncertain": "D9D9D9",
         "allowed": "C6EFCE", "error": "F4B084"}  # the statuses' fills (Excel's own palette)


class FormulaText(str):
    """Text that must stay text in a cell although it starts like a formula ('=…')."""


def sheet_rows(table: pa.Table) -> list[list[Any]]:
    """The rows of a chunk as cell values: text that is a plain decimal number becomes a
    number (so a sheet can sort and filter coordinates), other text stays text — never a
    formula, whatever it starts with; characters a cell cannot hold become U+FFFD."""
    columns = []
    for column in table.columns:
        values = column.to_pylist()
        if pa.types.is_string(column.type):
            values = [_cell(v) for v in values]
        columns.append(values)
    return [list(row) for row in zip(*columns, strict=True)]


def _cell(value: str | None) -> Any:
    if value is None or value == "":
        return None
    if _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    if _UNSAFE.search(value):
        value = _UNSAFE.sub("\ufffd", value)
    if len(value) > _MAX_CELL:
        value = value[:_MAX_CELL - 1] + "…"
    return FormulaText(value) if value.startswith("=") else value


def _width(value: Any) -> int:
    text = str(value) if value is not None else ""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ExcelSheet:
    """One worksheet being written; ``colours`` is the status column and the fill of each
    status value it holds."""

    def __init__(self, colours: tuple[str, dict[str, str]] | None) -> None:
        from openpyxl import Workbook  # only xlsx output needs it

        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("firecheck")
        self.colours = colours
        self.names: list[str] | None = None
        self.rows = 0

    def append(self, names: list[str], table: pa.Table) -> None:
        """Add a chunk's rows, a slice at a time; the first call writes the header, sized to
        it and to the first rows."""
        for start in range(0, max(table.num_rows, 1), _SLICE_ROWS):
            rows = sheet_rows(table.slice(start, _SLICE_ROWS))
            if self.names is None:
                self._header(names, rows)
            for row in rows:
                if any(type(v) is FormulaText for v in row):
                    row = [self._text(v) if type(v) is FormulaText else v for v in row]
                self.sheet.append(row)
            self.rows += len(rows)

    def _text(self, value: str) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.sheet, value=str(value))
        cell.data_type = "s"  # stored as text: openpyxl makes '=…' a formula otherwise
        return cell

    def _header(self, names: list[str], rows: list[list[Any]]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        self.names = names
        for i, name in enumerate(names):
            widest = max([_width(name), *(_width(r[i]) for r in rows[:_SAMPLE_ROWS])])
            self.sheet.column_dimensions[get_column_letter(i + 1)].width = min(
                _MAX_WIDTH, widest + 2)
        self.sheet.freeze_panes = "A2"
        # Printed, as offices do: A4 landscape, the header row on every page (fitting all
        # columns on one page width would shrink the words past reading).
        self.sheet.page_setup.orientation = "landscape"
        self.sheet.page_setup.paperSize = "9"  # A4
        self.sheet.print_title_rows = "1:1"
        cells = []
        for name in names:
            cell = WriteOnlyCell(self.sheet, value=name)
            cell.data_type = "s"  # a header name is text, whatever it starts with
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(vertical="center")
            cells.append(cell)
        self.sheet.append(cells)

    def save(self, path: Path) -> None:
        """Add the autofilter and the status colours, and write the workbook."""
        from openpyxl.formatting.rule import FormulaRule
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        names = self.names or []
        if names:
            last = get_column_letter(len(names))
            self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        if self.colours is not None and self.colours[0] in names and self.rows:
            column = get_column_letter(names.index(self.colours[0]) + 1)
            cells = f"{column}2:{column}{self.rows + 1}"
            for value, fill in self.colours[1].items():
                self.sheet.conditional_formatting.add(cells, FormulaRule(
                    formula=[f'${column}2="{value}"'], stopIfTrue=True,
                    fill=PatternFill("solid", bgColor=fill), font=Font(bold=True)))
        self.book.save(path)
