"""A replication measured a chunk of customers at a time gives bit for bit
the KPIs of measuring its whole log at once, whatever the chunks: on every
shipped scenario (a short run of each strategy) and on random partitions of
the customers, in random order, in contiguous id ranges or scattered."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chansim
from conftest import same_kpis
from chansim.billing.exact import exact_sum, scaled, scaled_by_group, to_float
from chansim.engine import run_replication
from chansim.kpis.pipeline import Measuring, measure
from chansim.kpis.totals import Totals

SCENARIOS = sorted(p for p in (Path(__file__).parent.parent / "scenarios").glob("*.yaml") if "bench" not in p.name)
CHUNKED = settings(max_examples=6, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@cache
def _log(path: str, index: int):
    """A short replication (a day and a half, half a day of warm-up) of one strategy of a shipped scenario."""
    scenario = chansim.load_scenario(path, {"days": 1.5, "warmup_hours": 12})
    names = scenario.strategy_names
    strategy = names[index % len(names)]
    return scenario, strategy, run_replication(scenario, strategy, 1)


def _chunks(log, parts: int, scattered: bool, seed: int):
    """The log's contacts and messages cut into ``parts`` chunks of whole
    customers: by random customer, or in ranges of customer ids; in a random
    order."""
    rng = np.random.default_rng(seed)
    contacts, messages = log.contacts, log.messages
    customers = np.unique(np.concatenate([contacts["customer_id"].to_numpy(np.int64),
                                          messages["customer_id"].to_numpy(np.int64)]))
    if scattered:
        part = rng.integers(0, parts, customers.size)
    else:
        cuts = np.sort(rng.integers(0, customers.size + 1, parts - 1))
        part = np.searchsorted(cuts, np.arange(customers.size), side="right")
    of_contact = part[np.searchsorted(customers, contacts["customer_id"].to_numpy(np.int64))]
    of_message = part[np.searchsorted(customers, messages["customer_id"].to_numpy(np.int64))]
    order = rng.permutation(parts)
    return [(contacts[of_contact == k], messages[of_message == k]) for k in order]



@pytest.mark.parametrize("path", [str(p) for p in SCENARIOS], ids=[p.stem for p in SCENARIOS])
@CHUNKED
@given(index=st.integers(0, 5), parts=st.integers(1, 7), scattered=st.booleans(), seed=st.integers(0, 2**31))
def test_kpis_measured_in_chunks_are_those_of_the_whole_log(path, index, parts, scattered, seed):
    scenario, strategy, log = _log(path, index)
    resolved = scenario.for_strategy(strategy)
    whole = measure(resolved, log, 1)
    measuring = Measuring(resolved, 1)
    for contacts, messages in _chunks(log, parts, scattered, seed):
        measuring.add(contacts, messages)
    chunked = measuring.finish(log.staffing)
    same_kpis(chunked.kpis.overall, whole.kpis.overall, "overall")
    same_kpis(chunked.kpis.breakdowns, whole.kpis.breakdowns, "breakdowns")
    pd.testing.assert_frame_equal(chunked.costs, whole.costs, check_exact=True)
    pd.testing.assert_frame_equal(chunked.labor, whole.labor, check_exact=True)


def test_the_chunks_hold_what_the_kpis_turn_on():
    """The shipped logs measured above have repeats, continuations on other
    channels, campaign sends and survey answers, so a chunking that cut an
    issue or a customer's messages apart would show."""
    seen = {"repeat": False, "leg": False, "send": False}
    for path in SCENARIOS:
        for index in range(6):
            _, _, log = _log(str(path), index)
            c = log.contacts
            seen["repeat"] |= bool((c["attempt"] > 0).any())
            seen["leg"] |= bool(c["parent_id"].notna().any())
            seen["send"] |= bool((log.messages["contact_id"] < 0).any())
            seen["survey"] = seen.get("survey", False) or bool(c["outcome"].isin(["resolved", "contained"]).any())
    assert all(seen.values()), seen


# ------------------------------------------------------------------ exact sums
@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e300, 1e300), max_size=60), st.randoms(use_true_random=False))
def test_an_exact_sum_is_fsum_in_any_order_and_split(values, rnd):
    want = math.fsum(values)
    shuffled = list(values)
    rnd.shuffle(shuffled)
    cut = rnd.randint(0, len(values))
    assert exact_sum(np.array(values)) == want
    assert to_float(scaled(np.array(shuffled[:cut])) + scaled(np.array(shuffled[cut:]))) == want


def test_exact_sums_by_group_and_the_classic_cases():
    assert exact_sum([0.1, 0.2, 0.3]) == math.fsum([0.1, 0.2, 0.3]) == 0.6
    assert exact_sum([1e100, 1.0, -1e100]) == 1.0  # (a float sum gives 0.0)
    assert exact_sum([5e-324, 5e-324]) == 1e-323 and exact_sum([]) == 0.0
    groups = np.array([0, 1, 0, 2, -1, 3])
    values = np.array([1e16, 1.0, 1.0, 2.5, 7.0, 9.0])
    assert [to_float(s) for s in scaled_by_group(groups, 3, values)] == [math.fsum([1e16, 1.0]), 1.0, 2.5]
    with pytest.raises(ValueError):
        exact_sum([1.0, float("nan")])


def test_totals_add_key_by_key_and_read_nothing_as_zero():
    a, b = Totals(contacts=3, **{"wait.n": 2, "wait.sum": scaled(np.array([1.0, 2.0]))}), Totals(contacts=1)
    a += b
    assert a["contacts"] == 4 and a["abandoned"] == 0 and a.mean("wait") == 1.5 and a.mean("ttr") is None
