"""The summary a batch writes to stderr when it ends (apart from the other terminal views:
rich's tables, which a batch never shows, take 20 ms to import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..engine.model import STATUSES
from ..text import Text as Bilingual
from ..text import say
from .words import status_label as label

if TYPE_CHECKING:
    from rich.console import Console


def batch_summary(console: Console, summary: Any, lang: str) -> None:
    """Counts per status, errors, elapsed time and throughput (to stderr)."""
    others = {"error": Bilingual("错误", "error"), "blank": Bilingual("空行", "blank")}
    parts = [f"{label(k, lang) if k in STATUSES else others.get(k, Bilingual(k, k)).get(lang)} {v:,}"
             for k, v in sorted(summary.counts.items())]
    counted = ("，" if lang == "zh" else ", ").join(parts)
    console.print(say(lang, f"共 {summary.rows:,} 行",
                      f"{summary.rows:,} row{'' if summary.rows == 1 else 's'}")
                  + (say(lang, "：", ": ") + counted if counted else ""))
    for note in summary.notes:
        console.print(Text(note.get(lang), style="yellow"))
    console.print(say(lang, f"用时 {summary.seconds:.2f} 秒，{summary.rate:,.0f} 行/秒",
                     f"{summary.seconds:.2f} s, {summary.rate:,.0f} rows/s"))
