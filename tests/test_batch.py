"""Batch validation: same answers as single checks, every row kept, every format read."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from firecheck.batch.engine import BatchEngine
from firecheck.batch.places import PlaceKeys
from firecheck.batch.readers import open_input, read_chunks
from firecheck.batch.requests import Requests
from firecheck.batch.results import ROW_NOTES
from firecheck.batch.run import Options, run_batch
from firecheck.cli import app
from firecheck.engine.evaluate import evaluate, evaluate_range
from firecheck.engine.locate import scope_of
from firecheck.engine.model import Request, strictest
from firecheck.errors import InputError
from firecheck.geo.datum import DATUMS, gcj02_to_bd09, wgs84_to_gcj02
from firecheck.geo.projection import to_wgs84
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

from conftest import APPROX, EXACT

TODAY = date(2026, 11, 29)
HEADER = "id,lat,lon,date,activity\n"
runner = CliRunner()


def batch(path: Path, zones: ZoneSet, rules: RuleSet, **kw) -> list[dict[str, str]]:
    out = path.with_name(path.stem + "-out.csv")
    run_batch(Options(str(path), str(out), **kw), rules, zones, TODAY)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------- one engine, same answers


def _single_distance(v) -> float | None:
    edges = [h.edge_m for r in v.reasons for h in r.zones if h.position != "unknown"]
    return min(edges) if edges else None


def _assert_same(rules: RuleSet, zones: ZoneSet, lat, lon, days, acts, datums) -> None:
    n = len(lat)
    engine = BatchEngine(rules, zones)
    ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
    req = Requests(np.array(lat, float), np.array(lon, float),
                   np.array([DATUMS.index(d) for d in datums], dtype=np.int8), ordinals,
                   ordinals.copy(), np.array(acts, dtype=np.int64), np.zeros(n, dtype=bool))
    out = engine.evaluate(req)
    for i in range(n):
        single = evaluate(Request(lat[i], lon[i], days[i], engine.activities[acts[i]].id,
                                  datums[i]), rules, zones)
        answer = out.answers[out.group[i]]
        assert answer.status == single.status, i
        assert answer.reasons == tuple(dict.fromkeys(r.code for r in single.reasons))
        notes = [m.code for m in (*single.assumptions, *single.warnings)  # not the fines'
                 if m.code not in ("land_type_unknown", "one_fine_per_act", *ROW_NOTES)]
        assert [m.code for m in answer.warnings] == list(dict.fromkeys(notes)), (i, days[i])
        hits = {h.id for r in single.reasons for h in r.zones if h.position != "unknown"}
        assert set(out.zone_ids[i].as_py()) == hits
        expected = _single_distance(single)
        if expected is None:
            assert np.isnan(out.distance_m[i])
        else:
            assert out.distance_m[i] == expected, (i, datums[i])  # to the last bit


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_batch_agrees_with_single_checks(rules: RuleSet, zones: ZoneSet, data) -> None:
    n = data.draw(st.integers(1, 40))
    near = st.sampled_from([EXACT, APPROX])
    lat, lon = [], []
    for _ in range(n):
        if data.draw(st.booleans()):  # close to a synthetic zone's 500 m line
            square = data.draw(near)
            a, b = square.east_of_edge(data.draw(st.floats(-1200, 1500)))
        else:
            a, b = data.draw(st.floats(40.6, 41.6)), data.draw(st.floats(109.5, 110.9))
        lat.append(a)
        lon.append(b)
    days = data.draw(st.lists(st.dates(date(2022, 1, 1), date(2027, 12, 31)),
                              min_size=n, max_size=n))
    acts = data.draw(st.lists(st.integers(0, len(rules.activities.by_id) - 1), min_size=n,
                              max_size=n))
    datums = ["wgs84"] * n
    for i in range(n):  # present some points as phone-map coordinates
        kind = data.draw(st.sampled_from(DATUMS))
        if kind == "gcj02":
            lat[i], lon[i] = wgs84_to_gcj02(lat[i], lon[i])
        elif kind == "bd09":
            lat[i], lon[i] = gcj02_to_bd09(*wgs84_to_gcj02(lat[i], lon[i]))
        datums[i] = kind
    _assert_same(rules, zones, lat, lon, days, acts, datums)


def test_a_chunk_is_evaluated_in_slices_as_it_would_be_whole(
        rules: RuleSet, zones: ZoneSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's points are evaluated some thousands at a time (their zone pairs bounded):
    every row gets what it gets when the whole chunk is one slice, GCJ-02 rows and their
    warnings too."""
    from firecheck.batch import engine as batch_engine

    rng = np.random.default_rng(7)
    n = 2500
    x = np.concatenate([rng.uniform(-2500, 2500, n // 2) + s.cx for s in (EXACT, APPROX)])
    y = np.concatenate([rng.uniform(-2500, 2500, n // 2) + s.cy for s in (EXACT, APPROX)])
    lon, lat = to_wgs84(x, y)
    days = rng.integers(date(2023, 3, 1).toordinal(), date(2023, 6, 30).toordinal(), n)
    datum = rng.integers(0, 2, n).astype(np.int8)  # wgs84, gcj02
    acts = rng.integers(0, len(rules.activities.by_id), n)

    def outcome() -> tuple:
        req = Requests(lat.copy(), lon.copy(), datum, days, days.copy(), acts,
                       np.zeros(n, dtype=bool))
        out = BatchEngine(rules, zones).evaluate(req)
        return ([out.answers[g].status for g in out.group], out.zone_ids.to_pylist(),
                out.distance_m.tolist(), out.warnings)

    whole = outcome()
    monkeypatch.setattr(batch_engine, "_PASS_ROWS", 300)
    sliced = outcome()
    assert sliced[0] == whole[0] and sliced[1] == whole[1] and sliced[3] == whole[3]
    assert np.array_equal(np.array(sliced[2]), np.array(whole[2]), equal_nan=True)
    assert set(whole[0]) >= {"prohibited", "allowed"} and any(whole[1]) and whole[3]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_shape_in_parts_is_its_strictest_part_in_batch_and_single(rules: RuleSet,
                                                                     zones: ZoneSet,
                                                                     data) -> None:
    """Parts near the synthetic zones, inside the county, near its line or outside it: the
    whole gets exactly the status of its strictest part, in the single path and in batch."""
    points = []
    for _ in range(data.draw(st.integers(2, 4))):
        if data.draw(st.booleans()):
            points.append(data.draw(st.sampled_from([EXACT, APPROX])).east_of_edge(
                data.draw(st.floats(-900, 1500))))
        else:
            points.append((data.draw(st.floats(40.6, 41.6)), data.draw(st.floats(109.5, 110.9))))
    day = data.draw(st.dates(date(2023, 1, 1), date(2024, 12, 31)))
    act = data.draw(st.sampled_from(sorted(rules.activities.by_id)))
    shape = shapely.MultiPoint([(lon, lat) for lat, lon in points])
    whole = evaluate(Request(0.0, 0.0, day, act, geometry=shape), rules, zones)
    parts = [evaluate(Request(lat, lon, day, act), rules, zones) for lat, lon in points]
    assert whole.status == strictest(parts).status
    engine = BatchEngine(rules, zones)
    ordinal = np.array([day.toordinal()], dtype=np.int64)
    req = Requests(np.zeros(1), np.zeros(1), np.zeros(1, np.int8), ordinal, ordinal.copy(),
                   np.array([engine.activities.index(rules.activities.by_id[act])]),
                   np.zeros(1, dtype=bool), geometry={0: shape})
    out = engine.evaluate(req)
    assert out.answers[out.group[0]].status == whole.status


def test_batch_agrees_on_the_shipped_data(rules: RuleSet, real_zones: ZoneSet) -> None:
    rng = np.random.default_rng(5)
    n = 400
    lat, lon = rng.uniform(40.6, 41.6, n).tolist(), rng.uniform(109.5, 110.9, n).tolist()
    days = [date.fromordinal(date(2023, 1, 1).toordinal() + int(d))
            for d in rng.integers(0, 365 * 4, n)]
    acts = rng.integers(0, len(rules.activities.by_id), n).tolist()
    _assert_same(rules, real_zones, lat, lon, days, acts, ["wgs84"] * n)


def test_batch_agrees_across_day_table_blocks(rules: RuleSet, real_zones: ZoneSet) -> None:
    """Single days are tabled in blocks of 512 days: days on both sides of a block edge,
    several years and every activity in one chunk."""
    edge = (date(2023, 6, 1).toordinal() >> 9) << 9
    ordinals = [edge - 1, edge, edge + 1, edge - 513, edge + 600, date(2025, 3, 15).toordinal()]
    n_act = len(rules.activities.by_id)
    days = [date.fromordinal(o) for o in ordinals for _ in range(n_act)]
    acts = [a for _ in ordinals for a in range(n_act)]
    lat, lon = [41.03] * len(days), [110.05] * len(days)
    _assert_same(rules, real_zones, lat, lon, days, acts, ["wgs84"] * len(days))


def test_batch_agrees_far_away_and_beyond_the_local_plane(rules: RuleSet,
                                                          real_zones: ZoneSet) -> None:
    """Places far from the county, including where PROJ gives inf on the county's plane."""
    lat = [-7.7, -40.0, 30.0, 41.0, 89.9, -89.9, 0.0]
    lon = [-160.5, -100.0, 110.0, -69.8, 0.0, 179.9, 20.18]
    days = [date(2026, 4, 1)] * len(lat)
    _assert_same(rules, real_zones, lat, lon, days, [0] * len(lat), ["wgs84"] * len(lat))


def test_batch_agrees_at_the_ends_of_the_calendar(rules: RuleSet, real_zones: ZoneSet) -> None:
    """Library callers may pass any date: periods over New Year reach years 0 and 10000."""
    days = [date.min, date(1, 12, 31), date(9999, 1, 1), date.max]
    acts = list(range(len(rules.activities.by_id)))
    _assert_same(rules, real_zones, [41.03] * len(days) * len(acts),
                 [110.05] * len(days) * len(acts), [d for d in days for _ in acts],
                 [a for _ in days for a in acts], ["wgs84"] * len(days) * len(acts))
    spans = evaluate_range(Request(41.03, 110.05, date(9999, 12, 1), "bbq"), date.max, rules,
                           real_zones).spans
    assert spans[-1].end == date.max


def test_county_raster_settles_cells_as_the_rings_do(real_zones: ZoneSet) -> None:
    """Wherever the county raster answers, the prepared rings answer the same (it is a
    cache of their answers); most points of the county's box are settled by it."""
    index = real_zones.index()
    sure_in, near_in, near_out, sure_out = index.county_rings
    xmin, ymin, xmax, ymax = sure_out.bounds
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(xmin - 5000, xmax + 5000, 200_000),
                        index.county_grid.ox + 1000.0 * rng.integers(-2, 120, 2000)])
    y = np.concatenate([rng.uniform(ymin - 5000, ymax + 5000, 200_000),
                        index.county_grid.oy + 1000.0 * rng.integers(-2, 120, 2000)])
    rings = np.where(shapely.contains_xy(sure_in, x, y), 0,
                     np.where(~shapely.contains_xy(sure_out, x, y), 2,
                              np.where(shapely.contains_xy(near_out, x, y)
                                       & ~shapely.contains_xy(near_in, x, y), 1, -1)))
    raster = index.county_grid.lookup(x, y)
    settled = raster >= 0
    assert (raster[settled] == rings[settled]).all()
    assert settled.mean() > 0.8


def test_county_scope_raster_and_rings_match_exact_distances(real_zones: ZoneSet) -> None:
    """Points within metres of the county line's ±1000 m thresholds: the raster, the
    prepared rings and the exact distance must classify them alike."""
    index = real_zones.index()
    engine = BatchEngine.__new__(BatchEngine)
    engine.zones = real_zones
    points = []
    for offset in np.arange(-30.0, 31.0, 3.0):
        for base in (1000.0 + offset, -1000.0 + offset):
            for ring in shapely.get_parts(index.county_shape.buffer(base, quad_segs=32)):
                line = ring.exterior
                points.append(shapely.get_coordinates(shapely.line_interpolate_point(
                    line, np.linspace(0, 1, 150), normalized=True)))
    xy = np.concatenate(points)
    scopes = PlaceKeys(real_zones).scopes(xy[:, 0], xy[:, 1])
    edges = index.county_edges(xy[:, 0], xy[:, 1])
    names = ("inside", "near_boundary", "outside")
    expected = [names.index(scope_of(e, real_zones.county, 0.0)) for e in edges]
    assert scopes.tolist() == expected


# ------------------------------------------------------------- CSV inputs


def test_every_row_kept_in_order_with_row_errors(tmp_path: Path, rules: RuleSet,
                                                 zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    text = HEADER + "\n".join([
        f"a,{lat},{lon},2023-04-01,bbq",
        "b,,110.3,2023-04-01,bbq",            # blank latitude
        "c,nan,110.3,2023-04-01,bbq",         # NaN
        "d,95,200,2023-04-01,bbq",            # out of range
        f"e,{lat},{lon},2023-02-30,bbq",       # no such day
        f"f,{lat},{lon},2023-04-01,volcano",   # unknown activity
        f"g,{lat},{lon},,bbq",                 # no date
        "h,41.05,110.30,2023-07-01,秸秆",
    ]) + "\n"
    rows = batch(write(tmp_path, text), zones, rules)
    assert [r["id"] for r in rows] == list("abcdefgh")
    assert [r["status"] for r in rows] == ["prohibited"] + ["error"] * 6 + ["prohibited"]
    assert rows[1]["error"].startswith("第 3 行") or rows[1]["error"].startswith("line 3")
    assert "latitude" in batch(write(tmp_path, text, "en.csv"), zones, rules,
                               lang="en")[3]["error"]
    assert float(rows[0]["distance_m"]) == 100.0 and rows[0]["zone_ids"] == "chunkunshan-nr"
    assert rows[0]["hotline"] == "0472-8113344" and rows[7]["hotline"] == "0472-6111028"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_bom_and_gb18030_files_with_chinese_headers(tmp_path: Path, rules: RuleSet,
                                                    zones: ZoneSet, encoding: str) -> None:
    lat, lon = EXACT.east_of_edge(100)
    text = (f"编号,纬度,经度,日期,活动,备注\n1,{lat},{lon},2023年4月1日,烧烤,草原边上\n"
            f"2,{lat},{lon},2023-07-01,上坟烧纸,清明\n")
    rows = batch(write(tmp_path, text, encoding=encoding), zones, rules)
    assert [r["status"] for r in rows] == ["prohibited", "allowed"]
    assert rows[0]["备注"] == "草原边上"  # Chinese text survives the round trip


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, rules: RuleSet, zones: ZoneSet,
                              delimiter: str) -> None:
    lat, lon = EXACT.east_of_edge(100)
    text = HEADER.replace(",", delimiter) + delimiter.join(
        ["1", str(lat), str(lon), "2023-04-01", "bbq"]) + "\n"
    assert batch(write(tmp_path, text), zones, rules)[0]["status"] == "prohibited"


def test_missing_column_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "id,latitude,date\n1,41,2023-04-01\n")
    result = runner.invoke(app, ["batch", str(path), "--lang", "en"])
    assert result.exit_code == 2
    assert "lon" in result.stderr and "activity" in result.stderr
    assert "id, latitude, date" in result.stderr


def test_map_option_names_unknown_headers(tmp_path: Path, rules: RuleSet,
                                          zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    path = write(tmp_path, f"N,E,when,what\n{lat},{lon},2023-04-01,bbq\n")
    rows = batch(path, zones, rules,
                 mapping={"N": "lat", "E": "lon", "when": "date", "what": "activity"})
    assert rows[0]["status"] == "prohibited"


def test_map_option_on_the_command_line_takes_columns_and_a_drawing(
        tmp_path: Path, synthetic_zones_path: Path) -> None:
    lat, lon = EXACT.east_of_edge(100)
    path = write(tmp_path, f"N,E,when,what\n{lat},{lon},2023-04-01,bbq\n")
    out, drawing = tmp_path / "o.csv", tmp_path / "rows.svg"
    args = ["batch", str(path), "-o", str(out), "--zones", str(synthetic_zones_path),
            "--map", "N=lat", "--map", "E=lon", "--map", "when=date", "--map", "what=activity"]
    assert runner.invoke(app, [*args, "--map", str(drawing)]).exit_code == 0
    assert next(csv.DictReader(out.open(encoding="utf-8-sig")))["status"] == "prohibited"
    assert drawing.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    wrong = runner.invoke(app, [*args, "--map", "what=x.png"])  # a mapping, to no field
    assert wrong.exit_code == 2 and "x.png" in wrong.stderr and not (tmp_path / "x.png").exists()
    bad = runner.invoke(app, [*args, "--map", "nonsense"])
    assert bad.exit_code == 2 and "列名=字段 或 .svg/.png" in bad.stderr


def test_input_fields_named_like_results(tmp_path: Path, synthetic_zones_path: Path) -> None:
    """A user's own status (and firecheck_status) columns are kept; the result goes to the
    first free name, and the summary and --fail-on read the result, not the user's."""
    lat, lon = EXACT.east_of_edge(100)
    path = write(tmp_path, "id,lat,lon,date,activity,status,firecheck_status\n"
                           f"1,{lat},{lon},2023-04-01,bbq,approved,x\n")
    out = tmp_path / "o.csv"
    args = ["batch", str(path), "-o", str(out), "--zones", str(synthetic_zones_path),
            "--lang", "en"]
    result = runner.invoke(app, [*args, "--fail-on", "prohibited"])
    assert result.exit_code == 1 and "PROHIBITED 1" in result.stderr
    row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert (row["status"], row["firecheck_status"], row["firecheck_status_2"]) == \
        ("approved", "x", "prohibited")
    assert runner.invoke(app, [*args, "--fail-on", "uncertain"]).exit_code == 0


@pytest.mark.parametrize("chunk_rows", [1000, 3000])
def test_json_output_of_json_input_does_not_depend_on_chunks(
        tmp_path: Path, rules: RuleSet, zones: ZoneSet, chunk_rows: int) -> None:
    """Fields that first appear late — a datum, a field named like a result — are read and
    named the same in every chunk; rows keep exactly their own fields plus the results."""
    lat, lon = EXACT.east_of_edge(100)
    glat, glon = wgs84_to_gcj02(lat, lon)
    rows = [{"id": i, "lat": lat, "lon": lon, "date": "2023-04-01", "activity": "bbq"}
            for i in range(2500)]
    rows[2100] = {**rows[2100], "lat": glat, "lon": glon, "datum": "gcj02",
                  "reasons": "own", "note": 1}
    path = write(tmp_path, "\n".join(json.dumps(r) for r in rows), "in.jsonl")
    out = tmp_path / "out.jsonl"
    run_batch(Options(str(path), str(out), lang="en", chunk_rows=chunk_rows), rules, zones,
              TODAY)
    result = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(result) == 2500 and "note" not in result[0] and "reasons" not in result[0]
    assert {r["status"] for r in result} == {"prohibited"}
    late = result[2100]
    assert late["reasons"] == "own" and "fire_ban" in late["firecheck_reasons"]
    assert "datum_converted" in late["warnings"] and late["distance_m"] == pytest.approx(100, abs=1)
    assert all("firecheck_reasons" in r for r in result)


def test_blank_lines_then_a_ragged_row_lose_nothing(tmp_path: Path, rules: RuleSet,
                                                   zones: ZoneSet) -> None:
    """pyarrow reads the first blocks, the tolerant reader the rest (from a ragged row on):
    it resumes after the last line pyarrow gave, whatever blank lines came before. An empty
    line is not a row for either reader; a line of empty fields is one (a blank row)."""
    lines = []
    for i in range(6000):
        lines.append(f"{i},41.1,110.18,2023-04-01,bbq")
        if i % 700 == 699:
            lines.append("")
    lines[5000] = "5000,41.1,110.18,2023-04-01,bbq,EXTRA"  # ragged: the fallback starts
    lines.insert(5500, ",,,,")
    lines[:3] = [line + "\r\r" for line in lines[:3]]  # Windows double-CR line ends
    lines[3] = '3,41.1,110.18,2023-04-01,"b\rbq"'  # a CR inside a quoted field
    path = write(tmp_path, HEADER + "\n".join(lines) + "\n")
    rows = batch(path, zones, rules, chunk_rows=1000, lang="en")
    expected = [line.split(",")[0] for line in lines if line]
    assert [r["id"] for r in rows] == expected
    statuses = [r["status"] for r in rows]
    assert statuses.count("error") == 1 and statuses.count("blank") == 1  # ragged, empty
    assert rows[3]["activity"] == "b\rbq"  # kept as written
    ragged = next(r for r in rows if r["id"] == "5000")
    assert ragged["error"].startswith(f"line {2 + lines.index(lines[5000])}: row has 6 fields")


def test_cr_files_with_a_quoted_lf_and_headers_over_two_lines(tmp_path: Path, rules: RuleSet,
                                                              zones: ZoneSet) -> None:
    row = "41.03,110.05,2023-07-01,straw"
    cr = write(tmp_path, "id,lat,lon,date,activity\r" + f"1,{row}\r2,{row}\r"
               '3,41.03,110.05,2023-07-01,"a\nb"\r' + f"4,{row}\r", "cr.csv")
    assert [r["id"] for r in batch(cr, zones, rules)] == ["1", "2", "3", "4"]
    for name, text in (  # a quoted newline where pyarrow's block ends; a header ending in CR
            ("cut.csv", f'id,lat,lon,date,activity\n1,41.03,110.05,2023-07-01,"straw\n2,{row}"'),
            ("crhead.csv", f"id,lat,lon,date,activity\r1,{row}\n2,{row}\n")):
        path = write(tmp_path, text, name)
        with path.open(newline="", encoding="utf-8") as fh:
            expected = [r[0] for r in csv.reader(fh) if r][1:]
        assert [r["id"] for r in batch(path, zones, rules)] == expected
    two = write(tmp_path, 'id,lat,lon,date,"activity\n(type)"\n' + f"1,{row}\n", "two.csv")
    rows = batch(two, zones, rules, mapping={"activity\n(type)": "activity"})
    assert [(r["id"], r["status"]) for r in rows] == [("1", "prohibited")]


def test_empty_and_header_only_files(tmp_path: Path, rules: RuleSet, zones: ZoneSet) -> None:
    assert batch(write(tmp_path, ""), zones, rules) == []
    out = tmp_path / "in-out.csv"
    header_only = write(tmp_path, HEADER)
    assert batch(header_only, zones, rules) == []
    first = out.read_text("utf-8").splitlines()[0]
    assert first.replace('"', "").startswith("id,lat,lon,date,activity,status,reasons")


def test_ragged_rows_and_nuls_fall_back_without_losing_rows(tmp_path: Path, rules: RuleSet,
                                                            zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    good = f"{lat},{lon},2023-04-01,bbq"
    text = HEADER + f"1,{good}\n2,{good},extra\n3\n4,{good}\x00\n5,{good}\n"
    rows = batch(write(tmp_path, text), zones, rules, lang="en")
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["status"] for r in rows] == ["prohibited", "error", "error", "prohibited",
                                           "prohibited"]
    assert "6 fields" in rows[1]["error"] and "line 3" in rows[1]["error"]


def test_date_range_crossing_a_period_edge(tmp_path: Path, rules: RuleSet,
                                           zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    text = ("id,lat,lon,start,end,activity\n"
            f"1,{lat},{lon},2023-05-25,2023-06-05,bbq\n"
            f"2,{lat},{lon},2023-06-02,2023-06-20,bbq\n"
            f"3,{lat},{lon},2023-06-20,2023-06-02,bbq\n")
    rows = batch(write(tmp_path, text), zones, rules, lang="en")
    assert rows[0]["status"] == "prohibited"
    assert rows[0]["reasons"].split(";")[:2] == ["fire_ban", "fire_period_land_unknown"]
    assert rows[1]["status"] == "uncertain"  # the fire period binds forest and grassland only
    assert rows[2]["status"] == "error" and "ends before" in rows[2]["error"]


def test_firms_detections_use_the_local_date(tmp_path: Path, rules: RuleSet,
                                             zones: ZoneSet) -> None:
    """FIRMS times are UTC: 17:00 on 14 March is 01:00 on 15 March in Guyang."""
    lat, lon = EXACT.east_of_edge(100)
    text = ("latitude,longitude,bright_ti4,scan,acq_date,acq_time,satellite,confidence,frp\n"
            f"{lat},{lon},330.1,0.4,2023-03-14,1700,N,n,5.2\n"
            f"{lat},{lon},330.1,0.4,2023-03-14,1559,N,n,5.2\n"
            f"{lat},{lon},330.1,0.4,2023-11-16,1559,N,n,5.2\n"
            f"{lat},{lon},330.1,0.4,2023-11-16,1600,N,n,5.2\n"
            f"{lat},{lon},330.1,0.4,2023-11-16,2460,N,n,5.2\n")
    rows = batch(write(tmp_path, text, "fire_nrt.csv"), zones, rules, activity="straw",
                 lang="en")
    assert [("fire_ban" in r["reasons"]) for r in rows[:4]] == [True, False, True, False]
    assert rows[4]["status"] == "error" and "acq_time" in rows[4]["error"]
    assert rows[0]["frp"] == "5.2" and rows[0]["status"] == "prohibited"


# ------------------------------------------------------------- JSON and GeoJSON


def test_jsonl_in_and_out(tmp_path: Path, rules: RuleSet, zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    lines = [json.dumps({"id": 1, "lat": lat, "lon": lon, "date": "2023-04-01",
                         "activity": "bbq", "note": {"x": 1}}),
             "{not json",
             json.dumps([1, 2]),
             json.dumps({"id": 4, "lat": lat, "lon": lon, "date": "2023-04-01",
                         "activity": "entry", "datum": "wgs84"})]
    path = write(tmp_path, "\n".join(lines) + "\n", "in.jsonl")
    out = tmp_path / "out.jsonl"
    run_batch(Options(str(path), str(out), lang="en"), rules, zones, TODAY)
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["status"] for r in rows] == ["prohibited", "error", "error", "allowed"]
    assert rows[0]["note"] == {"x": 1} and rows[0]["id"] == 1
    error = rows[1]["error"]
    assert error["code"] == "unreadable_row" and rows[0]["error"] is None
    assert "not valid JSON" in error["message_en"] and error["message_zh"].startswith("第 2 行")


def test_jsonl_nested_too_deeply_is_a_row_error(tmp_path: Path, rules: RuleSet,
                                                zones: ZoneSet) -> None:
    lat, lon = EXACT.east_of_edge(100)
    first = json.dumps({"id": 1, "lat": lat, "lon": lon, "date": "2023-04-01"})
    path = write(tmp_path, first + "\n" + "[" * 100_000 + "\n", "deep.jsonl")
    out = tmp_path / "out.jsonl"
    run_batch(Options(str(path), str(out), lang="en", activity="bbq"), rules, zones, TODAY)
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["status"] for r in rows] == ["prohibited", "error"]
    assert "nested more than 64 levels" in rows[1]["error"]["message_en"]
    odd = write(tmp_path, "\n".join([first,
                                     first.replace('"id": 1', '"id": 1e400'),
                                     first.replace('"id": 1', '"id": NaN')]), "odd.jsonl")
    out = tmp_path / "odd-out.jsonl"
    run_batch(Options(str(odd), str(out), lang="en", activity="bbq"), rules, zones, TODAY)
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]  # strict JSON
    assert [r["status"] for r in rows] == ["prohibited", "error", "error"]
    assert "number out of range" in rows[1]["error"]["message_en"]
    assert "NaN" in rows[2]["error"]["message_en"]


@pytest.mark.parametrize("fmt", ["jsonl", "geojson"])
def test_json_to_csv_keeps_fields_that_appear_late(tmp_path: Path, rules: RuleSet,
                                                   zones: ZoneSet, fmt: str) -> None:
    """A CSV header is written once: a field first seen in a later chunk (here one called
    "status", which pushes the result to firecheck_status) still gets its column."""
    lat, lon = EXACT.east_of_edge(100)
    rows = [{"id": i, "lat": lat, "lon": lon, "date": "2023-04-01", "activity": "bbq"}
            for i in range(5)]
    rows[3]["permit_no"] = "GY-17"
    rows[4]["status"] = "approved"
    if fmt == "jsonl":
        text = "\n".join(json.dumps(r) for r in rows)
    else:
        text = json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": None, "properties": r} for r in rows]})
    path = write(tmp_path, text, f"in.{fmt}")
    out = batch(path, zones, rules, output_format="csv", chunk_rows=2)
    assert list(out[0]) == ["id", "lat", "lon", "date", "activity", "permit_no", "status",
                            "firecheck_status", "reasons", "zone_ids", "distance_m",
                            "fine_individual_yuan", "fine_unit_yuan", "hotline", "date_used",
                            "warnings", "error"]
    assert [r["permit_no"] for r in out] == ["", "", "", "GY-17", ""]
    assert [r["status"] for r in out] == ["", "", "", "", "approved"]
    assert {r["firecheck_status"] for r in out} == {"prohibited"}


def test_geojson_polygon_touching_the_buffer_is_prohibited(tmp_path: Path, rules: RuleSet,
                                                           zones: ZoneSet) -> None:
    def lonlat(dx: float, dy: float) -> list[float]:
        lon, lat = to_wgs84(EXACT.cx + EXACT.half + dx, EXACT.cy + dy)
        return [float(lon), float(lat)]

    touching = [lonlat(450, -50), lonlat(900, -50), lonlat(900, 50), lonlat(450, 50),
                lonlat(450, -50)]
    clear = [[x + 0.02, y] for x, y in touching]
    route = [lonlat(3000, 0), lonlat(6000, 0)]
    features = [
        {"type": "Feature", "properties": {"id": "burn-1", "date": "2023-04-01",
                                           "activity": "straw"},
         "geometry": {"type": "Polygon", "coordinates": [touching]}},
        {"type": "Feature", "properties": {"id": "burn-2", "date": "2023-04-01",
                                           "activity": "straw"},
         "geometry": {"type": "Polygon", "coordinates": [clear]}},
        {"type": "Feature", "properties": {"id": "walk", "date": "2023-04-01",
                                           "activity": "entry"},
         "geometry": {"type": "LineString", "coordinates": route}},
        {"type": "Feature", "properties": {"id": "none", "date": "2023-04-01",
                                           "activity": "bbq"}, "geometry": None},
    ]
    path = write(tmp_path, json.dumps({"type": "FeatureCollection", "features": features}),
                 "in.geojson")
    out = tmp_path / "out.geojson"
    run_batch(Options(str(path), str(out), lang="en"), rules, zones, TODAY)
    result = json.loads(out.read_text("utf-8"))["features"]
    props = [f["properties"] for f in result]
    assert [p["id"] for p in props] == ["burn-1", "burn-2", "walk", "none"]
    assert "fire_ban" in props[0]["reasons"] and props[0]["distance_m"] == 450.0
    assert "fire_ban" not in props[1]["reasons"] and props[1]["status"] == "prohibited"
    assert props[2]["status"] == "allowed"
    assert props[3]["status"] == "error"
    assert result[0]["geometry"]["type"] == "Polygon"


def _points_collection(n: int) -> str:
    lat, lon = EXACT.east_of_edge(100)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"id": i, "date": "2023-04-01", "activity": "bbq"}}
                for i in range(n)]
    return json.dumps({"type": "FeatureCollection", "name": "permits", "features": features})


