"""The rules model: source documents, dated rules, fines and hotlines, and the choice of
the rules in force on a day.

Rules that replace each other year by year share a ``series``: for a given day the rule of
that year wins, an earlier annual notice marked ``recurs_assumed`` is reused (and flagged as
an assumption), and otherwise a standing rule (no ``year``) in force that day applies.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from ..text import Message, Text
from .activities import ActivityCatalog

Effect = Literal["prohibited", "permit_required", "uncertain", "allowed"]
Where = Literal["zones_and_buffer", "zones", "county"]
Land = Literal["forest", "grassland", "farmland", "built-up", "water"]
EFFECTS: tuple[str, ...] = ("prohibited", "permit_required", "uncertain")
EXCEPTION_EFFECTS: tuple[str, ...] = ("permit_required", "allowed")
WHERE: tuple[str, ...] = ("zones_and_buffer", "zones", "county")
STATUSES = ("verified", "secondary", "unconfirmed")
LANDS: tuple[Land, ...] = ("forest", "grassland", "farmland", "built-up", "water")
LAND_TYPES = ("forest", "grassland", "any")  # what a fine provision covers
ADVICE_KINDS = ("duty", "alternative", "liability", "report")
MonthDay = tuple[int, int]
_LEAP_YEAR = [date(2000, 1, 1) + timedelta(days=i) for i in range(366)]


@dataclass(frozen=True)
class Document:
    """A source document: who issued it, when, and how well it is known."""

    id: str
    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str
    number: str | None
    date: date | None
    effective: date | None
    superseded: date | None  # replaced by a later act from this day
    superseded_status: str | None  # how well that is known (verified/secondary/unconfirmed)
    status: str
    source: str
    file: str
    short_zh: str | None = None  # how answers cite it in a line (else the title)
    short_en: str | None = None

    @property
    def short(self) -> Text:
        """The document's short name."""
        return Text(self.short_zh or self.title_zh, self.short_en or self.title_en)


@dataclass(frozen=True)
class Period:
    """An annual span of month-days, inclusive; ``start > end`` wraps over New Year."""

    start: MonthDay
    end: MonthDay

    @property
    def wraps(self) -> bool:
        return self.start > self.end

    def contains(self, day: date) -> bool:
        md = (day.month, day.day)
        if self.wraps:
            return md >= self.start or md <= self.end
        return self.start <= md <= self.end

    def dates_around(self, day: date) -> tuple[date, date]:
        """The concrete first and last day of the occurrence that contains ``day``."""
        year = day.year
        if self.wraps:
            first_year = year if (day.month, day.day) >= self.start else year - 1
            return _md_date(first_year, self.start), _md_date(first_year + 1, self.end)
        return _md_date(year, self.start), _md_date(year, self.end)

    def occurrences(self, year: int) -> list[tuple[date, date]]:
        """Concrete first/last days of every occurrence that overlaps ``year``."""
        if self.wraps:
            return [(_md_date(year - 1, self.start), _md_date(year, self.end)),
                    (_md_date(year, self.start), _md_date(year + 1, self.end))]
        return [(_md_date(year, self.start), _md_date(year, self.end))]

    def label(self) -> str:
        """'MM-DD..MM-DD' as written in the rules file."""
        return f"{self.start[0]:02d}-{self.start[1]:02d}..{self.end[0]:02d}-{self.end[1]:02d}"


def _md_date(year: int, md: MonthDay) -> date:
    """Month-day in ``year``; 29 Feb falls back to 28 Feb in common years. The years either
    side of the calendar (0 and 10000, reached by periods over New Year) clip to its ends."""
    if not date.min.year <= year <= date.max.year:
        return date.min if year < date.min.year else date.max
    month, day = md
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


