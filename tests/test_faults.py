"""Fault injection: nothing lost, nothing forged, no crash — whatever the disk, the signals,
the cache or the text.

Each repro of issue 11 has a test here (or in test_fuzz.py for its generated form), run in
seconds: a full disk by RLIMIT_FSIZE (and /dev/full), signals at random points of a batch,
tampered and hostile caches, hostile names and markup in every displayed field, hostile
files. Children run ``python -m firecheck`` (the real launcher) with a private TMPDIR and
cache, so "no leftovers" is checked where leftovers would be.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import random
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import shapely
from typer.testing import CliRunner

from firecheck import cli
from firecheck.batch.run import Options, run_batch
from firecheck.engine.evaluate import evaluate
from firecheck.engine.model import Request
from firecheck.errors import DataError, InputError
from firecheck.rules.model import RuleSet
from firecheck.zones import cache as zcache
from firecheck.zones.load import load_zones
from firecheck.zones.model import ZoneSet

from conftest import EXACT

TODAY = date(2026, 11, 29)
LAT, LON = EXACT.east_of_edge(100)  # 100 m east of the exact test zone: prohibited on 1 April
ROW = f"{LAT},{LON},2023-04-01,bbq"
HEADER = "id,lat,lon,date,activity\n"
HOSTILE = ("[/]", "[link=https://evil.example/]L[/link]", "\x1b[2J", "\x9b31m", "\u202e",
           "[bold red]x", ":smile:", "\x07\x08")
FORBIDDEN = ("\x1b", "\x9b", "\u202e", "\x07", "\x08", "\U0001f604", "Traceback")
runner = CliRunner()


# ------------------------------------------------------------------------------- helpers


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A child's environment: its own TMPDIR and cache, English messages."""
    (tmp_path / "tmp").mkdir()
    return {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "FIRECHECK_CACHE":
            str(tmp_path / "cache"), "FIRECHECK_LANG": "en", "COLUMNS": "200"}


def child(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 120)
    return subprocess.run([sys.executable, "-m", "firecheck", *args], env=env, **kw)


def leftovers(*dirs: Path) -> list[str]:
    return [p.name for d in dirs for p in d.iterdir() if p.name.startswith(".firecheck-")
            or p.name.endswith(".part")]


def write_csv(path: Path, rows: int) -> Path:
    path.write_text(HEADER + "".join(f"{i},{ROW}\n" for i in range(rows)), encoding="utf-8")
    return path


def big_zones(tmp_path: Path, synthetic: Path, name: str = "big.geojson") -> Path:
    """The synthetic zones, padded past the size from which zones are cached."""
    document = json.loads(synthetic.read_text("utf-8"))
    document["padding"] = "x" * (zcache.CACHE_MIN_BYTES + 1000)
    path = tmp_path / name
    path.write_text(json.dumps(document), "utf-8")
    return path


def verdict_at_exact(rules: RuleSet, zones: ZoneSet) -> str:
    return evaluate(Request(LAT, LON, date(2023, 4, 1), "bbq"), rules, zones).status


def clean(text: str) -> None:
    """No control character, link or traceback reached the output."""
    for bad in FORBIDDEN:
        assert bad not in text, (bad, text[-400:])
    assert "\x1b]8;" not in text  # an OSC 8 hyperlink


# ------------------------------------------------------------------------------ data loss


def test_appended_stdout_target_is_appended_to(tmp_path: Path, env: dict[str, str],
                                               synthetic_zones_path: Path) -> None:
    """`echo OLD > log; firecheck batch ok.csv -o /dev/stdout >> log` keeps OLD."""
    src = write_csv(tmp_path / "ok.csv", 3)
    log = tmp_path / "log"
    log.write_text("OLD\n")
    with log.open("ab") as out:
        done = child(["batch", str(src), "-o", "/dev/stdout", "--zones",
                      str(synthetic_zones_path)], env, stdout=out, stderr=subprocess.PIPE,
                     capture_output=False)
    assert done.returncode == 0, done.stderr
    lines = log.read_text("utf-8-sig").splitlines()
    assert lines[0] == "OLD" and len(lines) == 5 and "prohibited" in lines[2]
    assert not log.is_symlink() and not leftovers(tmp_path, tmp_path / "tmp")


def test_a_stray_byte_does_not_make_a_utf8_file_gb18030(tmp_path: Path, rules: RuleSet,
                                                        zones: ZoneSet) -> None:
    """One \\xff in a UTF-8 file: that row is an error, every other field is read (and
    written back) as it was — 秸秆 stays 秸秆, not 绉哥."""
    lines = [HEADER.rstrip("\n") + ",note"] + [f"{i},{ROW},秸秆{i}" for i in range(6)]
    data = ("\n".join(lines) + "\n").encode().replace("秸秆3".encode(), "秸秆3".encode() + b"\xff")
    (tmp_path / "in.csv").write_bytes(data)
    rows = _run_csv(tmp_path, rules, zones)
    assert [r["note"] for r in rows if r["id"] != "3"] == [f"秸秆{i}" for i in (0, 1, 2, 4, 5)]
    assert [r["status"] for r in rows] == ["prohibited"] * 3 + ["error"] + ["prohibited"] * 2
    assert "not valid utf-8" in rows[3]["error"]


def test_a_small_utf8_file_with_a_bad_sequence_stays_utf8(tmp_path: Path, rules: RuleSet,
                                                          zones: ZoneSet) -> None:
    """A file of one block (under 1 MiB) whose only bad bytes (a UTF-8 encoded surrogate)
    happen to read as GB18030: its well-formed Chinese outnumbers them, so it is UTF-8 —
    that row's note is an error, the others' 秸秆 and 焚烧秸秆 are read as written."""
    data = (b"id,lat,lon,date,activity,note\n"
            + "1,41.03,110.05,2023-07-01,秸秆,\n".encode()
            + "2,41.03,110.05,2023-07-01,秸秆,".encode() + b"\xed\xa0\x80\n"
            + "3,41.03,110.05,2023-07-01,焚烧秸秆,ok\n".encode())
    (tmp_path / "in.csv").write_bytes(data)
    rows = _run_csv(tmp_path, rules, zones)
    assert [(r["activity"], r["status"]) for r in rows] == [
        ("秸秆", "prohibited"), ("秸秆", "error"), ("焚烧秸秆", "prohibited")]


