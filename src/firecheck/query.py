"""From what a person types to a verdict: the one place where text becomes a
:class:`~firecheck.engine.model.Request`.

The command line, the Python API, the batch reader's defaults and any HTTP front end all
build a :class:`Query` (text, as typed) and call :func:`answer`, so every door accepts the
same forms and refuses the same mistakes with the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from .engine.evaluate import evaluate, evaluate_range
from .engine.model import Actor, RangeVerdict, Request, Verdict
from .errors import InputError
from .geo.datum import parse_datum
from .parse.coordinates import parse_lat, parse_lon, parse_point
from .parse.dates import parse_when
from .parse.facts import parse_land
from .parse.localtime import local_today
from .rules.loader import load_rules
from .rules.model import RuleSet
from .text import Message, Text
from .zones.load import default_zones_path, load_zones
from .zones.model import ZoneSet

ACTORS: tuple[Actor, ...] = ("individual", "unit")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Query:
    """A question as typed: the place (coordinates in any accepted form, or a place name;
    or ``lat``/``lon`` apart; or ``place_name``), the activity (id or alias), and the day —
    a date or range in ``date``, or ``start`` and ``end``. Default day: today."""

    activity: str
    place: str | None = None
    date: str | None = None
    start: str | None = None
    end: str | None = None
    lat: str | None = None
    lon: str | None = None
    place_name: str | None = None
    datum: str = "wgs84"
    accuracy_m: float = 0.0
    actor: str | None = None
    land: str | None = None  # a stated fact: forest, grassland, farmland, built-up, water
    in_zones: tuple[str, ...] = ()  # stated facts: zones the place is inside (id or name)


@dataclass(frozen=True)
class Where:
    """A resolved place: WGS-84 or phone-map coordinates, how far off they may be, the
    zones the user says it is inside, and what the parser noticed. A zone's name gives no
    coordinates, only ``in_zones``."""

    lat: float | None
    lon: float | None
    datum: str
    accuracy_m: float
    warnings: tuple[Message, ...]
    in_zones: tuple[str, ...] = ()


def resolve_place(place: str | None, place_name: str | None, lat: str | None, lon: str | None,
                  datum: str, accuracy_m: float, zones: ZoneSet,
                  in_zones: tuple[str, ...] = ()) -> Where:
    """The place of a query from exactly one of: ``place`` (coordinates, or a name when it
    has no digit), ``lat``/``lon``, ``place_name``; or none when ``in_zones`` names the
    zones the place is inside."""
    given = [place is not None, lat is not None or lon is not None, place_name is not None]
    if sum(given) > 1:
        raise InputError("位置只能给一种：'lat,lon'、--lat/--lon 或 --place",
                         "give the place once: 'lat,lon', --lat/--lon or --place",
                         code="conflicting_place")
    if place is not None and not _DIGIT.search(place):
        place_name, place = place, None
    stated = _zones_named(in_zones, zones)
    if place_name is not None:
        from .zones.gazetteer import Gazetteer  # only name lookups read the gazetteer

        found = Gazetteer.load(zones).find(place_name)
        if found.in_zones:
            note = Message("place_is_zone", Text(
                f"{found.name_zh}：区域名称，表示此处位于该区域内（用户所述，无坐标）。",
                f"{found.name_en}: a zone's name, taken to say the place is inside it "
                "(stated by the user; no coordinates)."))
            return Where(None, None, "wgs84", accuracy_m, (note,),
                         tuple(dict.fromkeys((*stated, *found.in_zones))))
        assert found.lat is not None and found.lon is not None
        note = Message("place_name", Text(
            f"{found.name_zh}：{found.lat:.5f}, {found.lon:.5f}，精度 ±"
            f"{found.accuracy_m:.0f} 米（{found.source}）。",
            f"{found.name_en} ({found.name_zh}): {found.lat:.5f}, {found.lon:.5f}, "
            f"±{found.accuracy_m:.0f} m ({found.source})."))
        return Where(found.lat, found.lon, "wgs84", max(accuracy_m, found.accuracy_m), (note,),
                     stated)
    if place is not None:
        parsed = parse_point(place)
        return Where(parsed.lat, parsed.lon, parse_datum(datum), accuracy_m, parsed.warnings,
                     stated)
    if lat is None and lon is None and stated:
        return Where(None, None, "wgs84", accuracy_m, (), stated)
    if lat is None or lon is None:
        raise InputError("需要位置：'lat,lon'、同时给出 --lat 和 --lon、--place 地名，或 --in-zone 区域",
                         "a place is needed: 'lat,lon', both --lat and --lon, --place, or "
                         "--in-zone", code="missing_place")
    return Where(parse_lat(lat), parse_lon(lon), parse_datum(datum), accuracy_m, (), stated)


def _zones_named(names: tuple[str, ...], zones: ZoneSet) -> tuple[str, ...]:
    """The designations of the zones a user names (id, name or part of a name)."""
    if not names:
        return ()
    from .zones.gazetteer import Gazetteer

    gazetteer = Gazetteer.load(zones)
    return tuple(dict.fromkeys(d for name in names for d in gazetteer.find_zones(name)))


def to_request(query: Query, zones: ZoneSet, today: date) -> tuple[Request, date]:
    """The request of a query's first day, and its last day (equal for a single date)."""
    first, last = parse_when(query.date, query.start, query.end, today)
    where = resolve_place(query.place, query.place_name, query.lat, query.lon, query.datum,
                          query.accuracy_m, zones, query.in_zones)
    if query.actor is not None and query.actor not in ACTORS:
        raise InputError(f"主体须为 {' 或 '.join(ACTORS)}，而不是 {query.actor!r}",
                         f"actor must be {' or '.join(ACTORS)}, not {query.actor!r}",
                         code="invalid_actor")
    land = parse_land(query.land) if query.land else None
    request = Request(where.lat, where.lon, first, query.activity, where.datum,  # type: ignore[arg-type]
                      query.actor, where.accuracy_m, warnings=where.warnings,  # type: ignore[arg-type]
                      land=land, in_zones=where.in_zones)
    return request, last


def answer(query: Query, rules: RuleSet, zones: ZoneSet,
           today: date | None = None) -> Verdict | RangeVerdict:
    """The verdict of a query: a :class:`Verdict` for one day, a :class:`RangeVerdict`
    (runs of equal days) for a range."""
    request, last = to_request(query, zones, today or local_today())
    if last == request.day:
        return evaluate(request, rules, zones)
    return evaluate_range(request, last, rules, zones)


@lru_cache(maxsize=4)
def _loaded(zones_path: Path) -> tuple[RuleSet, ZoneSet]:
    return load_rules(), load_zones(zones_path)


def default_data() -> tuple[RuleSet, ZoneSet]:
    """The shipped rules and the zones file in use (``$FIRECHECK_ZONES`` or the shipped
    one), loaded once per process."""
    return _loaded(default_zones_path())
