"""The ``firecheck`` process around the command line: what must hold before anything heavy
is imported, and after the command has ended.

Before: on import of this module (the console script's first import), signals become
:class:`~.interrupt.Interrupted` — so Ctrl-C during start-up is a quiet exit, not a
traceback; then, in :func:`main`, a standard descriptor the caller closed (``>&-``) is held
open on /dev/null, so no file firecheck opens can take its number — output meant for a
closed stdout fails with a clear error instead. After: every temporary file still
registered is removed, the streams are flushed, and the process ends by the signal that
interrupted it, or with the command's exit code.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.abc
import io
import os
import sys
from typing import Any

from . import interrupt

interrupt.install()  # before any of firecheck's own imports (the stdlib's above are loaded)


def main() -> None:
    """Console entry point (``firecheck``)."""
    signum = None
    code = 0
    try:
        _hold_standard_descriptors()
        if "pandas" not in sys.modules:
            sys.meta_path.insert(0, _WithoutPandas())
        # firecheck multiplies no matrices: OpenBLAS's threads would only spin (0.1 s of CPU
        # per process, on the cores a batch's own threads need). Read as numpy loads it.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        # numpy first, imported from Python: a C extension that imports it (shapely, pyarrow)
        # prints the traceback of an import a signal cut short, then raises ImportError.
        import numpy  # noqa: F401

        from .cli import run

        code = run()
    except BaseException as exc:
        signum = exc.signum if isinstance(exc, interrupt.Interrupted) else interrupt.received()
        if signum is None:
            raise
        _report(signum)
    finally:
        if (files := sys.modules.get("firecheck.files")) is not None:
            files.remove_temp_files()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    if signum is not None:
        interrupt.end_by(signum)
    # Every file is closed and renamed by now: skip the interpreter's teardown, which only
    # frees native memory (~0.15 s after a large batch).
    os._exit(code)


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """firecheck never uses pandas, but pyarrow probes for it on its first call and, when
    it is installed (as the bench extra installs it), imports it: ~0.2 s of every run.
    The command-line process tells Python it is absent."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("firecheck's command line does not use pandas")


def _report(signum: int) -> None:
    """One line on stderr: the run was interrupted (in the language asked for)."""
    args = sys.argv[1:]
    lang = os.environ.get("FIRECHECK_LANG", "zh")
    for i, arg in enumerate(args):
        if arg in ("--lang", "-l") and i + 1 < len(args):
            lang = args[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    name = interrupt.Interrupted(signum).name
    message = (f"firecheck: interrupted ({name})" if lang == "en"
               else f"firecheck: 已中断（{name}）")
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(message + "\n")


class _Closed(io.RawIOBase):
    """A stream the caller closed: every write fails with EBADF."""

    def writable(self) -> bool:
        return True

    def write(self, _data: object) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def _hold_standard_descriptors() -> None:
    """Open /dev/null on stdin, stdout or stderr if the caller closed it; output meant for
    a closed stdout then fails (EBADF) rather than vanishing or landing in another file."""
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
            continue
        except OSError:
            null = os.open(os.devnull, mode)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if fd == 0:
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (for the run)
        elif fd == 1:
            sys.stdout = io.TextIOWrapper(io.BufferedWriter(_Closed()), encoding="utf-8")
        else:
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
