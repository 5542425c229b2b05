"""ESRI Shapefiles (read with pyshp, from a folder or a zip): a damaged or incomplete set of
files is named as such, and the .dbf's text encoding is taken from ``--encoding``, else the
.cpg — checked against the bytes themselves — else from the bytes (UTF-8, then GBK)."""

from __future__ import annotations

import codecs
import io
import re
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import shapefile
from pyproj import CRS

from ...errors import InputError
from ...text import Text
from .layer import Layer, Record, geojson_geometry, parse_crs

_SINGLE_BYTE = re.compile(r"^(latin-1|iso8859-\d+|cp125\d|cp437|cp850|mac-roman|ascii)$")


def read_shapefile(parts: dict[str, bytes], name: str, encoding: str | None) -> Layer:
    """A Shapefile from its parts ('.shp', '.dbf', optionally '.shx', '.prj', '.cpg')."""
    opened = open_shapefile(parts, name, encoding)
    records = list(opened.records())
    layer = Layer(name, opened.crs, records, "the .prj" if opened.crs else "none (no .prj)")
    if opened.note:
        layer.notes.append(opened.note)
    if records and all(g is None for _, g in records):
        layer.found = Text(f"{len(records)} 条记录均无几何（空形状）",
                           f"{len(records)} record(s), every one with a null shape")
    return layer


@dataclass
class OpenShapefile:
    """A checked Shapefile whose records can be streamed (a batch reads them in chunks)."""

    parts: dict[str, bytes]
    name: str
    encoding: str
    note: Text | None
    crs: CRS | None

    def records(self) -> Iterator[Record]:
        """Each record's attributes (dates as ISO text) and shape, in file order."""
        parts, name = self.parts, self.name
        try:
            with warnings.catch_warnings():  # pyshp's own (English) warnings: our checks say it
                warnings.simplefilter("ignore")
                with shapefile.Reader(shp=io.BytesIO(parts[".shp"]), dbf=io.BytesIO(parts[".dbf"]),
                                      shx=io.BytesIO(parts[".shx"]) if ".shx" in parts else None,
                                      encoding=self.encoding) as reader:
                    names = [f[0] for f in reader.fields[1:]]
                    for rec in reader.iterShapeRecords():
                        values = [v.isoformat() if isinstance(v, date) else v for v in rec.record]
                        yield (dict(zip(names, values, strict=True)),
                               geojson_geometry(rec.shape.__geo_interface__, name)
                               if rec.shape.shapeType != shapefile.NULL else None)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"{name}：.dbf 文本不是 {self.encoding} 编码，"
                             "请用 --encoding 指定（如 GBK、UTF-8）",
                             f"{name}: the .dbf text is not {self.encoding}; give --encoding "
                             "(e.g. GBK, UTF-8)") from exc
        except (shapefile.ShapefileException, struct.error, OSError, ValueError, IndexError,
                TypeError, AttributeError) as exc:
            raise InputError(f"{name}：Shapefile 已损坏，无法读取：{exc}",
                             f"{name}: the Shapefile is damaged: {exc}") from exc


def open_shapefile(parts: dict[str, bytes], name: str, encoding: str | None) -> OpenShapefile:
    """Check the parts (header, .dbf, encoding, .prj) before any record is read."""
    _check_shp(parts.get(".shp", b""), name)
    dbf = parts.get(".dbf")
    if dbf is None:
        raise InputError(f"{name}：缺少同名 .dbf 属性表（Shapefile 由 .shp、.shx、.dbf 等多个文件组成，"
                         "请一并复制）", f"{name}: no .dbf beside it (a Shapefile is several files, "
                         ".shp, .shx, .dbf, .prj…: copy them all)")
    _check_dbf(dbf, name)
    chosen, note = _encoding(dbf, parts.get(".cpg"), encoding, name)
    prj = parts.get(".prj")
    crs = parse_crs(prj.decode("utf-8", errors="replace"), f"{name} (.prj)") if prj else None
    return OpenShapefile(parts, name, chosen, note, crs)


def _check_shp(shp: bytes, name: str) -> None:
    """A .shp must hold its 100-byte header and as many bytes as the header says."""
    if len(shp) < 100 or struct.unpack(">i", shp[:4])[0] != 9994:
        raise InputError(f"{name}：不是 Shapefile（.shp 文件头缺失或无效，{len(shp)} 字节）",
                         f"{name}: not a Shapefile (the .shp has no valid header; "
                         f"{len(shp)} bytes)")
    declared = struct.unpack(">i", shp[24:28])[0] * 2
    if declared > len(shp):
        raise InputError(f"{name}：.shp 文件不完整：文件头记载 {declared} 字节，实际只有 {len(shp)} 字节"
                         "（复制或下载被中断）", f"{name}: the .shp is cut off: its header says "
                         f"{declared} bytes, the file has {len(shp)} (an interrupted copy or "
                         "download)")


