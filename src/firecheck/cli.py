"""The ``firecheck`` command: parses arguments, calls the engine, renders the answer.

Exit codes: 0 allowed · 10 prohibited · 11 permit required · 12 uncertain · 13 out of
scope · 2 usage or input error · 3 bad rules/zones data · 70 internal error; ``batch``
exits 1 when a row matches ``--fail-on``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__, render, zonefile
from .batchrun import Options, run_batch
from .datum import Datum, parse_datum
from .engine import Request, Span, Verdict, evaluate, evaluate_span, locate, worst
from .errors import DataError, FirecheckError, InputError
from .explain import status_label
from .ics import calendar_ics
from .importer import ImportOptions, import_files
from .localtime import local_today
from .messages import Message
from .nearby import nearest
from .parse import parse_date, parse_date_span, parse_lat, parse_lon, parse_point
from .places import Gazetteer
from .projection import to_local
from .report import (
    activity_rows,
    document_dict,
    hotline_dict,
    near_dict,
    period_rows,
    rule_dict,
    spans_dict,
    verdict_dict,
    versions,
    zone_dict,
)
from .rules import RuleSet, export_rules, load_rules
from .table_io import FORMATS
from .zones import ZoneSet, default_zones_path, load_zones, parse_json

EXIT_FAIL_ON = 1
EXIT_CODES = {"allowed": 0, "prohibited": 10, "permit_required": 11, "uncertain": 12,
              "out_of_scope": 13}
EXIT_INPUT, EXIT_DATA, EXIT_INTERNAL = 2, 3, 70

app = typer.Typer(
    name="firecheck",
    help="固阳县防火戒严与秸秆禁烧核查 · Fire-ban and straw-burning-ban checks for Guyang County.",
    no_args_is_help=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class Actor(StrEnum):
    individual = "individual"
    unit = "unit"


LangOpt = Annotated[Lang, typer.Option("--lang", "-l", envvar="FIRECHECK_LANG",
                                       help="Output language: zh (中文) or en.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the stable JSON form to stdout.")]
ZonesOpt = Annotated[Path | None, typer.Option(
    "--zones", envvar="FIRECHECK_ZONES", help="Zones GeoJSON to use instead of the shipped one.")]
RulesOpt = Annotated[list[Path] | None, typer.Option(
    "--rules", help="Extra rules file or directory (e.g. a new year's notice); repeatable.")]
AsOfOpt = Annotated[list[Path] | None, typer.Option(
    "--as-of-rules", help="Use exactly these rules files or directories instead of the shipped "
    "ones (replay an old decision; see 'firecheck rules --export'); repeatable.")]

PlaceArg = Annotated[str | None, typer.Argument(
    help="Place as 'lat,lon' (decimal or DMS, e.g. 41.03,110.05 or 41°02′N 110°03′E).",
    show_default=False)]
PlaceNameOpt = Annotated[str | None, typer.Option(
    "--place", "-p", help="A place name instead of coordinates (金山镇, Xidoupu, 红泥井, a "
    "zone name); its own accuracy is used.", show_default=False)]
LatOpt = Annotated[str | None, typer.Option("--lat", help="Latitude (instead of PLACE).",
                                            show_default=False)]
LonOpt = Annotated[str | None, typer.Option("--lon", help="Longitude (instead of PLACE).",
                                            show_default=False)]
DatumOpt = Annotated[str, typer.Option(
    "--datum", help="Datum of the input: wgs84 (GPS), gcj02 (Amap/Tencent/WeChat), "
    "bd09 (Baidu).")]
AccuracyOpt = Annotated[float, typer.Option(
    "--accuracy", help="How far (m) the true position may be from the given one.", min=0.0)]

F = TypeVar("F", bound=Callable[..., Any])


def guarded(command: F) -> F:
    """Turn user and data errors into a message and a documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = getattr(kwargs.get("lang"), "value", "zh")
        try:
            return command(*args, **kwargs)
        except FirecheckError as exc:
            kind = _t(lang, "数据错误", "data error") if isinstance(exc, DataError) else _t(
                lang, "输入错误", "input error")
            err.print(f"[bold red]firecheck: {kind}:[/] {exc.text(lang)}", markup=True,
                      highlight=False)
            raise typer.Exit(EXIT_DATA if isinstance(exc, DataError) else EXIT_INPUT) from None

    return wrapper  # type: ignore[return-value]


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _rules(rules_paths: list[Path] | None, as_of: list[Path] | None = None) -> RuleSet:
    return load_rules(rules_paths or (), replace=as_of or None)


