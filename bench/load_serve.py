"""Loopback load test of `firecheck serve`: single checks at 1, 8 and 64 concurrent clients
(requests/s, p50/p99 latency), and a batch upload against `firecheck batch` on the same file.

    python bench/load_serve.py [--requests 2000] [--rows 100000] [--dir /tmp/firecheck-serve-bench]

The server is started on 127.0.0.1 with the shipped zones and stopped at the end; every
loop is bounded by a request count and a time limit, and no traffic leaves the machine.
Checks are asked two ways: *distinct* (seeded random places, dates and activities over the
county: each question new, so every one is evaluated) and *repeated* (20 questions asked
over and over: the server's answer cache). Clients are asyncio connections with keep-alive
in this process, on the same two cores as the server. It prints; it does not gate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
ACTIVITIES = ["bbq", "烧烤", "straw", "秸秆", "野炊", "上坟烧纸", "fireworks", "entry", "吸烟"]


def start_server() -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "firecheck", "serve", "--port", "0",
                             "--max-upload-mb", "200"], stdout=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"127\.0\.0\.1:(\d+)/", line)
    if found is None:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, int(found.group(1))


def questions(n: int, seed: int) -> list[str]:
    """Seeded check paths over the county's bounding box (some outside it)."""
    rng = random.Random(seed)
    paths = []
    for _ in range(n):
        query = {"place": f"{rng.uniform(40.75, 41.45):.6f},{rng.uniform(109.6, 110.8):.6f}",
                 "activity": rng.choice(ACTIVITIES),
                 "date": f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
        paths.append("/api/check?" + urlencode(query))
    return paths


async def client(port: int, paths: list[str], latencies: list[float], stop: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for path in paths:
            if time.perf_counter() > stop:
                return
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"unexpected answer: {head[:80]!r}")
            length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def level(port: int, clients: int, paths: list[str], seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    share = [paths[i::clients] for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(client(port, s, latencies, started + seconds) for s in share))
    return time.perf_counter() - started, latencies


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) > 1 else values[0]


def checks(port: int, requests: int, seconds: float) -> None:
    print(f"{'questions':<10} {'clients':>7} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    repeated = questions(20, 3)
    for kind in ("distinct", "repeated"):
        for clients in (1, 8, 64):
            paths = (questions(requests, clients) if kind == "distinct"
                     else [repeated[i % 20] for i in range(requests)])
            if kind == "repeated":  # the answers are cached by a first pass
                asyncio.run(level(port, 1, repeated, seconds))
            wall, lat = asyncio.run(level(port, clients, paths, seconds))
            print(f"{kind:<10} {clients:>7} {len(lat):>8} {len(lat) / wall:>8.0f} "
                  f"{quantile(lat, 0.5) * 1000:>8.1f} {quantile(lat, 0.99) * 1000:>8.1f}")


def batch(port: int, rows: int, folder: Path) -> None:
    import httpx

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(SRC))
    import pyarrow.csv as pcsv
    from generate import generate

    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"requests-{rows}.csv"
    if not source.exists():
        pcsv.write_csv(generate(rows, 7), source, write_options=pcsv.WriteOptions(quoting_style="none"))
    cli_out, http_out = folder / "cli-out.csv", folder / "http-out.csv"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "firecheck", "batch", str(source), "-o", str(cli_out)],
                   check=True, env=env, stderr=subprocess.DEVNULL)
    cli = time.perf_counter() - started
    started = time.perf_counter()
    with source.open("rb") as body, http_out.open("wb") as out, httpx.stream(
            "POST", f"http://127.0.0.1:{port}/api/batch", content=body,
            headers={"content-type": "text/csv"}, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            out.write(chunk)
    http = time.perf_counter() - started
    same = cli_out.read_bytes() == http_out.read_bytes()
    print(f"batch {rows:,} rows: CLI (whole process) {cli:.2f} s = {rows / cli:,.0f} rows/s; "
          f"HTTP upload+download {http:.2f} s = {rows / http:,.0f} rows/s; ratio "
          f"{http / cli:.2f}; outputs identical: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="checks per level")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per level")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/firecheck-serve-bench"))
    args = parser.parse_args()
    proc, port = start_server()
    try:
        checks(port, args.requests, args.seconds)
        if args.rows:
            batch(port, args.rows, args.dir)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
