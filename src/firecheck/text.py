"""Bilingual notes (warnings, assumptions) attached to parsed input and verdicts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """A note with a stable English ``code`` and its text in both languages."""

    code: str
    en: str
    zh: str

    def text(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, str]:
        """Stable JSON form."""
        return {"code": self.code, "en": self.en, "zh": self.zh}
