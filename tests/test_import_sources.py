"""What a county GIS office really has: DataV/Amap GCJ-02 admin files, old-datum Gauss-Krüger
surveys, whole-city layers, KMZ, 奥维 .ovkml, GPX, zipped Shapefiles, broken files and odd
.cpg files — each made the way the tool that makes it does."""

from __future__ import annotations

import io
import json
import math
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapefile
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import shape
from typer.testing import CliRunner

from firecheck.cli import app
from firecheck.errors import InputError
from firecheck.geo.datum import wgs84_to_gcj02
from firecheck.geo.projection import to_local
from firecheck.zones.importer import ImportOptions, import_files
from firecheck.zones.load import default_zones_path

from conftest import EXACT, Square
from test_import import write_shapefile

runner = CliRunner()
SHIPPED = json.loads(default_zones_path().read_text("utf-8"))
COUNTY = next(f for f in SHIPPED["features"] if f["properties"]["kind"] == "county_boundary")
TODAY = date(2026, 11, 29)


def shipped() -> dict:
    return json.loads(json.dumps(SHIPPED))


def options(**kw) -> ImportOptions:
    kw.setdefault("designation", "chunkunshan-nr")
    kw.setdefault("accuracy_m", 5.0)
    return ImportOptions(today=TODAY, **kw)


def gcj(geometry: dict) -> dict:
    """The geometry's coordinates moved from WGS-84 to GCJ-02 (as Amap/DataV serve them)."""
    def move(xy: np.ndarray) -> np.ndarray:
        lat, lon = wgs84_to_gcj02(xy[:, 1], xy[:, 0])
        return np.column_stack([lon, lat])

    return shapely.geometry.mapping(shapely.transform(shape(geometry), move))


def datav(name: str, adcode: int, geometry: dict) -> dict:
    """A feature as DataV.GeoAtlas writes it."""
    centre = shape(geometry).representative_point()
    return {"type": "Feature", "properties": {
        "adcode": adcode, "name": name, "center": [centre.x, centre.y],
        "centroid": [centre.x, centre.y], "childrenNum": 0, "level": "district",
        "parent": {"adcode": 150200}, "subFeatureIndex": 0,
        "acroutes": [100000, 150000, 150200]}, "geometry": geometry}


def write_json(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), "utf-8")
    return path


def local(geometry) -> shapely.Geometry:
    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_local(xy[:, 0], xy[:, 1]))

    return shapely.transform(shape(geometry) if isinstance(geometry, dict) else geometry, move)


def county_options(**kw) -> ImportOptions:
    return options(designation="county", kind="county_boundary", accuracy_m=100.0, **kw)


def imported_county(result: dict) -> dict:
    return next(f for f in result["features"]
                if f["properties"]["kind"] == "county_boundary")


# ---------------------------------------------------------------- web-map datums


def test_datav_county_needs_datum_gcj02_and_then_lies_on_the_shipped_line(tmp_path: Path) -> None:
    path = write_json(tmp_path / "150222.json",
                      [datav("固阳县", 150222, gcj(COUNTY["geometry"]))])
    with pytest.raises(InputError) as info:
        import_files([path], county_options(), shipped())
    assert "DataV" in info.value.text.en and "--datum gcj02" in info.value.text.en
    result = import_files([path], county_options(datum="gcj02"), shipped())
    county = imported_county(result)
    assert county["properties"]["name_zh"] == "固阳县"
    gap = shapely.hausdorff_distance(local(county["geometry"]), local(COUNTY["geometry"]))
    assert gap < 30, gap  # metres, in the county's plane
    log = result["firecheck"]["imports"][-1]
    assert log["datum"] == "gcj02" and log["accuracy_parts"]["conversion_m"] == 1.0
    assert log["accuracy_m"] == county["properties"]["accuracy_m"] == 101.0
    assert sum(f["properties"]["kind"] == "county_boundary" for f in result["features"]) == 1
    # taken as WGS-84 it would lie a GCJ-02 offset from the line
    as_read = shapely.hausdorff_distance(local(gcj(COUNTY["geometry"])), local(COUNTY["geometry"]))
    assert 400 < as_read < 700


def test_a_gcj02_county_line_without_datav_keys_is_refused_by_its_offset(tmp_path: Path) -> None:
    path = write_json(tmp_path / "amap.geojson", [{"type": "Feature", "properties": {
        "name": "固阳县"}, "geometry": gcj(COUNTY["geometry"])}])
    with pytest.raises(InputError) as info:
        import_files([path], county_options(), shipped())
    assert "--datum gcj02" in info.value.text.en and "web-map" in info.value.text.en
    assert import_files([path], county_options(datum="wgs84"), shipped())  # the user's word


