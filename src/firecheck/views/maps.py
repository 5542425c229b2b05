"""Offline maps (SVG or PNG) of the zones, a checked place and its verdict, or a batch.

Drawn with matplotlib in the county's metric plane, so the scale bar is true. Each zone is
drawn with its 500 m ban line and, where its edge is approximate, the band of that
uncertainty, hatched: an approximate zone looks approximate. Labels are Chinese when a CJK
font is installed (Noto CJK, WenQuanYi, …) and English otherwise. Nothing is fetched from
the network: no tiles, no web fonts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import shapely
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text as MplText
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ..files import write_atomically
from ..geo.projection import to_local
from ..resources import NEIGHBOURS_FILE
from ..text import say
from ..unicode import displayable
from ..zones.model import Zone, ZoneSet
from .words import status_label

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # no bold CJK face: fine

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
STATUS_COLOUR = {"prohibited": "#d62728", "uncertain": "#b05fc9", "permit_required": "#e6a700",
                 "allowed": "#2ca02c", "out_of_scope": "#1f77b4", "error": "#555555"}


@dataclass(frozen=True)
class Marker:
    """The checked place (WGS-84) with its accuracy and the verdict to show."""

    lat: float
    lon: float
    accuracy_m: float
    status: str
    caption: str


def cjk_font() -> str | None:
    """The first installed font that covers Chinese, or None. matplotlib's font cache may
    predate a font installed later (fonts-wqy-microhei after a first map): then the system's
    CJK font files are added once."""
    if (found := _known_cjk_font()) is None:
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name.lower() for key in _CJK_FILES):
                font_manager.fontManager.addfont(path)
        found = _known_cjk_font()
    return found


_CJK_FILES = ("wqy", "cjk", "simhei", "simsun", "msyh", "droidsansfallback", "uming", "ukai")


def _known_cjk_font() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def label_lang(lang: str) -> str:
    """Chinese labels need a CJK font; without one the map falls back to English."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def render(path: Path, zones: ZoneSet, lang: str, marker: Marker | None = None,
           points: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
           radius_m: float | None = None, title: str | None = None) -> str:
    """Draw a map to ``path`` (.svg or .png); returns the label language used."""
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise InputError(f"地图文件须以 .svg 或 .png 结尾：{path.name}",
                         f"map file must end in .svg or .png, not {path.name}")
    lang = label_lang(lang)
    with matplotlib.rc_context(_style()):
        fig = figure(zones, lang, marker, points, radius_m, title)
        write_atomically(path, lambda out: fig.savefig(
            out, format=suffix[1:], bbox_inches="tight", metadata=_metadata(suffix)))
    return lang


def figure(zones: ZoneSet, lang: str, marker: Marker | None = None,
           points: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
           radius_m: float | None = None, title: str | None = None) -> Figure:
    """The map as a matplotlib figure whose axes are the county's plane in metres."""
    if marker is not None and not np.isfinite(to_local(marker.lon, marker.lat)).all():
        raise InputError("此处离固阳过远，无法在本县地图平面上绘制",
                         "this place is too far from Guyang to draw on the county's plane")
    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(9, 9), dpi=110)  # no pyplot: no GUI backend, no global state
        ax = fig.add_subplot()
        _draw(ax, zones, lang, marker, points, radius_m)
        ax.set_title(title or say(lang, "固阳县防火戒严区域", "Guyang County fire-ban zones"),
                     fontsize=13, gid="title")
        for text in fig.findobj(MplText):  # names from data files: no control characters
            text.set_text(displayable(text.get_text()))
    return fig


def _style() -> dict[str, Any]:
    """Fonts (CJK when installed) and reproducible SVG output."""
    font = cjk_font()
    return {"font.family": "sans-serif",
            "font.sans-serif": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
            "svg.fonttype": "none", "axes.unicode_minus": False, "svg.hashsalt": "firecheck",
            "text.parse_math": False}  # a '$' in a zone's name is a dollar sign, not TeX