def test_geojson_is_streamed_a_chunk_at_a_time(tmp_path: Path) -> None:
    """Chunks come out before the parser reaches the end of the document: a collection cut
    off after five features yields its first chunks of two, then a clear error."""
    text = _points_collection(8)
    cut = [i for i in range(len(text)) if text.startswith('{"type": "Feature"', i)][5]
    path = write(tmp_path, text[:cut], "cut.geojson")
    chunks = read_chunks(open_input(str(path), None), 2)
    assert [c.table["id"].to_pylist() for c in islice(chunks, 2)] == [["0", "1"], ["2", "3"]]
    with pytest.raises(InputError, match="cannot read the GeoJSON after feature 5"):
        list(chunks)


def test_geojson_with_bom_and_empty_or_wrong_documents(tmp_path: Path, rules: RuleSet,
                                                       zones: ZoneSet) -> None:
    bom = write(tmp_path, "\ufeff" + _points_collection(3), "bom.geojson", "utf-8")
    assert [r["status"] for r in batch(bom, zones, rules, output_format="csv")] == \
        ["prohibited"] * 3
    empty = write(tmp_path, '{"type": "FeatureCollection", "features": []}', "empty.geojson")
    assert sum(c.rows for c in read_chunks(open_input(str(empty), None), 10)) == 0
    for name, text in (("array.geojson", "[1, 2]"), ("other.geojson", '{"type": "Point"}'),
                       ("scalar.geojson", '{"features": 3}')):
        path = write(tmp_path, text, name)
        with pytest.raises(InputError, match="not a GeoJSON FeatureCollection"):
            list(read_chunks(open_input(str(path), None), 10))
    big = tmp_path / "big.geojson"  # an integer beyond 64 bits, from the second feature on
    text = _points_collection(3).replace('"id": 1', '"id": 123456789012345678901234, "ha": 1.10')
    big.write_text(text)
    rows = [r for c in read_chunks(open_input(str(big), None), 10) for r in c.table.to_pylist()]
    assert [(r["id"], r.get("ha")) for r in rows] == [
        ("0", None), ("123456789012345678901234", "1.1"), ("2", None)]
    for number in ("1e400", "9" * 5000):  # beyond a float; beyond Python's int parsing
        huge = tmp_path / "huge.geojson"
        huge.write_text(text.replace("123456789012345678901234", number))
        with pytest.raises(InputError, match="cannot read the GeoJSON after feature 1"):
            list(read_chunks(open_input(str(huge), None), 10))
    nested = tmp_path / "object.geojson"
    nested.write_text('{"features": {"item": {"properties": {"id": 1}}}}')
    with pytest.raises(InputError, match="not a GeoJSON FeatureCollection"):
        list(read_chunks(open_input(str(nested), None), 10))
    far = tmp_path / "far.geojson"  # one vertex where PROJ gives inf: a row error
    far.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": "2023-04-01", "activity": "bbq"},
         "geometry": {"type": "LineString", "coordinates": [[110.0, 41.0], [-160.5, -7.7]]}},
        {"type": "Feature", "properties": {"date": "2023-04-01", "activity": "bbq"},
         "geometry": {"type": "Point", "coordinates": [-160.5, -7.7]}}]}))
    rows = batch(far, zones, rules, output_format="csv", lang="en")
    assert [r["status"] for r in rows] == ["error", "out_of_scope"]
    assert rows[0]["error"].startswith("feature 1: the route or area reaches places too far")
    odd = tmp_path / "odd.geojson"  # each a row error, after the row's own datum
    odd.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": "2023-04-01", "activity": "bbq", "datum": d},
         "geometry": g} for d, g in (
            ("bd09", {"type": "LineString", "coordinates": [[110.0, 41.0], [-160.5, -89.9999]]}),
            ("wgs84", {"type": "MultiPolygon", "coordinates": [[]]}),
            ("wgs84", {"type": "LineString", "coordinates": [[110.0, 41.0], [190.0, 41.0]]}),
            ("gcj02", {"type": "Point", "coordinates": [110.0, 41.0]}),
            ("wgs84", {"type": "MultiPolygon", "coordinates": [  # an empty second part
                [[[110.0, 41.0], [110.001, 41.0], [110.001, 41.001], [110.0, 41.0]]], [[]]]}))]}))
    rows = batch(odd, zones, rules, output_format="csv", lang="en")
    assert [r["status"] for r in rows][:3] == ["error"] * 3
    assert rows[3]["status"] != "error" and rows[4]["status"] == rows[3]["status"]
    assert "out of range" in rows[2]["error"]
    broken = tmp_path / "latin1.geojson"
    broken.write_bytes(b'{"features": [{"properties": {"name": "\xe9"}}]}')
    with pytest.raises(InputError, match="cannot read the GeoJSON after feature 0"):
        list(read_chunks(open_input(str(broken), None), 10))


