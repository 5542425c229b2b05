"""Rules as data: load the cited TOML rule files into typed, validated objects.

Each TOML file is one source document (a notice, a regulation, a law) with the rules, fines
and hotlines it establishes; ``activities.toml`` holds the activity vocabulary. Rules that
replace each other year by year share a ``series``: for a given day the rule of that year
wins, an earlier annual notice marked ``recurs_assumed`` is reused (and flagged as an
assumption), and otherwise a standing rule (no ``year``) in force that day applies.
"""

from __future__ import annotations

import bisect
import hashlib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from .activities import Activity, ActivityCatalog
from .errors import DataError
from .messages import Message

Effect = Literal["prohibited", "permit_required", "uncertain"]
Where = Literal["zones_and_buffer", "zones", "county"]
EFFECTS: tuple[str, ...] = ("prohibited", "permit_required", "uncertain")
WHERE: tuple[str, ...] = ("zones_and_buffer", "zones", "county")
STATUSES = ("verified", "secondary", "unconfirmed")
LAND_TYPES = ("forest", "grassland", "any")
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
    repealed: date | None
    status: str
    source: str
    file: str


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

    def in_force(self, day: date) -> bool:
        """True when an act on ``day`` falls under this provision (行政处罚法 Art. 37)."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


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
        """How many validity boundaries of standing rules lie on or before ``day``: days
        with equal year and equal count select the same rules."""
        bounds = self._cache.get(("bounds", activity))
        if bounds is None:
            edges = {d for r in self.rules if activity in r.activities and r.year is None
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
    own = [r for r in members if r.year == day.year]
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
            Message(
                "no_notice_for_year",
                f"{series}: no notice loaded for {day.year}; the {first} notice is not "
                "applied to earlier years.",
                f"{series}：未载入{day.year}年通告；{first}年通告不适用于此前年份。",
            )
        ]
    pending = [r for r in members if r.year is None and r.valid_from and day < r.valid_from]
    return [], [
        Message(
            "rule_not_in_force",
            f"{r.title_en} — applies only from {r.valid_from} (the date of its source).",
            f"{r.title_zh}——自{r.valid_from}（出处日期）起才适用。",
        )
        for r in pending
    ]


# ---------------------------------------------------------------- loading and validation


def default_rules_dir() -> Path:
    """The rules directory shipped inside the package."""
    return Path(__file__).with_name("rules")


def load_rules(extra: Sequence[Path] = (), replace: Sequence[Path] | None = None) -> RuleSet:
    """Load the shipped rules (or exactly the files of ``replace``) plus ``extra``; each
    path is a ``*.toml`` file or a directory of them."""
    files: list[Path] = []
    for path in [*(replace if replace is not None else [default_rules_dir()]), *extra]:
        if path.is_dir():
            files += sorted(path.glob("*.toml"))
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"rules path not found: {path}", f"找不到规则文件：{path}")
    if not files:
        raise DataError("no rules files were given", "未指定任何规则文件")
    return build_ruleset(files)


def export_rules(rules: RuleSet, directory: Path) -> None:
    """Copy the files a rule set was built from into ``directory`` (for later replay)."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in rules.paths:
        target = directory / path.name
        if target.exists() and target.read_bytes() != path.read_bytes():
            raise DataError(f"{target} exists with other content; choose an empty directory",
                            f"{target} 已存在且内容不同；请选择空目录")
        target.write_bytes(path.read_bytes())


def build_ruleset(files: Sequence[Path]) -> RuleSet:
    """Parse, cross-check and hash the given rules files."""
    digest = hashlib.sha256()
    parsed: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DataError(f"{path.name}: not valid UTF-8 TOML: {exc}",
                            f"{path.name}：不是有效的 UTF-8 TOML：{exc}") from exc
        parsed.append((path.name, data))
    loader = _Loader()
    for name, data in parsed:
        loader.add_document(name, data)
    for name, data in parsed:
        loader.add_items(name, data)
    return loader.finish("sha256:" + digest.hexdigest(), tuple(files))


