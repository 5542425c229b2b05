"""Loading the cited TOML rules files into a validated :class:`RuleSet`.

Each TOML file is one source document (a notice, a regulation, a law) with the rules, fines
and hotlines it establishes; ``activities.toml`` holds the activity vocabulary. Everything
is checked on load: real dates, periods non-empty, in calendar order and not overlapping,
every item cited, references resolved, ids unique, aliases unambiguous.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..files import read_regular, write_atomically, write_error
from ..parse.dates import YEARS
from ..resources import RULES_DIR
from ..text import Text
from .activities import Activity, ActivityCatalog
from .model import (
    _LEAP_YEAR,
    ADVICE_KINDS,
    EFFECTS,
    EXCEPTION_EFFECTS,
    LAND_TYPES,
    LANDS,
    STATUSES,
    WHERE,
    Advice,
    Amount,
    Document,
    Exception_,
    Fine,
    Hotline,
    MonthDay,
    Period,
    Provision,
    Rule,
    RuleSet,
)


def load_rules(extra: Sequence[Path] = (), replace: Sequence[Path] | None = None) -> RuleSet:
    """Load the shipped rules (or exactly the files of ``replace``) plus ``extra``; each
    path is a ``*.toml`` file or a directory of them."""
    files: list[Path] = []
    for path in [*(replace if replace is not None else [RULES_DIR]), *extra]:
        if path.is_dir():
            files += sorted(path.glob("*.toml"))
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"找不到规则文件：{path}", f"rules path not found: {path}")
    if not files:
        raise DataError("未指定任何规则文件", "no rules files were given")
    return build_ruleset(files)


def export_rules(rules: RuleSet, directory: Path) -> None:
    """Copy the files a rule set was built from into ``directory`` (for later replay)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(directory, exc) from exc
    for path in rules.paths:
        target = directory / path.name
        data = read_regular(path, Text("规则文件", "rules file"), DataError)
        if target.exists() and (not target.is_file() or target.read_bytes() != data):
            raise DataError(f"{target} 已存在且内容不同；请选择空目录",
                            f"{target} exists with other content; choose an empty directory")
        write_atomically(target, lambda out, data=data: out.write(data))


