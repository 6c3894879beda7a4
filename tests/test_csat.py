"""Tests for chansim.kpis.csat: hand-computed expected scores, exclusions,
validation, survey sampling (response share, determinism) and properties
that hold for any contacts: more waiting never raises a score, resolving a
contact never lowers it (expected and sampled, fixed seed)."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chansim.scenario.channels import CHANNELS
from chansim.kpis.csat import (
    BENCHMARK_SHARE,
    DEFAULT_BASE,
    DEFAULT_RESPONSE_RATE,
    DEFAULT_WAIT_GRACE_S,
    Csat,
    base_for_share,
    csat_kpis,
    expected_score,
    survey,
)

OUTCOMES = ("resolved", "unresolved", "abandoned", "contained", "deflected", "unserved")

#: Round numbers so every expected score below can be checked by hand.
HAND = Csat(
    base={"voice": 4.0, "webchat": 4.9},
    wait_grace_s={"voice": 30, "webchat": 60},
    wait_penalty_per_min=0.5,
    wait_penalty_max=2.0,
    abandon_penalty=2.0,
    unresolved_penalty=1.0,
    context_loss_penalty=0.5,
    transfer_penalty=0.25,
    first_choice_bonus=0.2,
    noise_sd=0.0,
)


def table(rows: list[dict]) -> pd.DataFrame:
    """A contacts table; unspecified columns take neutral values."""
    full = []
    for i, r in enumerate(rows):
        full.append({
            "replication": 0, "strategy": "s", "contact_id": i, "channel": "voice", "preferred_channel": "email",
            "wait_s": 0.0, "outcome": "resolved", "bot_outcome": "none", "context_lost": False, "transfers": 0,
            **r,
        })
    df = pd.DataFrame(full)
    for col in ("channel", "preferred_channel"):
        df[col] = pd.Categorical(df[col], categories=list(CHANNELS))
    df["outcome"] = pd.Categorical(df["outcome"], categories=list(OUTCOMES))
    return df


# ------------------------------------------------------------ expected score
HAND_CASES = [
    # (row, expected score, why)
    ({"wait_s": 20.0}, 4.0, "within grace"),
    ({"wait_s": 30.0}, 4.0, "exactly at grace"),
    ({"wait_s": 150.0}, 4.0 - 0.5 * 2, "2 min beyond grace"),
    ({"wait_s": 30.0 + 60 * 100}, 4.0 - 2.0, "wait penalty capped"),
    ({"wait_s": 90.0, "outcome": "abandoned"}, 4.0 - 2.0 - 0.5, "abandoned after 1 min beyond grace"),
    ({"wait_s": 10.0, "outcome": "unresolved"}, 4.0 - 1.0, "unresolved"),
    ({"context_lost": True}, 4.0 - 0.5, "context lost"),
    ({"transfers": 2}, 4.0 - 0.5, "two transfers"),
    ({"preferred_channel": "voice"}, 4.0 + 0.2, "first choice"),
    ({"outcome": "contained", "wait_s": np.nan}, 4.0, "bot-contained, never queued"),
    ({"outcome": "unserved", "wait_s": np.nan, "preferred_channel": "voice"}, 1.0, "4 - 2 - 2 + 0.2 clipped at 1"),
    ({"outcome": "unserved", "wait_s": 45.0}, 4.0 - 2.0 - 0.125, "unserved with a recorded wait"),
    ({"channel": "webchat", "preferred_channel": "webchat", "wait_s": 60.0}, 5.0, "4.9 + 0.2 clipped at 5"),
    ({"channel": "webchat", "wait_s": 120.0, "transfers": 1, "context_lost": True, "outcome": "unresolved"},
     4.9 - 0.5 - 0.25 - 0.5 - 1.0, "everything at once"),
    ({"channel": "email", "preferred_channel": "voice", "wait_s": 3600.0}, DEFAULT_BASE["email"],
     "unlisted channel keeps the default base, grace"),
]


@pytest.mark.parametrize("row,want,why", HAND_CASES, ids=[c[2] for c in HAND_CASES])
def test_expected_score_by_hand(row, want, why):
    got = expected_score(table([row]), HAND)
    assert got.shape == (1,)
    assert got[0] == pytest.approx(want, abs=1e-12), why


def test_row_order_and_batch_equal_single_rows():
    rows = [c[0] for c in HAND_CASES]
    got = expected_score(table(rows), HAND)
    np.testing.assert_allclose(got, [c[1] for c in HAND_CASES], atol=1e-12)


def test_deflected_is_not_surveyed():
    contacts = table([{"outcome": "deflected"}, {"outcome": "resolved"}] * 500)
    expected = expected_score(contacts, HAND)
    assert np.isnan(expected[::2]).all() and not np.isnan(expected[1::2]).any()
    sv = survey(contacts, HAND.model_copy(update={"response_rate": {"voice": 1.0}}), np.random.default_rng(3))
    assert not sv["responded"][::2].any() and sv["score"][::2].isna().all()
    assert sv["responded"][1::2].all()


def test_optional_columns_may_be_absent_and_strings_work():
    contacts = pd.DataFrame({"channel": ["voice", "webchat"], "outcome": ["resolved", "unresolved"],
                             "wait_s": [0.0, 0.0]})
    np.testing.assert_allclose(expected_score(contacts, HAND), [4.0, 3.9])


def test_missing_or_unknown_values_are_errors():
    with pytest.raises(ValueError, match="wait_s"):
        expected_score(pd.DataFrame({"channel": ["voice"], "outcome": ["resolved"]}), HAND)
    with pytest.raises(ValueError, match="fax"):
        expected_score(pd.DataFrame({"channel": ["fax"], "outcome": ["resolved"], "wait_s": [0.0]}), HAND)
    with pytest.raises(ValueError, match="lost"):
        expected_score(pd.DataFrame({"channel": ["voice"], "outcome": ["lost"], "wait_s": [0.0]}), HAND)


def test_empty_table():
    empty = table([{}]).iloc[:0]
    assert expected_score(empty, Csat()).shape == (0,)
    sv = survey(empty, Csat(), np.random.default_rng(0))
    assert len(sv) == 0 and csat_kpis(sv) == {"csat": None, "csat_pct": None}


# -------------------------------------------------------------- validation
def test_defaults_validate_and_cover_every_channel():
    c = Csat()
    for mapping in (c.base, c.wait_grace_s, c.response_rate):
        assert set(mapping) == set(CHANNELS)
    assert Csat.model_validate(c.model_dump()) == c
    assert Csat.model_json_schema()["additionalProperties"] is False
    for name, field in Csat.model_fields.items():
        assert field.description, name


def test_defaults_reproduce_the_benchmark_shares():
    """A resolved, prompt, first-choice contact scores 4-5 with the benchmark share."""
    c = Csat()
    for channel, share in BENCHMARK_SHARE.items():
        mean = c.base[channel] + c.first_choice_bonus
        assert 1 - NormalDist(mean, c.noise_sd).cdf(3.5) == pytest.approx(share, abs=0.005), channel
        assert base_for_share(share) == pytest.approx(c.base[channel], abs=0.005)
    # and so does the sampled survey
    n = 40_000
    contacts = table([{"channel": "webchat", "preferred_channel": "webchat"}] * n)
    sv = survey(contacts, c.model_copy(update={"response_rate": {"webchat": 1.0}}), np.random.default_rng(11))
    se = math.sqrt(0.92 * 0.08 / n)
    assert abs(csat_kpis(sv)["csat_pct"] - 0.92) < 4 * se + 0.005


def test_partial_dicts_merge_over_defaults_and_a_number_sets_every_grace():
    c = Csat(base={"voice": 4.1}, response_rate={"email": 0.5}, wait_grace_s={"voice": 10})
    assert c.base == {**DEFAULT_BASE, "voice": 4.1}
    assert c.response_rate == {**DEFAULT_RESPONSE_RATE, "email": 0.5}
    assert c.wait_grace_s == {**DEFAULT_WAIT_GRACE_S, "voice": 10.0}
    assert Csat(wait_grace_s=45).wait_grace_s == {ch: 45.0 for ch in CHANNELS}
    assert Csat(wait_grace_s=45).grace_s("email") == 45.0


@pytest.mark.parametrize("bad", [
    {"base": {"voice": 6}},
    {"base": {"voice": 0.5}},
    {"base": {"fax": 4}},
    {"unresolved_penalty": -0.1},
    {"wait_penalty_per_min": -1},
    {"abandon_penalty": -1},
    {"first_choice_bonus": -0.1},
    {"response_rate": {"voice": 1.5}},
    {"response_rate": {"voice": -0.1}},
    {"wait_grace_s": -1},
    {"wait_grace_s": {"voice": -1}},
    {"noise_sd": -0.5},
    {"noise_sd": float("inf")},
    {"colour": "blue"},
])
def test_bad_config_raises(bad):
    with pytest.raises(ValidationError):
        Csat(**bad)


def test_frozen():
    with pytest.raises(ValidationError):
        Csat().noise_sd = 1.0  # type: ignore[misc]


# ------------------------------------------------------------------ survey
def test_response_share_matches_rate():
    n_per = 30_000
    rates = {"voice": 0.05, "webchat": 0.2, "email": 0.5, "sms": 0.9}
    contacts = table([{"channel": ch} for ch in rates for _ in range(n_per)])
    sv = survey(contacts, Csat(response_rate=rates), np.random.default_rng(5))
    share = sv.groupby("channel", observed=True)["responded"].mean()
    for ch, rate in rates.items():
        se = math.sqrt(rate * (1 - rate) / n_per)
        assert abs(share[ch] - rate) < 4 * se, ch
    assert sv["score"][sv["responded"]].between(1, 5).all()
    assert sv["score"][~sv["responded"]].isna().all()


def test_all_five_without_noise():
    c = Csat(base={"voice": 5.0}, noise_sd=0.0, first_choice_bonus=0.0, response_rate={"voice": 0.3})
    sv = survey(table([{"wait_s": 5.0}] * 1000), c, np.random.default_rng(2))
    assert csat_kpis(sv) == {"csat": 5.0, "csat_pct": 1.0}


def test_kpis_by_hand():
    frame = pd.DataFrame({"responded": [True, True, True, False, True],
                          "score": pd.array([5, 4, 2, None, 3], dtype="Int64")})
    assert csat_kpis(frame) == {"csat": pytest.approx(3.5), "csat_pct": 0.5}
    assert csat_kpis(frame.assign(responded=False)) == {"csat": None, "csat_pct": None}


def test_survey_keeps_ids_and_index():
    contacts = table([{}, {"channel": "webchat"}]).set_index(pd.Index([10, 20]))
    sv = survey(contacts, Csat(), np.random.default_rng(0))
    assert list(sv.index) == [10, 20]
    assert list(sv.columns) == ["replication", "strategy", "contact_id", "channel", "expected", "responded", "score"]


def test_same_seed_same_survey_other_seed_differs():
    contacts = table([{"channel": ch, "wait_s": 40.0 * i} for i, ch in enumerate(CHANNELS * 500)])
    c = Csat(response_rate={ch: 0.5 for ch in CHANNELS})
    a = survey(contacts, c, np.random.default_rng(42))
    b = survey(contacts, c, np.random.default_rng(42))
    pd.testing.assert_frame_equal(a, b)
    other = survey(contacts, c, np.random.default_rng(43))
    assert not a["responded"].equals(other["responded"])


def test_common_random_numbers_draw_per_row_whatever_the_rows_hold():
    """A contact's draws depend on its row position only: changing other rows
    (even making them deflected) leaves its response and score unchanged."""
    rows = [{"channel": "webchat", "wait_s": 30.0 * i} for i in range(200)]
    changed = [dict(r, outcome="deflected") if i % 2 else r for i, r in enumerate(rows)]
    c = Csat(response_rate={"webchat": 0.5})
    a = survey(table(rows), c, np.random.default_rng(9))
    b = survey(table(changed), c, np.random.default_rng(9))
    pd.testing.assert_series_equal(a["score"][::2], b["score"][::2])


# -------------------------------------------------------------- properties
ROW = st.fixed_dictionaries({
    "channel": st.sampled_from(CHANNELS),
    "preferred_channel": st.sampled_from(CHANNELS),
    "outcome": st.sampled_from(OUTCOMES),
    "wait_s": st.one_of(st.just(np.nan), st.floats(0, 200_000)),
    "context_lost": st.booleans(),
    "transfers": st.integers(0, 4),
})
CONFIG = st.builds(
    Csat,
    base=st.dictionaries(st.sampled_from(CHANNELS), st.floats(1, 5)),
    wait_grace_s=st.one_of(st.floats(0, 5000), st.dictionaries(st.sampled_from(CHANNELS), st.floats(0, 5000))),
    wait_penalty_per_min=st.floats(0, 1),
    wait_penalty_max=st.floats(0, 4),
    abandon_penalty=st.floats(0, 4),
    unresolved_penalty=st.floats(0, 4),
    first_choice_bonus=st.floats(0, 1),
    noise_sd=st.floats(0, 2),
    response_rate=st.just({ch: 1.0 for ch in CHANNELS}),
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(rows=st.lists(ROW, min_size=1, max_size=30), config=CONFIG, data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_more_waiting_never_raises_a_score(rows, config, data, seed):
    extra = data.draw(st.lists(st.floats(0, 100_000), min_size=len(rows), max_size=len(rows)))
    longer = [dict(r, wait_s=(r["wait_s"] + e if not math.isnan(r["wait_s"]) else e)) for r, e in zip(rows, extra)]
    # a missing wait counts as the longest for abandoned/unserved contacts: never lengthen those from nan
    longer = [lr if not (math.isnan(r["wait_s"]) and r["outcome"] in ("abandoned", "unserved")) else r
              for r, lr in zip(rows, longer)]
    before, after = table(rows), table(longer)
    e0, e1 = expected_score(before, config), expected_score(after, config)
    assert np.all(np.isnan(e0) == np.isnan(e1))
    ok = ~np.isnan(e0)
    assert np.all(e1[ok] <= e0[ok] + 1e-12)
    s0 = survey(before, config, np.random.default_rng(seed))["score"]
    s1 = survey(after, config, np.random.default_rng(seed))["score"]
    assert (s1[ok] <= s0[ok]).all()


@FAST
@given(rows=st.lists(ROW, min_size=1, max_size=30), config=CONFIG, seed=st.integers(0, 2**32 - 1))
def test_resolving_never_lowers_a_score(rows, config, seed):
    rows = [dict(r, outcome="unresolved") for r in rows]
    resolved = [dict(r, outcome="resolved") for r in rows]
    e0, e1 = expected_score(table(rows), config), expected_score(table(resolved), config)
    assert np.all(e1 >= e0 - 1e-12)
    s0 = survey(table(rows), config, np.random.default_rng(seed))["score"]
    s1 = survey(table(resolved), config, np.random.default_rng(seed))["score"]
    assert (s1 >= s0).all()


@FAST
@given(rows=st.lists(ROW, min_size=1, max_size=30), config=CONFIG)
def test_expected_score_within_scale(rows, config):
    e = expected_score(table(rows), config)
    surveyed = np.array([r["outcome"] != "deflected" for r in rows])
    assert np.all(np.isnan(e) == ~surveyed)
    assert np.all((e[surveyed] >= 1) & (e[surveyed] <= 5))
