"""Batch for officials: Excel in and out, Chinese sheets, UTF-16 and binary files, dates and
place names as sheets hold them, blank rows, and the JSON forms against their schemas."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

import firecheck
from firecheck.batch.readers.xlsx_reader import _text as cell_text
from firecheck.batch.run import Options, run_batch
from firecheck.cli import app
from firecheck.errors import InputError
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

TODAY = dt.date(2026, 11, 29)
HEADER = ["编号", "申请人", "纬度", "经度", "日期", "活动", "地点"]
TOWN = ("41.0335", "110.0520")  # the county seat: inside the county, far from mapped zones

# Thirty permit requests as a township office types them: mistakes included.
OFFICE_ROWS: list[list[str]] = [
    ["1", "张三", *TOWN, "2023-04-01", "烧秸秆", ""],
    ["2", "李四", *TOWN, "2023-04-01", "上坟烧纸", ""],
    ["3", "王五", "", "", "2023-04-01至2023-04-10", "野炊", "春坤山"],
    ["4", "赵六", "", "", "2023-04-01", "烧秸秆", "西斗铺"],
    ["5", "钱七", "abc", "110.05", "2023-04-01", "烧烤", ""],  # not a latitude
    ["6", "孙八", *TOWN, "2023-13-01", "烧秸秆", ""],  # no such month
    ["7", "周九", *TOWN, "2023-04-01", "放风筝", ""],  # not an activity of the rules
    ["", "", "", "", "", "", ""],  # a blank row inside the table
    ["9", "吴十", *TOWN, "2023-07-01", "烧秸秆", ""],
    ["10", "郑一", *TOWN, "2023-11-10", "吸烟", ""],
    ["11", "王二", *TOWN, "2023-04-10..2023-04-01", "烧烤", ""],  # reversed range
    ["12", "冯三", "", "", "2023-04-01", "烧烤", "不存在的村"],  # unknown place
    ["13", "陈四", *TOWN, "2023-04-01~2023-04-03", "放孔明灯", ""],
    ["14", "褚五", "40.50", "109.00", "2023-04-01", "烧秸秆", ""],  # far outside the county
    ["15", "卫六", *TOWN, "2023-06-15", "焚烧垃圾", ""],
    ["16", "蒋七", *TOWN, "", "烧秸秆", ""],  # no date
    ["17", "沈八", *TOWN, "2023-04-01", "", ""],  # no activity
    ["18", "韩九", "41.2", "", "2023-04-01", "烧秸秆", ""],  # half a position
    ["19", "杨十", "95.0", "110.05", "2023-04-01", "烧秸秆", ""],  # swapped? no: > 90 both
    ["20", "朱一", "", "", "2023-03-15", "野炊", "春坤山"],  # the ban's edges, in a zone
    ["21", "秦二", "", "", "2023-05-31", "野炊", "春坤山"],
    ["22", "尤三", "", "", "2023-06-01", "野炊", "春坤山"],
    ["23", "许四", "", "", "2023-11-06", "烧纸", "春坤山"],
    ["24", "何五", "", "", "2023-11-16", "烧纸", "春坤山"],
    ["25", "吕六", "", "", "2023-11-17", "烧纸", "春坤山"],
    ["26", "施七", "", "", "2023-04-01", "篝火", "大青山"],
    ["27", "张八", *TOWN, "2023-01-10", "燃放烟花爆竹", ""],
    ["28", "孔九", *TOWN, "2023-04-01", "进山", ""],
    ["29", "曹十", "110.0520", "41.0335", "2023-04-01", "烧秸秆", ""],  # lon, lat swapped
    ["30", "严一", *TOWN, "2023/4/1", "烧荒", ""],
]


def _sheet_file(path: Path, rows: list[list[str]], header: list[str] = HEADER,
                trailing_blank: int = 0, above: int = 0) -> Path:
    """An .xlsx as Excel saves it: numbers as numbers, ISO dates as date cells, and
    optionally empty (formatted) rows after the table and blank rows above the header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "申请"
    for _ in range(above):
        sheet.append([])
    sheet.append(header)
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if value.replace(".", "", 1).isdigit() and not value.startswith("0"):
                cells.append(float(value) if "." in value else int(value))
            elif len(value) == 10 and value[4] == "-" and value[7] == "-" and value[5:7] <= "12":
                cells.append(dt.datetime.fromisoformat(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    last = sheet.max_row
    for i in range(trailing_blank):  # formatted but empty: Excel keeps such rows
        sheet.cell(last + 1 + i, 1).number_format = "@"
    book.save(path)
    return path


def _csv_file(path: Path, rows: list[list[str]], encoding: str = "gb18030",
              header: list[str] = HEADER) -> Path:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def _jsonl(source: Path, rules: RuleSet, zones: ZoneSet, **options: Any) -> list[dict[str, Any]]:
    out = io.BytesIO()
    run_batch(Options(str(source), out, output_format="jsonl", **options), rules, zones, TODAY)
    return [json.loads(line) for line in out.getvalue().decode().splitlines()]


RESULT_KEYS = ("status", "reasons", "zone_ids", "distance_m", "fine_individual_yuan",
               "fine_unit_yuan", "hotline", "date_used", "warnings", "error")


def test_office_sheet_as_gb18030_csv_and_as_xlsx_gives_the_same_verdicts(
        tmp_path: Path, rules: RuleSet, real_zones: ZoneSet) -> None:
    from_csv = _jsonl(_csv_file(tmp_path / "申请.csv", OFFICE_ROWS), rules, real_zones)
    from_xlsx = _jsonl(_sheet_file(tmp_path / "申请.xlsx", OFFICE_ROWS, trailing_blank=50),
                       rules, real_zones)
    assert len(from_csv) == len(from_xlsx) == 30  # conserved; Excel's empty tail is no row
    for a, b in zip(from_csv, from_xlsx, strict=True):
        assert {k: a[k] for k in RESULT_KEYS} == {k: b[k] for k in RESULT_KEYS}, a["编号"]
    by_id = {r["编号"]: r for r in from_csv}
    assert [r["status"] for r in from_csv].count("blank") == 1
    assert from_csv[7]["status"] == "blank" and from_csv[7]["error"] is None
    assert by_id["1"]["status"] == "prohibited" and "straw_ban" in by_id["1"]["reasons"]
    assert by_id["3"]["date_used"] == {"start": "2023-04-01", "end": "2023-04-10"}
    assert by_id["3"]["status"] == "prohibited" and "fire_ban" in by_id["3"]["reasons"]
    assert "place_name" in by_id["4"]["warnings"]
    assert "swapped_lat_lon" in by_id["29"]["warnings"]
    assert by_id["30"]["date_used"] == {"start": "2023-04-01", "end": "2023-04-01"}
    codes = {i: by_id[i]["error"]["code"] for i in by_id if by_id[i]["status"] == "error"}
    assert codes == {"5": "invalid_lat", "6": "invalid_date", "7": "unknown_activity",
                     "11": "range_reversed", "12": "unknown_place", "16": "missing_date",
                     "17": "missing_activity", "18": "missing_coordinates",
                     "19": "lat_out_of_range"}
    # Line numbers: the CSV line is the Excel row (the header is row 1).
    assert by_id["5"]["error"]["message_zh"].startswith("第 6 行：")
    assert by_id["14"]["status"] == "out_of_scope"
    # The ban's edges, from the notice: 3/15 and 5/31 inside, 6/1 not; 11/6, 11/16 in, 11/17 not.
    assert [("fire_ban" in by_id[i]["reasons"]) for i in ("20", "21", "22", "23", "24", "25")] \
        == [True, True, False, True, True, False]


def test_xlsx_output_is_a_sheet_an_official_can_filter(tmp_path: Path, rules: RuleSet,
                                                       real_zones: ZoneSet) -> None:
    target = tmp_path / "核查结果.xlsx"
    summary = run_batch(Options(str(_csv_file(tmp_path / "in.csv", OFFICE_ROWS)), str(target),
                                lang="zh"), rules, real_zones, TODAY)
    assert summary.counts["blank"] == 1 and summary.rows == 30
    book = openpyxl.load_workbook(target)
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:7] == HEADER  # the input's own columns first
    assert header[7:] == ["结论", "依据", "说明", "罚款", "举报电话", "所用日期", "相关区域",
                          "距边缘（米）", "提示"]
    col = {name: i for i, name in enumerate(header)}
    body = rows[1:]
    assert len(body) == 30
    assert {r[col["结论"]] for r in body} == {"禁止", "无法确定", "不在本县", "错误", None}
    first = body[0]
    assert first[col["编号"]] == 1 and first[col["纬度"]] == pytest.approx(41.0335)  # numbers
    assert first[col["结论"]] == "禁止"
    assert first[col["说明"]].startswith("举报 12119")
    assert "秸秆禁烧通告" in first[col["依据"]]
    assert first[col["罚款"]].startswith("个人 ")
    blank = body[7]
    assert all(v is None for v in blank)  # kept, and empty
    error = body[4]
    assert error[col["结论"]] == "错误" and error[col["说明"]].startswith("第 6 行：无法识别纬度")
    assert body[2][col["所用日期"]] == "2023-04-01至2023-04-10"
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.orientation == "landscape"
    assert sheet.auto_filter.ref == f"A1:P{len(rows)}"
    rules_by_value = {r.formula[0].split("=")[1].strip('"'): r.dxf.fill.bgColor.rgb[-6:]
                      for cf in sheet.conditional_formatting for r in cf.rules}
    assert rules_by_value == {"禁止": "FFC7CE", "须经批准": "FFEB9C", "无法确定": "D9D9D9",
                              "未禁止": "C6EFCE", "错误": "F4B084"}
    assert sheet.column_dimensions["J"].width == 60  # 说明: wide, capped
    assert 4 <= sheet.column_dimensions["A"].width <= 8


def test_english_sheet_and_csv_with_chinese_headers_for_excel(tmp_path: Path, rules: RuleSet,
                                                              real_zones: ZoneSet) -> None:
    source = _csv_file(tmp_path / "in.csv", OFFICE_ROWS[:3], encoding="utf-8")
    target = tmp_path / "out.xlsx"
    run_batch(Options(str(source), str(target), lang="en"), rules, real_zones, TODAY)
    header = next(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert header[7:10] == ("Result", "Basis", "What to do")
    out = tmp_path / "out.csv"
    run_batch(Options(str(source), str(out), headers="zh"), rules, real_zones, TODAY)
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # a CSV for Excel always has a BOM
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["结论"] == "禁止" and rows[1]["结论"] in ("禁止", "无法确定")
    machine = tmp_path / "machine.csv"
    run_batch(Options(str(source), str(machine)), rules, real_zones, TODAY)
    assert not machine.read_bytes().startswith(codecs.BOM_UTF8)  # UTF-8 in, keys: as read
    assert machine.read_text().splitlines()[0].endswith('"date_used","warnings","error"')
    with pytest.raises(InputError, match="JSON always keeps"):
        run_batch(Options(str(source), str(tmp_path / "x.jsonl"), headers="zh"), rules,
                  real_zones, TODAY)


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", codecs.BOM_UTF16_LE),
                                          ("utf-16-be", codecs.BOM_UTF16_BE),
                                          ("utf-16-le", b"")])
