"""Exception types that separate user mistakes from bad data files.

Every message exists in Chinese and English (``InputError(zh, en)``, the order of
:class:`~firecheck.text.Text`), so each door — CLI, API, batch row, HTTP — answers in the
user's language.
"""

from __future__ import annotations

from .text import Text


class FirecheckError(Exception):
    """Base class for every error firecheck reports without a traceback."""

    def __init__(self, zh: str | Text, en: str | None = None) -> None:
        text = zh if isinstance(zh, Text) else Text(zh, en if en is not None else zh)
        super().__init__(text.en)
        self.text = text

    def get(self, lang: str) -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.text.get(lang)


class InputError(FirecheckError):
    """The user's input (coordinate, date, activity, option, file) cannot be used."""


class DataError(FirecheckError):
    """A rules or zones data file is missing, malformed or inconsistent."""
