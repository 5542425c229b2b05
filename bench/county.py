"""Seeded generator of a fully mapped county: every designation of clause 二 drawn at ±5 m.

    python bench/county.py OUT.geojson [--seed 11] [--work DIR]

A dozen reserves, scenic, forestry and red-line areas of 5–100 km² with 50–400 vertices each,
spread over the county, and the Qin and Zhao Great Wall lines, 80–90 km long with ~500
vertices each, crossing it west to east. The shapes are written as source files in WGS-84 and
imported with ``firecheck zones import`` (one import per zone kind, each on the previous
output), so the zones file is what the real importer makes and the real loader and cache read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import shapely

from firecheck.geo.projection import to_wgs84
from firecheck.zones.load import load_zones

# (designation, kind, name): the areal designations of the fire-ban notice, a dozen features.
AREAS = [
    ("daqingshan-nr-baiyangou", "nature_reserve", "大青山白彦沟"),
    ("daqingshan-nr-maanshan", "nature_reserve", "大青山马鞍山"),
    ("honghua-obo-nr", "nature_reserve", "红花敖包"),
    ("chunkunshan-nr", "nature_reserve", "春坤山"),
    ("daxianshan-scenic", "scenic_area", "大仙山"),
    ("xiheyi-forestry", "forestry_area", "西河伊林场"),
    ("qifenzi-forestry", "forestry_area", "七份子林场"),
    ("erxiang-nanpo-forest", "forestry_area", "二相南坡"),
    ("ecological-redline", "ecological_redline", "生态红线东区"),
    ("ecological-redline", "ecological_redline", "生态红线西区"),
    ("forestry-project-areas", "forestry_project", "林业工程区"),
    ("grassland-subsidy-areas", "grassland_subsidy", "草原奖补区"),
]
WALLS = [("qin-great-wall", "秦长城"), ("zhao-great-wall", "赵长城")]
ACCURACY_M = 5.0


def area_shape(rng: np.random.Generator, centre: tuple[float, float]) -> shapely.Polygon:
    """A star-shaped (so simple) lobed polygon of 5–100 km² and 50–400 vertices."""
    n = int(rng.integers(50, 401))
    theta = np.sort((np.arange(n) + rng.uniform(-0.4, 0.4, n)) * 2 * np.pi / n)
    radius = np.ones(n)
    for k in range(2, 6):
        radius += rng.uniform(0, 0.3 / k * 2) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    radius *= 1 + rng.normal(0, 0.02, n)
    ring = np.column_stack([np.cos(theta) * radius, np.sin(theta) * radius])
    unit = shapely.Polygon(ring)
    scale = np.sqrt(rng.uniform(5e6, 100e6) / unit.area)
    return shapely.Polygon(ring * scale + np.asarray(centre))


def wall_line(rng: np.random.Generator, bounds: tuple[float, float, float, float],
              y_start: float) -> shapely.LineString:
    """A meandering west–east line of 80–90 km with ~500 vertices."""
    length = rng.uniform(80e3, 90e3)
    n = int(rng.integers(480, 521))
    step = length / (n - 1)
    heading = np.cumsum(rng.normal(0, 0.08, n - 1)) * 0.5
    heading = np.clip(heading - heading.mean(), -0.7, 0.7)
    xy = np.zeros((n, 2))
    xy[0] = bounds[0] + 2000.0, y_start
    xy[1:] = xy[0] + np.cumsum(np.column_stack([np.cos(heading), np.sin(heading)]) * step, axis=0)
    return shapely.LineString(xy)


def features(seed: int) -> dict[str, list[dict]]:
    """The source features (WGS-84 GeoJSON), grouped by zone kind."""
    rng = np.random.default_rng(seed)
    county = load_zones().county.shape
    core = county.buffer(-4000)
    minx, miny, maxx, maxy = county.bounds
    groups: dict[str, list[dict]] = {}
    for designation, kind, name in AREAS:
        while True:
            centre = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if core.contains(shapely.Point(centre)):
                break
        groups.setdefault(kind, []).append(_feature(area_shape(rng, centre), designation, name))
    for (designation, name), y in zip(WALLS, np.linspace(miny, maxy, 4)[1:3], strict=True):
        groups.setdefault("heritage_site", []).append(
            _feature(wall_line(rng, (minx, miny, maxx, maxy), y), designation, name))
    return groups


def _feature(shape: shapely.Geometry, designation: str, name: str) -> dict:
    xy = shapely.get_coordinates(shape)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    coords = np.round(np.column_stack([lon, lat]), 7).tolist()
    geometry = ({"type": "Polygon", "coordinates": [coords]} if shape.geom_type == "Polygon"
                else {"type": "LineString", "coordinates": coords})
    return {"type": "Feature", "properties": {"designation": designation, "name": name},
            "geometry": geometry}


def build(out: Path, seed: int, work: Path) -> Path:
    """Write the fully mapped zones file ``out`` through ``firecheck zones import``."""
    base: Path | None = None
    for kind, group in features(seed).items():
        source = work / f"{kind}.geojson"
        source.write_text(json.dumps({"type": "FeatureCollection", "features": group},
                                     ensure_ascii=False), "utf-8")
        target = work / f"zones-{kind}.geojson"
        argv = [sys.executable, "-m", "firecheck", "zones", "import", str(source),
                "--designation-field", "designation", "--name-field", "name", "--kind", kind,
                "--accuracy", str(ACCURACY_M), "-o", str(target), "--lang", "en"]
        if base is not None:
            argv += ["--zones", str(base)]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = target
    assert base is not None
    out.write_bytes(base.read_bytes())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        build(args.out, args.seed, Path(work))
    zones = load_zones(args.out)
    vertices = sum(len(shapely.get_coordinates(z.shape)) for z in zones.mapped)
    print(f"wrote {args.out}: {len(zones.mapped)} mapped zones, {vertices:,} vertices")


if __name__ == "__main__":
    main()
