"""The GeoPandas peer: the same request file through a dwithin spatial join.

    python bench/peer_geopandas.py IN.csv OUT.csv [ZONES.geojson]

Reads the CSV with pandas, projects the points to the same local transverse Mercator as
firecheck, joins them to the mapped zones of the same zones file firecheck loads (the shipped
one by default) with sjoin(predicate="dwithin", distance=500) and writes every input row with
the ids of the zones within 500 m. It answers far less than firecheck (no dates, rules,
accuracy, scope or fines): it is the floor a general-purpose tool sets for the geometric part
of the work.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

from firecheck.geo.projection import LOCAL_CRS
from firecheck.zones.load import load_zones


def main(source: str, target: str, zones_file: str | None = None) -> None:
    zones = load_zones(Path(zones_file) if zones_file else None)
    zone_frame = gpd.GeoDataFrame({"zone_id": [z.id for z in zones.mapped]},
                                  geometry=[z.shape for z in zones.mapped], crs=LOCAL_CRS)
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"].astype(float),
                                           frame["lat"].astype(float)), crs="EPSG:4326",
    ).to_crs(LOCAL_CRS)
    joined = gpd.sjoin(points, zone_frame, how="left", predicate="dwithin", distance=500)
    matched = joined["zone_id"].dropna()
    ids = matched.groupby(level=0).agg(";".join)
    frame["zone_ids"] = ids.reindex(frame.index).fillna("")
    frame.to_csv(target, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:4])
