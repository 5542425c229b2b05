"""The data shipped inside the package (``firecheck/data``): rules, zones, gazetteer,
neighbouring counties. Found one way: beside this module, in a wheel as in a checkout."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
RULES_DIR = DATA_DIR / "rules"
ZONES_FILE = DATA_DIR / "zones.geojson"
PLACES_FILE = DATA_DIR / "places.json"
NEIGHBOURS_FILE = DATA_DIR / "neighbours.geojson"
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"  # JSON Schema of the JSON forms


def schema(name: str) -> dict:
    """A published JSON Schema by its id ('firecheck/verdict/1', 'firecheck/batch-row/1',
    'firecheck/verdict-range/1', 'firecheck/error/1')."""
    import json

    _, kind, version = name.split("/")
    return json.loads((SCHEMAS_DIR / f"{kind}-{version}.json").read_text("utf-8"))
