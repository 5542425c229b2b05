"""What users will feed it: odd files, interruptions, internal errors, no network, replay."""

from __future__ import annotations

import csv
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from firecheck import cli
from firecheck.batch.engine import BatchEngine
from firecheck.batch.run import Options, run_batch
from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.errors import InputError
from firecheck.rules.model import RuleSet
from firecheck.zones.model import ZoneSet

from conftest import EXACT

TODAY = date(2026, 11, 29)
LAT, LON = EXACT.east_of_edge(100)
ROW = f"{LAT},{LON},2023-04-01,bbq"


def run_csv(tmp_path: Path, data: bytes, rules: RuleSet, zones: ZoneSet,
            **kw) -> list[dict[str, str]]:
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    out = tmp_path / "out.csv"
    run_batch(Options(str(src), str(out), lang="en", **kw), rules, zones, TODAY)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("newline", [b"\r\n", b"\r", b"\n"])
def test_line_endings(tmp_path: Path, rules: RuleSet, zones: ZoneSet, newline: bytes) -> None:
    lines = [b"id,lat,lon,date,activity", f"1,{ROW}".encode(), f"2,{ROW}".encode()]
    rows = run_csv(tmp_path, newline.join(lines) + newline, rules, zones)
    assert [(r["id"], r["status"]) for r in rows] == [("1", "prohibited"), ("2", "prohibited")]


def test_truncated_last_line_giant_field_and_duplicate_headers(tmp_path: Path, rules: RuleSet,
                                                               zones: ZoneSet) -> None:
    giant = "x" * 2_000_000
    data = (f"id,lat,lon,date,activity,note,note\n1,{ROW},{giant},a\n2,{ROW},b,c").encode()
    rows = run_csv(tmp_path, data, rules, zones)
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["note"] == giant and rows[0]["note.2"] == "a" and rows[1]["note.2"] == "c"
    assert {r["status"] for r in rows} == {"prohibited"}


def test_broken_bytes_are_reported_on_their_row(tmp_path: Path, rules: RuleSet,
                                                zones: ZoneSet) -> None:
    data = b"id,lat,lon,date,activity\n1," + ROW.encode() + b"\n2," + ROW.encode() + \
        b"\xff\xfe\n3," + ROW.encode() + b"\n"
    rows = run_csv(tmp_path, data, rules, zones)
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert [r["status"] for r in rows] == ["prohibited", "error", "prohibited"]


def test_output_is_byte_identical_whatever_the_chunking(tmp_path: Path, rules: RuleSet,
                                                        zones: ZoneSet) -> None:
    lines = ["id,lat,lon,date,activity"]
    for i in range(3000):
        lat, lon = EXACT.east_of_edge(i % 1500 - 200)
        lines.append(f"{i},{lat},{lon},2023-{(i % 12) + 1:02d}-15,{['bbq', '秸秆', 'entry'][i % 3]}")
    src = tmp_path / "in.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for chunk, workers in ((1000, 1), (1000, 2), (50_000, 2), (1001, 3)):
        out = tmp_path / f"out-{chunk}-{workers}.csv"
        run_batch(Options(str(src), str(out), chunk_rows=chunk, workers=workers), rules, zones,
                  TODAY)
        outputs.append(out.read_bytes())
    assert all(o == outputs[0] for o in outputs)


