"""Taking what is needed from a city- or province-wide layer: ``--where FIELD=VALUE`` (values
of one field are alternatives, different fields must all match) and ``--clip-county`` (the
features that reach the county, cut at a margin around it)."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ...errors import InputError
from ...geo.projection import to_local, to_wgs84
from .layer import Record


def parse_where(items: list[str]) -> dict[str, set[str]]:
    """'FIELD=VALUE' items as field → accepted values."""
    out: dict[str, set[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--where 格式应为 字段=值：{item!r}",
                             f"--where needs FIELD=VALUE, not {item!r}")
        out.setdefault(name.strip(), set()).add(_norm(value))
    return out


def where(records: list[Record], conditions: dict[str, set[str]], name: str) -> list[Record]:
    """The records whose fields match every condition; InputError naming the fields or the
    values found when a field is missing or nothing matches."""
    if not conditions:
        return records
    fields = list(dict.fromkeys(k for props, _ in records for k in props))
    keys = {}
    for wanted in conditions:
        found = wanted if wanted in fields else next(
            (f for f in fields if f.casefold() == wanted.casefold()), None)
        if found is None:
            raise InputError(f"{name}：--where 的字段 {wanted!r} 不存在（字段有：{'、'.join(fields)}）",
                             f"{name}: --where: no field {wanted!r} (fields: {', '.join(fields)})")
        keys[wanted] = found
    kept = [(props, geom) for props, geom in records
            if all(_norm(props.get(keys[w])) in values for w, values in conditions.items())]
    if not kept:
        seen = {w: sorted({_norm(p.get(keys[w])) for p, _ in records})[:15] for w in conditions}
        listing = "; ".join(f"{w}: {', '.join(v)}" for w, v in seen.items())
        raise InputError(f"{name}：没有要素符合 --where（已有的值 {listing}）",
                         f"{name}: no feature matches --where (values found: {listing})")
    return kept


def _norm(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()


def clip(shapes: list[BaseGeometry], county: BaseGeometry, margin_m: float) -> list[
        BaseGeometry | None]:
    """Each lon/lat shape cut to the county plus ``margin_m`` (local metric plane); None for
    a shape that does not reach it."""
    area = shapely.buffer(_move(county, to_local), margin_m)
    shapely.prepare(area)
    out: list[BaseGeometry | None] = []
    for shape in shapes:
        local = _move(shape, to_local)
        if not area.intersects(local):
            out.append(None)
            continue
        cut = local if area.contains(local) else _same_kind(shapely.intersection(local, area),
                                                            shapely.get_dimensions(local))
        out.append(None if cut is None or cut.is_empty else _move(cut, to_wgs84))
    return out


def _same_kind(cut: BaseGeometry, dimension: int) -> BaseGeometry | None:
    """The parts of a cut of the shape's own dimension (no stray lines off a polygon)."""
    if cut.geom_type != "GeometryCollection":
        return cut
    parts = [p for p in shapely.get_parts(cut) if shapely.get_dimensions(p) == dimension]
    return shapely.union_all(parts) if parts else None


def _move(shape: BaseGeometry, how: Any) -> BaseGeometry:
    def step(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(how(xy[:, 0], xy[:, 1]))

    return shapely.transform(shape, step)
