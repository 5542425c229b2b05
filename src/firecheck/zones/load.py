"""Loading a zones file: read, check (refusing a file with errors), project once to the
county's plane; large files go through the cache (:mod:`.cache`)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import DataError
from ..files import digest_regular, read_regular
from ..geo.projection import to_local
from ..resources import ZONES_FILE
from ..text import Text
from ..unicode import SURROGATE_ESCAPE, has_lone_surrogate
from .cache import (
    CACHE_MIN_BYTES,
    cache_dir,
    cache_path,
    import_arrow_meanwhile,
    read_cache,
    usable_dir,
    write_cache,
)
from .file import check, errors
from .index_cache import IndexCache
from .known import Known
from .model import Zone, ZoneSet

ENV_VAR = "FIRECHECK_ZONES"


def default_zones_path() -> Path:
    """``$FIRECHECK_ZONES``, else the zones file shipped in the package."""
    if env := os.environ.get(ENV_VAR):
        return Path(env)
    return ZONES_FILE


def load_zones(path: Path | None = None) -> ZoneSet:
    """Load, check and project a zones GeoJSON file; refuse it if it has errors. A large
    file's zones come from the cache when it provably holds them (:mod:`.cache`); the
    returned set's ``notes`` say why a cache was not used."""
    path = path or default_zones_path()
    what = Text("区域文件", "zones file")
    directory = cache_dir()
    refusal = functools.cache(lambda: usable_dir(directory))  # why no cache, if so
    source = known = None
    with contextlib.suppress(OSError):  # the digest below reports a file it cannot read
        if os.stat(path).st_size >= CACHE_MIN_BYTES:
            import_arrow_meanwhile()
            if refusal() is None:
                source, known = Known(directory, "source"), Known(directory, "cache")
    # Hashed in blocks first (or its hash recalled): a large file's zones usually come
    # from the cache, and then its 50 MB are never held.
    digest = digest_regular(path, what, DataError, source)
    version, size = "sha256:" + digest.sha256, digest.size
    notes: list[Text] = []
    if size >= CACHE_MIN_BYTES:
        refused = refusal()
        cache = cache_path(version) if refused is None else None
        if refused is not None:
            notes.append(refused)
    else:
        cache = None
    if cache is not None:
        cached, note = read_cache(cache, version, known)
        if cached is not None:
            return ZoneSet(cached, version, str(path), kept=IndexCache(version))
        if note is not None:
            notes.append(note)
    raw = read_regular(path, what, DataError)
    if (read := "sha256:" + hashlib.sha256(raw).hexdigest()) != version:
        if not digest.recalled:
            raise DataError(f"{path}：读取时文件被修改", f"{path}: the file changed while it was read")
        version = read  # a record that was wrong: what the file holds counts
        if cache is not None:
            cache = cache_path(version)
        if source is not None:
            source.forget(path)
    data = parse_json(raw, path)
    problems, shapes = check(data)
    if bad := errors(problems):
        more = f" (+{len(bad) - 5} more; run 'firecheck zones validate')" if len(bad) > 5 else ""
        raise DataError(f"{path.name}：" + "；".join(p.get("zh") for p in bad[:5]) + more,
                        f"{path.name}: " + "; ".join(p.get("en") for p in bad[:5]) + more)
    mapped = [s for s in shapes if s is not None]
    projected = iter(shapely.transform(np.array(mapped, dtype=object), _to_plane)
                     if mapped else [])
    zones = []
    for feature, shape in zip(data["features"], shapes, strict=True):
        props = feature["properties"]
        local = next(projected) if shape is not None else None
        accuracy = props.get("accuracy_m")
        extent = props.get("extent")
        zones.append(Zone(
            id=str(props["id"]), designation=str(props["designation"]),
            name_zh=str(props["name_zh"]), name_en=str(props["name_en"]),
            kind=str(props["kind"]), level=str(props["level"]),
            buffer_m=float(props["buffer_m"]),
            accuracy_m=None if accuracy is None else float(accuracy),
            completeness=props["completeness"], geometry_source=props.get("geometry_source"),
            source=str(props["source"]), shape=local,
            extent=_extent(extent) if extent is not None else None,
            extent_accuracy_m=float(props.get("extent_accuracy_m") or 0.0),
        ))
    if cache is not None:
        write_cache(cache, zones, version)
    return ZoneSet(zones, version, str(path), tuple(notes), IndexCache(version))


def parse_json(raw: bytes, path: Path) -> Any:
    """A JSON document from bytes (UTF-8, BOM allowed) or a DataError naming the file: not
    UTF-8, not JSON, nested deeper than Python can follow, or holding a lone surrogate
    (``"\\ud800"``: valid JSON, but no text a UTF-8 file or terminal can hold)."""
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}：不是有效的 UTF-8 JSON：{exc}",
                        f"{path}: not valid UTF-8 JSON: {exc}") from exc
    except RecursionError as exc:
        raise DataError(f"{path}：JSON 嵌套过深", f"{path}: JSON nested too deeply") from exc
    if SURROGATE_ESCAPE.search(text) and has_lone_surrogate(data):
        raise DataError(f"{path}：含有孤立的代理码位（如 \\ud800），不是有效的 Unicode",
                        f"{path}: holds a lone surrogate (such as \\ud800), which is not valid "
                        "Unicode")
    return data


def _extent(box: list[float]) -> BaseGeometry:
    """A [west, south, east, north] box in degrees as a polygon in the local plane, its
    edges densified so that the projected outline follows the meridians and parallels."""
    west, south, east, north = box
    outline = shapely.segmentize(shapely.box(west, south, east, north), 0.01)
    return shapely.transform(outline, _to_plane)


def _to_plane(xy: np.ndarray) -> np.ndarray:
    return np.column_stack(to_local(xy[:, 0], xy[:, 1]))