def test_interrupted_run_leaves_no_partial_file(tmp_path: Path, rules: RuleSet, zones: ZoneSet,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    original = BatchEngine.evaluate

    def failing(self, req):
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt
        return original(self, req)

    monkeypatch.setattr(BatchEngine, "evaluate", failing)
    src = tmp_path / "in.csv"
    src.write_text("id,lat,lon,date,activity\n" + "".join(f"{i},{ROW}\n" for i in range(5000)))
    with pytest.raises(KeyboardInterrupt):
        run_batch(Options(str(src), str(tmp_path / "out.csv"), chunk_rows=1000, workers=1),
                  rules, zones, TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_output_targets_that_are_not_plain_files(tmp_path: Path, rules: RuleSet,
                                                 zones: ZoneSet) -> None:
    """A FIFO is written through, never replaced by a regular file; a missing directory or
    a directory is a clear input error; a new file gets the umask's permissions."""
    src = tmp_path / "in.csv"
    src.write_text("id,lat,lon,date,activity\n" + f"1,{ROW}\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    run_batch(Options(str(src), str(fifo)), rules, zones, TODAY)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and b"prohibited" in received[0]
    for bad in (tmp_path / "missing" / "out.csv", tmp_path):
        with pytest.raises(InputError, match="cannot write"):
            run_batch(Options(str(src), str(bad)), rules, zones, TODAY)
    mask = os.umask(0o022)
    try:
        run_batch(Options(str(src), str(tmp_path / "out.csv")), rules, zones, TODAY)
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o644
    private = tmp_path / "private.csv"  # an existing file keeps its mode; a link stays one
    private.write_text("old")
    private.chmod(0o600)
    (tmp_path / "link.csv").symlink_to(private)
    run_batch(Options(str(src), str(tmp_path / "link.csv")), rules, zones, TODAY)
    assert (tmp_path / "link.csv").is_symlink() and b"prohibited" in private.read_bytes()
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".firecheck-*"))


def test_stdout_closed_early_is_not_an_error(tmp_path: Path) -> None:
    """`firecheck batch big.csv | head -1`: the reader leaving is no input error."""
    src = tmp_path / "in.csv"
    src.write_text("id,lat,lon,date,activity\n" + "".join(f"{i},{ROW}\n" for i in range(20_000)))
    child = subprocess.Popen([sys.executable, "-m", "firecheck", "batch", str(src), "--lang",
                              "en"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline().startswith(b'"id"')
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0 and "error" not in err and "20,000 rows" in err


def test_no_socket_is_opened(tmp_path: Path, rules: RuleSet, zones: ZoneSet,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("firecheck tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    evaluate(Request(LAT, LON, date(2023, 4, 1), "bbq", "gcj02"), rules, zones)
    rows = run_csv(tmp_path, f"id,lat,lon,date,activity\n1,{ROW}\n".encode(), rules, zones)
    assert rows[0]["status"] == "prohibited"


def test_internal_error_is_a_short_report_with_exit_70(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    def boom(*_args, **_kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(cli.check, "answer", boom)
    argv = ["check", "41.03,110.05", "-a", "bbq", "-d", "2023-04-01"]
    assert cli.run(argv) == 70
    captured = capsys.readouterr()
    assert "internal error" in captured.err and "simulated bug" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert cli.run([*argv, "--debug"]) == 70
    assert "Traceback" in capsys.readouterr().err


def test_replay_with_an_old_rules_file(tmp_path: Path) -> None:
    """Export today's rules, then a changed rule set gives another answer while the export
    replays the original one, each verdict naming the rules hash that decided it."""
    export = tmp_path / "rules-then"
    assert cli.run(["rules", "--export", str(export)]) == 0
    argv = ["check", "41.03,110.05", "-a", "straw", "-d", "2023-07-01", "--json"]
    then = tmp_path / "then.json"
    assert cli.run([*argv, "--as-of-rules", str(export)]) == 10
    changed = tmp_path / "rules-now"
    changed.mkdir()
    for path in export.iterdir():
        text = path.read_text("utf-8")
        if path.name == "guyang-2023-straw-ban.toml":
            text = text.replace('activities = ["straw-burning", "ridge-burning"]',
                                'activities = ["ridge-burning"]')
        (changed / path.name).write_text(text, "utf-8")
    del then
    assert cli.run([*argv, "--as-of-rules", str(changed)]) != 10
    assert cli.run([*argv, "--as-of-rules", str(export)]) == 10


def test_verdicts_name_the_hashes_that_decided_them(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    export = tmp_path / "r"
    cli.run(["rules", "--export", str(export)])
    capsys.readouterr()
    cli.run(["check", "41.03,110.05", "-a", "straw", "-d", "2023-07-01", "--json",
             "--as-of-rules", str(export)])
    replayed = json.loads(capsys.readouterr().out)["versions"]
    cli.run(["check", "41.03,110.05", "-a", "straw", "-d", "2023-07-01", "--json"])
    current = json.loads(capsys.readouterr().out)["versions"]
    assert replayed == current  # same files, same names: same hash
    assert replayed["rules"].startswith("sha256:") and replayed["zones"].startswith("sha256:")
