"""Which CRS a layer is in: ``--crs``, else what the file declares — checked against the
coordinates' own evidence — else a guess from the coordinates. The CRSs a Guyang file is
likely in are tried to say which one would fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry.base import BaseGeometry

from ...errors import InputError
from ...text import Text
from ..file import place_problem
from .layer import Layer, crs_label, parse_crs
from .place import extent, fits

# CGCS2000 and WGS-84 degrees; CGCS2000 3-degree Gauss-Krüger zone 37 (CM 111° E) without and
# with the zone prefix; the 6-degree zone 19 (also CM 111° E) likewise; UTM 49N (CM 111° E).
LIKELY_CRS = ("EPSG:4490", "EPSG:4326", "EPSG:4546", "EPSG:4525", "EPSG:4508", "EPSG:4497",
              "EPSG:32649")
GAUSS_KRUGER = ("EPSG:4546", "EPSG:4525", "EPSG:4508", "EPSG:4497")
DISAGREE_M = 50.0  # two readings farther apart than this are different places, not rounding


def reproject(shapes: list[BaseGeometry], transformer: Transformer) -> list[BaseGeometry]:
    """Shapes through a transformer (always_xy)."""
    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return list(shapely.transform(np.array(shapes, dtype=object), move))


def to_degrees(crs: CRS, **kwargs: Any) -> Transformer:
    """The transformer from ``crs`` to WGS-84 lon/lat; InputError when PROJ has none."""
    try:
        return Transformer.from_crs(crs, "EPSG:4326", always_xy=True, **kwargs)
    except (ProjError, CRSError) as exc:
        raise InputError(f"无法从坐标系 {crs.name} 转换到 WGS-84：{exc}",
                         f"no transformation from {crs.name} to WGS-84: {exc}") from exc


def resolve(layer: Layer, shapes: list[BaseGeometry], given: str | None) -> tuple[CRS, str,
                                                                               Text | None]:
    """The layer's CRS, what said so, and a warning when it was guessed."""
    if given:
        return parse_crs(given, layer.name), "--crs", None
    if layer.crs is not None:
        _check_declared(layer, shapes)
        return layer.crs, layer.crs_source, None
    return _guess(layer, shapes)


def _fitting(shapes: list[BaseGeometry]) -> list[tuple[str, CRS, np.ndarray]]:
    """The likely CRSs that put every coordinate in Guyang, with the lon/lat they give."""
    out = []
    for code in LIKELY_CRS:
        crs = CRS.from_user_input(code)
        moved = shapely.get_coordinates(np.array(reproject(shapes, to_degrees(crs)),
                                                 dtype=object))
        if fits(moved):
            out.append((code, crs, moved))
    return out


def _guess(layer: Layer, shapes: list[BaseGeometry]) -> tuple[CRS, str, Text | None]:
    """No .prj: degrees in Guyang are read as CGCS2000 (with a warning); projected numbers
    are refused, naming the CRSs that would fit."""
    fitting = _fitting(shapes)
    raw = shapely.get_coordinates(np.array(shapes, dtype=object))
    if fitting and fitting[0][0] == "EPSG:4490":
        return fitting[0][1], "guessed from the coordinates (degrees in Guyang)", Text(
            "没有 .prj：坐标是固阳县范围内的经纬度，按 CGCS2000（EPSG:4490，与 WGS-84 相同）读取；"
            "如是高德/腾讯（GCJ-02）或百度（BD-09）坐标，请加 --datum",
            "no .prj: the coordinates are degrees in Guyang, read as CGCS2000 (EPSG:4490, as "
            "WGS-84); if they come from Amap/Tencent (GCJ-02) or Baidu (BD-09), give --datum")
    first = f"({raw[0, 0]:.0f}, {raw[0, 1]:.0f})"
    if fitting:
        options = "、".join(f"--crs {c}（{crs.name}）" for c, crs, _ in fitting)
        options_en = ", ".join(f"--crs {c} ({crs.name})" for c, crs, _ in fitting)
        raise InputError(f"{layer.name}：没有 .prj 说明坐标系；坐标如 {first} 可按以下坐标系"
                         f"落在固阳县：{options}。"
                         "请向数据提供方确认后用 --crs 指定",
                         f"{layer.name}: no .prj says its CRS; coordinates like {first} fall in "
                         f"Guyang read as {options_en}. Ask the data's maker which, and give it "
                         "with --crs")
    raise InputError(f"{layer.name}：没有 .prj 说明坐标系，常用坐标系均不能使坐标 {first} 落在固阳县；"
                     "请用 --crs 指定", f"{layer.name}: no .prj says its CRS, and none of the "
                     f"usual CRSs puts coordinates like {first} in Guyang; give --crs")


