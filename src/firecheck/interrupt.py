"""Ending on a signal without leaving anything behind.

The command line turns SIGINT, SIGTERM and SIGHUP into :class:`Interrupted`, raised in the
main thread wherever it is — reading, evaluating, writing, or still importing — so the
cleanup every writer already does for an exception (``except BaseException``: remove the
temporary file, leave the target as it was) runs for a signal too. Signals arriving while
that cleanup runs are held back; SIGKILL cannot be caught (the README says what it leaves).
"""

from __future__ import annotations

import os
import signal
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_received: list[int] = []  # the signal that is ending the process, once there is one


class Interrupted(BaseException):
    """The process received ``signum`` and is ending (a BaseException, like
    KeyboardInterrupt, so no ``except Exception`` swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def install() -> None:
    """Raise :class:`Interrupted` on SIGINT, SIGTERM and SIGHUP (main thread only) — except
    a signal the caller ignores (``nohup`` ignores SIGHUP, a shell's background job SIGINT),
    which stays ignored."""
    for number in SIGNALS:
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, _interrupt)


def _interrupt(signum: int, _frame: Any) -> None:
    if _received:
        return  # the first signal's cleanup is running: let it finish
    _received.append(signum)
    raise Interrupted(signum)


def received() -> int | None:
    """The signal that is ending the process, if one came. Code that catches exceptions
    broadly (an import interrupted half-way becomes an ImportError) asks this to tell an
    interruption from a failure."""
    return _received[0] if _received else None


def end_by(signum: int) -> None:
    """End the process by ``signum`` itself, so the parent (a shell loop, a supervisor)
    sees it was interrupted; 128 + signum if the signal does not end it."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)
