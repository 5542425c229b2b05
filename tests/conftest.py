"""Shared fixtures: the shipped data, and a synthetic zones file with exactly known edges.

The real zone data is too coarse to test a 500 m line (see PROVENANCE.md), so the
synthetic file keeps the real county polygon and draws squares in the local metric plane
for every zone the fire-ban notice lists: an exact one (accuracy 0), an approximate one
(accuracy 300 m) and small complete ones far away for the rest, so nothing is unmapped.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from firecheck.geo.projection import to_local, to_wgs84
from firecheck.rules.loader import load_rules
from firecheck.rules.model import RuleSet
from firecheck.zones.load import default_zones_path, load_zones
from firecheck.zones.model import ZoneSet

# Large zones files are cached between runs: keep the tests' cache out of the user's home.
os.environ.setdefault("FIRECHECK_CACHE", tempfile.mkdtemp(prefix="firecheck-test-cache-"))

_FUZZ_CASES = [0]


def count_fuzz_case() -> None:
    """Count one generated input (reported at the end of the session)."""
    _FUZZ_CASES[0] += 1


def pytest_terminal_summary(terminalreporter) -> None:  # pytest hook
    if _FUZZ_CASES[0]:
        terminalreporter.write_line(f"fuzz: {_FUZZ_CASES[0]:,} generated cases run")


EXACT_CENTRE = (41.05, 110.30)  # lat, lon: inside the county, far from other test zones
APPROX_CENTRE = (41.20, 110.00)
FAR_CENTRE = (41.35, 109.85)
HALF_SIDE_M = 1000.0
APPROX_ACCURACY_M = 300.0


@dataclass(frozen=True)
class Square:
    """An axis-aligned square in local metres."""

    cx: float
    cy: float
    half: float

    def ring_wgs84(self) -> list[list[float]]:
        xs = np.array([-1, 1, 1, -1, -1]) * self.half + self.cx
        ys = np.array([-1, -1, 1, 1, -1]) * self.half + self.cy
        lon, lat = to_wgs84(xs, ys)
        return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]

    def east_of_edge(self, metres: float) -> tuple[float, float]:
        """(lat, lon) of the point ``metres`` east of the east edge, level with the centre."""
        lon, lat = to_wgs84(self.cx + self.half + metres, self.cy)
        return float(lat), float(lon)


def square_at(lat: float, lon: float, half: float = HALF_SIDE_M) -> Square:
    x, y = to_local(lon, lat)
    return Square(float(x), float(y), half)


EXACT = square_at(*EXACT_CENTRE)
APPROX = square_at(*APPROX_CENTRE)


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def real_zones() -> ZoneSet:
    return load_zones(default_zones_path())


def _feature(zid: str, square: Square, accuracy: float) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "id": zid, "designation": zid, "name_zh": f"测试区{zid}", "name_en": f"Test {zid}",
            "kind": "test", "level": "test", "buffer_m": 500, "accuracy_m": accuracy,
            "completeness": "complete", "geometry_source": "synthetic test square",
            "source": "tests/conftest.py",
        },
        "geometry": {"type": "Polygon", "coordinates": [square.ring_wgs84()]},
    }


@pytest.fixture(scope="session")
def synthetic_zones_path(tmp_path_factory: pytest.TempPathFactory, rules: RuleSet) -> Path:
    shipped = json.loads(default_zones_path().read_text(encoding="utf-8"))
    county = next(f for f in shipped["features"] if f["properties"]["kind"] == "county_boundary")
    listed = next(r for r in rules.rules if r.kind == "fire_ban").zones
    features = [county]
    for i, zid in enumerate(listed):
        if zid == "chunkunshan-nr":
            features.append(_feature(zid, EXACT, 0.0))
        elif zid == "daxianshan-scenic":
            features.append(_feature(zid, APPROX, APPROX_ACCURACY_M))
        else:
            far = square_at(FAR_CENTRE[0] + 0.01 * i, FAR_CENTRE[1], half=50.0)
            features.append(_feature(zid, far, 0.0))
    path = tmp_path_factory.mktemp("zones") / "synthetic.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def zones(synthetic_zones_path: Path) -> ZoneSet:
    return load_zones(synthetic_zones_path)
