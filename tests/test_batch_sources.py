"""Batch input a forestry office has besides tables: a ranger's GPX (tracks are routes) and
NASA FIRMS Shapefile downloads (points); and ``--date`` for tables without a date."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import shapefile
from pyproj import CRS
from typer.testing import CliRunner

from firecheck.batch.run import Options, run_batch
from firecheck.cli import app
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

from conftest import EXACT

TODAY = dt.date(2026, 11, 29)
runner = CliRunner()


def rows_of(path: Path, zones: ZoneSet, rules: RuleSet, **kw) -> list[dict[str, str]]:
    out = path.with_name(path.stem + "-out.csv")
    run_batch(Options(str(path), str(out), lang="en", **kw), rules, zones, TODAY)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_gpx_tracks_are_routes_and_waypoints_points(tmp_path: Path, rules: RuleSet,
                                                    zones: ZoneSet) -> None:
    far_lat, far_lon = EXACT.east_of_edge(3000)
    near_lat, near_lon = EXACT.east_of_edge(200)
    (inside_lon, inside_lat) = EXACT.ring_wgs84()[0]
    track = "".join(f'<trkpt lat="{lat}" lon="{lon}"><time>{t}</time></trkpt>'
                    for lat, lon, t in ((far_lat, far_lon, "2023-04-01T01:00:00Z"),
                                        (inside_lat, inside_lon, "2023-04-01T02:00:00Z")))
    path = tmp_path / "patrol.gpx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Garmin" '
        'xmlns="http://www.topografix.com/GPX/1/1">'
        f'<wpt lat="{far_lat}" lon="{far_lon}"><name>营地</name><time>2023-04-01T00:00:00Z</time>'
        f"</wpt><trk><name>巡护线</name><trkseg>{track}</trkseg></trk>"
        f'<wpt lat="{near_lat}" lon="{near_lon}"><name>瞭望点</name></wpt></gpx>', "utf-8")
    rows = rows_of(path, zones, rules, activity="bbq", date="2023-04-02")
    assert [r["name"] for r in rows] == ["营地", "巡护线", "瞭望点"]
    assert [r["gpx_type"] for r in rows] == ["wpt", "trk", "wpt"]
    assert rows[1]["start"] == "2023-04-01T01:00:00Z" and rows[1]["end"] == "2023-04-01T02:00:00Z"
    assert "fire_ban" not in rows[0]["reasons"]  # 3 km from the zone
    assert rows[1]["status"] == "prohibited" and "fire_ban" in rows[1]["reasons"]  # enters it
    assert rows[2]["status"] == "prohibited"  # no time: --date, 200 m from the edge


def write_firms(folder: Path, rows: list[tuple[float, float, dt.date, str]]) -> Path:
    """A FIRMS Shapefile as the download holds it (upper-case fields, ACQ_DATE a date)."""
    path = folder / "fire_nrt_J1V-C2_123456.shp"
    with shapefile.Writer(str(path), shapeType=shapefile.POINT) as w:
        for name, kind, size, decimals in (("LATITUDE", "N", 10, 5), ("LONGITUDE", "N", 11, 5),
                                           ("BRIGHT_TI4", "N", 6, 2), ("ACQ_DATE", "D", 8, 0),
                                           ("ACQ_TIME", "C", 4, 0), ("SATELLITE", "C", 3, 0),
                                           ("FRP", "N", 8, 2)):
            w.field(name, kind, size, decimals)
        for lat, lon, day, hhmm in rows:
            w.point(lon, lat)
            w.record(lat, lon, 330.1, day, hhmm, "N", 5.2)
    path.with_suffix(".prj").write_text(CRS.from_epsg(4326).to_wkt("WKT1_ESRI"), "utf-8")
    return path


def test_firms_shapefile_points_use_the_local_date(tmp_path: Path, rules: RuleSet,
                                                   zones: ZoneSet) -> None:
    """As the FIRMS CSV: 17:00 UTC on 14 March is 01:00 on 15 March in Guyang."""
    lat, lon = EXACT.east_of_edge(100)
    path = write_firms(tmp_path, [(lat, lon, dt.date(2023, 3, 14), "1700"),
                                  (lat, lon, dt.date(2023, 3, 14), "1559")])
    rows = rows_of(path, zones, rules, activity="straw")
    assert [("fire_ban" in r["reasons"]) for r in rows] == [True, False]
    assert rows[0]["ACQ_DATE"] == "2023-03-14" and rows[0]["status"] == "prohibited"
    out = tmp_path / "fires.geojson"
    result = runner.invoke(app, ["batch", str(path), "-a", "straw", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    features = json.loads(out.read_text("utf-8"))["features"]
    assert features[0]["geometry"]["type"] == "Point" and len(features) == 2


def test_date_option_is_the_default_date(tmp_path: Path, rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    path = tmp_path / "permits.csv"
    path.write_text(f"id,lat,lon,date\n1,{lat},{lon},\n2,{lat},{lon},2023-07-01\n", "utf-8")
    rows = rows_of(path, zones, rules, activity="bbq", date="2023-04-01")
    assert "fire_ban" in rows[0]["reasons"] and "fire_ban" not in rows[1]["reasons"]
    undated = tmp_path / "undated.csv"
    undated.write_text(f"id,lat,lon\n1,{lat},{lon}\n", "utf-8")
    result = runner.invoke(app, ["batch", str(undated), "-a", "bbq", "--lang", "en"])
    assert result.exit_code == 2 and "--date" in result.stderr
    result = runner.invoke(app, ["batch", str(undated), "-a", "bbq", "--date", "2023-04-01"])
    assert result.exit_code == 0 and result.stdout.count("\n") == 2
    result = runner.invoke(app, ["batch", str(undated), "-a", "bbq", "--date", "tomorrowish",
                                 "--lang", "en"])
    assert result.exit_code == 2


def test_chunks_read_ahead_keep_their_rows(tmp_path: Path) -> None:
    """The CSV reader reuses one buffer for its blocks: chunks kept while later blocks are
    read (as the parallel batch keeps them) still hold exactly their own rows, quoted and
    unquoted, across lines longer than the buffer."""
    from firecheck.batch.readers import input_fields, open_input, read_chunks

    rows = [[str(i), f"41.{i:06d}", f'"{i} said ""hi"", twice"' if i % 7 else "x" * 70_000]
            for i in range(3_000)]
    src = tmp_path / "in.csv"
    src.write_text("id,lat,note\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    source = open_input(str(src), None, None)
    assert input_fields(source) == ["id", "lat", "note"]
    chunks = list(read_chunks(source, 100))  # every block read before any chunk is looked at
    assert len(chunks) > 10
    got = [row for chunk in chunks for row in zip(*(chunk.table[n].to_pylist()
                                                    for n in ("id", "lat", "note")), strict=True)]
    expected = [(i, lat, next(csv.reader([note])) [0]) for i, lat, note in rows]
    assert got == expected
