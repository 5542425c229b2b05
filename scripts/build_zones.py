"""Build src/firecheck/data/zones.geojson (and places.json, neighbours.geojson) from the
reference data in sources/ (a snapshot of ../shared/data/).

Reproducible: the same inputs give a byte-identical file. Nothing here invents a
coordinate: geometry comes from the county boundary file and from places.csv rows,
and every zone without a usable location is written with a null geometry
("unmapped"). Run from the repository root:

    python scripts/build_zones.py [--shared sources] [-o src/firecheck/data/zones.geojson]

sources/ is a snapshot of ../shared/data (see sources/README.md).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from firecheck.zones.file import dump

NOTICE = (
    "固阳县人民政府关于对全县重点森林草原实施防火戒严的通告 (2023-03-13), 二、防火戒严区域; "
    "buffer: 三(一) 防火戒严管制区内及边缘500米内"
)
PROVENANCE = "../shared/data/PROVENANCE.md"
BAN_BUFFER_M = 500  # notice clause 三(一): "管制区内及边缘500米内"
COUNTY_ACCURACY_M = 1000  # PROVENANCE.md §1: "Points within ~1 km of the county line ... uncertain"

# Clause 二 of the notice, one designation per listed zone. (id, name_zh, name_en, kind, level)
DESIGNATIONS: list[tuple[str, str, str, str, str]] = [
    ("daqingshan-nr-baiyangou", "大青山国家级自然保护区（白彦沟）",
     "Daqingshan National Nature Reserve (Baiyangou part)", "nature_reserve", "national"),
    ("daqingshan-nr-maanshan", "大青山国家级自然保护区（马鞍山）",
     "Daqingshan National Nature Reserve (Ma'anshan part)", "nature_reserve", "national"),
    ("qin-great-wall", "秦长城文物保护区", "Qin Great Wall heritage protection area",
     "heritage_site", "national"),
    ("zhao-great-wall", "赵长城文物保护区", "Zhao Great Wall heritage protection area",
     "heritage_site", "national"),
    ("honghua-obo-nr", "红花敖包自然保护区", "Honghua Obo Nature Reserve",
     "nature_reserve", "county"),
    ("chunkunshan-nr", "春坤山自然保护区", "Chunkun Mountain Nature Reserve",
     "nature_reserve", "county"),
    ("daxianshan-scenic", "大仙山生态旅游景区", "Daxian Mountain eco-tourism area",
     "scenic_area", "county"),
    ("xiheyi-forestry", "协和义重点林业生态功能区", "Xieheyi key forestry ecological area",
     "forestry_area", "county"),
    ("qifenzi-forestry", "七分子重点林业生态功能区", "Qifenzi key forestry ecological area",
     "forestry_area", "county"),
    ("erxiang-nanpo-forest", "二相南坡万亩生态林区", "Erxiang south-slope ecological forest",
     "forestry_area", "county"),
    ("ecological-redline", "生态红线区", "Ecological red-line areas", "ecological_redline",
     "diffuse"),
    ("forestry-project-areas", "林业工程区", "Forestry project areas", "forestry_project",
     "diffuse"),
    ("grassland-subsidy-areas", "草原奖补区", "Grassland subsidy areas", "grassland_subsidy",
     "diffuse"),
]

WHY_UNMAPPED = {
    "daqingshan-nr-baiyangou": "PROVENANCE.md §3: nothing found for 白彦沟; no point, no boundary "
    "(§5 bounds the reserve: see extent)",
    "daqingshan-nr-maanshan": "PROVENANCE.md §3: only '~58 km east of the county seat' (text); "
    "no point, no boundary (§5 bounds the reserve: see extent)",
    "zhao-great-wall": "PROVENANCE.md §3: no coordinates; whether any part lies in Guyang is "
    "not established",
    "chunkunshan-nr": "PROVENANCE.md §3: no coordinates found (only road directions)",
    "daxianshan-scenic": "PROVENANCE.md §3: nothing found",
    "xiheyi-forestry": "PROVENANCE.md §3: nothing found",
    "qifenzi-forestry": "PROVENANCE.md §3: nothing found",
    "erxiang-nanpo-forest": "PROVENANCE.md §3: nothing found",
    "ecological-redline": "diffuse class; PROVENANCE.md §3: no public maps found",
    "forestry-project-areas": "diffuse class; PROVENANCE.md §3: no public maps found",
    "grassland-subsidy-areas": "diffuse class; PROVENANCE.md §3: no public maps found",
}


def read_places(path: Path) -> list[dict[str, str]]:
    """Rows of places.csv."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, recorded as the input's fingerprint."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def county_feature(boundary: dict[str, Any], digest: str) -> dict[str, Any]:
    """The county polygon: scope of the rules and area of the straw ban."""
    (src,) = boundary["features"]
    return {
        "type": "Feature",
        "properties": {
            "id": "guyang-county",
            "designation": "county",
            "name_zh": "固阳县",
            "name_en": "Guyang County",
            "kind": "county_boundary",
            "level": "county",
            "buffer_m": 0,
            "accuracy_m": COUNTY_ACCURACY_M,
            "completeness": "complete",
            "geometry_source": src["properties"]["source"] + "; " + src["properties"]["datum_note"],
            "source": f"guyang_boundary_wgs84.geojson (sha256 {digest}); {PROVENANCE} §1 "
            "(accuracy vs the legal line unknown, 100-500 m typical, up to ~1 km)",
        },
        "geometry": src["geometry"],
    }


