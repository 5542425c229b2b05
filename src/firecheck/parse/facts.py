"""Facts a person states about the place: its land type (forest, grassland, farmland,
built-up, water), in Chinese or English."""

from __future__ import annotations

from ..errors import InputError
from ..rules.activities import normalize
from ..rules.model import LANDS, Land

_ALIASES: dict[Land, tuple[str, ...]] = {
    "forest": ("forest", "林地", "森林", "林区", "树林", "woodland", "woods"),
    "grassland": ("grassland", "草原", "草地", "牧场", "草场", "pasture", "steppe", "meadow"),
    "farmland": ("farmland", "农田", "耕地", "田地", "农地", "cropland", "field", "fields"),
    "built-up": ("built-up", "built up", "城镇", "建成区", "城区", "县城", "村庄", "居民区",
                 "town", "village", "urban", "street"),
    "water": ("water", "水域", "河流", "河道", "湖泊", "水库", "river", "lake", "reservoir"),
}
_LOOKUP = {normalize(alias): land for land, names in _ALIASES.items() for alias in names}


def parse_land(text: str) -> Land:
    """The land type ``text`` names (case-, width- and space-insensitive), or an
    InputError listing the accepted names."""
    found = _LOOKUP.get(normalize(text))
    if found is not None:
        return found
    names_zh = "；".join(f"{land}（{'、'.join(a for a in names if not a.isascii())}）"
                        for land, names in _ALIASES.items())
    raise InputError(f"无法识别的地类 {text!r}。可用：{names_zh}",
                     f"unknown land type {text!r}; use one of {', '.join(LANDS)} "
                     "(or their Chinese names: 林地, 草原, 农田, 城镇, 水域)", code="invalid_land")
