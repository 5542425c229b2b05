"""Importing official zone files: Shapefile (GBK, Gauss-Krüger .prj), GeoJSON (CGCS2000), KML."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapefile
from pyproj import CRS, Transformer
from typer.testing import CliRunner

from firecheck.cli import app
from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.errors import InputError
from firecheck.geo.projection import to_wgs84
from firecheck.rules.model import RuleSet
from firecheck.zones.importer import ImportOptions, import_files
from firecheck.zones.load import default_zones_path, load_zones

from conftest import EXACT, Square

runner = CliRunner()
BAN_DAY = date(2023, 4, 1)


def ring_in(square: Square, crs: str) -> list[tuple[float, float]]:
    """The square's ring (counter-clockwise) in ``crs`` coordinates."""
    lonlat = square.ring_wgs84()
    if crs == "EPSG:4326":
        return [tuple(p) for p in lonlat]
    move = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return [move.transform(lon, lat) for lon, lat in lonlat]


def write_shapefile(folder: Path, name: str, square: Square, crs: str | None,
                    label: str = "测试保护区", encoding: str = "gbk", prj: str | None = None,
                    cpg: bool = False) -> Path:
    path = folder / f"{name}.shp"
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding=encoding) as w:
        w.field("BH", "C", 20)
        w.field("MC", "C", 50)
        ring = ring_in(square, crs or "EPSG:4326")
        w.poly([list(reversed(ring))])  # shapefile outer rings run clockwise
        w.record("CK-01", label)
    if prj is not None or crs is not None:
        text = prj if prj is not None else CRS.from_user_input(crs).to_wkt("WKT1_ESRI")
        path.with_suffix(".prj").write_text(text, "utf-8")
    if cpg:
        path.with_suffix(".cpg").write_text(encoding.upper(), "ascii")
    return path


def options(**kw) -> ImportOptions:
    return ImportOptions(designation="chunkunshan-nr", accuracy_m=0.0,
                         today=date(2026, 11, 29), **kw)


def shipped() -> dict:
    return json.loads(default_zones_path().read_text("utf-8"))


def load(tmp_path: Path, collection: dict):
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(collection), "utf-8")
    return load_zones(path)


def test_gauss_kruger_shapefile_with_gbk_names_decides_499_and_501(
        tmp_path: Path, rules: RuleSet) -> None:
    shp = write_shapefile(tmp_path, "reserve", EXACT, "EPSG:4546")
    result = import_files([shp], options(id_field="BH"), shipped())
    zones = load(tmp_path, result)
    zone = next(z for z in zones.mapped if z.designation == "chunkunshan-nr")
    assert zone.name_zh == "测试保护区" and zone.id == "chunkunshan-nr/CK-01"
    assert "EPSG:4546" in result["firecheck"]["imports"][-1]["crs"]
    for metres, banned in ((499.0, True), (501.0, False)):
        lat, lon = EXACT.east_of_edge(metres)
        v = evaluate(Request(lat, lon, BAN_DAY, "bbq"), rules, zones)
        assert ("fire_ban" in {r.code for r in v.reasons}) is banned, metres
    placeholder = [z for z in zones.zones if z.designation == "chunkunshan-nr"]
    assert len(placeholder) == 1 and placeholder[0].completeness == "complete"


def test_zone_prefixed_gauss_kruger_and_cpg_encoding(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "zone37", EXACT, "EPSG:4525", label="春坤山", cpg=True)
    result = import_files([shp], options(), shipped())
    feature = result["features"][-1]
    assert feature["properties"]["name_zh"] == "春坤山"
    coords = np.array(feature["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.array(EXACT.ring_wgs84())[::-1], atol=1e-7) or np.allclose(
        coords, np.array(EXACT.ring_wgs84()), atol=1e-7)


def test_wrong_crs_is_refused_with_the_likely_one(tmp_path: Path) -> None:
    wgs84_prj = CRS.from_epsg(4326).to_wkt("WKT1_ESRI")
    shp = write_shapefile(tmp_path, "mislabelled", EXACT, "EPSG:4546", prj=wgs84_prj)
    with pytest.raises(InputError) as info:
        import_files([shp], options(), shipped())
    assert "not degrees" in info.value.text.en and "--crs EPSG:4546" in info.value.text.en

    prefixed = write_shapefile(tmp_path, "prefixed", EXACT, "EPSG:4525",
                               prj=CRS.from_epsg(4546).to_wkt("WKT1_ESRI"))
    with pytest.raises(InputError) as info:
        import_files([prefixed], options(), shipped())
    assert "--crs EPSG:4525" in info.value.text.en


def test_swapped_axes_are_named(tmp_path: Path) -> None:
    ring = [[lat, lon] for lon, lat in EXACT.ring_wgs84()]
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "x"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), "utf-8")
    with pytest.raises(InputError) as info:
        import_files([path], options(), shipped())
    assert "swapped" in info.value.text.en


