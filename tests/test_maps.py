"""Maps: the SVG parses and holds its layers and labels; PNGs are real pictures."""

from __future__ import annotations

import os
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from firecheck.cli import app
from firecheck.views.maps import cjk_font, label_lang

from conftest import EXACT

runner = CliRunner()
LAYERS = {"county", "neighbours", "zone", "buffer", "legend", "scalebar", "north-arrow",
          "title"}


def svg_ids_and_text(path: Path) -> tuple[set[str], str]:
    root = ET.parse(path).getroot()
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    text = " ".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))
    return ids, text


def test_county_map_svg_has_every_layer(tmp_path: Path) -> None:
    out = tmp_path / "county.svg"
    result = runner.invoke(app, ["map", "-o", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    ids, text = svg_ids_and_text(out)
    assert ids >= LAYERS and "accuracy-band" in ids  # the shipped zones are approximate
    if label_lang("zh") == "zh":
        assert "固阳县防火戒严区域" in text and "秦长城文物保护区" in text and "北" in text
    else:  # no CJK font installed: English labels
        assert "Guyang County fire-ban zones" in text


def test_check_map_shows_place_and_verdict(tmp_path: Path, synthetic_zones_path: Path) -> None:
    lat, lon = EXACT.east_of_edge(100)
    out = tmp_path / "check.svg"
    result = runner.invoke(app, ["check", f"{lat},{lon}", "-a", "bbq", "-d", "2023-04-01",
                                 "--zones", str(synthetic_zones_path), "--map", str(out),
                                 "--lang", "en"])
    assert result.exit_code == 10
    ids, text = svg_ids_and_text(out)
    assert {"query", "verdict", "zone", "buffer"} <= ids
    assert "PROHIBITED" in text and "2023-04-01" in text and "500 m ban line" in text


def test_png_is_a_picture(tmp_path: Path) -> None:
    out = tmp_path / "around.png"
    result = runner.invoke(app, ["map", "41.1145,110.052", "--radius", "12", "-o", str(out)])
    assert result.exit_code == 0
    head = out.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width > 500 and height > 500


def test_batch_map(tmp_path: Path, synthetic_zones_path: Path) -> None:
    lat, lon = EXACT.east_of_edge(100)
    src = tmp_path / "in.csv"
    src.write_text(f"id,lat,lon,date,activity\n1,{lat},{lon},2023-04-01,bbq\n"
                   "2,40.5,110.0,2023-04-01,bbq\n3,x,y,2023-04-01,bbq\n", "utf-8")
    out = tmp_path / "batch.svg"
    result = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--map",
                                 str(out), "--zones", str(synthetic_zones_path), "--lang", "en"])
    assert result.exit_code == 0
    ids, text = svg_ids_and_text(out)
    assert "batch-points" in ids and "PROHIBITED" in text and "OUT OF SCOPE" in text


def test_map_needs_svg_or_png(tmp_path: Path) -> None:
    result = runner.invoke(app, ["map", "-o", str(tmp_path / "m.pdf"), "--lang", "en"])
    assert result.exit_code == 2 and ".svg or .png" in result.stderr


def test_chinese_labels_use_a_cjk_font() -> None:
    if cjk_font() is None:
        if os.environ.get("FIRECHECK_CI"):  # .ci/run installs one: its absence is a failure
            pytest.fail("no CJK font: .ci/run should have installed fonts-wqy-microhei")
        pytest.skip("no CJK font installed (maps fall back to English)")
    assert label_lang("zh") == "zh"
