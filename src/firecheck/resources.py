"""The data shipped inside the package (``firecheck/data``): rules, zones, gazetteer,
neighbouring counties. Found one way: beside this module, in a wheel as in a checkout."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
RULES_DIR = DATA_DIR / "rules"
ZONES_FILE = DATA_DIR / "zones.geojson"
PLACES_FILE = DATA_DIR / "places.json"
NEIGHBOURS_FILE = DATA_DIR / "neighbours.geojson"
