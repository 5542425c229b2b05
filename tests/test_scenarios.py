"""Scenario files (``tests/cases/*.toml``), in the spirit of OpenFisca's YAML tests: each
case is a place, an activity, a date (and options) with the expected status, reason codes,
activity and hotlines, written from the notices — and each runs through every door: the
Python API, the command line (``check --json`` and its exit code) and the batch path.

The oracles do not come from the code under test: the "mapped" zones are drawn here with
pyproj's geodesics (not firecheck's projection), places are put at geodesic distances from
their edges, and every expected value is a literal in the case file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod
from typer.testing import CliRunner

import firecheck
from firecheck.cli import EXIT_CODES, app
from firecheck.resources import ZONES_FILE
from firecheck.rules.model import RuleSet
from firecheck.zones.load import load_zones
from firecheck.zones.model import ZoneSet

CASES = Path(__file__).with_name("cases")
GEOD = Geod(ellps="WGS84")
# Test zones (lat, lon of the centre, half side in metres, accuracy): clause 二's designations,
# every one mapped completely so that the data can decide.
CHUNKUNSHAN = (41.05, 110.30, 1000.0, 0.0)  # exact edges
DAXIANSHAN = (41.20, 110.00, 1000.0, 300.0)  # edges known to ±300 m
FAR = (41.35, 109.85, 50.0, 0.0)  # the others: tiny squares far from the test places
# The "beside" zones: two parcels of one designation (grassland-subsidy-areas), one drawn
# exactly where CHUNKUNSHAN is, one to ±300 m with its west edge 700 m east of the first's.
BESIDE_GAP_M = 700.0
LISTED = ("daqingshan-nr-baiyangou", "daqingshan-nr-maanshan", "qin-great-wall",
          "zhao-great-wall", "honghua-obo-nr", "chunkunshan-nr", "daxianshan-scenic",
          "xiheyi-forestry", "qifenzi-forestry", "erxiang-nanpo-forest", "ecological-redline",
          "forestry-project-areas", "grassland-subsidy-areas")  # notice clause 二


def _square(lat: float, lon: float, half: float) -> dict[str, Any]:
    """A geodesic 'square': meridian edges east and west, parallel edges north and south."""
    east = GEOD.fwd(lon, lat, 90, half)[0]
    west = GEOD.fwd(lon, lat, 270, half)[0]
    north = GEOD.fwd(lon, lat, 0, half)[1]
    south = GEOD.fwd(lon, lat, 180, half)[1]
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _zone(zid: str, lat: float, lon: float, half: float, accuracy: float) -> dict[str, Any]:
    return {"type": "Feature", "geometry": _square(lat, lon, half), "properties": {
        "id": zid, "designation": zid, "name_zh": f"测试{zid}", "name_en": f"test {zid}",
        "kind": "test", "level": "test", "buffer_m": 500, "accuracy_m": accuracy,
        "completeness": "complete", "source": "tests/test_scenarios.py"}}


@pytest.fixture(scope="session")
def mapped_zones_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shipped = json.loads(ZONES_FILE.read_text("utf-8"))
    county = next(f for f in shipped["features"] if f["properties"]["kind"] == "county_boundary")
    features = [county]
    for i, zid in enumerate(LISTED):
        if zid == "chunkunshan-nr":
            features.append(_zone(zid, *CHUNKUNSHAN))
        elif zid == "daxianshan-scenic":
            features.append(_zone(zid, *DAXIANSHAN))
        else:
            features.append(_zone(zid, FAR[0] + 0.01 * i, FAR[1], FAR[2], FAR[3]))
    path = tmp_path_factory.mktemp("scenarios") / "mapped.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


@pytest.fixture(scope="session")
def beside_zones_path(tmp_path_factory: pytest.TempPathFactory, mapped_zones_path: Path) -> Path:
    """The mapped zones with CHUNKUNSHAN's square and a second one beside it as two parcels
    of one designation (see BESIDE_GAP_M); 春坤山 itself a tiny square far away."""
    data = json.loads(mapped_zones_path.read_text("utf-8"))
    lat, lon, half, _ = CHUNKUNSHAN
    east = GEOD.fwd(lon, lat, 90, half)[0]
    centre = GEOD.fwd(east, lat, 90, BESIDE_GAP_M + half)[0]
    parcels = [_zone("grassland-subsidy-areas/exact", *CHUNKUNSHAN),
               _zone("grassland-subsidy-areas/rough", lat, centre, half, 300.0)]
    for parcel in parcels:
        parcel["properties"]["designation"] = "grassland-subsidy-areas"
    data["features"] = [f for f in data["features"]
                        if f["properties"]["id"] not in ("chunkunshan-nr", "grassland-subsidy-areas")]
    data["features"] += [*parcels, _zone("chunkunshan-nr", FAR[0] - 0.01, *FAR[1:])]
    path = tmp_path_factory.mktemp("scenarios") / "beside.geojson"
    path.write_text(json.dumps(data), "utf-8")
    return path


# The "crowded" zones: six small parcels of one designation in a row east of a place 3 km
# east of CHUNKUNSHAN's east edge, their nearest edges CROWDED_EDGES_M from it (as official
# parcels crowd a place: its answer names the nearest three and counts the others).
CROWDED_FROM_EDGE_M = 3000.0
CROWDED_EDGES_M = (40.0, 100.0, 160.0, 220.0, 280.0, 340.0)


@pytest.fixture(scope="session")
def crowded_zones_path(tmp_path_factory: pytest.TempPathFactory, mapped_zones_path: Path) -> Path:
    data = json.loads(mapped_zones_path.read_text("utf-8"))
    lat, lon, half, _ = CHUNKUNSHAN
    place_lon = GEOD.fwd(GEOD.fwd(lon, lat, 90, half)[0], lat, 90, CROWDED_FROM_EDGE_M)[0]
    parcels = []
    for k, edge in enumerate(CROWDED_EDGES_M, 1):
        parcel = _zone(f"grassland-subsidy-areas/{k}", lat,
                       GEOD.fwd(place_lon, lat, 90, edge + 20.0)[0], 20.0, 0.0)
        parcel["properties"].update(designation="grassland-subsidy-areas",
                                    name_zh=f"测试地块{k}", name_en=f"test parcel {k}")
        parcels.append(parcel)
    data["features"] = [f for f in data["features"]
                        if f["properties"]["id"] != "grassland-subsidy-areas"] + parcels
    path = tmp_path_factory.mktemp("scenarios") / "crowded.geojson"
    path.write_text(json.dumps(data), "utf-8")
    return path


@dataclass(frozen=True)
class Case:
    file: str
    id: str
    spec: dict[str, Any]
    zones: str

    def place(self) -> str | None:
        """The place as text, 'lat,lon', or the case's own text (None: only stated zones)."""
        if "place" in self.spec:
            return str(self.spec["place"])
        if "at" not in self.spec:
            return None
        at = self.spec["at"]  # {zone = "chunkunshan-nr"|"daxianshan-scenic", east_m = d}
        lat, lon, half, _ = {"chunkunshan-nr": CHUNKUNSHAN, "daxianshan-scenic": DAXIANSHAN}[
            at["zone"]]
        east_lon = GEOD.fwd(lon, lat, 90, half)[0]
        metres = float(at["east_m"])
        lon2, lat2, _ = GEOD.fwd(east_lon, lat, 90 if metres >= 0 else 270, abs(metres))
        return f"{lat2!r},{lon2!r}"


