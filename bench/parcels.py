"""Many-parcel benchmark: a zones file with N official parcels (e.g. 草原奖补区).

    python bench/parcels.py [--parcels 100000] [--checks 200] [--base ZONES] [--write OUT]

Writes N small parcels spread over the county, shaped as fields are drawn (turned
rectangles, convex and concave polygons of up to 24 vertices), into a zones file (firecheck
schema, merged with the shipped zones or ``--base``; ``--write OUT`` only writes it, for
bench/run.py), then times: loading it, the first single check (which
builds the spatial index), the average of further single checks, and the time of
`firecheck check` as a process. Prints; does not gate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import shapely

from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.geo.projection import to_wgs84
from firecheck.rules.loader import load_rules
from firecheck.zones.load import default_zones_path, load_zones


def parcels(n: int, seed: int) -> list[dict]:
    """N parcels of 40–200 m inside the county, as GeoJSON features, shaped as fields are
    drawn: a third rectangles turned at random (sides 1:1 to 1:3), a third convex polygons
    and a third concave (star-shaped) ones of 5–24 vertices."""
    rng = np.random.default_rng(seed)
    county = load_zones().county.shape
    minx, miny, maxx, maxy = county.bounds
    xs, ys = [], []
    while len(xs) < n:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        inside = shapely.contains_xy(county, x, y)
        xs += x[inside].tolist()
        ys += y[inside].tolist()
    rings = [_ring(i % 3, rng.uniform(20, 100), rng) for i in range(n)]
    lengths = np.array([len(r) for r in rings])
    ring_x = np.concatenate([r[:, 0] for r in rings]) + np.repeat(xs[:n], lengths)
    ring_y = np.concatenate([r[:, 1] for r in rings]) + np.repeat(ys[:n], lengths)
    lon, lat = to_wgs84(ring_x, ring_y)
    lon_lat = np.round(np.stack([lon, lat], axis=1), 7)
    features = []
    for i, ring in enumerate(np.split(lon_lat, np.cumsum(lengths)[:-1])):
        if not shapely.Polygon(ring).is_valid:  # two vertices a centimetre apart, rounded
            ring = np.asarray(shapely.Polygon(ring).convex_hull.exterior.coords)
        features.append({"type": "Feature", "properties": {
            "id": f"grassland-subsidy-areas/{i}", "designation": "grassland-subsidy-areas",
            "name_zh": f"草原奖补地块{i}", "name_en": f"Grassland subsidy parcel {i}",
            "kind": "grassland_subsidy", "level": "official", "buffer_m": 500,
            "accuracy_m": 5, "completeness": "complete", "source": "synthetic benchmark"},
            "geometry": {"type": "Polygon", "coordinates": [ring.tolist()]}})
    return features


def _ring(kind: int, half: float, rng: np.random.Generator) -> np.ndarray:
    """A closed ring about the origin (metres): 0 a turned rectangle, 1 a convex polygon,
    2 a concave one; ``half`` its largest half-width."""
    if kind == 0:
        w = half / rng.uniform(1, 3)
        x, y = np.array([-half, half, half, -half]), np.array([-w, -w, w, w])
    else:
        k = int(rng.integers(5, 25))
        gaps = rng.uniform(0.5, 1.5, k)  # angles a tenth of a turn apart at most
        angle = np.cumsum(gaps) / gaps.sum() * 2 * np.pi
        radius = half * (1.0 if kind == 1 else rng.uniform(0.55, 1.0, k))
        x, y = radius * np.cos(angle), radius * np.sin(angle)
    turn = rng.uniform(0, np.pi)
    x, y = x * np.cos(turn) - y * np.sin(turn), x * np.sin(turn) + y * np.cos(turn)
    return np.stack([np.r_[x, x[0]], np.r_[y, y[0]]], axis=1)


def write_zones(path: Path, n: int, base: Path | None = None, seed: int = 3) -> Path:
    """``base`` (default: the shipped zones) with its grassland subsidy areas replaced by N
    parcels, written to ``path``."""
    data = json.loads((base or default_zones_path()).read_text("utf-8"))
    data["features"] = [f for f in data["features"]
                        if f["properties"]["designation"] != "grassland-subsidy-areas"]
    data["features"] += parcels(n, seed)
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--base", type=Path, help="zones file to add the parcels to")
    parser.add_argument("--write", type=Path, help="only write the zones file here")
    args = parser.parse_args()
    if args.write:
        write_zones(args.write, args.parcels, args.base)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = write_zones(Path(tmp) / "parcels.geojson", args.parcels, args.base)
        size = path.stat().st_size / 2**20
        rules = load_rules()
        started = time.perf_counter()
        zones = load_zones(path)
        loaded = time.perf_counter() - started
        rng = np.random.default_rng(9)
        lats, lons = rng.uniform(40.8, 41.4, args.checks), rng.uniform(109.7, 110.6, args.checks)
        started = time.perf_counter()
        evaluate(Request(lats[0], lons[0], date(2023, 4, 1), "bbq"), rules, zones)
        first = time.perf_counter() - started
        started = time.perf_counter()
        for lat, lon in zip(lats[1:], lons[1:], strict=True):
            evaluate(Request(lat, lon, date(2023, 4, 1), "bbq"), rules, zones)
        each = (time.perf_counter() - started) / (args.checks - 1)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "firecheck", "check", f"{lats[0]},{lons[0]}",
                        "-a", "bbq", "-d", "2023-04-01", "--zones", str(path), "--json"],
                       stdout=subprocess.DEVNULL, check=False)
        process = time.perf_counter() - started
    print(f"parcels: {args.parcels:,} ({size:.0f} MB zones file)")
    print(f"load zones file:          {loaded:8.2f} s")
    print(f"first check (+ index):    {first * 1000:8.1f} ms")
    print(f"further checks, each:     {each * 1000:8.2f} ms")
    print(f"`firecheck check` process:{process:8.2f} s")


if __name__ == "__main__":
    main()
