"""A log priced a set of customers at a time gives the cost lines of the whole
log, to the bit (:class:`chansim.billing.pricing_run.PricingRun`), and cost
lines sum exactly (the correctly rounded sum, whatever the order of the rows)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chansim.billing.costlines import LineSums, cost_lines
from chansim.billing.pricer import Pricer
from chansim.billing import pricing_run
from chansim.billing.pricing_run import PricingRun, merge_lines
from chansim.billing.ratecard import RateCard
from chansim.billing.rules.whatsapp import price_whatsapp
from chansim.engine.replication import run_replication
from chansim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CHUNKS = settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SUMS = settings(max_examples=200, deadline=None, database=None)


# ------------------------------------------------------------ exact sums
def priced_rows(costs, units=None) -> pd.DataFrame:
    """Priced rows of one cost line."""
    n = len(costs)
    return pd.DataFrame({"replication": np.zeros(n, dtype=np.int32), "strategy": "s", "segment": "a",
                         "market": "US", "channel": "sms", "rule": "r", "card": "c", "unit": "segment",
                         "units": np.ones(n) if units is None else np.asarray(units, dtype=float),
                         "cost": np.asarray(costs, dtype=float)})


@pytest.mark.parametrize("values", [[0.1, 0.2, 0.3], [1e16, 1.0, -1e16], [0.1] * 10, [1e-300, 1e300, -1e300]])
def test_a_line_cost_is_the_correctly_rounded_sum_in_every_order(values):
    expected = math.fsum(values)
    for order in itertools.permutations(range(len(values)), len(values)) if len(values) <= 4 else [range(10)]:
        line = cost_lines(priced_rows([values[i] for i in order]))
        assert line["cost"].tolist() == [expected]
    assert cost_lines(priced_rows([0.1, 0.2, 0.3]))["cost"].iloc[0] == 0.6  # (0.1 + 0.2 + 0.3: 0.6000000000000001)
    assert cost_lines(priced_rows([1e16, 1.0, -1e16]))["cost"].iloc[0] == 1.0  # (left to right: 0.0)


@SUMS
@given(values=st.lists(st.floats(-1e12, 1e12, allow_nan=False) | st.floats(-1e-6, 1e-6, allow_nan=False),
                       min_size=1, max_size=40),
       cuts=st.lists(st.integers(0, 40), max_size=5), seed=st.integers(0, 2**32 - 1))
def test_line_sums_in_parts_are_fsum(values, cuts, seed):
    shuffled = np.random.default_rng(seed).permutation(np.asarray(values))
    sums = LineSums()
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    for lo, hi in zip(bounds, bounds[1:]):
        sums.add(priced_rows(shuffled[lo:hi], units=shuffled[lo:hi]))
    line = sums.lines()
    assert line["cost"].tolist() == [math.fsum(values)]
    assert line["units"].tolist() == [math.fsum(values)]
    assert line["count"].tolist() == [len(values)]
    pd.testing.assert_frame_equal(line, cost_lines(priced_rows(values, units=values)), check_exact=True)


# ---------------------------------------------------- ties in time order
def test_monthly_free_units_go_by_time_then_customer_id_whatever_the_table_order():
    card = RateCard.model_validate({
        "id": "test-v2", "channel": "whatsapp", "market": "ZZ", "model": "whatsapp_v2",
        "effective_from": dt.date(2025, 7, 1), "currency": "USD", "source": "test", "confidence": "unverified",
        "rates": {"marketing": 1.0, "utility": 0.1, "authentication": 0.01}, "monthly_free": {"utility": 2},
        "tiers": {"utility": [{"above": 0, "rate": 0.1}, {"above": 1, "rate": 0.05}]}})
    # utility templates outside any service window, three at the same second: customer 3's first, then 5's
    rows = pd.DataFrame({"t": [7200.0, 3600.0, 3600.0, 3600.0, 3600.0], "customer_id": [1, 5, 5, 3, 9],
                         "direction": "out", "sender": "agent", "category": "utility"})
    for order in itertools.permutations(range(5)):
        if order.index(1) > order.index(2):
            continue  # (a customer's own rows keep their order)
        table = rows.iloc[list(order)]
        priced = price_whatsapp(table, card, start=dt.date(2026, 3, 1)).loc[rows.index]
        assert priced["rate"].tolist() == [0.05, 0.0, 0.1, 0.0, 0.05]  # 3 free, 5 free, 5 tier 1, 9, 1 tier 2


# ---------------------------------------------------------- logs in parts
def whole_lines(pricer: Pricer, messages: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    return merge_lines([cost_lines(pricer.messages(messages)), cost_lines(pricer.calls(contacts))])


def partition(customers: np.ndarray, k: int, contiguous: bool, seed: int) -> list[np.ndarray]:
    """``customers`` in ``k`` sets (some maybe empty), at random or in ranges of ids, in a random order."""
    rng = np.random.default_rng(seed)
    if contiguous:
        cuts = np.sort(rng.integers(0, customers.size + 1, k - 1))
        parts = np.split(np.sort(customers), cuts)
    else:
        which = rng.integers(0, k, customers.size)
        parts = [customers[which == j] for j in range(k)]
    return [parts[j] for j in rng.permutation(k)]


def priced_in_parts(pricer: Pricer, messages, contacts, k: int, contiguous: bool, seed: int,
                    compact: bool = False) -> pd.DataFrame:
    """The lines of the log priced in ``k`` parts (``compact``: the rows no later part can change let go
    after every part, not only past :data:`~chansim.billing.pricing_run.COMPACT_ROWS` kept rows)."""
    customers = np.union1d(messages["customer_id"].unique(), contacts["customer_id"].unique())
    every = pricing_run.COMPACT_ROWS
    pricing_run.COMPACT_ROWS = 0 if compact else every
    try:
        run = PricingRun(pricer)
    finally:
        pricing_run.COMPACT_ROWS = every
    for part in partition(customers, k, contiguous, seed):
        run.add(messages[messages["customer_id"].isin(part)], contacts[contacts["customer_id"].isin(part)])
    return run.lines()


VARIANTS = {
    "as shipped": {},
    # flat fees a contact (campaign sends are one contact, whoever they go to)
    "fees a contact": {"pricing.fees": {"rcs": {"per_message": 0.01, "per_contact": 0.5},
                                        "sms": {"per_segment": 0.007, "per_contact": 0.25}}},
    # WhatsApp v1 conversations, 1,000 free service conversations a month over two markets, crossing into
    # November 2024 (every service conversation free from 2024-11-01)
    "v1 in two markets": {"start_date": "2024-10-31", "demand.contacts_per_day": 1500,
                          "demand.segments.phone-and-email.market": "IN"},
    # v1 to v2 on 2025-07-01, India's v2 card with tiers
    "v1 to v2": {"start_date": "2025-06-30", "demand.contacts_per_day": 1500,
                 "demand.segments.phone-and-email.market": "IN"},
    # Meta Business Agent replies: billed per token, yet counted among the month's service messages
    "business agent": {"strategies.whatsapp-bot.bot.provider": "meta_business_agent",
                       "strategies.whatsapp-bot.bot.token_rate": 0.0001,
                       "strategies.whatsapp-bot.bot.tokens_per_reply": 300, "demand.contacts_per_day": 1500},
}


@functools.lru_cache(maxsize=None)
def shipped_log(name: str, strategy: str, variant: str):
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml", {"days": 2, **VARIANTS[variant]})
    log = run_replication(scenario, strategy, 0)
    return Pricer.for_scenario(scenario.for_strategy(strategy)), log.messages, log.contacts


SHIPPED = [("ecommerce-br", "marketing-campaign", "as shipped"), ("retail-us", "rcs-proactive", "fees a contact"),
           ("telecom-in", "whatsapp-first", "as shipped"), ("bank-uk", "proactive-alerts", "as shipped"),
           ("insurer-us", "voice-reservation", "as shipped"), ("ecommerce-br", "whatsapp-bot", "business agent"),
           ("ecommerce-br", "marketing-campaign", "v1 in two markets"),
           ("ecommerce-br", "marketing-campaign", "v1 to v2")]


@pytest.mark.parametrize("name,strategy,variant", SHIPPED)
@CHUNKS
@given(k=st.integers(1, 7), contiguous=st.booleans(), seed=st.integers(0, 2**32 - 1), compact=st.booleans())
def test_shipped_scenarios_priced_in_parts_give_the_whole_logs_lines(name, strategy, variant, k, contiguous, seed,
                                                                     compact):
    pricer, messages, contacts = shipped_log(name, strategy, variant)
    whole = whole_lines(pricer, messages, contacts)
    assert len(whole) > 2
    pd.testing.assert_frame_equal(priced_in_parts(pricer, messages, contacts, k, contiguous, seed, compact), whole,
                                  check_exact=True)


CARDS = """
cards:
  - id: whatsapp-v3-br
    channel: whatsapp
    market: "BR"
    model: whatsapp_v3
    effective_from: 2026-10-01
    effective_to: 2026-10-31
    currency: USD
    source: test card
    confidence: unverified
    rates: {marketing: 0.0625, utility: 0.0068, authentication: 0.0068}
    monthly_free: {service: 40, utility: 25, marketing: 10}
    tiers:
      utility: [{above: 0, rate: 0.0068}, {above: 60, rate: 0.0031}]
      service: [{above: 0, rate: 0.0068}, {above: 100, rate: 0.0042}]
      marketing: [{above: 0, rate: 0.0625}, {above: 50, rate: 0.0511}]
  - id: whatsapp-v3-br-november
    channel: whatsapp
    market: "BR"
    model: whatsapp_v3
    effective_from: 2026-11-01
    currency: USD
    source: test card
    confidence: unverified
    rates: {marketing: 0.0601, utility: 0.0057, authentication: 0.0057}
    monthly_free: {service: 30, utility: 20}
    tiers:
      utility: [{above: 0, rate: 0.0057}, {above: 80, rate: 0.0029}]
      service: [{above: 0, rate: 0.0057}, {above: 150, rate: 0.0033}]
  - id: whatsapp-v3-mx
    channel: whatsapp
    market: "MX"
    model: whatsapp_v3
    effective_from: 2026-10-01
    currency: USD
    source: test card
    confidence: unverified
    rates: {marketing: 0.0436, utility: 0.0085, authentication: 0.0085}
    monthly_free: {service: 60, utility: 15}
    tiers:
      utility: [{above: 0, rate: 0.0085}, {above: 30, rate: 0.0041}]
      marketing: [{above: 0, rate: 0.0436}, {above: 40, rate: 0.0302}]