def _load(zones_file: Path | None, rules_paths: list[Path] | None,
          as_of: list[Path] | None = None) -> tuple[RuleSet, ZoneSet]:
    return _rules(rules_paths, as_of), load_zones(zones_file)


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
@guarded
def check(
    place: PlaceArg = None,
    activity: Annotated[str, typer.Option(
        "--activity", "-a", help="What is planned: bbq, 烧烤, straw, 秸秆, entry … "
        "(see 'firecheck activities').", show_default=False)] = ...,  # type: ignore[assignment]
    on: Annotated[str | None, typer.Option(
        "--date", "-d", help="Local date: 2023-04-01, 2023年4月1日, 4月1日, today, an ISO "
        "datetime with offset, or a range 2023-05-25..2023-06-05. Default: today.",
        show_default=False)] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day of a range.",
                                              show_default=False)] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of a range.",
                                            show_default=False)] = None,
    place_name: PlaceNameOpt = None,
    lat: LatOpt = None,
    lon: LonOpt = None,
    datum: DatumOpt = "wgs84",
    actor: Annotated[Actor | None, typer.Option(
        "--actor", help="Show fines for an individual or a unit (default: both).",
        show_default=False)] = None,
    accuracy: AccuracyOpt = 0.0,
    map_file: Annotated[Path | None, typer.Option(
        "--map", help="Also draw the place, the zones and the verdict to an .svg or .png.",
        show_default=False)] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.zh,
    zones_file: ZonesOpt = None,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Is ACTIVITY at PLACE on DATE prohibited? Why, under which rule, what fine, whom to call.

    Examples:

      firecheck check 41.03,110.05 -a 烧烤 -d 2023-04-01

      firecheck check --lat 41.1 --lon 110.2 --datum gcj02 -a straw -d 2023-05-25..2023-06-05 --lang en
    """
    today = local_today()
    first, last = _dates(on, start, end, today)
    rules, zones = _load(zones_file, rules_paths, as_of)
    where = _where(place, place_name, lat, lon, datum, accuracy, zones)
    request = Request(where.lat, where.lon, first, activity, where.datum,
                      actor.value if actor else None, where.accuracy_m)
    warnings = where.warnings
    code_lang = lang.value
    if first == last:
        result = evaluate(request, rules, zones)
        result = _with_warnings(result, warnings)
        if as_json:
            _emit_json(verdict_dict(result))
        else:
            render.verdict(out, result, code_lang)
        if map_file is not None:
            _verdict_map(map_file, zones, result, result.status, code_lang)
        raise typer.Exit(EXIT_CODES[result.status])
    spans = evaluate_span(request, last, rules, zones)
    spans = [Span(s.start, s.end, _with_warnings(s.verdict, warnings)) for s in spans]
    status = worst([s.verdict.status for s in spans])
    if as_json:
        _emit_json(spans_dict(spans))
    else:
        render.spans(out, spans, code_lang)
    if map_file is not None:
        _verdict_map(map_file, zones, spans[0].verdict, status, code_lang)
    raise typer.Exit(EXIT_CODES[status])


def _verdict_map(path: Path, zones: ZoneSet, verdict: Verdict, status: str, lang: str) -> None:
    from .maps import Marker, label_lang
    from .maps import render as draw

    used = label_lang(lang)
    caption = (f"{status_label(status, used)} · {verdict.activity.name(used)} · "
               f"{verdict.request.day}")
    place = verdict.place
    draw(path, zones, lang, Marker(place.lat, place.lon, place.accuracy_m, status, caption),
         title=caption)
    err.print(_t(lang, f"已写出地图 {path}", f"wrote map {path}"))


@app.command(name="map")
@guarded
def map_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="The .svg or .png to write.",
                                         show_default=False)],
    place: PlaceArg = None,
    place_name: PlaceNameOpt = None,
    lat: LatOpt = None,
    lon: LonOpt = None,
    datum: DatumOpt = "wgs84",
    radius: Annotated[float, typer.Option("--radius", min=0.5, max=200.0,
                                          help="Kilometres shown around a place.")] = 8.0,
    lang: LangOpt = Lang.zh,
    zones_file: ZonesOpt = None,
) -> None:
    """Draw the county, its neighbours and every zone with its 500 m line (around a place, if
    given) to an offline .svg or .png.

    Examples:

      firecheck map -o guyang.png

      firecheck map 41.1145,110.052 --radius 15 -o kangtugou.svg --lang en
    """
    from .maps import Marker
    from .maps import render as draw

    zones = load_zones(zones_file)
    marker = None
    if place is not None or place_name is not None or lat is not None or lon is not None:
        where = _where(place, place_name, lat, lon, datum, 0.0, zones)
        located = locate(Request(where.lat, where.lon, local_today(), "", where.datum,
                                 accuracy_m=where.accuracy_m), zones)
        marker = Marker(located.lat, located.lon, located.accuracy_m, "out_of_scope"
                        if located.scope == "outside" else "uncertain",
                        f"{located.lat:.5f}, {located.lon:.5f}")
    draw(output, zones, lang.value, marker, radius_m=radius * 1000)
    err.print(_t(lang.value, f"已写出地图 {output}", f"wrote map {output}"))


def _with_warnings(result: Verdict, warnings: tuple[Message, ...]) -> Verdict:
    """Prepend the parser's warnings (e.g. a swapped lon,lat) to a verdict's own."""
    return replace(result, warnings=warnings + result.warnings) if warnings else result


def _dates(on: str | None, start: str | None, end: str | None, today: date) -> tuple[date, date]:
    if on and (start or end):
        raise InputError("give either --date or --from/--to, not both",
                         "--date 与 --from/--to 只能二选一")
    if start or end:
        if not (start and end):
            raise InputError("a range needs both --from and --to", "日期范围需要同时给出 --from 和 --to")
        first, last = parse_date(start, today), parse_date(end, today)
        if first > last:
            raise InputError(f"--from {first} is after --to {last}", f"--from {first} 晚于 --to {last}")
        return first, last
    if on is None:
        return today, today
    return parse_date_span(on, today)


@dataclass(frozen=True)
class _Where:
    lat: float
    lon: float
    datum: Datum
    accuracy_m: float
    warnings: tuple[Message, ...]


def _where(place: str | None, place_name: str | None, lat: str | None, lon: str | None,
           datum: str, accuracy: float, zones: ZoneSet) -> _Where:
    """The place of a query from exactly one of: 'lat,lon', --lat/--lon, --place."""
    given = [place is not None, lat is not None or lon is not None, place_name is not None]
    if sum(given) > 1:
        raise InputError("give the place once: 'lat,lon', --lat/--lon or --place",
                         "位置只能给一种：'lat,lon'、--lat/--lon 或 --place")
    if place_name is not None:
        found = Gazetteer.load(zones).find(place_name)
        note = Message("place_name",
                       f"{found.name_en} ({found.name_zh}): {found.lat:.5f}, {found.lon:.5f}, "
                       f"±{found.accuracy_m:.0f} m ({found.source}).",
                       f"{found.name_zh}：{found.lat:.5f}, {found.lon:.5f}，精度 ±"
                       f"{found.accuracy_m:.0f} 米（{found.source}）。")
        return _Where(found.lat, found.lon, "wgs84", max(accuracy, found.accuracy_m), (note,))
    if place is not None:
        parsed = parse_point(place)
        return _Where(parsed.lat, parsed.lon, parse_datum(datum), accuracy, parsed.warnings)
    if lat is None or lon is None:
        raise InputError("a place is needed: 'lat,lon', both --lat and --lon, or --place",
                         "需要位置：'lat,lon'、同时给出 --lat 和 --lon，或 --place 地名")
    return _Where(parse_lat(lat), parse_lon(lon), parse_datum(datum), accuracy, ())


@app.command()
@guarded
def near(
    place: PlaceArg = None,
    place_name: PlaceNameOpt = None,
    lat: LatOpt = None,
    lon: LonOpt = None,
    datum: DatumOpt = "wgs84",
    accuracy: AccuracyOpt = 0.0,
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=100,
                                       help="How many zones to list.")] = 5,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.zh,
    zones_file: ZonesOpt = None,
) -> None:
    """How far is the place from the nearest zones and their 500 m lines, and which way?

    Examples:

      firecheck near 41.03,110.05

      firecheck near --place 红泥井 --lang en
    """
    zones = load_zones(zones_file)
    where = _where(place, place_name, lat, lon, datum, accuracy, zones)
    request = Request(where.lat, where.lon, local_today(), "", where.datum,
                      accuracy_m=where.accuracy_m)
    located = locate(request, zones)
    x, y = to_local(located.lon, located.lat)
    found = nearest(zones, float(x), float(y), where.accuracy_m, count)
    unmapped = [d for d in dict.fromkeys(z.designation for z in zones.zones
                                         if z is not zones.county)
                if zones.completeness(d) != "complete"]
    if as_json:
        _emit_json(near_dict(located, found, unmapped, zones, where.warnings))
    else:
        render.nearby(out, located, found, unmapped, zones, where.warnings, lang.value)


@app.command()
@guarded
def batch(
    source: Annotated[str, typer.Argument(
        help="CSV (UTF-8/BOM/GB18030), JSON Lines or GeoJSON file of requests; '-' for stdin.",
        show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="Output file; '-' for stdout.")] = "-",
    out_format: Annotated[str | None, typer.Option(
        "--format", help="Output format: csv, jsonl or geojson (default: from -o, else the "
        "input's).", show_default=False)] = None,
    in_format: Annotated[str | None, typer.Option(
        "--input-format", help="Input format if the extension does not say: csv, jsonl, geojson.",
        show_default=False)] = None,
    activity: Annotated[str | None, typer.Option(
        "--activity", "-a", help="Activity for rows without one (e.g. straw for FIRMS "
        "fire detections).", show_default=False)] = None,
    datum: Annotated[str, typer.Option("--datum", help="Datum for rows without one.")] = "wgs84",
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="COLUMN=FIELD for a header firecheck does not know (fields: id, lat, lon, "
        "date, start, end, activity, datum, actor); repeatable.", show_default=False)] = None,
    fail_on: Annotated[str, typer.Option(
        "--fail-on", help="Exit 1 if any row has one of these statuses, e.g. "
        "prohibited,uncertain,error.")] = "",
    chunk_rows: Annotated[int, typer.Option("--chunk-rows", min=1000,
                                            help="Rows per chunk (memory vs speed).")] = 50_000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16,
                                         help="Chunks evaluated in parallel.")] = 2,
    map_file: Annotated[Path | None, typer.Option(
        "--map", help="Also draw the rows, coloured by status, to an .svg or .png.",
        show_default=False)] = None,
    lang: LangOpt = Lang.zh,
    zones_file: ZonesOpt = None,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Validate a whole file of requests: one output row per input row, in order.

    Examples:

      firecheck batch permits.csv -o checked.csv --fail-on prohibited,error

      firecheck batch fire_nrt_J1V-C2.csv -a straw -o detections.geojson --lang en
    """
    for name, fmt in (("--format", out_format), ("--input-format", in_format)):
        if fmt is not None and fmt not in FORMATS:
            raise InputError(f"{name} must be one of {', '.join(FORMATS)}, not {fmt!r}",
                             f"{name} 必须是 {', '.join(FORMATS)} 之一")
    wanted = {s.strip() for s in fail_on.split(",") if s.strip()}
    if unknown := wanted - set(EXIT_CODES) - {"error"}:
        raise InputError(f"--fail-on: unknown status {sorted(unknown)}; use "
                         f"{', '.join([*EXIT_CODES, 'error'])}", f"--fail-on：未知状态 {sorted(unknown)}")
    if output != "-" and source != "-" and Path(output).resolve() == Path(source).resolve():
        raise InputError("-o must not overwrite the input file", "-o 不能覆盖输入文件")
    options = Options(source, output, in_format, out_format, activity, datum,
                      _mapping(mapping or []), lang.value, chunk_rows, workers,
                      map_sample=map_file is not None)
    rules, zone_set = _load(zones_file, rules_paths, as_of)
    with _progress() as advance:
        summary = run_batch(options, rules, zone_set, local_today(), advance)
    render.batch_summary(err, summary, lang.value)
    if map_file is not None and summary.sample is not None:
        from .maps import render as draw

        draw(map_file, zone_set, lang.value, points=summary.sample.arrays(),
             title=_t(lang.value, f"批量核查：{summary.rows:,} 行", f"Batch: {summary.rows:,} rows"))
        err.print(_t(lang.value, f"已写出地图 {map_file}", f"wrote map {map_file}"))
    if wanted & set(summary.counts):
        raise typer.Exit(EXIT_FAIL_ON)