def test_utf16_text_as_excel_saves_it_is_read(tmp_path: Path, rules: RuleSet,
                                              real_zones: ZoneSet, encoding: str,
                                              bom: bytes) -> None:
    """Excel's "Unicode text" is tab-delimited UTF-16 with a BOM; some tools drop the BOM."""
    text = "\r\n".join("\t".join(r) for r in [HEADER, *OFFICE_ROWS[:10]]) + "\r\n"
    source = tmp_path / "unicode.txt"
    source.write_bytes(bom + text.encode(encoding))
    rows = _jsonl(source, rules, real_zones, input_format="csv")
    expected = _jsonl(_csv_file(tmp_path / "plain.csv", OFFICE_ROWS[:10], "utf-8"), rules,
                      real_zones)
    assert [r["编号"] for r in rows] == [r[0] for r in OFFICE_ROWS[:10]]
    assert [{k: r[k] for k in RESULT_KEYS} for r in rows] == \
        [{k: r[k] for k in RESULT_KEYS} for r in expected]
    out = tmp_path / "out.csv"
    run_batch(Options(str(source), str(out), input_format="csv"), rules, real_zones, TODAY)
    assert out.read_bytes().startswith(codecs.BOM_UTF8)  # back to Excel readably


@pytest.mark.parametrize("name,content,what", [
    ("a.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(40), "PNG"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ".xls"),
    ("b.csv", b"PK\x03\x04" + bytes(100), "zip"),
    ("c.jsonl", b"\x1f\x8b\x08\x00" + bytes(20), "gzip"),
])
def test_files_that_are_not_tables_are_named_with_the_fix(tmp_path: Path, name: str,
                                                          content: bytes, what: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["batch", str(path), "--lang", "en"])
    assert result.exit_code == 2
    assert what in result.stderr and "xlsx" in result.stderr
    assert "Traceback" not in result.output and "\ufffd" not in result.stderr
    zh = CliRunner().invoke(app, ["batch", str(path)])
    assert "另存为" in zh.stderr


def test_an_xlsx_with_any_name_is_read_as_excel(tmp_path: Path, rules: RuleSet,
                                                real_zones: ZoneSet) -> None:
    workbook = _sheet_file(tmp_path / "book.xlsx", OFFICE_ROWS[:2])
    disguised = tmp_path / "申请.csv"
    disguised.write_bytes(workbook.read_bytes())
    assert [r["status"] for r in _jsonl(disguised, rules, real_zones)] == \
        ["prohibited", "uncertain"]


def test_xlsx_header_below_blank_rows_another_sheet_and_empty_rows_inside(
        tmp_path: Path, rules: RuleSet, real_zones: ZoneSet) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["说明：本表为用火申请"])
    sheet = book.create_sheet("申请表")
    sheet.append([])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(OFFICE_ROWS[0])
    sheet.append([])
    sheet.append([])
    sheet.append(OFFICE_ROWS[1])
    for r in range(9, 40):  # Excel's formatted tail
        sheet.cell(r, 2).number_format = "0.00"
    book.save(path)
    rows = _jsonl(path, rules, real_zones, sheet="申请表")
    assert [r["status"] for r in rows] == ["prohibited", "blank", "blank", "uncertain"]
    assert rows[0]["编号"] == "1"
    with pytest.raises(InputError, match=r"no sheet '第二页'.*申请表"):
        _jsonl(path, rules, real_zones, sheet="第二页")
    with pytest.raises(InputError, match="missing required column"):
        _jsonl(path, rules, real_zones)  # the first sheet holds a note, not the table