def qin_wall_feature(places: list[dict[str, str]]) -> dict[str, Any]:
    """The Qin wall as a corridor sketch through its derived and proxy points, west to east."""
    rows = [r for r in places if r["kind"] in ("qin_wall_point_derived", "qin_wall_corridor_proxy")]
    rows.sort(key=lambda r: float(r["lon"]))
    accuracy = max(int(r["accuracy_m"]) for r in rows)
    return {
        "type": "Feature",
        "properties": {
            "id": "qin-great-wall",
            "designation": "qin-great-wall",
            "name_zh": "秦长城文物保护区",
            "name_en": "Qin Great Wall heritage protection area",
            "kind": "heritage_site",
            "level": "national",
            "buffer_m": BAN_BUFFER_M,
            "accuracy_m": accuracy,
            "completeness": "partial",
            "geometry_source": "corridor sketch through places.csv points "
            + ", ".join(f"{r['name_zh']} (±{r['accuracy_m']} m)" for r in rows)
            + "; NOT the wall line (95.6 km in Guyang; extends beyond these points)",
            "source": f"{NOTICE}; places.csv; {PROVENANCE} §3",
        },
        "geometry": {
            "type": "LineString",
            "coordinates": [[float(r["lon"]), float(r["lat"])] for r in rows],
        },
    }


def honghua_feature(places: list[dict[str, str]]) -> dict[str, Any]:
    """Honghua Obo: one derived reference point with its stated accuracy, extent unknown."""
    (row,) = [r for r in places if r["kind"] == "zone_reference_point_derived"]
    return {
        "type": "Feature",
        "properties": {
            "id": "honghua-obo-nr",
            "designation": "honghua-obo-nr",
            "name_zh": "红花敖包自然保护区",
            "name_en": "Honghua Obo Nature Reserve",
            "kind": "nature_reserve",
            "level": "county",
            "buffer_m": BAN_BUFFER_M,
            "accuracy_m": int(row["accuracy_m"]),
            "completeness": "partial",
            "geometry_source": f"derived reference point: {row['name_zh']} ({row['source']})",
            "source": f"{NOTICE}; places.csv; {PROVENANCE} §3 (no extent known)",
            "area_ha": AREAS_HA["honghua-obo-nr"],
            "area_source": f"{PROVENANCE} §5 (Zenodo 10.5281/zenodo.14875797)",
        },
        "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
    }


# PROVENANCE.md §5, "Daqingshan's published extent" (encyclopaedia text): the whole reserve
# lies within 109°47′–112°17′ E, 40°34′–41°14′ N, so its Guyang parts (白彦沟, 马鞍山) do too.
# Given to the arc-minute: a margin of half a minute of latitude (~925 m) rounded up to 1 km.
DAQINGSHAN_EXTENT = [109 + 47 / 60, 40 + 34 / 60, 112 + 17 / 60, 41 + 14 / 60]
EXTENTS = {
    "daqingshan-nr-baiyangou": DAQINGSHAN_EXTENT,
    "daqingshan-nr-maanshan": DAQINGSHAN_EXTENT,
}
EXTENT_ACCURACY_M = 1000
# PROVENANCE.md §5, reserve list (Zenodo 10.5281/zenodo.14875797): areas, no geometry.
AREAS_HA = {"chunkunshan-nr": 9500, "honghua-obo-nr": 6000}