def _metadata(suffix: str) -> dict[str, Any]:
    """Fixed metadata so the same map is the same file."""
    return {"Date": None} if suffix == ".svg" else {"Software": "firecheck"}


def _draw(ax: Axes, zones: ZoneSet, lang: str, marker: Marker | None,
          points: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
          radius_m: float | None) -> None:
    ax.set_aspect("equal")
    ax.set_facecolor("#f7f7f2")
    ax.set_xticks([])
    ax.set_yticks([])
    for path, name in _neighbours(lang):
        _patch(ax, path, facecolor="#ecece4", edgecolor="#b0b0a8", lw=0.6, gid="neighbours")
        centre = path.representative_point()
        ax.annotate(name, (centre.x, centre.y), color="#8a8a80", fontsize=8, ha="center",
                    gid="neighbour-label", annotation_clip=True)
    assert zones.county.shape is not None
    _patch(ax, zones.county.shape, facecolor="white", edgecolor="#333333", lw=1.4, gid="county")
    for zone in zones.mapped:
        _zone(ax, zone, lang)
    handles = _legend_handles(lang, zones)
    if points is not None:
        x, y, status = points
        for name in ("allowed", "out_of_scope", "permit_required", "uncertain", "prohibited",
                     "error"):  # the most serious drawn last, on top
            colour = STATUS_COLOUR[name]
            mask = status == name
            if mask.any():
                ax.scatter(x[mask], y[mask], s=4, c=colour, linewidths=0, rasterized=len(x) > 20_000,
                           gid="batch-points", zorder=5)
                handles.append(Line2D([], [], marker="o", ls="", color=colour,
                                      label=status_label(name, lang) if name != "error"
                                      else say(lang, "错误", "error")))
    if marker is not None:
        x, y = (float(v) for v in to_local(marker.lon, marker.lat))
        if marker.accuracy_m:
            ax.add_patch(Circle((x, y), marker.accuracy_m, fill=False, ls=":",
                                    color=STATUS_COLOUR[marker.status], gid="query-accuracy"))
        ax.plot([x], [y], marker="*", ms=18, color=STATUS_COLOUR[marker.status], mec="black",
                zorder=6, gid="query")
        ax.annotate(marker.caption, (x, y), xytext=(12, -18), textcoords="offset points",
                    fontsize=10, weight="bold", color=STATUS_COLOUR[marker.status],
                    gid="verdict", bbox={"boxstyle": "round", "fc": "white", "alpha": 0.85})
        handles.append(Line2D([], [], marker="*", ls="", ms=12,
                              color=STATUS_COLOUR[marker.status],
                              label=say(lang, "查询地点", "queried place")))
    _extent(ax, zones, marker, radius_m)
    legend = ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    legend.set_gid("legend")
    _scale_bar(ax, lang)
    _north_arrow(ax, lang)


def _zone(ax: Axes, zone: Zone, lang: str) -> None:
    assert zone.shape is not None
    accuracy = zone.accuracy_m or 0.0
    approximate = zone.completeness != "complete" or accuracy > 0
    if zone.buffer_m + accuracy > 0:
        outer = zone.shape.buffer(zone.buffer_m + accuracy)
        inner = zone.shape.buffer(zone.buffer_m - accuracy) if zone.buffer_m > accuracy else None
        band = outer.difference(inner) if inner is not None and not inner.is_empty else outer
        if accuracy:
            _patch(ax, band, facecolor="none", edgecolor="#b05fc9", hatch="///", lw=0.0,
                   gid="accuracy-band", alpha=0.6)
        line = zone.shape.buffer(zone.buffer_m) if zone.buffer_m else zone.shape
        _patch(ax, line, facecolor="none", edgecolor="#d62728", ls="--", lw=1.0, gid="buffer")
    if zone.shape.geom_type in ("Polygon", "MultiPolygon"):
        _patch(ax, zone.shape, facecolor="#f4a58277", edgecolor="#b2182b",
               ls=":" if approximate else "-", lw=1.2, gid="zone")
    else:
        for part in shapely.get_parts(zone.shape):
            xy = shapely.get_coordinates(part)
            ax.plot(xy[:, 0], xy[:, 1], color="#b2182b", ls=":" if approximate else "-",
                    lw=2, marker="o" if part.geom_type == "Point" else None, gid="zone")
    centre = zone.shape.representative_point()
    name = zone.name.get(lang)
    if approximate:
        name += say(lang, f"（近似，±{accuracy / 1000:.0f} 公里）" if accuracy >= 1000 else
                   f"（近似，±{accuracy:.0f} 米）", f" (approximate, ±{accuracy:,.0f} m)")
    ax.annotate(name, (centre.x, centre.y), fontsize=8, color="#7f0000", ha="center",
                gid="zone-label", annotation_clip=True)


