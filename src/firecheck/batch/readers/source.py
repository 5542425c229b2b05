"""What the readers hand on: the input file (:class:`InputFile`) and its rows in chunks
(:class:`Chunk`), every field as text with its line (or feature) number."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ...text import Text

NUL_LINE = Text("该行只有 NUL 字节", "the line holds only NUL bytes")


@dataclass
class Chunk:
    """A slice of input rows: text fields, line numbers, optional geometries and errors."""

    table: pa.Table
    lines: np.ndarray  # int64 line (or feature) number of each row
    geometry: dict[int, Any] = field(default_factory=dict)  # row -> lon/lat shapely geometry
    errors: dict[int, Text] = field(default_factory=dict)  # row -> why it cannot be used
    extra: list[dict[str, Any]] | None = None  # JSON input: the original objects
    features: bool = False  # GeoJSON: `lines` number features, not lines

    @property
    def rows(self) -> int:
        return len(self.lines)

    def where(self, row: int, why: Text) -> Text:
        """``why`` prefixed with the row's line (or feature) number."""
        line = int(self.lines[row])
        if self.features:
            return why.prefixed(f"第 {line} 个要素：", f"feature {line}: ")
        return why.prefixed(f"第 {line} 行：", f"line {line}: ")


@dataclass
class InputFile:
    """An input file (stdin or a file object is spooled to a temporary file first), its
    format and what was sniffed."""

    path: Path
    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    bom: bool = False
    cr_only: bool = False  # classic Mac line ends: only the tolerant reader handles them
    header: list[str] | None = None  # CSV: the header row (None for an empty file)
    size: int = 0
    cleanup: list[Path] = field(default_factory=list)
    state: tuple[int, ...] = ()  # device, inode, size, mtime when opened
    header_line: int = 1  # CSV: the line the header is on (blank lines may come first)
    surrogates: bool = False  # GeoJSON: the file spells surrogate escapes (\ud800)
    sheet: str | None = None  # xlsx: the sheet to read (None: the first)