@pytest.mark.parametrize("rows", [
    ["编号,纬度,经度,日期,活动", *(f"{i},41.05,110.3,2023-04-04,扫墓" for i in range(1000))],
    ["id,lat,lon,date,activity", *(f"{i},41.05,110.3,2023-04-04,{'烧烤' if i % 9 == 0 else '扫墓'}"
                                   for i in range(40))],
    ["id,lat,lon,date,activity,place", "1,41.05,110.3,2023-04-04,扫墓,人民路"],
])
def test_gb18030_that_partly_reads_as_utf8_is_gb18030(tmp_path: Path, rules: RuleSet,
                                                       zones: ZoneSet, rows: list[str]) -> None:
    """14% of common characters in GB18030 happen to be valid two-byte UTF-8 (扫墓 reads
    as "ɨĹ", 路 as "·"): such a file is still GB18030, every cell read as written."""
    (tmp_path / "in.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    out = _run_csv(tmp_path, rules, zones)
    assert len(out) == len(rows) - 1
    assert {r["error"] for r in out} == {""}
    activity = "活动" if "活动" in out[0] else "activity"
    assert {r[activity] for r in out} <= {"扫墓", "烧烤"}


def test_gb18030_after_an_ascii_first_mib_is_gb18030(tmp_path: Path, rules: RuleSet,
                                                     zones: ZoneSet) -> None:
    lines = [HEADER.rstrip("\n") + ",note"] + [f"{i},{ROW},plain" for i in range(30_000)]
    lines += [f"{i},{LAT},{LON},2023-07-01,秸秆,禁烧{i}" for i in range(30_000, 30_003)]
    (tmp_path / "in.csv").write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    assert len("\n".join(lines[:25_000])) > 1 << 20  # the Chinese begins after the first MiB
    rows = _run_csv(tmp_path, rules, zones)[-3:]
    assert [(r["activity"], r["note"], r["status"]) for r in rows] == [
        ("秸秆", f"禁烧{i}", "prohibited") for i in range(30_000, 30_003)]


def _run_csv(tmp_path: Path, rules: RuleSet, zones: ZoneSet, name: str = "in.csv",
             **kw) -> list[dict[str, str]]:
    out = tmp_path / "out.csv"
    run_batch(Options(str(tmp_path / name), str(out), lang="en", **kw), rules, zones, TODAY)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_output_may_not_name_a_file_the_run_reads(tmp_path: Path, env: dict[str, str],
                                                  synthetic_zones_path: Path) -> None:
    zones = tmp_path / "zones.geojson"
    shutil.copy(synthetic_zones_path, zones)
    rules = tmp_path / "extra.toml"
    rules.write_text("schema = 1\n")
    src = write_csv(tmp_path / "x.csv", 2)
    before = {p: p.read_bytes() for p in (zones, rules, src)}
    for argv in (["batch", str(src), "-o", str(zones), "--zones", str(zones)],
                 ["batch", str(src), "-o", str(rules), "--rules", str(rules),
                  "--zones", str(zones)],
                 ["batch", str(src), "--zones", str(zones), "-o", str(tmp_path / "o.png"),
                  "--map", str(tmp_path / "o.png")],
                 ["check", "41.03,110.05", "-a", "bbq", "--zones", str(zones), "--map",
                  str(zones)]):
        done = child(argv, env)
        assert done.returncode == 2 and b"must not be overwritten" in done.stderr, argv
    with src.open("rb") as stdin:  # batch - -o x.csv < x.csv
        done = child(["batch", "-", "-o", str(src), "--zones", str(zones)], env, stdin=stdin)
    assert done.returncode == 2 and b"stdin" in done.stderr
    with src.open("ab") as out:  # batch x.csv >> x.csv
        done = child(["batch", str(src), "--zones", str(zones)], env, stdout=out,
                     stderr=subprocess.PIPE, capture_output=False)
    assert done.returncode == 2
    assert {p: p.read_bytes() for p in before} == before
    assert not leftovers(tmp_path, tmp_path / "tmp")


def test_a_line_of_nuls_is_an_error_row(tmp_path: Path, rules: RuleSet,
                                        zones: ZoneSet) -> None:
    (tmp_path / "in.csv").write_text(HEADER + f"1,{ROW}\n\0\0\0\n3,{ROW}\n")
    rows = _run_csv(tmp_path, rules, zones)
    assert [r["status"] for r in rows] == ["prohibited", "error", "prohibited"]
    assert rows[1]["error"] == "line 3: the line holds only NUL bytes"
    (tmp_path / "in.jsonl").write_bytes(b'{"lat": 41.1, "lon": 110.1, "date": "2023-07-01"}\n'
                                        b"\0\0\n\n")
    out = tmp_path / "out.jsonl"
    run_batch(Options(str(tmp_path / "in.jsonl"), str(out), activity="straw", lang="en"),
              rules, zones, TODAY)
    result = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in result] == ["prohibited", "error"]


