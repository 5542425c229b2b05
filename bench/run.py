"""End-to-end benchmark: firecheck against a GeoPandas peer on the same zones, in one run.

    python bench/run.py [--rows 1000000] [--runs 3] [--dir /tmp/firecheck-bench]
                        [--scenarios shipped,mapped,parcels] [--parcels 100000] [--no-peer]

Three zone sets: the shipped zones; a fully mapped county (bench/county.py, imported with
``firecheck zones import``); and the shipped zones with N official parcels
(bench/parcels.py). On a seeded request file (bench/generate.py) it times, for each zone
set and interleaved run by run: ``firecheck batch`` (CSV in, full CSV out), a single
``firecheck check`` and the GeoPandas sjoin peer (bench/peer_geopandas.py) on the same
zones file; with ``python -c "import shapely, pyproj"`` as the floor of a single check.
Each is its own process, wall clock from start to exit, peak RSS and CPU seconds (user +
system) from the kernel (wait4). The zones caches and index parts are built before the
first timed run (warm cache: an untimed check and batch per zone set), and firecheck is
byte-compiled first, as pip installs it. It prints every run and the medians; it does not
gate.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCENARIOS = ("shipped", "mapped", "parcels")
CHECK = ["check", "41.03,110.05", "-a", "bbq", "-d", "2023-04-01", "--json"]


def timed(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB, CPU seconds: user + system) of a child process; its
    stderr if it fails. The kernel starts a child's peak RSS at its parent's, so this
    process imports nothing large. CPU time drifts less than wall time on a shared
    machine: it tells a slow hour from slower code."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    assert child.stderr is not None
    err = child.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{argv[:4]} exited {code}:\n{err}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def zones_file(scenario: str, directory: Path, n_parcels: int) -> Path | None:
    """The zones file of a scenario (None: the shipped one), made once per directory by
    its generator in a process of its own (so this one stays small: a child's peak RSS
    starts from its parent's)."""
    if scenario == "shipped":
        return None
    if scenario == "mapped":
        path = directory / "county-mapped.geojson"
        argv = [str(HERE / "county.py"), str(path)]
    else:
        path = directory / f"parcels-fields-{n_parcels}.geojson"  # not the squares of before
        argv = [str(HERE / "parcels.py"), "--parcels", str(n_parcels), "--write", str(path)]
    if not path.exists():
        subprocess.run([sys.executable, *argv], check=True, stdout=subprocess.DEVNULL)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/firecheck-bench"))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--no-peer", action="store_true", help="skip the GeoPandas peer")
    args = parser.parse_args()
    scenarios = [s for s in args.scenarios.split(",") if s]
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {SCENARIOS}")
    args.dir.mkdir(parents=True, exist_ok=True)
    os.environ["FIRECHECK_CACHE"] = str(args.dir / "cache")
    peer = not args.no_peer
    if peer and importlib.util.find_spec("geopandas") is None:  # not imported: see timed()
        print("peer skipped: geopandas not installed (pip install '.[bench]')")
        peer = False
    source = args.dir / f"requests-{args.rows}.csv"
    if not source.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.rows), str(source)],
                       check=True)
    print(f"input: {source} ({args.rows:,} rows, {source.stat().st_size / 2**20:.0f} MB); "
          f"{args.runs} interleaved runs, {os.cpu_count()} CPUs")
    fc = [sys.executable, "-m", "firecheck"]
    # As pip installs it: byte-compiled (an editable install under PYTHONDONTWRITEBYTECODE
    # would compile every module of every run: ~60 ms of a single check).
    spec = importlib.util.find_spec("firecheck")  # found, not imported
    if spec is not None and spec.submodule_search_locations:
        subprocess.run([sys.executable, "-m", "compileall", "-q",
                        *spec.submodule_search_locations], check=True)
    zones = {s: zones_file(s, args.dir, args.parcels) for s in scenarios}
    zone_args = {s: [] if p is None else ["--zones", str(p)] for s, p in zones.items()}
    for s in scenarios:  # a warm cache: each zones cache and index part built before timing
        timed([*fc, *CHECK, *zone_args[s]], ok=(0, 10, 11, 12))
        timed([*fc, "batch", str(source), "-o", str(args.dir / "firecheck-out.csv"),
               *zone_args[s]], ok=(0,))
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    print(f"{'run':>3} {'scenario':<9}{'tool':<11}{'wall s':>8}{'rows/s':>12}{'RSS MB':>8}"
          f"{'CPU s':>8}")
    for run in range(1, args.runs + 1):
        floor = timed([sys.executable, "-c", "import shapely, pyproj"])
        results.setdefault(("-", "import"), []).append(floor)
        print(f"{run:>3} {'-':<9}{'import':<11}{floor[0]:>8.3f}{'':>12}{floor[1]:>8.0f}"
              f"{floor[2]:>8.2f}")
        for s in scenarios:
            # The check right after firecheck's batch, before the peer: the peer's 6 GB among
            # parcels made the kernel reclaim pyarrow's library pages, and a check after it
            # timed reading them from disk (0.47 → 0.68–0.80 s) rather than firecheck.
            tools = [("firecheck", [*fc, "batch", str(source), "-o",
                                    str(args.dir / "firecheck-out.csv"), "--lang", "en",
                                    *zone_args[s]], (0,)),
                     ("check", [*fc, *CHECK, *zone_args[s]], (0, 10, 11, 12))]
            if peer:
                tools.append(("geopandas", [sys.executable, str(HERE / "peer_geopandas.py"),
                                            str(source), str(args.dir / "geopandas-out.csv"),
                                            *([str(zones[s])] if zones[s] else [])], (0,)))
            for tool, argv, ok in tools:
                wall, rss, cpu = measured = timed(argv, ok)
                results.setdefault((s, tool), []).append(measured)
                rate = f"{args.rows / wall:,.0f}" if tool != "check" else ""
                print(f"{run:>3} {s:<9}{tool:<11}{wall:>8.3f}{rate:>12}{rss:>8.0f}{cpu:>8.2f}",
                      flush=True)
    summary(results, scenarios, args.rows, peer)