def test_ovkml_is_read_as_gcj02(tmp_path: Path) -> None:
    ring = gcj({"type": "Polygon", "coordinates": [EXACT.ring_wgs84()]})["coordinates"][0]
    coords = " ".join(f"{lon:.9f},{lat:.9f},0" for lon, lat in ring)
    path = tmp_path / "巡护区.ovkml"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维</name><Folder><Placemark>
<name>春坤山</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark></Folder></Document></kml>""", "utf-8")
    result = import_files([path], options(), shipped())
    feature = result["features"][-1]
    gap = shapely.hausdorff_distance(local(feature["geometry"]),
                                     local({"type": "Polygon", "coordinates": [EXACT.ring_wgs84()]}))
    assert gap < 1.0
    assert result["firecheck"]["imports"][-1]["datum"] == "gcj02"
    assert "ovkml" in json.dumps(result["firecheck"]["imports"][-1]["warnings"])


# ---------------------------------------------------------------- old geodetic datums


def test_xian_1980_needs_stated_parameters_or_uncertainty(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "xian80", EXACT, "EPSG:2382")  # Xian 1980 3° GK CM 111E
    with pytest.raises(InputError) as info:
        import_files([shp], options(), shipped())
    assert "--towgs84" in info.value.text.en and "--datum-accuracy" in info.value.text.en
    result = import_files([shp], options(datum_accuracy=60.0), shipped())
    log = result["firecheck"]["imports"][-1]
    assert log["accuracy_m"] == 65.0 and result["features"][-1]["properties"]["accuracy_m"] == 65.0
    assert log["accuracy_parts"] == {"survey_m": 5.0, "datum_m": 60.0, "conversion_m": 0.0}
    assert "0 m shift" in log["accuracy_basis"] and log["warnings"]
    # the survey's own seven parameters (values here are a test's, not a published set)
    params = "24,-123,-94,0.02,-0.25,-0.13,1.1"
    moved = import_files([shp], options(towgs84=params, datum_accuracy=2.0), shipped())
    assert moved["firecheck"]["imports"][-1]["accuracy_m"] == 7.0
    # oracle: EPSG:2382 written out by hand (IAG 1975 ellipsoid, CM 111E, k 1, FE 500 km)
    xian = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=500000 +y_0=0 +a=6378140 "
                          f"+rf=298.257 +towgs84={params} +units=m +no_defs")
    with shapefile.Reader(str(shp)) as reader:
        raw = np.array(reader.shape(0).points)
    lon, lat = Transformer.from_crs(xian, "EPSG:4326", always_xy=True).transform(raw[:, 0], raw[:, 1])
    got = np.array(moved["features"][-1]["geometry"]["coordinates"][0])
    assert np.allclose(got, np.column_stack([lon, lat]), atol=1e-8)
    shift = Geod(ellps="WGS84").inv(got[:, 0], got[:, 1], *np.array(
        result["features"][-1]["geometry"]["coordinates"][0]).T)[2]
    assert (shift > 10).all()  # the parameters moved it; the 0 m ballpark did not
    with pytest.raises(InputError, match="3 or 7 numbers"):
        import_files([shp], options(towgs84="1,2"), shipped())


# EPSG dataset: Beijing 1954 to WGS 84 (1)…(6), codes 15918-15921, 15935, 15936 (areas: Ordos
# basin, Tarim basin, Yellow Sea, Pearl River, Gulf of Tonkin) — position-vector parameters.
EPSG_BEIJING_1954 = [(12.646, -155.176, -80.863, 0, 0, 0, 0), (15.53, -113.82, -41.38, 0, 0, 0.814, -0.38),
                     (31.4, -144.3, -74.8, 0, 0, 0.814, -0.38), (15.8, -154.4, -82.3, 0, 0, 0, 0),
                     (18.0, -136.8, -73.7, 0, 0, 0.814, -0.38), (11.911, -154.833, -80.079, 0, 0, 0, 0)]


def test_beijing_1954_accuracy_is_widened_by_epsg_published_shifts(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "bj54", EXACT, "EPSG:2434")  # Beijing 1954 3° GK CM 111E
    result = import_files([shp], options(), shipped())
    log = result["firecheck"]["imports"][-1]
    lon, lat = shape(result["features"][-1]["geometry"]).centroid.coords[0]
    shifts = []
    for params in EPSG_BEIJING_1954:
        src = CRS.from_proj4("+proj=longlat +ellps=krass +towgs84="
                             + ",".join(map(str, params)) + " +no_defs")
        x, y = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(lon, lat)
        shifts.append(Geod(ellps="WGS84").inv(lon, lat, x, y)[2])
    assert 50 < max(shifts) < 70  # tens of metres at Guyang, as the issue measured
    assert log["accuracy_parts"]["datum_m"] == math.ceil(max(shifts))
    assert log["accuracy_m"] == 5 + math.ceil(max(shifts))
    assert any("Beijing 1954" in w["en"] for w in log["warnings"])


def test_utm_prj_on_gauss_kruger_numbers_is_refused_with_the_likely_crs(tmp_path: Path) -> None:
    utm = CRS.from_epsg(32649).to_wkt("WKT1_ESRI")
    shp = write_shapefile(tmp_path, "gk_as_utm", EXACT, "EPSG:4546", prj=utm)
    with pytest.raises(InputError) as info:
        import_files([shp], options(), shipped())
    message = info.value.text.en
    assert "--crs EPSG:4546" in message and "UTM" in message
    metres = float(message.split(" m away")[0].rsplit(" ", 1)[-1].replace(",", ""))
    assert 1700 < metres < 1900  # k 0.9996 against 1 at y ≈ 4.55e6 m
    assert import_files([shp], options(crs="EPSG:32649"), shipped())  # the user's word


def test_no_prj_guesses_from_the_coordinates(tmp_path: Path) -> None:
    degrees = write_shapefile(tmp_path, "degrees", EXACT, None)
    result = import_files([degrees], options(), shipped())
    log = result["firecheck"]["imports"][-1]
    assert log["crs"].startswith("EPSG:4490") and "guessed" in log["crs_source"]
    projected = write_shapefile(tmp_path, "metres", EXACT, "EPSG:4546", prj="")
    projected.with_suffix(".prj").unlink()
    with pytest.raises(InputError) as info:
        import_files([projected], options(), shipped())
    assert "--crs EPSG:4546" in info.value.text.en and "no .prj" in info.value.text.en


# ---------------------------------------------------------------- bigger layers


def city(tmp_path: Path) -> Path:
    """Baotou's nine districts, DataV style: 固阳县 (the shipped line, in GCJ-02) and eight
    synthetic squares 100-200 km away standing in for the others."""
    features = [datav("固阳县", 150222, gcj(COUNTY["geometry"]))]
    for i in range(8):
        far = Square(EXACT.cx + 100_000 + 12_000 * i, EXACT.cy - 40_000, 5_000)
        features.append(datav(f"测试区{i + 1}", 150202 + i,
                              gcj({"type": "Polygon", "coordinates": [far.ring_wgs84()]})))
    return write_json(tmp_path / "包头市.json", features)


def test_a_city_layer_gives_the_county_with_where(tmp_path: Path) -> None:
    path = city(tmp_path)
    with pytest.raises(InputError) as info:
        import_files([path], county_options(datum="gcj02"), shipped())
    message = info.value.text.en
    assert "8 of 9 features are not in Guyang" in message and "--where" in message
    assert "farthest point" in message and "first point" not in message
    result = import_files([path], county_options(datum="gcj02", where=["name=固阳县"]), shipped())
    assert imported_county(result)["properties"]["name_zh"] == "固阳县"
    assert result["firecheck"]["imports"][-1]["features"] == 1
    by_code = import_files([path], county_options(datum="gcj02", where=["adcode=150222"]),
                           shipped())
    assert imported_county(by_code)["properties"]["name_zh"] == "固阳县"
    with pytest.raises(InputError, match=r"no feature matches --where .*固阳县"):
        import_files([path], county_options(datum="gcj02", where=["name=固阳"]), shipped())
    with pytest.raises(InputError, match="no field 'NAME_CN'"):
        import_files([path], county_options(datum="gcj02", where=["NAME_CN=固阳县"]), shipped())


def test_clip_county_keeps_what_reaches_guyang(tmp_path: Path) -> None:
    inside = Square(EXACT.cx, EXACT.cy, 1000)
    far = Square(EXACT.cx + 90_000, EXACT.cy, 1000)
    path = write_json(tmp_path / "province.geojson", [
        {"type": "Feature", "properties": {"name": n},
         "geometry": {"type": "Polygon", "coordinates": [s.ring_wgs84()]}}
        for n, s in (("近", inside), ("远", far))])
    result = import_files([path], options(clip_county=True), shipped())
    log = result["firecheck"]["imports"][-1]
    assert log["clipped_to_county"] == {"kept": 1, "of": 2}
    assert result["features"][-1]["properties"]["name_zh"] == "近"


# ---------------------------------------------------------------- formats


def kml(placemarks: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
            f"<Document><name>层</name>{placemarks}</Document></kml>")


def square_placemark(name: str) -> str:
    coords = " ".join(f"{lon},{lat},0" for lon, lat in EXACT.ring_wgs84())
    return (f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing>"
            f"<coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
            "</Placemark>")


def test_kmz_in_google_earth_layout(tmp_path: Path) -> None:
    path = tmp_path / "保护区.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as kmz:
        kmz.writestr("doc.kml", kml(square_placemark("春坤山")))
        kmz.writestr("files/icon.png", b"\x89PNG\r\n")
    result = import_files([path], options(), shipped())
    assert result["features"][-1]["properties"]["name_zh"] == "春坤山"
    assert result["firecheck"]["imports"][-1]["file"] == "保护区.kmz:doc.kml"


def test_a_kml_with_only_a_network_link_fails_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "link.kml"
    path.write_text(kml("<NetworkLink><name>层</name><Link><href>http://example.invalid/a.kmz"
                        "</href></Link></NetworkLink>"), "utf-8")
    result = runner.invoke(app, ["zones", "import", str(path), "--designation", "chunkunshan-nr",
                                 "--accuracy", "5", "-o", str(tmp_path / "z.geojson"),
                                 "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert "NetworkLink" in result.stderr and "Google Earth" in result.stderr
    assert not (tmp_path / "z.geojson").exists()
    empty = tmp_path / "empty.kml"
    empty.write_text(kml(""), "utf-8")
    with pytest.raises(InputError, match=r"no features to import .*no Placemark"):
        import_files([empty], options(), shipped())


def gpx_text() -> str:
    ring = EXACT.ring_wgs84()
    points = "".join(f'<trkpt lat="{lat}" lon="{lon}"><ele>1500</ele>'
                     f"<time>2023-04-01T0{i}:00:00Z</time></trkpt>"
                     for i, (lon, lat) in enumerate(ring))
    lon, lat = ring[0]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Garmin" '
            'xmlns="http://www.topografix.com/GPX/1/1">'
            f'<wpt lat="{lat}" lon="{lon}"><name>瞭望塔</name></wpt>'
            f"<trk><name>巡护线</name><trkseg>{points}</trkseg></trk></gpx>")


def test_gpx_waypoints_and_tracks(tmp_path: Path) -> None:
    path = tmp_path / "ranger.gpx"
    path.write_text(gpx_text(), "utf-8")
    result = import_files([path], options(), shipped())
    features = result["features"][-2:]
    assert [f["geometry"]["type"] for f in features] == ["Point", "LineString"]
    assert [f["properties"]["name_zh"] for f in features] == ["瞭望塔", "巡护线"]


def test_zipped_shapefile_with_gbk_dbf_and_no_cpg(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "草原奖补区", EXACT, "EPSG:4546")
    path = tmp_path / "草原奖补区.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in tmp_path.glob("草原奖补区.*"):
            if part.suffix != ".zip":
                archive.write(part, f"数据/{part.name}")
    result = import_files([path], options(), shipped())
    assert result["features"][-1]["properties"]["name_zh"] == "测试保护区"
    log = result["firecheck"]["imports"][-1]
    assert log["crs"].startswith("EPSG:4546") and "GBK" in log["warnings"][0]["en"]
    assert shp.exists()


@pytest.mark.parametrize("cpg", ["ANSI 936", "936", "GBK", "System", "gb2312", "CP936", "",
                                 "ISO-8859-1", "UTF-8", "1252", "88591"])
def test_every_cpg_name_reads_the_gbk_names(tmp_path: Path, cpg: str) -> None:
    shp = write_shapefile(tmp_path, "reserve", EXACT, "EPSG:4546")
    shp.with_suffix(".cpg").write_text(cpg, "ascii")
    result = import_files([shp], options(), shipped())
    assert result["features"][-1]["properties"]["name_zh"] == "测试保护区"


def cli_import(path: Path, *extra: str):
    return runner.invoke(app, ["zones", "import", str(path), "--designation", "chunkunshan-nr",
                               "--accuracy", "5", "-o", str(path.parent / "out.geojson"),
                               "--lang", "en", *extra])


def test_broken_files_and_encodings_are_input_errors_not_crashes(tmp_path: Path) -> None:
    """Issue 11: each was exit 70 (LookupError, struct.error) or pyshp's own message."""
    bogus = write_shapefile(tmp_path, "bogus", EXACT, "EPSG:4546")
    bogus.with_suffix(".cpg").write_text("bogus", "ascii")
    truncated = write_shapefile(tmp_path, "truncated", EXACT, "EPSG:4546")
    truncated.write_bytes(truncated.read_bytes()[:150])
    empty_dbf = write_shapefile(tmp_path, "emptydbf", EXACT, "EPSG:4546")
    empty_dbf.with_suffix(".dbf").write_bytes(b"")
    no_dbf = write_shapefile(tmp_path, "nodbf", EXACT, "EPSG:4546")
    no_dbf.with_suffix(".dbf").unlink()
    good = write_shapefile(tmp_path, "good", EXACT, "EPSG:4546")
    engineering = write_shapefile(tmp_path, "local", EXACT, "EPSG:4546",
                                  prj='LOCAL_CS["Unknown",LOCAL_DATUM["Unknown",0],UNIT["Meter",1]]')
    cases = [(engineering, (), "no transformation from Unknown to WGS-84"),
             (bogus, (), "the .cpg names the encoding 'bogus'"),
             (truncated, (), "the .shp is cut off"),
             (empty_dbf, (), "the .dbf is empty or damaged"),
             (no_dbf, (), "no .dbf beside it"),
             (good, ("--encoding", "bogus"), "--encoding 'bogus': unknown encoding")]
    for path, extra, expected in cases:
        result = cli_import(path, *extra)
        assert result.exit_code == 2, (path.name, result.output)
        assert expected in " ".join(result.stderr.split()), (path.name, result.stderr)
        assert "Traceback" not in result.output and "warn" not in result.stderr


