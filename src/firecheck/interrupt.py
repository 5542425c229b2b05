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
import sys
import threading
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CLEANUP_SECONDS = 30
_REDELIVER_SECONDS = 0.01  # after the hook has returned
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
    sys.unraisablehook = _unraisable


def _unraisable(unraisable: Any) -> None:
    """The signal came while Python ran code whose exceptions it can only print (a weakref
    callback in the import system, a ``__del__``): deliver it again, to the code after —
    from another thread a moment later, since a signal sent from inside this hook would
    be raised inside it, where Python can only print it again."""
    if isinstance(unraisable.exc_value, Interrupted):
        _received.clear()
        again = threading.Timer(_REDELIVER_SECONDS, os.kill,
                                (os.getpid(), unraisable.exc_value.signum))
        again.daemon = True
        again.start()
        return
    sys.__unraisablehook__(unraisable)


def _interrupt(signum: int, _frame: Any) -> None:
    if _received:  # a second signal: the first one's cleanup may be stuck — end now
        _end_now(_received[0])
    _received.append(signum)
    signal.signal(signal.SIGALRM, lambda *_: _end_now(signum))
    signal.alarm(CLEANUP_SECONDS)  # a cleanup that never ends (a library swallowed it) is cut
    raise Interrupted(signum)


def _end_now(signum: int) -> None:
    if (files := sys.modules.get("firecheck.files")) is not None:
        files.remove_temp_files()
    end_by(signum)


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