def summary(results: dict[tuple[str, str], list[tuple[float, float, float]]],
            scenarios: list[str], rows: int, peer: bool) -> None:
    """Medians per scenario: rows/s, the ratio to the peer, peak RSS, firecheck's CPU
    seconds, the single check."""
    def med(key: tuple[str, str], i: int = 0) -> float:
        return statistics.median(r[i] for r in results[key])

    floor = med(("-", "import"))
    print(f"\nmedians ({rows:,} rows)")
    print(f"{'scenario':<9}{'rows/s':>12}{'peer rows/s':>13}{'ratio':>7}{'RSS MB':>8}"
          f"{'peer RSS':>9}{'CPU s':>7}{'check s':>9}{'check/import':>13}")
    for s in scenarios:
        wall = med((s, "firecheck"))
        ratios = [p[0] / f[0] for f, p in zip(results[(s, "firecheck")],
                                             results[(s, "geopandas")], strict=True)] if peer else []
        peer_cols = (f"{rows / med((s, 'geopandas')):>13,.0f}{statistics.median(ratios):>6.2f}x"
                     if peer else f"{'-':>13}{'-':>7}")
        peer_rss = f"{med((s, 'geopandas'), 1):>9.0f}" if peer else f"{'-':>9}"
        check = med((s, "check"))
        print(f"{s:<9}{rows / wall:>12,.0f}{peer_cols}{med((s, 'firecheck'), 1):>8.0f}{peer_rss}"
              f"{med((s, 'firecheck'), 2):>7.2f}{check:>9.3f}{check / floor:>12.2f}x")
    print(f"(`python -c 'import shapely, pyproj'`: {floor:.3f} s)")


if __name__ == "__main__":
    main()
