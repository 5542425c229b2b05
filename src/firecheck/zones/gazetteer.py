"""Place names as an alternative to coordinates: the shipped gazetteer plus zone names.

A place carries its own accuracy (a GeoNames village point is good to ±1.5 km), which the
engine adds to every zone's uncertainty band — so a village near a zone is `uncertain`.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, InputError
from ..geo.projection import to_wgs84
from ..resources import PLACES_FILE
from .model import ZoneSet

_PARTS = re.compile(r"[()（）\-—–,，/·]+")


@dataclass(frozen=True)
class Place:
    """A named point in WGS-84 and how far the real place may be from it."""

    name_zh: str
    name_en: str
    lat: float
    lon: float
    accuracy_m: float
    source: str


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
        """The shipped places and every mapped zone (at a point inside it)."""
        path = path or PLACES_FILE
        try:
            rows = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"无法读取地名表 {path}：{exc}",
                            f"cannot read the gazetteer {path}: {exc}") from exc
        places = [Place(r["name_zh"], r["name_en"], float(r["lat"]), float(r["lon"]),
                        float(r["accuracy_m"]), r["source"]) for r in rows]
        for zone in (zones.county, *zones.mapped):
            assert zone.shape is not None
            inner = zone.shape.representative_point()
            lon, lat = to_wgs84(inner.x, inner.y)
            places.append(Place(zone.name_zh, zone.name_en, float(lat), float(lon),
                                zone.accuracy_m or 0.0, f"zones file: {zone.id}"))
        return cls(places)

    def find(self, name: str) -> Place:
        """The best-located place of that name, or an InputError with suggestions."""
        found = self._index.get(_key(name))
        if found:
            return min(found, key=lambda p: p.accuracy_m)
        close = difflib.get_close_matches(_key(name), list(self._index), n=5, cutoff=0.5)
        names = list(dict.fromkeys(self._index[k][0].name_zh for k in close))
        hint_en = f" Did you mean: {', '.join(names)}?" if names else ""
        hint_zh = f" 是否要找：{'、'.join(names)}？" if names else ""
        raise InputError(f"未知地名 {name!r}。{hint_zh} 地名来自地名表和区域文件；也可直接给出坐标。",
                         f"unknown place {name!r}.{hint_en} Known places come from "
                         "places.json and the zones file; or give coordinates.")