def unmapped_feature(zid: str, name_zh: str, name_en: str, kind: str, level: str) -> dict:
    """A listed zone with no usable location: null geometry, never a guessed one — but
    where a source bounds where it can be, that bounding box (``extent``)."""
    feature = {
        "type": "Feature",
        "properties": {
            "id": zid,
            "designation": zid,
            "name_zh": name_zh,
            "name_en": name_en,
            "kind": kind,
            "level": level,
            "buffer_m": BAN_BUFFER_M,
            "accuracy_m": None,
            "completeness": "unmapped",
            "geometry_source": None,
            "source": f"{NOTICE}; unmapped: {WHY_UNMAPPED[zid]}",
        },
        "geometry": None,
    }
    if zid in EXTENTS:
        feature["properties"].update({
            "extent": [round(v, 6) for v in EXTENTS[zid]],
            "extent_accuracy_m": EXTENT_ACCURACY_M,
            "extent_source": f"{PROVENANCE} §5: the reserve's published extent 109°47′–112°17′ E, "
                             "40°34′–41°14′ N (encyclopaedia text); the zone lies within it",
        })
    if zid in AREAS_HA:
        feature["properties"]["area_ha"] = AREAS_HA[zid]
        feature["properties"]["area_source"] = f"{PROVENANCE} §5 (Zenodo 10.5281/zenodo.14875797)"
    return feature


def build(shared: Path) -> dict[str, Any]:
    """The zones FeatureCollection."""
    boundary_path = shared / "guyang_boundary_wgs84.geojson"
    places_path = shared / "places.csv"
    boundary = json.loads(boundary_path.read_text(encoding="utf-8"))
    places = read_places(places_path)
    mapped = {"qin-great-wall": qin_wall_feature(places), "honghua-obo-nr": honghua_feature(places)}
    features = [county_feature(boundary, sha256(boundary_path))]
    for zid, name_zh, name_en, kind, level in DESIGNATIONS:
        features.append(mapped.get(zid) or unmapped_feature(zid, name_zh, name_en, kind, level))
    return {
        "type": "FeatureCollection",
        "name": "firecheck zones — Guyang County",
        "firecheck": {
            "schema": 1,
            "generated_by": "scripts/build_zones.py",
            "inputs": {
                "guyang_boundary_wgs84.geojson": sha256(boundary_path),
                "places.csv": sha256(places_path),
            },
            "crs": "EPSG:4326 (WGS-84), lon/lat",
            "note": "No boundary of any fire-ban zone is published; see PROVENANCE.md. "
            "Replace with the county's official files (firecheck --zones FILE).",
        },
        "features": features,
    }


def neighbours(shared: Path) -> dict[str, Any]:
    """The neighbouring counties, for context on maps (names, codes and source kept)."""
    data = json.loads((shared / "guyang_neighbours_wgs84.geojson").read_text(encoding="utf-8"))
    keep = ("name", "name_en", "adcode", "source", "licence", "datum")
    return {"type": "FeatureCollection",
            "firecheck": {"note": "context only; PROVENANCE.md §1 (Amap geometry, GCJ-02 "
                                  "converted to WGS-84)"},
            "features": [{"type": "Feature",
                          "properties": {k: f["properties"].get(k) for k in keep},
                          "geometry": f["geometry"]} for f in data["features"]]}


def places(shared: Path) -> list[dict[str, Any]]:
    """The gazetteer for --place: every row of places.csv, with its accuracy and source."""
    out = []
    for row in read_places(shared / "places.csv"):
        out.append({
            "name_zh": row["name_zh"], "name_en": row["name_en"], "kind": row["kind"],
            "lat": float(row["lat"]), "lon": float(row["lon"]), "datum": row["datum"],
            "accuracy_m": int(row["accuracy_m"]), "source": row["source"],
        })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("sources"),
                        help="the reference data (default: the snapshot in sources/)")
    parser.add_argument("-o", "--output", type=Path, default=Path("src/firecheck/data/zones.geojson"))
    parser.add_argument("--places", type=Path, default=Path("src/firecheck/data/places.json"))
    parser.add_argument("--neighbours", type=Path, default=Path("src/firecheck/data/neighbours.geojson"))
    args = parser.parse_args()
    args.neighbours.write_text(dump(neighbours(args.shared)), encoding="utf-8")
    args.places.write_text(json.dumps(places(args.shared), ensure_ascii=False, indent=1) + "\n",
                           encoding="utf-8")
    args.output.write_text(dump(build(args.shared)), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
