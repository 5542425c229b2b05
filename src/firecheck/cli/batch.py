"""``firecheck batch``: a whole file of requests, one output row per input row."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..parse.localtime import local_today
from ..text import say
from ..views.console import stderr_is_terminal, stderr_line
from .options import (
    EXIT_CODES,
    EXIT_FAIL_ON,
    AsOfOpt,
    Lang,
    LangOpt,
    RulesOpt,
    ZonesOpt,
    app,
    data,
    err,
    guarded,
    refuse_overwriting,
)


@app.command()
@guarded
def batch(
    source: Annotated[str, typer.Argument(
        help="Excel .xlsx, CSV (UTF-8/BOM/GB18030/UTF-16), JSON Lines, GeoJSON, GPX or "
        "Shapefile (e.g. FIRMS) of requests; '-' for stdin.",
        show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="Output file; '-' for stdout.")] = "-",
    out_format: Annotated[str | None, typer.Option(
        "--format", help="Output format: csv, jsonl, geojson or xlsx (default: from -o, else "
        "the input's).", show_default=False)] = None,
    headers: Annotated[str | None, typer.Option(
        "--headers", help="Result columns: keys (stable English keys and codes), zh or en "
        "(a sheet for people: 结论, 依据, 说明 … in that language). Default: a sheet in --lang "
        "for xlsx, keys otherwise.", show_default=False)] = None,
    sheet: Annotated[str | None, typer.Option(
        "--sheet", help="The worksheet of an .xlsx input to read (default: the first).",
        show_default=False)] = None,
    in_format: Annotated[str | None, typer.Option(
        "--input-format", help="Input format if the extension does not say: csv, jsonl, geojson, "
        "gpx, shapefile, xlsx.",
        show_default=False)] = None,
    activity: Annotated[str | None, typer.Option(
        "--activity", "-a", help="Activity for rows without one (e.g. straw for FIRMS "
        "fire detections).", show_default=False)] = None,
    datum: Annotated[str, typer.Option("--datum", help="Datum for rows without one.")] = "wgs84",
    day: Annotated[str | None, typer.Option(
        "--date", "-d", help="Date for rows without one (or without start and end), e.g. "
        "2023-04-01.", show_default=False)] = None,
    maps: Annotated[list[str] | None, typer.Option(
        "--map", help="COLUMN=FIELD for a header firecheck does not know (fields: id, lat, lon, "
        "date, start, end, activity, datum, actor); repeatable. Or an .svg/.png file: also "
        "draw the rows, coloured by status.", show_default=False)] = None,
    fail_on: Annotated[str, typer.Option(
        "--fail-on", help="Exit 1 if any row has one of these statuses, e.g. "
        "prohibited,uncertain,error.")] = "",
    chunk_rows: Annotated[int | None, typer.Option(
        "--chunk-rows", min=1000, help="Rows per chunk (memory vs speed). Default 50,000; "
        "10,000 with over 10,000 mapped zones.", show_default=False)] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16,
                                         help="Chunks evaluated in parallel.")] = 2,
    lang: LangOpt = Lang.zh,
    zones_file: ZonesOpt = None,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Validate a whole file of requests: one output row per input row, in order.

    Examples:

      firecheck batch permits.csv -o checked.csv --fail-on prohibited,error

      firecheck batch 用火申请.xlsx -o 核查结果.xlsx

      firecheck batch fire_nrt_J1V-C2.csv -a straw -o detections.geojson --lang en
    """
    from ..batch.arrow import use_returning_pool
    from ..batch.readers import FORMATS, OUTPUT_FORMATS  # the batch machinery only when run
    from ..batch.run import Options, run_batch
    from ..views.summary import batch_summary

    use_returning_pool()

    for name, fmt, known in (("--format", out_format, OUTPUT_FORMATS),
                             ("--input-format", in_format, FORMATS)):
        if fmt is not None and fmt not in known:
            raise InputError(f"{name} 必须是 {', '.join(known)} 之一",
                             f"{name} must be one of {', '.join(known)}, not {fmt!r}")
    wanted = {s.strip() for s in fail_on.split(",") if s.strip()}
    if unknown := wanted - set(EXIT_CODES) - {"error", "blank"}:
        known = ", ".join([*EXIT_CODES, "error", "blank"])
        named = ", ".join(sorted(unknown))
        raise InputError(f"--fail-on：未知状态 {named}；可用：{known}",
                         f"--fail-on: unknown status {named}; use {known}")
    mapping, map_file = _maps(maps or [])
    options = Options(source, output, in_format, out_format, activity, datum, mapping,
                      lang.value, chunk_rows, workers, map_sample=map_file is not None, date=day,
                      headers=headers, sheet=sheet)
    rules, zone_set = data(zones_file, rules_paths, as_of, lang.value)
    if map_file is not None:
        refuse_overwriting(map_file, rules, zone_set, *(p for p in (source, output) if p != "-"))
    # What is loaded by now lives as long as the process: the collector need not walk it
    # again on every collection (2.7% of a 1M-row batch's CPU went to that).
    gc.freeze()
    with _progress() as advance:
        summary = run_batch(options, rules, zone_set, local_today(), advance)
    batch_summary(err, summary, lang.value)
    if map_file is not None and summary.sample is not None:
        from ..views.maps import render as draw

        draw(map_file, zone_set, lang.value, points=summary.sample.arrays(),
             title=say(lang.value, f"批量核查：{summary.rows:,} 行", f"Batch: {summary.rows:,} rows"))
        stderr_line(err, say(lang.value, f"已写出地图 {map_file}", f"wrote map {map_file}"))
    if wanted & set(summary.counts):
        raise typer.Exit(EXIT_FAIL_ON)


def _maps(items: list[str]) -> tuple[dict[str, str], Path | None]:
    """--map values: COLUMN=FIELD pairs (anything with '='), and at most one .svg/.png file
    to draw."""
    pairs, drawings = {}, []
    for item in items:
        column, sep, fld = item.partition("=")
        if not sep and item.lower().endswith((".svg", ".png")):
            drawings.append(Path(item))
            continue
        if not sep or not column.strip() or not fld.strip():
            raise InputError(f"--map 格式应为 列名=字段 或 .svg/.png 文件：{item!r}",
                             f"--map needs COLUMN=FIELD or an .svg/.png file, not {item!r}")
        pairs[column.strip()] = fld.strip()
    if len(drawings) > 1:
        raise InputError("--map：最多一个 .svg/.png 文件", "--map: one .svg/.png file at most")
    return pairs, drawings[0] if drawings else None


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not stderr_is_terminal():  # rich is not imported for a batch in a script
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
                  TimeElapsedColumn(), console=err, transient=True,
                  # Not redirected: rich would write past the console's stream, whose
                  # failures (a full or closed stderr) a batch ignores.
                  redirect_stdout=False, redirect_stderr=False) as bar:
        task = bar.add_task("firecheck batch", total=None, rows=0)

        def advance(rows: int, _size: int) -> None:
            bar.update(task, rows=rows)

        yield advance