def test_the_log_names_the_crs_not_its_wkt(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "reserve", EXACT, "EPSG:4546")
    result = cli_import(shp)
    assert result.exit_code == 0, result.output
    assert "PROJCS" not in result.stderr and "EPSG:4546" in result.stderr


def test_gis_formats_through_gdal(tmp_path: Path) -> None:
    """A GeoPackage with two layers, written by GDAL (pyogrio), in CGCS2000 GK CM 111E."""
    raw = pytest.importorskip("pyogrio.raw", exc_type=ImportError)

    to_gk = Transformer.from_crs(4326, 4546, always_xy=True)
    ring = shapely.Polygon([to_gk.transform(lon, lat) for lon, lat in EXACT.ring_wgs84()])
    path = tmp_path / "zones.gpkg"
    for layer, name in (("reserves", "春坤山"), ("other", "其他")):
        raw.write(path, np.array([shapely.to_wkb(ring)], dtype=object),
                          [np.array([name], dtype=object)], ["MC"], layer=layer, driver="GPKG",
                          geometry_type="Polygon", crs="EPSG:4546", append=layer == "other")
    with pytest.raises(InputError, match="several layers; choose one with --layer"):
        import_files([path], options(), shipped())
    result = import_files([path], options(layer="reserves"), shipped())
    assert result["features"][-1]["properties"]["name_zh"] == "春坤山"
    log = result["firecheck"]["imports"][-1]
    assert log["crs"].startswith("EPSG:4546") and log["file"] == "zones.gpkg:reserves"
    got = shapely.hausdorff_distance(local(result["features"][-1]["geometry"]), local(
        {"type": "Polygon", "coordinates": [EXACT.ring_wgs84()]}))
    assert got < 0.01


def test_a_gis_format_without_pyogrio_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    import builtins

    real = builtins.__import__

    def no_pyogrio(name, *args, **kwargs):
        if name.startswith("pyogrio"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyogrio)
    path = tmp_path / "zones.gpkg"
    path.write_bytes(b"SQLite format 3\0")
    with pytest.raises(InputError, match=r"firecheck\[gis\]"):
        import_files([path], options(), shipped())


def test_shapefile_parts_are_read_from_memory(tmp_path: Path) -> None:
    """A Shapefile written to file objects (as a web service streams one) reads the same."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POINT,
                          encoding="utf-8") as w:
        w.field("MC", "C", 20)
        w.point(*EXACT.ring_wgs84()[0])
        w.record("瞭望塔")
    path = tmp_path / "points.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for suffix, data in ((".shp", shp), (".shx", shx), (".dbf", dbf)):
            archive.writestr(f"points{suffix}", data.getvalue())
        archive.writestr("points.cpg", "UTF-8")
        archive.writestr("points.prj", CRS.from_epsg(4490).to_wkt("WKT1_ESRI"))
    result = import_files([path], options(), shipped())
    assert result["features"][-1]["properties"]["name_zh"] == "瞭望塔"
