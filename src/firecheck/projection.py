"""The metric plane every distance is measured in.

A transverse Mercator centred on Guyang County (lon_0 = 110.18 E, lat_0 = 41.1 N, k = 1 on
the WGS-84 ellipsoid). Across the county (±0.6° of longitude) its scale error stays below
3e-5, i.e. under 2 cm on a 500 m buffer — far tighter than UTM zone 49N (CM 111° E,
k0 = 0.9996, ~13 cm on 500 m here). Distances are never computed in degrees.
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

LOCAL_CRS = CRS.from_proj4(
    "+proj=tmerc +lat_0=41.1 +lon_0=110.18 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)


_local = threading.local()


def _transformers() -> tuple[Transformer, Transformer]:
    """This thread's (forward, inverse) transformers: PROJ objects are per thread."""
    pair = getattr(_local, "pair", None)
    if pair is None:
        pair = _local.pair = (Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True),
                              Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True))
    return pair


def to_local(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS-84 lon/lat (degrees) to local metres x/y; vectorised."""
    x, y = _transformers()[0].transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def to_wgs84(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Local metres x/y back to WGS-84 lon/lat; vectorised."""
    lon, lat = _transformers()[1].transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)
