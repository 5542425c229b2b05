"""Property-based tests of the engine: invariants that must hold for any request."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import prcoords
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firecheck.engine.evaluate import evaluate, evaluate_range
from firecheck.engine.model import Request
from firecheck.rules.model import RuleSet
from firecheck.views.json import verdict_dict
from firecheck.zones.model import ZoneSet

from conftest import EXACT

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
lats = st.floats(40.6, 41.6, allow_nan=False)
lons = st.floats(109.5, 110.9, allow_nan=False)
days = st.dates(date(2022, 1, 1), date(2027, 12, 31))
# The README's order of statuses, written out here rather than taken from the engine.
RANK = {"allowed": 0, "permit_required": 1, "uncertain": 2, "prohibited": 3}


def activities(rules: RuleSet) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(rules.activities.by_id))


@SETTINGS
@given(data=st.data(), lat=lats, lon=lons, day=days)
def test_verdict_invariants(rules: RuleSet, zones: ZoneSet, data, lat: float, lon: float,
                            day: date) -> None:
    activity = data.draw(activities(rules))
    v = evaluate(Request(lat, lon, day, activity), rules, zones)
    if v.status == "out_of_scope":
        assert v.place.scope == "outside" and not v.fines
    elif v.place.scope == "near_boundary" and v.reasons:
        assert v.status == "uncertain"  # a restriction near the county line is never sure
        assert v.reasons[-1].code == "near_county_boundary"
    else:
        assert v.status == max([r.effect for r in v.reasons] or ["allowed"], key=RANK.get)
    assert "12119" in {h.number for h in v.hotlines}
    assert all(f.in_force(day) for f in v.fines)
    for reason in v.reasons:
        if reason.period:
            assert reason.period[0] <= day <= reason.period[1]
    json.dumps(verdict_dict(v), ensure_ascii=False)


@SETTINGS
@given(near=st.floats(0, 3000), far=st.floats(0, 3000), day=days)
def test_moving_away_from_a_zone_never_adds_a_ban(rules: RuleSet, zones: ZoneSet, near: float,
                                                  far: float, day: date) -> None:
    near, far = sorted((near, far))
    v_near = evaluate(Request(*EXACT.east_of_edge(near), day, "bbq"), rules, zones)
    v_far = evaluate(Request(*EXACT.east_of_edge(far), day, "bbq"), rules, zones)
    assert RANK[v_far.status] <= RANK[v_near.status]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(metres=st.floats(0, 2000), start=days, length=st.integers(0, 60))
def test_a_range_agrees_with_single_days(rules: RuleSet, zones: ZoneSet, metres: float,
                                         start: date, length: int) -> None:
    lat, lon = EXACT.east_of_edge(metres)
    end = start + timedelta(days=length)
    spans = evaluate_range(Request(lat, lon, start, "straw"), end, rules, zones).spans
    assert spans[0].start == start and spans[-1].end == end
    for span in spans:
        for offset in range((span.end - span.start).days + 1):
            day = span.start + timedelta(days=offset)
            single = evaluate(Request(lat, lon, day, "straw"), rules, zones)
            assert single.status == span.verdict.status
            assert [r.code for r in single.reasons] == [r.code for r in span.verdict.reasons]


@SETTINGS
@given(lat=lats, lon=lons, day=days)
def test_gcj02_input_gives_the_same_answer_as_gps(rules: RuleSet, zones: ZoneSet, lat: float,
                                                  lon: float, day: date) -> None:
    glat, glon = prcoords.wgs_gcj((lat, lon))  # an independent implementation of GCJ-02
    gps = evaluate(Request(lat, lon, day, "bbq"), rules, zones)
    amap = evaluate(Request(glat, glon, day, "bbq", datum="gcj02"), rules, zones)
    assert amap.status == gps.status
    assert [r.code for r in amap.reasons] == [r.code for r in gps.reasons]


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(-2**40, 2**40), st.integers(-2**40, 2**40)),
                      max_size=60),
       narrow=st.booleans())
def test_pair_order_is_lexsort(pairs: list[tuple[int, int]], narrow: bool) -> None:
    """The batch's fast sort of (row, zone) pairs orders them exactly as np.lexsort does,
    ties included, and falls back to it where the combined key would overflow."""
    from firecheck.batch.arrow import pair_order

    major = np.array([p[0] for p in pairs], dtype=np.int64)
    minor = np.array([p[1] for p in pairs], dtype=np.int64)
    if narrow:  # the usual case: small non-negative rows and zones, many ties
        major, minor = major % 7, minor % 5
    assert pair_order(major, minor).tolist() == np.lexsort((minor, major)).tolist()
    wide = major.astype(np.uint64) + np.uint64(2**63)  # past int64: lexsort itself
    assert pair_order(wide, minor).tolist() == np.lexsort((minor, wide)).tolist()


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(*[st.sampled_from([-500.0, -5.0, -0.0, 0.0, 5.0, 495.0, 500.5])
                                 for _ in range(4)]), max_size=40))
def test_distinct_threshold_rows_are_numpys(rows: list[tuple[float, ...]]) -> None:
    """The batch's distinct rows of zone thresholds: every zone's row is its own, and there
    are as many as numpy's unique over rows finds (-0.0 and 0.0 compare equal: one row)."""
    from firecheck.batch.places import _distinct_rows

    table = np.array(rows, dtype=np.float64).reshape(-1, 4)
    distinct, row_of = _distinct_rows(table)
    assert (distinct[row_of] == table).all()
    assert len(distinct) == len({tuple(r) for r in (table + 0.0).tolist()})
