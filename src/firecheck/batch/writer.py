"""Writing the result table: CSV, JSON Lines, GeoJSON or an Excel workbook, moved into place
only when complete."""

from __future__ import annotations

import codecs
import errno
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pcsv
from shapely.geometry import mapping

from ..errors import InputError
from ..files import (
    Reserving,
    discard,
    flush_standard_streams,
    keep_mode,
    settled,
    silence,
    target_of,
    temp_file,
    write_error,
)
from .sheet import ExcelSheet


class Writer:
    """Writes formatted chunks to a temporary file (:func:`firecheck.files.temp_file`),
    moved into place on success: renamed over a regular target — through any symlink,
    keeping an existing file's permissions — so an interrupted run leaves no partial file;
    copied to stdout ('-', /dev/stdout), to another descriptor of this process (/dev/fd/N:
    appended if it was opened to append), to a binary file object, or to a target that is
    not a regular file (a FIFO, /dev/null), which is never replaced. Every failure to write
    (a full disk, a file too large) is an InputError naming the target.

    :meth:`format` is pure (it may run in worker threads); :meth:`write` appends in order.
    ``colours`` (xlsx): the status column and the fill of each status value in it.
    """

    def __init__(self, target: str | BinaryIO, fmt: str, bom: bool,
                 colours: tuple[str, dict[str, str]] | None = None) -> None:
        self.fmt = fmt
        self.book = ExcelSheet(colours) if fmt == "xlsx" else None
        self.sink: BinaryIO | None = None if isinstance(target, str) else target
        self.name = target if isinstance(target, str) and target != "-" else None
        self.place = target_of(target) if self.name is not None else None
        final = self.place.final if self.place is not None else None
        try:
            if final is not None:  # beside the target, so the rename stays on its disk
                handle, self.tmp = temp_file(final.parent, f".{fmt}.part", 0o666)
            else:  # copied at the end: a private file in the temporary directory
                handle, self.tmp = temp_file(Path(tempfile.gettempdir()), f".{fmt}.part")
        except OSError as exc:
            raise self._error(exc) from exc
        self.stream = Reserving(handle)
        self._schema: pa.Schema | None = None
        self._features = 0
        try:
            if final is not None:
                keep_mode(self.tmp, final)
            if bom and fmt == "csv":
                self.stream.write(codecs.BOM_UTF8)
            if fmt == "geojson":
                self.stream.write(b'{"type": "FeatureCollection", "features": [\n')
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError):
                raise self._error(exc) from exc
            raise

    def _error(self, exc: OSError) -> InputError:
        if self.name is None and self.sink is None:
            reason = exc.strerror or str(exc)
            return InputError(f"无法写入标准输出：{reason}", f"cannot write to stdout: {reason}")
        return write_error(self.name or getattr(self.sink, "name", "") or "output", exc)

    def format(self, table: pa.Table, geometry: list[Any] | None = None,
               records: list[dict[str, Any]] | None = None,
               results: list[str] | None = None) -> bytes | pa.Buffer | pa.Table:
        """One chunk as bytes of the output format (no header, no separators); for xlsx the
        table itself (its cells are made as they are written, a slice at a time, so no
        chunk waits as Python objects). JSON output of JSON input is each original
        ``records`` object plus the ``results`` columns; a lone surrogate it holds is
        written back as the JSON escape it was read from."""
        if self.book is not None:
            return table
        if self.fmt == "csv":
            return _csv(table, header=False)
        lines = []
        for i, row in enumerate(json_rows(table, records, results)):
            if self.fmt == "jsonl":
                lines.append(json.dumps(row, ensure_ascii=False))
                continue
            geom = geometry[i] if geometry is not None else None
            lines.append(json.dumps({"type": "Feature",
                                     "geometry": mapping(geom) if geom is not None else None,
                                     "properties": row}, ensure_ascii=False))
        joiner = "\n" if self.fmt == "jsonl" else ",\n"
        text = joiner.join(lines) + ("\n" if self.fmt == "jsonl" and lines else "")
        return text.encode("utf-8", "backslashreplace")

    def write(self, schema: pa.Schema, data: bytes | pa.Buffer | pa.Table) -> None:
        """Append a formatted chunk (the header comes with the first)."""
        if self.book is not None:
            assert isinstance(data, pa.Table)
            try:
                self.book.append(schema.names, data)
            except OSError as exc:
                raise self._error(exc) from exc
            return
        assert not isinstance(data, pa.Table)
        try:
            if self.fmt == "csv" and self._schema is None:
                self.stream.write(memoryview(_csv(schema.empty_table(), header=True)))
            self._schema = self._schema or schema
            if self.fmt == "geojson" and data:
                data = (b",\n" if self._features else b"") + data
                self._features += 1
            self.stream.write(memoryview(data))
        except OSError as exc:
            raise self._error(exc) from exc

    def commit(self) -> None:
        """Finish the file and move it into place (or copy it where it goes)."""
        try:
            if self.fmt == "geojson":
                self.stream.write(b"\n]}\n")
            self.stream.close()
            if self.book is not None:
                self.book.save(self.tmp)
            place = self.place
            if self.sink is not None:
                self._copy(self.sink)
            elif place is None or place.fd == 1:
                self._copy_to_stdout()
            elif place.fd is not None:
                flush_standard_streams()
                with open(place.fd, "wb", closefd=False) as out:
                    self._copy(out)
            elif place.through:
                with open(place.name, "wb") as out:
                    self._copy(out)
            else:
                assert place.final is not None
                os.replace(self.tmp, place.final)
                settled(self.tmp)
        except OSError as exc:
            raise self._error(exc) from exc
        finally:
            discard(self.tmp)

    def _copy(self, out: BinaryIO) -> None:
        with self.tmp.open("rb") as fh:
            shutil.copyfileobj(fh, out)
        out.flush()

    def _copy_to_stdout(self) -> None:
        if sys.stdout is None:  # closed when Python started
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        try:
            sys.stdout.flush()
            self._copy(sys.stdout.buffer)
        except BrokenPipeError:  # the reader (e.g. `| head`) has what it wanted
            silence(sys.stdout.fileno())

    def abort(self) -> None:
        """Remove the partial file."""
        try:
            if not self.stream.closed:
                self.stream.close()
        except OSError:
            pass
        discard(self.tmp)


def _csv(table: pa.Table, header: bool) -> pa.Buffer:
    """A table as CSV, every string quoted, into an Arrow buffer: Arrow formats it without
    the GIL (into a Python file object it takes the GIL for every block it hands over, and
    waits for it while other threads hold it: 10x slower beside one busy thread)."""
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, write_options=pcsv.WriteOptions(include_header=header,
                                                                quoting_style="needed"))
    return sink.getvalue()


def json_rows(table: pa.Table, records: list[dict[str, Any]] | None,
              results: list[str] | None) -> list[dict[str, Any]]:
    """The rows of a result table as JSON objects: each original record (JSON input) with
    the ``results`` columns added, else the table's own rows."""
    rows = table.to_pylist()
    if records is None:
        return rows
    return [{**record, **{k: row[k] for k in results or ()}}
            for record, row in zip(records, rows, strict=True)]
