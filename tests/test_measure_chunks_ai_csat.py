"""A replication measured a set of customers at a time: the CSAT survey and
the AI agent's charges of each set are exactly (bit for bit) the rows and
lines of the whole log, whatever the sets and their order.

Logs from the shipped scenario with an AI agent (``scenarios/ai-vendors.yaml``,
two days), under each of its AI cards and under variants naming cards of the
other billing units (per conversation, token, minute, session, resolution).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import chansim
from chansim.billing import ai_agent
from chansim.billing.ai_agent import (SCALED, ai_cost_lines, ai_period_lines, ai_session_lines, bot_costs_by_contact,
                                      combine_session_lines, merge_ai_lines)
from chansim.billing.rules import ai as ai_rules
from chansim.billing.rules.ai import price_sessions
from chansim.engine import run_replication
from chansim.engine.streams import Streams
from chansim.kpis.csat import Csat, survey, survey_draws, survey_key
from chansim.kpis.metrics import measured_window

SHIPPED = Path(__file__).parent.parent / "scenarios" / "ai-vendors.yaml"
REPLICATION = 1

#: Other AI cards put on the shipped scenario's per-outcome bot: every unit a session is billed in, and
#: sessions with agent-assist seats.
VARIANTS = {
    "per-conversation": {"vendor_card": "agentforce-conversation"},
    "per-token": {"vendor_card": "meta-business-agent", "rates": {"per_token": 0.00002}, "tokens_per_turn": 250},
    "per-minute": {"vendor_card": "genesys-voice-bot", "rates": {"per_minute": 0.1}},
    "per-session": {"vendor_card": "genesys-digital-bot", "rates": {"per_session": 0.05}},
    "per-resolution": {"vendor_card": "zendesk-ai-payg"},
    "outcome-and-assist": {"vendor_card": "intercom-fin", "assist_card": "agentforce-user", "seats": 40},
}


def _shipped_data() -> dict:
    data = yaml.safe_load(SHIPPED.read_text())
    data.update(days=2, warmup_hours=3)  # a warm-up: the measured window leaves some contacts out
    return data


def _cases() -> list[tuple[str, chansim.Scenario, str]]:
    shipped = chansim.load_scenario(_shipped_data())
    cases = [(name, shipped, name) for name in shipped.strategy_names if name != "own-staff"]
    for name, bot in VARIANTS.items():
        data = _shipped_data()
        strategy = copy.deepcopy(data["strategies"][1])
        strategy["bot"].pop("handoff_is_outcome", None)
        strategy["bot"].update(bot)
        data["strategies"] = [dict(strategy, name=name)]
        cases.append((name, chansim.load_scenario(data), name))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def logs():
    """Each case: (resolved scenario, measured contacts, measured messages)."""
    out = {}
    for name, scenario, strategy in CASES:
        log = run_replication(scenario, strategy, REPLICATION)
        resolved = scenario.for_strategy(strategy)
        contacts, messages = measured_window(log.contacts, log.messages, resolved.warmup_s)
        out[name] = (resolved, contacts.reset_index(drop=True), messages.reset_index(drop=True))
    return out


def _chunks(customers: np.ndarray, k: int, contiguous: bool, seed: int) -> list[np.ndarray]:
    """``customers`` split into ``k`` sets (some may be empty), in a random order."""
    rng = np.random.default_rng(seed)
    ids = np.unique(customers)
    if contiguous:
        cuts = np.sort(rng.integers(0, ids.size + 1, size=k - 1))
        parts = np.split(ids, cuts)
    else:
        label = rng.integers(0, k, size=ids.size)
        parts = [ids[label == j] for j in range(k)]
    return [parts[j] for j in rng.permutation(k)]


def _chunk(contacts, messages, customers):
    rows = np.flatnonzero(contacts["customer_id"].isin(customers).to_numpy())
    mine = messages["customer_id"].isin(customers).to_numpy()
    return rows, contacts.iloc[rows], messages[mine]


def _survey(resolved, contacts):
    bot = resolved.active_bot
    return survey(contacts, resolved.csat, Streams(resolved.seed, REPLICATION)("csat.survey"),
                  bot.csat_points() if bot is not None else None)


PARTITIONS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------- whole log, by hand
def test_the_cases_bill_every_unit_and_seats(logs):
    units = set()
    for resolved, contacts, messages in logs.values():
        lines = ai_cost_lines(resolved, contacts, messages, replication=REPLICATION)
        units |= set(lines["unit"])
    assert units == {"outcome", "action", "seat-day", "conversation", "token", "minute", "session", "resolution"}
    shipped, contacts, _ = logs["vendor-per-action"]
    assert 0 < len(contacts) < len(run_replication(chansim.load_scenario(_shipped_data()), "vendor-per-action",
                                                   REPLICATION).contacts)  # the warm-up is left out


@pytest.mark.parametrize("name", [name for name, *_ in CASES])
def test_each_line_is_the_correctly_rounded_sum_of_its_sessions(logs, name):
    resolved, contacts, messages = logs[name]
    lines = ai_cost_lines(resolved, contacts, messages, replication=REPLICATION)
    priced = price_sessions(contacts, messages, ai_agent.ai_pricing(resolved)) if ai_agent.ai_pricing(
        resolved).vendor_card else None
    sessions = lines[lines["unit"] != "seat-day"]
    assert int(sessions["count"].sum()) == (0 if priced is None else len(priced))
    for line in sessions.itertuples():
        mine = priced[(priced["rule"].astype(str) == line.rule) & (priced["segment"] == line.segment)
                      & (priced["channel"] == line.channel) & (priced["card"].astype(str) == line.card)]
        assert line.count == len(mine)
        assert line.cost == math.fsum(mine["cost"]) and line.units == math.fsum(mine["units"])
    seats = lines[lines["unit"] == "seat-day"]
    assert list(seats["cost"]) == list(ai_period_lines(resolved, replication=REPLICATION)["cost"])


def test_session_lines_hold_exact_integer_sums(logs):
    resolved, contacts, messages = logs["per-minute"]
    part = ai_session_lines(resolved, contacts, messages)
    assert len(part) and all(type(v) is int for name in SCALED for v in part[name])
    doubled = combine_session_lines([part, part])
    assert list(doubled["count"]) == list(2 * part["count"])
    assert list(doubled[SCALED[1]]) == [2 * v for v in part[SCALED[1]]]
    none = chansim.load_scenario(_shipped_data()).for_strategy("own-staff")
    assert ai_session_lines(none, contacts, messages) is None and ai_period_lines(none) is None
    assist = chansim.load_scenario(_shipped_data()).for_strategy("assist-only")
    assert len(ai_session_lines(assist, contacts, messages)) == 0 and len(ai_period_lines(assist)) == 2


# ------------------------------------------------------------------ chunked
@PARTITIONS
@given(case=st.sampled_from([name for name, *_ in CASES]), k=st.integers(1, 7), contiguous=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_ai_charges_of_the_customers_a_set_at_a_time_are_those_of_the_whole_log(logs, case, k, contiguous, seed):
    resolved, contacts, messages = logs[case]
    whole = ai_cost_lines(resolved, contacts, messages, replication=REPLICATION)
    whole_bot = bot_costs_by_contact(resolved, contacts, messages)
    parts = []
    for customers in _chunks(contacts["customer_id"].to_numpy(), k, contiguous, seed):
        rows, c, m = _chunk(contacts, messages, customers)
        parts.append(ai_session_lines(resolved, c, m))
        if whole_bot is not None:
            assert np.array_equal(bot_costs_by_contact(resolved, c, m), whole_bot[rows])
    merged = merge_ai_lines(parts, ai_period_lines(resolved, replication=REPLICATION))
    pd.testing.assert_frame_equal(merged, whole, check_exact=True)


@PARTITIONS
@given(case=st.sampled_from([name for name, *_ in CASES]), k=st.integers(1, 7), contiguous=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_survey_of_the_customers_a_set_at_a_time_is_that_of_the_whole_log(logs, case, k, contiguous, seed):
    resolved, contacts, messages = logs[case]
    whole = _survey(resolved, contacts)
    assert whole["responded"].sum() > 100
    for customers in _chunks(contacts["customer_id"].to_numpy(), k, contiguous, seed):
        rows, c, _ = _chunk(contacts, messages, customers)
        pd.testing.assert_frame_equal(_survey(resolved, c), whole.iloc[rows], check_exact=True)


def test_action_counts_drawn_a_block_at_a_time_are_the_draws_of_one_block(logs, monkeypatch):
    resolved, contacts, messages = logs["vendor-per-action"]
    ai = ai_agent.ai_pricing(resolved)
    at_once = price_sessions(contacts, messages, ai)
    assert at_once["contact_id"].max() > 1000 and at_once["units"].nunique() > 5
    monkeypatch.setattr(ai_rules, "_ACTION_BLOCK", 97)
    in_blocks = price_sessions(contacts, messages, ai)
    pd.testing.assert_frame_equal(in_blocks, at_once, check_exact=True)
    some = contacts[contacts["contact_id"] % 7 == 3]  # the blocks of an id ≥ 97 without the ones before
    pd.testing.assert_frame_equal(price_sessions(some, messages, ai),
                                  at_once[at_once["contact_id"] % 7 == 3].reset_index(drop=True), check_exact=True)


def test_a_customers_conversations_do_not_depend_on_row_order():
    """Two sessions of one customer at the same time: the one with the lower
    contact id opens the conversation, in any row order."""
    customer = np.array([5, 5, 5, 9])
    t = np.array([100.0, 100.0, 100.0 + 86_400.0, 100.0])
    ids = np.array([12, 11, 13, 14])
    assert list(ai_rules._conversation_units(customer, t, ids)) == [0.0, 1.0, 1.0, 1.0]
    back = [3, 2, 1, 0]
    assert list(ai_rules._conversation_units(customer[back], t[back], ids[back])) == [1.0, 1.0, 1.0, 0.0]
    assert list(ai_rules._conversation_units(customer, t)) == [1.0, 0.0, 1.0, 1.0]  # without ids: the first row


# ------------------------------------------------------------------ the draws
def test_draws_are_splitmix64_of_the_key_and_contact_id():
    """The first two outputs of splitmix64 started at 0 (its reference
    sequence) are the draws of contact 0 under key 0."""
    u, z = survey_draws(0, np.array([0]))
    assert u[0] == (0xE220A8397B1DCDAF >> 11) * 2.0**-53
    assert z[0] == stats.norm.ppf(((0x6E789E6AA1B965F4 >> 11) + 0.5) * 2.0**-53)


def test_uniforms_are_uniform_and_normals_normal():
    key = survey_key(np.random.default_rng(2024))
    for ids in (np.arange(40_000), np.random.default_rng(1).integers(0, 2**40, size=40_000)):
        u, z = survey_draws(key, ids)
        assert u.min() >= 0.0 and u.max() < 1.0 and np.isfinite(z).all()
        assert stats.kstest(u, "uniform").pvalue > 1e-4
        assert stats.kstest(z, "norm").pvalue > 1e-4
        assert abs(np.corrcoef(u, z)[0, 1]) < 0.03  # a contact's two draws are unrelated
        assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.03  # and those of neighbouring contacts
    mine, _ = survey_draws(key, np.arange(40_000))
    other, _ = survey_draws(survey_key(np.random.default_rng(2025)), np.arange(40_000))
    assert abs(np.corrcoef(mine, other)[0, 1]) < 0.03  # another stream: other draws


def test_the_key_is_the_streams_whatever_has_been_drawn():
    a, b = Streams(7, 3)("csat.survey"), Streams(7, 3)("csat.survey")
    b.random(1000)
    assert survey_key(a) == survey_key(b) == survey_key(a)
    assert survey_key(Streams(7, 4)("csat.survey")) != survey_key(a)
    assert survey_key(Streams(8, 3)("csat.survey")) != survey_key(a)


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    channels = np.array(["voice", "webchat", "sms"])
    outcomes = np.array(["resolved", "unresolved", "abandoned", "deflected"])
    return pd.DataFrame({
        "replication": 0, "strategy": "s", "contact_id": rng.permutation(10 * n)[:n],
        "channel": pd.Categorical(channels[rng.integers(0, 3, n)]),
        "outcome": pd.Categorical(outcomes[rng.integers(0, 4, n)]),
        "wait_s": rng.exponential(60.0, n)})


CONFIG = Csat(response_rate={"voice": 0.4, "webchat": 0.6, "sms": 0.2}, noise_sd=0.8)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_any_subset_of_rows_in_any_order_gets_the_same_answers(n, seed, data):
    contacts = _table(n, seed)
    whole = survey(contacts, CONFIG, np.random.default_rng(seed))
    picked = data.draw(st.lists(st.sampled_from(range(n)), unique=True, max_size=n))
    part = contacts.iloc[picked]
    pd.testing.assert_frame_equal(survey(part, CONFIG, np.random.default_rng(seed)), whole.iloc[picked],
                                  check_exact=True)


def test_the_survey_advances_no_generator_and_another_seed_answers_otherwise():
    contacts = _table(2000, 5)
    rng = np.random.default_rng(77)
    first = survey(contacts, CONFIG, rng)
    pd.testing.assert_frame_equal(survey(contacts, CONFIG, rng), first, check_exact=True)
    other = survey(contacts, CONFIG, np.random.default_rng(78))
    assert not first["responded"].equals(other["responded"])
    answered = first["responded"].to_numpy()
    share = answered.sum() / (~np.isnan(first["expected"].to_numpy())).sum()
    assert 0.3 < share < 0.5  # about the mean response rate of the surveyed