@dataclass(frozen=True)
class Rule:
    """One dated, cited rule: where and when it bans or conditions which activities."""

    id: str
    kind: str
    series: str
    document: Document
    clause: str
    title_zh: str
    title_en: str
    periods: tuple[Period, ...]
    activities: frozenset[str]
    where: Where
    zones: tuple[str, ...]
    effect: Effect
    year: int | None
    recurs_assumed: bool
    valid_from: date | None
    valid_to: date | None
    inference: bool
    requirements_zh: tuple[str, ...]
    requirements_en: tuple[str, ...]
    condition_zh: str | None
    condition_en: str | None
    note_zh: str | None
    note_en: str | None
    fines: tuple[str, ...]
    hotlines: tuple[str, ...]
    lands: tuple[Land, ...] | None = None  # the land types it applies on (None: any)
    basis: tuple[str, ...] = ()  # provisions whose effect on each land type decides
    stated_annual: bool = False  # the source states the period as annual: it applies
    # to earlier dates too (flagged as an assumption)
    advice: tuple[str, ...] = ()
    summary_zh: str | None = None  # the one sentence an answer's first line gives
    summary_en: str | None = None

    def period_on(self, day: date) -> Period | None:
        """The period of this rule that contains ``day`` (month-days only)."""
        return next((p for p in self.periods if p.contains(day)), None)

    def in_force(self, day: date) -> bool:
        """Within ``valid_from``..``valid_to`` (standing rules)."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class Amount:
    """A fine range in yuan; either end may be open."""

    min: int | None
    max: int | None


@dataclass(frozen=True)
class Fine:
    """A penalty provision with its amounts, dates of force and how well it is confirmed."""

    id: str
    document: Document
    provision_zh: str
    provision_en: str
    conduct_zh: str
    conduct_en: str
    condition_zh: str | None
    condition_en: str | None
    land_type: str
    valid_from: date | None
    valid_to: date | None
    individual: Amount | None
    unit: Amount | None
    multiple_zh: str | None
    multiple_en: str | None
    also_zh: str | None
    also_en: str | None
    enforcer_zh: str | None
    enforcer_en: str | None
    status: str
    note_zh: str | None
    note_en: str | None
    source: str
    activities: frozenset[str] | None = None  # None: every activity of the rule

    def in_force(self, day: date) -> bool:
        """True when an act on ``day`` falls under this provision (行政处罚法 Art. 37)."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


def fine_span(fines: Iterable[Fine], actor: str) -> Amount | Literal["pending"] | None:
    """The range in yuan over the provisions that apply without a further condition and
    set an amount for ``actor`` ("individual" or "unit"): "pending" when only unconfirmed
    ones apply, None when none does."""
    unconditional = [f for f in fines if not f.condition_en]
    amounts = [a for f in unconditional if (a := getattr(f, actor)) is not None]
    if amounts:
        lows = [a.min for a in amounts if a.min is not None]
        highs = [a.max for a in amounts if a.max is not None]
        return Amount(min(lows) if lows else 0, max(highs) if len(highs) == len(amounts) else None)
    if any(f.status == "unconfirmed" for f in unconditional):
        return "pending"
    return None


