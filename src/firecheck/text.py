"""Bilingual text: every word firecheck shows exists in Chinese and English.

:class:`Text` is the one bilingual type — messages, errors, maps and terminal output all use
it — always written ``Text(zh, en)``; :class:`Message` is a text with a stable English code
(warnings, assumptions and notes on requests and verdicts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True)
class Text:
    """A phrase in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The phrase in ``lang`` ("zh" or "en"; anything else is English)."""
        return self.zh if lang == "zh" else self.en

    def prefixed(self, zh: str, en: str) -> Text:
        """This text after a bilingual prefix (e.g. a line number)."""
        return Text(zh + self.zh, en + self.en)


def say(lang: str, zh: str, en: str) -> str:
    """``Text(zh, en).get(lang)``, for the many one-off labels of a view."""
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class Message:
    """A note with a stable English ``code`` and its text in both languages."""

    code: str
    text: Text

    def get(self, lang: str) -> str:
        """The text in ``lang``."""
        return self.text.get(lang)

    def to_dict(self) -> dict[str, str]:
        """Stable JSON form."""
        return {"code": self.code, "en": self.text.en, "zh": self.text.zh}
