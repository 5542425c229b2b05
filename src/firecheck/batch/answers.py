"""The answers of a batch: what each distinct (day plans, place key) gets, computed once by
the engine's own :func:`~firecheck.engine.judge.apply_plan` and kept for every row that
shares the key."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..engine.judge import NEAR_EDGE
from ..engine.model import SEVERITY, Verdict, worst
from ..rules.model import Amount, Fine, fine_span
from ..text import Message

_FINE_NOTES = {"land_type_unknown", "one_fine_per_act"}  # said by the fine range itself


@dataclass(frozen=True)
class Answer:
    """What a group of equal requests gets (the batch columns that do not depend on which
    individual zones are near), and the strictest of its days' verdicts (for the words of
    a sheet)."""

    status: str
    reasons: tuple[str, ...]  # reason codes, in the verdicts' order
    # (designation index, 0 zone buffer | 1 inside, 0 its zones surely within | 1 near the line)
    hit_kinds: frozenset[tuple[int, int, int]]
    fines: tuple[Fine, ...]  # of the rules that decide the status
    hotline: str
    warnings: tuple[Message, ...]  # the verdicts' assumptions and warnings
    verdict: Verdict

    def fine(self, actor: str) -> Amount | Literal["pending"] | None:
        """The fine range for ``actor`` over the deciding rules' unconditional provisions;
        'pending' when only unconfirmed provisions apply; None when none."""
        return fine_span(list(self.fines), actor)


class Answers:
    """Answers by key, in order of first appearance, and for each answer which
    designations it names by their buffer or by their inside."""

    def __init__(self, designations: int) -> None:
        self.list: list[Answer] = []
        self._ids: dict[object, int] = {}
        # [answer, 0 buffer | 1 inside, 0 surely within | 1 near, designation]: does the
        # answer name the zones of that designation in that relation?
        self.named = np.zeros((64, 2, 2, max(designations, 1)), dtype=bool)
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
                for designation, kind, near in answer.hit_kinds:
                    self.named[index, kind, near, designation] = True
                self._ids[key] = index
                self.list.append(answer)
            return self._ids[key]


def summarize(verdicts: list[Verdict], designation_of: dict[str, int]) -> Answer:
    """Merge the verdicts of a row's days into the batch columns."""
    status = (worst([v.status for v in verdicts])
              if any(v.status != "out_of_scope" for v in verdicts) else "out_of_scope")
    reasons = [r for v in verdicts for r in v.reasons]
    # A rule names the zones surely within its reach, or if there are none those near it.
    kinds = frozenset((designation_of[h.designation],
                       0 if r.rule and r.rule.where == "zones_and_buffer" else 1,
                       int(r.code.endswith(NEAR_EDGE)))
                      for r in reasons for h in r.zones if h.source == "measured")
    # The fines of the rules that decide the row's status (on the days that have it).
    fines = tuple(dict.fromkeys(f for v in verdicts if v.status == status for r in v.reasons
                                if r.effect == status for f in r.fines))
    worst_verdict = max(verdicts, key=lambda v: SEVERITY.get(v.status, -1))
    lines = [h.number for h in worst_verdict.hotlines]
    hotline = next((n for n in lines if n != "12119"), lines[0] if lines else "12119")
    if status in ("allowed", "out_of_scope"):
        hotline = "12119"
    notes = {m.code: m for v in verdicts for m in (*v.assumptions, *v.warnings)
             if m.code not in _FINE_NOTES}
    return Answer(status=status, reasons=tuple(dict.fromkeys(r.code for r in reasons)),
                  hit_kinds=kinds, fines=fines, hotline=hotline,
                  warnings=tuple(notes.values()), verdict=worst_verdict)