@dataclass(frozen=True)
class Exception_:
    """What a provision allows despite its ban, for the activities that can be such a
    case (e.g. production fire on grassland with approval)."""

    activities: frozenset[str]
    effect: Effect  # permit_required or allowed (with conditions)
    clause: str
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class Provision:
    """A legal provision that decides, for one land type, what a rule's period means for
    outdoor fire (e.g. 森林防火条例 Art. 25: prohibited in forest fire-prevention areas)."""

    id: str
    document: Document
    provision_zh: str
    provision_en: str
    land: Land
    effect: Effect
    rule_zh: str
    rule_en: str
    exceptions: tuple[Exception_, ...]
    valid_from: date | None
    valid_to: date | None
    status: str
    note_zh: str | None
    note_en: str | None
    source: str

    def in_force(self, day: date) -> bool:
        """True when an act on ``day`` falls under this provision."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    def exception_for(self, activity: str) -> Exception_ | None:
        """The exception an activity can claim, if any."""
        return next((e for e in self.exceptions if activity in e.activities), None)


@dataclass(frozen=True)
class Advice:
    """A duty, an alternative, a liability or a reporting line a notice states, shown with
    the answers it belongs to."""

    id: str
    kind: str
    document: Document
    clause: str
    text_zh: str
    text_en: str
    activities: frozenset[str] | None  # None: with every activity of the rule


@dataclass(frozen=True)
class Hotline:
    """A telephone number a notice publishes, dialable as written here."""

    id: str
    number: str
    printed: str | None
    name_zh: str
    name_en: str
    document: Document
    clause: str
    note_en: str | None


@dataclass(frozen=True)
class Selected:
    """A rule chosen for a day; ``assumed_from`` is set when reused from an earlier year."""

    rule: Rule
    assumed_from: int | None = None


@dataclass(frozen=True)
class RuleSet:
    """Everything loaded from the rules files, plus their content hash."""

    documents: dict[str, Document]
    rules: tuple[Rule, ...]
    fines: dict[str, Fine]
    hotlines: dict[str, Hotline]
    activities: ActivityCatalog
    version: str
    provisions: dict[str, Provision]
    advice: dict[str, Advice]
    paths: tuple[Path, ...]
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def files(self) -> tuple[str, ...]:
        """Names of the files the rules came from."""
        return tuple(p.name for p in self.paths)

    def select(self, day: date, activity: str) -> tuple[list[Selected], list[Message]]:
        """Rules covering ``activity`` that are in force on ``day``, one per series.

        Also returns notes for series that have no rule for ``day`` (no notice for that year,
        or a standing rule not yet in force).
        """
        key = (day.year, activity, self._breakpoint(day, activity))
        if key not in self._cache:
            chosen: list[Selected] = []
            notes: list[Message] = []
            for series, members in self._series(activity).items():
                pick, note = _pick(series, members, day)
                chosen += pick
                notes += note
            self._cache[key] = (tuple(chosen), tuple(notes))
        chosen_t, notes_t = self._cache[key]
        return list(chosen_t), list(notes_t)

    def _breakpoint(self, day: date, activity: str) -> int:
        """How many validity boundaries of the activity's rules lie on or before ``day``:
        days with equal year and equal count select the same rules."""
        bounds = self._cache.get(("bounds", activity))
        if bounds is None:
            edges = {d for r in self.rules if activity in r.activities
                     for d in (r.valid_from, r.valid_to and r.valid_to + timedelta(days=1))
                     if d is not None}
            bounds = self._cache[("bounds", activity)] = sorted(edges)
        return bisect.bisect_right(bounds, day)

    def select_year(self, year: int) -> list[Selected]:
        """One rule per series for ``year``, whatever the activity (for calendars)."""
        end = date(year, 12, 31)
        return [s for series, members in self._series().items()
                for s in _pick(series, members, end)[0]]

    def _series(self, activity: str | None = None) -> dict[str, list[Rule]]:
        grouped: dict[str, list[Rule]] = {}
        for rule in self.rules:
            if activity is None or activity in rule.activities:
                grouped.setdefault(rule.series, []).append(rule)
        return grouped


def _pick(series: str, members: list[Rule], day: date) -> tuple[list[Selected], list[Message]]:
    """Apply the series precedence for one day (see the module docstring)."""
    own = [r for r in members if r.year == day.year and r.in_force(day)]
    if own:
        return [Selected(r) for r in own], []
    earlier = [r for r in members if r.year is not None and r.year < day.year and r.recurs_assumed]
    if earlier:
        latest = max(r.year or 0 for r in earlier)
        picked = [r for r in earlier if r.year == latest]
        return [Selected(r, assumed_from=latest) for r in picked], []
    standing = [r for r in members if r.year is None and r.in_force(day)]
    if standing:
        return [Selected(r) for r in standing], []
    later = [r for r in members if r.year is not None and r.year > day.year and r.recurs_assumed]
    if later:
        first = min(r.year or 0 for r in later)
        return [], [
            Message("no_notice_for_year", Text(
                f"{series}：未载入{day.year}年通告；{first}年通告不适用于此前年份。",
                f"{series}: no notice loaded for {day.year}; the {first} notice is not "
                "applied to earlier years."))
        ]
    pending = [r for r in members if r.year is None and r.valid_from and day < r.valid_from]
    return [], [
        Message("rule_not_in_force", Text(
            f"{r.title_zh}——自{r.valid_from}（出处日期）起才适用。",
            f"{r.title_en} — applies only from {r.valid_from} (the date of its source)."))
        for r in pending
    ]
