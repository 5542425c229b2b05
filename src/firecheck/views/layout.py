"""Text laid out for a narrow terminal (a phone at 50 columns): lines wrapped between
Chinese characters and at spaces, never inside a number, a phone number or a word, with
punctuation kept on the line it closes and bullets kept with their text.

Rich's own wrapping treats a run of Chinese as one word and folds it anywhere, digits
included ("200–30 / 00元"); paragraphs here are wrapped first and printed as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

# One token: a run that must not be broken (Latin letters, digits, phone numbers, amounts,
# with their punctuation), a single CJK character, or a run of spaces.
_TOKEN = re.compile(
    r"\s+"
    r"|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+"
    r"|[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
_CLOSING = set("，。；：、！？）》」』】〕,.;:!?)%")  # never at the start of a line
_OPENING = set("（《「『【〔(")  # never at the end of a line


@dataclass
class Para:
    """A paragraph of styled segments, with what starts its first line (a bullet, a
    number, a label) and how far later lines are indented."""

    segments: list[tuple[str, str]]
    first: str = ""
    indent: int = 0
    style: str = ""  # applied to the whole paragraph

    @classmethod
    def of(cls, text: str, style: str = "", first: str = "", indent: int | None = None) -> Para:
        return cls([(text, "")], first, cell_len(first) if indent is None else indent, style)


def _tokens(para: Para) -> list[tuple[str, str]]:
    """(token, style) pieces; closing punctuation and a unit right after a number (元, 米,
    年…) are glued to the token before, opening punctuation to the token after."""
    out: list[tuple[str, str]] = []
    glue_next = False
    for text, style in para.segments:
        for match in _TOKEN.finditer(text):
            token = match.group()
            unit = len(token) == 1 and not token.isascii() and bool(out) and out[-1][0][-1:].isdigit()
            if out and not token.isspace() and (token[0] in _CLOSING or glue_next or unit):
                prev, prev_style = out[-1]
                if not prev.isspace():
                    out[-1] = (prev + token, prev_style if prev_style == style else style)
                    glue_next = token[-1] in _OPENING
                    continue
            out.append((token, style))
            glue_next = not token.isspace() and token[-1] in _OPENING
    return out


def wrap(para: Para, width: int) -> list[Text]:
    """The paragraph as lines of at most ``width`` cells (a token longer than a line gets
    a line of its own)."""
    width = max(width, 20)
    lines: list[Text] = []
    line = Text(para.first, style=para.style)
    used = cell_len(para.first)
    start = used
    for token, style in _tokens(para):
        size = cell_len(token)
        if token.isspace():
            if used > start:  # a space inside a line; dropped at its ends
                line.append(" ", style=style)
                used += 1
            continue
        if used + size > width and used > start:
            lines.append(_rstrip(line))
            line = Text(" " * para.indent, style=para.style)
            used = start = para.indent
        line.append(token, style=style)
        used += size
    lines.append(_rstrip(line))
    return lines


def _rstrip(line: Text) -> Text:
    line.rstrip()
    return line


def show(console: Console, paras: Iterable[Para | None]) -> int:
    """Print paragraphs wrapped to the console's width; the number of lines printed."""
    count = 0
    for para in paras:
        if para is None:
            continue
        for line in wrap(para, console.width):
            console.print(line, overflow="ignore", no_wrap=True, crop=False, soft_wrap=True)
            count += 1
    return count