def _legend_handles(lang: str, zones: ZoneSet) -> list[Any]:
    handles: list[Any] = [
        Line2D([], [], color="#333333", lw=1.4, label=say(lang, "固阳县界", "Guyang county line")),
        Patch(facecolor="#f4a58277", edgecolor="#b2182b",
              label=say(lang, "戒严区域（虚线为近似）", "fire-ban zone (dotted: approximate)")),
        Line2D([], [], color="#d62728", ls="--",
               label=say(lang, "500 米戒严线", "500 m ban line")),
        Patch(facecolor="none", edgecolor="#b05fc9", hatch="///",
              label=say(lang, "位置不确定带", "uncertainty band")),
    ]
    unmapped = sorted({z.designation for z in zones.zones
                       if z is not zones.county and zones.completeness(z.designation)
                       == "unmapped"})
    if unmapped:
        handles.append(Patch(facecolor="none", edgecolor="none", label=say(
            lang, f"另有 {len(unmapped)} 类区域无边界数据", f"{len(unmapped)} more zones have no "
            "boundary data")))
    return handles


def _patch(ax: Axes, geometry: BaseGeometry, gid: str, **style: Any) -> None:
    for polygon in shapely.get_parts(geometry):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        rings = [polygon.exterior, *polygon.interiors]
        vertices = np.concatenate([np.asarray(r.coords) for r in rings])
        codes = np.concatenate([[MplPath.MOVETO] + [MplPath.LINETO] * (len(r.coords) - 2)
                                + [MplPath.CLOSEPOLY] for r in rings])
        ax.add_patch(PathPatch(MplPath(vertices, codes), gid=gid, **style))


def _neighbours(lang: str) -> list[tuple[BaseGeometry, str]]:
    out = []
    for feature in json.loads(NEIGHBOURS_FILE.read_text("utf-8"))["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        local = shapely.transform(shape, lambda xy: np.column_stack(to_local(xy[:, 0], xy[:, 1])))
        props = feature["properties"]
        out.append((local, props["name"] if lang == "zh" else props["name_en"]))
    return out


def _extent(ax: Axes, zones: ZoneSet, marker: Marker | None, radius_m: float | None) -> None:
    assert zones.county.shape is not None
    if marker is not None:
        x, y = (float(v) for v in to_local(marker.lon, marker.lat))
        r = radius_m or 8000.0
        ax.set_xlim(x - r, x + r)
        ax.set_ylim(y - r, y + r)
        return
    x0, y0, x1, y1 = zones.county.shape.bounds
    pad = 0.06 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def _scale_bar(ax: Axes, lang: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = (x1 - x0) / 4
    length = next(v for v in (100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200,
                              100) if v <= span)
    bx, by = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", lw=3, solid_capstyle="butt",
            gid="scalebar")
    text = (f"{length // 1000} {say(lang, '公里', 'km')}" if length >= 1000
            else f"{length} {say(lang, '米', 'm')}")
    ax.annotate(text, (bx + length / 2, by), xytext=(0, 5), textcoords="offset points",
                ha="center", fontsize=9, gid="scalebar-label")


def _north_arrow(ax: Axes, lang: str) -> None:
    ax.annotate(say(lang, "北", "N"), xy=(0.95, 0.95), xytext=(0.95, 0.86),
                xycoords="axes fraction", ha="center", va="center", fontsize=12, weight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2}, gid="north-arrow")
