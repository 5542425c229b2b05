"""What a file is, from its first bytes: an Excel workbook whatever its name, UTF-16 text
(Excel's "Unicode text"), or something that is no table at all (a PDF, an image, an old
.xls) — refused with what to do instead, never read as garbage."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path
from typing import BinaryIO

from ...errors import InputError
from ...files import spool

_HEAD = 4096
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, .doc: the old Office container
_SIGNATURES = {  # first bytes -> what the file is
    b"%PDF": "PDF",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"\x1f\x8b": "gzip",
    b"7z\xbc\xaf": "7z",
    b"Rar!": "RAR",
    b"SQLite format 3\0": "SQLite",
    b"BM": "BMP",
}
_FIX = ("请在 Excel 中另存为 .xlsx 或“CSV UTF-8（逗号分隔）”后再试。",
        "Save it from Excel as .xlsx or 'CSV UTF-8 (comma delimited)' and try again.")


def file_head(path: Path) -> bytes:
    """The first bytes of a file, which tell what it is."""
    with path.open("rb") as fh:
        return fh.read(_HEAD)


def content_format(path: Path) -> str | None:
    """'xlsx' for an Excel workbook (a zip holding xl/), else None (the name decides)."""
    if not file_head(path).startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as book:
            if any(n.startswith("xl/") for n in book.namelist()):
                return "xlsx"
    except (zipfile.BadZipFile, OSError):
        pass
    return None


def refuse_binary(head: bytes, name: str) -> None:
    """An InputError naming what the file is (from its ``head``), when it is a known binary
    kind."""
    if head.startswith(_OLE):
        raise InputError(f"{name} 是旧版 Excel（.xls）或 WPS 文件，firecheck 不读取这种格式。{_FIX[0]}",
                         f"{name} is an old Excel (.xls) or WPS file, which firecheck does not "
                         f"read. {_FIX[1]}")
    kind = next((k for sig, k in _SIGNATURES.items() if head.startswith(sig)), None)
    if kind is None and head.startswith(b"PK\x03\x04"):
        kind = "zip"
    if kind is not None:
        raise InputError(f"{name} 是 {kind} 文件，不是 CSV、JSON 或 xlsx 表格。{_FIX[0]}",
                         f"{name} is a {kind} file, not a CSV, JSON or xlsx file. {_FIX[1]}")


def is_utf16(head: bytes) -> bool:
    """UTF-16 text: a UTF-16 byte-order mark, or (no mark) NUL bytes on one side of the
    byte pairs only, as the ASCII of UTF-16 text has them (digits, commas, line ends; no
    8-bit text has a NUL every other byte, and its CJK has none at all)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    pairs = len(head) // 2
    if pairs < 4:
        return False
    even, odd = head[0:pairs * 2:2].count(0), head[1:pairs * 2:2].count(0)
    return max(even, odd) >= 0.1 * pairs and min(even, odd) <= 0.01 * pairs


def utf16_to_utf8(path: Path, head: bytes) -> Path:
    """A private UTF-8 copy (with a BOM, so the output gets one too) of a UTF-16 file whose
    first bytes are ``head``; characters that do not decode become U+FFFD, and that row's
    fields show it."""
    low_first = head[1::2].count(0) > head[0::2].count(0)  # ASCII's NULs follow: little-endian
    encoding = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else (
        "utf-16-le" if low_first else "utf-16-be")

    def transcode(out: BinaryIO) -> None:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        out.write(codecs.BOM_UTF8)
        with path.open("rb") as raw:
            while block := raw.read(1 << 20):
                out.write(decoder.decode(block).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))

    return spool(".utf8.part", transcode)