def build_ruleset(files: Sequence[Path]) -> RuleSet:
    """Parse, cross-check and hash the given rules files."""
    digest = hashlib.sha256()
    parsed: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        raw = read_regular(path, Text("规则文件", "rules file"), DataError)
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DataError(f"{path.name}：不是有效的 UTF-8 TOML：{exc}",
                            f"{path.name}: not valid UTF-8 TOML: {exc}") from exc
        except RecursionError as exc:
            raise DataError(f"{path.name}：TOML 嵌套过深", f"{path.name}: TOML nested too deeply") \
                from exc
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
        self.raw_provisions: list[tuple[str, dict[str, Any]]] = []
        self.raw_advice: list[tuple[str, dict[str, Any]]] = []

    def add_document(self, name: str, data: dict[str, Any]) -> None:
        if data.get("schema") != 1:
            raise DataError(f"{name}：缺少 'schema = 1'", f"{name}: 'schema = 1' is required")
        if "document" not in data:
            return
        f = _Fields(name, "document", data["document"])
        doc = Document(
            id=f.text("id"), title_zh=f.text("title_zh"), title_en=f.text("title_en"),
            issuer_zh=f.text("issuer_zh"), issuer_en=f.text("issuer_en"),
            number=f.opt_text("number"), date=f.opt_date("date"),
            effective=f.opt_date("effective"), superseded=f.opt_date("superseded"),
            superseded_status=f.opt_choice("superseded_status", STATUSES),
            status=f.choice("status", STATUSES), source=f.text("source"), file=name,
            short_zh=f.opt_text("short_zh"), short_en=f.opt_text("short_en"),
        )
        if (doc.superseded is None) != (doc.superseded_status is None):
            f.fail("superseded_status", "须与 superseded 同时给出",
                   "must be given together with superseded")
        _unique(self.documents, doc.id, doc, name)
        self.file_doc[name] = doc

    def add_items(self, name: str, data: dict[str, Any]) -> None:
        known = {"schema", "document", "rules", "fines", "hotlines", "activities", "provisions",
                 "advice"}
        if unknown := set(data) - known:
            raise DataError(f"{name}：未知的顶层键 {sorted(unknown)}",
                            f"{name}: unknown top-level keys {sorted(unknown)}")
        needs_doc = any(k in data for k in ("rules", "fines", "hotlines", "provisions", "advice"))
        if needs_doc and name not in self.file_doc:
            raise DataError(f"{name}：规则、罚则和电话必须有 [document] 出处",
                            f"{name}: rules, fines and hotlines need a [document] to cite")
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
        for key, raw in (("provisions", self.raw_provisions), ("advice", self.raw_advice)):
            for i, item in enumerate(data.get(key, [])):
                raw.append((name, {"_where": f"{key}[{i}]", **item}))

    def finish(self, version: str, paths: tuple[Path, ...]) -> RuleSet:
        catalog = ActivityCatalog(self.activities)
        for activity in catalog:
            if activity.document not in self.documents:
                raise DataError(
                    f"活动 {activity.id!r} 引用了不存在的文件 {activity.document!r}",
                    f"activity {activity.id!r} cites unknown document {activity.document!r}",
                )
        for fine in self.fines.values():
            if fine.activities is not None and (unknown := fine.activities - set(catalog.by_id)):
                raise DataError(f"{fine.document.file}：罚则 {fine.id!r} 引用了未知活动 {sorted(unknown)}",
                                f"{fine.document.file}: fine {fine.id!r} names unknown activities "
                                f"{sorted(unknown)}")
        provisions: dict[str, Provision] = {}
        for name, item in self.raw_provisions:
            provision = _provision(_Fields(name, item.pop("_where"), item), self.file_doc[name],
                                   catalog)
            _unique(provisions, provision.id, provision, name)
        advice: dict[str, Advice] = {}
        for name, item in self.raw_advice:
            note = _advice(_Fields(name, item.pop("_where"), item), self.file_doc[name], catalog)
            _unique(advice, note.id, note, name)
        rules: dict[str, Rule] = {}
        for name, item in self.raw_rules:
            rule = self._rule(name, item, catalog, provisions, advice)
            _unique(rules, rule.id, rule, name)
        _check_series(list(rules.values()))
        return RuleSet(self.documents, tuple(rules.values()), self.fines, self.hotlines,
                       catalog, version, provisions, advice, paths)

    def _rule(self, name: str, item: dict[str, Any], catalog: ActivityCatalog,
              provisions: dict[str, Provision], advice: dict[str, Advice]) -> Rule:
        f = _Fields(name, item.pop("_where"), item)
        where = f.choice("where", WHERE)
        zones = tuple(f.texts("zones", required=where != "county"))
        if where != "county" and not zones:
            f.fail("zones", "区域规则必须列出区域", "must list at least one zone for a zone rule")
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
            lands=_lands(f), basis=tuple(f.texts("basis")),
            stated_annual=f.flag("stated_annual"), advice=tuple(f.texts("advice")),
            summary_zh=f.opt_text("summary_zh"), summary_en=f.opt_text("summary_en"),
        )
        if (rule.summary_zh is None) != (rule.summary_en is None):
            f.fail("summary_en", "须与 summary_zh 同时给出", "must be given together with summary_zh")
        if rule.year is not None and not YEARS[0] <= rule.year <= YEARS[1]:
            f.fail("year", f"{rule.year} 不是可信的年份（{YEARS[0]}–{YEARS[1]}）",
                   f"{rule.year} is not a plausible year ({YEARS[0]}–{YEARS[1]})")
        if rule.basis and rule.lands is None:
            f.fail("basis", "须同时给出 lands（依据按地类决定效力）",
                   "needs lands (the basis decides the effect per land type)")
        if not rule.periods:
            f.fail("periods", "不能为空", "must not be empty")
        if [p.start for p in rule.periods] != sorted(p.start for p in rule.periods):
            f.fail("periods", "必须按日历顺序排列", "must be listed in calendar order")
        for day in _LEAP_YEAR:
            if sum(p.contains(day) for p in rule.periods) > 1:
                f.fail("periods", f"在 {day:%m-%d} 重叠", f"overlap on {day:%m-%d}")
        if len(rule.requirements_zh) != len(rule.requirements_en):
            f.fail("requirements_en", "必须与 requirements_zh 一一对应",
                   "must match requirements_zh item for item")
        for ref, table in (("fines", self.fines), ("hotlines", self.hotlines),
                           ("basis", provisions), ("advice", advice)):
            for rid in getattr(rule, ref):
                if rid not in table:
                    f.fail(ref, f"不存在的编号 {rid!r}", f"unknown id {rid!r}")
        for pid in rule.basis:
            if provisions[pid].land not in (rule.lands or ()):
                f.fail("basis", f"{pid!r} 的地类 {provisions[pid].land!r} 不在 lands 中",
                       f"{pid!r} is about {provisions[pid].land!r}, which lands does not list")
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
                f"{where} 在系列 {rule.series!r} 中年份 {rule.year or '常设'} 重复",
                f"{where} both give series {rule.series!r} for year {rule.year or 'standing'}",
            )
        seen[key] = rule
        first = kinds.setdefault(rule.series, rule)
        if first.kind != rule.kind:
            raise DataError(
                f"{rule.document.file}（{rule.id!r}）：系列 {rule.series!r} 已有类型 {first.kind!r}",
                f"{rule.document.file} ({rule.id!r}): series {rule.series!r} already has kind "
                f"{first.kind!r} ({first.document.file})",
            )