# ------------------------------------------------------------- command line


def test_fail_on_and_summary(tmp_path: Path, synthetic_zones_path: Path) -> None:
    lat, lon = EXACT.east_of_edge(100)
    path = write(tmp_path, HEADER + f"1,{lat},{lon},2023-04-01,bbq\n2,x,y,2023-04-01,bbq\n")
    args = ["batch", str(path), "-o", str(tmp_path / "o.csv"), "--zones",
            str(synthetic_zones_path), "--lang", "en"]
    assert runner.invoke(app, args).exit_code == 0
    failed = runner.invoke(app, [*args, "--fail-on", "prohibited"])
    assert failed.exit_code == 1
    assert "2 rows" in failed.stderr and "rows/s" in failed.stderr
    assert runner.invoke(app, [*args, "--fail-on", "uncertain"]).exit_code == 0
    assert runner.invoke(app, [*args, "--fail-on", "maybe"]).exit_code == 2
    one = write(tmp_path, HEADER + f"1,{lat},{lon},2023-04-01,bbq\n", "one.csv")
    alone = runner.invoke(app, ["batch", str(one), "-o", str(tmp_path / "one-out.csv"),
                                "--zones", str(synthetic_zones_path), "--lang", "en"])
    assert "1 row: " in alone.stderr  # not "1 rows"


