"""End-to-end batch benchmark: firecheck against a GeoPandas peer, same file, same run.

    python bench/run.py [--rows 1000000] [--dir /tmp/firecheck-bench] [--no-peer]

Generates a seeded request file (bench/generate.py), then times `firecheck batch` on it
(CSV in, full CSV out) and the GeoPandas sjoin peer (bench/peer_geopandas.py), each in its
own process, wall clock from start to exit, peak RSS from the kernel (wait4). Prints rows/s
for both and their ratio. It prints; it does not gate.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit code) of a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    assert child.stderr is not None
    err = child.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        print(err, file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/firecheck-bench"))
    parser.add_argument("--no-peer", action="store_true", help="skip the GeoPandas peer")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"requests-{args.rows}.csv"
    if not source.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.rows), str(source)],
                       check=True)
    size = source.stat().st_size / 2**20
    print(f"input: {source} ({args.rows:,} rows, {size:.0f} MB)")
    ours = timed([sys.executable, "-m", "firecheck", "batch", str(source), "-o",
                  str(args.dir / "firecheck-out.csv"), "--lang", "en"])
    rows = [("firecheck batch", *ours)]
    if not args.no_peer:
        try:
            import geopandas  # noqa: F401
        except ImportError:
            print("peer skipped: geopandas not installed (pip install '.[bench]')")
        else:
            peer = timed([sys.executable, str(HERE / "peer_geopandas.py"), str(source),
                          str(args.dir / "geopandas-out.csv")])
            rows.append(("geopandas sjoin dwithin", *peer))
    print(f"{'tool':<26}{'wall s':>9}{'rows/s':>13}{'peak RSS MB':>13}{'exit':>6}")
    for name, wall, rss, code in rows:
        print(f"{name:<26}{wall:>9.2f}{args.rows / wall:>13,.0f}{rss:>13.0f}{code:>6}")
    if len(rows) == 2:
        ratio = rows[1][1] / rows[0][1]
        print(f"firecheck / geopandas rows/s ratio: {ratio:.2f}x")


if __name__ == "__main__":
    main()
