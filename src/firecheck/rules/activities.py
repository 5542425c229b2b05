"""Activity vocabulary: canonical ids, bilingual names and the aliases users type."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import DataError, InputError
from ..text import Text

CATEGORIES = ("fire_use", "entry")
_SEPARATORS = re.compile(r"[\s\-_·・/]+")


def normalize(text: str) -> str:
    """Fold width (NFKC), case and separators so 'Sky-Lantern' == 'ｓｋｙ lantern'."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Activity:
    """One activity a user can ask about, and the notice term that names it."""

    id: str
    category: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    document: str
    clause: str

    @property
    def name(self) -> Text:
        """Display name in both languages."""
        return Text(self.name_zh, self.name_en)


class ActivityCatalog:
    """Resolves what a user typed to exactly one :class:`Activity`."""

    def __init__(self, activities: Iterable[Activity]) -> None:
        self.by_id: dict[str, Activity] = {}
        self._index: dict[str, str] = {}
        for activity in activities:
            if activity.id in self.by_id:
                raise DataError(f"活动编号 {activity.id!r} 重复定义",
                                f"activity id {activity.id!r} is defined twice")
            if activity.category not in CATEGORIES:
                raise DataError(f"活动 {activity.id!r} 的类别必须是 {CATEGORIES} 之一",
                                f"activity {activity.id!r}: category must be one of {CATEGORIES}")
            self.by_id[activity.id] = activity
            for key in {normalize(k) for k in (activity.id, *activity.aliases)}:
                owner = self._index.setdefault(key, activity.id)
                if owner != activity.id:
                    raise DataError(
                        f"别名 {key!r} 有歧义：同时指向 {owner!r} 和 {activity.id!r}",
                        f"alias {key!r} is ambiguous: it names both {owner!r} and {activity.id!r}",
                    )

    def __iter__(self):
        return iter(self.by_id.values())

    def ids_in(self, category: str) -> frozenset[str]:
        """Ids of every activity of ``category``."""
        return frozenset(a.id for a in self.by_id.values() if a.category == category)

    def resolve(self, text: str) -> Activity:
        """The activity ``text`` names, or an :class:`InputError` listing the closest matches."""
        key = normalize(text)
        if key in self._index:
            return self.by_id[self._index[key]]
        suggestions = self.suggest(key)
        hint_en = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        hint_zh = f" 是否要找：{'、'.join(suggestions)}？" if suggestions else ""
        raise InputError(
            f"无法识别的活动 {text!r}。{hint_zh} 运行 'firecheck activities' 查看全部活动。",
            f"unknown activity {text!r}.{hint_en} Run 'firecheck activities' for the full list.",
            code="unknown_activity",
        )

    def suggest(self, key: str, limit: int = 5) -> list[str]:
        """Closest aliases to a normalised key, as 'alias (id)'."""
        keys = list(self._index)
        close = difflib.get_close_matches(key, keys, n=limit, cutoff=0.5)
        if key:
            close += [k for k in keys if (key in k or k in key) and k not in close]
        return [f"{k} ({self._index[k]})" for k in close[:limit]]