def _unique(table: dict[str, Any], key: str, value: Any, name: str) -> None:
    if key in table:
        raise DataError(f"{name}：编号 {key!r} 重复", f"{name}: id {key!r} is already defined")
    table[key] = value


def _activity_ids(f: _Fields, catalog: ActivityCatalog) -> frozenset[str]:
    ids: set[str] = set()
    for entry in f.texts("activities", required=True):
        if entry.startswith("@"):
            members = catalog.ids_in(entry[1:])
            if not members:
                f.fail("activities", f"未知类别 {entry!r}", f"unknown category {entry!r}")
            ids |= members
        elif entry in catalog.by_id:
            ids.add(entry)
        else:
            f.fail("activities", f"未知活动 {entry!r}", f"unknown activity {entry!r}")
    return frozenset(ids)


def _period(f: _Fields, i: int, item: Any) -> Period:
    if not isinstance(item, dict) or set(item) != {"start", "end"}:
        f.fail(f"periods[{i}]", "格式应为 {start = 'MM-DD', end = 'MM-DD'}",
               "must be {start = 'MM-DD', end = 'MM-DD'}")
    return Period(_month_day(f, i, item["start"]), _month_day(f, i, item["end"]))


def _month_day(f: _Fields, i: int, text: Any) -> MonthDay:
    try:
        month, day = (int(p) for p in str(text).split("-"))
        date(2000, month, day)  # a leap year, so 02-29 is a real month-day
    except ValueError:
        f.fail(f"periods[{i}]", f"{text!r} 不是有效的月-日", f"{text!r} is not a real MM-DD")
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
        activities=frozenset(f.texts("activities")) or None,
    )
    if fine.valid_from and fine.valid_to and fine.valid_from > fine.valid_to:
        f.fail("valid_to", "早于 valid_from", "is before valid_from")
    if fine.status != "unconfirmed" and not (fine.individual or fine.unit or fine.multiple_en):
        f.fail("individual", "已核实的罚则必须给出数额", "a confirmed fine needs an amount")
    return fine


def _lands(f: _Fields) -> tuple[Any, ...] | None:
    lands = tuple(f.texts("lands"))
    for land in lands:
        if land not in LANDS:
            f.fail("lands", f"未知地类 {land!r}（可用：{LANDS}）",
                   f"unknown land type {land!r} (one of {LANDS})")
    return lands or None


def _known_activities(f: _Fields, key: str, catalog: ActivityCatalog,
                      required: bool = False) -> frozenset[str] | None:
    ids = list(f.texts(key, required=required))
    for aid in ids:
        if aid not in catalog.by_id:
            f.fail(key, f"未知活动 {aid!r}", f"unknown activity {aid!r}")
    return frozenset(ids) if ids else None


