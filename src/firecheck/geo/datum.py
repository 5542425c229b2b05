"""Conversion between the three coordinate datums used in China: WGS-84, GCJ-02 and BD-09.

GPS receivers report WGS-84. Maps published in China must use GCJ-02 ("Mars coordinates":
Amap/Gaode, Tencent, WeChat), which shifts every point by a deliberately obfuscating,
position-dependent offset; Baidu adds its own shift on top (BD-09). In Guyang County the
GCJ-02 shift is about 490-570 m, as large as the 500 m buffers the rules use, so every
coordinate is converted to WGS-84 before any geometric test.

The GCJ-02 formula used here is the public, reverse-engineered one (as in eviltransform,
geoChina and PRCoords), not an official specification; it agrees with real Amap offsets to
about a metre. It has no closed-form inverse, so GCJ-02 -> WGS-84 and BD-09 -> GCJ-02 are
solved by fixed-point iteration of the forward formulas to better than 1e-12 degrees.

All functions take floats or broadcastable numpy arrays of (lat, lon) and are vectorised:
scalars in give Python floats out, arrays in give float64 arrays out. NaN never raises.
"""

from __future__ import annotations

import unicodedata
from typing import Literal, TypeAlias, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError

Datum = Literal["wgs84", "gcj02", "bd09"]
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02", "bd09")

Coord: TypeAlias = float | NDArray[np.float64]
"""One coordinate component: a Python float for scalar input, else a float64 array."""

_Arr: TypeAlias = NDArray[np.float64]

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_PI = np.pi
# Baidu's constants.
_X_PI = 3.14159265358979324 * 3000.0 / 180.0
_BD_DLAT = 0.006
_BD_DLON = 0.0065
# The customary rough "in China" box; GCJ-02 leaves points outside it unchanged.
_CHINA_LAT = (0.8293, 55.8271)
_CHINA_LON = (72.004, 137.8347)

_TOL = 1e-12  # degrees (~0.1 µm): a point stops when its own step is smaller
_MAX_ITER = 30

_ALIASES: dict[Datum, tuple[str, ...]] = {
    "wgs84": ("wgs84", "wgs-84", "wgs 84", "gps", "epsg:4326", "4326"),
    "gcj02": ("gcj02", "gcj-02", "gcj", "amap", "gaode", "高德", "tencent", "腾讯", "qq", "火星"),
    "bd09": ("bd09", "bd-09", "bd09ll", "baidu", "百度"),
}


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


_LOOKUP: dict[str, Datum] = {_norm(a): d for d, names in _ALIASES.items() for a in names}


def parse_datum(text: str) -> Datum:
    """Parse a datum name or alias (case-, full-width- and whitespace-insensitive).

    Raises InputError for anything else.
    """
    if isinstance(text, str):
        found = _LOOKUP.get(_norm(text))
        if found is not None:
            return found
    accepted = "; ".join(
        f"{d} ({', '.join(a for a in names if a != d)})" for d, names in _ALIASES.items()
    )
    raise InputError(
        f"无法识别的坐标系 {text!r}。请使用 wgs84（GPS）、gcj02（高德、腾讯、微信）或 "
        f"bd09（百度）。可用名称：{accepted}。",
        f"Unknown coordinate datum {text!r}. Use wgs84 (GPS), gcj02 (Amap/Gaode, Tencent, "
        f"WeChat) or bd09 (Baidu). Accepted names: {accepted}.",
        code="invalid_datum",
    )


# --- array plumbing ---------------------------------------------------------------------


def _prepare(lat: ArrayLike, lon: ArrayLike) -> tuple[_Arr, _Arr, bool]:
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    scalar = la.ndim == 0 and lo.ndim == 0
    la, lo = np.broadcast_arrays(la, lo)
    return la, lo, scalar


def _finish(la: _Arr, lo: _Arr, nan: _Arr, scalar: bool) -> tuple[Coord, Coord]:
    """NaN in either input component makes both outputs NaN; unwrap scalars."""
    la = np.where(nan, np.nan, la)
    lo = np.where(nan, np.nan, lo)
    if scalar:
        return float(la), float(lo)
    return la, lo


def _in_china(la: _Arr, lo: _Arr) -> _Arr:
    return (
        (la >= _CHINA_LAT[0])
        & (la <= _CHINA_LAT[1])
        & (lo >= _CHINA_LON[0])
        & (lo <= _CHINA_LON[1])
    )


# --- the formulas (whole-array, no China check) -----------------------------------------


def _gcj_offset(la: _Arr, lo: _Arr) -> tuple[_Arr, _Arr]:
    """GCJ-02 minus WGS-84, in degrees, at WGS-84 point (la, lo)."""
    x = lo - 105.0
    y = la - 35.0
    sq = np.sqrt(np.abs(x))
    both = (20.0 * np.sin(6.0 * x * _PI) + 20.0 * np.sin(2.0 * x * _PI)) * 2.0 / 3.0
    dlat_m = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sq
        + both
        + (20.0 * np.sin(y * _PI) + 40.0 * np.sin(y / 3.0 * _PI)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * _PI) + 320.0 * np.sin(y * _PI / 30.0)) * 2.0 / 3.0
    )
    dlon_m = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sq
        + both
        + (20.0 * np.sin(x * _PI) + 40.0 * np.sin(x / 3.0 * _PI)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * _PI) + 300.0 * np.sin(x / 30.0 * _PI)) * 2.0 / 3.0
    )
    rad = la / 180.0 * _PI
    magic = 1.0 - _GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat_m * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * _PI)
    dlon = dlon_m * 180.0 / (_GCJ_A / sqrt_magic * np.cos(rad) * _PI)
    return dlat, dlon


