"""The result columns of a batch, in one of three forms over the same answers:

- ``csv``: stable English keys, flat text (``a;b`` lists, ``200-5000`` fines) for scripts;
- ``json``: the same keys with native types (arrays, numbers, ``{min, max, pending}``
  fines, an ``error`` object, ``null`` for "not applicable") and a ``schema`` id per row;
- ``sheet``: headers and values in the user's language (结论, 依据, 说明 …) for an official's
  Excel sheet — statuses, reasons and what to do in words.

Input columns always come first; a result column whose name an input column already has is
renamed ``firecheck_NAME`` (then ``firecheck_NAME_2`` …).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from .. import kernels
from ..engine.model import Verdict
from ..rules.model import Amount
from ..text import Text
from ..views.words import action, fines_text, reasons_words
from ..zones.model import ZoneSet
from .answers import Answer
from .arrow import factorize
from .engine import Outcome
from .readers.source import Chunk
from .requests import Requests
from .sheet import FILLS

Form = Literal["csv", "json", "sheet"]
ROW_SCHEMA = "firecheck/batch-row/1"
KEYS = ("status", "reasons", "zone_ids", "distance_m", "fine_individual_yuan", "fine_unit_yuan",
        "hotline", "date_used", "warnings", "error")
SHEET = {  # result column -> header, in the order of a sheet
    "status": Text("结论", "Result"),
    "basis": Text("依据", "Basis"),
    "advice": Text("说明", "What to do"),
    "fines": Text("罚款", "Fine"),
    "hotline": Text("举报电话", "Hotline"),
    "date_used": Text("所用日期", "Date used"),
    "zones": Text("相关区域", "Zones"),
    "distance_m": Text("距边缘（米）", "Distance to edge (m)"),
    "warnings": Text("提示", "Notes"),
}
SHEET_STATUS = {
    "prohibited": Text("禁止", "Prohibited"),
    "permit_required": Text("须经批准", "Permit required"),
    "uncertain": Text("无法确定", "Uncertain"),
    "allowed": Text("未禁止", "Allowed"),
    "out_of_scope": Text("不在本县", "Out of scope"),
    "error": Text("错误", "Error"),
    "blank": Text("", ""),
}
ROW_NOTES = {  # warnings a row's own reading gives (the verdicts' own carry their text)
    "datum_converted": Text("坐标已从手机地图坐标系换算为 WGS-84",
                            "converted from a phone-map datum to WGS-84"),
    "swapped_lat_lon": Text("经纬度填反，已对调", "latitude and longitude were swapped back"),
    "year_assumed": Text("日期未写年份，按今年计", "the date gives no year: read as this year"),
    "place_name": Text("位置取自地名（地名表的点及其精度）",
                       "position from the place name (the gazetteer's point and its accuracy)"),
}


class Results:
    """Turns the engine's outcome for a chunk into the result columns of one form. Built
    once per run: the words of each answer are made once, when it first appears."""

    def __init__(self, form: Form, lang: str, zones: ZoneSet, fields: list[str],
                 for_excel: bool = False) -> None:
        self.form, self.lang, self.zones = form, lang, zones
        # A CSV for Excel (a sheet, or one with the BOM for Excel) is opened by Excel, which
        # runs a cell starting '=', '+', '@' or '-' (not a number) as a formula: such input
        # text gets a leading apostrophe.
        self.guard = for_excel
        keys = [*SHEET] if form == "sheet" else (["schema", *KEYS] if form == "json" else [*KEYS])
        shown = {k: SHEET[k].get(lang) if form == "sheet" else k for k in keys}
        self.names = _free_names(fields, shown)
        self.fields = fields
        self._per_answer: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._date_values: dict[int, Any] = {}  # of this form and language
        # (column, error, blank, type) -> (answers, their values and error, blank): reused
        # while a chunk's answers are among them.
        self._arrays: dict[tuple, tuple[int, pa.Array]] = {}
        self._zone_names = dict(zip(zones.mapped_ids(), zones.mapped_names(lang), strict=True))

    def colours(self) -> tuple[str, dict[str, str]] | None:
        """For a sheet: the status column and the fill of each status label."""
        if self.form != "sheet":
            return None
        return self.names["status"], {SHEET_STATUS[s].get(self.lang): fill
                                      for s, fill in FILLS.items()}

    @property
    def columns(self) -> list[str]:
        """The result columns' output names, in order."""
        return list(self.names.values())

    def table(self, chunk: Chunk, req: Requests, outcome: Outcome) -> pa.Table:
        """Every input field, in ``fields`` order (empty where a row lacks one), then the
        result columns."""
        self._extend(outcome.answers)
        group = outcome.group
        kind = np.where(group >= 0, group, np.where(req.blank if req.blank is not None
                                                    else False, -2, -1))
        present = set(chunk.table.column_names)
        columns: dict[str, Any] = {
            name: chunk.table[name] if name in present else pa.nulls(chunk.rows, pa.string())
            for name in self.fields}
        if self.guard:
            columns = {name: _defused(column) for name, column in columns.items()}
        results = self._sheet(chunk, req, outcome, kind) if self.form == "sheet" else \
            self._keys(chunk, req, outcome, kind)
        columns.update({self.names[k]: results[k] for k in self.names})
        return pa.table(columns)

    # ----------------------------------------------------------------- per answer

    def _extend(self, answers: list[Answer]) -> None:
        """The values of every answer not seen yet, in order: chunks are formatted in
        parallel threads, and an answer's words take long enough for a thread switch."""
        with self._lock:
            while len(self._per_answer) < len(answers):
                self._per_answer.append(self._values(answers[len(self._per_answer)]))

    def _values(self, answer: Answer) -> dict[str, Any]:
        fines = {who: answer.fine(who) for who in ("individual", "unit")}
        values: dict[str, Any] = {"status": answer.status, "hotline": answer.hotline}
        if self.form == "csv":
            values |= {"reasons": ";".join(answer.reasons),
                       "fine_individual_yuan": _fine_text(fines["individual"]),
                       "fine_unit_yuan": _fine_text(fines["unit"]),
                       "warnings": ";".join(m.code for m in answer.warnings)}
        elif self.form == "json":
            values |= {"reasons": list(answer.reasons),
                       "fine_individual_yuan": _fine_object(fines["individual"]),
                       "fine_unit_yuan": _fine_object(fines["unit"]),
                       "warnings": [m.code for m in answer.warnings]}
        else:
            verdict = _general(answer.verdict, self.zones)
            values |= {"status": SHEET_STATUS[answer.status].get(self.lang),
                       "basis": reasons_words(verdict, self.lang),
                       "advice": action(verdict, self.lang, general=True),
                       "fines": fines_text(list(answer.fines), None, self.lang) or "",
                       "warnings": ("；" if self.lang == "zh" else "; ").join(
                           m.get(self.lang).rstrip("。.") for m in answer.warnings)}
        return values

    def _take(self, kind: np.ndarray, key: str, error: Any, blank: Any,
              type_: pa.DataType) -> pa.Array:
        """One value per answer, spread to its rows (``error``, ``blank`` for those rows);
        a sheet's text stays dictionary-encoded, so a chunk's long words are held once per
        answer (the short codes of the other forms are spread: Arrow writes plain text as
        CSV twice as fast)."""
        need = int(kind.max()) + 1 if len(kind) else 0
        found = self._arrays.get((key, error, blank, type_))
        if found is None or found[0] < need:  # made again only when new answers are used
            n = len(self._per_answer)  # every answer of the chunk: extended before
            found = self._arrays[key, error, blank, type_] = (n, pa.array(
                [v[key] for v in self._per_answer[:n]] + [error, blank], type=type_))
        n, values = found
        index = pa.array(np.where(kind >= 0, kind, n + (kind == -2)).astype(np.int32))
        if self.form == "sheet" and pa.types.is_string(type_):
            return pa.DictionaryArray.from_arrays(index, values)
        return kernels.take(values, index)

    # ----------------------------------------------------------------- machine forms

    def _keys(self, chunk: Chunk, req: Requests, outcome: Outcome,
              kind: np.ndarray) -> dict[str, pa.Array]:
        as_json = self.form == "json"
        text = pa.string()
        listed = pa.list_(pa.string())
        none = None if as_json else ""
        status = self._take(kind, "status", "error", "blank", text)
        fine_type = _FINE if as_json else text
        located = kind >= 0
        distance = np.round(outcome.distance_m, 1)
        zone_ids = outcome.zone_ids
        if not as_json:
            zone_ids = kernels.join_lists(zone_ids, ";")
        zone_ids = kernels.if_else(pa.array(located), zone_ids, pa.scalar(none, zone_ids.type))
        warnings = self._row_warnings(outcome, kind, listed if as_json else text)
        errors = [None] * chunk.rows
        for row, message in req.errors.items():
            where = chunk.where(row, message.text)
            errors[row] = ({"code": message.code, "message_zh": where.zh, "message_en": where.en}
                           if as_json else where.get(self.lang))
        results = {
            "status": status,
            "reasons": self._take(kind, "reasons", none, none, listed if as_json else text),
            "zone_ids": zone_ids,
            "distance_m": pa.array(distance, mask=np.isnan(distance)),
            "fine_individual_yuan": self._take(kind, "fine_individual_yuan", None, None, fine_type),
            "fine_unit_yuan": self._take(kind, "fine_unit_yuan", None, None, fine_type),
            "hotline": self._take(kind, "hotline", none, none, text),
            "date_used": _dates(req, located, as_json, "en", self._date_values),  # ISO: any lang
            "warnings": warnings,
            "error": pa.array(errors, type=_ERROR if as_json else text),
        }
        if as_json:
            results["schema"] = pa.array([ROW_SCHEMA] * chunk.rows, type=text)
        else:
            for key in ("fine_individual_yuan", "fine_unit_yuan", "reasons", "hotline"):
                results[key] = kernels.fill_null(results[key], "")
        return results

    def _row_warnings(self, outcome: Outcome, kind: np.ndarray,
                      type_: pa.DataType) -> pa.Array:
        """Each located row's warning codes: its answer's, then its own (datum, year…);
        null for error and blank rows. Rows with warnings of their own are few or share
        them: only those are merged one by one."""
        empty = [] if pa.types.is_list(type_) else ""
        column = self._take(kind, "warnings", None, None, type_)
        own = {row: codes for row, codes in outcome.warnings.items() if kind[row] >= 0}
        if not own:
            return column
        values = column.to_pylist()
        for row, codes in own.items():
            found = values[row] or empty
            found = found.split(";") if isinstance(found, str) and found else list(found)
            merged = list(dict.fromkeys([*found, *codes.split(";")]))
            values[row] = merged if pa.types.is_list(type_) else ";".join(merged)
        return pa.array(values, type=type_)

    # ----------------------------------------------------------------- a sheet

    def _sheet(self, chunk: Chunk, req: Requests, outcome: Outcome,
               kind: np.ndarray) -> dict[str, pa.Array]:
        lang, text = self.lang, pa.string()
        results = {key: self._take(kind, key, "", "", text)
                   for key in ("status", "basis", "fines", "hotline")}
        results["status"] = self._take(kind, "status", SHEET_STATUS["error"].get(lang), "", text)
        advice = self._take(kind, "advice", "", "", text)
        if req.errors:
            messages = advice.to_pylist()
            for row, message in req.errors.items():
                messages[row] = chunk.where(row, message.text).get(lang)
            advice = pa.array(messages, type=text)
        results["advice"] = advice
        located = kind >= 0
        results["date_used"] = _dates(req, located, False, lang, self._date_values)
        ids = outcome.zone_ids
        named = kernels.fill_null(self._zone_name_of(kernels.flatten(ids)), "")  # each zone's own name
        names = kernels.join_lists(pa.ListArray.from_arrays(ids.offsets, named),
                                   "、" if lang == "zh" else "; ")
        results["zones"] = kernels.if_else(pa.array(located), names, "")
        distance = np.round(outcome.distance_m, 0)
        missing = np.isnan(distance) | ~located
        results["distance_m"] = pa.array(np.where(missing, 0, distance).astype(np.int64),
                                         mask=missing)
        joiner = "；" if lang == "zh" else "; "
        notes = self._take(kind, "warnings", "", "", text)
        own = {row: codes for row, codes in outcome.warnings.items() if located[row]}
        if own:  # a row's own notes (datum, year, place name): few, or shared
            words = notes.to_pylist()
            for row, codes in own.items():
                extra = [ROW_NOTES[c].get(lang) if c in ROW_NOTES else c for c in codes.split(";")]
                words[row] = joiner.join(dict.fromkeys([*filter(None, [words[row]]), *extra]))
            notes = pa.array(words, type=text)
        results["warnings"] = notes
        return results

    def _zone_name_of(self, ids: pa.Array) -> pa.Array:
        """The display name of each zone id."""
        known = pa.array(list(self._zone_names), type=pa.string())
        return kernels.take(pa.array(list(self._zone_names.values()), type=pa.string()),
                            kernels.index_in(ids, known))


