"""`firecheck serve`: the API answers exactly what the command line and the library answer,
bad input is a 400 with the error object, and the limits and headers hold — in process
(Starlette's test client, no port) and against the real server."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import ssl
import tempfile
import warnings
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from firecheck import check_file
from firecheck.cli import app as cli
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

from conftest import APPROX, EXACT
from serving import server

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note on httpx versions
    from starlette.testclient import TestClient

from firecheck.serve.app import CSP, Limits, create_app

runner = CliRunner()
CSV = ("id,lat,lon,date,activity\n"
       f"1,{EXACT.east_of_edge(100)[0]:.7f},{EXACT.east_of_edge(100)[1]:.7f},2023-04-01,bbq\n"
       "2,41.03,110.05,2023-07-01,秸秆\n"
       "3,not a number,110.05,2023-07-01,straw\n"
       "4,42.5,112.0,2023-07-01,straw\n").encode()


@pytest.fixture(scope="module")
def client(rules: RuleSet, zones: ZoneSet) -> TestClient:
    return TestClient(create_app(rules, zones))


def cli_json(zones_path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, [*args, "--zones", str(zones_path)])
    return result.exit_code, result.stdout, result.stderr


def cli_args(params: dict[str, object]) -> list[str]:
    """The `check` arguments for the same query as the API parameters."""
    args = ["check"]
    names = {"date": "--date", "from": "--from", "to": "--to", "datum": "--datum",
             "accuracy": "--accuracy", "land": "--land", "actor": "--actor", "lat": "--lat",
             "lon": "--lon", "activity": "--activity"}
    for name, value in params.items():
        if name == "place":
            args.append(str(value))
        elif name == "in_zone":
            for zone in value:  # type: ignore[attr-defined]
                args += ["--in-zone", zone]
        else:
            args += [names[name], str(value)]
    return [*args, "--json"]


def place(metres: float) -> str:
    lat, lon = EXACT.east_of_edge(metres)
    return f"{lat:.8f},{lon:.8f}"


QUERIES = [
    {"place": place(100), "activity": "烧烤", "date": "2023-04-01"},
    {"place": place(-300), "activity": "entry", "date": "2023-04-01", "actor": "unit"},
    {"place": "41.03,110.05", "activity": "straw", "date": "2023-05-25..2023-06-05"},
    {"lat": "41.06", "lon": "110.31", "datum": "gcj02", "activity": "野炊",
     "from": "2023-03-10", "to": "2023-03-20", "accuracy": "30"},
    {"place": "金山镇", "activity": "上坟烧纸", "date": "2023年4月5日"},
    {"in_zone": ["chunkunshan-nr", "daxianshan-scenic"], "land": "grassland", "activity": "野炊",
     "date": "2023-10-01"},
    {"place": "41°02′N 110°03′E", "activity": "sky lantern", "date": "2023-03-14T16:30Z"},
]


@pytest.mark.parametrize("params", QUERIES)
def test_check_is_exactly_check_json(client: TestClient, synthetic_zones_path: Path,
                                     params: dict) -> None:
    """The body is byte for byte what `firecheck check --json` prints, HTTP 200 whatever
    the status."""
    response = client.get("/api/check", params=params)
    code, out, _ = cli_json(synthetic_zones_path, *cli_args(params))
    assert response.status_code == 200 and code in (0, 10, 11, 12, 13)
    assert response.headers["content-type"] == "application/json"
    assert response.text == out


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(east=st.floats(-1500, 1500), north=st.floats(-0.3, 0.3),
       activity=st.sampled_from(["bbq", "straw", "entry", "上坟烧纸", "放炮", "vehicle entry",
                                 "nonsense", "烧垃圾"]),
       day=st.dates(dt.date(2022, 1, 1), dt.date(2027, 12, 31)),
       datum=st.sampled_from(["wgs84", "gcj02", "bd09", "mars"]),
       accuracy=st.sampled_from([None, "0", "250", "-1"]),
       land=st.sampled_from([None, "forest", "草原", "moon"]))
def test_check_equals_check_json_property(client: TestClient, synthetic_zones_path: Path,
                                          east: float, north: float, activity: str, day,
                                          datum: str, accuracy: str | None,
                                          land: str | None) -> None:
    """For any query, /api/check gives check --json's bytes, and a 400 with the error
    object exactly when the command line refuses the input (exit 2) with the same words."""
    lat, lon = EXACT.east_of_edge(east)
    params = {"place": f"{lat + north:.7f},{lon:.7f}", "activity": activity,
              "date": day.isoformat(), "datum": datum}
    if accuracy is not None:
        params["accuracy"] = accuracy
    if land is not None:
        params["land"] = land
    response = client.get("/api/check", params=params)
    code, out, err = cli_json(synthetic_zones_path, *cli_args(params))
    if code == 2:
        error = response.json()
        assert response.status_code == 400
        assert set(error) == {"schema", "code", "message_zh", "message_en"}
        if accuracy != "-1":  # typer refuses a negative --accuracy in its own words
            assert " ".join(error["message_zh"].split())[:30] in " ".join(err.split())
    else:
        assert response.status_code == 200 and response.text == out


@pytest.mark.parametrize(("query", "code"), [
    ("place=41.03,110.05&activity=nothing-like-it", "unknown_activity"),
    ("place=41.03,110.05&activity=bbq&date=2023-02-30", "invalid_date"),
    ("place=41.03,110.05&activity=bbq&datum=mars", "invalid_datum"),
    ("place=41.03,110.05&activity=bbq&accuracy=lots", "invalid_accuracy"),
    ("place=41.03,110.05&activity=bbq&accuracy=nan", "invalid_accuracy"),
    ("place=41.03,110.05&activity=bbq&dat=2023-04-01", "unknown_parameter"),
    ("place=41.03,110.05&activity=bbq&date=2023-04-01&date=2023-04-02", "repeated_parameter"),
    ("place=41.03,110.05", "missing_parameter"),
    ("place=%F0%9F%94%A5&activity=bbq", "unknown_place"),
    ("place=41.03,110.05&activity=bbq&lang=fr", "invalid_lang"),
    ("place=91,110&activity=bbq", "invalid_coordinates"),
])
def test_bad_input_is_400_with_the_error_object(client: TestClient, query: str, code: str) -> None:
    response = client.get(f"/api/check?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["message_zh"] and body["message_en"]
    assert body["schema"] == "firecheck/error/1"
    assert "Traceback" not in response.text


def test_other_mistakes_are_json_errors(client: TestClient) -> None:
    assert client.get("/api/nothing").json()["code"] == "not_found"
    assert client.get("/static/app.js/../../app.py").status_code == 404
    assert client.get("/static/..%2F__init__.py").status_code == 404
    assert client.get("/api/batch").status_code == 405
    year = client.get("/api/periods/1899")
    assert year.status_code == 400 and year.json()["code"] == "invalid_year"
    assert client.get("/api/periods/２０２３").status_code == 400


def test_reference_endpoints_equal_the_commands(client: TestClient, synthetic_zones_path: Path) -> None:
    for url, args in (("/api/periods/2023", ["periods", "2023", "--json"]),
                      ("/api/hotlines", ["hotlines", "--json"]),
                      ("/api/activities", ["activities", "--json"])):
        result = runner.invoke(cli, args)
        assert client.get(url).json() == json.loads(result.stdout), url


def test_answer_carries_the_terminal_paragraphs(client: TestClient) -> None:
    params = {"place": "41.03,110.05", "activity": "straw", "date": "2023-07-01"}
    body = client.get("/api/answer", params=params).json()
    assert body["result"] == client.get("/api/check", params=params).json()
    zh, en = body["paragraphs"]["zh"], body["paragraphs"]["en"]
    assert zh[0]["segments"][0][0].strip() == "禁止" and en[0]["segments"][0][0].strip() == "PROHIBITED"
    assert "12119" in zh[0]["segments"][1][0]  # the action line names the number to call


def test_zones_geojson_has_the_zones_and_their_lines(client: TestClient, zones: ZoneSet) -> None:
    plain = client.get("/api/zones")
    assert plain.headers["content-type"] == "application/geo+json"
    features = plain.json()["features"]
    assert {f["properties"]["id"] for f in features} == {z.id for z in zones.zones}
    assert {f["properties"]["layer"] for f in features} == {"zone"}
    lines = client.get("/api/zones?lines=1").json()["features"]
    buffer = next(shape(f["geometry"]) for f in lines if f["properties"]["layer"] == "buffer"
                  and f["properties"]["id"] == "chunkunshan-nr")
    inside, outside = EXACT.east_of_edge(480), EXACT.east_of_edge(520)
    assert buffer.contains(Point(inside[1], inside[0]))  # the 500 m line, in degrees
    assert not buffer.contains(Point(outside[1], outside[0]))
    band = next(shape(f["geometry"]) for f in lines if f["properties"]["layer"] == "band")
    assert band.area > 0 and not any(f["properties"]["layer"] == "band" and f["properties"]["id"]
                                     == "chunkunshan-nr" for f in lines)  # exact: no band
    near = APPROX.east_of_edge(500)
    assert band.contains(Point(near[1], near[0]))  # 500 m ± 300 m
    assert client.get("/api/zones?lines=maybe").status_code == 400


def test_security_headers_and_an_offline_page(client: TestClient) -> None:
    for url in ("/", "/static/app.js", "/api/check?activity=x", "/api/nothing"):
        response = client.get(url)
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert "'unsafe-inline'" not in CSP and "default-src 'none'" in CSP
    assert client.get("/api/hotlines").headers["cache-control"] == "no-store"
    page = client.get("/").text
    for name in ("app.js", "app.css"):
        assert f"/static/{name}" in page
        text = client.get(f"/static/{name}").text
        # Nothing is loaded from elsewhere: the only URL is the SVG namespace.
        assert text.replace("http://www.w3.org/2000/svg", "").count("http") == 0, name
    assert "http" not in page and " style=" not in page


def test_openapi_describes_every_api_route(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    routes = {r.path for r in client.app.routes if r.path.startswith("/api/")}  # type: ignore[attr-defined]
    assert documented == routes - {"/api/openapi.json"}
    names = {p["name"] for p in spec["paths"]["/api/check"]["get"]["parameters"]}
    from firecheck.serve.queries import CHECK_PARAMS
    assert names == set(CHECK_PARAMS)


def expected_batch(rules: RuleSet, zones: ZoneSet, data: bytes, **options) -> bytes:
    out = io.BytesIO()
    check_file(io.BytesIO(data), out, rules=rules, zones=zones, **options)
    return out.getvalue()


def leftovers() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith(("firecheck-serve-", ".firecheck-"))}


def test_batch_is_the_batch_output(client: TestClient, rules: RuleSet, zones: ZoneSet) -> None:
    before = leftovers()
    response = client.post("/api/batch", content=CSV, headers={"content-type": "text/csv"})
    assert response.status_code == 200
    assert response.content == expected_batch(rules, zones, CSV, input_format="csv")
    assert json.loads(response.headers["x-firecheck-counts"]) == {
        "prohibited": 2, "error": 1, "out_of_scope": 1}
    assert response.headers["x-firecheck-rows"] == "4"
    assert response.headers["content-disposition"] == 'attachment; filename="checked.csv"'
    jsonl = client.post("/api/batch?format=jsonl&lang=en", content=CSV,
                        headers={"content-type": "text/csv"})
    assert jsonl.content == expected_batch(rules, zones, CSV, input_format="csv",
                                           output_format="jsonl", lang="en")
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[2]["status"] == "error" and rows[2]["error"]["message_en"].startswith("line 4:")
    assert leftovers() == before  # the upload and the output are removed


def test_batch_formats_multipart_and_options(client: TestClient, rules: RuleSet, zones: ZoneSet) -> None:
    upload = client.post("/api/batch?format=geojson",
                         files={"file": ("permits.csv", CSV, "application/octet-stream")})
    assert upload.status_code == 200 and upload.headers["content-type"] == "application/geo+json"
    assert upload.content == expected_batch(rules, zones, CSV, input_format="csv", output_format="geojson")
    lines = b'{"lat": 41.03, "lon": 110.05}\n{"lat": 41.03, "lon": 110.05, "date": "2023-07-01"}\n'
    jsonl = client.post("/api/batch?activity=straw&date=2023-12-01", content=lines,
                        headers={"content-type": "application/x-ndjson"})
    assert jsonl.content == expected_batch(rules, zones, lines, input_format="jsonl",
                                           activity="straw", date="2023-12-01")
    geo = jsonl.text.replace("\n", "")
    assert geo.count('"status": "prohibited"') == 2
    collection = json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [110.05, 41.03]},
        "properties": {"date": "2023-07-01", "activity": "straw"}}]}).encode()
    geojson = client.post("/api/batch", files={"file": ("fires.geojson", collection, "")})
    assert json.loads(geojson.content)["features"][0]["properties"]["status"] == "prohibited"
    mapped = client.post("/api/batch?map=纬度X=lat&map=经度X=lon&activity=straw&date=2023-07-01",
                         content="纬度X,经度X\n41.03,110.05\n".encode(), headers={"content-type": "text/csv"})
    assert mapped.status_code == 200 and "prohibited" in mapped.text


@pytest.mark.parametrize(("url", "content", "media", "code"), [
    ("/api/batch", CSV, "application/pdf", "unknown_format"),
    ("/api/batch", CSV, "", "unknown_format"),
    ("/api/batch?input_format=xls", CSV, "text/csv", "input_error"),
    ("/api/batch?format=pdf", CSV, "text/csv", "input_error"),
    ("/api/batch?map=nothing", CSV, "text/csv", "input_error"),
    ("/api/batch", b"a,b\n1,2\n", "text/csv", "input_error"),  # no lat/lon column
    ("/api/batch?path=/etc/passwd", CSV, "text/csv", "unknown_parameter"),
    ("/api/batch", b"\xff\xfe{", "application/geo+json", "input_error"),
])
def test_bad_batches_are_400(client: TestClient, url: str, content: bytes, media: str, code: str) -> None:
    before = leftovers()
    response = client.post(url, content=content, headers={"content-type": media})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert leftovers() == before


def test_upload_limit(rules: RuleSet, zones: ZoneSet) -> None:
    small = TestClient(create_app(rules, zones, Limits(upload_bytes=100)))
    before = leftovers()
    declared = small.post("/api/batch", content=CSV * 2, headers={"content-type": "text/csv"})
    assert declared.status_code == 413 and declared.json()["code"] == "too_large"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(2000):
            yield CSV

    streamed = small.post("/api/batch", content=chunks(), headers={"content-type": "text/csv"})
    assert streamed.status_code == 413
    multipart = small.post("/api/batch", files={"file": ("a.csv", CSV * 2000, "text/csv")})
    assert multipart.status_code == 413
    assert leftovers() == before


def test_batch_time_limit(rules: RuleSet, zones: ZoneSet) -> None:
    hurried = TestClient(create_app(rules, zones, Limits(batch_seconds=0.0)))
    response = hurried.post("/api/batch", content=CSV, headers={"content-type": "text/csv"})
    assert response.status_code == 503 and response.json()["code"] == "timeout"


def test_real_server_answers_like_the_library(synthetic_zones_path: Path, client: TestClient) -> None:
    params = {"place": place(100), "activity": "bbq", "date": "2023-04-01"}
    with server("--zones", str(synthetic_zones_path)) as served, \
            httpx.Client(base_url=served.base, timeout=30) as http:
        assert http.get("/api/check", params=params).text == client.get("/api/check", params=params).text
        assert http.get("/api/check?activity=bbq&place=x%00y").status_code == 400
        batch = http.post("/api/batch", content=CSV, headers={"content-type": "text/csv"})
        assert batch.status_code == 200 and batch.text.count("\n") == 5
        assert "server" not in batch.headers
    assert served.code == -15 and "Traceback" not in served.stderr  # SIGTERM ends it quietly


def test_tls_self_signed_fingerprint(synthetic_zones_path: Path) -> None:
    before = leftovers()
    with server("--tls", "--zones", str(synthetic_zones_path)) as served:
        base = served.base
        assert base.startswith("https://")
        printed = served.lines[-1].rsplit(" ", 1)[-1]
        host, port = base.removeprefix("https://").split(":")
        pem = ssl.get_server_certificate((host, int(port)))
        digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
        assert printed == ":".join(digest[i:i + 2] for i in range(0, 64, 2))
        with httpx.Client(base_url=base, verify=False, timeout=30) as http:
            assert http.get("/api/hotlines").status_code == 200
    assert leftovers() == before  # the key and certificate are removed at exit


def test_serve_refuses_half_a_certificate(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["serve", "--tls", "--cert", str(tmp_path / "c.pem")])
    assert result.exit_code == 2 and "--cert" in result.stderr


def test_lan_warning(synthetic_zones_path: Path) -> None:
    with server("--host", "0.0.0.0", "--zones", str(synthetic_zones_path), "--lang", "en") as served:
        assert served.base.startswith("http://127.0.0.1:")
        assert httpx.get(f"{served.base}/api/hotlines", timeout=30).status_code == 200
    assert "there is no login" in served.stderr and "add --tls" in served.stderr


def test_range_queries_run_off_the_event_loop(client: TestClient) -> None:
    """A ten-year range is answered (in a worker thread) with the strictest status."""
    response = client.get("/api/check", params={"place": "41.03,110.05", "activity": "straw",
                                                "date": "2023-01-01..2032-12-31"})
    assert response.status_code == 200 and response.json()["status"] == "prohibited"
