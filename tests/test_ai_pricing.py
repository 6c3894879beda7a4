"""AI agents as they are bought (per session, conversation, outcome,
resolution, action, token, seat), monthly fixed costs, and the bad input
that must be refused with its field path and line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from chansim.billing.ai_agent import ai_cost_lines, fixed_costs
from chansim.billing.ai_cards import ai_book, ai_coverage, builtin_ai_cards
from chansim.billing.fixed import fixed_cost_lines, prorated
from chansim.billing.rules.ai import AIPricing, price_sessions, seat_lines
from chansim.cli import app
from chansim.errors import InputError
from chansim.kpis.ai_costs import cost_bot_by_unit, crossover, session_line
from chansim.scenario.distributions import Distribution
from chansim.scenario.loader import load_scenario
from chansim.scenario.models.pricing import Fee

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "scenarios" / "ai-vendors.yaml"
runner = CliRunner()


def log(outcomes, arrivals=None, customers=None):
    """A hand-built contacts table: one row per contact, ``outcomes`` its bot_outcome."""
    n = len(outcomes)
    return pd.DataFrame({
        "replication": np.zeros(n, np.int32), "strategy": ["s"] * n, "contact_id": np.arange(n),
        "customer_id": np.arange(n) if customers is None else np.asarray(customers),
        "segment": ["a"] * n, "channel": ["webchat"] * n,
        "bot_outcome": pd.Categorical(outcomes, categories=["none", "contained", "escalated", "handoff"]),
        "arrival_t": np.zeros(n) if arrivals is None else np.asarray(arrivals, float)})


def pricing(plan, start=dt.date(2026, 11, 2), book=None, **kw):
    return AIPricing(book=book or ai_book(), start=start, vendor_card=plan, **kw)


OUTCOMES = ["contained", "handoff", "none", "contained", "handoff", "contained"]  # 3 resolved, 2 handoffs


# ------------------------------------------------------------- each unit to the cent
def test_per_outcome_counts_handoffs_when_the_card_does():
    priced = price_sessions(log(OUTCOMES), None, pricing("intercom-fin"))
    assert len(priced) == 5 and round(priced["cost"].sum(), 2) == 4.95  # 5 outcomes × 0.99
    only_resolved = price_sessions(log(OUTCOMES), None, pricing("intercom-fin", handoff_is_outcome=False))
    assert round(only_resolved["cost"].sum(), 2) == 2.97  # 3 × 0.99
    assert set(only_resolved["rule"].astype(str)) == {"AI agent: per outcome, resolved (Intercom Fin)",
                                                       "AI agent: per outcome, handoff (not billed) (Intercom Fin)"}


def test_a_failed_session_is_no_outcome_and_a_handoff_is_one():
    outcomes = ["contained", "handoff", "escalated", "escalated", "none"]  # 1 resolved, 1 handoff, 2 failed
    priced = price_sessions(log(outcomes), None, pricing("intercom-fin"))
    assert len(priced) == 4 and round(priced["cost"].sum(), 2) == 1.98  # (1 + 1) × 0.99
    assert list(priced["units"]) == [1.0, 1.0, 0.0, 0.0]
    assert (priced["rule"].astype(str) == "AI agent: per outcome, failed session (not billed) (Intercom Fin)").sum() == 2
    by_session = price_sessions(log(outcomes), None, pricing("agentforce-conversation"))
    assert list(by_session["units"]) == [1.0, 1.0, 1.0, 1.0]  # other units bill every session alike


def test_per_resolution_bills_contained_sessions_only():
    priced = price_sessions(log(OUTCOMES), None, pricing("zendesk-ai-payg"))
    assert round(priced["cost"].sum(), 2) == 6.00  # 3 × 2.00
    assert priced["units"].tolist() == [1, 0, 1, 0, 1]


def test_per_conversation_counts_a_customer_once_in_24_hours():
    day = 86_400.0
    contacts = log(["contained"] * 4, arrivals=[0, 3600, day + 1, 10], customers=[7, 7, 7, 8])
    priced = price_sessions(contacts, None, pricing("agentforce-conversation"))
    assert priced["units"].tolist() == [1, 0, 1, 1]  # 7 at 0 h, again at 1 h (same), after 24 h (new); 8
    assert round(priced["cost"].sum(), 2) == 6.00


def test_per_action_fixed_and_drawn():
    fixed = price_sessions(log(OUTCOMES), None, pricing("agentforce-flex", actions=Distribution(dist="fixed", value=7)))
    assert round(fixed["cost"].sum(), 2) == 3.50  # 5 sessions × 7 actions × 0.10
    drawn = pricing("agentforce-flex", actions=Distribution(dist="poisson", mean=6), seed=3)
    many = log(["contained"] * 4000)
    first, again = price_sessions(many, None, drawn), price_sessions(many, None, drawn)
    assert first["cost"].tolist() == again["cost"].tolist()  # the same log, the same price
    units = first["units"].to_numpy()
    assert abs(units.mean() - 6) < 3 * np.sqrt(6 / units.size) * 1.5 and (units == np.rint(units)).all()


def test_per_token_counts_the_agents_replies():
    contacts = log(["contained", "escalated", "none"])
    messages = pd.DataFrame({"replication": 0, "strategy": "s", "contact_id": [0, 0, 0, 1, 1, 2],
                             "sender": ["bot", "customer", "bot", "bot", "agent", "agent"], "t": np.arange(6.0)})
    ai = pricing("meta-business-agent", tokens_per_turn=250, rates={"per_token": 0.00002})
    priced = price_sessions(contacts, messages, ai)
    assert priced["units"].tolist() == [500, 250]
    assert round(priced["cost"].sum(), 4) == 0.015  # 750 tokens × 0.00002


def test_unpublished_rate_is_never_zero():
    with pytest.raises(InputError, match=r"bot.rates.per_token"):
        price_sessions(log(["contained"]), None, pricing("meta-business-agent", tokens_per_turn=10))


def test_seats_and_fixed_fees_cross_a_month_boundary():
    start, three_days = dt.date(2026, 1, 30), 3 * 86_400.0  # 30, 31 January, 1 February
    seats = seat_lines(AIPricing(book=ai_book(), start=start, assist_card="agentforce-user", seats=3), 0, three_days)
    assert len(seats) == 2 and round(seats["cost"].sum(), 2) == round(3 * 125 * (2 / 31 + 1 / 28), 2) == 37.59
    fees = fixed_cost_lines({"sms": Fee(per_month=31.0), "voice": Fee(per_minute=0.01)}, ["sms", "voice"], start,
                            0, three_days)
    assert fees["channel"].tolist() == ["sms", "sms"]  # voice has no monthly part
    assert round(fees["cost"].sum(), 2) == round(2.0 + 31 / 28, 2) == 3.11
    assert prorated(10.0, start, 12 * 3600.0, 36 * 3600.0) == pytest.approx(10 / 31)  # a day straddling midnight


def test_a_fee_with_only_a_monthly_part_keeps_the_card():
    assert not Fee(per_month=10).replaces_card and Fee(per_message=0.01, per_month=10).replaces_card
    assert Fee().replaces_card  # an empty fee still means "free on this channel", as before


# ----------------------------------------------------------------- the crossover
def test_per_outcome_against_per_session_flips_at_ps_over_po(tmp_path):
    p_s, p_o = 0.45, 1.50
    cards = tmp_path / "cards.yaml"
    cards.write_text(yaml.safe_dump({"ai_cards": [
        {"id": "flat", "vendor": "A", "unit": "per_session", "effective_from": "2026-01-01", "currency": "USD",
         "source": "test", "confidence": "unverified", "rates": {"per_session": p_s}},
        {"id": "outcome", "vendor": "B", "unit": "per_outcome", "effective_from": "2026-01-01", "currency": "USD",
         "source": "test", "confidence": "unverified", "rates": {"per_outcome": p_o}}]}))
    book = ai_book(cards)
    flip = crossover(session_line(book.find("flat", dt.date(2026, 2, 1))),
                     session_line(book.find("outcome", dt.date(2026, 2, 1))))
    assert flip == pytest.approx(p_s / p_o)
    n = 1000
    for c in np.linspace(0.0, 1.0, 21):
        contained = int(round(c * n))
        contacts = log(["contained"] * contained + ["escalated"] * (n - contained))
        flat = price_sessions(contacts, None, pricing("flat", book=book))["cost"].sum()
        outcome = price_sessions(contacts, None, pricing("outcome", book=book))["cost"].sum()
        share = contained / n
        if share < p_s / p_o - 1e-9:
            assert outcome < flat
        elif share > p_s / p_o + 1e-9:
            assert outcome > flat


# ------------------------------------------------------ dated cards, each contact on its own date
def test_each_session_is_billed_under_the_card_of_its_own_date(tmp_path):
    cards = tmp_path / "cards.yaml"
    base = {"plan": "acme", "vendor": "Acme", "unit": "per_session", "currency": "USD", "source": "test",
            "confidence": "unverified"}
    cards.write_text(yaml.safe_dump({"ai_cards": [
        base | {"id": "acme-jan", "effective_from": "2026-01-01", "effective_to": "2026-01-31",
                "rates": {"per_session": 1.0}},
        base | {"id": "acme-feb", "effective_from": "2026-02-01", "rates": {"per_session": 3.0}}]}))
    contacts = log(["contained"] * 3, arrivals=[3600.0, 86_400.0 + 60, 2 * 86_400.0])  # 31 Jan, 1 Feb, 2 Feb
    priced = price_sessions(contacts, None, pricing("acme", start=dt.date(2026, 1, 31), book=ai_book(cards)))
    assert priced["card"].astype(str).tolist() == ["acme-jan", "acme-feb", "acme-feb"]
    assert priced["cost"].tolist() == [1.0, 3.0, 3.0]
    only_feb = pricing("acme-feb", start=dt.date(2026, 1, 31), book=ai_book(cards))
    with pytest.raises(InputError, match="no card of 'acme-feb' is in force on 2026-01-31"):
        price_sessions(contacts, None, only_feb)


def test_two_cards_of_one_plan_in_force_the_same_day_are_refused(tmp_path):
    cards = tmp_path / "cards.yaml"
    card = {"plan": "acme", "vendor": "Acme", "unit": "per_session", "currency": "USD", "source": "t",
            "confidence": "medium", "effective_from": "2026-01-01", "rates": {"per_session": 1.0}}
    cards.write_text(yaml.safe_dump({"ai_cards": [card | {"id": "a"}, card | {"id": "b"}]}))
    with pytest.raises(InputError, match=r"ai_cards\[1\] \(card b\).effective_from"):
        ai_book(cards)


# -------------------------------------------------- the shipped scenario and the listing
def test_builtin_cards_and_coverage_name_source_and_confidence():
    ids = {c.id for c in builtin_ai_cards()}
    assert {"intercom-fin-2025", "zendesk-ai-payg-2024", "agentforce-flex-2025", "agentforce-user-2025"} <= ids
    rows = {r["card"]: r for r in ai_coverage(date="2026-11-30")}
    assert rows["intercom-fin-2025"]["confidence"] == "official"
    assert rows["zendesk-ai-payg-2024"]["confidence"] == "unverified"  # its price is from one secondary page
    assert rows["meta-business-agent-2026"]["rates"] == {}  # unpublished: no number invented
    result = runner.invoke(app, ["ratecards", "--coverage", "--date", "2026-11-30", "--format", "csv"])
    assert result.exit_code == 0 and "ai_agent,*,intercom-fin-2025,per_outcome,official" in result.output


def test_shipped_scenario_prices_each_strategy_and_none_without_a_card():
    scenario = load_scenario(SHIPPED)
    contacts = log(OUTCOMES, arrivals=np.arange(6) * 3600.0)
    outcome = ai_cost_lines(scenario.for_strategy("vendor-per-outcome"), contacts, None, replication=0)
    assert round(outcome["cost"].sum(), 2) == 2.97  # the scenario bills resolutions only: 3 × 0.99
    assist = ai_cost_lines(scenario.for_strategy("assist-only"), contacts, None, replication=0)
    # 30 Nov (1 day of 30) and 1 Dec (1 day of 31), 40 seats at 125
    assert round(assist["cost"].sum(), 2) == round(40 * 125 * (1 / 30 + 1 / 31), 2)
    assert cost_bot_by_unit(assist) == {"cost_labor_assist_seats": pytest.approx(assist["cost"].sum())}
    own = scenario.for_strategy("own-staff")
    assert ai_cost_lines(own, contacts, None) is None and fixed_costs(own, ["webchat"]) is None


# --------------------------------------------------------------------- bad input
def _variant(tmp_path, edit) -> Path:
    data = yaml.safe_load(SHIPPED.read_text())
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _drop(key):
    def edit(data):
        data["strategies"][2 if key == "actions" else 3]["bot"].pop(key)
    return edit


def _card_file(tmp_path, card):
    cards = tmp_path / "cards.yaml"
    cards.write_text(yaml.safe_dump({"ai_cards": [card]}))

    def edit(data):
        data.setdefault("pricing", {})["rate_card"] = str(cards)
        data["strategies"][1]["bot"]["vendor_card"] = card["id"]
    return edit


CARD = {"id": "mine", "vendor": "Mine", "effective_from": "2026-01-01", "currency": "USD", "source": "t",
        "confidence": "medium"}


def _apple(data):
    data["channels"]["apple_messages"] = dict(data["channels"]["webchat"])
    data["agents"]["pools"].append({"name": "apple", "channels": ["apple_messages"], "headcount": 0})
    data["strategies"][1]["offer"] = ["apple_messages", "webchat", "voice"]
    data["strategies"][1]["bot"]["channels"] = ["webchat", "apple_messages"]


def _max_price(data):
    data["channels"]["whatsapp"] = dict(data["channels"]["webchat"])
    data["agents"]["pools"][1]["channels"] = ["webchat", "whatsapp"]
    data["strategies"][0]["campaigns"] = [{"channel": "whatsapp", "category": "marketing", "per_day": 100,
                                           "response_rate": 0.05, "intent": "returns", "max_price": 0.02}]


BAD = {
    "per_action without actions": (lambda tmp: _drop("actions"), r"strategies\[2\]\.bot\.actions", "per action"),
    "seat price without seats": (lambda tmp: _drop("seats"), r"strategies\[3\]\.bot\.seats", "needs seats"),
    "unknown unit": (lambda tmp: _card_file(tmp, CARD | {"unit": "per_smile", "rates": {"per_smile": 1}}),
                     r"pricing\.rate_card", "ai_cards\\[0\\] \\(card mine\\)\\.unit"),
    "a rate no rule reads": (lambda tmp: _card_file(tmp, CARD | {"unit": "per_outcome",
                                                                 "rates": {"per_outcome": 1, "per_action": 2}}),
                             r"pricing\.rate_card", "not read by unit per_outcome"),
    "a bot rate no card reads": (lambda tmp: (lambda d: d["strategies"][1]["bot"].update(rates={"per_action": 0.1})),
                                 r"strategies\[1\]\.bot\.rates\.per_action", "no card of this bot reads"),
    "max price without curve": (lambda tmp: _max_price, r"strategies\[0\]\.campaigns\[0\]\.max_price",
                                "needs delivery_curve"),
    "Apple Messages without a live pool": (lambda tmp: _apple, r"strategies\[1\]\.bot\.channels\[1\]",
                                           "no bot-only service"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_input_exits_2_with_path_and_line(tmp_path, case, command):
    make, path, message = BAD[case]
    bad = _variant(tmp_path, make(tmp_path))
    args = [command, str(bad)] + (["--replications", "1"] if command == "run" else [])
    result = runner.invoke(app, args)
    text = re.sub(r"\s+", " ", result.output + (result.stderr if result.stderr_bytes is not None else ""))
    assert result.exit_code == 2, text
    assert re.search(path, text) and re.search(message, text), text
    assert re.search(r"line \d+", text), text


def test_fixed_monthly_fees_of_the_channels_a_strategy_uses():
    scenario = load_scenario(SHIPPED).with_overrides({"pricing.fees": {"webchat": {"per_month": 310.0},
                                                                        "voice": {"per_minute": 0.01}}})
    lines = fixed_costs(scenario.for_strategy("own-staff"), replication=0)
    # webchat only (voice's fee has no monthly part): 30 Nov = 1/30 of November, 1 Dec = 1/31 of December
    assert set(lines["channel"]) == {"webchat"} and len(lines) == 2
    assert not len(fixed_costs(scenario.for_strategy("own-staff"), ["voice"]))  # a channel without a monthly fee
    assert round(lines["cost"].sum(), 2) == round(310 / 30 + 10, 2)


def test_bot_cost_by_contact_sums_to_the_lines():
    from chansim.billing.ai_agent import bot_costs_by_contact

    resolved = load_scenario(SHIPPED).for_strategy("vendor-per-outcome")
    contacts = log(OUTCOMES)
    per_contact = bot_costs_by_contact(resolved, contacts, None)
    assert per_contact.tolist() == [0.99, 0.0, 0.0, 0.99, 0.0, 0.99]  # resolutions only (handoff_is_outcome false)
    assert bot_costs_by_contact(load_scenario(SHIPPED).for_strategy("own-staff"), contacts, None) is None
