"""Place names as an alternative to coordinates: the shipped gazetteer plus zone names.

A place carries its own accuracy (a GeoNames village point is good to ±1.5 km), which the
engine adds to every zone's uncertainty band — so a village near a zone is `uncertain`.
A zone's own name (春坤山, 大青山, 白彦沟, 秦长城文物保护区 …) is not a point: it says the
place is inside that zone, which the verdict records as stated by the user. A name that
fits several places is refused with the list, never guessed.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, InputError
from ..resources import PLACES_FILE
from ..text import Text
from .model import ZoneSet

_PARTS = re.compile(r"[()（）\-—–,，/·]+")


@dataclass(frozen=True)
class Place:
    """A named point in WGS-84 and how far the real place may be from it; or, for a zone's
    name, no point and the designations it names (``in_zones``)."""

    name_zh: str
    name_en: str
    lat: float | None
    lon: float | None
    accuracy_m: float
    source: str
    in_zones: tuple[str, ...] = ()

    def label(self) -> Text:
        """How the place is listed among candidates."""
        if self.in_zones:
            return Text(f"{self.name_zh}（区域：表示位于其内）",
                        f"{self.name_en} (a zone: says you are inside it)")
        return Text(f"{self.name_zh}（{self.lat:.4f}, {self.lon:.4f}，±{self.accuracy_m:.0f} 米）",
                    f"{self.name_en} ({self.lat:.4f}, {self.lon:.4f}, ±{self.accuracy_m:.0f} m)")


def _key(text: str) -> str:
    """Case-, width-, accent- and space-insensitive form of a name."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace())


class Gazetteer:
    """Finds a place by any of its Chinese or English names or their parts."""

    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self._index: dict[str, list[Place]] = {}
        for place in places:
            for name in (place.name_zh, place.name_en):
                for key in {_key(name), *(_key(p) for p in _PARTS.split(name) if p.strip())}:
                    self._index.setdefault(key, []).append(place)

    @classmethod
    def load(cls, zones: ZoneSet, path: Path | None = None) -> Gazetteer:
        """The shipped places and the name of every zone designation of the zones file."""
        path = path or PLACES_FILE
        try:
            rows = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"无法读取地名表 {path}：{exc}",
                            f"cannot read the gazetteer {path}: {exc}") from exc
        places = [Place(r["name_zh"], r["name_en"], float(r["lat"]), float(r["lon"]),
                        float(r["accuracy_m"]), r["source"]) for r in rows]
        for designation in zones.by_designation:
            name = zones.designation_name(designation)
            places.append(Place(name.zh, name.en, None, None, 0.0,
                                f"zones file: designation {designation}", (designation,)))
        return cls(places)

    def find(self, name: str) -> Place:
        """The place of that name: its best-located entry when every entry is the same
        place (one point from several sources; parts of one zone merge into one stated
        place), else an InputError listing the candidates, or suggestions."""
        key = _key(name)
        found = self._index.get(key) or [p for k, ps in self._index.items()
                                         if len(key) >= 2 and key in k for p in ps]
        distinct = list(dict.fromkeys(found))
        if distinct and all(p.in_zones for p in distinct):
            zones_named = tuple(dict.fromkeys(z for p in distinct for z in p.in_zones))
            first = distinct[0]
            if len(distinct) == 1:
                return first
            return Place("、".join(p.name_zh for p in distinct),
                         "; ".join(p.name_en for p in distinct), None, None, 0.0,
                         first.source, zones_named) if _one_reserve(distinct) else _ambiguous(
                             name, distinct)
        points = {(round(p.lat, 4), round(p.lon, 4)) for p in distinct if p.lat is not None}
        same = len(points) == 1 or len({p.name_zh for p in distinct}) == 1
        if distinct and same and not any(p.in_zones for p in distinct):
            return min(distinct, key=lambda p: p.accuracy_m)
        if distinct:
            _ambiguous(name, distinct)
        close = difflib.get_close_matches(key, list(self._index), n=5, cutoff=0.5)
        names = list(dict.fromkeys(self._index[k][0].name_zh for k in close))
        hint_en = f" Did you mean: {', '.join(names)}?" if names else ""
        hint_zh = f" 是否要找：{'、'.join(names)}？" if names else ""
        raise InputError(f"未知地名 {name!r}。{hint_zh} 地名来自地名表和区域文件；也可直接给出坐标。",
                         f"unknown place {name!r}.{hint_en} Known places come from "
                         "places.json and the zones file; or give coordinates.", code="unknown_place")

    def find_zones(self, name: str) -> tuple[str, ...]:
        """The designations a zone name (or id, or part of a name) names."""
        key = _key(name)
        zones = [p for p in self.places if p.in_zones]
        exact = [p for p in zones if key in {_key(z) for z in p.in_zones}
                 or key in {_key(p.name_zh), _key(p.name_en)}
                 or any(key == _key(part) for n in (p.name_zh, p.name_en)
                        for part in _PARTS.split(n) if part.strip())]
        found = exact or [p for p in zones if len(key) >= 2 and (
            key in _key(p.name_zh) or key in _key(p.name_en))]
        if not found:
            names = "、".join(p.name_zh for p in zones)
            raise InputError(f"未知区域 {name!r}。通告所列区域：{names}",
                             f"unknown zone {name!r}. The notice's zones: "
                             + "; ".join(p.name_en for p in zones), code="unknown_zone")
        if len(found) > 1 and not _one_reserve(found):
            _ambiguous(name, found)
        return tuple(dict.fromkeys(z for p in found for z in p.in_zones))


def _one_reserve(places: list[Place]) -> bool:
    """Whether zone entries are parts of one named reserve (大青山: 白彦沟 and 马鞍山)."""
    heads = {_PARTS.split(p.name_zh)[0] for p in places}
    return len(heads) == 1


def _ambiguous(name: str, places: list[Place]) -> Place:
    listed_zh = "；".join(p.label().zh for p in places[:8])
    listed_en = "; ".join(p.label().en for p in places[:8])
    more = f" (+{len(places) - 8})" if len(places) > 8 else ""
    raise InputError(f"地名 {name!r} 有歧义，可能是：{listed_zh}{more}。请写出完整名称或给出坐标。",
                     f"the place name {name!r} is ambiguous; it could be: {listed_en}{more}. "
                     "Give the full name, or coordinates.", code="ambiguous_place")
