"""Zip archives as a county office receives them: a zipped Shapefile (its .shp, .dbf, .shx,
.prj and .cpg side by side, perhaps in a folder) or Google Earth's KMZ (doc.kml at the root).
Members are read into memory, never extracted, and the archive's size is bounded."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from ...errors import InputError

MAX_UNPACKED = 1 << 30  # 1 GiB: far beyond any county layer; refuses a zip bomb
LAYER_SUFFIXES = (".shp", ".kml", ".gpx", ".geojson", ".json")


def members(path: Path) -> dict[str, bytes]:
    """Every file of the archive by its path inside it (macOS resource forks skipped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()
                     and not i.filename.startswith("__MACOSX/")]
            if sum(i.file_size for i in infos) > MAX_UNPACKED:
                raise InputError(f"{path.name}：压缩包解压后超过 1 GiB，拒绝读取",
                                 f"{path.name}: the archive unpacks to more than 1 GiB; refused")
            return {i.filename: archive.read(i) for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
            NotImplementedError) as exc:
        raise InputError(f"{path.name}：压缩包无法读取：{exc}",
                         f"{path.name}: unreadable zip archive: {exc}") from exc


def pick_layer(files: dict[str, bytes], name: str, wanted: str | None) -> str:
    """The member holding the layer to import: ``wanted`` (a member's name or stem), else the
    only one (doc.kml first, as Google Earth writes KMZ)."""
    layers = [m for m in files if m.lower().endswith(LAYER_SUFFIXES)]
    if wanted is not None:
        chosen = [m for m in layers if wanted in (m, PurePosixPath(m).name, PurePosixPath(m).stem)]
        if not chosen:
            raise InputError(f"{name}：压缩包中没有图层 {wanted!r}（有：{'、'.join(layers) or '无'}）",
                             f"{name}: no layer {wanted!r} in the archive (it holds: "
                             f"{', '.join(layers) or 'none'})")
        return chosen[0]
    if "doc.kml" in files:
        return "doc.kml"
    if len(layers) == 1:
        return layers[0]
    if not layers:
        raise InputError(f"{name}：压缩包中没有可读的图层（.shp、.kml、.gpx、.geojson）",
                         f"{name}: the archive holds no layer firecheck reads (.shp, .kml, "
                         f".gpx, .geojson); it holds {', '.join(list(files)[:10]) or 'nothing'}")
    raise InputError(f"{name}：压缩包中有多个图层，请用 --layer 选择：{'、'.join(layers)}",
                     f"{name}: the archive holds several layers; choose one with --layer: "
                     f"{', '.join(layers)}")


def shapefile_parts(files: dict[str, bytes], shp: str) -> dict[str, bytes]:
    """The .shp member and its siblings (same folder and stem, any case) by suffix."""
    stem = shp[:-4].lower()
    return {m[-4:].lower(): data for m, data in files.items()
            if m[:-4].lower() == stem and len(m) > 4}
