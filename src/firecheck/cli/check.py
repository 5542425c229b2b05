"""``firecheck check`` and ``firecheck map``: one place, one answer, and its picture."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..engine.locate import locate
from ..engine.model import Request, Verdict
from ..errors import InputError
from ..parse.localtime import local_today
from ..query import Query, answer, resolve_place
from ..text import say
from ..views.words import status_label
from ..zones.model import ZoneSet
from .options import (
    EXIT_CODES,
    PATH,
    AccuracyOpt,
    Actor,
    AsOfOpt,
    DatumOpt,
    InZoneOpt,
    JsonOpt,
    LandOpt,
    Lang,
    LangOpt,
    LatOpt,
    LonOpt,
    PlaceArg,
    PlaceNameOpt,
    RulesOpt,
    ZonesOpt,
    app,
    data,
    emit_json,
    err,
    guarded,
    named_zones,
    out,
    refuse_overwriting,
)


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
    land: LandOpt = None,
    in_zone: InZoneOpt = None,
    map_file: Annotated[Path | None, typer.Option(
        "--map", help="Also draw the place, the zones and the verdict to an .svg or .png.",
        show_default=False, click_type=PATH)] = None,
    brief: Annotated[bool, typer.Option(
        "--brief", help="Only the answer, the fine and whom to call (at most 6 lines).")] = False,
    details: Annotated[bool, typer.Option(
        "--details", help="Everything: citations, periods, requirements, assumptions, notes, "
        "versions.")] = False,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.zh,
    zones_file: ZonesOpt = None,
    rules_paths: RulesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Is ACTIVITY at PLACE on DATE prohibited? Why, under which rule, what fine, whom to call.

    Examples:

      firecheck check 41.03,110.05 -a 烧烤 -d 2023-04-01

      firecheck check --in-zone 春坤山 --land grassland -a 野炊 -d 2023-10-01

      firecheck check --lat 41.1 --lon 110.2 --datum gcj02 -a straw -d 2023-05-25..2023-06-05 --lang en
    """
    if brief and details:
        raise InputError("--brief 与 --details 只能二选一", "give --brief or --details, not both")
    query = Query(activity, place=place, date=on, start=start, end=end, lat=lat, lon=lon,
                  place_name=place_name, datum=datum, accuracy_m=accuracy,
                  actor=actor.value if actor else None, land=land, in_zones=tuple(in_zone or ()))
    rules, zones = data(zones_file, rules_paths, as_of, lang.value)
    if map_file is not None:
        refuse_overwriting(map_file, rules, zones)
    result = answer(query, rules, zones, local_today())
    level = "brief" if brief else "details" if details else "normal"
    if as_json:
        emit_json(result.to_dict())
    else:
        from ..views import answer as view  # with rich: not for JSON

        if isinstance(result, Verdict):
            view.verdict(out, result, lang.value, level)
        else:
            view.spans(out, list(result.spans), lang.value, level)
    if map_file is not None:
        first = result if isinstance(result, Verdict) else result.spans[0].verdict
        if first.place.lat is None:
            raise InputError("没有坐标，无法绘制地图（只说明了所在区域）",
                             "no coordinates to draw (only the zone was stated)")
        _verdict_map(map_file, zones, first, result.status, lang.value)
    raise typer.Exit(EXIT_CODES[result.status])


def _verdict_map(path: Path, zones: ZoneSet, verdict: Verdict, status: str, lang: str) -> None:
    from ..views.maps import Marker, label_lang
    from ..views.maps import render as draw

    used = label_lang(lang)
    caption = (f"{status_label(status, used)} · {verdict.activity.name.get(used)} · "
               f"{verdict.request.day}")
    place = verdict.place
    draw(path, zones, lang, Marker(place.lat, place.lon, place.accuracy_m, status, caption),
         title=caption)
    err.print(say(lang, f"已写出地图 {path}", f"wrote map {path}"))


@app.command(name="map")
@guarded
def map_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="The .svg or .png to write.",
                                         show_default=False, click_type=PATH)],
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
    from ..views.maps import Marker
    from ..views.maps import render as draw

    zones = named_zones(zones_file, lang.value)
    refuse_overwriting(output, None, zones)
    marker = None
    if place is not None or place_name is not None or lat is not None or lon is not None:
        where = resolve_place(place, place_name, lat, lon, datum, 0.0, zones)
        located = locate(Request(where.lat, where.lon, local_today(), "", where.datum,  # type: ignore[arg-type]
                                 accuracy_m=where.accuracy_m), zones)
        marker = Marker(located.lat, located.lon, located.accuracy_m, "out_of_scope"
                        if located.scope == "outside" else "uncertain",
                        f"{located.lat:.5f}, {located.lon:.5f}")
    draw(output, zones, lang.value, marker, radius_m=radius * 1000)
    err.print(say(lang.value, f"已写出地图 {output}", f"wrote map {output}"))