@settings(max_examples=200, deadline=None)
@given(counts=st.dictionaries(st.sampled_from(["allowed", "prohibited", "uncertain", "outside",
                                               "permit_required", "error", "blank"]),
                              st.integers(1, 10**9), min_size=1),
       width=st.integers(10, 120), lang=st.sampled_from(["zh", "en"]))
def test_the_summary_breaks_lines_only_between_counts(counts: dict[str, int], width: int,
                                                      lang: str) -> None:
    """A count stays with its label ('无法确定 532,278' never splits), each line fits the
    terminal unless one count alone is wider, and without a width it is one line."""
    from rich.cells import cell_len

    from firecheck.batch.run import Summary
    from firecheck.views.summary import summary_lines

    summary = Summary(counts=Counter(counts), rows=sum(counts.values()))
    whole = summary_lines(summary, lang, None)
    assert len(whole) == 1
    packed = summary_lines(summary, lang, width)
    sep = "，" if lang == "zh" else ", "
    joined = packed[0]
    for line in packed[1:]:  # a break is the separator's mark, then an indented line
        assert joined.endswith(sep.rstrip()) and line.startswith("  ")
        joined = joined.removesuffix(sep.rstrip()) + sep + line.removeprefix("  ")
    assert joined == whole[0]
    for i, line in enumerate(packed):
        body = line if i == len(packed) - 1 else line.removesuffix(sep.rstrip())
        counts_here = body.count(sep) + 1
        assert cell_len(line) <= width or counts_here <= 1  # too wide only for one count