def _provision(f: _Fields, doc: Document, catalog: ActivityCatalog) -> Provision:
    land = f.choice("land", LANDS)
    exceptions = []
    for i, item in enumerate(f.opt_items("exceptions")):
        e = _Fields(f.file, f"{f.where}.exceptions[{i}]", item)
        exceptions.append(Exception_(
            activities=_known_activities(e, "activities", catalog, required=True) or frozenset(),
            effect=e.choice("effect", EXCEPTION_EFFECTS), clause=e.text("clause"),
            text_zh=e.text("text_zh"), text_en=e.text("text_en")))
    provision = Provision(
        id=f.text("id"), document=doc, provision_zh=f.text("provision_zh"),
        provision_en=f.text("provision_en"), land=land, effect=f.choice("effect", EFFECTS),
        rule_zh=f.text("rule_zh"), rule_en=f.text("rule_en"), exceptions=tuple(exceptions),
        valid_from=f.opt_date("valid_from"), valid_to=f.opt_date("valid_to"),
        status=f.choice("status", STATUSES), note_zh=f.opt_text("note_zh"),
        note_en=f.opt_text("note_en"), source=f.text("source"))
    if provision.valid_from and provision.valid_to and provision.valid_from > provision.valid_to:
        f.fail("valid_to", "早于 valid_from", "is before valid_from")
    return provision


def _advice(f: _Fields, doc: Document, catalog: ActivityCatalog) -> Advice:
    return Advice(id=f.text("id"), kind=f.choice("kind", ADVICE_KINDS), document=doc,
                  clause=f.text("clause"), text_zh=f.text("text_zh"), text_en=f.text("text_en"),
                  activities=_known_activities(f, "activities", catalog))


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
            raise DataError(f"{file}：{where} 必须是表", f"{file}: {where} must be a table")
        self.file, self.where, self.data = file, where, data
        self.label = f"{file}: {where}" + (f" (id {data['id']!r})" if "id" in data else "")

    def fail(self, key: str, zh: str, en: str) -> Any:
        raise DataError(f"{self.label}：{key} {zh}", f"{self.label}: {key} {en}")

    def _get(self, key: str, kind: type | tuple[type, ...], required: bool) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, "为必填项", "is required")
            return None
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, f"类型错误（{type(value).__name__}）",
                      f"has the wrong type ({type(value).__name__})")
        return value

    def text(self, key: str) -> str:
        value = self._get(key, str, True)
        if not value.strip():
            self.fail(key, "不能为空", "must not be empty")
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
            self.fail(key, "必须是日期而非日期时间", "must be a date (YYYY-MM-DD), not a date-time")
        return value

    def items(self, key: str) -> list[Any]:
        return self._get(key, list, True)

    def texts(self, key: str, required: bool = False) -> Iterable[str]:
        values = self._get(key, list, required) or []
        if not all(isinstance(v, str) and v for v in values):
            self.fail(key, "必须是非空字符串列表", "must be a list of non-empty strings")
        return values

    def choice(self, key: str, allowed: tuple[str, ...]) -> Any:
        value = self.text(key)
        if value not in allowed:
            self.fail(key, f"必须是 {allowed} 之一，而不是 {value!r}",
                      f"must be one of {allowed}, not {value!r}")
        return value

    def opt_choice(self, key: str, allowed: tuple[str, ...]) -> Any:
        return None if key not in self.data else self.choice(key, allowed)

    def opt_items(self, key: str) -> list[Any]:
        return self._get(key, list, False) or []

    def table(self, key: str) -> dict[str, Any]:
        return self._get(key, dict, True)

    def amount(self, key: str) -> Amount | None:
        value = self._get(key, dict, False)
        if value is None:
            return None
        low, high = value.get("min"), value.get("max")
        for bound in (low, high):
            if bound is not None and (not isinstance(bound, int) or bound < 0):
                self.fail(key, "上下限须为非负整数（元）", "bounds must be non-negative integers (yuan)")
        if low is not None and high is not None and low > high:
            self.fail(key, f"下限 {low} 高于上限 {high}", f"min {low} is above max {high}")
        if set(value) - {"min", "max"} or (low is None and high is None):
            self.fail(key, "格式应为 {min = N, max = M}", "must be {min = N, max = M}")
        return Amount(low, high)
