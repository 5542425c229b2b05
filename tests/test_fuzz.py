"""Fuzzing: no input a user can type or a file can hold produces a traceback.

Every parser, the command line, the three readers, both data loaders, the zones cache and
the importer get generated input; each must answer or raise its documented error
(InputError / DataError / a documented exit code), and a damaged cache must give exactly
the zones file's zones. CI runs about 10,000 cases; FIRECHECK_FUZZ_LONG=1 runs 20x more.
The count actually run is printed at the end of the test session.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from firecheck.batch.readers.csv_reader import is_utf8
from firecheck.batch.run import Options, run_batch
from firecheck.cli import app
from firecheck.errors import DataError, InputError
from firecheck.geo.datum import parse_datum
from firecheck.parse import parse_date, parse_date_span, parse_lat, parse_lon, parse_point
from firecheck.resources import RULES_DIR, ZONES_FILE
from firecheck.rules.loader import build_ruleset
from firecheck.rules.model import RuleSet
from firecheck.zones import cache as zcache
from firecheck.zones import load as zones_load
from firecheck.zones.importer import ImportOptions, import_files
from firecheck.zones.load import load_zones
from firecheck.zones.model import ZoneSet

from conftest import count_fuzz_case

SCALE = 20 if os.environ.get("FIRECHECK_FUZZ_LONG") == "1" else 1
TODAY = date(2026, 11, 29)
FAST = settings(max_examples=1500 * SCALE, deadline=None, database=None)
SLOW = settings(max_examples=120 * SCALE, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
EXIT_CODES = {0, 1, 2, 3, 10, 11, 12, 13}

coordinate_text = st.text(alphabet="0123456789.,;-+ °′″'\"NSEWnsew北纬东经度分秒（），eE", max_size=30)
date_text = st.text(alphabet="0123456789-/.年月日号T:Z+ 至到~.todayesrmw今天昨明", max_size=30)
any_text = st.one_of(st.text(max_size=40), coordinate_text, date_text)


def _answers_or_input_error(function, *args) -> None:
    count_fuzz_case()
    try:
        function(*args)
    except InputError as exc:
        assert exc.text.en and exc.text.zh


@FAST
@given(text=st.one_of(any_text, coordinate_text))
def test_fuzz_point(text: str) -> None:
    _answers_or_input_error(parse_point, text)


@FAST
@given(text=any_text)
def test_fuzz_lat_lon(text: str) -> None:
    _answers_or_input_error(parse_lat, text)
    _answers_or_input_error(parse_lon, text)


@FAST
@given(text=st.one_of(any_text, date_text))
def test_fuzz_dates(text: str) -> None:
    _answers_or_input_error(parse_date, text, TODAY)
    _answers_or_input_error(parse_date_span, text, TODAY)


@FAST
@given(text=any_text)
def test_fuzz_datum_and_activity(rules: RuleSet, text: str) -> None:
    _answers_or_input_error(parse_datum, text)
    _answers_or_input_error(rules.activities.resolve, text)


FRAGMENTS = ["check", "batch", "periods", "zones", "rules", "hotlines", "activities",
             "41.03,110.05", "110.05,41.03", "nan,1", "-a", "bbq", "秸秆", "--date", "-d",
             "2023-04-01", "2023-03-14T16:30Z", "today", "--from", "--to", "--lat", "--lon",
             "41", "110", "--datum", "gcj02", "bd09", "mars", "--json", "--lang", "en", "zh",
             "--actor", "unit", "--accuracy", "-5", "50", "--zones", "/nonexistent",
             "--rules", "--as-of-rules", "2023", "99999", "--fail-on", "x", "", " ", "--", "-"]


@SLOW
@given(argv=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)),
                     max_size=8))
def test_fuzz_command_line(argv: list[str]) -> None:
    count_fuzz_case()
    if "batch" in argv and ("-" in argv or "--" in argv):
        return  # would read the test runner's stdin
    result = CliRunner().invoke(app, argv)
    assert result.exit_code in EXIT_CODES, (argv, result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        argv, repr(result.exception))


@FAST
@given(data=st.one_of(st.binary(max_size=60), st.text(max_size=30).map(str.encode)))
def test_fuzz_utf8_check_agrees_with_python(data: bytes) -> None:
    """The CSV fast path's UTF-8 check (Arrow's) accepts exactly what Python decodes."""
    count_fuzz_case()
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert is_utf8(data) is expected


@SLOW
@given(payload=st.binary(max_size=400), fmt=st.sampled_from(["csv", "jsonl", "geojson"]),
       header=st.booleans())
def test_fuzz_readers(tmp_path_factory, rules: RuleSet, zones: ZoneSet, payload: bytes,
                      fmt: str, header: bool) -> None:
    count_fuzz_case()
    folder = tmp_path_factory.mktemp("fuzz")
    prefix = b"id,lat,lon,date,activity\n" if header and fmt == "csv" else b""
    source = folder / f"in.{fmt}"
    source.write_bytes(prefix + payload)
    try:
        summary = run_batch(Options(str(source), str(folder / "out.jsonl"), activity="bbq"),
                            rules, zones, TODAY)
    except InputError:
        return
    lines = (folder / "out.jsonl").read_text("utf-8").splitlines()
    assert summary.rows == len(lines)


@SLOW
@given(data=st.data())
def test_fuzz_zones_loader(tmp_path_factory, synthetic_zones_path: Path, data) -> None:
    count_fuzz_case()
    document = json.loads(synthetic_zones_path.read_text("utf-8"))
    feature = data.draw(st.integers(0, len(document["features"]) - 1))
    key = data.draw(st.sampled_from(["id", "designation", "buffer_m", "accuracy_m",
                                     "completeness", "kind", "name_zh", "geometry"]))
    value = data.draw(st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(),
                                st.text(max_size=8), st.booleans(),
                                st.lists(st.integers(), max_size=3)))
    target = document["features"][feature]
    if key == "geometry":
        target["geometry"] = value
    else:
        target["properties"][key] = value
    path = tmp_path_factory.mktemp("zones") / "z.geojson"
    path.write_text(json.dumps(document), "utf-8")
    try:
        load_zones(path)
    except DataError as exc:
        assert exc.text.en


@SLOW
@given(data=st.data())
def test_fuzz_rules_loader(tmp_path_factory, data) -> None:
    count_fuzz_case()
    files = sorted(RULES_DIR.glob("*.toml"))
    victim = data.draw(st.sampled_from(files))
    text = victim.read_text("utf-8")
    lines = text.splitlines()
    row = data.draw(st.integers(0, len(lines) - 1))
    lines[row] = data.draw(st.one_of(
        st.text(max_size=20),
        st.just(lines[row].replace('"', "")),
        st.just(lines[row].split("=")[0] + "= 12"),
        st.just(""),
    ))
    folder = tmp_path_factory.mktemp("rules")
    for path in files:
        (folder / path.name).write_text("\n".join(lines) if path == victim
                                        else path.read_text("utf-8"), "utf-8")
    try:
        build_ruleset(sorted(folder.glob("*.toml")))
    except DataError as exc:
        assert exc.text.en
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - must be wrapped
        raise AssertionError(f"TOML error escaped: {exc}") from exc


@SLOW
@given(data=st.data())
def test_fuzz_zones_cache(tmp_path_factory, synthetic_zones_path: Path, data) -> None:
    """Whatever happens to a cache file — bytes flipped, cut, inserted, its header edited —
    the zones loaded are exactly the zones file's (a cache is used only when verified)."""
    count_fuzz_case()
    folder = tmp_path_factory.mktemp("cache")
    saved = (os.environ.get("FIRECHECK_CACHE"), zones_load.CACHE_MIN_BYTES)
    os.environ["FIRECHECK_CACHE"] = str(folder)
    zones_load.CACHE_MIN_BYTES = 0  # cache the small synthetic file too
    try:
        fresh = _shapes(load_zones(synthetic_zones_path))
        cached = next(folder.glob("zones-*.arrow"))
        raw = bytearray(cached.read_bytes())
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, max(0, len(raw) - 1)))
            action = data.draw(st.sampled_from(["flip", "cut", "insert", "header"]))
            if action == "flip" and raw:
                raw[at] ^= data.draw(st.integers(1, 255))
            elif action == "cut":
                del raw[at:]
            elif action == "insert":
                raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
            else:
                raw = bytearray(bytes(raw).replace(
                    b'"sha256": "', b'"sha256": "' + data.draw(st.sampled_from([b"0", b"f"])), 1))
        cached.write_bytes(bytes(raw))
        assert _shapes(load_zones(synthetic_zones_path)) == fresh
    finally:
        zones_load.CACHE_MIN_BYTES = saved[1]
        if saved[0] is None:
            os.environ.pop("FIRECHECK_CACHE", None)
        else:
            os.environ["FIRECHECK_CACHE"] = saved[0]