def test_the_summary_in_a_log_is_one_line_at_any_width(tmp_path: Path) -> None:
    """stderr that is no terminal (a log, a pipe) gets each summary line whole: rich used
    to wrap it at 80 columns, between a label and its count."""
    rows = "".join(f"{i},41.03,{110 + i / 100},2023-04-0{1 + i % 9},bbq\n" for i in range(40))
    path = write(tmp_path, HEADER + rows + "x,91,y,2023-04-01,bbq\n,,,,\n")
    result = runner.invoke(app, ["batch", str(path), "-o", str(tmp_path / "o.csv")],
                           env={"COLUMNS": "30", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    assert result.exit_code == 0
    first = result.stderr.splitlines()[0]
    assert first.startswith("共 42 行：") and "错误 1" in first and "空行 1" in first
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize("forced", ["TTY_COMPATIBLE", "FORCE_COLOR"])
@pytest.mark.parametrize("stderr", ["full", "closed"])
def test_a_batch_shown_as_on_a_terminal_survives_a_lost_stderr(tmp_path: Path, forced: str,
                                                               stderr: str) -> None:
    """With the progress bar forced on (as a terminal), a full or closed stderr loses only
    the messages: the output is written and the exit code is the batch's (rich wrote past
    the console's stream while its bar ran: exit 70, no output)."""
    path = write(tmp_path, HEADER + "1,41.03,110.05,2023-04-01,bbq\n")
    out = tmp_path / "o.csv"
    code = ("import sys\nfrom firecheck.launcher import main\n"
            f"sys.argv = ['firecheck', 'batch', {str(path)!r}, '-o', {str(out)!r}]\nmain()")
    redirect = "2>/dev/full" if stderr == "full" else "2>&-"
    done = subprocess.run(["sh", "-c", f'"$0" -c "$1" {redirect}', sys.executable, code],
                          env={**os.environ, forced: "1"})
    assert done.returncode == 0
    assert out.read_text("utf-8").count("\n") == 2


def test_output_never_overwrites_the_input(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "1,41,110,2023-04-01,bbq\n")
    result = runner.invoke(app, ["batch", str(path), "-o", str(path)])
    assert result.exit_code == 2 and path.read_text() == HEADER + "1,41,110,2023-04-01,bbq\n"
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    loop = runner.invoke(app, ["batch", str(path), "-o", str(tmp_path / "a"), "--lang", "en"])
    assert loop.exit_code == 2 and "cannot follow" in loop.stderr


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=7), max_size=25))
def test_row_count_and_order_survive_garbage(tmp_path_factory, rules: RuleSet,
                                             zones: ZoneSet, cells) -> None:
    """Whatever the cells hold (quotes, commas, newlines, NULs), each CSV record of the
    input (an empty line is none; a line of blanks is one) gives one output row, in order."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "lat", "lon", "date", "activity"])
    for i, row in enumerate(cells):
        writer.writerow([f"r{i}", *row])
    tmp = tmp_path_factory.mktemp("garbage")
    path = tmp / "in.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    with path.open(encoding="utf-8", newline="") as fh:
        records = [r for r in csv.reader(line.replace("\0", "") for line in fh) if r][1:]
    rows = batch(path, zones, rules)
    assert [r["id"] for r in rows] == [r[0] for r in records]
    assert all(r["status"] for r in rows)


def test_chunks_formatted_at_once_give_each_answer_its_own_columns(
        monkeypatch: pytest.MonkeyPatch, real_zones: ZoneSet) -> None:
    """Chunks are turned into result columns in parallel threads, and an answer's words
    take long enough for a thread switch: every answer still gets exactly its own values,
    in order (two threads once both added the same new answer, and later answers took the
    values of the one before)."""
    import threading
    import time
    from types import SimpleNamespace

    import pyarrow as pa

    from firecheck.batch.results import Results

    results = Results("csv", "en", real_zones, ["a"])
    answers = list(range(30))

    def slow(answer: int) -> dict:
        time.sleep(0.0005)  # a thread switch, as a sheet's words give
        return {"answer": answer}

    monkeypatch.setattr(results, "_values", slow)
    monkeypatch.setattr(results, "_keys", lambda *_: {
        k: pa.array([str(k)]) for k in results.names})
    chunk = SimpleNamespace(table=pa.table({"a": ["x"]}), rows=1)
    outcome = SimpleNamespace(answers=answers, group=np.array([0]))
    threads = [threading.Thread(target=results.table,
                                args=(chunk, SimpleNamespace(blank=None), outcome))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [v["answer"] for v in results._per_answer] == answers


@pytest.mark.parametrize("order", [1, -1])
def test_days_either_side_of_a_notice_date_get_their_own_notes(rules: RuleSet, zones: ZoneSet,
                                                                order: int) -> None:
    """The county's fire period is stated as annual by its notice of 2023-03-13, so a day
    before the notice is noted as judged by it; from that day on it is not. Days of one
    stretch of unchanged rules on both sides of the date, in either order (the first of a
    key gives its answer), get each its own day's notes."""
    days = [date(2023, 3, 12), date(2023, 3, 13), date(2023, 3, 14), date(2023, 1, 21)][::order]
    n = len(days)
    ridge = list(rules.activities.by_id).index(rules.activities.resolve("烧田埂").id)
    lat, lon = EXACT.east_of_edge(5000.0)
    _assert_same(rules, zones, [lat] * n, [lon] * n, days, [ridge] * n, ["wgs84"] * n)


