"""Seeded generator of batch requests over Guyang County for benchmarks.

    python bench/generate.py N OUT.csv [--seed 7]

About 90% of points fall inside the county polygon and 10% outside it (within its
bounding box grown by 0.2°); dates span 2023; activities are a mix of ids and aliases.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import shapely

from firecheck.geo.projection import to_wgs84
from firecheck.zones.load import load_zones

ACTIVITIES = ["bbq", "烧烤", "smoking", "吸烟", "straw", "秸秆", "野炊", "篝火", "上坟烧纸",
              "fireworks", "孔明灯", "烧田埂", "entry", "vehicle", "野外用火"]


def generate(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    county = load_zones().county.shape  # local metres
    minx, miny, maxx, maxy = county.bounds
    pad = 20_000.0
    want_in, want_out = int(n * 0.9), n - int(n * 0.9)
    inside_x, inside_y, out_x, out_y = [], [], [], []
    got_in = got_out = 0
    while got_in < want_in or got_out < want_out:
        x = rng.uniform(minx - pad, maxx + pad, n)
        y = rng.uniform(miny - pad, maxy + pad, n)
        inside = shapely.contains_xy(county, x, y)
        inside_x.append(x[inside]), inside_y.append(y[inside])
        out_x.append(x[~inside]), out_y.append(y[~inside])
        got_in += int(inside.sum())
        got_out += int((~inside).sum())
    x = np.concatenate([np.concatenate(inside_x)[:want_in], np.concatenate(out_x)[:want_out]])
    y = np.concatenate([np.concatenate(inside_y)[:want_in], np.concatenate(out_y)[:want_out]])
    order = rng.permutation(n)
    lon, lat = to_wgs84(x[order], y[order])
    start = date(2023, 1, 1).toordinal()
    days = rng.integers(0, 365, n)
    dates = np.array([date.fromordinal(start + d).isoformat() for d in range(365)])[days]
    acts = np.array(ACTIVITIES)[rng.integers(0, len(ACTIVITIES), n)]
    return pa.table({
        "id": pa.array(np.arange(1, n + 1)),
        "lat": pa.array(np.round(lat, 6)),
        "lon": pa.array(np.round(lon, 6)),
        "date": pa.array(dates),
        "activity": pa.array(acts),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pcsv.write_csv(generate(args.n, args.seed), args.out,
                   write_options=pcsv.WriteOptions(quoting_style="none"))
    print(f"wrote {args.n:,} requests to {args.out}")


if __name__ == "__main__":
    main()
