"""Billing by each message's own date and its customer's market (hand-worked
cases), and the simulated SMS segment count against exact text analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chansim.billing import price
from chansim.billing.rules.gsm import analyse
from chansim.billing.rules.sms import sms_segments
from chansim.errors import InputError

H = 3600.0
BR_UTILITY = 0.0068  # whatsapp-v2-br / whatsapp-v3-br, card of 2026-01-01


def rows(*items, segment=None) -> pd.DataFrame:
    """items: (t seconds, customer, direction, category, sender)"""
    frame = pd.DataFrame({
        "t": [i[0] for i in items], "customer_id": [i[1] for i in items], "contact_id": [i[1] for i in items],
        "channel": "whatsapp", "direction": [i[2] for i in items], "category": [i[3] for i in items],
        "sender": [i[4] if len(i) > 4 else ("customer" if i[2] == "in" else "agent") for i in items],
        "chars": 100, "non_gsm": False, "media": False,
    })
    if segment is not None:
        frame["segment"] = segment
    return frame


def _allowance_used(n: int = 1000) -> list[tuple]:
    """n other customers each write and get one free-form reply, the first hour of the month."""
    out = []
    for k in range(n):
        out += [(k * 3.0, f"x{k}", "in", "service"), (k * 3.0 + 1, f"x{k}", "out", "service")]
    return out


BRAZIL_THREAD = [(2 * H, "br", "in", "service"), (2 * H + 60, "br", "out", "service"),
                 (2 * H + 600, "br", "out", "service"), (3 * H, "br", "out", "service"),
                 (4 * H, "br", "out", "utility")]


def test_brazil_support_thread_from_2026_12_01_costs_four_utility_rates():
    messages = rows(*(_allowance_used() + BRAZIL_THREAD))
    thread = messages["customer_id"] == "br"
    priced = price(messages, market="BR", start_date="2026-12-01")
    assert priced.loc[thread, "cost"].sum() == pytest.approx(4 * BR_UTILITY)
    assert priced.loc[thread, "billable"].tolist() == [False, True, True, True, True]
    assert set(priced.loc[thread, "card"]) == {"whatsapp-v3-br"}
    # the same traffic priced as of 2026-09-01: v2, nothing charged
    as_of = price(messages, market="BR", date="2026-09-01")
    assert as_of.loc[thread, "cost"].sum() == 0
    assert set(as_of["card"]) == {"whatsapp-v2-br"}
    # the what-if switch: v2 rules on the v3 card's dates
    what_if = price(messages, market="BR", start_date="2026-12-01", rules="v2")
    assert what_if.loc[thread, "cost"].sum() == 0


def test_a_month_straddling_2026_10_01_bills_each_side_under_its_own_rules():
    # start 2026-09-16; a customer writes every day at 10:00 and gets two replies.
    items = []
    for day in range(30):
        base = day * 24 * H + 10 * H
        items += [(base, f"c{day}", "in", "service"), (base + 60, f"c{day}", "out", "service"),
                  (base + 120, f"c{day}", "out", "service")]
    messages = rows(*items)
    priced = price(messages, market="BR", start_date="2026-09-16", rules="current")
    day = (messages["t"] // (24 * H)).astype(int)
    before, after = day < 15, day >= 15  # 2026-09-16 + 15 days = 2026-10-01
    assert set(priced.loc[before, "card"]) == {"whatsapp-v2-br"}
    assert set(priced.loc[after, "card"]) == {"whatsapp-v3-br"}
    assert priced.loc[before, "cost"].sum() == 0
    # after: 15 days x 2 replies, all within the month's 1,000 free service messages
    assert priced.loc[after, "billable"].sum() == 0
    assert priced.loc[after & (messages["direction"] == "out"), "rule"].str.contains("first 1,000").all()
    # a window opened on 30 September covers a reply on 1 October: delivered, priced under v3
    late = rows((24 * H - 60, "z", "in", "service"), (24 * H + 60, "z", "out", "service"))
    reply = price(late, market="BR", start_date="2026-09-30").iloc[1]
    assert reply["card"] == "whatsapp-v3-br"
    assert "v3: free-form service message, free (first 1,000" in reply["rule"]


def test_us_and_mx_segments_pay_their_own_markets_rates():
    sms = pd.DataFrame({
        "t": [0.0, 60.0, 120.0, 180.0], "customer_id": [1, 1, 2, 2], "contact_id": [1, 1, 2, 2], "channel": "sms",
        "direction": ["in", "out", "in", "out"], "category": "service", "sender": ["customer", "agent"] * 2,
        "chars": 100, "non_gsm": False, "media": False, "segment": ["north", "north", "south", "south"],
    })
    priced = price(sms, market="US", start_date="2026-12-01", segment_markets={"north": "US", "south": "MX"})
    assert priced["market"].astype(str).tolist() == ["US", "US", "MX", "MX"]
    assert priced["card"].astype(str).tolist() == ["sms-us-2026", "sms-us-2026", "sms-mx-2026", "sms-mx-2026"]
    # US: 0.0083 + carrier fees 0.0008 in / 0.0040 out; MX: 0.04 out, inbound free (card)
    assert priced["cost"].tolist() == pytest.approx([0.0091, 0.0123, 0.0, 0.04])
    with pytest.raises(InputError, match="no sms rate card for market 'ZZ'"):
        price(sms, market="US", start_date="2026-12-01", segment_markets={"north": "US", "south": "ZZ"})


def test_authentication_international_needs_a_business_elsewhere():
    otp = rows((0.0, "a", "out", "authentication"))
    home = price(otp, market="IN", start_date="2026-12-01")  # business in India (the scenario's market)
    abroad = price(otp, market="IN", start_date="2026-12-01", business_market="US")
    assert home["cost"].tolist() == pytest.approx([0.145 / 89])  # ₹0.145 from 2026-01-01, at the card's 89 INR/USD
    assert abroad["cost"].tolist() == pytest.approx([0.028])
    assert "authentication-international" in abroad["rule"].iloc[0]


def test_meta_business_agent_replies_are_billed_per_token():
    thread = rows((0.0, "a", "in", "service"), (60.0, "a", "out", "service", "bot"),
                  (120.0, "a", "out", "service", "agent"))
    priced = price(thread, market="BR", start_date="2026-12-01", business_agent=(300, 0.00001))
    assert priced["unit"].astype(str).tolist()[1] == "token"
    assert priced["cost"].iloc[1] == pytest.approx(300 * 0.00001)
    assert "Meta Business Agent" in priced["rule"].iloc[1]


def test_a_missing_rate_is_an_error_not_zero():
    mms = pd.DataFrame({"t": [0.0], "customer_id": [1], "contact_id": [1], "channel": "sms", "direction": ["out"],
                        "category": "service", "sender": ["agent"], "chars": [10], "non_gsm": [False],
                        "media": [True]})
    with pytest.raises(InputError, match="sms-uk-2026.*mms_outbound|mms_outbound.*sms-uk-2026"):
        price(mms, market="GB", start_date="2026-12-01")


# ------------------------------------------------ simulated segments vs real text
EXT = list("€[]{}\\^~|")


def _model_segments(n: int, share: float, ucs2: bool) -> tuple[float, float]:
    """Mean and variance of sms_segments for a message of n characters each of
    which is an extension character (GSM-7) or an emoji (UCS-2) with
    probability ``share``: the binomial counts the simulation draws."""
    from math import comb

    k = np.arange(n + 1)
    pmf = np.array([comb(n, int(j)) * share**j * (1 - share) ** (n - j) for j in k])
    seg = sms_segments(np.full(n + 1, n), np.full(n + 1, ucs2), None if ucs2 else k, k if ucs2 else None)
    mean = float((pmf * seg).sum())
    return mean, float((pmf * (seg - mean) ** 2).sum())


@settings(max_examples=15, deadline=None, derandomize=True)  # a statistical check: the same examples every run
@given(n=st.integers(20, 400), share=st.sampled_from([0.0, 0.02, 0.1, 0.3]), ucs2=st.booleans(),
       seed=st.integers(0, 2**16))
def test_simulated_segments_expectation_matches_text_analysis(n, share, ucs2, seed):
    rng = np.random.default_rng(seed)
    base, special = (list("Привет"), ["😀"]) if ucs2 else (list("abcdef"), EXT)
    texts = 300
    counts = []
    for _ in range(texts):
        chars = np.where(rng.random(n) < share, rng.choice(special, n), rng.choice(base, n))
        counts.append(analyse("".join(chars)).segments)
    mean, var = _model_segments(n, share, ucs2)
    # the model ignores where pairs fall: a pair moves whole to the next part at most once a boundary
    # (parts of 153 septets in GSM-7, 67 code units in UCS-2)
    boundary = share * n / (67 if ucs2 else 153) * 0.02
    assert abs(float(np.mean(counts)) - mean) <= 4 * np.sqrt(var / texts) + boundary + 1e-9
    if share == 0.3 and not ucs2 and 140 <= n <= 160:  # one part alone, two with escapes
        assert mean > float(sms_segments(n, False))  # extension characters do count


def test_the_free_allowance_resets_with_the_calendar_month_of_each_message():
    # start 2026-10-30: 1,000 free-form replies that day (free), one more on 31 October (charged),
    # one on 1 November (free again: a new month)
    day = 24 * H
    items = _allowance_used(1000) + [(day, "oct", "in", "service"), (day + 60, "oct", "out", "service"),
                                     (2 * day, "nov", "in", "service"), (2 * day + 60, "nov", "out", "service")]
    priced = price(rows(*items), market="BR", start_date="2026-10-30")
    last_two = priced[priced["customer_id"].isin(["oct", "nov"]) & (priced["direction"] == "out")]
    assert last_two["cost"].tolist() == pytest.approx([BR_UTILITY, 0.0])


def test_a_simulated_run_across_2026_10_01_uses_both_cards():
    import yaml
    from pathlib import Path

    import chansim

    data = yaml.safe_load((Path(__file__).parent / "data" / "small.yaml").read_text())
    data.update(start_date="2026-09-30", days=2, replications=1)
    data["demand"]["contacts_per_day"] = 1500
    data["pricing"] = {}
    data["channels"]["whatsapp"] = {"like": "sms", "customer_reply_delay": {"dist": "exponential", "mean": 300}}
    data["agents"]["pools"][1]["channels"] = ["webchat", "sms", "whatsapp"]
    data["strategies"] = [{"name": "wa", "offer": ["voice", "whatsapp"]}]
    data["demand"]["segments"][0]["preference"] = ["whatsapp", "voice"]
    result = chansim.simulate(chansim.load_scenario(data), replications=1)
    lines = result.costs[result.costs["channel"] == "whatsapp"]
    assert {"whatsapp-v2-us", "whatsapp-v3-us"} <= set(lines["card"])
    v2 = lines[lines["card"] == "whatsapp-v2-us"]
    v3 = lines[lines["card"] == "whatsapp-v3-us"]
    assert v2["cost"].sum() == 0  # service replies free before 1 October
    replies = v3[v3["rule"].str.contains("v3: free-form service message")]
    free = replies[replies["rule"].str.contains("free \\(first 1,000")]
    charged = replies[replies["rule"].str.endswith(", charged")]
    assert free["count"].sum() == 1000  # October's allowance, then every reply is charged
    assert charged["count"].sum() > 0
    assert charged["cost"].sum() == pytest.approx(charged["count"].sum() * 0.0034)


def test_the_free_allowance_is_the_business_numbers_over_every_market():
    # 600 replies to Brazilian customers, then 600 to Mexican ones, the same month: the number's 1,000 free
    # replies are the first 1,000 in time (all 600 in Brazil, 400 in Mexico), not 1,000 per market
    items = _allowance_used(600) + [(3000.0 + k * 3.0, f"m{k}", d, "service")
                                    for k in range(600) for d in ("in", "out")]
    items = [(t + (1.0 if d == "out" and c.startswith("m") else 0.0), c, d, cat) for t, c, d, cat in items]
    messages = rows(*items, segment=["br" if c.startswith("x") else "mx" for _, c, _, _ in items])
    priced = price(messages, market="BR", start_date="2026-11-02", segment_markets={"br": "BR", "mx": "MX"})
    replies = priced[priced["direction"] == "out"]
    mexico = replies["market"] == "MX"
    assert (~replies["billable"]).sum() == 1000
    assert replies.loc[~mexico, "cost"].sum() == 0
    charged = replies[mexico & replies["billable"]]
    assert len(charged) == 200 and (charged["t"] > replies.loc[mexico & ~replies["billable"], "t"].max()).all()
    assert set(replies.loc[~replies["billable"], "rule"]) == {
        "whatsapp v3: free-form service message, free (first 1,000 of the calendar month, every market)"}
    # one market alone is priced as before: its own 600 replies, all free
    alone = price(rows(*items[:1200]), market="BR", start_date="2026-11-02")
    assert alone.loc[alone["direction"] == "out", "cost"].sum() == 0
