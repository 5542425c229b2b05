"""The ``firecheck`` command: parses arguments, calls the engine, renders the answer.

The commands live here and in :mod:`firecheck.cli_batch` and :mod:`firecheck.cli_zones`;
what they share (options, exit codes, error handling) is in :mod:`firecheck.cli_common`.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import traceback
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from . import __version__, cli_batch, cli_zones, render
from .cli_common import (
    EXIT_CODES,
    EXIT_INTERNAL,
    AccuracyOpt,
    Actor,
    AsOfOpt,
    DatumOpt,
    JsonOpt,
    Lang,
    LangOpt,
    LatOpt,
    LonOpt,
    PlaceArg,
    PlaceNameOpt,
    RulesOpt,
    ZonesOpt,
    _emit_json,
    _load,
    _rules,
    _t,
    app,
    err,
    guarded,
    out,
)
from .datum import Datum, parse_datum
from .engine import Request, Span, Verdict, evaluate, evaluate_span, locate, worst
from .errors import InputError
from .explain import status_label
from .localtime import local_today
from .messages import Message
from .parse import YEARS, parse_date, parse_date_span, parse_lat, parse_lon, parse_point
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
)
from .rules import export_rules
from .zones import ZoneSet, load_zones

__all__ = ["EXIT_CODES", "app", "main", "run"]


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
    """Draw the county and its zones with their 500 m lines (around a place, if given).

    The map is an offline .svg or .png: no tiles, nothing fetched.

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
        from .places import Gazetteer  # imported when needed: start-up time matters

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
    from .nearby import nearest

    zones = load_zones(zones_file)
    where = _where(place, place_name, lat, lon, datum, accuracy, zones)
    request = Request(where.lat, where.lon, local_today(), "", where.datum,
                      accuracy_m=where.accuracy_m)
    located = locate(request, zones)
    x, y = to_local(located.lon, located.lat)
    found = nearest(zones, float(x), float(y), where.accuracy_m, count)
    unmapped = [d for d in dict.fromkeys(z.designation for z in zones.zones
                                         if z is not zones.county)
                if zones.completeness(d) != "complete"] if located.scope != "outside" else []
    if as_json:
        _emit_json(near_dict(located, found, unmapped, zones, where.warnings))
    else:
        render.nearby(out, located, found, unmapped, zones, where.warnings, lang.value)


app.command()(cli_batch.batch)


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


app.add_typer(cli_zones.zones_app, name="zones")


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
    year = _year(year)
    rules = _rules(rules_paths, as_of)
    rows = period_rows(rules, year)
    if as_json:
        _emit_json({"year": year, "rules_version": rules.version, "periods": rows})
    else:
        render.periods(out, rows, year, lang.value)


def _year(year: int | None) -> int:
    """The year asked for (default: this year), within the range the rules can speak of."""
    year = year or local_today().year
    if not YEARS[0] <= year <= YEARS[1]:
        raise InputError(f"year {year} is out of range ({YEARS[0]}–{YEARS[1]})",
                         f"年份 {year} 超出范围（{YEARS[0]}–{YEARS[1]}）")
    return year


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
    year = _year(year)
    rows = period_rows(_rules(rules_paths, as_of), year)
    render.calendar(out, rows, year, lang.value)
    if ics is not None:
        from .ics import calendar_ics

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


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """firecheck never uses pandas, but pyarrow probes for it on its first call and, when
    it is installed (as the bench extra installs it), imports it: ~0.2 s of every run.
    The command-line process tells Python it is absent."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("firecheck's command line does not use pandas")


def main() -> None:
    """Console entry point."""
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    code = run()
    # Every file is closed and renamed by now: skip the interpreter's teardown, which only
    # frees native memory (~0.15 s after a large batch).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


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