def test_an_outcome_keeps_the_answers_of_its_chunk(rules: RuleSet, zones: ZoneSet) -> None:
    """Chunks are evaluated in parallel threads, all adding to one list of answers: a
    chunk's outcome holds that list as it was, so counting its error and blank rows (one
    place past its answers) cannot meet an answer another thread added meanwhile."""
    from firecheck.batch.run import status_codes

    engine = BatchEngine(rules, zones)
    bbq = list(rules.activities.by_id).index("bbq")
    day = np.array([date(2023, 4, 1).toordinal()] * 2, dtype=np.int64)
    req = Requests(np.array([41.03, np.nan]), np.array([110.05, np.nan]), np.zeros(2, np.int8),
                   day, day.copy(), np.array([bbq, bbq]), np.array([False, True]))
    out = engine.evaluate(req)
    known = len(out.answers)
    engine.answers.list.append(out.answers[0])  # another chunk's new answer
    assert len(out.answers) == known
    assert status_codes(req, out).to_pylist()[1] == "error"


@settings(max_examples=200, deadline=None)
@given(x0=st.floats(-1e5, 1e5), y0=st.floats(-1e5, 1e5), w=st.floats(0, 5e4),
       h=st.floats(0, 5e4))
@example(x0=-1775.6930806738092, y0=0.0, w=63724.30691932618 + 1775.6930806738092, h=10.0)
def test_a_point_on_a_reach_box_side_is_in_its_raster(x0: float, y0: float, w: float,
                                                      h: float) -> None:
    """The raster of reach boxes holds every point of every box, its sides included,
    however the lookup rounds a point's cell (the example was outside it)."""
    from firecheck.geo.grids import box_cover

    x1, y1 = x0 + w, y0 + h
    grid = box_cover(np.array([x0]), np.array([y0]), np.array([x1]), np.array([y1]))
    xs = np.array([x0, x1, x0, x1, (x0 + x1) / 2, x0, x1])
    ys = np.array([y0, y0, y1, y1, (y0 + y1) / 2, (y0 + y1) / 2, (y0 + y1) / 2])
    assert grid.lookup(xs, ys).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@example(data=None)