def test_an_input_shrinking_mid_run_fails_and_writes_nothing(tmp_path: Path, rules: RuleSet,
                                                             zones: ZoneSet) -> None:
    src = write_csv(tmp_path / "in.csv", 5000)
    target = tmp_path / "out.csv"
    target.write_text("OLD")

    def shrink(_rows: int, _size: int) -> None:
        with src.open("r+b") as fh:
            fh.truncate(src.stat().st_size // 2)

    with pytest.raises(InputError, match="changed while it was read"):
        run_batch(Options(str(src), str(target), chunk_rows=1000, workers=1), rules, zones,
                  TODAY, progress=shrink)
    assert target.read_text() == "OLD" and not leftovers(tmp_path)


@pytest.fixture(scope="module")
def signal_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("signals") / "in.csv", 250_000)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_signals_at_random_points_leave_no_trace(tmp_path: Path, env: dict[str, str],
                                                 signal_input: Path,
                                                 synthetic_zones_path: Path) -> None:
    """SIGTERM, SIGHUP, SIGINT at random moments of a batch — starting up, spooling stdin,
    reading, writing, copying — leave the old target (or the complete new one) and no
    temporary file anywhere; the process ends by the signal."""
    zones = ["--zones", str(synthetic_zones_path)]
    reference = tmp_path / "reference.csv"
    assert child(["batch", str(signal_input), "-o", str(reference), *zones], env).returncode == 0
    complete = reference.read_bytes()
    chance = random.Random(11)
    runs = []
    for n, (sig, kind) in enumerate([(s, k) for s in (signal.SIGTERM, signal.SIGHUP,
                                                      signal.SIGINT)
                                     for k in ("file", "stdout", "stdin")]):
        target = tmp_path / f"out-{n}.csv"
        target.write_bytes(b"OLD")
        argv = ["batch", "-" if kind == "stdin" else str(signal_input), *zones]
        stdout = subprocess.DEVNULL
        if kind == "stdout":
            stdout = target.open("wb")
        else:
            argv += ["-o", str(target)]
        proc = subprocess.Popen([sys.executable, "-m", "firecheck", *argv],
                                env={**env, "PYTHONFAULTHANDLER": "1"},
                                stdin=subprocess.PIPE if kind == "stdin" else None,
                                stdout=stdout, stderr=subprocess.PIPE)
        feeder = None
        if kind == "stdin":  # fed slowly, so the signal may come while it is spooled
            feeder = threading.Thread(target=_feed, args=(proc, signal_input), daemon=True)
            feeder.start()
        runs.append((proc, sig, kind, target, chance.uniform(0.0, 1.5), stdout, feeder))
    for proc, *_ in runs:
        catching(proc)
    started = time.monotonic()
    for proc, sig, _, _, delay, *_ in sorted(runs, key=lambda r: r[4]):
        time.sleep(max(0.0, started + delay - time.monotonic()))
        proc.send_signal(sig)
    for proc, sig, kind, target, delay, stdout, feeder in runs:
        if feeder is not None:  # stdin is the feeder's: communicate() must not flush it
            feeder.join(timeout=60)
            proc.stdin = None
        try:
            err = proc.communicate(timeout=60)[1].decode()
        except subprocess.TimeoutExpired:  # a hang: faulthandler dumps every thread
            proc.send_signal(signal.SIGABRT)
            raise AssertionError((kind, sig, delay, proc.communicate()[1].decode())) from None
        if stdout is not subprocess.DEVNULL:
            stdout.close()
        assert proc.returncode in (-sig, 0), (kind, sig, delay, proc.returncode, err)
        assert "Traceback" not in err, err
        if proc.returncode == 0:
            assert target.read_bytes() == complete
        elif kind != "stdout":
            assert target.read_bytes() in (b"OLD", complete), (kind, sig, delay)
    assert not leftovers(tmp_path, tmp_path / "tmp")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_second_signal_ends_at_once_and_still_cleans_up(tmp_path: Path, env: dict[str, str],
                                                        signal_input: Path,
                                                        synthetic_zones_path: Path) -> None:
    for pause in (0.3, 0.8):
        target = tmp_path / "out.csv"
        target.write_bytes(b"OLD")
        proc = subprocess.Popen([sys.executable, "-m", "firecheck", "batch", str(signal_input),
                                 "-o", str(target), "--zones", str(synthetic_zones_path)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        catching(proc)
        time.sleep(pause)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=60)[1].decode()
        assert proc.returncode in (-signal.SIGTERM, -signal.SIGINT, 0), err  # whichever came first
        assert "Traceback" not in err, err
        assert target.read_bytes() == b"OLD" or proc.returncode == 0
        assert not leftovers(tmp_path, tmp_path / "tmp")


def catching(proc: subprocess.Popen) -> None:
    """Wait until the child catches SIGTERM, which Python itself never does: its launcher
    has run. Before that, in Python's own start-up, a signal has Python's default effect,
    which no code of ours can change."""
    status = Path(f"/proc/{proc.pid}/status")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        caught = next((line.split()[1] for line in status.read_text().splitlines()
                       if line.startswith("SigCgt:")), "0")
        if int(caught, 16) >> (signal.SIGTERM - 1) & 1:
            return
        time.sleep(0.005)


def _feed(proc: subprocess.Popen, source: Path) -> None:
    assert proc.stdin is not None
    try:
        with source.open("rb") as fh:
            while block := fh.read(1 << 18):
                proc.stdin.write(block)
                time.sleep(0.01)
        proc.stdin.close()
    except (BrokenPipeError, ValueError):
        pass


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_ctrl_c_during_start_up_is_quiet(env: dict[str, str]) -> None:
    for delay in (0.0, 0.05, 0.1, 0.2):
        proc = subprocess.Popen([sys.executable, "-m", "firecheck", "check", "41.03,110.05",
                                 "-a", "bbq", "-d", "2023-04-01"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        catching(proc)  # then the imports of numpy, shapely, rich, typer…
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err.decode(), err.decode()
        assert proc.returncode in (-signal.SIGINT, 12), proc.returncode


def test_a_cache_write_that_fails_leaves_nothing(tmp_path: Path, env: dict[str, str],
                                                 synthetic_zones_path: Path) -> None:
    """A cache larger than the file-size limit: the write fails (EFBIG), the check still
    answers, and no .part is left — run after run."""
    zones = big_zones(tmp_path, synthetic_zones_path)
    for _ in range(2):
        done = child(["check", f"{LAT},{LON}", "-a", "bbq", "-d", "2023-04-01", "--zones",
                      str(zones)], env, preexec_fn=_file_size_limit(4096))
        assert done.returncode == 10, done.stderr
    cache = Path(env["FIRECHECK_CACHE"])
    assert cache.is_dir() and list(cache.iterdir()) == []


def _file_size_limit(size: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_temp_files_are_unguessable_exclusive_and_removed(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from firecheck import files

    victim = tmp_path / "victim"
    victim.write_text("mine")
    tokens = iter(["planted", "fresh"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda _n: next(tokens))
    (tmp_path / ".firecheck-planted.part").symlink_to(victim)  # a name guessed and planted
    fd, path = files.temp_file(tmp_path, ".part")
    os.write(fd, b"data")
    os.close(fd)
    assert path.name == ".firecheck-fresh.part" and victim.read_text() == "mine"
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0  # private until renamed
    files.remove_temp_files()
    assert not path.exists() and (tmp_path / ".firecheck-planted.part").is_symlink()


# ------------------------------------------------------------------------ forged verdicts


def _tamper(path: Path, change, keep_hash: bool = True) -> None:
    """Rewrite a cache file's Arrow payload with ``change(table)``; with ``keep_hash`` the
    header still names the old payload's hash (a naive edit), else a matching one."""
    import hashlib

    import pyarrow as pa
    from pyarrow import ipc

    data = path.read_bytes()
    magic_end = data.index(b"\n") + 1
    line_end = data.index(b"\n", magic_end)
    header = json.loads(data[magic_end:line_end])
    table = change(ipc.open_stream(data[line_end + 1:]).read_all())
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    payload = sink.getvalue().to_pybytes()
    if not keep_hash:
        header["sha256"] = hashlib.sha256(payload).hexdigest()
    path.write_bytes(data[:magic_end] + json.dumps(header).encode() + b"\n" + payload)


def _moved(table):
    """The exact test zone moved 50 km east."""
    import pyarrow as pa

    ids = table["id"].to_pylist()
    shapes = shapely.from_wkb(table["wkb"].to_pylist())
    row = ids.index("chunkunshan-nr")
    shapes[row] = shapely.affinity.translate(shapes[row], xoff=50_000)
    return table.set_column(table.column_names.index("wkb"), "wkb",
                            pa.array(shapely.to_wkb(shapes), pa.binary()))


def _numbers(table, column: str, value: float):
    """``table`` with every value of a float ``column`` set to ``value``."""
    pa = __import__("pyarrow")
    return table.set_column(table.column_names.index(column), column,
                            pa.array([value] * table.num_rows, pa.float64()))


# A WKB CircularString (type 8): well formed, but shapely cannot decode it (no GEOS error).
CIRCULAR_STRING_WKB = b"\x01\x08\x00\x00\x00\x03\x00\x00\x00" + bytes(48)


@pytest.mark.parametrize("change,keep_hash", [
    (_moved, True),
    (lambda t: t.drop(["source"]), False),
    (lambda t: t.append_column("extra", t["id"]), False),
    (lambda t: t.set_column(t.column_names.index("wkb"), "wkb",
                            __import__("pyarrow").array([b"\x01\x02"] * t.num_rows)), False),
    (lambda t: t.set_column(t.column_names.index("wkb"), "wkb", __import__("pyarrow").array(
        [CIRCULAR_STRING_WKB] * t.num_rows)), False),
    (lambda t: _numbers(t, "buffer_m", float("nan")), False),
    (lambda t: _numbers(t, "buffer_m", -500.0), False),
    (lambda t: _numbers(t, "accuracy_m", float("inf")), False),
    (lambda t: _numbers(t, "extent_accuracy_m", 1e9), False),
    (lambda t: _numbers(t, "xmin", float("-inf")), False),
], ids=["moved-zone", "missing-column", "extra-column", "bad-wkb", "curved-wkb", "nan-buffer",
        "negative-buffer", "infinite-accuracy", "huge-extent-accuracy", "infinite-bounds"])
def test_a_tampered_cache_gives_the_true_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 rules: RuleSet, synthetic_zones_path: Path,
                                                 change, keep_hash: bool) -> None:
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    source = big_zones(tmp_path, synthetic_zones_path)
    fresh = load_zones(source)
    assert verdict_at_exact(rules, fresh) == "prohibited"
    cached = next((tmp_path / "cache").glob("zones-*.arrow"))
    _tamper(cached, change, keep_hash)
    again = load_zones(source)
    assert verdict_at_exact(rules, again) == "prohibited"
    assert again.version == fresh.version
    assert any(str(cached) in note.en for note in again.notes)
    assert not load_zones(source).notes  # rebuilt: trusted again


@pytest.mark.parametrize("damage", [
    lambda b: b[: len(b) // 2], lambda b: b"", lambda b: b"garbage\n" + b,
    lambda b: b.replace(b'"format": %d' % zcache._FORMAT, b'"format": 99')])
def test_a_damaged_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    rules: RuleSet, synthetic_zones_path: Path,
                                    damage) -> None:
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    source = big_zones(tmp_path, synthetic_zones_path)
    load_zones(source)
    cached = next((tmp_path / "cache").glob("zones-*.arrow"))
    cached.write_bytes(damage(cached.read_bytes()))
    again = load_zones(source)
    assert verdict_at_exact(rules, again) == "prohibited" and again.notes


def test_a_cache_of_other_data_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           rules: RuleSet, synthetic_zones_path: Path) -> None:
    """A valid cache of one zones file planted under another file's name: refused by the
    source hash its header names."""
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    document = json.loads(synthetic_zones_path.read_text("utf-8"))
    document["features"] = [f for f in document["features"]
                            if f["properties"]["id"] != "chunkunshan-nr"]
    document["padding"] = "x" * (zcache.CACHE_MIN_BYTES + 1000)
    other = tmp_path / "other.geojson"
    other.write_text(json.dumps(document))
    load_zones(other)
    source = big_zones(tmp_path, synthetic_zones_path)
    other_cache = next((tmp_path / "cache").glob("zones-*.arrow"))
    version = "sha256:" + __import__("hashlib").sha256(source.read_bytes()).hexdigest()
    other_cache.rename(zcache.cache_path(version))
    loaded = load_zones(source)
    assert verdict_at_exact(rules, loaded) == "prohibited"
    assert "other data" in loaded.notes[0].en


def test_the_cache_directory_is_private_and_others_cannot_feed_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: RuleSet,
        synthetic_zones_path: Path) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("FIRECHECK_CACHE", str(root))
    source = big_zones(tmp_path, synthetic_zones_path)
    load_zones(source)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    cached = next(root.glob("zones-*.arrow"))
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    cached.chmod(0o666)  # a file others could have written: not trusted
    assert "cannot be trusted" in load_zones(source).notes[0].en
    root.chmod(0o777)  # a directory others can write: not used at all
    try:
        for path in root.iterdir():
            path.unlink()
        loaded = load_zones(source)
        assert verdict_at_exact(rules, loaded) == "prohibited"
        assert "others can write" in loaded.notes[0].en and not list(root.iterdir())
    finally:
        root.chmod(0o700)
    link = tmp_path / "link-cache"  # a link planted at the cache's name is not followed
    monkeypatch.setenv("FIRECHECK_CACHE", str(link))
    link.mkdir(mode=0o700)
    version = load_zones(source).version
    target = zcache.cache_path(version)
    elsewhere = tmp_path / "elsewhere.arrow"
    target.rename(elsewhere)
    target.symlink_to(elsewhere)
    assert load_zones(source).notes and not target.is_symlink()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_a_cache_directory_of_another_user_is_not_used(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       synthetic_zones_path: Path) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    os.chown(root, 4242, 4242)
    monkeypatch.setenv("FIRECHECK_CACHE", str(root))
    assert "not yours" in load_zones(big_zones(tmp_path, synthetic_zones_path)).notes[0].en


def _zones_variant(tmp_path: Path, synthetic: Path, change) -> Path:
    document = json.loads(synthetic.read_text("utf-8"))
    change(document)
    path = tmp_path / "variant.geojson"
    path.write_text(json.dumps(document), "utf-8")
    return path


def _county(document: dict) -> dict:
    return next(f for f in document["features"]
                if f["properties"]["kind"] == "county_boundary")


@pytest.mark.parametrize("geometry", [
    {"type": "LineString", "coordinates": [[110.0, 41.0], [110.3, 41.2]]},
    {"type": "Point", "coordinates": [110.1, 41.1]},
    {"type": "MultiPoint", "coordinates": [[110.1, 41.1]]}])
def test_a_county_that_is_not_an_area_is_refused(tmp_path: Path, env: dict[str, str],
                                                 synthetic_zones_path: Path,
                                                 geometry: dict) -> None:
    path = _zones_variant(tmp_path, synthetic_zones_path,
                          lambda d: _county(d).update(geometry=geometry))
    done = child(["zones", "validate", str(path)], env)
    assert done.returncode == 3 and b"must be a Polygon or MultiPolygon" in done.stdout
    done = child(["check", "41.03,110.05", "-a", "bbq", "--zones", str(path)], env)
    assert done.returncode == 3 and b"Traceback" not in done.stderr


@pytest.mark.parametrize("name,ok", [("EPSG:4546", False), ("EPSG:3857", False),
                                     ("no such crs", False),
                                     ("urn:ogc:def:crs:OGC:1.3:CRS84", True),
                                     ("EPSG:4326", True), ("EPSG:4490", True)])
def test_a_crs_member_is_honoured_or_refused(tmp_path: Path, synthetic_zones_path: Path,
                                             name: str, ok: bool) -> None:
    path = _zones_variant(tmp_path, synthetic_zones_path, lambda d: d.update(
        crs={"type": "name", "properties": {"name": name}}))
    if ok:
        load_zones(path)
        return
    with pytest.raises(DataError, match="zones import FILE --crs"):
        load_zones(path)
    assert runner.invoke(cli.app, ["zones", "validate", str(path)]).exit_code == 3


# -------------------------------------------------------------------- hostile text, shown


def _hostile_zones(tmp_path: Path, synthetic: Path) -> Path:
    def change(document: dict) -> None:
        for feature in document["features"]:
            props = feature["properties"]
            if props["id"] == "chunkunshan-nr":
                props.update(name_zh="".join(HOSTILE), name_en="".join(HOSTILE),
                             source="".join(HOSTILE), geometry_source="[/]\x1b]8;;x\x1b\\")
    return _zones_variant(tmp_path, synthetic, change)


def _hostile_rules(tmp_path: Path) -> Path:
    from firecheck.resources import RULES_DIR

    folder = tmp_path / "rules"
    folder.mkdir()
    for path in RULES_DIR.glob("*.toml"):
        text = path.read_text("utf-8")
        if path.name == "guyang-2023-fire-ban.toml":
            text = text.replace('title_en = "', 'title_en = "[/]\\u001b[2J[link=https://e/]', 1)
            text = text.replace('title_zh = "', 'title_zh = "[/]\\u001b[2J\\u009b', 1)
        (folder / path.name).write_text(text, "utf-8")
    return folder


def test_hostile_text_in_every_displayed_field(tmp_path: Path, synthetic_zones_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Markup, ESC, C1 and bidi characters from arguments, file names and data files:
    shown as text with control characters stripped — no crash, no link, no escape."""
    monkeypatch.chdir(tmp_path)
    zones = _hostile_zones(tmp_path, synthetic_zones_path)
    rules = _hostile_rules(tmp_path)
    (tmp_path / "[").mkdir()
    odd = Path("[/].csv")  # the file "].csv" in the directory "["
    odd.write_text(HEADER + f"1,{ROW}\n")
    hostile = "".join(HOSTILE)
    cases = [
        (["check", "41.03,110.05", "-a", hostile, "-d", "2023-04-01"], {2}),
        (["check", hostile, "-a", "bbq", "-d", "2023-04-01"], {2}),
        (["check", "41.03,110.05", "-a", "bbq", "-d", hostile], {2}),
        (["check", "-p", hostile, "-a", "bbq", "-d", "2023-04-01"], {2}),
        (["check", "41.03,110.05", "-a", "bbq", "--zones", "[/]\x1b[2Jz.geojson"], {3}),
        (["check", f"{LAT},{LON}", "-a", "bbq", "-d", "2023-04-01", "--zones", str(zones)],
         {10}),
        (["check", f"{LAT},{LON}", "-a", "bbq", "-d", "2023-04-01..2023-04-03", "--zones",
          str(zones)], {10}),
        (["near", f"{LAT},{LON}", "--zones", str(zones)], {0}),
        (["zones", "--zones", str(zones)], {0}),
        (["zones", "validate", str(zones)], {0}),
        (["rules", "--as-of-rules", str(rules)], {0}),
        (["periods", "2023", "--as-of-rules", str(rules)], {0}),
        (["check", "41.03,110.05", "-a", "bbq", "-d", "2023-04-01", "--as-of-rules",
          str(rules)], {12}),
        (["batch", str(odd), "--zones", str(zones), "-o", str(tmp_path / "o.csv")], {0}),
        (["batch", str(tmp_path / "[/]missing\x1b.csv")], {2}),
        (["map", "-o", str(tmp_path / "[/]\x1b[2Jm.svg"), "--zones", str(zones)], {0}),
        (["map", "-o", str(tmp_path / "[/]m.txt")], {2}),
    ]
    for lang in ("en", "zh"):
        for argv, codes in cases:
            result = runner.invoke(cli.app, [*argv, "--lang", lang])
            text = result.stdout + result.stderr
            assert result.exit_code in codes, (argv, result.exit_code, text[-600:])
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                argv, repr(result.exception))
            clean(text)
    shown = runner.invoke(cli.app, ["check", "41.03,110.05", "-a", "[/][link=x]y[/link]\x1b[2J",
                                    "--lang", "en"]).stderr
    assert "'[/][link=x]y[/link]\\x1b[2J'" in shown  # as typed (repr), markup and all


def test_a_terminal_gets_no_link_and_no_escape_from_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a colour terminal the styles are rich's own codes; data still adds none."""
    from rich.table import Table
    from rich.text import Text as Styled

    from firecheck.views.console import make_console

    sink = io.StringIO()
    monkeypatch.setattr(sys, "stdout", sink)
    console = make_console(force_terminal=True, color_system="truecolor", width=200)
    table = Table()
    table.add_column("name")
    table.add_row("".join(HOSTILE))
    console.print("".join(HOSTILE), table, Styled("".join(HOSTILE), style="bold"))
    console.rule("".join(HOSTILE))
    text = sink.getvalue()
    assert "\x1b[" in text  # styled: the check below is not vacuous
    for bad in ("\x1b[2J", "\x1b]8;", "\x9b", "\u202e", "\x07", "\U0001f604"):
        assert bad not in text
    assert text.count("[link=https://evil.example/]L[/link]") == 4


def test_non_utf8_bytes_in_arguments_and_file_names(tmp_path: Path, env: dict[str, str],
                                                    synthetic_zones_path: Path) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates: shown, not a crash."""
    name = os.fsencode(tmp_path) + b"/\xff\xfe.csv"
    with open(name, "wb") as fh:
        fh.write((HEADER + f"1,{ROW}\n").encode())
    done = subprocess.run([sys.executable, "-m", "firecheck", "batch", name, "--zones",
                           str(synthetic_zones_path)], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0 and b"prohibited" in done.stdout
    done = subprocess.run([sys.executable, "-m", "firecheck", "check", "41.03,110.05", "-a",
                           b"\xff\x1b[2J"], env=env, capture_output=True, timeout=60)
    assert done.returncode == 2 and b"\x1b" not in done.stderr
    assert b"Traceback" not in done.stderr


# ---------------------------------------------------------------- hostile files, crashes


@pytest.mark.parametrize("fmt", ["jsonl", "geojson"])
def test_a_lone_surrogate_is_an_error_row_written_back_as_read(
        tmp_path: Path, rules: RuleSet, zones: ZoneSet, fmt: str) -> None:
    fields = f'"lat": {LAT}, "lon": {LON}, "date": "2023-04-01", "activity": "bbq"'
    objects = [f'{{{fields}, "note": "plain"}}', f'{{{fields}, "note": "a\\ud800"}}',
               f'{{{fields}, "\\udfff": 1}}', f'{{{fields}, "note": "plain"}}']
    if fmt == "jsonl":
        text = "\n".join(objects) + "\n"
    else:
        point = f'{{"type": "Point", "coordinates": [{LON}, {LAT}]}}'
        text = '{"type": "FeatureCollection", "features": [' + ", ".join(
            f'{{"type": "Feature", "properties": {o}, "geometry": {point}}}'
            for o in objects) + "]}"
    src = tmp_path / f"in.{fmt}"
    src.write_text(text, encoding="ascii")
    for out_format in ("jsonl", "csv"):
        out = tmp_path / f"out.{out_format}"
        run_batch(Options(str(src), str(out), lang="en"), rules, zones, TODAY)
        written = out.read_text("utf-8")
        assert written.count("lone surrogate") == 2 and "\\ud800" in written
        if out_format == "jsonl":
            rows = [json.loads(line) for line in written.splitlines()]
            assert [r["status"] for r in rows] == ["prohibited", "error", "error", "prohibited"]
            assert rows[1]["note"] == "a\ud800"  # the escape read back is the field as read


@pytest.mark.parametrize("features", ["null", "5", '"x"', "{}"])
def test_features_that_are_not_a_list(tmp_path: Path, env: dict[str, str],
                                      synthetic_zones_path: Path, features: str) -> None:
    path = tmp_path / "f.geojson"
    path.write_text(f'{{"type": "FeatureCollection", "features": {features}}}')
    assert child(["batch", str(path), "-a", "bbq"], env).returncode == 2
    for argv in (["zones", "validate", str(path)], ["zones", "--zones", str(path)],
                 ["zones", "import", str(synthetic_zones_path), "--designation", "x",
                  "--accuracy", "5", "-o", str(tmp_path / "o.geojson"), "--zones", str(path)]):
        done = child(argv, env)
        assert done.returncode == 3 and b"Traceback" not in done.stderr, (argv, done.stderr)


def test_properties_null(tmp_path: Path, rules: RuleSet, zones: ZoneSet,
                         synthetic_zones_path: Path) -> None:
    path = _zones_variant(tmp_path, synthetic_zones_path,
                          lambda d: d["features"][1].update(properties=None))
    with pytest.raises(DataError, match="not a Feature with properties"):
        load_zones(path)
    assert runner.invoke(cli.app, ["zones", "validate", str(path)]).exit_code == 3
    batch = tmp_path / "in.geojson"
    point = {"type": "Point", "coordinates": [LON, LAT]}
    batch.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": None, "geometry": point},
        {"type": "Feature", "properties": {"date": "2023-04-01"}, "geometry": point}]}))
    out = tmp_path / "out.jsonl"
    run_batch(Options(str(batch), str(out), activity="bbq", lang="en"), rules, zones, TODAY)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["error", "prohibited"]  # no date: a row error


def test_csv_headers_that_swallow_the_file_or_exceed_128_kib(tmp_path: Path, rules: RuleSet,
                                                             zones: ZoneSet) -> None:
    (tmp_path / "quote.csv").write_text('id,"lat,lon,date,activity\n' + f"1,{ROW}\n")
    with pytest.raises(InputError, match=r"line 1\) opens a quote that is never closed"):
        _run_csv(tmp_path, rules, zones, "quote.csv")
    wide = "w" * (200 << 10)
    (tmp_path / "wide.csv").write_text(f"id,lat,lon,date,activity,{wide}\n1,{ROW},x\n")
    rows = _run_csv(tmp_path, rules, zones, "wide.csv")
    assert rows[0]["status"] == "prohibited" and rows[0][wide] == "x"


def test_nested_a_hundred_thousand_levels(tmp_path: Path, env: dict[str, str],
                                          synthetic_zones_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "z.geojson").write_text(deep)
    (tmp_path / "r.toml").write_text(f"schema = 1\nx = {deep}\n")
    (tmp_path / "in.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        f'{{"a": {deep}}}, "geometry": null}}]}}')
    (tmp_path / "in.jsonl").write_text(f'{{"a": {deep}}}\n'
                                       '{"lat": 41.1, "lon": 110.1, "date": "2023-07-01"}\n')
    check = ["check", "41.03,110.05", "-a", "bbq"]
    for argv, code in ((["zones", "validate", str(tmp_path / "z.geojson")], 3),
                       ([*check, "--zones", str(tmp_path / "z.geojson")], 3),
                       ([*check, "--rules", str(tmp_path / "r.toml")], 3),
                       (["batch", str(tmp_path / "in.geojson"), "-a", "bbq"], 2)):
        done = child(argv, env, preexec_fn=_memory_limit)
        assert done.returncode == code and b"nested" in done.stderr, (argv, done.stderr)
    done = child(["batch", str(tmp_path / "in.jsonl"), "-a", "straw", "--format", "jsonl",
                  "--zones", str(synthetic_zones_path)], env, preexec_fn=_memory_limit)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and [r["status"] for r in rows] == ["error", "prohibited"]


def _memory_limit() -> None:
    """A child that would exhaust memory fails here instead of on the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def test_a_full_disk_while_writing(tmp_path: Path, env: dict[str, str],
                                   synthetic_zones_path: Path) -> None:
    """The file-size limit stands in for a full disk: an input error naming the target,
    the old target kept, no partial file; stdout on /dev/full likewise."""
    src = write_csv(tmp_path / "in.csv", 20_000)
    target = tmp_path / "out.csv"
    target.write_text("OLD")
    zones = ["--zones", str(synthetic_zones_path)]
    done = child(["batch", str(src), "-o", str(target), *zones], env,
                 preexec_fn=_file_size_limit(64 << 10))
    assert done.returncode == 2 and b"cannot write" in done.stderr, done.stderr
    assert b"File too large" in done.stderr and target.read_text() == "OLD"
    with open("/dev/full", "wb") as full:
        for argv in (["batch", str(src), *zones], ["check", "41.03,110.05", "-a", "bbq"],
                     ["check", "41.03,110.05", "-a", "bbq", "--json"], ["zones"]):
            done = child(argv, env, stdout=full, stderr=subprocess.PIPE, capture_output=False)
            assert done.returncode == 2 and b"No space left" in done.stderr, (argv, done.stderr)
    assert not leftovers(tmp_path, tmp_path / "tmp")


@pytest.mark.parametrize("allocate", ["libc", "refused", "missing", "disk nearly full"])
def test_reserved_blocks_keep_every_byte_and_are_freed(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       allocate: str) -> None:
    """Output written with its blocks reserved ahead holds exactly the bytes written, and
    no reserved block past its end stays allocated; a refused reservation is asked once
    (and what it took is freed), a disk without four steps free is not asked at all, and a
    system without fallocate writes the same."""
    from firecheck import files

    calls: list[tuple[int, int]] = []
    libc = files._fallocate()

    def counted(fd: int, mode: int, offset: int, length: int) -> int:
        calls.append((offset, length))
        return -1 if allocate == "refused" else libc(fd, mode, offset, length)

    monkeypatch.setattr(files, "_RESERVE_STEP", 1 << 16)
    monkeypatch.setattr(files, "_fallocate", lambda: None if allocate == "missing" else counted)
    if allocate == "disk nearly full":
        real = os.fstatvfs
        monkeypatch.setattr(os, "fstatvfs", lambda fd: type("Disk", (), {
            "f_bavail": 3, "f_frsize": real(fd).f_frsize and (1 << 16)})())
    rng = random.Random(5)
    pieces = [rng.randbytes(rng.choice([1, 100, 5000, 70_000, 200_000])) for _ in range(60)]
    handle, path = files.temp_file(tmp_path, ".part")
    out = files.Reserving(handle)
    for piece in pieces:
        out.write(piece)
    out.close()
    data = path.read_bytes()
    assert data == b"".join(pieces) and out.closed
    if allocate == "refused":
        assert len(calls) == 1
    elif allocate == "disk nearly full":
        assert calls == []
    elif allocate == "libc":
        assert len(calls) > 10  # in steps, each at the end of the last
        assert all(o2 == o1 + n1 for (o1, n1), (o2, _) in itertools.pairwise(calls))
        assert path.stat().st_blocks * 512 < len(data) + (1 << 16)
    files.discard(path)


def test_closed_standard_streams(env: dict[str, str], tmp_path: Path,
                                 synthetic_zones_path: Path) -> None:
    """`check … >&-`: a clear error (stdout is closed), not exit 70; a batch into a file
    does not need stdout; a closed stdin is an empty one."""
    def closed(*fds: int):
        return lambda: [os.close(fd) for fd in fds]

    done = child(["check", "41.03,110.05", "-a", "bbq", "-d", "2023-04-01"], env,
                 preexec_fn=closed(1), stdout=None)
    assert done.returncode == 2 and b"cannot write to stdout" in done.stderr
    src = write_csv(tmp_path / "in.csv", 3)
    done = child(["batch", str(src), "-o", str(tmp_path / "o.csv"), "--zones",
                  str(synthetic_zones_path)], env, preexec_fn=closed(0, 1), stdout=None,
                 stdin=None)
    assert done.returncode == 0 and (tmp_path / "o.csv").read_text().count("prohibited") == 3
    done = child(["check", "41.03,110.05", "-a", "bad"], env, preexec_fn=closed(2),
                 stderr=None)
    assert done.returncode == 2


def test_a_closed_pipe_keeps_the_commands_exit_code(tmp_path: Path, env: dict[str, str],
                                                    synthetic_zones_path: Path) -> None:
    """A reader leaving (`| head`) is not 1, the code of --fail-on: a check keeps its
    verdict's code, a batch its --fail-on answer (every row was evaluated)."""
    src = write_csv(tmp_path / "in.csv", 20_000)
    zones = ["--zones", str(synthetic_zones_path)]
    for argv, code in ((["check", f"{LAT},{LON}", "-a", "bbq", "-d", "2023-04-01", *zones], 10),
                       (["check", f"{LAT},{LON}", "-a", "bbq", "-d", "2023-04-01", "--json",
                         *zones], 10),
                       (["batch", str(src), *zones], 0),
                       (["batch", str(src), "--fail-on", "prohibited", *zones], 1),
                       (["rules"], 0)):
        proc = subprocess.Popen([sys.executable, "-m", "firecheck", *argv], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == code and "Traceback" not in err, (argv, err)


@pytest.mark.parametrize("argv", [
    ["batch", "in.csv", "--chunk-rows", "999999999999999999999"],
    ["check", "41.03,110.05", "-a", "bbq", "--zones", "/dev/zero"],
    ["check", "41.03,110.05", "-a", "bbq", "--zones", "fifo"],
    ["check", "41.03,110.05", "-a", "bbq", "--rules", "fifo.toml"],
    ["zones", "validate", "fifo"],
])
def test_no_input_exhausts_or_blocks(tmp_path: Path, env: dict[str, str], argv: list[str]) -> None:
    os.mkfifo(tmp_path / "fifo")
    rules = tmp_path / "rules"
    rules.mkdir()
    os.mkfifo(rules / "fifo.toml")
    write_csv(tmp_path / "in.csv", 2)
    argv = [str(rules) if a == "fifo.toml" else a for a in argv]
    done = child(argv, {**env, "FIRECHECK_ZONES": ""}, cwd=tmp_path, timeout=60,
                 preexec_fn=_memory_limit)
    assert done.returncode in (2, 3) and b"Traceback" not in done.stderr, done.stderr
    assert b"internal error" not in done.stderr


# -------------------------------------------------------------------------------- ambiguity


@pytest.mark.parametrize("header,row,spare", [
    ("id,lat,LAT,lon,date,activity", f"1,{LAT},{LAT},{LON},2023-04-01,bbq", "LAT"),
    ("id,lat,纬度,lon,date,activity", f"1,{LAT},{LAT},{LON},2023-04-01,bbq", "纬度"),
    ("id,lat,lon,经度,date,activity", f"1,{LAT},{LON},{LON},2023-04-01,bbq", "经度"),
    ("id,lat,lon,date,日期,activity", f"1,{LAT},{LON},2023-04-01,2023-04-01,bbq", "日期")])
def test_two_columns_meaning_one_field_are_refused(tmp_path: Path, rules: RuleSet,
                                                   zones: ZoneSet, header: str, row: str,
                                                   spare: str) -> None:
    (tmp_path / "in.csv").write_text(f"{header}\n{row}\n")
    with pytest.raises(InputError) as refused:
        _run_csv(tmp_path, rules, zones)
    both = header.split(",")[header.split(",").index(spare) - 1]
    for text in (refused.value.text.en, refused.value.text.zh):
        assert repr(both) in text and repr(spare) in text
    rows = _run_csv(tmp_path, rules, zones, mapping={spare: "id"})  # --map names one
    assert rows[0]["status"] == "prohibited"


def test_two_id_columns_are_not_ambiguous(tmp_path: Path, rules: RuleSet,
                                          zones: ZoneSet) -> None:
    (tmp_path / "in.csv").write_text(f"序号,编号,lat,lon,date,activity\n1,A7,{ROW}\n")
    assert _run_csv(tmp_path, rules, zones)[0]["status"] == "prohibited"


def test_blank_lines_before_the_header(tmp_path: Path, rules: RuleSet, zones: ZoneSet) -> None:
    for blank in ("\n", "\r\n\r\n", " \n,,,,\n"):
        (tmp_path / "in.csv").write_text(blank + HEADER + f"1,{ROW}\n2,x,{LON},2023-04-01,bbq\n")
        rows = _run_csv(tmp_path, rules, zones)
        assert [r["status"] for r in rows] == ["prohibited", "error"]
        line = 3 + blank.count("\n")
        assert rows[1]["error"].startswith(f"line {line}:"), (blank, rows[1]["error"])


@pytest.mark.parametrize("year", ["0", "20233", "-2023", "1899", "2201"])
def test_a_rules_year_must_be_plausible(tmp_path: Path, year: str) -> None:
    from firecheck.resources import RULES_DIR
    from firecheck.rules.loader import build_ruleset

    for path in RULES_DIR.glob("*.toml"):
        text = path.read_text("utf-8").replace("year = 2023", f"year = {year}", 1)
        (tmp_path / path.name).write_text(text, "utf-8")
    with pytest.raises(DataError, match="not a plausible year"):
        build_ruleset(sorted(tmp_path.glob("*.toml")))


def test_cr_only_jsonl_is_read_like_cr_only_csv(tmp_path: Path, rules: RuleSet,
                                                zones: ZoneSet) -> None:
    line = json.dumps({"lat": LAT, "lon": LON, "date": "2023-04-01", "activity": "bbq"})
    (tmp_path / "in.jsonl").write_bytes(f"{line}\r{line}\rnot json\r{line}\r".encode())
    out = tmp_path / "out.jsonl"
    run_batch(Options(str(tmp_path / "in.jsonl"), str(out), lang="en"), rules, zones, TODAY)
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["prohibited", "prohibited", "error", "prohibited"]
    assert rows[2]["error"]["message_en"].startswith("line 3:")


@pytest.mark.parametrize("large", [False, True])
def test_a_zones_file_that_changes_while_it_is_read_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        large: bool) -> None:
    """The zones file is hashed (its version) and then read: if the bytes read are not
    the bytes hashed, nothing is loaded — for a file of the cache's size too, whose cache
    is missing."""
    from firecheck.zones import load as zload

    source = tmp_path / "zones.geojson"
    text = synthetic_zones_path.read_bytes()
    source.write_bytes(text + (b" " * zcache.CACHE_MIN_BYTES if large else b""))
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    real = zload.read_regular

    def edited_meanwhile(path: Path, *args: object) -> bytes:
        return real(path, *args).replace(b'"buffer_m": 500', b'"buffer_m": 50', 1)

    monkeypatch.setattr(zload, "read_regular", edited_meanwhile)
    with pytest.raises(DataError, match="changed while it was read"):
        load_zones(source)


def test_a_directory_given_as_the_zones_file_is_a_clear_error(tmp_path: Path) -> None:
    """--zones naming a directory: a data error naming it (exit 3), not an internal error."""
    result = CliRunner().invoke(cli.app, ["check", "41.06,110.38", "-a", "bbq", "-d",
                                          "2023-04-01", "--zones", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 3, result.output
    said = " ".join(result.output.split())  # the console wraps it
    assert "not a regular file" in said and "Traceback" not in said


def test_a_directory_where_the_cache_should_be_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path) -> None:
    """A directory in the cache's place: the zones come from the file, with a note."""
    source = tmp_path / "zones.geojson"
    source.write_bytes(synthetic_zones_path.read_bytes() + b" " * zcache.CACHE_MIN_BYTES)
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    version = "sha256:" + __import__("hashlib").sha256(source.read_bytes()).hexdigest()
    zcache.usable_dir(zcache.cache_dir())
    zcache.cache_path(version).mkdir()
    zones = load_zones(source)
    assert zones.mapped and any("not a private file" in n.en for n in zones.notes)


def test_a_batch_on_a_terminal_shows_its_progress_and_finishes(tmp_path: Path,
                                                               env: dict[str, str]) -> None:
    """With stderr a terminal, batch draws a progress bar (rich's Live enters the console
    as a context manager, which the console made on first use must support): the run
    ends as on a pipe, its output written (it was exit 70 and no output)."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("lat,lon,date,activity\n41.03,110.05,2023-04-01,bbq\n", "utf-8")
    master, slave = os.openpty()
    seen = bytearray()

    def drain() -> None:  # the terminal's reader, so the child never blocks on it
        with contextlib.suppress(OSError):
            while chunk := os.read(master, 4096):
                seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = child(["batch", str(source), "-o", str(target)], env, stderr=slave,
                     stdout=subprocess.DEVNULL, capture_output=False)
    finally:
        os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    assert done.returncode == 0, bytes(seen).decode(errors="replace")
    assert "internal error" not in bytes(seen).decode(errors="replace")
    assert len(target.read_text("utf-8").splitlines()) == 2