"""


@functools.lru_cache(maxsize=None)
def tiered_log(markets: int, folder: str):
    """Brazilian WhatsApp traffic (utility and marketing campaigns) from 30 October to 1 November 2026 under
    cards with monthly free units and tiers, a card change on 1 November, marketing capped at 0.055 a
    message; ``markets`` 2: the phone-and-email segment in Mexico (free units over both markets)."""
    cards = Path(folder) / "cards.yaml"
    cards.write_text(CARDS, encoding="utf-8")
    overrides = {"days": 2, "start_date": "2026-10-31", "pricing.rate_card": str(cards),
                 "demand.contacts_per_day": 1500}
    if markets == 2:
        overrides["demand.segments.phone-and-email.market"] = "MX"
    scenario = load_scenario(ROOT / "scenarios" / "ecommerce-br.yaml", overrides)
    log = run_replication(scenario, "marketing-campaign", 0)
    pricer = Pricer.for_scenario(scenario.for_strategy("marketing-campaign"), marketing_max_price=0.055)
    return pricer, log.messages, log.contacts


@pytest.fixture(scope="module")
def card_folder(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("cards"))


@pytest.mark.parametrize("markets", [1, 2])
def test_the_tiered_logs_cross_a_month_and_free_and_tier_some_rows(markets, card_folder):
    pricer, messages, contacts = tiered_log(markets, card_folder)
    lines = whole_lines(pricer, messages, contacts)
    whatsapp = lines[lines["channel"] == "whatsapp"]
    rules = whatsapp["rule"]
    months = {(pricer.start + dt.timedelta(seconds=float(t))).month for t in messages["t"]}
    assert months == {10, 11}
    assert set(whatsapp["card"]) == ({"whatsapp-v3-br", "whatsapp-v3-br-november", "whatsapp-v3-mx"} if markets == 2
                                     else {"whatsapp-v3-br", "whatsapp-v3-br-november"})
    every = ", every market)" if markets == 2 else "of the calendar month)"
    assert whatsapp.loc[rules.str.contains("free \\(first") & rules.str.endswith(every), "count"].sum() > 20
    assert whatsapp.loc[rules.str.contains("monthly tier above"), "count"].sum() > 1000
    assert whatsapp.loc[rules.str.contains("capped at the max price"), "count"].sum() > 100
    assert (whatsapp.loc[rules.str.contains("free \\(first"), "cost"] == 0).all()


@pytest.mark.parametrize("markets", [1, 2])
@CHUNKS
@given(k=st.integers(1, 7), contiguous=st.booleans(), seed=st.integers(0, 2**32 - 1), compact=st.booleans())
def test_monthly_free_units_and_tiers_priced_in_parts_give_the_whole_logs_lines(markets, card_folder, k, contiguous,
                                                                              seed, compact):
    pricer, messages, contacts = tiered_log(markets, card_folder)
    whole = whole_lines(pricer, messages, contacts)
    pd.testing.assert_frame_equal(priced_in_parts(pricer, messages, contacts, k, contiguous, seed, compact), whole,
                                  check_exact=True)


def test_rows_kept_to_rank_stay_within_the_month_counts_limits(card_folder, monkeypatch):
    # one market: each kept row waits on one month's count of one charge, which needs at most its free units
    # plus its last tier's threshold of rows, however many parts and rows come
    monkeypatch.setattr(pricing_run, "COMPACT_ROWS", 0)
    pricer, messages, contacts = tiered_log(1, card_folder)
    run = PricingRun(pricer)
    customers = np.union1d(messages["customer_id"].unique(), contacts["customer_id"].unique())
    kept = []
    for part in np.array_split(customers, 30):
        run.add(messages[messages["customer_id"].isin(part)], contacts[contacts["customer_id"].isin(part)])
        kept.append(sum(len(rows) for rows in run._ways[None].rows))
    limits = sum(run._ways[None].limits.values())
    assert max(kept) <= limits
    assert 10 * limits < (messages["channel"] == "whatsapp").sum()  # (a bound of the cards, not of the log)
    assert kept[-1] > 0
    pd.testing.assert_frame_equal(run.lines(), whole_lines(pricer, messages, contacts), check_exact=True)


def test_a_run_of_one_part_per_customer_and_empty_parts(card_folder):
    pricer, messages, contacts = tiered_log(2, card_folder)
    first = np.sort(messages["customer_id"].unique())[:150]
    messages = messages[messages["customer_id"].isin(first)]
    contacts = contacts[contacts["customer_id"].isin(first)]
    run = PricingRun(pricer)
    run.add(messages.iloc[:0], contacts.iloc[:0])
    for customer in first[::-1]:
        run.add(messages[messages["customer_id"] == customer], contacts[contacts["customer_id"] == customer])
    once = run.lines()
    pd.testing.assert_frame_equal(once, whole_lines(pricer, messages, contacts), check_exact=True)
    pd.testing.assert_frame_equal(run.lines(), once, check_exact=True)  # (lines() leaves the run as it was)