def defuse(name: str) -> str:
    """A header name as :func:`_defused` writes a cell."""
    return _defused(pa.array([name]))[0].as_py()


def _defused(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Text Excel would run as a formula — starting '=', '+', '@', a tab or CR, or '-' when
    it is not a plain number ('-1+cmd|…' is a formula) — with a leading apostrophe."""
    risky = kernels.fill_null(kernels.or_(
        kernels.matches(column, r"^[=+@\t\r]"),
        kernels.and_(kernels.starts_with(column, "-"),
                     kernels.invert(kernels.matches(column, _NUMBER)))), False)
    if not kernels.any_true(risky):
        return column
    return kernels.if_else(risky, kernels.concatenate("'", column), column)


def _general(verdict: Verdict, zones: ZoneSet) -> Verdict:
    """The verdict as every row of its batch group shares it: zones by their designation's
    name (a group is keyed by designation, so its rows may be near different parts)."""
    reasons = []
    for reason in verdict.reasons:
        hits = {}
        for hit in reason.zones:
            name = zones.designation_name(hit.designation)
            hits.setdefault(hit.designation, replace(hit, id=hit.designation, name_zh=name.zh,
                                                     name_en=name.en, edge_m=None))
        reasons.append(replace(reason, zones=tuple(hits.values())))
    return replace(verdict, reasons=tuple(reasons))


def _dates(req: Requests, located: np.ndarray, as_json: bool, lang: str,
           made: dict[int, Any]) -> pa.Array:
    """The day or range each located row was judged for (each distinct one written once
    per run, into ``made``)."""
    pairs = np.where(located, req.first * (1 << 32) + req.last, -1)
    distinct, inverse, _ = factorize(pairs)
    values = [made[p] if p in made else made.setdefault(p, _date_value(p, as_json, lang))
              for p in distinct.tolist()]
    return kernels.take(pa.array(values, type=_DATES if as_json else pa.string()),
                        pa.array(inverse))


def _date_value(pair: int, as_json: bool, lang: str) -> Any:
    """(first << 32) + last as the JSON object or the text of a day or range; -1: none."""
    if pair < 0:
        return None if as_json else ""
    start = date.fromordinal(pair >> 32).isoformat()
    end = date.fromordinal(pair & 0xFFFFFFFF).isoformat()
    return ({"start": start, "end": end} if as_json else
            start if start == end else f"{start}{'至' if lang == 'zh' else '..'}{end}")


def _fine_text(span: Amount | str | None) -> str:
    """'min-max' yuan ('200-' when open), 'pending', or ''."""
    if span is None or span == "pending":
        return span or ""
    assert isinstance(span, Amount)
    return f"{span.min}-{span.max if span.max is not None else ''}"


def _fine_object(span: Amount | str | None) -> dict[str, Any] | None:
    if span is None:
        return None
    if span == "pending":
        return {"min": None, "max": None, "pending": True}
    assert isinstance(span, Amount)
    return {"min": span.min, "max": span.max, "pending": False}


def _free_names(fields: list[str], shown: dict[str, str]) -> dict[str, str]:
    taken, names = set(fields), {}
    for key, name in shown.items():
        out, n = (name if name not in taken else f"firecheck_{name}"), 1
        while out in taken:
            n += 1
            out = f"firecheck_{name}_{n}"
        taken.add(out)
        names[key] = out
    return names


_NUMBER = r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"
_FINE = pa.struct([("min", pa.int64()), ("max", pa.int64()), ("pending", pa.bool_())])
_ERROR = pa.struct([("code", pa.string()), ("message_zh", pa.string()),
                    ("message_en", pa.string())])
_DATES = pa.struct([("start", pa.string()), ("end", pa.string())])