def test_formulas_in_cells_stay_text(tmp_path: Path, rules: RuleSet,
                                     real_zones: ZoneSet) -> None:
    """A cell starting '=' is written as text, never as a live formula; CSV for Excel
    defuses it with an apostrophe."""
    rows = [["=HYPERLINK(\"http://x\",\"点我\")", "+1-2", *TOWN, "2023-04-01", "烧秸秆", ""]]
    source = _csv_file(tmp_path / "in.csv", rows, "utf-8")
    target = tmp_path / "out.xlsx"
    run_batch(Options(str(source), str(target)), rules, real_zones, TODAY)
    cell = openpyxl.load_workbook(target).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    out = tmp_path / "out.csv"
    run_batch(Options(str(source), str(out), headers="zh"), rules, real_zones, TODAY)
    first = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))[1]
    assert first[0].startswith("'=HYPERLINK") and first[1] == "'+1-2"


def test_dates_without_a_year_say_so(tmp_path: Path, rules: RuleSet,
                                     real_zones: ZoneSet) -> None:
    rows = [["1", "甲", *TOWN, "2023-04-01", "烧秸秆", ""],
            ["2", "乙", *TOWN, "4月1日", "烧秸秆", ""],
            ["3", "丙", *TOWN, "4月1日至4月3日", "烧秸秆", ""]]
    source = _csv_file(tmp_path / "in.csv", rows)
    out = io.BytesIO()
    summary = run_batch(Options(str(source), out, output_format="jsonl"), rules, real_zones,
                        TODAY)
    got = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert got[1]["date_used"] == {"start": "2026-04-01", "end": "2026-04-01"}
    assert "year_assumed" in got[1]["warnings"] and "year_assumed" not in got[0]["warnings"]
    assert got[2]["date_used"] == {"start": "2026-04-01", "end": "2026-04-03"}
    (note,) = summary.notes
    assert "2 rows" in note.en and "2023" in note.en and "2026" in note.zh
    result = CliRunner().invoke(app, ["batch", str(source), "-o", str(tmp_path / "o.csv")])
    assert "2023 年" in result.stderr.replace("\n", "")