def _cases() -> list[Case]:
    out = []
    for path in sorted(CASES.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for spec in data["case"]:
            out.append(Case(path.stem, spec["id"], spec, spec.get("zones", data["zones"])))
    return out


CASE_LIST = _cases()


def test_every_case_file_is_read() -> None:
    files = {c.file for c in CASE_LIST}
    assert {"fire-ban-dates", "buffer-500m", "straw-ban", "activities", "scope",
            "land-and-law", "named-zones"} <= files
    assert len({(c.file, c.id) for c in CASE_LIST}) == len(CASE_LIST), "case ids repeat"


@pytest.fixture(scope="session")
def zone_sets(mapped_zones_path: Path, beside_zones_path: Path, crowded_zones_path: Path,
              real_zones: ZoneSet) -> dict[str, tuple[ZoneSet, Path]]:
    return {"shipped": (real_zones, ZONES_FILE),
            "mapped": (load_zones(mapped_zones_path), mapped_zones_path),
            "beside": (load_zones(beside_zones_path), beside_zones_path),
            "crowded": (load_zones(crowded_zones_path), crowded_zones_path)}


def _named(answer: dict[str, Any]) -> set[str]:
    """The ids of the measured zones a verdict names (as a batch row's zone_ids)."""
    days = answer.get("spans", [answer])
    return {z["id"] for day in days for r in day["reasons"] for z in r["zones"]
            if z["position"] != "unknown"}


def _codes(answer: dict[str, Any]) -> set[str]:
    days = answer.get("spans", [answer])
    return {r["code"] for day in days for r in day["reasons"]}


def _numbers(answer: dict[str, Any]) -> set[str]:
    days = answer.get("spans", [answer])
    return {h["number"] for day in days for h in day["hotlines"]}


def _expect(case: Case, status: str, codes: set[str], door: str) -> None:
    spec = case.spec
    assert status == spec["status"], f"{door}: {case.file}/{case.id}"
    if "reasons" in spec:
        assert codes == set(spec["reasons"]), f"{door}: {case.file}/{case.id}"
    for code in spec.get("reasons_include", []):
        assert code in codes, f"{door}: {case.file}/{case.id}"
    for code in spec.get("reasons_exclude", []):
        assert code not in codes, f"{door}: {case.file}/{case.id}"


def _notes(answer: dict[str, Any]) -> set[str]:
    """The codes of a verdict's assumptions and warnings (a batch row's ``warnings``)."""
    days = answer.get("spans", [answer])
    return {m["code"] for day in days for m in (*day["assumptions"], *day["warnings"])}


def _expect_notes(case: Case, notes: set[str], door: str) -> None:
    for code in case.spec.get("notes_include", []):
        assert code in notes, f"{door}: {case.file}/{case.id}"
    for code in case.spec.get("notes_exclude", []):
        assert code not in notes, f"{door}: {case.file}/{case.id}"


def _rule_ids(answer: dict[str, Any]) -> set[str]:
    days = answer.get("spans", [answer])
    return {r["rule_id"] for day in days for r in day["reasons"] if r["rule_id"]}


def _basis(answer: dict[str, Any]) -> set[str]:
    days = answer.get("spans", [answer])
    return {r["basis"]["id"] for day in days for r in day["reasons"] if r["basis"]}


def _options(spec: dict[str, Any]) -> dict[str, Any]:
    out = {k: spec[k] for k in ("datum", "accuracy_m", "actor", "land") if k in spec}
    if "in_zones" in spec:
        out["in_zones"] = tuple(spec["in_zones"])
    return out


@pytest.mark.parametrize("case", CASE_LIST, ids=[f"{c.file}/{c.id}" for c in CASE_LIST])
def test_case_through_every_door(case: Case, rules: RuleSet,
                                 zone_sets: dict[str, tuple[ZoneSet, Path]]) -> None:
    spec = case.spec
    zones, zones_path = zone_sets[case.zones]
    place, options = case.place(), _options(spec)

    # The Python API.
    verdict = firecheck.check(place, spec["activity"], spec["date"], rules=rules, zones=zones,
                              **options)
    answer = verdict.to_dict()
    _expect(case, verdict.status, _codes(answer), "api")
    _expect_notes(case, _notes(answer), "api")
    days = answer.get("spans", [answer])
    if "activity_id" in spec:
        assert {d["activity"]["id"] for d in days} == {spec["activity_id"]}
    for number in spec.get("hotlines", []):
        assert number in _numbers(answer), f"api: {case.file}/{case.id}"
    for rule in spec.get("rules_include", []):
        assert rule in _rule_ids(answer), f"api: {case.file}/{case.id}"
    for rule in spec.get("rules_exclude", []):
        assert rule not in _rule_ids(answer), f"api: {case.file}/{case.id}"
    for provision in spec.get("basis", []):
        assert provision in _basis(answer), f"api: {case.file}/{case.id}"
    if "zones_named" in spec:
        assert _named(answer) == set(spec["zones_named"]), f"api: {case.file}/{case.id}"
    explained = [r[f"explanation_{lang}"] for d in days for r in d["reasons"] for lang in ("zh", "en")]
    for words in spec.get("explanation_includes", []):
        assert any(words in text for text in explained), f"api: {case.file}/{case.id}: {words}"
    for words in spec.get("explanation_excludes", []):
        assert not any(words in text for text in explained), f"api: {case.file}/{case.id}: {words}"

    # The command line: the same JSON, and the exit code of the status.
    args = ["check", *([place] if place is not None else []), "-a", spec["activity"],
            "-d", _typed(spec["date"]), "--json", "--zones", str(zones_path)]
    for key, flag in (("datum", "--datum"), ("accuracy_m", "--accuracy"), ("actor", "--actor"),
                      ("land", "--land")):
        if key in spec:
            args += [flag, str(spec[key])]
    for zone in spec.get("in_zones", []):
        args += ["--in-zone", zone]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == EXIT_CODES[spec["status"]], result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(answer, ensure_ascii=False))

    # The batch path: the case's row alone, and among every row of its file (rows share
    # day plans and place keys: the first row of a key gives its answer); the same status,
    # reasons and notes.
    row = _batch_row(case)
    if row is not None:
        (alone,) = firecheck.check_rows([row], rules=rules, zones=zones)
        together = _file_batch(case.file, case.zones, rules, zones)[case.id]
        assert together == alone, f"batch: {case.file}/{case.id} alone and in its file"
        out = alone
        _expect(case, out["status"], set(out["reasons"] or []), "batch")
        _expect_notes(case, set(out["warnings"] or []), "batch")
        if "zones_named" in spec:
            assert set(out["zone_ids"]) == set(spec["zones_named"]), f"batch: {case.id}"
        if "batch_fine_individual" in spec:
            assert _fine_text(out["fine_individual_yuan"]) == spec["batch_fine_individual"]
        if spec.get("hotlines") and spec["status"] not in ("allowed", "out_of_scope"):
            assert out["hotline"] in spec["hotlines"], f"batch: {case.file}/{case.id}"


