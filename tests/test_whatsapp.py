"""WhatsApp Business Platform billing (chansim.billing.rules.whatsapp) and its cards.

Hand-worked message sequences, each with its reasoning in comments, then
hypothesis properties over random sequences. Times in the sequences are in
hours since ``start`` 00:00 (the frames carry seconds).

Most hand-worked cases use small synthetic cards with round rates
(marketing 1, utility 0.1, authentication 0.01, service 0.001) and no free
tier, so every charge can be read off the expected list; the built-in cards
are used where their dates, free tiers and rates are the point.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chansim.billing.ratecard import CardBook, RateCard, builtin_cards, card_book, load_card_file
from chansim.billing.rules.whatsapp import PRICE_COLUMNS, price_whatsapp
from chansim.errors import InputError

H = 3600.0
CARD_FILE = Path(__file__).resolve().parents[1] / "chansim" / "billing" / "cards" / "whatsapp.yaml"
PROPERTY = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------- builders
def frame(*rows) -> pd.DataFrame:
    """Messages from ``(hours, customer, direction, category[, free_entry_point])``."""
    records = []
    for hours, customer, direction, category, *fep in rows:
        records.append({
            "t": hours * H,
            "customer_id": customer,
            "direction": direction,
            "sender": "customer" if direction == "in" else "agent",
            "category": category,
            "free_entry_point": bool(fep and fep[0]),
        })
    return pd.DataFrame.from_records(records, columns=["t", "customer_id", "direction", "sender", "category",
                                                      "free_entry_point"])


def card(model: str, **fields) -> RateCard:
    """A synthetic card with round rates, no free tier and no free_from."""
    rates = {"marketing": 1.0, "utility": 0.1, "authentication": 0.01}
    if model == "whatsapp_v1":
        rates["service"] = 0.001
    if model == "whatsapp_v3":
        rates["service"] = 0.1  # v3: service at the market's utility rate
    data = {"id": f"test-{model}", "channel": "whatsapp", "market": "ZZ", "model": model,
            "effective_from": dt.date(2023, 6, 1), "currency": "USD", "source": "test", "confidence": "unverified",
            "rates": rates}
    data.update(fields)
    return RateCard.model_validate(data)


def scaled(c: RateCard, k: float) -> RateCard:
    """The same card with every rate (and tier rate) multiplied by ``k``."""
    data = c.model_dump()
    data["rates"] = {name: k * c.rate(name) for name in c.rates}
    data["tiers"] = {cat: [{"above": t.above, "rate": k * t.rate} for t in tiers] for cat, tiers in c.tiers.items()}
    return RateCard.model_validate(data)


def cost(priced: pd.DataFrame) -> float:
    return float((priced["units"] * priced["rate"]).sum())


def charged(priced: pd.DataFrame) -> list[float]:
    """The rate of each row, in row order (0 when free)."""
    return [round(r, 10) for r in priced["rate"]]


V1, V2, V3 = card("whatsapp_v1"), card("whatsapp_v2"), card("whatsapp_v3")
OWN = {c.id: c for c in load_card_file(CARD_FILE)}
JUNE_2024 = dt.date(2024, 6, 3)  # a Monday in the v1 period, before service became free (2024-11-01)
AUG_2025 = dt.date(2025, 8, 4)  # v2 period


# ----------------------------------------------------------------- output shape
def test_output_columns_index_and_types():
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "service"), (2, "b", "out", "utility"))
    messages.index = pd.Index([30, 10, 20], name="msg")
    priced = price_whatsapp(messages, V2, start=AUG_2025)
    assert tuple(priced.columns) == PRICE_COLUMNS
    assert priced.index.equals(messages.index)
    assert priced["billable"].dtype == bool
    assert priced["units"].dtype == float and priced["rate"].dtype == float
    assert set(priced["unit"]) == {"message"}
    assert set(price_whatsapp(messages, V1, start=JUNE_2024)["unit"]) == {"conversation"}
    assert priced["rule"].map(lambda r: isinstance(r, str) and r.startswith("whatsapp")).all()


def test_empty_messages():
    priced = price_whatsapp(frame(), V1, start=JUNE_2024)
    assert len(priced) == 0 and tuple(priced.columns) == PRICE_COLUMNS


def test_rows_in_any_order_are_priced_the_same_and_returned_aligned():
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "service"), (2, "a", "out", "utility"),
                     (26, "a", "out", "service"), (3, "b", "out", "marketing"), (4, "b", "out", "marketing"))
    straight = price_whatsapp(messages, V1, start=JUNE_2024)
    shuffled = messages.sample(frac=1.0, random_state=3)
    again = price_whatsapp(shuffled, V1, start=JUNE_2024)
    assert again.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(again.loc[straight.index], straight)


# ----------------------------------------------------------------- inbound
@pytest.mark.parametrize("c", [V1, V2, V3], ids=["v1", "v2", "v3"])
def test_inbound_messages_are_never_charged(c):
    messages = frame((0, "a", "in", "service", True), (1, "a", "in", "marketing"), (5, "b", "in", "utility"))
    priced = price_whatsapp(messages, c, start=JUNE_2024)
    assert not priced["billable"].any() and cost(priced) == 0
    assert (priced["rule"] == "whatsapp: customer message, free").all()


# ----------------------------------------------------------------- customer service window
def test_csw_expires_24h_after_the_customers_last_message():
    # Customer writes at 0 h: the CSW is open until 24 h.
    # 23 h: free-form reply inside the CSW -> deliverable; under v1 it opens a
    #       service conversation (no conversation is open), charged 0.001.
    # 25 h: free-form reply 25 h after the customer's last message -> not
    #       deliverable (a template would be needed), not billable.
    messages = frame((0, "a", "in", "service"), (23, "a", "out", "service"), (25, "a", "out", "service"))
    priced = price_whatsapp(messages, V1, start=JUNE_2024)
    assert charged(priced) == [0, 0.001, 0]
    assert list(priced["billable"]) == [False, True, False]
    assert "not deliverable" in priced["rule"][2] and "template" in priced["rule"][2]
    # Same under v2 (free-form messages are free there, but still need the CSW).
    v2 = price_whatsapp(messages, V2, start=AUG_2025)
    assert not v2["billable"].any()
    assert "inside the customer service window, free" in v2["rule"][1]
    assert "not deliverable" in v2["rule"][2]


def test_csw_extends_when_the_customer_writes_again():
    # Customer writes at 0 h and again at 20 h: the CSW now runs to 44 h.
    # 43 h: reply deliverable (23 h after the LAST customer message) -> opens a
    #       service conversation under v1, charged.
    # 44.5 h: 24.5 h after the last customer message -> not deliverable.
    messages = frame((0, "a", "in", "service"), (20, "a", "in", "service"),
                     (43, "a", "out", "service"), (44.5, "a", "out", "service"))
    priced = price_whatsapp(messages, V1, start=JUNE_2024)
    assert charged(priced) == [0, 0, 0.001, 0]
    assert "not deliverable" in priced["rule"][3]


def test_windows_are_per_customer():
    # Customer A writes at 0 h: A's CSW is open, B has none.
    # 1 h   free-form reply to A -> opens A's service conversation (0.001).
    # 1.5 h free-form message to B -> not deliverable: A's window does not cover B.
    # 2 h   utility template to A -> opens A's utility conversation (0.1).
    # 3 h   utility template to B -> B has no open conversation: opens one (0.1).
    # 4 h   utility template to A -> inside A's utility conversation, free.
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "service"), (1.5, "b", "out", "service"),
                     (2, "a", "out", "utility"), (3, "b", "out", "utility"), (4, "a", "out", "utility"))
    priced = price_whatsapp(messages, V1, start=JUNE_2024)
    assert charged(priced) == [0, 0.001, 0, 0.1, 0.1, 0]
    assert "not deliverable" in priced["rule"][2]
    # v2: the utility template to A is inside A's CSW (free); B's is outside (charged).
    v2 = price_whatsapp(messages, V2, start=AUG_2025)
    assert charged(v2) == [0, 0, 0, 0, 0.1, 0]


def test_replications_and_strategies_are_separate_worlds():
    # An event log holds several runs; customer "a" of replication 0 is not
    # customer "a" of replication 1. Replication 0: a writes at 0 h. Both
    # replications reply at 1 h: only replication 0's reply is deliverable.
    # Monthly counts are per run too: with 1 free service message a month,
    # each run's first service message is free.
    v3 = card("whatsapp_v3", monthly_free={"service": 1})
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "service"), (1, "a", "out", "service"),
                     (0.5, "b", "in", "service"), (2, "b", "out", "service"))
    messages["replication"] = [0, 0, 1, 1, 1]
    messages["strategy"] = pd.Categorical(["s"] * 5)
    messages["direction"] = messages["direction"].astype("category")  # as in the event log
    messages["category"] = messages["category"].astype("category")
    priced = price_whatsapp(messages, v3, start=dt.date(2026, 11, 2))
    assert charged(priced) == [0, 0, 0, 0, 0]
    assert "free (first 1 of the calendar month)" in priced["rule"][1]
    assert "not deliverable" in priced["rule"][2]
    assert "free (first 1 of the calendar month)" in priced["rule"][4]  # replication 1's first


# ----------------------------------------------------------------- v1 conversations
def test_v1_overlapping_categories():
    # 0 h   utility template   -> opens a utility conversation until 24 h: 0.1
    # 1 h   marketing template -> a utility conversation is open, but of another
    #                             category: a second conversation, charged 1.0
    # 2 h   utility template   -> inside the open utility conversation: free
    # 3 h   customer writes    -> CSW open until 27 h
    # 4 h   free-form reply    -> inside the CSW and covered by the open
    #                             (marketing/utility) conversations: free
    # 23 h  authentication     -> a third category: 0.01
    # 25 h  utility template   -> the 0 h utility conversation expired at 24 h:
    #                             opens a new one, 0.1
    # 26 h  free-form reply    -> CSW open (until 27 h); the marketing
    #                             conversation (1 h..25 h) has expired but the
    #                             authentication (23 h..47 h) and new utility
    #                             ones are open: free
    messages = frame((0, "a", "out", "utility"), (1, "a", "out", "marketing"), (2, "a", "out", "utility"),
                     (3, "a", "in", "service"), (4, "a", "out", "service"), (23, "a", "out", "authentication"),
                     (25, "a", "out", "utility"), (26, "a", "out", "service"))
    priced = price_whatsapp(messages, V1, start=JUNE_2024)
    assert charged(priced) == [0.1, 1.0, 0, 0, 0, 0.01, 0.1, 0]
    assert cost(priced) == pytest.approx(1.21)
    assert priced["units"].sum() == 4  # four conversations
    assert "opens a utility conversation" in priced["rule"][0]
    assert "opens a marketing conversation" in priced["rule"][1]
    assert "inside an open utility conversation, free" in priced["rule"][2]
    assert "free-form reply inside an open" in priced["rule"][4]


def test_v1_service_conversation():
    # 0 h    customer writes     -> CSW until 24 h
    # 1 h    free-form reply     -> nothing open: opens a service conversation
    #                               (1 h..25 h), charged 0.001 on this message
    # 2 h    free-form reply     -> inside the service conversation: free
    # 3 h    utility template    -> a service conversation does not cover a
    #                               template: opens a utility conversation, 0.1
    # 30 h   customer writes     -> CSW until 54 h
    # 30.5 h free-form reply     -> the service conversation ended at 25 h, the
    #                               utility one at 27 h: opens a new service
    #                               conversation, 0.001
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "service"), (2, "a", "out", "service"),
                     (3, "a", "out", "utility"), (30, "a", "in", "service"), (30.5, "a", "out", "service"))
    priced = price_whatsapp(messages, V1, start=JUNE_2024)
    assert charged(priced) == [0, 0.001, 0, 0.1, 0, 0.001]
    assert "inside an open service conversation, free" in priced["rule"][2]


def test_v1_conversation_lasts_exactly_24h_from_its_opening_message():
    # Marketing at 0 h opens a conversation that covers [0 h, 24 h): a marketing
    # template at 23.99 h is free, one at exactly 24 h opens a new conversation.
    messages = frame((0, "a", "out", "marketing"), (23.99, "a", "out", "marketing"), (24, "a", "out", "marketing"))
    assert charged(price_whatsapp(messages, V1, start=JUNE_2024)) == [1.0, 0, 1.0]


def _service_conversations(n: int, start_hour: float, prefix: str = "c") -> list[tuple]:
    """``n`` customers, each writing once and getting one reply a minute later,
    customer i at ``start_hour`` + i seconds."""
    rows = []
    for i in range(n):
        rows.append((start_hour + i / H, f"{prefix}{i:04d}", "in", "service"))
        rows.append((start_hour + (i + 60) / H, f"{prefix}{i:04d}", "out", "service"))
    return rows


def test_v1_free_tier_crosses_1000_and_resets_each_month():
    # Built-in US v1 card (0.0088 a service conversation; first 1,000 a
    # calendar month free, counted over ALL customers in time order).
    # June 29, 2024: 1,001 customers each open one service conversation; the
    # latest (c1000) is the 1,001st of June -> charged 0.0088, the rest free.
    # June 30 (30 h): c0001 writes again, its first conversation ended 24 h
    # after it opened -> a new one, the 1,002nd of June -> charged.
    # July 1 (50 h): c0000 writes again -> the first of July -> free.
    # Rows are shuffled: the count follows time, not row order.
    us_v1 = card_book().find("whatsapp", "US", dt.date(2024, 6, 29))
    assert us_v1.model == "whatsapp_v1" and us_v1.monthly_free == {"service": 1000}
    rows = _service_conversations(1001, 0.0)
    rows += [(30, "c0001", "in", "service"), (30.1, "c0001", "out", "service"),
             (50, "c0000", "in", "service"), (50.1, "c0000", "out", "service")]
    messages = frame(*rows).sample(frac=1.0, random_state=7)
    priced = price_whatsapp(messages, us_v1, start=dt.date(2024, 6, 29))
    paid = messages[priced["billable"]]
    assert sorted(zip(paid["customer_id"], paid["t"] / H)) == [("c0001", pytest.approx(30.1)),
                                                               ("c1000", pytest.approx((1000 + 60) / H))]
    assert cost(priced) == pytest.approx(2 * 0.0088)
    replies = priced[messages["direction"] == "out"]
    free_tier = replies["rule"].str.contains("first 1,000 of the calendar month")
    assert free_tier.sum() == 1000 + 1  # 1,000 in June, 1 in July
    july = priced[(messages["customer_id"] == "c0000") & (messages["t"] == 50.1 * H)]
    assert not july["billable"].item()


def test_v1_service_conversations_free_from_2024_11_01():
    # Oct 31, 2024: 1,001 service conversations -> the 1,001st is charged.
    # Nov 1 (25 h on): the same 1,001 customers again -> every service
    # conversation is free from 2024-11-01, whatever the count; templates
    # are still charged.
    start = dt.date(2024, 10, 31)
    us_v1 = card_book().find("whatsapp", "US", start)
    rows = _service_conversations(1001, 0.0) + _service_conversations(1001, 25.0)
    rows.append((26, "c0000", "out", "utility"))
    messages = frame(*rows)
    priced = price_whatsapp(messages, us_v1, start=start)
    october = messages["t"] < 24 * H
    assert priced.loc[october, "billable"].sum() == 1
    assert priced.loc[october, "rate"].max() == pytest.approx(0.0088)
    november_replies = (~october) & (messages["direction"] == "out") & (messages["category"] == "service")
    assert not priced.loc[november_replies, "billable"].any()
    assert priced.loc[november_replies, "rule"].str.contains("free from 2024-11-01").all()
    assert priced["rate"].iloc[-1] == pytest.approx(0.0040)  # the utility template: 0.0040 a conversation


# ----------------------------------------------------------------- free entry point
FEP_TRAFFIC = (
    (0, "a", "in", "service", True),  # A comes in from a click-to-WhatsApp ad
    (2, "a", "out", "service"),  # answered 2 h later (< 24 h): FEP window 2 h..74 h, free
    (10, "a", "out", "marketing"),  # template inside the FEP window: free
    (30, "a", "out", "service"),  # CSW closed at 24 h: not deliverable (FEP does not extend the CSW)
    (50, "a", "out", "authentication"),  # FEP: free
    (73, "a", "out", "marketing"),  # 73 h after the customer, but < 72 h after the answer: free
    (75, "a", "out", "marketing"),  # FEP over (74 h): charged 1.0
    (0, "b", "in", "service", True),  # B comes in from an ad too ...
    (25, "b", "out", "utility"),  # ... but the answer comes after 24 h: no FEP; outside the CSW: 0.1
    (26, "b", "out", "marketing"),  # charged 1.0
)


@pytest.mark.parametrize("c", [V1, V2, V3], ids=["v1", "v2", "v3"])
def test_free_entry_point_72h_window(c):
    priced = price_whatsapp(frame(*FEP_TRAFFIC), c, start=JUNE_2024)
    assert charged(priced) == [0, 0, 0, 0, 0, 0, 1.0, 0, 0.1, 1.0]
    assert all("FEP" in priced["rule"][i] for i in (1, 2, 4, 5))
    assert "not deliverable" in priced["rule"][3]


def test_fep_opens_at_the_first_answer_only():
    # FEP message at 0 h, answered at 1 h (FEP 1 h..73 h). A second customer
    # message without the flag at 5 h changes nothing; the first answer is the
    # one that opens the window, and 72.5 h is still inside it.
    messages = frame((0, "a", "in", "service", True), (1, "a", "out", "utility"), (5, "a", "in", "service"),
                     (72.5, "a", "out", "utility"), (73.5, "a", "out", "utility"))
    assert charged(price_whatsapp(messages, V2, start=AUG_2025)) == [0, 0, 0, 0, 0.1]


# ----------------------------------------------------------------- v1 -> v2 on 2025-07-01
def test_same_traffic_under_v1_then_v2_across_2025_07_01():
    # US traffic within one day, priced with the card in force that day.
    # A writes at 0 h; replies at 1 h; utility template at 2 h; authentication
    # at 3 h; marketing at 4 h; B (no CSW) gets a utility template at 5 h.
    traffic = frame((0, "a", "in", "service"), (1, "a", "out", "service"), (2, "a", "out", "utility"),
                    (3, "a", "out", "authentication"), (4, "a", "out", "marketing"), (5, "b", "out", "utility"))
    book = card_book()
    v1 = book.find("whatsapp", "US", dt.date(2025, 6, 30))
    v2 = book.find("whatsapp", "US", dt.date(2025, 7, 1))
    assert (v1.model, v2.model) == ("whatsapp_v1", "whatsapp_v2")
    on_v1 = price_whatsapp(traffic, v1, start=dt.date(2025, 6, 30))
    on_v2 = price_whatsapp(traffic, v2, start=dt.date(2025, 7, 1))
    # v1 (2025-06-30): the reply opens a service conversation, free (all
    # service free from 2024-11-01); utility opens a utility conversation
    # (0.0040); authentication another (0.0135); marketing to +1 numbers is
    # blocked since 2025-04-01; B's utility opens B's own conversation (0.0040).
    assert charged(on_v1) == [0, 0, 0.004, 0.0135, 0, 0.004]
    assert list(on_v1["unit"].unique()) == ["conversation"]
    # v2 (2025-07-01): the reply is free; the utility template is inside A's
    # CSW (free); authentication per message (0.0034); marketing blocked;
    # B's utility template is outside any CSW (0.0034).
    assert charged(on_v2) == [0, 0, 0, 0.0034, 0, 0.0034]
    assert list(on_v2["unit"].unique()) == ["message"]
    for priced in (on_v1, on_v2):
        assert "blocked" in priced["rule"][4] and "not delivered" in priced["rule"][4]
    assert cost(on_v1) == pytest.approx(0.0215) and cost(on_v2) == pytest.approx(0.0068)


def test_us_marketing_priced_before_the_block():
    # 2025-03-31: marketing templates to +1 numbers were still delivered.
    us_v1 = card_book().find("whatsapp", "US", dt.date(2025, 3, 31))
    priced = price_whatsapp(frame((1, "a", "out", "marketing"), (25, "a", "out", "marketing")), us_v1,
                            start=dt.date(2025, 3, 31))
    assert charged(priced) == [0.025, 0]  # 25 h falls on 2025-04-01: blocked
    assert "blocked" in priced["rule"][1]


def test_marketing_outside_the_us_is_not_blocked():
    uk = OWN["whatsapp-v2-uk"]
    assert charged(price_whatsapp(frame((1, "a", "out", "marketing")), uk, start=AUG_2025)) == [0.0529]


# ----------------------------------------------------------------- v2
def test_v2_utility_free_inside_csw_charged_outside():
    # 0 h customer writes (CSW to 24 h). 1 h utility: free. 23 h utility: free.
    # 24 h utility: the CSW has closed -> 0.1. Marketing and authentication
    # are charged inside the CSW too. Free-form replies are free.
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "utility"), (2, "a", "out", "marketing"),
                     (3, "a", "out", "authentication"), (4, "a", "out", "service"), (23, "a", "out", "utility"),
                     (24, "a", "out", "utility"))
    priced = price_whatsapp(messages, V2, start=AUG_2025)
    assert charged(priced) == [0, 0, 1.0, 0.01, 0, 0, 0.1]
    assert "utility template inside the customer service window, free" in priced["rule"][1]
    assert "outside the customer service window" in priced["rule"][6]


def test_v2_monthly_volume_tiers_are_marginal_and_reset_each_month():
    # Utility tiers: messages 1-2 of a month at 0.1, 3-4 at 0.05, 5+ at 0.01.
    # Aug 31, 2025: seven utility templates outside any CSW, one per customer,
    # at 1 h..7 h; a utility template inside x's CSW at 3.5 h is free and does
    # not count. Sep 1 (25 h): the count starts again at 0.1.
    tiered = card("whatsapp_v2", tiers={"utility": [{"above": 0, "rate": 0.1}, {"above": 2, "rate": 0.05},
                                                    {"above": 4, "rate": 0.01}]})
    rows = [(h, f"c{h}", "out", "utility") for h in range(1, 8)]
    rows += [(0.5, "x", "in", "service"), (3.5, "x", "out", "utility"), (25, "c1", "out", "utility")]
    messages = frame(*rows)
    shuffled = messages.sample(frac=1.0, random_state=1)
    priced = price_whatsapp(shuffled, tiered, start=dt.date(2025, 8, 31)).loc[messages.index]
    assert charged(priced) == [0.1, 0.1, 0.05, 0.05, 0.01, 0.01, 0.01, 0, 0, 0.1]
    assert "monthly tier above 4" in priced["rule"][6]
    assert cost(priced) == pytest.approx(0.43)


def test_v2_tiers_on_the_india_card():
    # The built-in IN card: 0.0014 up to 100M utility messages a month, then
    # 0.00098 (unverified). Price the 100,000,001st with a card whose counts we
    # can reach: the same tiers shifted to 'above 2'.
    india = OWN["whatsapp-v2-in"]
    assert [(t.above, t.rate) for t in india.tiers["utility"]] == [(0, 0.0014), (100_000_000, 0.00098)]
    assert india.tiers["authentication"] == india.tiers["utility"]
    small = india.model_copy(update={"tiers": {"utility": (india.tiers["utility"][0],
                                                           india.tiers["utility"][1].model_copy(update={"above": 2}))}})
    priced = price_whatsapp(frame(*[(h, f"c{h}", "out", "utility") for h in range(1, 5)]), small, start=AUG_2025)
    assert charged(priced) == [0.0014, 0.0014, 0.00098, 0.00098]


# ----------------------------------------------------------------- v3 (default from 2026-10-01)
def test_v3_from_2026_10_01_and_the_v2_what_if():
    day = dt.date(2026, 11, 2)
    book = CardBook(builtin_cards())
    assert book.find("whatsapp", "US", day).id == "whatsapp-v3-us"
    assert book.find("whatsapp", "US", dt.date(2026, 9, 30)).id == "whatsapp-v2-us"  # v3 from 2026-10-01
    # 1,001 customers write in and get a free-form reply; c0000 also gets a
    # utility template inside its CSW.
    rows = _service_conversations(1001, 0.0) + [(1, "c0000", "out", "utility")]
    messages = frame(*rows)
    card_v3 = book.find("whatsapp", "US", day)
    v2 = price_whatsapp(messages, card_v3, start=day, rules="v2")
    v3 = price_whatsapp(messages, card_v3, start=day)
    # v2 rules: free-form replies and the utility template inside the CSW are free.
    assert cost(v2) == 0
    assert any("pricing.rules: v2" in r for r in v2["rule"])
    # v3: the first 1,000 service messages of the month are free, the 1,001st
    # pays the US utility rate (0.0034); the utility template inside the CSW
    # is charged too (0.0034).
    assert v3["billable"].sum() == 2
    assert cost(v3) == pytest.approx(2 * 0.0034)


def test_v3_charges_service_messages_and_utility_in_the_csw():
    # Synthetic v3 card with 1 free service message a month.
    # 0 h customer writes. 1 h reply: the month's first service message, free.
    # 2 h reply: charged 0.1 (service = utility rate). 3 h utility template
    # inside the CSW: charged 0.1 (v3). 30 h reply: outside the CSW, not
    # deliverable. FEP traffic stays free (see the FEP test).
    v3 = card("whatsapp_v3", monthly_free={"service": 1})
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "service"), (2, "a", "out", "service"),
                     (3, "a", "out", "utility"), (30, "a", "out", "service"))
    priced = price_whatsapp(messages, v3, start=dt.date(2026, 11, 2))
    assert charged(priced) == [0, 0, 0.1, 0.1, 0]
    assert "free (first 1 of the calendar month)" in priced["rule"][1]
    assert "inside the customer service window, charged" in priced["rule"][3]
    assert "not deliverable" in priced["rule"][4]


# ----------------------------------------------------------------- inputs
def test_bad_inputs_are_reported_together():
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "promo"))
    messages.loc[0, "direction"] = "sideways"
    with pytest.raises(InputError) as err:
        price_whatsapp(messages, V2, start=AUG_2025)
    text = str(err.value)
    assert "sideways" in text and "promo" in text


def test_non_whatsapp_card_is_refused():
    sms = RateCard.model_validate({"id": "s", "channel": "sms", "market": "US", "model": "sms",
                                   "effective_from": "2024-01-01", "currency": "USD", "source": "x",
                                   "confidence": "unverified",
                                   "rates": {"outbound_segment": 0.01, "inbound_segment": 0.01}})
    with pytest.raises(InputError, match="not a WhatsApp card"):
        price_whatsapp(frame((0, "a", "in", "service")), sms, start=AUG_2025)


def test_free_entry_point_column_is_optional():
    messages = frame((0, "a", "in", "service"), (1, "a", "out", "utility")).drop(columns="free_entry_point")
    assert charged(price_whatsapp(messages, V1, start=JUNE_2024)) == [0, 0.1]


# ----------------------------------------------------------------- the card file
PRICING_MD = {  # the published example rates (USD) the cards are built from
    "US": ((0.0250, 0.0040, 0.0135, 0.0088), (0.0250, 0.0034)),
    "UK": ((0.0529, 0.0220, 0.0358, 0.0388), (0.0529, 0.0220)),
    "IN": ((0.0107, 0.0014, 0.0014, 0.0040), (0.0118, 0.0014)),
    "BR": ((0.0625, 0.0080, 0.0315, 0.0300), (0.0625, 0.0068)),
    "DE": ((0.1365, 0.0550, 0.0768, 0.0819), (0.1365, 0.0550)),
    "ID": ((0.0411, 0.0200, 0.0300, 0.0190), (0.0411, 0.0250)),
}


@pytest.mark.parametrize("market", sorted(PRICING_MD))
def test_cards_follow_pricing_md(market):
    (mk1, ut1, au1, sv1), (mk2, ua2) = PRICING_MD[market]
    book = CardBook(OWN.values())
    v1 = book.find("whatsapp", market, dt.date(2025, 6, 30))
    v2 = book.find("whatsapp", market, dt.date(2025, 7, 1))
    assert book.find("whatsapp", market, dt.date(2023, 6, 1)) == v1
    late = book.find("whatsapp", market, dt.date(2026, 9, 30))
    assert late == v2 if market != "IN" else late.id == "whatsapp-v2-in-2026"  # India revised on 2026-01-01
    v3 = book.find("whatsapp", market, dt.date(2026, 10, 1))
    assert book.find("whatsapp", market, dt.date(2030, 1, 1)) == v3  # open-ended
    assert (v1.model, v2.model, v3.model) == ("whatsapp_v1", "whatsapp_v2", "whatsapp_v3")
    assert [v1.rate(r) for r in ("marketing", "utility", "authentication", "service")] == [mk1, ut1, au1, sv1]
    assert v1.monthly_free == {"service": 1000} and v1.free_from == dt.date(2024, 11, 1)
    assert v1.confidence == v2.confidence == "reseller" and v3.confidence == "medium"
    assert [v2.rate(r) for r in ("marketing", "utility", "authentication")] == [mk2, ua2, ua2]
    assert v2.effective_to == (dt.date(2026, 9, 30) if market != "IN" else dt.date(2025, 12, 31))
    assert v3.effective_to is None
    kinds = ("marketing", "utility", "authentication")
    assert [v3.rate(r) for r in kinds] == [late.rate(r) for r in kinds]
    assert not v3.has("service")  # service messages pay the utility rate
    assert v3.monthly_free == {"service": 1000} and "single source" in v3.notes
    assert "third-party" in v1.source and "announced" in v1.source
    if market == "US":
        assert "blocked" in v1.notes and "blocked" in v2.notes
    if market == "IN":
        assert "UNVERIFIED" in v2.notes and "INR" in v2.notes and v2.lowest_confidence() == "unverified"


def test_builtin_book_has_the_whatsapp_cards():
    ids = {c.id for c in builtin_cards() if c.channel == "whatsapp"}
    assert ids == set(OWN)


# ----------------------------------------------------------------- properties
CUSTOMERS = ("a", "b", "c")
message_rows = st.lists(
    st.tuples(
        st.integers(0, 6 * 24 * 60),  # minute of the week (6 days)
        st.sampled_from(CUSTOMERS),
        st.sampled_from(["in", "out", "out"]),
        st.sampled_from(["service", "marketing", "utility", "authentication"]),
        st.booleans(),
    ),
    max_size=60,
)
PROPERTY_CARDS = [
    OWN["whatsapp-v1-us"], OWN["whatsapp-v1-in"], OWN["whatsapp-v2-us"], OWN["whatsapp-v2-in"],
    OWN["whatsapp-v3-us"], OWN["whatsapp-v3-br"], V1, V2,
    card("whatsapp_v1", monthly_free={"service": 2}, free_from=dt.date(2024, 11, 3)),
    card("whatsapp_v2", tiers={"utility": [{"above": 0, "rate": 0.1}, {"above": 3, "rate": 0.02}],
                               "authentication": [{"above": 1, "rate": 0.003}]}),
    card("whatsapp_v3", monthly_free={"service": 3}, tiers={"utility": [{"above": 2, "rate": 0.05}]}),
]
START_DATES = [dt.date(2024, 10, 29), dt.date(2025, 3, 30), dt.date(2025, 8, 30), dt.date(2026, 11, 2)]


def _random_frame(rows) -> pd.DataFrame:
    return frame(*[(minute / 60.0, cust, d, cat, fep) for minute, cust, d, cat, fep in rows])


@PROPERTY
@given(rows=message_rows, which=st.integers(0, len(PROPERTY_CARDS) - 1), start=st.sampled_from(START_DATES))
def test_no_negative_costs_and_consistent_columns(rows, which, start):
    messages = _random_frame(rows)
    priced = price_whatsapp(messages, PROPERTY_CARDS[which], start=start)
    assert priced.index.equals(messages.index)
    assert (priced["rate"] >= 0).all() and (priced["units"] >= 0).all()
    assert (priced["units"] * priced["rate"] >= 0).all()
    assert (priced["billable"] == (priced["units"] > 0)).all()
    assert (priced.loc[~priced["billable"], "rate"] == 0).all()
    inbound = messages["direction"] == "in"
    assert not priced.loc[inbound, "billable"].any()
    assert not priced.loc[priced["rule"].str.contains("not deliver"), "billable"].any()


@PROPERTY
@given(rows=message_rows.map(lambda rs: list({r[0]: r for r in rs}.values())),  # distinct times
       which=st.integers(0, len(PROPERTY_CARDS) - 1), start=st.sampled_from(START_DATES), seed=st.integers(0, 99))
def test_row_order_does_not_matter(rows, which, start, seed):
    messages = _random_frame(rows)
    c = PROPERTY_CARDS[which]
    straight = price_whatsapp(messages, c, start=start)
    shuffled = price_whatsapp(messages.sample(frac=1.0, random_state=seed), c, start=start)
    pd.testing.assert_frame_equal(shuffled.loc[messages.index], straight)


@PROPERTY
@given(rows=message_rows, which=st.integers(0, len(PROPERTY_CARDS) - 1), start=st.sampled_from(START_DATES),
       k=st.floats(0.01, 100.0))
def test_scaling_every_rate_by_k_scales_every_price_by_k(rows, which, start, k):
    messages = _random_frame(rows)
    c = PROPERTY_CARDS[which]
    base = price_whatsapp(messages, c, start=start)
    more = price_whatsapp(messages, scaled(c, k), start=start)
    np.testing.assert_allclose(more["rate"].to_numpy(), k * base["rate"].to_numpy(), rtol=1e-12, atol=0)
    assert (more["billable"] == base["billable"]).all() and (more["rule"] == base["rule"]).all()
    assert cost(more) == pytest.approx(k * cost(base), rel=1e-9, abs=1e-15)


def _python_calls(messages: pd.DataFrame, c: RateCard) -> tuple[int, pd.DataFrame]:
    """Calls of Python functions of the billing code while ``c`` prices ``messages``."""
    import sys

    import chansim.billing

    home = str(Path(chansim.billing.__file__).resolve().parent)
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call" and frame.f_code.co_filename.startswith(home):
            count += 1

    sys.setprofile(profile)
    try:
        priced = price_whatsapp(messages, c, start=dt.date(2026, 10, 1))
    finally:
        sys.setprofile(None)
    return count, priced


def _busy_month(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "t": rng.uniform(0, 30 * 86400, n), "customer_id": rng.integers(0, n // 10, n),
        "direction": rng.choice(["in", "out"], n), "sender": "agent",
        "category": rng.choice(["service", "service", "utility", "marketing", "authentication"], n),
        "free_entry_point": rng.random(n) < 0.02,
    })


@pytest.mark.slow
@pytest.mark.parametrize("card_id", ["whatsapp-v1-in", "whatsapp-v2-in", "whatsapp-v3-in"])
def test_half_a_million_messages_take_no_more_python_calls_than_five_thousand(card_id):
    # Pricing is vectorised: no function of the billing code runs once per message (v1's
    # conversation chain is one loop with no call in it), so 100 times the messages make
    # exactly as many Python calls into chansim.billing. (Speed is measured in benchmarks.)
    few, priced_few = _python_calls(_busy_month(5_000), OWN[card_id])
    many, priced_many = _python_calls(_busy_month(500_000), OWN[card_id])
    assert few > 0  # the count sees the billing code
    assert many == few
    assert len(priced_many) == 500_000 and (priced_many["rate"] >= 0).all()
    assert priced_few["billable"].any() and priced_many["billable"].any()


# ----------------------------------------------------------------- a slow reference
def reference(messages: pd.DataFrame, c: RateCard, start: dt.date) -> tuple[list[bool], list[float]]:
    """The rules written message by message, in time order (ties by row order),
    with plain dicts: an independent check of the vectorised pricing."""
    version = c.model[-2:]
    billable = [False] * len(messages)
    rate = [0.0] * len(messages)
    last_in: dict = {}  # customer -> time of the last customer message
    pending_fep: dict = {}  # customer -> times of unanswered free-entry-point messages
    fep_until: dict = {}  # customer -> end of the FEP window
    conv: dict = {}  # (customer, category) -> v1 conversation end
    count: dict = {}  # (category, year, month) -> charged units so far

    def price(i, category, day):
        key = (category, day.year, day.month)
        k = count.get(key, 0)
        count[key] = k + 1
        n_free = c.monthly_free.get(category, 0)
        if k < n_free or (version == "v1" and category == "service" and c.free_from and day >= c.free_from):
            return
        paid = k - n_free + 1
        r = c.rate(category)
        for tier in sorted(c.tiers.get(category, ()), key=lambda t: t.above):
            if paid > tier.above:
                r = tier.rate
        billable[i], rate[i] = True, r

    rows = sorted(range(len(messages)), key=lambda i: (messages["t"].iloc[i], i))
    for i in rows:
        t, who = float(messages["t"].iloc[i]), messages["customer_id"].iloc[i]
        category = messages["category"].iloc[i]
        day = start + dt.timedelta(days=int(t // 86400))
        if messages["direction"].iloc[i] == "in":
            last_in[who] = t
            if messages["free_entry_point"].iloc[i]:
                pending_fep.setdefault(who, []).append(t)
            continue
        csw = who in last_in and t - last_in[who] < 24 * H
        if category == "service" and not csw:
            continue  # not deliverable
        if category == "marketing" and c.market == "US" and day >= dt.date(2025, 4, 1):
            continue  # blocked
        if any(t - f < 24 * H for f in pending_fep.pop(who, [])):
            fep_until[who] = t + 72 * H
        if t < fep_until.get(who, -1.0):
            continue  # FEP: free
        if version == "v1":
            if category != "service":
                if conv.get((who, category), -1.0) <= t:
                    conv[(who, category)] = t + 24 * H
                    price(i, category, day)
            elif all(conv.get((who, cat), -1.0) <= t for cat in ("service", "marketing", "utility", "authentication")):
                conv[(who, "service")] = t + 24 * H
                price(i, "service", day)
        elif category == "service":
            if version == "v3":
                price(i, "service", day)
        elif not (category == "utility" and csw and version == "v2"):
            price(i, category, day)
    return billable, rate


@PROPERTY
@given(rows=message_rows, which=st.integers(0, len(PROPERTY_CARDS) - 1), start=st.sampled_from(START_DATES))
def test_matches_a_message_by_message_reference(rows, which, start):
    messages = _random_frame(rows)
    c = PROPERTY_CARDS[which]
    priced = price_whatsapp(messages, c, start=start)
    billable, rate = reference(messages, c, start)
    assert list(priced["billable"]) == billable
    np.testing.assert_allclose(priced["rate"].to_numpy(), rate, rtol=0, atol=0)
