"""The staffing table binned as the run goes: exact per-interval sums that do
not depend on when (or whether) the records were settled, checked against
hand-computed seconds, a correctly rounded oracle, and the table made from the
whole records at the end of real runs."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import chansim
from chansim.engine.exact_bins import ExactCells, span_pieces
from chansim.engine.log import SlotRecorder, SpanRecorder
from chansim.engine.plan import build_plan
from chansim.engine.simulation import Simulation
from chansim.engine.staffing_table import StaffingBins, staffing_table
from chansim.engine.streams import Streams

COLUMNS = ("replication", "strategy", "pool", "interval_start_s", "interval_s", "hour_of_day", "staffed",
           "overtime_s", "busy_s", "held_slot_s")


# ---------------------------------------------------------------- a run by hand
def _run(horizon: float, intervals: list[float], slotted: list[bool], capacity: int = 3):
    """A stand-in for a run: its scenario, and the run with its recorders."""
    names = [f"p{i}" for i in range(len(intervals))]
    s = SimpleNamespace(horizon_s=horizon, agents=SimpleNamespace(pools=[SimpleNamespace(name=n) for n in names]))
    pools = [SimpleNamespace(index=i, name=n, capacity=capacity, overtime=[], slots=SlotRecorder() if slot else None)
             for i, (n, slot) in enumerate(zip(names, slotted))]
    sim = SimpleNamespace(scenario=s, start=0.0, pools=pools, attention=SpanRecorder(),
                          plans=[(x, np.array([2, 1])) for x in intervals])
    sim.bins = StaffingBins.of(sim)
    return s, sim


def _record(sim, kind: str, record: tuple) -> None:
    if kind == "span":
        pool, start, end = record
        sim.attention.add(pool, 0, start, end)
    elif kind == "overtime":
        pool, start, end = record
        sim.pools[pool].overtime.append((start, end))
    else:
        pool, t, delta = record
        sim.pools[pool].slots.t.append(t)
        sim.pools[pool].slots.delta.append(delta)


def _when(kind: str, record: tuple) -> float:
    """When the run records it: a span when it ends, a slot change when it happens."""
    return record[1] if kind == "slots" else record[2]


def test_hand_computed_seconds_settled_in_parts():
    # one hourly pool with slots, a run of 2 h (7200 s)
    # attention: (-100, 50): 50 s in hour 0 (the warm-up is not counted); (3000, 4000): 600 + 400;
    #            (7000, 9000): 200 s in hour 1 (what is after the end of the run is not counted)
    # overtime: (3500, 3700): 100 + 100
    # slots: +2 at 100, +1 at 1800, -3 at 5400, +1 at 7100 (never released)
    #   level 2 over 100-1800: 3400; level 3 over 1800-3600: 5400 and 3600-5400: 5400; level 0 after
    s, sim = _run(7200.0, [3600.0], [True])
    _record(sim, "span", (0, -100.0, 50.0))
    _record(sim, "slots", (0, 100.0, 2))
    _record(sim, "slots", (0, 1800.0, 1))
    sim.bins.settle()  # a level carried across the cut, still open
    assert len(sim.attention.start) == 0 and len(sim.pools[0].slots.t) == 0
    _record(sim, "overtime", (0, 3500.0, 3700.0))
    _record(sim, "span", (0, 3000.0, 4000.0))
    sim.bins.settle()
    assert sim.pools[0].overtime == []
    _record(sim, "slots", (0, 5400.0, -3))
    _record(sim, "slots", (0, 7100.0, 1))
    _record(sim, "span", (0, 7000.0, 9000.0))
    table = staffing_table(s, sim, "only", 0)
    assert tuple(table.columns) == COLUMNS
    assert table["busy_s"].tolist() == [650.0, 600.0]
    assert table["overtime_s"].tolist() == [100.0, 100.0]
    assert table["held_slot_s"].tolist() == [8800.0, 5400.0]
    assert table["interval_start_s"].tolist() == [0.0, 3600.0] and table["staffed"].tolist() == [2, 1]


def test_a_run_ending_inside_an_interval_and_pools_at_different_intervals():
    # 1.5 h run: the hourly pool has 2 intervals, the second 1800 s long; the quarter-hour pool has 6
    # a call of pool 0 over 3000-6000 counts 600 + 1800; pool 1's attention over 800-2000 counts
    # 100 + 900 + 200 at 15 minutes; pool 0 keeps no slot log: its calls hold every slot (× 3)
    s, sim = _run(5400.0, [3600.0, 900.0], [False, True])
    _record(sim, "span", (0, 3000.0, 6000.0))
    sim.bins.settle()
    _record(sim, "span", (1, 800.0, 2000.0))
    table = staffing_table(s, sim, "only", 0)
    first, second = table[table["pool"] == "p0"], table[table["pool"] == "p1"]
    assert first["interval_s"].tolist() == [3600.0, 1800.0]
    assert first["busy_s"].tolist() == [600.0, 1800.0]
    assert first["held_slot_s"].tolist() == [1800.0, 5400.0]
    assert second["busy_s"].tolist() == [100.0, 900.0, 200.0, 0.0, 0.0, 0.0]
    assert second["held_slot_s"].tolist() == [0.0] * 6


def test_exact_cells_sum_to_the_correctly_rounded_total_in_any_order():
    values = np.array([1e16, 1.0, -1e16, 0.1, 0.2, 0.3, 5e-324, 1e-300])
    cells = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    once, parts = ExactCells(3), ExactCells(3)
    once.add(cells, values)
    for order in (np.array([7, 2, 5]), np.array([0, 3, 6, 1, 4])):
        parts.add(cells[order], values[order])
    assert once.totals == parts.totals
    assert once.floats().tolist() == [1.0, math.fsum([0.1, 0.2, 0.3]), math.fsum([5e-324, 1e-300])]
    with pytest.raises(ValueError):
        once.add(np.array([0]), np.array([np.inf]))


# --------------------------------------------------------------- the property
def _oracle(spans: list[tuple[float, float, float]], interval: float, count: int, until: float) -> list[float]:
    """Per interval, the correctly rounded sum of the spans' parts, one by one in Python."""
    cells: list[list[float]] = [[] for _ in range(count)]
    for start, end, weight in spans:
        end = min(end, until)
        start = max(min(start, end), 0.0)
        end = max(end, start)
        for h in range(math.floor(start / interval), min(math.floor(end / interval), count - 1) + 1):
            piece = min(end, (h + 1) * interval) - max(start, h * interval)
            if piece > 0:
                cells[h].append(piece * weight)
    return [math.fsum(c) for c in cells]


