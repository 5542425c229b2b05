"""What the engine takes and gives: a :class:`Request`, where it lies (:class:`Location`),
and the :class:`Verdict` with its reasons, fines, hotlines and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from shapely.geometry.base import BaseGeometry

from ..geo.datum import Datum
from ..text import Message

if TYPE_CHECKING:
    from ..rules.activities import Activity
    from ..rules.model import Advice, Exception_, Fine, Hotline, Land, Provision, Rule
    from ..zones.model import Measure

Status = Literal["prohibited", "uncertain", "permit_required", "allowed", "out_of_scope"]
STATUSES: tuple[Status, ...] = ("allowed", "prohibited", "permit_required", "uncertain",
                                "out_of_scope")
SEVERITY: dict[str, int] = {"allowed": 0, "permit_required": 1, "uncertain": 2, "prohibited": 3}
Scope = Literal["inside", "near_boundary", "outside"]
Actor = Literal["individual", "unit"]


@dataclass(frozen=True)
class Request:
    """One question: may ``activity`` happen at (lat, lon) on ``day``?

    ``land`` and ``in_zones`` are facts the user states (the land type; the zones the place
    is inside, by designation) — recorded as stated, never as measured. With ``in_zones``
    the coordinates may be absent (``None``): the zones of the notice lie in the county.
    ``warnings`` are what the parsers noticed while reading the user's text (a swapped
    lon,lat, a place name's own position); they travel into the verdict."""

    lat: float | None
    lon: float | None
    day: date
    activity: str  # id or any alias
    datum: Datum = "wgs84"
    actor: Actor | None = None
    accuracy_m: float = 0.0  # how far the true position may be from (lat, lon)
    geometry: BaseGeometry | None = None  # a route or area in the request's datum, lon/lat
    warnings: tuple[Message, ...] = ()
    land: Land | None = None
    in_zones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Location:
    """Where a request lies: WGS-84 position, county scope and nearby mapped zones."""

    lat: float | None  # None: no coordinates, only stated zones
    lon: float | None
    accuracy_m: float
    county_edge_m: float | None  # signed: negative inside the county; None when not measured
    scope: Scope
    measures: tuple[Measure, ...]
    warnings: tuple[Message, ...]
    beyond: frozenset[str] = frozenset()  # unmapped designations a source bounds away from here


@dataclass(frozen=True)
class ZoneHit:
    """A zone a reason refers to, with the place's position relative to it."""

    id: str
    designation: str
    name_zh: str
    name_en: str
    position: Literal["inside", "buffer", "outside", "unknown"]
    edge_m: float | None  # signed distance to the zone edge; negative inside
    buffer_m: float | None
    accuracy_m: float | None
    completeness: str
    source: Literal["measured", "stated", "none"] = "measured"  # stated: the user said so


@dataclass(frozen=True)
class Reason:
    """Why a verdict is what it is: one rule (or the scope) applied to the place and day."""

    code: str
    effect: Status
    rule: Rule | None
    period: tuple[date, date] | None
    zones: tuple[ZoneHit, ...] = ()
    assumed_from: int | None = None
    basis: Provision | None = None  # the provision that decides on the stated land type
    exception: Exception_ | None = None  # what that provision allows this activity
    cases: tuple[LandCase, ...] = ()  # land type unknown: what each land type would give
    fines: tuple[Fine, ...] = ()  # the provisions that fine the conduct this reason is about


@dataclass(frozen=True)
class LandCase:
    """What a land-dependent rule gives on one land type."""

    land: Land
    effect: Status | Literal["not_applicable"]
    basis: Provision | None = None
    exception: Exception_ | None = None


@dataclass(frozen=True)
class Verdict:
    """The answer to a :class:`Request`."""

    status: Status
    request: Request
    activity: Activity
    place: Location
    reasons: tuple[Reason, ...]
    fines: tuple[Fine, ...]
    hotlines: tuple[Hotline, ...]
    assumptions: tuple[Message, ...]
    warnings: tuple[Message, ...]
    notes: tuple[Message, ...]
    rules_version: str
    zones_version: str
    duties: tuple[Advice, ...] = ()  # duties, alternatives and liabilities the sources state

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form, exactly as ``firecheck check --json`` prints it."""
        from ..views.json import verdict_dict  # the view depends on the model, not back

        return verdict_dict(self)


@dataclass(frozen=True)
class Span:
    """Consecutive days that share one verdict."""

    start: date
    end: date
    verdict: Verdict


@dataclass(frozen=True)
class RangeVerdict:
    """The answer for a range of days: runs of days that share a verdict, in order."""

    spans: tuple[Span, ...]

    @property
    def status(self) -> Status:
        """The strictest status of any day."""
        return worst([s.verdict.status for s in self.spans])

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form of a range (``check --date A..B --json``)."""
        from ..views.json import spans_dict

        return spans_dict(list(self.spans))


def worst(statuses: list[Status]) -> Status:
    """The most restrictive status; ``out_of_scope`` only when every day is out of scope."""
    ranked = [s for s in statuses if s in SEVERITY]
    return max(ranked, key=SEVERITY.__getitem__) if ranked else "out_of_scope"


def strictest(verdicts: list[Verdict]) -> Verdict:
    """The most restrictive verdict (the first of equals)."""
    return max(verdicts, key=lambda v: SEVERITY.get(v.status, -1))
