"""The summary a batch writes to stderr when it ends: the rows per status, what the whole
file should know, and the time taken.

A count never breaks from its label (``无法确定 532,278`` stays on one line): on a terminal
the parts are packed line by line to its width; anything else (a log file, a pipe) gets
each line whole, unwrapped, as a log needs it — written without rich, so a batch in a
script never imports rich's console (~25 ms)."""

from __future__ import annotations

from typing import Any

from ..engine.model import STATUSES
from ..text import Text, say
from .console import LazyConsole, stderr_is_terminal, write_stderr
from .words import status_label as label

_OTHERS = {"error": Text("错误", "error"), "blank": Text("空行", "blank")}


def batch_summary(console: LazyConsole, summary: Any, lang: str) -> None:
    """Counts per status, notes, elapsed time and throughput (to stderr)."""
    if not stderr_is_terminal():
        write_stderr([*summary_lines(summary, lang, None), *_notes(summary, lang),
                      _timing(summary, lang)])
        return
    from rich.text import Text as Styled

    for line in summary_lines(summary, lang, console.width):
        console.print(line, soft_wrap=True)
    for note in _notes(summary, lang):
        console.print(Styled(note, style="yellow"))
    console.print(_timing(summary, lang), soft_wrap=True)


def summary_lines(summary: Any, lang: str, width: int | None) -> list[str]:
    """The rows and their counts per status, packed into lines of ``width`` terminal cells
    (None: one line); a line breaks only between counts, and later lines are indented."""
    head = say(lang, f"共 {summary.rows:,} 行", f"{summary.rows:,} row{'' if summary.rows == 1 else 's'}")
    parts = [f"{label(k, lang) if k in STATUSES else _OTHERS.get(k, Text(k, k)).get(lang)} {v:,}"
             for k, v in sorted(summary.counts.items())]
    if not parts:
        return [head]
    sep = say(lang, "，", ", ")
    lines = [head + say(lang, "：", ": ") + parts[0]]
    if width is None:
        return [lines[0] + "".join(sep + part for part in parts[1:])]
    from rich.cells import cell_len

    for i, part in enumerate(parts[1:], 2):
        mark = sep.rstrip() if i < len(parts) else ""  # the separator a break leaves
        if cell_len(lines[-1] + sep + part + mark) <= width:
            lines[-1] += sep + part
        else:
            lines[-1] += sep.rstrip()
            lines.append("  " + part)
    return lines


def _notes(summary: Any, lang: str) -> list[str]:
    return [note.get(lang) for note in summary.notes]


def _timing(summary: Any, lang: str) -> str:
    return say(lang, f"用时 {summary.seconds:.2f} 秒，{summary.rate:,.0f} 行/秒",
               f"{summary.seconds:.2f} s, {summary.rate:,.0f} rows/s")
