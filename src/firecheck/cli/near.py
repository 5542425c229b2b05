"""``firecheck near``: how far the place is from the nearest zones and their 500 m lines."""

from __future__ import annotations

from typing import Annotated

import typer

from ..engine.locate import locate
from ..engine.model import Request
from ..geo.projection import to_local
from ..parse.localtime import local_today
from ..query import resolve_place
from ..views.json import near_dict
from ..zones.nearby import nearest
from .options import (
    AccuracyOpt,
    DatumOpt,
    JsonOpt,
    Lang,
    LangOpt,
    LatOpt,
    LonOpt,
    PlaceArg,
    PlaceNameOpt,
    ZonesOpt,
    app,
    emit_json,
    guarded,
    named_zones,
    out,
)


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
    from ..views import terminal

    zones = named_zones(zones_file, lang.value)
    where = resolve_place(place, place_name, lat, lon, datum, accuracy, zones)
    request = Request(where.lat, where.lon, local_today(), "", where.datum,  # type: ignore[arg-type]
                      accuracy_m=where.accuracy_m)
    located = locate(request, zones)
    x, y = to_local(located.lon, located.lat)
    found = nearest(zones, float(x), float(y), where.accuracy_m, count)
    unmapped = [d for d in zones.by_designation if zones.completeness(d) != "complete"
                ] if located.scope != "outside" else []
    if as_json:
        emit_json(near_dict(located, found, unmapped, zones, where.warnings), "firecheck/near/1")
    else:
        terminal.nearby(out, located, found, unmapped, zones, where.warnings, lang.value)