@FAST
@given(points=st.integers(4, 9), at=st.integers(0, 200), value=st.integers(0, 255),
       others=st.integers(0, 3))
def test_fuzz_cached_wkb_check_agrees_with_geos(points: int, at: int, value: int,
                                                others: int) -> None:
    """The cache's WKB check — a parcel's layout read without building it — refuses a
    shape exactly when GEOS cannot decode it, whichever byte of it is changed, among
    shapes that are fine."""
    count_fuzz_case()
    pa = __import__("pyarrow")
    ring = [(float(i), float(i * i % 7)) for i in range(points - 1)]
    good = shapely.Polygon([*ring, ring[0]]).wkb
    bad = bytearray(good)
    bad[at % len(bad)] = value
    blobs = [good] * others + [bytes(bad)] + [good] * (3 - others)
    wkb = pa.array(blobs, pa.binary())
    try:
        shapely.from_wkb(np.array(blobs, dtype=object))
        geos_refuses = False
    except (shapely.errors.ShapelyError, ValueError, NotImplementedError):
        geos_refuses = True
    try:
        zcache._check_wkb(wkb, zcache._decoder(wkb))
        refused = False
    except (shapely.errors.ShapelyError, ValueError, NotImplementedError):
        refused = True
    assert refused == geos_refuses