_time = st.floats(-200_000.0, 400_000.0, allow_nan=False)
_length = st.one_of(st.floats(0.0, 120.0), st.floats(0.0, 200_000.0))


@st.composite
def _runs(draw):
    intervals = draw(st.lists(st.sampled_from([900.0, 1800.0, 3600.0]), min_size=1, max_size=3))
    slotted = draw(st.lists(st.booleans(), min_size=len(intervals), max_size=len(intervals)))
    horizon = draw(st.one_of(st.sampled_from([86_400.0, 172_800.0]), st.floats(500.0, 260_000.0)))
    pool = st.integers(0, len(intervals) - 1)
    records = []
    for kind in ("span", "overtime"):
        for p, start, length in draw(st.lists(st.tuples(pool, _time, _length), max_size=30)):
            records.append((kind, (p, start, start + length)))
    for p in range(len(intervals)):
        if slotted[p]:
            t = draw(_time)
            for gap, delta in draw(st.lists(st.tuples(_length, st.integers(-3, 3).filter(bool)), max_size=30)):
                t += gap
                records.append(("slots", (p, t, delta)))
    records.sort(key=lambda r: _when(*r))  # (stable: slot changes at one time keep their order)
    cuts = sorted(draw(st.lists(_time, max_size=6)))
    return intervals, slotted, horizon, records, cuts


