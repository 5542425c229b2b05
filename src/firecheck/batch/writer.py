"""Writing the result table: CSV, JSON Lines or GeoJSON, moved into place only when
complete."""

from __future__ import annotations

import codecs
import io
import json
import os
import secrets
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pcsv
from shapely.geometry import mapping

from ..errors import InputError


class Writer:
    """Writes formatted chunks to a temporary file, moved into place on success: renamed
    over a regular target — through any symlink, keeping an existing file's permissions —
    so an interrupted run leaves no partial file; copied to stdout ('-'), to a binary file
    object, or to a target that is not a regular file (a FIFO, /dev/null), which is never
    replaced.

    :meth:`format` is pure (it may run in worker threads); :meth:`write` appends in order.
    """

    def __init__(self, target: str | BinaryIO, fmt: str, bom: bool) -> None:
        self.fmt = fmt
        self.target: Path | None = None
        self.sink: BinaryIO | None = None if isinstance(target, str) else target
        self.copy = True
        try:
            if isinstance(target, str) and target != "-":
                path = Path(target)
                if path.is_dir():
                    raise IsADirectoryError(21, "Is a directory")
                # A device or FIFO is written through; a regular file (or a new one) is
                # replaced where the path leads, so a symlink stays a symlink.
                self.copy = path.exists() and not path.is_file()
                self.target = path if self.copy else Path(os.path.realpath(path))
            directory = (Path(tempfile.gettempdir()) if self.copy or self.target is None
                         else self.target.parent)
            handle, self.tmp = _temp_file(directory, fmt)
            if not self.copy and self.target is not None and self.target.exists():
                os.chmod(self.tmp, stat.S_IMODE(self.target.stat().st_mode))
        except OSError as exc:
            raise InputError(f"无法写入 {target}：{exc.strerror}",
                             f"cannot write {target}: {exc.strerror}") from exc
        self.stream: BinaryIO = os.fdopen(handle, "wb")
        self._schema: pa.Schema | None = None
        self._features = 0
        if bom and fmt == "csv":
            self.stream.write(codecs.BOM_UTF8)
        if fmt == "geojson":
            self.stream.write(b'{"type": "FeatureCollection", "features": [\n')

    def format(self, table: pa.Table, geometry: list[Any] | None = None,
               records: list[dict[str, Any]] | None = None,
               results: list[str] | None = None) -> bytes:
        """One chunk as bytes of the output format (no header, no separators). JSON output
        of JSON input is each original ``records`` object plus the ``results`` columns."""
        if self.fmt == "csv":
            sink = io.BytesIO()
            pcsv.write_csv(table, sink, write_options=pcsv.WriteOptions(
                include_header=False, quoting_style="needed"))
            return sink.getvalue()
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
        return (joiner.join(lines) + ("\n" if self.fmt == "jsonl" and lines else "")).encode()

    def write(self, schema: pa.Schema, data: bytes) -> None:
        """Append a formatted chunk (the CSV header comes with the first)."""
        if self.fmt == "csv" and self._schema is None:
            header = io.BytesIO()
            pcsv.write_csv(schema.empty_table(), header,
                           write_options=pcsv.WriteOptions(quoting_style="needed"))
            self.stream.write(header.getvalue())
        self._schema = self._schema or schema
        if self.fmt == "geojson" and data:
            data = (b",\n" if self._features else b"") + data
            self._features += 1
        self.stream.write(data)

    def commit(self) -> None:
        """Finish the file and move it into place (or copy it to stdout or the device)."""
        if self.fmt == "geojson":
            self.stream.write(b"\n]}\n")
        self.stream.close()
        try:
            if self.sink is not None:
                with self.tmp.open("rb") as fh:
                    shutil.copyfileobj(fh, self.sink)
            elif self.target is None:
                self._copy_to_stdout()
            elif self.copy:
                with self.tmp.open("rb") as fh, self.target.open("wb") as out:
                    shutil.copyfileobj(fh, out)
            else:
                os.replace(self.tmp, self.target)
        except OSError as exc:
            raise InputError(f"无法写入 {self.target or '标准输出'}：{exc.strerror}",
                             f"cannot write {self.target or 'stdout'}: {exc.strerror}") from exc
        finally:
            self.tmp.unlink(missing_ok=True)

    def _copy_to_stdout(self) -> None:
        try:
            with self.tmp.open("rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # the reader (e.g. `| head`) has what it wanted
            _silence_stdout()

    def abort(self) -> None:
        """Remove the partial file."""
        if not self.stream.closed:
            self.stream.close()
        self.tmp.unlink(missing_ok=True)


def json_rows(table: pa.Table, records: list[dict[str, Any]] | None,
              results: list[str] | None) -> list[dict[str, Any]]:
    """The rows of a result table as JSON objects: each original record (JSON input) with
    the ``results`` columns added, else the table's own rows."""
    rows = table.to_pylist()
    if records is None:
        return rows
    return [{**record, **{k: row[k] for k in results or ()}}
            for record, row in zip(records, rows, strict=True)]


def _temp_file(directory: Path, fmt: str) -> tuple[int, Path]:
    """A new file in ``directory`` with the permissions the umask gives (mkstemp's are
    0600, which a renamed output would keep)."""
    while True:
        path = directory / f".firecheck-{secrets.token_hex(6)}.{fmt}.part"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path
        except FileExistsError:
            continue


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so nothing later fails on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
