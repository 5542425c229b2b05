"""The zones cache: a large zones file (thousands of official parcels) takes seconds to
parse and check; once it has passed, its zones are kept in an Arrow file named by the JSON's
hash, with the geometries already projected (as WKB), so the next command loads it in a
fraction of that. pyarrow is imported only when a file is large enough to be cached."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..geo.projection import LOCAL_CRS
from .model import Zone

CACHE_MIN_BYTES = 2 << 20
_CACHE_FORMAT = "2"
_CACHE_FIELDS = ("id", "designation", "name_zh", "name_en", "kind", "level", "buffer_m",
                 "accuracy_m", "completeness", "geometry_source", "source",
                 "extent_accuracy_m")


def cache_path(version: str) -> Path:
    """Where the cache of the zones file with content hash ``version`` lives."""
    root = os.environ.get("FIRECHECK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "firecheck")
    tag = hashlib.sha256(LOCAL_CRS.srs.encode()).hexdigest()[:8]
    return Path(root) / f"zones-{version[7:39]}-{tag}-v{_CACHE_FORMAT}.arrow"


def write_cache(path: Path, zones: list[Zone]) -> None:
    """Best effort: a cache that cannot be written only costs time."""
    import pyarrow as pa
    from pyarrow import ipc

    columns: dict[str, Any] = {f: [getattr(z, f) for z in zones] for f in _CACHE_FIELDS}
    for name, attr in (("wkb", "shape"), ("extent_wkb", "extent")):
        columns[name] = pa.array(shapely.to_wkb(np.array([getattr(z, attr) for z in zones],
                                                         dtype=object)), type=pa.binary())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.part")
        with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(
                sink, pa.table(columns).schema) as writer:
            writer.write_table(pa.table(columns))
        os.replace(tmp, path)
    except OSError:
        return


def read_cache(path: Path) -> list[Zone] | None:
    """The cached zones, or None when there is no usable cache."""
    import pyarrow as pa
    from pyarrow import ipc

    try:
        with pa.memory_map(str(path)) as source:
            table = ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        return None
    rows = table.drop(["wkb", "extent_wkb"]).to_pylist()
    shapes = shapely.from_wkb(np.array(table["wkb"].to_pylist(), dtype=object))
    extents = shapely.from_wkb(np.array(table["extent_wkb"].to_pylist(), dtype=object))
    return [Zone(**row, shape=shape, extent=extent)
            for row, shape, extent in zip(rows, shapes, extents, strict=True)]