@settings(max_examples=150, deadline=None)
@given(_runs())
def test_settling_at_any_cuts_gives_exactly_the_table_of_settling_once(run):
    intervals, slotted, horizon, records, cuts = run
    s, once = _run(horizon, intervals, slotted)
    for record in records:
        _record(once, *record)
    expected = staffing_table(s, once, "x", 1)
    s, cut = _run(horizon, intervals, slotted)
    pending = iter(records)
    record = next(pending, None)
    for when in cuts:
        while record is not None and _when(*record) <= when:
            _record(cut, *record)
            record = next(pending, None)
        cut.bins.settle()
    while record is not None:
        _record(cut, *record)
        record = next(pending, None)
    pd.testing.assert_frame_equal(staffing_table(s, cut, "x", 1), expected, check_exact=True)
    # each cell is the correctly rounded sum of the parts of what it holds
    for p, interval in enumerate(intervals):
        count = max(1, math.ceil(horizon / interval - 1e-9))
        rows = expected[expected["pool"] == f"p{p}"]
        spans = [(a, b, 1.0) for kind, (q, a, b) in records if kind == "span" and q == p]
        assert rows["busy_s"].tolist() == _oracle(spans, interval, count, horizon)
        over = [(a, b, 1.0) for kind, (q, a, b) in records if kind == "overtime" and q == p]
        assert rows["overtime_s"].tolist() == _oracle(over, interval, count, horizon)
        if slotted[p]:
            changes = [(t, d) for kind, (q, t, d) in records if kind == "slots" and q == p]
            level = np.cumsum([d for _, d in changes]).tolist()
            held = [(changes[i][0], changes[i + 1][0], float(level[i])) for i in range(len(changes) - 1)
                    if level[i] > 0]
            assert rows["held_slot_s"].tolist() == _oracle(held, interval, count, horizon)


def test_span_pieces_cover_each_span_once():
    span, where, seconds = span_pieces(np.array([-5.0, 10.0, 90.0]), np.array([15.0, 10.0, 500.0]), 50.0, 4, 180.0)
    # (-5, 15): 15 s in interval 0; (10, 10): nothing; (90, 500): 10 + 50 + 30 (the run ends at 180)
    assert span.tolist() == [0, 2, 2, 2]
    assert where.tolist() == [0, 1, 2, 3]
    assert seconds.tolist() == [15.0, 10.0, 50.0, 30.0]


