"""Measuring a replication without holding two copies of its log: the
measured window taken by contact id, the cost lines summed one priced table
at a time, and the log let go once the window is taken — the same numbers as
measuring the whole log at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chansim
from chansim.billing.price import Pricer, cost_lines
from chansim.engine import run_replication
from chansim.engine.log import CONTACT_COLUMNS, MESSAGE_COLUMNS
from chansim.kpis.metrics import measured_window
from chansim.kpis.pipeline import measure, merged_lines

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
RETAIL = str(Path(__file__).parent.parent / "scenarios" / "retail-us.yaml")


@pytest.fixture(scope="module")
def retail() -> chansim.Scenario:
    return chansim.load_scenario(RETAIL, {"days": 0.5, "warmup_hours": 3})


@pytest.fixture(scope="module")
def retail_log(retail):
    return run_replication(retail, "rcs-proactive", 1)  # with campaign sends


def _window_by_keys(contacts: pd.DataFrame, messages: pd.DataFrame, warmup_s: float):
    """The measured window matched on (replication, strategy, contact_id) of every row."""
    from chansim.kpis.metrics import _attempt_arrival

    keep = _attempt_arrival(contacts) >= max(warmup_s, 0.0)
    c = contacts[keep]
    keys = ["replication", "strategy", "contact_id"]
    ids = pd.MultiIndex.from_frame(c[keys].astype({"strategy": str}))
    mine = pd.MultiIndex.from_frame(messages[keys].astype({"strategy": str})).isin(ids)
    loose = (messages["contact_id"].to_numpy() < 0) & (messages["t"].to_numpy(dtype=float) >= warmup_s)
    return c, messages[mine | loose]


def test_window_by_contact_id_is_the_window_by_keys(retail, retail_log):
    contacts, messages = measured_window(retail_log.contacts, retail_log.messages, retail.warmup_s)
    want_c, want_m = _window_by_keys(retail_log.contacts, retail_log.messages, retail.warmup_s)
    assert 0 < len(contacts) < len(retail_log.contacts)  # the window leaves some contacts out
    assert (retail_log.messages["contact_id"] < 0).any()  # campaign sends, kept by their own time
    pd.testing.assert_frame_equal(contacts, want_c)
    pd.testing.assert_frame_equal(messages, want_m)


def test_window_of_several_logs_matches_on_every_key(retail):
    logs = [run_replication(retail, retail.strategy_names[0], r) for r in (1, 2)]
    contacts = pd.concat([log.contacts for log in logs], ignore_index=True)
    messages = pd.concat([log.messages for log in logs], ignore_index=True)
    got = measured_window(contacts, messages, retail.warmup_s)
    want = _window_by_keys(contacts, messages, retail.warmup_s)
    for a, b in zip(got, want):
        pd.testing.assert_frame_equal(a, b)


def test_the_window_of_a_voice_only_log_is_a_slice_of_it():
    """The warm-up's callers come first in a voice-only replication's log:
    the window is the table's tail, the very rows (no copy), equal to
    selecting them one by one; with no message there is nothing to match."""
    scenario = chansim.load_scenario({
        "name": "voice", "start_date": "2026-01-05", "days": 0.5, "seed": 3, "replications": 1,
        "demand": {"contacts_per_day": 2000, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
        "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 180}}},
        "agents": {"pools": [{"name": "v", "channels": ["voice"], "headcount": 5}]}})
    log = run_replication(scenario, scenario.strategy_names[0], 0)
    assert len(log.messages) == 0 and (log.contacts["arrival_t"] < 0).any()  # the warm-up day's callers
    contacts, messages = measured_window(log.contacts, log.messages, scenario.warmup_s)
    want_c, want_m = _window_by_keys(log.contacts, log.messages, scenario.warmup_s)
    pd.testing.assert_frame_equal(contacts, want_c)
    pd.testing.assert_frame_equal(messages, want_m)
    assert np.shares_memory(contacts["wait_s"].to_numpy(), log.contacts["wait_s"].to_numpy())


def test_cost_lines_summed_table_by_table_are_the_lines_of_all_at_once(retail, retail_log):
    contacts, messages = measured_window(retail_log.contacts, retail_log.messages, retail.warmup_s)
    pricer = Pricer.for_scenario(retail.for_strategy("rcs-proactive"))
    priced = [pricer.messages(messages), pricer.calls(contacts)]
    whole = cost_lines(*priced)
    assert len(whole) > 1
    pd.testing.assert_frame_equal(merged_lines([cost_lines(p) for p in priced]), whole)


def _priced(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "replication": np.zeros(n, np.int32),
        "strategy": pd.Categorical(["s"] * n),
        "segment": pd.Categorical(rng.choice(["a", "b"], n)),
        "channel": pd.Categorical(rng.choice(["sms", "whatsapp", "voice"], n)),
        "rule": pd.Categorical(rng.choice(["per segment", "per message"], n)),
        "card": pd.Categorical(rng.choice(["c1", "c2"], n)),
        "unit": pd.Categorical(rng.choice(["segment", "message", "minute"], n)),
        "units": rng.integers(0, 4, n).astype(float),
        "cost": rng.random(n) * rng.choice([0.0, 0.01, 1.0], n),
    })


@pytest.mark.parametrize("seed", range(12))
def test_cost_lines_of_random_chunks_add_up_to_the_whole(seed):
    """Tables cut into chunks of random sizes: the merged lines have the same
    keys, in the same order, the same counts and the same sums (up to the
    order of the additions)."""
    rng = np.random.default_rng(seed)
    table = _priced(rng, int(rng.integers(1, 400)))
    cuts = np.sort(rng.choice(np.arange(1, len(table)), size=min(int(rng.integers(0, 6)), len(table) - 1),
                              replace=False)) if len(table) > 1 else np.zeros(0, int)
    chunks = [table.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, len(table)])]
    whole = cost_lines(table)
    merged = merged_lines([cost_lines(chunk) for chunk in chunks])
    key_columns = [c for c in whole if c not in ("units", "cost")]
    pd.testing.assert_frame_equal(merged[key_columns], whole[key_columns])
    np.testing.assert_allclose(merged["units"], whole["units"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(merged["cost"], whole["cost"], rtol=1e-12, atol=1e-300)


def test_merged_lines_of_nothing_is_the_empty_table():
    pd.testing.assert_frame_equal(merged_lines([]), cost_lines())
    one = cost_lines(_priced(np.random.default_rng(0), 20))
    pd.testing.assert_frame_equal(merged_lines([cost_lines(_priced(np.random.default_rng(0), 0)), one]), one)


def _same_kpis(a, b) -> None:
    assert a.kpis.overall == b.kpis.overall
    assert a.kpis.breakdowns == b.kpis.breakdowns
    pd.testing.assert_frame_equal(a.costs, b.costs)
    pd.testing.assert_frame_equal(a.labor, b.labor)


def test_measuring_with_the_log_let_go_gives_the_same_numbers(retail):
    name = retail.strategy_names[0]
    resolved = retail.for_strategy(name)
    kept = measure(resolved, run_replication(retail, name, 1), 1)
    log = run_replication(retail, name, 1)
    released = measure(resolved, log, 1, release=True)
    _same_kpis(released, kept)
    assert len(log.contacts) == 0 and len(log.messages) == 0  # let go
    assert tuple(log.messages.columns) == MESSAGE_COLUMNS and tuple(log.contacts.columns) == CONTACT_COLUMNS


def test_a_run_keeping_no_log_has_the_kpis_of_a_run_keeping_it():
    small = chansim.load_scenario(SMALL, {"days": 0.25, "replications": 2})
    none = chansim.simulate(small, log="none")
    every = chansim.simulate(small, log="messages")
    assert none.log is None and every.log is not None and len(every.log.messages)
    for a, b in zip(none.strategies, every.strategies):
        assert a.to_dict() == b.to_dict()
