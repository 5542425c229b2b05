"""A request's query string → the keyword arguments of the public API.

The parameters are the options of ``firecheck check`` (and of ``firecheck batch`` for an
upload), under the same names. A parameter the endpoint does not know, or one given twice
where only one is meaningful, is an :class:`~firecheck.errors.InputError`: a mistyped
``dat=`` must not silently become "today".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Any

from ..errors import InputError
from ..parse.dates import parse_when

CHECK_PARAMS = ("place", "lat", "lon", "activity", "date", "from", "to", "datum", "accuracy",
                "actor", "land", "in_zone", "lang")
BATCH_PARAMS = ("input_format", "format", "activity", "datum", "date", "lang", "headers", "sheet",
                "map")
_REPEATABLE = {"in_zone", "map"}
LANGS = ("zh", "en")


def read_params(items: Iterable[tuple[str, str]], known: tuple[str, ...]) -> dict[str, Any]:
    """Each known parameter's value (a tuple for a repeatable one); an InputError for an
    unknown or repeated parameter."""
    found: dict[str, Any] = {}
    for name, value in items:
        if name not in known:
            raise InputError(f"未知参数 {name!r}；可用：{', '.join(known)}",
                             f"unknown parameter {name!r}; known: {', '.join(known)}",
                             code="unknown_parameter")
        if name in _REPEATABLE:
            found[name] = (*found.get(name, ()), value)
        elif name in found:
            raise InputError(f"参数 {name!r} 只能给一次", f"parameter {name!r} given twice",
                             code="repeated_parameter")
        else:
            found[name] = value
    return found


def lang_of(params: dict[str, Any]) -> str:
    """The ``lang`` parameter (zh by default), checked."""
    lang = params.get("lang", "zh")
    if lang not in LANGS:
        raise InputError(f"lang 须为 zh 或 en，而不是 {lang!r}", f"lang must be zh or en, not {lang!r}",
                         code="invalid_lang")
    return lang


def check_arguments(params: dict[str, Any]) -> dict[str, Any]:
    """The arguments of :func:`firecheck.check` for the parameters of ``/api/check``."""
    lang_of(params)  # as with `check --json --lang`, the JSON holds both languages
    if not params.get("activity"):
        raise InputError("需要活动参数 activity（如 烧烤、秸秆、bbq）",
                         "the parameter activity is needed (e.g. 烧烤, 秸秆, bbq)",
                         code="missing_parameter")
    return {"place": params.get("place"), "activity": params["activity"],
            "date": params.get("date"), "lat": params.get("lat"), "lon": params.get("lon"),
            "start": params.get("from"), "end": params.get("to"),
            "datum": params.get("datum", "wgs84"), "accuracy_m": _metres(params.get("accuracy")),
            "actor": params.get("actor"), "land": params.get("land"),
            "in_zones": tuple(params.get("in_zone", ()))}


def is_range(arguments: dict[str, Any], today: date) -> bool:
    """Whether the query asks about more than one day (evaluated off the event loop: a
    range may hold ten years of days)."""
    first, last = parse_when(arguments["date"], arguments["start"], arguments["end"], today)
    return first != last


def _metres(text: str | None) -> float:
    if text is None or text == "":
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(f"accuracy 须为不小于 0 的米数，而不是 {text!r}",
                         f"accuracy must be metres >= 0, not {text!r}", code="invalid_accuracy")
    return value