def test_cgcs2000_geojson_and_kml(tmp_path: Path, rules: RuleSet) -> None:
    geojson = tmp_path / "cgcs.geojson"
    geojson.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": [{"type": "Feature", "properties": {"名称": "大仙山"},
                      "geometry": {"type": "Polygon",
                                   "coordinates": [[list(p) for p in ring_in(EXACT, "EPSG:4490")]]}}],
    }, ensure_ascii=False), "utf-8")
    coords = " ".join(f"{lon},{lat},0" for lon, lat in EXACT.ring_wgs84())
    kml = tmp_path / "zones.kml"
    kml.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>协和义林区</name>
<ExtendedData><Data name="BH"><value>XHY-1</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}</coordinates></LinearRing>
</outerBoundaryIs></Polygon></Placemark></Document></kml>""", "utf-8")
    result = import_files([geojson], ImportOptions(designation="daxianshan-scenic",
                                                   accuracy_m=5.0), shipped())
    result = import_files([kml], ImportOptions(designation="xiheyi-forestry", scale=10_000,
                                               id_field="BH"), result)
    zones = load(tmp_path, result)
    names = {z.designation: z for z in zones.mapped}
    assert names["daxianshan-scenic"].name_zh == "大仙山"
    assert names["xiheyi-forestry"].name_zh == "协和义林区"
    assert names["xiheyi-forestry"].accuracy_m == 5.0  # 0.5 mm at 1:10,000
    assert names["xiheyi-forestry"].id == "xiheyi-forestry/XHY-1"
    lon, lat = to_wgs84(EXACT.cx, EXACT.cy)
    v = evaluate(Request(float(lat), float(lon), BAN_DAY, "entry"), rules, zones)
    entry = next(r for r in v.reasons if r.code == "zone_entry")
    assert {h.designation for h in entry.zones} == {"daxianshan-scenic", "xiheyi-forestry"}


def test_accuracy_must_be_stated(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "reserve", EXACT, "EPSG:4546")
    with pytest.raises(InputError, match="accuracy"):
        import_files([shp], ImportOptions(designation="chunkunshan-nr"), shipped())


def test_cli_import_then_check(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "reserve", EXACT, "EPSG:4546")
    out = tmp_path / "official.geojson"
    result = runner.invoke(app, ["zones", "import", str(shp), "--designation",
                                 "chunkunshan-nr", "--accuracy", "0", "-o", str(out),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and "EPSG:4546" in result.stderr
    lat, lon = EXACT.east_of_edge(499)
    checked = runner.invoke(app, ["check", f"{lat},{lon}", "-a", "bbq", "-d", "2023-04-01",
                                  "--zones", str(out), "--json"])
    data = json.loads(checked.stdout)
    assert checked.exit_code == 10
    assert data["versions"]["zones"].startswith("sha256:")
    shown = runner.invoke(app, ["zones", "--zones", str(out), "--json"])
    assert any(z["id"] == "chunkunshan-nr/1" for z in json.loads(shown.stdout)["zones"])


def test_validate_reports_self_intersection_with_its_place_and_fixes_it(tmp_path: Path) -> None:
    data = shipped()
    bow_tie = [[110.30, 41.05], [110.32, 41.07], [110.32, 41.05], [110.30, 41.07],
               [110.30, 41.05]]
    data["features"].append({"type": "Feature", "properties": {
        "id": "bad", "designation": "chunkunshan-nr", "name_zh": "坏", "name_en": "bad",
        "kind": "test", "level": "test", "buffer_m": 0.5, "accuracy_m": 5,
        "completeness": "complete", "source": "test"},
        "geometry": {"type": "Polygon", "coordinates": [bow_tie]}})
    data["features"].append(dict(data["features"][-1]))  # duplicate id
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(data), "utf-8")
    result = runner.invoke(app, ["zones", "validate", str(path), "--lang", "en", "--json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    codes = {p["code"] for p in report["problems"]}
    assert {"invalid_geometry", "duplicate_id", "buffer_units"} <= codes
    invalid = next(p for p in report["problems"] if p["code"] == "invalid_geometry")
    assert "Self-intersection[110.31 41.06]" in invalid["en"] and invalid["index"] == 14
    data["features"].pop()
    path.write_text(json.dumps(data), "utf-8")
    fixed = tmp_path / "fixed.geojson"
    result = runner.invoke(app, ["zones", "validate", str(path), "--fix", "-o", str(fixed),
                                 "--lang", "en"])
    assert result.exit_code == 0 and "repaired" in result.stdout
    assert load_zones(fixed).by_designation["chunkunshan-nr"][-1].shape.is_valid


def test_validate_flags_far_and_projected_coordinates(tmp_path: Path) -> None:
    data = shipped()
    feature = next(f for f in data["features"] if f["properties"]["id"] == "honghua-obo-nr")
    feature["geometry"] = {"type": "Point", "coordinates": [116.4, 39.9]}  # Beijing
    path = tmp_path / "far.geojson"
    path.write_text(json.dumps(data), "utf-8")
    result = runner.invoke(app, ["zones", "validate", str(path), "--lang", "en"])
    assert result.exit_code == 3 and "far from Guyang" in result.stdout
    feature["geometry"] = {"type": "Point", "coordinates": [37_454_000.0, 4_550_000.0]}
    path.write_text(json.dumps(data), "utf-8")
    result = runner.invoke(app, ["zones", "validate", str(path), "--lang", "en"])
    assert result.exit_code == 3 and "not degrees" in result.stdout
    assert runner.invoke(app, ["zones", "validate", str(default_zones_path())]).exit_code == 0


def test_many_parcels_answer_like_few(tmp_path: Path, rules: RuleSet) -> None:
    """5,000 imported parcels of one class: the index still finds the right one."""
    base = shipped()
    features = []
    for i in range(5000):
        square = Square(EXACT.cx + 3000 + (i % 70) * 150.0, EXACT.cy + (i // 70) * 150.0, 50.0)
        features.append({"type": "Feature", "properties": {
            "id": f"grassland-subsidy-areas/{i}", "designation": "grassland-subsidy-areas",
            "name_zh": f"草原奖补地块{i}", "name_en": f"parcel {i}", "kind": "grassland_subsidy",
            "level": "official", "buffer_m": 500, "accuracy_m": 0, "completeness": "complete",
            "source": "test"},
            "geometry": {"type": "Polygon", "coordinates": [square.ring_wgs84()]}})
    base["features"] = [f for f in base["features"]
                        if f["properties"]["designation"] != "grassland-subsidy-areas"]
    base["features"] += features
    zones = load(tmp_path, base)
    lon, lat = to_wgs84(EXACT.cx + 3000 + 5 * 150.0, EXACT.cy + 2 * 150.0)
    v = evaluate(Request(float(lat), float(lon), BAN_DAY, "bbq"), rules, zones)
    hits = {h.id for r in v.reasons if r.code == "fire_ban" for h in r.zones}
    assert "grassland-subsidy-areas/145" in hits


def test_import_errors_are_clear(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "noprj", EXACT, None)
    assert import_files([shp], options(crs="EPSG:4326"), shipped())["features"][-1]
    with pytest.raises(InputError, match="unsupported format"):
        import_files([tmp_path / "noprj.dbf"], options(), shipped())
    with pytest.raises(InputError, match="file not found"):
        import_files([tmp_path / "missing.kml"], options(), shipped())
    bad_kml = tmp_path / "bad.kml"
    bad_kml.write_text("<kml><Placemark><Point><coordinates>x,y</coordinates></Point>"
                       "</Placemark></kml>", "utf-8")
    with pytest.raises(InputError, match="KML coordinates"):
        import_files([bad_kml], options(), shipped())
    broken = tmp_path / "broken.kml"
    broken.write_text("<kml><Placemark>", "utf-8")
    with pytest.raises(InputError, match="not valid KML"):
        import_files([broken], options(), shipped())
    with pytest.raises(InputError, match="unknown CRS"):
        import_files([shp], options(crs="EPSG:999999"), shipped())
    with pytest.raises(InputError, match="no designation"):
        import_files([shp], ImportOptions(accuracy_m=1, crs="EPSG:4326"), shipped())


def test_mapping_file_and_far_data(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "reserve", EXACT, "EPSG:4546")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('designation = "chunkunshan-nr"\nid_field = "BH"\nname_field = "MC"\n'
                       "scale = 2000\n", "utf-8")
    opts = ImportOptions.from_mapping_file(mapping, today=date(2026, 11, 29))
    feature = import_files([shp], opts, shipped())["features"][-1]["properties"]
    assert feature["id"] == "chunkunshan-nr/CK-01" and feature["accuracy_m"] == 1.0
    mapping.write_text('colour = "red"\n', "utf-8")
    with pytest.raises(InputError, match="unknown keys"):
        ImportOptions.from_mapping_file(mapping)
    beijing = tmp_path / "beijing.geojson"
    beijing.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": [116.4, 39.9]}}]}), "utf-8")
    with pytest.raises(InputError, match=r"not in Guyang .*farthest point \(116\.4000, 39\.9000\)"):
        import_files([beijing], options(), shipped())
    multi = tmp_path / "multi.kml"
    coords = " ".join(f"{lon},{lat}" for lon, lat in EXACT.ring_wgs84())
    multi.write_text(f"<kml><Placemark><name>两块</name><MultiGeometry>"
                     f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}</coordinates>"
                     f"</LinearRing></outerBoundaryIs></Polygon>"
                     f"<LineString><coordinates>{coords}</coordinates></LineString>"
                     f"</MultiGeometry></Placemark></kml>", "utf-8")
    with pytest.raises(InputError, match="mixes"):
        import_files([multi], options(), shipped())


def test_an_official_file_with_a_nan_vertex_gives_no_numpy_warning(tmp_path: Path) -> None:
    """A NaN vertex in an official GeoJSON is the validation's precise error about it,
    not first a numpy RuntimeWarning from inside shapely (a site-packages path)."""
    import warnings

    source = tmp_path / "official.geojson"
    ring = [[110.30, 41.05], [float("nan"), 41.0], [110.31, 41.06], [110.30, 41.05]]
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"BH": "7"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), "utf-8")
    from firecheck.zones.file import check

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        problems, _ = check(import_files([source], options(), shipped()))
    assert any("Invalid Coordinate" in p.get("en") for p in problems)
