"""``POST /api/batch``: an uploaded sheet through the batch entry point of
``firecheck batch`` (:func:`firecheck.batch.run.run_batch`, which :func:`firecheck.check_file`
wraps), its output streamed back from disk.

The body (raw, or the ``file`` part of a multipart form) is spooled, within the size
limit, into a private temporary directory under a fixed name; the output is written there
by the batch writer, and both are removed when the response is sent or the request fails.
No name from the request touches the filesystem: an uploaded file's name and its content
type only choose the format, through the batch readers' own registry, so any format the
batch accepts (xlsx included, once it is registered) is accepted here unchanged.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..rules.model import RuleSet
from ..zones.model import ZoneSet
from .queries import lang_of

CHUNK = 1 << 16
_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
          "geojson": "application/geo+json",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Upload:
    """A spooled body: the private directory that holds it, its path, and its format."""

    directory: Path
    path: Path
    format: str

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def too_large(limit: int) -> InputError:
    return InputError(f"上传内容超过 {limit:,} 字节的上限", f"the upload exceeds the limit of "
                      f"{limit:,} bytes", code="too_large")


async def spool(chunks: AsyncIterator[bytes], limit: int, fmt: str | None,
                file_name: str, content_type: str) -> Upload:
    """Write the body to a new private directory (an InputError past ``limit`` bytes),
    with its format from ``fmt``, else the file name's extension, else the content type."""
    directory = Path(tempfile.mkdtemp(prefix="firecheck-serve-"))
    path = directory / "input"
    try:
        size = 0
        with path.open("xb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                out.write(chunk)
        return Upload(directory, path, fmt or format_of_upload(file_name, content_type))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def format_of_upload(file_name: str, content_type: str) -> str:
    """The input format a file name or a content type names (the batch registry decides);
    an InputError when neither does."""
    from ..batch.readers import FORMATS, format_of

    found = format_of(file_name, "") if file_name else ""
    media = content_type.split(";")[0].strip().lower()
    for suffix in ([] if found else mimetypes.guess_all_extensions(media) + _extra_suffixes(media)):
        if found := format_of("x" + suffix, ""):
            break
    if not found:
        raise InputError(f"无法判断上传内容的格式：请用 input_format 参数给出（{', '.join(FORMATS)}）",
                         "cannot tell the upload's format: give the parameter input_format "
                         f"({', '.join(FORMATS)})", code="unknown_format")
    return found


def _extra_suffixes(media: str) -> list[str]:
    """Media types the standard table lacks."""
    return {"application/x-ndjson": [".jsonl"], "application/jsonl": [".jsonl"],
            "application/geo+json": [".geojson"]}.get(media, [])


@dataclass
class Result:
    """A finished batch: its output file, media type, download name and summary."""

    path: Path
    media_type: str
    file_name: str
    headers: dict[str, str]


def run(upload: Upload, params: dict[str, Any], rules: RuleSet, zones: ZoneSet, today: date,
        deadline: float) -> Result:
    """Run the batch over a spooled upload (in a worker thread); an InputError if it runs
    past ``deadline`` (``time.monotonic()``), checked after every chunk."""
    import json

    from ..batch.readers import OUTPUT_FORMATS, output_format_of
    from ..batch.run import Options, run_batch

    out_format = params.get("format") or output_format_of("", upload.format)
    if out_format not in OUTPUT_FORMATS:
        raise InputError(f"format 必须是 {', '.join(OUTPUT_FORMATS)} 之一",
                         f"format must be one of {', '.join(OUTPUT_FORMATS)}, not {out_format!r}")
    target = upload.directory / f"checked.{out_format}"
    options = Options(upload.path, str(target), upload.format, out_format, params.get("activity"),
                      params.get("datum", "wgs84"), _mapping(params.get("map", ())),
                      lang_of(params), date=params.get("date"), headers=params.get("headers"),
                      sheet=params.get("sheet"))
    summary = run_batch(options, rules, zones, today, _watch(deadline))
    counts = json.dumps(dict(sorted(summary.counts.items())), separators=(",", ":"))
    return Result(target, _TYPES.get(out_format) or mimetypes.guess_type(target.name)[0]
                  or "application/octet-stream", target.name,
                  {"X-Firecheck-Rows": str(summary.rows), "X-Firecheck-Counts": counts,
                   "X-Firecheck-Seconds": f"{summary.seconds:.3f}"})


def _mapping(items: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for item in items:
        column, sep, field = item.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise InputError(f"map 格式应为 列名=字段：{item!r}", f"map needs COLUMN=FIELD, not {item!r}")
        pairs[column.strip()] = field.strip()
    return pairs


def _watch(deadline: float) -> Callable[[int, int], None]:
    def progress(_rows: int, _size: int) -> None:
        if time.monotonic() > deadline:
            raise InputError("批量核查超过时间上限，已停止", "the batch ran past its time limit and "
                             "was stopped", code="timeout")

    return progress


async def stream(result: Result, upload: Upload) -> AsyncIterator[bytes]:
    """The output file in chunks; the upload's directory removed at the end (or when the
    client goes away)."""
    try:
        with result.path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        upload.remove()

