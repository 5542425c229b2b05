"""Consoles that show data as data.

Almost every string firecheck prints holds something a person typed or a data file holds: a
place, an activity, a file name, a zone's name, a rule's title. So the consoles never read
rich markup or emoji codes in what they print (``[/]`` is two brackets and a slash, not a
crash; ``[link=…]`` is text, not a link), and one render hook strips control characters —
ESC sequences, C1 controls, bidirectional overrides — from every segment of text they
write, whichever view built it; lone surrogates become U+FFFD. Styling is done with rich
objects (``Text(…, style=…)``), never with markup in a string.

Writing stdout can fail: a closed pipe (``| head``) silences the rest of the output and
the command ends with its own exit code; any other failure (a full disk, ``>/dev/full``, a
closed stdout) is an :class:`~firecheck.errors.InputError`. Failures writing stderr are
ignored: there is nowhere left to report them.

rich is imported when a console is first used (:class:`LazyConsole`): an answer printed as
JSON never needs its 25 ms of imports.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import InputError
from ..files import silence
from ..unicode import displayable


class _Displayable:
    """A renderable whose text segments are made :func:`displayable` (rich's own control
    segments, such as cursor moves, pass unchanged)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        for segment in console.render(self.renderable, options):
            text = segment.text
            if segment.control or text.isprintable() or text == "\n":
                yield segment
            else:
                yield Segment(displayable(text), segment.style)


class _DisplayHook:  # a rich RenderHook (rich needs only this method)
    def process_renderables(self, renderables: list[Any]) -> list[Any]:
        return [_Displayable(r) for r in renderables]


class _Stream:
    """sys.stdout or sys.stderr as they are at each write (tests swap them), with the
    failures described in the module docstring handled."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _stream(self) -> TextIO:
        stream = getattr(sys, self.name)
        if stream is None:  # closed when Python started
            raise OSError(9, "Bad file descriptor")
        return stream

    def write(self, text: str) -> int:
        try:
            return self._stream().write(text)
        except OSError as exc:
            self._failed(exc)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream().flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        if self.name == "stderr":
            return
        if isinstance(exc, BrokenPipeError):
            silence(sys.stdout.fileno())
            return
        reason = exc.strerror or str(exc)
        raise InputError(f"无法写入标准输出：{reason}", f"cannot write to stdout: {reason}") from exc

    def __getattr__(self, attr: str) -> Any:
        try:
            stream = self._stream()
        except OSError as exc:  # closed: the attribute is absent, as getattr expects
            raise AttributeError(attr) from exc
        return getattr(stream, attr)


STDOUT = _Stream("stdout")


def stderr_is_terminal() -> bool:
    """Whether rich (14 and later) takes stderr for a terminal, decided as it decides
    (``TTY_COMPATIBLE``, then ``FORCE_COLOR``, then isatty) without importing rich."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    if (force := os.environ.get("FORCE_COLOR")) is not None:
        return force != ""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (ValueError, OSError):  # closed
        return False


def stderr_line(console: Any, text: str) -> None:
    """One line for stderr: whole and plain when stderr is no terminal, else printed by
    ``console`` unwrapped; a line break in it (a file name may hold one) shown as ``\\n``,
    so it cannot start a line of its own in a log."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if stderr_is_terminal():
        console.print(text, soft_wrap=True)
    else:
        write_stderr([text])


def write_stderr(lines: list[str]) -> None:
    """Lines on stderr as they are — no wrapping, no styles — each made :func:`displayable`
    (for a stderr that is no terminal; failures ignored, as the consoles ignore them)."""
    stream = _Stream("stderr")
    stream.write("".join(displayable(line) + "\n" for line in lines))
    stream.flush()


def make_console(stderr: bool = False, **options: Any) -> Console:
    """A console on stdout (or stderr) that shows data as data (see the module docstring)."""
    from rich.console import Console

    console = Console(file=_Stream("stderr") if stderr else STDOUT,  # type: ignore[arg-type]
                      markup=False, emoji=False, highlight=False, **options)
    console.push_render_hook(_DisplayHook())  # type: ignore[arg-type]
    return console


class LazyConsole:
    """:func:`make_console`'s console, made when first used: the CLI's shared ``out`` and
    ``err``. Its size is read at each use, as rich reads it for a console made without
    COLUMNS set."""

    def __init__(self, stderr: bool = False, **options: Any) -> None:
        self._made: Console | None = None
        self._args = stderr, options

    def made(self) -> Console:
        """The console itself (made now if not yet)."""
        if self._made is None:
            stderr, options = self._args
            made = make_console(stderr, **options)
            # Sized at each use (COLUMNS, the terminal), not fixed by COLUMNS when made.
            made.width, made.height = None, None  # type: ignore[assignment]
            self._made = made
        return self._made

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.made(), attr)

    # Looked up on the class, never through __getattr__: rich's Live enters its console.
    def __enter__(self) -> Console:
        return self.made().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self.made().__exit__(*exc)


if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

