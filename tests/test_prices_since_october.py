"""Prices since October 2026: WhatsApp marketing messages under a max price
(the cost capped, the deliveries and hence the responses cut by the user's
delivery curve), and cards dated on each side of a change: RCS basic and
single merged into one non-conversational category on 2025-11-20, and
India's WhatsApp rates of 2026-01-01, each message billed on its own date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from chansim import simulate
from chansim.billing import price
from chansim.billing.listing import coverage
from chansim.billing.ratecard import builtin_cards
from chansim.errors import InputError
from chansim.scenario.loader import load_scenario

UK_MARKETING = 0.0529  # whatsapp-v3-uk, from 2026-10-01


def campaign_data(max_price: float | None, curve=None) -> dict:
    campaign = {"channel": "whatsapp", "category": "marketing", "per_day": 4000, "response_rate": 0.05,
                "intent": "offer", "chars": 120}
    if max_price is not None:
        campaign |= {"max_price": max_price, "delivery_curve": curve}
    return {
        "name": "max-price", "currency": "USD", "market": "UK", "start_date": "2026-11-02", "days": 2, "seed": 3,
        "replications": 1, "warmup_hours": 0,
        "demand": {"contacts_per_day": 10,
                   "segments": [{"name": "all", "share": 1.0, "preference": ["whatsapp"]}],
                   "intents": [{"name": "offer", "share": 1.0}]},
        "channels": {"whatsapp": {"agent_time_per_turn": {"dist": "fixed", "value": 30}}},
        "agents": {"pools": [{"name": "chat", "channels": ["whatsapp"], "headcount": 20, "concurrency": 3,
                              "cost_per_hour": 30}]},
        "strategies": [{"name": "campaign", "offer": ["whatsapp"], "campaigns": [campaign]}],
    }


def run(data: dict, tmp_path: Path):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return simulate(load_scenario(path), replications=1)


def marketing(result):
    costs = result.costs
    rows = costs[(costs["channel"].astype(str) == "whatsapp") & costs["rule"].astype(str).str.contains("marketing")]
    return float(rows["units"].sum()), float(rows["cost"].sum())


CURVE = [[0.01, 0.2], [0.03, 0.6], [0.06, 1.0]]


def test_a_max_price_caps_the_rate_and_cuts_deliveries_and_responses_by_the_curve(tmp_path):
    full = run(campaign_data(None), tmp_path)
    capped = run(campaign_data(0.02, CURVE), tmp_path)
    sent_full, cost_full = marketing(full)
    sent_capped, cost_capped = marketing(capped)
    assert cost_full == pytest.approx(UK_MARKETING * sent_full)
    assert cost_capped == pytest.approx(0.02 * sent_capped)  # every delivered message at the cap
    share = 0.2 + (0.02 - 0.01) / (0.03 - 0.01) * (0.6 - 0.2)  # 0.4, read between the points
    n = 2 * 4000
    assert abs(sent_full / n - 1.0) < 4 * np.sqrt(n) / n
    assert abs(sent_capped / n - share) < 4 * np.sqrt(n * share) / n
    # the responses fall with the deliveries: responders = 5 % of the delivered (plus ~20 inbound contacts)
    contacts = [len(r.contacts) for r in (full, capped)]
    for made, delivered in zip(contacts, (sent_full, sent_capped)):
        expected = 20 + 0.05 * delivered
        assert abs(made - expected) < 4 * np.sqrt(expected)
    assert contacts[1] < contacts[0] * (share + 0.15)

def test_a_max_price_above_the_rate_changes_nothing(tmp_path):
    free = run(campaign_data(None), tmp_path)
    high = run(campaign_data(0.5, [[0.01, 0.3], [0.06, 1.0]]), tmp_path)  # delivered share 1 at 0.5
    assert marketing(high) == pytest.approx(marketing(free))


# ------------------------------------------------- cards dated on each side of a change
H = 3600.0
DAY = 86_400.0
CARDS = {c.id: c for c in builtin_cards()}
INR_PER_USD = 89.0  # the stated conversion of the India WhatsApp cards of 2026 (an assumption)


def table(channel: str, *rows) -> pd.DataFrame:
    """rows: (t seconds, customer, direction, chars, media, category)"""
    return pd.DataFrame({
        "t": [r[0] for r in rows], "customer_id": [r[1] for r in rows], "contact_id": [r[1] for r in rows],
        "channel": channel, "direction": [r[2] for r in rows],
        "sender": ["customer" if r[2] == "in" else "agent" for r in rows],
        "category": [r[5] if len(r) > 5 else "service" for r in rows],
        "chars": [r[3] for r in rows], "non_gsm": False, "media": [r[4] for r in rows],
    })


# Day 0 is 2025-11-19 (basic 0.030 / single 0.045 on rcs-uk-2024), day 1 is 2025-11-20
# (one non-conversational category on rcs-uk-2025-11, at the old single rate 0.045 by assumption).
RCS_CROSSING = table(
    "rcs",
    (1 * H, "a", "out", 100, False),  # 19 Nov: short text, basic
    (2 * H, "b", "out", 300, False),  # 19 Nov: over 160 bytes, single
    (3 * H, "c", "out", 10, True),  # 19 Nov: media, single
    (DAY + 1 * H, "a", "out", 100, False),  # 20 Nov: the same three, non-conversational
    (DAY + 2 * H, "b", "out", 300, False),
    (DAY + 3 * H, "c", "out", 10, True),
)


def test_rcs_messages_are_categorised_on_their_own_date_across_2025_11_20():
    p = price(RCS_CROSSING, market="UK", start_date="2025-11-19", rcs_agent="non_conversational")
    assert p["card"].astype(str).tolist() == ["rcs-uk-2024"] * 3 + ["rcs-uk-2025-11"] * 3
    assert p["cost"].tolist() == pytest.approx([0.030, 0.045, 0.045, 0.045, 0.045, 0.045])
    rules = p["rule"].astype(str).tolist()
    assert "basic" in rules[0] and "single" in rules[1] and "single" in rules[2]
    assert all("non-conversational" in r and "2025-11-20" in r for r in rules[3:])
    # the same traffic a day earlier stays on the old side; a day later, all on the new one
    before = price(RCS_CROSSING, market="UK", start_date="2025-11-18")
    after = price(RCS_CROSSING, market="UK", start_date="2025-11-20")
    assert before["cost"].tolist() == pytest.approx([0.030, 0.045, 0.045] * 2)
    assert set(before["card"].astype(str)) == {"rcs-uk-2024"}
    assert after["cost"].tolist() == pytest.approx([0.045] * 6)
    assert set(after["card"].astype(str)) == {"rcs-uk-2025-11"}


def test_rcs_conversational_agent_across_the_merge():
    # a: business at 22 h on 19 Nov, customer replies at 2 h on 20 Nov: one conversation (0.060) carried
    # by the 19 Nov message. b: an unreplied message on each side: basic 0.030, then non-conversational 0.045.
    m = table("rcs", (22 * H, "a", "out", 50, False), (DAY + 2 * H, "a", "in", 20, False),
              (DAY + 3 * H, "a", "out", 50, False), (5 * H, "b", "out", 50, False), (DAY + 5 * H, "b", "out", 50, False))
    p = price(m, market="UK", start_date="2025-11-19", rcs_agent="conversational")
    assert p["cost"].tolist() == pytest.approx([0.060, 0.0, 0.0, 0.030, 0.045])
    assert p["card"].astype(str).tolist() == ["rcs-uk-2024"] + ["rcs-uk-2025-11"] * 2 + ["rcs-uk-2024", "rcs-uk-2025-11"]
    assert "non-conversational" in p["rule"].iloc[4] and "basic" in p["rule"].iloc[3]


def test_rcs_pricing_date_before_the_merge_keeps_the_old_categories():
    p = price(RCS_CROSSING, market="UK", date="2025-11-19")  # what-if: every message under rcs-uk-2024
    assert set(p["card"].astype(str)) == {"rcs-uk-2024"}
    assert p["cost"].tolist() == pytest.approx([0.030, 0.045, 0.045] * 2)


def test_rcs_new_cards_carry_the_single_rate_as_a_stated_assumption():
    for market in ("uk", "in"):
        old, new = CARDS[f"rcs-{market}-2024"], CARDS[f"rcs-{market}-2025-11"]
        assert old.effective_to == dt.date(2025, 11, 19) and new.effective_from == dt.date(2025, 11, 20)
        assert set(new.rates) == {"non_conversational", "conversation"}
        assert new.rate("non_conversational") == old.rate("single")
        assert new.rates["non_conversational"].confidence == "unverified"
        assert "single rate" in new.rates["non_conversational"].note and "assumption" in new.notes
        assert new.lowest_confidence() == "unverified" and "2025-11-20" in new.source
    assert CARDS["rcs-us-2024"].effective_to is None  # no US carrier RCS change found


def own_card(tmp_path: Path, rates: dict) -> Path:
    path = tmp_path / "rcs.yaml"
    path.write_text(yaml.safe_dump({"cards": [{
        "id": "rcs-fr-own", "channel": "rcs", "market": "FR", "model": "rcs_standard",
        "effective_from": "2025-01-01", "currency": "USD", "source": "test contract", "confidence": "unverified",
        "rates": rates}]}))
    return path


def test_a_card_across_the_merge_needs_the_non_conversational_rate_for_its_later_messages(tmp_path):
    old_only = own_card(tmp_path, {"basic": 0.01, "single": 0.02})
    early = price(RCS_CROSSING.iloc[:3], market="FR", start_date="2025-11-19", rate_card=old_only)
    assert early["cost"].tolist() == pytest.approx([0.01, 0.02, 0.02])
    with pytest.raises(InputError, match="non_conversational") as error:
        price(RCS_CROSSING, market="FR", start_date="2025-11-19", rate_card=old_only)
    assert "2025-11-20" in str(error.value) and "rcs-fr-own" in str(error.value)
    both = own_card(tmp_path, {"basic": 0.01, "single": 0.02, "non_conversational": 0.015})
    p = price(RCS_CROSSING, market="FR", start_date="2025-11-19", rate_card=both)
    assert p["cost"].tolist() == pytest.approx([0.01, 0.02, 0.02, 0.015, 0.015, 0.015])
    new_only = own_card(tmp_path, {"non_conversational": 0.015})
    with pytest.raises(InputError, match="rates.basic"):
        price(RCS_CROSSING, market="FR", start_date="2025-11-19", rate_card=new_only)


def rcs_run(tmp_path: Path):
    data = {
        "name": "rcs-merge", "currency": "USD", "market": "UK", "start_date": "2025-11-19", "days": 2, "seed": 5,
        "replications": 1, "warmup_hours": 0,
        "demand": {"contacts_per_day": 200,
                   "segments": [{"name": "all", "share": 1.0, "preference": ["rcs"]}]},
        "channels": {"rcs": {"agent_time_per_turn": {"dist": "fixed", "value": 20}}},
        "pricing": {"rcs_agent": "non_conversational"},
        "agents": {"pools": [{"name": "chat", "channels": ["rcs"], "headcount": 20, "concurrency": 3,
                              "cost_per_hour": 30}]},
    }
    return run(data, tmp_path)


def test_a_run_crossing_2025_11_20_bills_each_day_under_its_rcs_rule(tmp_path):
    result = rcs_run(tmp_path)
    m = result.messages
    sent = m[(m["channel"].astype(str) == "rcs") & (m["direction"].astype(str) == "out") & (m["t"] >= 0)]  # no warm-up
    first_day = int((sent["t"].to_numpy(float) < DAY).sum())
    assert first_day > 50 and len(sent) - first_day > 50
    lines = result.costs[(result.costs["channel"] == "rcs") & ~result.costs["rule"].str.contains("user-sent")]
    old, new = lines[lines["card"] == "rcs-uk-2024"], lines[lines["card"] == "rcs-uk-2025-11"]
    assert set(lines["card"]) == {"rcs-uk-2024", "rcs-uk-2025-11"}
    assert old["rule"].str.contains("basic|single").all() and not old["rule"].str.contains("non-conv").any()
    assert new["rule"].str.contains("non-conversational").all()
    assert (old["count"].sum(), new["count"].sum()) == (first_day, len(sent) - first_day)
    assert new["cost"].sum() == pytest.approx(0.045 * (len(sent) - first_day))


# India WhatsApp: whatsapp-v2-in to 2025-12-31 (0.0118 / 0.0014), whatsapp-v2-in-2026 from 2026-01-01
# (INR 1.09 marketing, INR 0.145 utility/authentication, converted at 89 INR per USD).
INDIA_CROSSING = table(
    "whatsapp",
    (10 * H, "a", "out", 100, False, "marketing"),
    (11 * H, "b", "out", 100, False, "utility"),  # outside any service window: charged
    (12 * H, "c", "out", 100, False, "authentication"),
    (DAY + 10 * H, "a", "out", 100, False, "marketing"),
    (DAY + 11 * H, "b", "out", 100, False, "utility"),
    (DAY + 12 * H, "c", "out", 100, False, "authentication"),
)


def test_india_whatsapp_figures_of_2026_01_01_equal_the_reference():
    card = CARDS["whatsapp-v2-in-2026"]
    assert (card.effective_from, card.effective_to) == (dt.date(2026, 1, 1), dt.date(2026, 9, 30))
    assert card.currency == "USD" and "89 INR per USD" in card.notes
    assert card.rate("marketing") * INR_PER_USD == pytest.approx(1.09, abs=1e-6)
    assert card.rate("utility") * INR_PER_USD == pytest.approx(0.145, abs=1e-6)
    assert card.rate("authentication") == card.rate("utility")
    assert all(card.rates[r].confidence == "unverified" for r in ("marketing", "utility", "authentication"))
    assert not card.tiers  # no 2026 tier figure: base rate throughout
    v3 = CARDS["whatsapp-v3-in"]
    assert [v3.rate(r) for r in ("marketing", "utility", "authentication")] == \
        [card.rate(r) for r in ("marketing", "utility", "authentication")]
    assert CARDS["whatsapp-v2-in"].effective_to == dt.date(2025, 12, 31)


def test_india_whatsapp_run_crossing_2026_01_01_bills_each_message_on_its_own_date():
    p = price(INDIA_CROSSING, market="IN", start_date="2025-12-31")
    assert p["card"].astype(str).tolist() == ["whatsapp-v2-in"] * 3 + ["whatsapp-v2-in-2026"] * 3
    assert p["cost"].tolist() == pytest.approx([0.0118, 0.0014, 0.0014,
                                                1.09 / INR_PER_USD, 0.145 / INR_PER_USD, 0.145 / INR_PER_USD])
    # in rupees at the stated rate, the 2026 messages cost exactly the reference's figures
    inr = price(INDIA_CROSSING, market="IN", start_date="2025-12-31", currency="INR",
                exchange_rates={"USD": INR_PER_USD})
    assert inr["cost"].tolist()[3:] == pytest.approx([1.09, 0.145, 0.145])
    # a USD run needs no exchange rate for India's WhatsApp cards
    assert price(INDIA_CROSSING, market="IN", start_date="2025-12-31", currency="USD")["cost"].notna().all()


def test_india_from_2026_10_01_keeps_the_2026_rates():
    # a utility template inside the service window, charged from 2026-10-01 at India's 2026 utility rate
    # (service replies are too, past the month's first 1,000 free: single source), and a marketing template
    m = table("whatsapp", (0.0, "a", "in", 20, False), (60.0, "a", "out", 100, False, "utility"),
              (120.0, "a", "out", 100, False, "marketing"))
    p = price(m, market="IN", start_date="2026-11-02", currency="INR", exchange_rates={"USD": INR_PER_USD})
    assert p["card"].astype(str).tolist() == ["whatsapp-v3-in"] * 3
    assert p["cost"].tolist() == pytest.approx([0.0, 0.145, 1.09])


def test_direction_only_revisions_are_noted_without_figures():
    for card_id, words in (("whatsapp-v2-ae", "2025-10-01"), ("whatsapp-v2-mx", "2025-10-01"),
                           ("whatsapp-v2-co", "2025-10-01"), ("whatsapp-v2-fr", "2026-01-01"),
                           ("whatsapp-v2-eg", "2026-01-01"), ("whatsapp-v2-us", "2026-01-01")):
        assert f"Rate revision of {words}" in CARDS[card_id].notes and "no figure" in CARDS[card_id].notes
    nine = {"rest-of-asia-pacific": ("Bangladesh", "Nepal", "Sri Lanka"),
            "rest-of-middle-east": ("Iraq", "Kuwait", "Oman"), "rest-of-africa": ("Morocco",),
            "rest-of-central-eastern-europe": ("Ukraine",), "other": ("Kazakhstan",)}
    for region, countries in nine.items():
        notes = CARDS[f"whatsapp-v3-{region}"].notes
        assert "Standalone rates from 2026-10-01" in notes and all(c in notes for c in countries)


def test_coverage_lists_the_new_cards_with_source_and_confidence():
    rows = {(r["channel"], r["market"]): r for r in coverage(date="2026-03-02")}
    for key, card_id in ((("rcs", "UK"), "rcs-uk-2025-11"), (("rcs", "IN"), "rcs-in-2025-11"),
                         (("whatsapp", "IN"), "whatsapp-v2-in-2026")):
        row = rows[key]
        assert row["card"] == card_id and row["confidence"] == "unverified" and row["source"]
    assert rows[("rcs", "UK")]["rates"] == {"non_conversational": 0.045, "conversation": 0.060}
    before = {(r["channel"], r["market"]): r["card"] for r in coverage(date="2025-11-19")}
    assert before[("rcs", "UK")] == "rcs-uk-2024" and before[("whatsapp", "IN")] == "whatsapp-v2-in"
