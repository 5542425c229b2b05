"""The public Python API: the same questions the command line answers, as functions.

>>> from firecheck import check
>>> check("41.0335,110.0520", "焚烧秸秆", "2023-07-01").status
'prohibited'

Every function takes the text a person would type (coordinates in any accepted form or a
place name, an activity alias, a date or range) and loads the shipped rules and the zones
file in use once per process, unless ``rules`` and ``zones`` are given (see
:func:`load_rules`, :func:`load_zones`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .engine.model import RangeVerdict, Verdict
from .parse.localtime import date_text, local_today
from .query import Query, answer, default_data
from .rules.model import RuleSet
from .zones.model import ZoneSet

if TYPE_CHECKING:
    from .batch.run import Summary


def check(place: str | None, activity: str, date: str | dt.date | None = None, *,
          lat: str | float | None = None, lon: str | float | None = None,
          place_name: str | None = None, start: str | dt.date | None = None,
          end: str | dt.date | None = None, datum: str = "wgs84", accuracy_m: float = 0.0,
          actor: str | None = None, land: str | None = None, in_zones: tuple[str, ...] = (),
          rules: RuleSet | None = None, zones: ZoneSet | None = None,
          today: dt.date | None = None) -> Verdict | RangeVerdict:
    """Is ``activity`` at ``place`` on ``date`` prohibited? A :class:`Verdict` for one day
    (``.status``, ``.reasons``, ``.fines``, ``.hotlines``; ``.to_dict()`` is the JSON form of
    ``firecheck check --json``), or a :class:`RangeVerdict` for a range (``"A..B"``, or
    ``start``/``end``). ``land`` (forest, grassland, farmland, built-up, water) and
    ``in_zones`` (zone ids or names) are facts the caller states. Raises
    :class:`InputError` for text it cannot read and :class:`DataError` for unusable data
    files."""
    rules, zones = _data(rules, zones)
    query = Query(activity, place=place, date=_text(date), start=_text(start), end=_text(end),
                  lat=_text(lat), lon=_text(lon), place_name=place_name, datum=datum,
                  accuracy_m=accuracy_m, actor=actor, land=land, in_zones=tuple(in_zones))
    return answer(query, rules, zones, today or local_today())


def check_file(source: str | Path | BinaryIO, target: str | BinaryIO = "-", *,
          rules: RuleSet | None = None, zones: ZoneSet | None = None,
          today: dt.date | None = None, **options: Any) -> Summary:
    """Check a whole file of requests — a path, '-' for stdin, or a binary file object —
    into ``target`` (a path, '-' for stdout, or a binary file object): one output row per
    input row, in order. ``options`` are those of ``firecheck batch``: ``input_format``,
    ``output_format``, ``activity``, ``date``, ``datum``, ``mapping``, ``lang``,
    ``headers`` (keys, zh, en), ``sheet``, ``chunk_rows``, ``workers``. Returns the counts
    per status and the file's notes."""
    from .batch.run import Options, run_batch

    rules, zones = _data(rules, zones)
    return run_batch(Options(source, target, **options), rules, zones, today or local_today())


def check_rows(rows: Iterable[Mapping[str, Any]], *, rules: RuleSet | None = None,
               zones: ZoneSet | None = None, today: dt.date | None = None,
               **options: Any) -> Iterator[dict[str, Any]]:
    """Answer row dicts (fields named as in a batch file: lat/纬度, lon/经度, date/日期,
    activity/活动…) with result dicts, one per row, in order; ``options``: ``activity``,
    ``datum``, ``mapping``, ``lang``, ``chunk_rows``."""
    from .batch.run import check_rows as run_rows

    rules, zones = _data(rules, zones)
    return run_rows(rows, rules, zones, today or local_today(), **options)


def _data(rules: RuleSet | None, zones: ZoneSet | None) -> tuple[RuleSet, ZoneSet]:
    """The given rules and zones, else the shipped ones (loaded once per process)."""
    if rules is None or zones is None:
        default_rules, default_zones = default_data()
        return rules or default_rules, zones or default_zones
    return rules, zones


def _text(value: str | float | dt.date | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return date_text(value) if isinstance(value, dt.date) else repr(float(value))