def _bd_forward(la: _Arr, lo: _Arr) -> tuple[_Arr, _Arr]:
    z = np.sqrt(lo * lo + la * la) + 0.00002 * np.sin(la * _X_PI)
    theta = np.arctan2(la, lo) + 0.000003 * np.cos(lo * _X_PI)
    return z * np.sin(theta) + _BD_DLAT, z * np.cos(theta) + _BD_DLON


def _bd_rough_inverse(la: _Arr, lo: _Arr) -> tuple[_Arr, _Arr]:
    x = lo - _BD_DLON
    y = la - _BD_DLAT
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.sin(theta), z * np.cos(theta)


# --- public conversions -----------------------------------------------------------------


@overload
def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]: ...
def wgs84_to_gcj02(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]:
    """WGS-84 -> GCJ-02. Points outside the China box are returned unchanged."""
    la, lo, scalar = _prepare(lat, lon)
    with np.errstate(all="ignore"):
        inside = _in_china(la, lo)
        dlat, dlon = _gcj_offset(la, lo)
        out_la = np.where(inside, la + dlat, la)
        out_lo = np.where(inside, lo + dlon, lo)
        return _finish(out_la, out_lo, np.isnan(la) | np.isnan(lo), scalar)


@overload
def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]: ...
def gcj02_to_wgs84(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]:
    """GCJ-02 -> WGS-84 by iterating the forward formula to < 1e-12 degrees, each point
    until its own step is that small (:func:`_step`).

    As in the reference implementations, the China-box test is applied to the GCJ-02 input:
    points outside it are returned unchanged.
    """
    la, lo, scalar = _prepare(lat, lon)
    with np.errstate(all="ignore"):
        inside = _in_china(la, lo)
        dlat, dlon = _gcj_offset(la, lo)
        w_la, w_lo, done = la - dlat, lo - dlon, ~inside
        for _ in range(_MAX_ITER):
            dlat, dlon = _gcj_offset(w_la, w_lo)
            w_la, w_lo, done = _step(w_la, w_lo, w_la + dlat - la, w_lo + dlon - lo, done)
            if done.all():
                break
        out_la = np.where(inside, w_la, la)
        out_lo = np.where(inside, w_lo, lo)
        return _finish(out_la, out_lo, np.isnan(la) | np.isnan(lo), scalar)


@overload
def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]: ...
def gcj02_to_bd09(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]:
    """GCJ-02 -> BD-09 (Baidu's formula; applied everywhere, no China check)."""
    la, lo, scalar = _prepare(lat, lon)
    with np.errstate(all="ignore"):
        b_la, b_lo = _bd_forward(la, lo)
        return _finish(b_la, b_lo, np.isnan(la) | np.isnan(lo), scalar)


@overload
def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]: ...
def bd09_to_gcj02(lat: ArrayLike, lon: ArrayLike) -> tuple[Coord, Coord]:
    """BD-09 -> GCJ-02: the usual approximate inverse, refined by iterating gcj02_to_bd09."""
    la, lo, scalar = _prepare(lat, lon)
    with np.errstate(all="ignore"):
        g_la, g_lo = _bd_rough_inverse(la, lo)
        done = np.zeros(np.shape(la), dtype=bool)
        for _ in range(_MAX_ITER):
            b_la, b_lo = _bd_forward(g_la, g_lo)
            g_la, g_lo, done = _step(g_la, g_lo, b_la - la, b_lo - lo, done)
            if done.all():
                break
        return _finish(g_la, g_lo, np.isnan(la) | np.isnan(lo), scalar)


def _step(la: _Arr, lo: _Arr, err_la: _Arr, err_lo: _Arr,
          done: _Arr) -> tuple[_Arr, _Arr, _Arr]:
    """One step of an inverse: each point not yet done moves by its error, and is done
    once that error is below the tolerance (a NaN one too: it has no better value). Each
    point stops on its own, so a point converts the same alone or in a batch of others
    (stopping all when the last converged gave up to 3e-8 m of difference)."""
    la = np.where(done, la, la - err_la)
    lo = np.where(done, lo, lo - err_lo)
    return la, lo, done | ~((np.abs(err_la) >= _TOL) | (np.abs(err_lo) >= _TOL))


@overload
def to_wgs84(lat: float, lon: float, datum: Datum) -> tuple[float, float]: ...
@overload
def to_wgs84(lat: ArrayLike, lon: ArrayLike, datum: Datum) -> tuple[Coord, Coord]: ...
def to_wgs84(lat: ArrayLike, lon: ArrayLike, datum: Datum) -> tuple[Coord, Coord]:
    """Convert (lat, lon) given in ``datum`` to WGS-84. ``datum`` may also be an alias.

    wgs84 is the identity (a copy for arrays). Raises InputError for an unknown datum.
    """
    d = parse_datum(datum)
    if d == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if d == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    la, lo, scalar = _prepare(lat, lon)
    if scalar:
        return float(la), float(lo)
    return np.array(la), np.array(lo)