def test_day_tables_hold_each_days_own_plan_set(rules: RuleSet, data) -> None:
    """Single days are tabled one plan-set lookup per segment of days that share a plan:
    every row, in chunks of any order, gets the very plan set its day alone gets — across
    year ends, the notice dates and every rule period's first and last day."""
    from firecheck.batch.plans import DayPlans

    activities = list(rules.activities)
    edges = sorted({d.toordinal() + step for r in rules.rules for p in r.periods
                    for year in (2022, 2023, 2024) for first, last in p.occurrences(year)
                    for d in (first, last) for step in (-1, 0, 1)}
                   | {date(y, 1, 1).toordinal() + step for y in (2023, 2024, 2025)
                      for step in (-1, 0)} | {date(2023, 3, 13).toordinal()})
    if data is None:  # every edge, every activity
        days = np.repeat(np.array(edges), len(activities))
        kinds = np.tile(np.arange(len(activities)), len(edges))
        cut = len(days) // 3
    else:
        n = data.draw(st.integers(1, 300))
        days = np.array(data.draw(st.lists(st.one_of(
            st.sampled_from(edges), st.integers(date(2021, 6, 1).toordinal(),
                                                date(2025, 6, 1).toordinal())),
            min_size=n, max_size=n)))
        kinds = np.array(data.draw(st.lists(st.integers(0, len(activities) - 1), min_size=n,
                                            max_size=n)))
        cut = data.draw(st.integers(0, n))
    tabled = DayPlans(rules, activities)
    got = np.concatenate([tabled.for_rows(days[a:b], days[a:b], kinds[a:b])
                          for a, b in ((cut, len(days)), (0, cut))])
    got = np.concatenate([got[len(days) - cut:], got[:len(days) - cut]])
    alone = DayPlans(rules, activities)
    wanted = [alone.sets[alone.plan_set(int(d), int(d), int(k))] for d, k in zip(days, kinds, strict=True)]
    assert [[tabled.plans[p].signature for p in tabled.sets[i]] for i in got] == [
        [alone.plans[p].signature for p in ids] for ids in wanted]