# ------------------------------------------------------------------- real runs
def _bank_at_quarter_and_half_hours() -> dict:
    """bank-uk for 2 days, its phone pool staffed per 30 minutes and its chat pool per 15."""
    with open("scenarios/bank-uk.yaml", encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    raw["days"] = 2
    for pool in raw["agents"]["pools"]:
        k = {"voice": 2, "digital": 4}[pool["name"]]
        pool["interval_minutes"] = 60 // k
        pool["schedule"] = [x for x in pool["schedule"] for _ in range(k)]
    raw["strategies"] = [x for x in raw["strategies"] if not any("schedule" in key for key in x.get("set", {}))]
    return raw


def _simulate(s, strategy: str, settle_at_midnight: bool):
    r = s.for_strategy(strategy)
    # planned up front, the run never settles on its own; planned by day, it settles at each new day too
    sim = Simulation(r, build_plan(r, Streams(r.seed, 0), by_day=settle_at_midnight))
    settled = []  # spans let go at each midnight

    def settle(event) -> None:
        settled.append(len(sim.attention.start))
        sim.bins.settle()
        assert len(sim.attention.start) == 0

    midnights = [day * 86_400.0 for day in range(math.floor(sim.start / 86_400.0) + 1,
                                                 math.floor(r.horizon_s / 86_400.0) + 1)]
    if settle_at_midnight:
        for t in midnights:
            sim.env.call_at(t, settle, None)
    sim.run()
    assert len(settled) == (len(midnights) if settle_at_midnight else 0)
    return r, sim, settled


@pytest.mark.parametrize("source", ["retail", "bank"])
def test_real_runs_give_todays_table_and_the_same_table_however_settled(source):
    s = (chansim.load_scenario("scenarios/retail-us.yaml", {"days": 2}) if source == "retail"
         else chansim.load_scenario(_bank_at_quarter_and_half_hours()))
    assert any(pool.concurrency > 1 for pool in s.agents.pools)
    for strategy in [x.name for x in s.strategies]:
        r, whole, _ = _simulate(s, strategy, settle_at_midnight=False)
        today = _staffing_table(r, whole, strategy, 0)
        binned = staffing_table(r, whole, strategy, 0)
        pd.testing.assert_frame_equal(binned, today, rtol=1e-9)
        assert today["busy_s"].sum() > 0 and today["held_slot_s"].sum() > 0
        r, parts, settled = _simulate(s, strategy, settle_at_midnight=True)
        assert len(settled) >= 2 and sum(settled) > 0
        pd.testing.assert_frame_equal(staffing_table(r, parts, strategy, 0), binned, check_exact=True)
    if source == "bank":
        assert set(today["interval_s"].unique()) >= {900.0, 1800.0} and today["overtime_s"].sum() > 0


def test_a_fast_path_run_is_binned_at_the_end():
    # a voice-only pool served first come, first served: spans made at once, no bins on the run
    from chansim.engine.fast_path import run_fast

    s = chansim.load_scenario({
        "name": "voice-only", "start_date": "2026-01-05", "days": 1.5, "seed": 4, "warmup_days": 1, "replications": 1,
        "demand": {"contacts_per_day": 3000.0, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
        "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 180.0}}},
        "agents": {"pools": [{"name": "phones", "channels": ["voice"], "headcount": 6, "concurrency": 2}]},
    })
    r = s.for_strategy(s.strategy_names[0])
    book = build_plan(r, Streams(r.seed, 0), by_day=False)
    run = run_fast(r, book)
    assert run is not None and not hasattr(run, "bins")
    today = _staffing_table(r, run, "x", 0)
    binned = staffing_table(r, run, "x", 0)
    pd.testing.assert_frame_equal(binned, today, rtol=1e-9)
    assert len(binned) == 36 and binned["busy_s"].sum() > 0
    assert (binned["held_slot_s"] == binned["busy_s"] * 2).all()
    assert len(run.attention.start) == 0  # the spans were let go once binned


# ----------------------------------------------------------- the reference
# The staffing table computed directly from every record of a run that was
# never settled (float sums of spread(), as the engine made it before binning).
def _staffing_table(s, sim, strategy: str, replication: int) -> pd.DataFrame:
    """One row per pool per interval, from every span of a run never settled."""
    overtime = SpanRecorder()
    for pool in sim.pools:
        for start, end in pool.overtime:
            overtime.add(pool.index, -1, start, end)
    by_interval: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    frames = []
    for pool, (interval, agents) in zip(sim.pools, sim.plans):
        count = max(1, math.ceil(s.horizon_s / interval - 1e-9))
        if interval not in by_interval:
            # (a run that ends inside an interval: that interval ends with the run, and so does what it counts)
            by_interval[interval] = (sim.attention.by_interval(len(sim.pools), count, interval, s.horizon_s),
                                     overtime.by_interval(len(sim.pools), count, interval, s.horizon_s))
        busy, extra = by_interval[interval]
        starts = np.arange(count) * interval
        lengths = np.minimum(interval, s.horizon_s - starts)
        lead = int(round(-sim.start / interval))  # the plan starts with the warm-up days
        staffed = agents[(lead + np.arange(count)) % agents.size].astype(np.int32)
        frames.append(
            pd.DataFrame(
                {
                    "replication": np.full(count, replication, dtype=np.int32),
                    "strategy": pd.Categorical.from_codes(np.zeros(count, dtype=np.int8), categories=[strategy]),
                    "pool": pd.Categorical([pool.name] * count, categories=[p.name for p in s.agents.pools]),
                    "interval_start_s": starts,
                    "interval_s": lengths,
                    "hour_of_day": (np.floor(starts / 3600.0) % 24).astype(np.int8),
                    "staffed": staffed,
                    "overtime_s": extra[pool.index],
                    "busy_s": busy[pool.index],
                    # a voice-only pool's calls hold every slot of their agent while it talks
                    "held_slot_s": (pool.slots.by_interval(count, interval, s.horizon_s) if pool.slots is not None
                                    else busy[pool.index] * pool.capacity),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