class _Loader:
    """Accumulates items across files, then resolves cross-references."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.file_doc: dict[str, Document] = {}
        self.raw_rules: list[tuple[str, dict[str, Any]]] = []
        self.fines: dict[str, Fine] = {}
        self.hotlines: dict[str, Hotline] = {}
        self.activities: list[Activity] = []

    def add_document(self, name: str, data: dict[str, Any]) -> None:
        if data.get("schema") != 1:
            raise DataError(f"{name}: 'schema = 1' is required", f"{name}：缺少 'schema = 1'")
        if "document" not in data:
            return
        f = _Fields(name, "document", data["document"])
        doc = Document(
            id=f.text("id"), title_zh=f.text("title_zh"), title_en=f.text("title_en"),
            issuer_zh=f.text("issuer_zh"), issuer_en=f.text("issuer_en"),
            number=f.opt_text("number"), date=f.opt_date("date"),
            effective=f.opt_date("effective"), repealed=f.opt_date("repealed"),
            status=f.choice("status", STATUSES), source=f.text("source"), file=name,
        )
        _unique(self.documents, doc.id, doc, name)
        self.file_doc[name] = doc

    def add_items(self, name: str, data: dict[str, Any]) -> None:
        known = {"schema", "document", "rules", "fines", "hotlines", "activities"}
        if unknown := set(data) - known:
            raise DataError(f"{name}: unknown top-level keys {sorted(unknown)}",
                            f"{name}：未知的顶层键 {sorted(unknown)}")
        needs_doc = any(k in data for k in ("rules", "fines", "hotlines"))
        if needs_doc and name not in self.file_doc:
            raise DataError(f"{name}: rules, fines and hotlines need a [document] to cite",
                            f"{name}：规则、罚则和电话必须有 [document] 出处")
        for i, item in enumerate(data.get("rules", [])):
            self.raw_rules.append((name, {"_where": f"rules[{i}]", **item}))
        for i, item in enumerate(data.get("fines", [])):
            fine = _fine(_Fields(name, f"fines[{i}]", item), self.file_doc[name])
            _unique(self.fines, fine.id, fine, name)
        for i, item in enumerate(data.get("hotlines", [])):
            f = _Fields(name, f"hotlines[{i}]", item)
            line = Hotline(
                id=f.text("id"), number=f.text("number"), printed=f.opt_text("printed"),
                name_zh=f.text("name_zh"), name_en=f.text("name_en"),
                document=self.file_doc[name], clause=f.text("clause"),
                note_en=f.opt_text("note_en"),
            )
            _unique(self.hotlines, line.id, line, name)
        for i, item in enumerate(data.get("activities", [])):
            self.activities.append(_activity(_Fields(name, f"activities[{i}]", item)))

    def finish(self, version: str, paths: tuple[Path, ...]) -> RuleSet:
        catalog = ActivityCatalog(self.activities)
        for activity in catalog:
            if activity.document not in self.documents:
                raise DataError(
                    f"activity {activity.id!r} cites unknown document {activity.document!r}",
                    f"活动 {activity.id!r} 引用了不存在的文件 {activity.document!r}",
                )
        rules: dict[str, Rule] = {}
        for name, item in self.raw_rules:
            rule = self._rule(name, item, catalog)
            _unique(rules, rule.id, rule, name)
        _check_series(list(rules.values()))
        return RuleSet(self.documents, tuple(rules.values()), self.fines, self.hotlines,
                       catalog, version, paths)

    def _rule(self, name: str, item: dict[str, Any], catalog: ActivityCatalog) -> Rule:
        f = _Fields(name, item.pop("_where"), item)
        where = f.choice("where", WHERE)
        zones = tuple(f.texts("zones", required=where != "county"))
        if where != "county" and not zones:
            f.fail("zones", "must list at least one zone for a zone rule", "区域规则必须列出区域")
        rule = Rule(
            id=f.text("id"), kind=f.text("kind"), series=f.text("series"),
            document=self.file_doc[name], clause=f.text("clause"),
            title_zh=f.text("title_zh"), title_en=f.text("title_en"),
            periods=tuple(_period(f, i, p) for i, p in enumerate(f.items("periods"))),
            activities=_activity_ids(f, catalog), where=where, zones=zones,
            effect=f.choice("effect", EFFECTS), year=f.opt_int("year"),
            recurs_assumed=f.flag("recurs_assumed"), valid_from=f.opt_date("valid_from"),
            valid_to=f.opt_date("valid_to"), inference=f.flag("inference"),
            requirements_zh=tuple(f.texts("requirements_zh")),
            requirements_en=tuple(f.texts("requirements_en")),
            condition_zh=f.opt_text("condition_zh"), condition_en=f.opt_text("condition_en"),
            note_zh=f.opt_text("note_zh"), note_en=f.opt_text("note_en"),
            fines=tuple(f.texts("fines")), hotlines=tuple(f.texts("hotlines")),
        )
        if not rule.periods:
            f.fail("periods", "must not be empty", "不能为空")
        if [p.start for p in rule.periods] != sorted(p.start for p in rule.periods):
            f.fail("periods", "must be listed in calendar order", "必须按日历顺序排列")
        for day in _LEAP_YEAR:
            if sum(p.contains(day) for p in rule.periods) > 1:
                f.fail("periods", f"overlap on {day:%m-%d}", f"在 {day:%m-%d} 重叠")
        if len(rule.requirements_zh) != len(rule.requirements_en):
            f.fail("requirements_en", "must match requirements_zh item for item",
                   "必须与 requirements_zh 一一对应")
        for ref, table in (("fines", self.fines), ("hotlines", self.hotlines)):
            for rid in getattr(rule, ref):
                if rid not in table:
                    f.fail(ref, f"unknown id {rid!r}", f"不存在的编号 {rid!r}")
        return rule


def _check_series(rules: list[Rule]) -> None:
    """One rule per series and year, one standing rule per series, one kind per series."""
    seen: dict[tuple[str, int | None], Rule] = {}
    kinds: dict[str, Rule] = {}
    for rule in rules:
        key = (rule.series, rule.year)
        if key in seen:
            other = seen[key]
            where = f"{other.document.file} ({other.id!r}) and {rule.document.file} ({rule.id!r})"
            raise DataError(
                f"{where} both give series {rule.series!r} for year {rule.year or 'standing'}",
                f"{where} 在系列 {rule.series!r} 中年份 {rule.year or '常设'} 重复",
            )
        seen[key] = rule
        first = kinds.setdefault(rule.series, rule)
        if first.kind != rule.kind:
            raise DataError(
                f"{rule.document.file} ({rule.id!r}): series {rule.series!r} already has kind "
                f"{first.kind!r} ({first.document.file})",
                f"{rule.document.file}（{rule.id!r}）：系列 {rule.series!r} 已有类型 {first.kind!r}",
            )


def _unique(table: dict[str, Any], key: str, value: Any, name: str) -> None:
    if key in table:
        raise DataError(f"{name}: id {key!r} is already defined", f"{name}：编号 {key!r} 重复")
    table[key] = value


def _activity_ids(f: _Fields, catalog: ActivityCatalog) -> frozenset[str]:
    ids: set[str] = set()
    for entry in f.texts("activities", required=True):
        if entry.startswith("@"):
            members = catalog.ids_in(entry[1:])
            if not members:
                f.fail("activities", f"unknown category {entry!r}", f"未知类别 {entry!r}")
            ids |= members
        elif entry in catalog.by_id:
            ids.add(entry)
        else:
            f.fail("activities", f"unknown activity {entry!r}", f"未知活动 {entry!r}")
    return frozenset(ids)


def _period(f: _Fields, i: int, item: Any) -> Period:
    if not isinstance(item, dict) or set(item) != {"start", "end"}:
        f.fail(f"periods[{i}]", "must be {start = 'MM-DD', end = 'MM-DD'}",
               "格式应为 {start = 'MM-DD', end = 'MM-DD'}")
    return Period(_month_day(f, i, item["start"]), _month_day(f, i, item["end"]))


def _month_day(f: _Fields, i: int, text: Any) -> MonthDay:
    try:
        month, day = (int(p) for p in str(text).split("-"))
        date(2000, month, day)  # a leap year, so 02-29 is a real month-day
    except ValueError:
        f.fail(f"periods[{i}]", f"{text!r} is not a real MM-DD", f"{text!r} 不是有效的月-日")
    return month, day


def _fine(f: _Fields, doc: Document) -> Fine:
    fine = Fine(
        id=f.text("id"), document=doc, provision_zh=f.text("provision_zh"),
        provision_en=f.text("provision_en"), conduct_zh=f.text("conduct_zh"),
        conduct_en=f.text("conduct_en"), condition_zh=f.opt_text("condition_zh"),
        condition_en=f.opt_text("condition_en"), land_type=f.choice("land_type", LAND_TYPES),
        valid_from=f.opt_date("valid_from"), valid_to=f.opt_date("valid_to"),
        individual=f.amount("individual"), unit=f.amount("unit"),
        multiple_zh=f.opt_text("multiple_zh"), multiple_en=f.opt_text("multiple_en"),
        also_zh=f.opt_text("also_zh"), also_en=f.opt_text("also_en"),
        enforcer_zh=f.opt_text("enforcer_zh"), enforcer_en=f.opt_text("enforcer_en"),
        status=f.choice("status", STATUSES), note_zh=f.opt_text("note_zh"),
        note_en=f.opt_text("note_en"), source=f.text("source"),
    )
    if fine.valid_from and fine.valid_to and fine.valid_from > fine.valid_to:
        f.fail("valid_to", "is before valid_from", "早于 valid_from")
    if fine.status != "unconfirmed" and not (fine.individual or fine.unit or fine.multiple_en):
        f.fail("individual", "a confirmed fine needs an amount", "已核实的罚则必须给出数额")
    return fine


def _activity(f: _Fields) -> Activity:
    cited = f.table("cited")
    return Activity(
        id=f.text("id"), category=f.text("category"), name_zh=f.text("name_zh"),
        name_en=f.text("name_en"), aliases=tuple(f.texts("aliases", required=True)),
        document=str(cited.get("document", "")), clause=str(cited.get("clause", "")),
    )


class _Fields:
    """Typed access to one TOML table, with messages that say file, item and key."""

    def __init__(self, file: str, where: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise DataError(f"{file}: {where} must be a table", f"{file}：{where} 必须是表")
        self.file, self.where, self.data = file, where, data
        self.label = f"{file}: {where}" + (f" (id {data['id']!r})" if "id" in data else "")

    def fail(self, key: str, en: str, zh: str) -> Any:
        raise DataError(f"{self.label}: {key} {en}", f"{self.label}：{key} {zh}")

    def _get(self, key: str, kind: type | tuple[type, ...], required: bool) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, "is required", "为必填项")
            return None
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, f"has the wrong type ({type(value).__name__})",
                      f"类型错误（{type(value).__name__}）")
        return value

    def text(self, key: str) -> str:
        value = self._get(key, str, True)
        if not value.strip():
            self.fail(key, "must not be empty", "不能为空")
        return value

    def opt_text(self, key: str) -> str | None:
        return self._get(key, str, False)

    def opt_int(self, key: str) -> int | None:
        return self._get(key, int, False)

    def flag(self, key: str) -> bool:
        return bool(self._get(key, bool, False))

    def opt_date(self, key: str) -> date | None:
        value = self._get(key, date, False)
        if value is not None and type(value) is not date:
            self.fail(key, "must be a date (YYYY-MM-DD), not a date-time", "必须是日期而非日期时间")
        return value

    def items(self, key: str) -> list[Any]:
        return self._get(key, list, True)

    def texts(self, key: str, required: bool = False) -> Iterable[str]:
        values = self._get(key, list, required) or []
        if not all(isinstance(v, str) and v for v in values):
            self.fail(key, "must be a list of non-empty strings", "必须是非空字符串列表")
        return values

    def choice(self, key: str, allowed: tuple[str, ...]) -> Any:
        value = self.text(key)
        if value not in allowed:
            self.fail(key, f"must be one of {allowed}, not {value!r}",
                      f"必须是 {allowed} 之一，而不是 {value!r}")
        return value

    def table(self, key: str) -> dict[str, Any]:
        return self._get(key, dict, True)

    def amount(self, key: str) -> Amount | None:
        value = self._get(key, dict, False)
        if value is None:
            return None
        low, high = value.get("min"), value.get("max")
        for bound in (low, high):
            if bound is not None and (not isinstance(bound, int) or bound < 0):
                self.fail(key, "bounds must be non-negative integers (yuan)", "上下限须为非负整数（元）")
        if low is not None and high is not None and low > high:
            self.fail(key, f"min {low} is above max {high}", f"下限 {low} 高于上限 {high}")
        if set(value) - {"min", "max"} or (low is None and high is None):
            self.fail(key, "must be {min = N, max = M}", "格式应为 {min = N, max = M}")
        return Amount(low, high)
