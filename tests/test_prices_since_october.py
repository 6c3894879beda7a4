"""Prices since October 2026: WhatsApp marketing messages under a max price
(the cost capped, the deliveries and hence the responses cut by the user's
delivery curve), and cards dated on each side of a change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from chansim import simulate
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
