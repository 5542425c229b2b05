"""A real `firecheck serve` process on a free loopback port, for the server and browser tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
_ADDRESS = re.compile(r"(https?://127\.0\.0\.1:\d+)/")


@dataclass
class Served:
    """A running server: its base URL, what it printed on stdout, and (once stopped) on
    stderr and its exit code."""

    base: str
    lines: list[str]
    stderr: str = ""
    code: int | None = None


@contextmanager
def server(*args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """A server started with ``args``; stopped with SIGTERM at the end."""
    environ = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "firecheck", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
    lines: list[str] = []
    served = Served("", lines)
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"server ended: {proc.stderr.read() if proc.stderr else ''}")
            lines.append(line.rstrip("\n"))
            if (found := _ADDRESS.search(line)) is not None:
                if args and "--tls" in args:  # the fingerprint line follows the address
                    lines.append(proc.stdout.readline().rstrip("\n"))
                served.base = found.group(1)
                yield served
                break
        else:
            raise AssertionError("the server did not start in 60 s")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        served.code = proc.returncode
        served.stderr = proc.stderr.read() if proc.stderr else ""
