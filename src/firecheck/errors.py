"""Exception types that separate user mistakes from bad data files.

Every message exists in English and Chinese so the CLI can answer in the user's language.
"""

from __future__ import annotations


class FirecheckError(Exception):
    """Base class for every error firecheck reports without a traceback."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def text(self, lang: str) -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en


class InputError(FirecheckError):
    """The user's input (coordinate, date, activity, option) cannot be used."""


class DataError(FirecheckError):
    """A rules or zones data file is missing, malformed or inconsistent."""
