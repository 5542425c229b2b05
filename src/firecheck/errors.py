"""Exception types that separate user mistakes from bad data files.

Every message exists in Chinese and English (``InputError(zh, en)``, the order of
:class:`~firecheck.text.Text`), so each door — CLI, API, batch row, HTTP — answers in the
user's language.
"""

from __future__ import annotations

from .text import Text


class FirecheckError(Exception):
    """Base class for every error firecheck reports without a traceback."""

    kind = "error"

    def __init__(self, zh: str | Text, en: str | None = None, code: str | None = None) -> None:
        text = zh if isinstance(zh, Text) else Text(zh, en if en is not None else zh)
        super().__init__(text.en)
        self.text = text
        self.code = code or self.kind  # a stable machine code for programs

    def get(self, lang: str) -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.text.get(lang)

    def to_dict(self) -> dict[str, str]:
        """The error object of the JSON forms: ``{code, message_zh, message_en}``."""
        return {"code": self.code, "message_zh": self.text.zh, "message_en": self.text.en}


class InputError(FirecheckError):
    """The user's input (coordinate, date, activity, option, file) cannot be used."""

    kind = "input_error"


class DataError(FirecheckError):
    """A rules or zones data file is missing, malformed or inconsistent."""

    kind = "data_error"