def test_place_names_in_a_sheet_answer_as_check_does(tmp_path: Path, rules: RuleSet,
                                                     real_zones: ZoneSet) -> None:
    """A place name's own accuracy travels into the batch answer exactly as into check."""
    names = ["西斗铺", "金山镇", "春坤山", "大青山", "秦长城"]
    rows = [[str(i), "", "", "", "2023-04-01", "野炊", n] for i, n in enumerate(names)]
    *got, ambiguous = _jsonl(_csv_file(tmp_path / "in.csv", rows), rules, real_zones)
    assert ambiguous["error"]["code"] == "ambiguous_place"  # refused with the list, never guessed
    assert "Kangtugou" in ambiguous["error"]["message_en"]
    for name, row in zip(names, got, strict=False):
        single = firecheck.check(name, "野炊", "2023-04-01", rules=rules, zones=real_zones,
                                 today=TODAY)
        assert row["status"] == single.status, name
        assert row["reasons"] == list(dict.fromkeys(r.code for r in single.reasons)), name


# ----------------------------------------------------------------- JSON schemas


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(firecheck.schema(name),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_schemas_are_valid_json_schema() -> None:
    for name in ("verdict", "verdict-range", "batch-row", "error"):
        Draft202012Validator.check_schema(firecheck.schema(f"firecheck/{name}/1"))


@pytest.mark.parametrize("args", [
    ["41.0335,110.0520", "-a", "烧秸秆", "-d", "2023-07-01"],
    ["41.02,110.05", "-a", "bbq", "-d", "2023-04-01", "--land", "grassland"],
    ["西斗铺", "-a", "野炊", "-d", "2023-04-01"],
    ["--in-zone", "春坤山", "-a", "进山", "-d", "2023-04-01", "--actor", "unit"],
    ["40.5,109.0", "-a", "烧秸秆", "-d", "2023-04-01"],
    ["41.0335,110.0520", "-a", "放孔明灯", "-d", "2023-04-01", "--datum", "gcj02"],
])
def test_every_check_json_validates(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["check", *args, "--json"])
    data = json.loads(result.stdout)
    assert data["schema"] == "firecheck/verdict/1"
    _validator("firecheck/verdict/1").validate(data)


def test_range_json_validates() -> None:
    result = CliRunner().invoke(app, ["check", "41.0335,110.0520", "-a", "野炊", "-d",
                                      "2023-05-25..2023-06-05", "--json"])
    data = json.loads(result.stdout)
    assert data["schema"] == "firecheck/verdict-range/1" and len(data["spans"]) >= 2
    _validator("firecheck/verdict-range/1").validate(data)


@pytest.mark.parametrize("args,code", [
    (["41.02,abc", "-a", "bbq"], "invalid_coordinates"),
    (["41.02,110.05", "-a", "放风筝"], "unknown_activity"),
    (["41.02,110.05", "-a", "bbq", "-d", "2023-02-30"], "invalid_date"),
    (["不存在的村", "-a", "bbq"], "unknown_place"),
    (["41.02,110.05", "-a", "bbq", "--datum", "xyz"], "invalid_datum"),
    (["41.02,110.05", "-a", "bbq", "--land", "moon"], "invalid_land"),
])
def test_check_json_on_bad_input_prints_the_error_object(args: list[str], code: str) -> None:
    result = CliRunner().invoke(app, ["check", *args, "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    _validator("firecheck/error/1").validate(data)
    assert data["schema"] == "firecheck/error/1" and data["code"] == code
    assert data["message_zh"] and data["message_en"]
    assert "输入错误" in result.stderr  # the message for people too


def test_every_batch_row_validates(tmp_path: Path, rules: RuleSet, real_zones: ZoneSet) -> None:
    validator = _validator("firecheck/batch-row/1")
    source = _csv_file(tmp_path / "in.csv", OFFICE_ROWS)
    rows = _jsonl(source, rules, real_zones)
    for row in rows:
        validator.validate(row)
    out = io.BytesIO()
    run_batch(Options(str(source), out, output_format="geojson"), rules, real_zones, TODAY)
    features = json.loads(out.getvalue())["features"]
    assert len(features) == 30
    for feature in features:
        validator.validate(feature["properties"])
    records = [dict(zip(HEADER, r, strict=True)) for r in OFFICE_ROWS]
    for row in firecheck.check_rows(records, rules=rules, zones=real_zones, today=TODAY):
        validator.validate(row)
    assert [r["status"] for r in rows] == [
        r["status"] for r in firecheck.check_rows(records, rules=rules, zones=real_zones,
                                                  today=TODAY)]


@given(st.one_of(st.integers(-10**14, 10**14), st.floats(allow_nan=False, allow_infinity=False,
                                                         min_value=-1e14, max_value=1e14)))
def test_an_excel_number_reads_back_exactly(value: float) -> None:
    assert float(cell_text(value)) == value
    assert not cell_text(value).endswith(".0")


def test_formulas_in_headers_and_dde_forms_are_defused(tmp_path: Path, rules: RuleSet,
                                                      real_zones: ZoneSet) -> None:
    header = ["编号", "纬度", "经度", "日期", "活动", "=cmd|' /C calc'!A0"]
    rows = [["-1+cmd|' /C calc'!A0", *TOWN, "2023-07-01", "烧秸秆", "-2+3+cmd|x"],
            ["-1.5e3", *TOWN, "2023-07-01", "烧秸秆", "-7"]]
    source = _csv_file(tmp_path / "in.csv", rows, "utf-8", header=header)
    target = tmp_path / "out.xlsx"
    run_batch(Options(str(source), str(target)), rules, real_zones, TODAY)
    sheet = openpyxl.load_workbook(target).active
    assert {c.data_type for c in sheet[1]} == {"s"} and sheet["F1"].value.startswith("=cmd")
    out = tmp_path / "out.csv"
    run_batch(Options(str(source), str(out), headers="zh"), rules, real_zones, TODAY)
    lines = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert lines[0][5] == "'=cmd|' /C calc'!A0"
    assert lines[1][0] == "'-1+cmd|' /C calc'!A0" and lines[1][5] == "'-2+3+cmd|x"
    assert lines[2][0] == "-1.5e3" and lines[2][5] == "-7"  # numbers stay numbers
    # A CSV from an Excel input gets the BOM for Excel, so it is defused too.
    workbook = _sheet_file(tmp_path / "in.xlsx", [["@SUM(1+1)", *TOWN, "2023-07-01", "烧秸秆", ""]],
                           header=header)
    from_excel = tmp_path / "from_excel.csv"
    run_batch(Options(str(workbook), str(from_excel)), rules, real_zones, TODAY)
    assert from_excel.read_bytes().startswith(codecs.BOM_UTF8)
    assert "'@SUM(1+1)" in from_excel.read_text("utf-8-sig")


def test_a_range_end_without_a_year_takes_the_start_year() -> None:
    from firecheck.parse.dates import assumes_year, parse_date_span

    assert parse_date_span("2023年4月1日至4月10日", TODAY) == (dt.date(2023, 4, 1),
                                                          dt.date(2023, 4, 10))
    assert parse_date_span("2023-12-25至1月5日", TODAY) == (dt.date(2023, 12, 25),
                                                        dt.date(2024, 1, 5))
    assert parse_date_span("12月25日至1月5日", TODAY) == (dt.date(2026, 12, 25),
                                                     dt.date(2027, 1, 5))
    assert not assumes_year("2023年4月1日至4月10日") and assumes_year("4月1日至4月10日")
    with pytest.raises(InputError) as reversed_range:
        parse_date_span("2023-04-10..2023-04-01", TODAY)
    assert reversed_range.value.code == "range_reversed"


def test_damaged_workbooks_hidden_sheets_and_cells_beyond_the_header(
        tmp_path: Path, rules: RuleSet, real_zones: ZoneSet) -> None:
    import zipfile

    good = _sheet_file(tmp_path / "good.xlsx", OFFICE_ROWS[:3])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            out.writestr(item, data[: len(data) // 2] if "worksheets/" in item.filename else data)
    result = CliRunner().invoke(app, ["batch", str(damaged), "-o", str(tmp_path / "o.csv"),
                                      "--lang", "en"])
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "is damaged" in said and "save it again" in said
    assert not (tmp_path / "o.csv").exists()
    book = openpyxl.Workbook()
    book.active.append(["这是说明"])
    book.active.sheet_state = "hidden"
    table = book.create_sheet("申请")
    table.append(HEADER)
    table.append([*OFFICE_ROWS[0], "多出来的", "又一个"])
    table.append(OFFICE_ROWS[1])
    book.save(tmp_path / "hidden.xlsx")
    rows = _jsonl(tmp_path / "hidden.xlsx", rules, real_zones)  # the first visible sheet
    assert [r["status"] for r in rows] == ["error", "uncertain"]
    assert "values in 9 cells; the header has 7" in rows[0]["error"]["message_en"]
    stdout = CliRunner().invoke(app, ["batch", str(good)])  # no -o: CSV, not a workbook
    assert stdout.exit_code == 0 and stdout.stdout.lstrip("\ufeff").startswith('"编号"')
    assert CliRunner().invoke(app, ["batch", str(good), "-o", str(tmp_path / "x.xls")]).exit_code == 2


def test_notes_that_depend_on_the_day_are_not_shared_across_days(rules: RuleSet,
                                                                  real_zones: ZoneSet) -> None:
    """Days before a notice that states its period as annual, and days of years with no
    notice (assumed to recur, naming the year), get their own notes — whichever row of a
    group came first (found through `serve`'s load test: the column changed with chunking)."""
    days = ["2023-10-10", "2023-01-10", "2023-12-01", "2023-02-01", "2023-04-01", "2022-04-01",
            "2025-04-01", "2024-04-01", "2021-11-10", "2023-11-10"]
    records = [{"lat": TOWN[0], "lon": TOWN[1], "date": d, "activity": "烧烤"} for d in days]
    together = list(firecheck.check_rows(records, rules=rules, zones=real_zones, today=TODAY))
    alone = [next(firecheck.check_rows([r], rules=rules, zones=real_zones, today=TODAY))
             for r in records]
    assert [r["warnings"] for r in together] == [r["warnings"] for r in alone]
    for day, row in zip(days, together, strict=True):
        single = firecheck.check(",".join(TOWN), "烧烤", day, rules=rules, zones=real_zones,
                                 today=TODAY)
        codes = [m.code for m in (*single.assumptions, *single.warnings)
                 if m.code not in ("land_type_unknown", "one_fine_per_act")]
        assert row["warnings"] == list(dict.fromkeys(codes)), day
