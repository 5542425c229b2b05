"""The answers of a batch: what each distinct (day plans, place key) gets, computed once by
the engine's own :func:`~firecheck.engine.judge.apply_plan` and kept for every row that
shares the key."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ..engine.model import SEVERITY, Verdict, worst
from ..rules.model import Fine, fine_span

_FINE_NOTES = {"land_type_unknown", "one_fine_per_act"}  # said by the fine range itself


@dataclass(frozen=True)
class Answer:
    """What a group of equal requests gets (the batch columns that do not depend on which
    individual zones are near)."""

    status: str
    reasons: str
    hit_kinds: frozenset[tuple[int, int]]  # (designation index, 0 zone buffer | 1 inside)
    fine_individual: str
    fine_unit: str
    hotline: str
    warnings: str


class Answers:
    """Answers by key, in order of first appearance, and for each answer which
    designations it names by their buffer or by their inside."""

    def __init__(self, designations: int) -> None:
        self.list: list[Answer] = []
        self._ids: dict[object, int] = {}
        # [answer, 0 buffer | 1 inside, designation]: does the answer name those zones?
        self.named = np.zeros((64, 2, max(designations, 1)), dtype=bool)
        self.lock = threading.RLock()  # chunks may be evaluated in parallel threads

    def get(self, key: object) -> int | None:
        """The id of a key's answer, if known."""
        return self._ids.get(key)

    def remember(self, key: object, answer: Answer) -> int:
        """Keep ``answer`` for ``key`` (unless another thread did first); its id."""
        with self.lock:
            if key not in self._ids:
                index = len(self.list)
                if index == len(self.named):  # grow the table by doubling
                    self.named = np.concatenate([self.named, np.zeros_like(self.named)])
                for designation, kind in answer.hit_kinds:
                    self.named[index, kind, designation] = True
                self._ids[key] = index
                self.list.append(answer)
            return self._ids[key]


def summarize(verdicts: list[Verdict], designation_of: dict[str, int]) -> Answer:
    """Merge the verdicts of a row's days into the batch columns."""
    status = (worst([v.status for v in verdicts])
              if any(v.status != "out_of_scope" for v in verdicts) else "out_of_scope")
    reasons = [r for v in verdicts for r in v.reasons]
    kinds = frozenset((designation_of[h.designation],
                       0 if r.rule and r.rule.where == "zones_and_buffer" else 1)
                      for r in reasons for h in r.zones if h.source == "measured")
    # The fines of the rules that decide the row's status (on the days that have it).
    fines = list(dict.fromkeys(f for v in verdicts if v.status == status for r in v.reasons
                               if r.effect == status for f in r.fines))
    worst_verdict = max(verdicts, key=lambda v: SEVERITY.get(v.status, -1))
    lines = [h.number for h in worst_verdict.hotlines]
    hotline = next((n for n in lines if n != "12119"), lines[0] if lines else "12119")
    if status in ("allowed", "out_of_scope"):
        hotline = "12119"
    codes = [m.code for v in verdicts for m in (*v.assumptions, *v.warnings)
             if m.code not in _FINE_NOTES]
    return Answer(
        status=status,
        reasons=";".join(dict.fromkeys(r.code for r in reasons)),
        hit_kinds=kinds,
        fine_individual=_fine_range(fines, "individual"),
        fine_unit=_fine_range(fines, "unit"),
        hotline=hotline,
        warnings=";".join(dict.fromkeys(codes)),
    )


def _fine_range(fines: list[Fine], actor: str) -> str:
    """'min-max' yuan over the unconditional provisions with amounts; 'pending' when only
    unconfirmed provisions apply; '' when none."""
    span = fine_span(fines, actor)
    if span is None or span == "pending":
        return span or ""
    return f"{span.min}-{span.max if span.max is not None else ''}"