def _check_declared(layer: Layer, shapes: list[BaseGeometry]) -> None:
    """A declared UTM CRS whose coordinates read as Gauss-Krüger land somewhere else in
    Guyang: the two cannot be told apart by the numbers (same central meridian and false
    easting, scale 0.9996 against 1), Chinese surveys use Gauss-Krüger, and a wrong choice
    moves the data ~1.8 km. Refused, naming both, unless ``--crs`` confirms one."""
    crs = layer.crs
    assert crs is not None
    if not crs.is_projected or "UTM" not in crs.name:
        return
    declared = shapely.get_coordinates(np.array(reproject(shapes, to_degrees(crs)), dtype=object))
    if not fits(declared):
        return
    from ...geo.projection import to_local

    for code, other, moved in _fitting(shapes):
        if code not in GAUSS_KRUGER:
            continue
        ax, ay = to_local(declared[:, 0], declared[:, 1])
        bx, by = to_local(moved[:, 0], moved[:, 1])
        metres = float(np.median(np.hypot(ax - bx, ay - by)))
        if metres > DISAGREE_M:
            raise InputError(
                f"{layer.name}：.prj 声明 {crs.name}，但这些坐标按 {code}（{other.name}）读取同样落在固阳县，"
                f"两者相差 {metres:,.0f} 米；国内测绘成果多为高斯-克吕格投影，UTM 少见。请确认后用 "
                f"--crs {code} 重新导入（若确为 UTM，用 --crs {crs_label(crs).split(' ')[0]}）",
                f"{layer.name}: the .prj says {crs.name}, but the coordinates fit {code} "
                f"({other.name}) just as well, {metres:,.0f} m away; Chinese surveys are "
                f"Gauss-Krüger, rarely UTM. Check with the data's maker and rerun with --crs "
                f"{code} (or --crs {crs_label(crs).split(' ')[0]} if UTM is right)")


def misplaced(name: str, crs: CRS, shapes: list[BaseGeometry],
              converted: list[BaseGeometry]) -> InputError:
    """Why a whole layer, read as ``crs``, is not in Guyang, and which reading would be."""
    raw = shapely.get_coordinates(np.array(shapes, dtype=object))
    cause = place_problem(raw)
    if cause is not None and cause[1] == "swapped_axes":
        return InputError(f"{name}：{cause[2].zh}。请交换经纬度列（或修正导出时的坐标轴顺序）后重新导入。",
                          f"{name}: {cause[2].en}. Swap the columns (or fix the writer's axis "
                          "order) and import again.")
    where = extent(converted)
    hint = _likely(shapes, crs)
    return InputError(f"{name}：按 {crs.name} 读取时不在固阳县（{where.zh}）。{hint.zh}",
                      f"{name}: read as {crs.name}, it is not in Guyang ({where.en}).{hint.en}")


def _likely(shapes: list[BaseGeometry], declared: CRS) -> Text:
    raw = shapely.get_coordinates(np.array(shapes, dtype=object))
    if fits(raw) and not declared.is_geographic:
        return Text("坐标本身就是经纬度：请不指定 --crs，或用 --crs EPSG:4326。",
                    " The coordinates are already WGS-84 degrees: import without --crs, or "
                    "with --crs EPSG:4326.")
    prefix = (Text("坐标不是经纬度。", " The coordinates are not degrees.")
              if declared.is_geographic and (np.abs(raw) > 180).any() else Text("", ""))
    for code, crs, _ in _fitting(shapes):
        if crs != declared:
            return Text(
                f"{prefix.zh}按 {code}（{crs.name}）读取则落在固阳县内：请加 --crs {code} 重新导入。",
                f"{prefix.en} Read as {code} ({crs.name}) it falls in Guyang: rerun with "
                f"--crs {code}.")
    return Text(f"{prefix.zh}常用坐标系（CGCS2000、WGS-84、高斯-克吕格 37/19 带、UTM 49N）"
                "均不能使其落在固阳县。",
                f"{prefix.en} None of the usual CRSs (CGCS2000, WGS-84, Gauss-Krüger zone 37/19, "
                "UTM 49N) puts it in Guyang.")