def _shapes(zones: ZoneSet) -> list[tuple]:
    return [(z.id, z.name_en, z.buffer_m, z.accuracy_m, z.completeness,
             None if z.shape is None else z.shape.wkb) for z in zones.zones]


HOSTILE_VALUES = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(), st.booleans(),
                           st.text(max_size=8), st.lists(st.integers(), max_size=3),
                           st.sampled_from(["[/]", "\x1b[2J", "\ud800", "EPSG:4546", "", " "]))


@SLOW
@given(data=st.data(), fmt=st.sampled_from(["geojson", "kml"]))
def test_fuzz_importer(tmp_path_factory, data, fmt: str) -> None:
    """An official GeoJSON or KML file with any field, geometry or CRS changed imports, or
    is refused with an InputError/DataError; never anything else."""
    count_fuzz_case()
    folder = tmp_path_factory.mktemp("import")
    ring = [[110.30, 41.05], [110.31, 41.05], [110.31, 41.06], [110.30, 41.05]]
    if fmt == "geojson":
        feature = {"type": "Feature", "properties": {"BH": "7", "MC": "地块"},
                   "geometry": {"type": "Polygon", "coordinates": [ring]}}
        document: dict = {"type": "FeatureCollection", "features": [feature]}
        where = data.draw(st.sampled_from(["property", "geometry", "coordinates", "crs",
                                           "feature", "properties"]))
        value = data.draw(HOSTILE_VALUES)
        if where == "property":
            feature["properties"][data.draw(st.sampled_from(["BH", "MC", "x"]))] = value
        elif where == "geometry":
            feature["geometry"] = value
        elif where == "coordinates":
            feature["geometry"]["coordinates"] = data.draw(st.one_of(
                HOSTILE_VALUES, st.just([ring[:2]]), st.just([[ring[0], [float("nan"), 41.0],
                                                                ring[2], ring[0]]])))
        elif where == "crs":
            document["crs"] = {"type": "name", "properties": {"name": value}}
        elif where == "feature":
            document["features"] = [value]
        else:
            feature["properties"] = value
        source = folder / "official.geojson"
        source.write_text(json.dumps(document, ensure_ascii=False), "utf-8", errors="surrogatepass")
    else:
        coords = " ".join(f"{x},{y}" for x, y in ring)
        coords = data.draw(st.one_of(st.just(coords), st.text(alphabet="0123456789.,- e", max_size=30)))
        name = data.draw(st.text(max_size=10).filter(lambda t: "<" not in t and "&" not in t))
        source = folder / "official.kml"
        source.write_text(f"<kml><Placemark><name>{name}</name><Polygon><outerBoundaryIs>"
                          f"<LinearRing><coordinates>{coords}</coordinates></LinearRing>"
                          "</outerBoundaryIs></Polygon></Placemark></kml>", "utf-8",
                          errors="surrogatepass")
    base = json.loads(ZONES_FILE.read_text("utf-8"))
    options = ImportOptions(designation="grassland-subsidy-areas", id_field="BH",
                            accuracy_m=5.0, today=TODAY)
    try:
        import_files([source], options, base)
    except (InputError, DataError) as exc:
        assert exc.text.en and exc.text.zh
