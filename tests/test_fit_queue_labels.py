"""Classes of call rank the queue by their waits only when their label is
set before the call meets the queue (PASTA); a label that follows the queue
makes one first-come-first-served queue."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import chansim
from chansim.studies.fit.fit_classes import class_intents
from chansim.studies.fit.queue_labels import found_queue, queue_labelled

START = pd.Timestamp("2026-01-05")


@pytest.fixture(scope="module")
def calls() -> pd.DataFrame:
    """Four days of a priority queue: gold (priority 2) ahead of basic, both Poisson."""
    scenario = chansim.load_scenario({
        "name": "priorities", "start_date": "2026-01-05", "days": 4, "seed": 4, "replications": 1,
        "demand": {"contacts_per_day": 2400, "intraday": [0] * 8 + [1] * 10 + [0] * 6,
                   "segments": [{"name": "callers", "share": 1, "preference": ["voice"]}],
                   "intents": [{"name": "gold", "share": 0.3, "priority": 2},
                               {"name": "basic", "share": 0.7, "priority": 0}]},
        "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 300},
                               "patience": {"dist": "exponential", "mean": 300}, "service_level_target_s": 20}},
        "agents": {"pools": [{"name": "phones", "channels": ["voice"], "headcount": 21}]},
        "strategies": [{"name": "today", "offer": ["voice"]}]})
    c = chansim.simulate(scenario, log="contacts").log.contacts
    answered = c["answer_t"].notna()
    arrival = START + pd.to_timedelta(c["queued_t"].to_numpy(dtype=float).round(), unit="s")
    left = np.where(answered, c["answer_t"], c["end_t"]).astype(float)
    return pd.DataFrame({
        "arrival": arrival, "wait_s": (left - c["queued_t"].to_numpy(dtype=float)).round(),
        "answer": arrival.where(answered.to_numpy()), "handle_s": (c["end_t"] - c["answer_t"]).where(answered),
        "intent": c["intent"].astype(str).to_numpy(), "channel": "voice"})


def test_a_call_finds_a_queue_when_another_is_waiting_the_second_before():
    arrival = pd.Series(pd.to_datetime(["2026-01-05 09:00:00", "2026-01-05 09:00:05", "2026-01-05 09:00:20",
                                        "2026-01-05 09:00:40"]))
    wait = pd.Series([30.0, 0.0, 0.0, 10.0])  # the first call waits 09:00:00-09:00:30
    assert found_queue(arrival, wait).tolist() == [False, True, True, False]


def test_classes_drawn_before_the_queue_see_it_as_their_hour_does_whatever_the_order(calls):
    checks = {c.name: c for c in queue_labelled(calls["arrival"], calls["wait_s"], calls["intent"])}
    assert set(checks) == {"gold", "basic"}
    found = found_queue(calls["arrival"], calls["wait_s"])
    assert 0.3 < found.mean() < 0.9  # the queue is often there to be found
    for check in checks.values():
        assert not check.follows_queue and 0.9 < check.ratio < 1.1
    # ... and their waits rank them: gold ahead
    report = SimpleNamespace(notes=[])  # the fit report's notes are all class_intents writes
    intents, _ = class_intents(calls, report, "log", channel="voice")
    rank = {i.value["name"]: i.value["priority"] for i in intents}
    assert rank["gold"] > rank["basic"]
    assert not any(n.startswith("queue order") for n in report.notes)


def test_a_label_given_to_calls_that_found_a_queue_makes_one_fifo_queue(calls):
    rng = np.random.default_rng(3)
    found = found_queue(calls["arrival"], calls["wait_s"])
    relabelled = calls.assign(intent=np.where(found & (rng.random(len(calls)) < 0.7), "waited", "direct"))
    checks = {c.name: c for c in queue_labelled(relabelled["arrival"], relabelled["wait_s"], relabelled["intent"])}
    assert checks["waited"].follows_queue and checks["waited"].ratio > 1.25
    assert checks["direct"].follows_queue and checks["direct"].ratio < 0.8
    report = SimpleNamespace(notes=[])  # the fit report's notes are all class_intents writes
    intents, _ = class_intents(relabelled, report, "log", channel="voice")
    assert {i.value["priority"] for i in intents} == {0}
    assert any(n.startswith("queue order: first come, first served") and "waited" in n for n in report.notes)
    assert all("first-come-first-served" in i.after for i in intents)