def _check_dbf(dbf: bytes, name: str) -> None:
    """A .dbf must hold its header and every record its header counts."""
    if len(dbf) < 32:
        raise InputError(f"{name}：.dbf 属性表为空或已损坏（{len(dbf)} 字节）",
                         f"{name}: the .dbf is empty or damaged ({len(dbf)} bytes)")
    records, header, length = struct.unpack("<IHH", dbf[4:12])
    if header < 33 or len(dbf) < header + records * length:
        raise InputError(f"{name}：.dbf 属性表不完整：应有 {records} 条记录，文件只有 {len(dbf)} 字节",
                         f"{name}: the .dbf is cut off: {records} records need "
                         f"{header + records * length} bytes, the file has {len(dbf)}")


def cpg_encoding(text: str, name: str) -> str | None:
    """The Python codec an ESRI .cpg names ('ANSI 936', '936', 'GBK', 'UTF-8', '88591'…);
    None for 'System'/'OEM'/empty (the writer's own code page, unknown here)."""
    value = text.strip().strip("\0").upper().replace("_", "-")
    if value in ("", "SYSTEM", "OEM", "DEFAULT"):
        return None
    if number := re.fullmatch(r"(?:ANSI|CP|WINDOWS-?|MS)\s*-?\s*(\d+)|(\d+)", value):
        code = number.group(1) or number.group(2)
        value = {"936": "gbk", "65001": "utf-8", "54936": "gb18030", "950": "big5",
                 "20127": "ascii", "28591": "latin-1"}.get(code) or (
            f"iso8859-{code[4:]}" if code.startswith("8859") and len(code) > 4 else f"cp{code}")
    return _codec(value, Text(f"{name}：.cpg 文件所写的编码 {text.strip()[:40]!r} 无法识别；请用 "
                              "--encoding 指定（如 GBK、UTF-8）或改正 .cpg",
                              f"{name}: the .cpg names the encoding {text.strip()[:40]!r}, "
                              "which is unknown; give --encoding (e.g. GBK, UTF-8) or fix the .cpg"))


def option_encoding(value: str) -> str:
    """The codec ``--encoding`` names (checked)."""
    found = _codec(value.strip(), Text(f"--encoding {value!r}：未知的编码（可用 GBK、GB18030、UTF-8 等）",
                                       f"--encoding {value!r}: unknown encoding (e.g. GBK, "
                                       "GB18030, UTF-8)"))
    assert found is not None
    return found


def _codec(value: str, unknown: Text) -> str:
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise InputError(unknown) from None


def _encoding(dbf: bytes, cpg: bytes | None, given: str | None,
              name: str) -> tuple[str, Text | None]:
    """The .dbf's encoding and, when it is not what the .cpg says or there is none, how it
    was decided."""
    if given:
        return option_encoding(given), None
    declared = cpg_encoding(cpg.decode("ascii", errors="replace"), name) if cpg else None
    text = dbf[struct.unpack("<H", dbf[8:10])[0]:]
    evidence = text_evidence(text)
    if declared is not None:
        if evidence and evidence != declared and (
                _SINGLE_BYTE.match(declared) or not _decodes(text, declared)):
            sample, said, found = _sample(text, evidence), _label(declared), _label(evidence)
            return evidence, Text(
                f".cpg 写的是 {said}，但文本是 {found} 编码的中文（如“{sample}”）：已按 {found} 读取",
                f"the .cpg says {said}, but the text is {found} Chinese (e.g. “{sample}”): "
                f"read as {found}")
        return declared, None
    if evidence is None and not _decodes(text, "utf-8"):
        raise InputError(f"{name}：.dbf 文本既不是 UTF-8 也不是 GBK，且没有 .cpg；请用 --encoding 指定",
                         f"{name}: the .dbf text is neither UTF-8 nor GBK and there is no "
                         ".cpg saying what it is; give --encoding")
    chosen = evidence or "utf-8"
    why = "the .cpg says 'System' (the writer's code page)" if cpg else "no .cpg"
    return chosen, Text(f"{'.cpg 为 System' if cpg else '没有 .cpg'}：按文本本身判断为 {_label(chosen)}",
                        f"{why}: the text itself reads as {_label(chosen)}")


def _label(codec: str) -> str:
    """A codec as a GIS user knows it."""
    return {"gb18030": "GBK (GB18030)", "gbk": "GBK", "utf-8": "UTF-8",
            "iso8859-1": "ISO-8859-1 (Latin-1)", "latin-1": "ISO-8859-1 (Latin-1)"}.get(
        codec, codec.upper())


def text_evidence(data: bytes) -> str | None:
    """'utf-8' or 'gb18030' when non-ASCII bytes decode strictly as that and give Chinese
    characters; None for plain ASCII or anything else."""
    if data.isascii():
        return None
    for codec in ("utf-8", "gb18030"):
        try:
            decoded = data.decode(codec)
        except UnicodeDecodeError:
            continue
        wide = [c for c in decoded if ord(c) > 127]
        if sum(1 for c in wide if "\u4e00" <= c <= "\u9fff") >= len(wide) / 2:
            return codec
    return None


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _sample(data: bytes, codec: str) -> str:
    words = re.findall(r"[\u4e00-\u9fff]+", data.decode(codec, errors="replace"))
    return words[0][:12] if words else "?"