def _typed(day: str | dt.date) -> str:
    """A case's date as typed on the command line: a TOML date or date-time (a Python value
    to the API and to check_rows) as its ISO text."""
    return day if isinstance(day, str) else day.isoformat()


def _batch_row(case: Case) -> dict[str, Any] | None:
    """The case as a batch row, or None where a batch file cannot say it: decimal
    coordinates, place names or stated zones (DMS and --accuracy: API and CLI only)."""
    spec, place = case.spec, case.place()
    plain = re.fullmatch(r"\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*", place or "")
    lat, lon = plain.groups() if plain and "accuracy_m" not in spec else ("", "")
    row: dict[str, Any] = {"lat": lat, "lon": lon, "activity": spec["activity"],
                           "land": spec.get("land", ""),
                           "in_zone": ";".join(spec.get("in_zones", []))}
    if isinstance(spec["date"], str) and ".." in spec["date"]:
        row["start"], row["end"] = spec["date"].split("..")
    else:
        row["date"] = spec["date"]
    if "datum" in spec:
        row["datum"] = spec["datum"]
    named = place is not None and not re.search(r"\d", place) and "accuracy_m" not in spec
    if named:
        row["place"] = place
    return row if lat or named or (place is None and row["in_zone"]) else None


_FILE_BATCHES: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}


def _file_batch(file: str, zone_set: str, rules: RuleSet,
                zones: ZoneSet) -> dict[str, dict[str, Any]]:
    """Every batch row of a case file (on one zone set) checked in one call, in file order:
    case id -> its result row."""
    if (file, zone_set) not in _FILE_BATCHES:
        cases = [c for c in CASE_LIST if c.file == file and c.zones == zone_set
                 and _batch_row(c) is not None]
        rows = [_batch_row(c) for c in cases]
        out = firecheck.check_rows(rows, rules=rules, zones=zones)  # type: ignore[arg-type]
        _FILE_BATCHES[file, zone_set] = {
            c.id: result for c, result in zip(cases, out, strict=True)}
    return _FILE_BATCHES[file, zone_set]


def _fine_text(fine: dict[str, Any] | None) -> str:
    """A batch row's JSON fine as the cases write it: 'min-max', 'min-', 'pending' or ''."""
    if fine is None:
        return ""
    if fine["pending"]:
        return "pending"
    return f"{fine['min']}-{fine['max'] if fine['max'] is not None else ''}"