def _mapping(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        column, sep, fld = item.partition("=")
        if not sep or not column.strip() or not fld.strip():
            raise InputError(f"--map needs COLUMN=FIELD, not {item!r}", f"--map 格式应为 列名=字段：{item!r}")
        pairs[column.strip()] = fld.strip()
    return pairs


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not err.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("firecheck batch", total=None, rows=0)

        def advance(rows: int, size: int) -> None:
            bar.update(task, rows=rows)

        yield advance


@app.command()
@guarded
def activities(as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
               rules_paths: RulesOpt = None) -> None:
    """List the activities firecheck knows, with their aliases and sources.

    Examples:

      firecheck activities

      firecheck activities --json --lang en
    """
    rules = _rules(rules_paths)
    if as_json:
        _emit_json({"rules_version": rules.version, "activities": activity_rows(rules)})
    else:
        render.activities(out, rules, lang.value)


zones_app = typer.Typer(help="The zones file: show it, validate a file, import official data.",
                        no_args_is_help=False)
app.add_typer(zones_app, name="zones")


@zones_app.callback(invoke_without_command=True)
@guarded
def zones(ctx: typer.Context, as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
          zones_file: ZonesOpt = None) -> None:
    """Show the loaded zones file: its hash, and each zone's geometry, accuracy and source.

    Examples:

      firecheck zones

      firecheck zones --zones official.geojson --json
    """
    if ctx.invoked_subcommand is not None:
        return
    data = load_zones(zones_file)
    if as_json:
        _emit_json({"file": data.path, "version": data.version,
                    "zones": [zone_dict(z, data) for z in data.zones]})
    else:
        render.zones(out, data, lang.value)


@zones_app.command("validate")
@guarded
def zones_validate(
    file: Annotated[Path, typer.Argument(help="A zones GeoJSON file.", show_default=False)],
    fix: Annotated[bool, typer.Option("--fix", help="Repair invalid geometries (make_valid) "
                                      "and write the result with -o.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where --fix writes.",
                                                show_default=False)] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.zh,
) -> None:
    """Every problem of a zones file, with feature index, id and reason. Exit 3 on errors.

    Examples:

      firecheck zones validate official.geojson

      firecheck zones validate official.geojson --fix -o official-fixed.geojson
    """
    if fix and output is None:
        raise InputError("--fix needs -o FILE for the repaired zones", "--fix 需要用 -o 指定输出文件")
    data = parse_json(_read(file), file)
    problems, _ = zonefile.check(data, fix=fix)
    problems += _unknown_designations(data, _rules(None))
    bad = zonefile.errors(problems)
    if as_json:
        _emit_json({"file": str(file), "errors": len(bad), "warnings": len(problems) - len(bad),
                    "problems": [asdict(p) for p in problems]})
    else:
        render.problems(out, problems, lang.value)
    if fix and output is not None and not bad:
        zonefile.write(data, output)
    if bad:
        raise typer.Exit(EXIT_DATA)


@zones_app.command("import")
@guarded
def zones_import(
    files: Annotated[list[Path], typer.Argument(help="GeoJSON, Shapefile (.shp with .dbf/.prj) "
                                                "or KML files.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The zones file to write.",
                                         show_default=False)],
    designation: Annotated[str | None, typer.Option(
        "--designation", help="Zone of the notice the features belong to, e.g. "
        "grassland-subsidy-areas (see 'firecheck zones').", show_default=False)] = None,
    designation_field: Annotated[str | None, typer.Option(
        "--designation-field", help="Attribute holding each feature's designation.",
        show_default=False)] = None,
    id_field: Annotated[str | None, typer.Option("--id-field", help="Attribute for the id.",
                                                 show_default=False)] = None,
    name_field: Annotated[str | None, typer.Option(
        "--name-field", help="Attribute for the Chinese name.", show_default=False)] = None,
    name_en_field: Annotated[str | None, typer.Option(
        "--name-en-field", help="Attribute for the English name.", show_default=False)] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Zone kind (default: the "
                                             "designation).", show_default=False)] = None,
    crs: Annotated[str | None, typer.Option(
        "--crs", help="Source CRS when the file does not say, e.g. EPSG:4490, EPSG:4546.",
        show_default=False)] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="Shapefile .dbf encoding (default: .cpg, else UTF-8 then GBK).",
        show_default=False)] = None,
    accuracy: Annotated[float | None, typer.Option(
        "--accuracy", min=0.0, help="How far (m) the drawn lines may be from the true ones.",
        show_default=False)] = None,
    scale: Annotated[int | None, typer.Option(
        "--scale", min=1, help="Survey scale 1:N (accuracy = 0.5 mm at that scale).",
        show_default=False)] = None,
    buffer: Annotated[float, typer.Option("--buffer", min=0.0,
                                          help="Buffer (m) of the fire ban.")] = 500.0,
    mapping_file: Annotated[Path | None, typer.Option(
        "--mapping", help="TOML/JSON file with any of these options.", show_default=False)] = None,
    county_only: Annotated[bool, typer.Option(
        "--county-only", help="Start from the base's county line only, not all its "
        "zones.")] = False,
    zones_file: ZonesOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Import official zone boundaries and write a checked zones file.

    Examples:

      firecheck zones import 草原奖补区.shp --designation grassland-subsidy-areas
      --scale 10000 -o zones.geojson

      firecheck zones import reserve.geojson --crs EPSG:4490 --designation chunkunshan-nr
      --accuracy 5 -o zones.geojson
    """
    values = {"designation": designation, "designation_field": designation_field,
              "id_field": id_field, "name_field": name_field, "name_en_field": name_en_field,
              "kind": kind, "crs": crs, "encoding": encoding, "accuracy_m": accuracy,
              "scale": scale, "buffer_m": buffer, "today": local_today()}
    options = (ImportOptions.from_mapping_file(mapping_file, **values) if mapping_file
               else ImportOptions(**{k: v for k, v in values.items() if v is not None}))
    base_path = zones_file or default_zones_path()
    base = parse_json(_read(base_path), base_path)
    if county_only:
        base["features"] = [f for f in base["features"]
                            if (f.get("properties") or {}).get("kind") == zonefile.COUNTY_KIND]
    result = import_files(files, options, base)
    problems, _ = zonefile.check(result)
    problems += _unknown_designations(result, _rules(None))
    if bad := zonefile.errors(problems):
        render.problems(err, problems, lang.value)
        raise DataError(f"the imported zones have {len(bad)} error(s); nothing was written",
                        f"导入的区域有 {len(bad)} 处错误，未写出文件")
    zonefile.write(result, output)
    render.problems(err, problems, lang.value)
    imported = result["firecheck"]["imports"][-len(files):]
    err.print(_t(lang.value, f"已写出 {output}：", f"wrote {output}: ") + ", ".join(
        f"{i['file']} ({i['features']}, {i['crs']}, ±{i['accuracy_m']:g} m)" for i in imported))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", f"无法读取 {path}：{exc.strerror}") \
            from exc


def _unknown_designations(data: dict, rules: RuleSet) -> list[zonefile.Problem]:
    """Warnings for features whose designation no rule refers to (they decide nothing)."""
    known = {z for rule in rules.rules for z in rule.zones} | {"county"}
    return [zonefile.Problem(i, str(props.get("id")), "warning", "unknown_designation",
                             f"designation {props.get('designation')!r} is not a zone any rule "
                             "lists; it will not decide anything",
                             f"所属区域 {props.get('designation')!r} 不在任何规则的区域清单中，不会影响结论")
            for i, f in enumerate(data.get("features", []) if isinstance(data, dict) else [])
            if isinstance(f, dict) and isinstance(props := f.get("properties"), dict)
            and props.get("designation") not in known
            and props.get("kind") != zonefile.COUNTY_KIND]


@app.command()
@guarded
def periods(
    year: Annotated[int | None, typer.Argument(help="Year (default: this year).",
                                               show_default=False)] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.zh,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """The fire bans, fire-prevention periods and straw ban in force in YEAR.

    Examples:

      firecheck periods 2023

      firecheck periods 2026 --lang en
    """
    year = year or local_today().year
    if not 1900 <= year <= 2200:
        raise InputError(f"year {year} is out of range (1900–2200)", f"年份 {year} 超出范围（1900–2200）")
    rules = _rules(rules_paths, as_of)
    rows = period_rows(rules, year)
    if as_json:
        _emit_json({"year": year, "rules_version": rules.version, "periods": rows})
    else:
        render.periods(out, rows, year, lang.value)


@app.command()
@guarded
def calendar(
    year: Annotated[int | None, typer.Argument(help="Year (default: this year).",
                                               show_default=False)] = None,
    ics: Annotated[Path | None, typer.Option(
        "--ics", help="Also write the periods as an iCalendar file for a phone.",
        show_default=False)] = None,
    lang: LangOpt = Lang.zh,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """A month-by-month view of the year's fire bans, fire-prevention periods and straw ban.

    Examples:

      firecheck calendar 2023

      firecheck calendar 2026 --ics guyang-2026.ics --lang en
    """
    year = year or local_today().year
    if not 1900 <= year <= 2200:
        raise InputError(f"year {year} is out of range (1900–2200)", f"年份 {year} 超出范围（1900–2200）")
    rows = period_rows(_rules(rules_paths, as_of), year)
    render.calendar(out, rows, year, lang.value)
    if ics is not None:
        try:
            ics.write_bytes(calendar_ics(rows, year))
        except OSError as exc:
            raise InputError(f"cannot write {ics}: {exc.strerror}",
                             f"无法写入 {ics}：{exc.strerror}") from exc
        err.print(_t(lang.value, f"已写出 {ics}", f"wrote {ics}"))


@app.command()
@guarded
def hotlines(as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
             rules_paths: RulesOpt = None) -> None:
    """Reporting hotlines published by the notices (dialable numbers).

    Examples:

      firecheck hotlines

      firecheck hotlines --json
    """
    rules = _rules(rules_paths)
    if as_json:
        _emit_json({"hotlines": [hotline_dict(h) for h in rules.hotlines.values()]})
    else:
        render.hotlines(out, rules, lang.value)


@app.command(name="rules")
@guarded
def rules_cmd(as_json: JsonOpt = False, lang: LangOpt = Lang.zh,
              rules_paths: RulesOpt = None, as_of: AsOfOpt = None,
              zones_file: ZonesOpt = None,
              export: Annotated[Path | None, typer.Option(
                  "--export", help="Copy the loaded rules files into this directory, to "
                  "replay today's decisions later with --as-of-rules.",
                  show_default=False)] = None) -> None:
    """What is loaded: source documents, rules, versions (content hashes).

    Examples:

      firecheck rules

      firecheck rules --export rules-2026-11-29/
    """
    rules, zone_set = _load(zones_file, rules_paths, as_of)
    if export is not None:
        export_rules(rules, export)
    if as_json:
        _emit_json({
            "versions": versions(rules.version, zone_set.version),
            "files": list(rules.files),
            "documents": [document_dict(d) for d in rules.documents.values()],
            "rules": [rule_dict(r) for r in rules.rules],
        })
    else:
        render.rules_summary(out, rules, lang.value)
        out.print(f"zones {zone_set.version} ({zone_set.path})")


def _print_version(value: bool) -> None:
    if value:
        out.print(f"firecheck {__version__}")
        raise typer.Exit(0)


GUIDE = """[bold]firecheck[/] — 固阳县防火戒严与秸秆禁烧核查 · Guyang fire-ban and straw-ban checks

  firecheck check 41.03,110.05 -a 烧烤 -d 2023-04-01   能否烧烤 · may I barbecue here?
  firecheck check -p 金山镇 -a 秸秆 --lang en            by place name, in English
  firecheck near 41.03,110.05                          最近的区域 · nearest zones
  firecheck calendar 2026 --ics guyang.ics             全年日历 · the year's periods
  firecheck batch permits.csv -o checked.csv           批量核查 · a whole file
  firecheck hotlines                                   举报电话 · whom to call

  firecheck COMMAND --help · 各命令的全部选项与示例 · every option, with examples
"""


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False,
) -> None:
    """固阳县防火戒严与秸秆禁烧核查 · Fire-ban and straw-burning-ban checks for Guyang County.

    Add --debug to any command to see a traceback for an internal error.
    """
    if ctx.invoked_subcommand is None:
        out.print(GUIDE, soft_wrap=True)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code: no traceback for anything but
    ``--debug`` (or FIRECHECK_DEBUG=1); an unexpected error is a short report and 70."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("FIRECHECK_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        app(args=args, prog_name="firecheck")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except Exception as exc:  # an internal error: short report, distinct exit code
        if debug:
            traceback.print_exc()
        else:
            err.print(f"firecheck: internal error ({type(exc).__name__}: {exc}). "
                      "Please report it; rerun with --debug for details.")
        return EXIT_INTERNAL
    return 0


def main() -> None:
    """Console entry point."""
    code = run()
    # Every file is closed and renamed by now: skip the interpreter's teardown, which only
    # frees native memory (~0.15 s after a large batch).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
