"""Strict rate cards (errors name the card, the field and the line), market
coverage, GB = UK, and re-pricing a stored run under any pricing setting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import chansim
from chansim.billing.ratecard import builtin_cards, load_card_file, regions
from chansim.scenario.channels import BILLING_MODELS, CHANNEL_INFO, CHANNELS
from chansim.cli import app
from chansim.errors import InputError

SMALL = Path(__file__).parent / "data" / "small.yaml"
CARD = """cards:
  - id: my-sms
    channel: sms
    market: US
    model: sms
    effective_from: 2026-01-01
    currency: USD
    source: my contract
    confidence: official
    rates: {outbound_segment: 0.01, inbound_segment: 0.01}
"""


def _card_problems(tmp_path, text: str) -> str:
    path = tmp_path / "card.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_card_file(path)
    return str(err.value)


def test_unknown_field_and_wrong_type_name_card_field_and_line(tmp_path):
    text = _card_problems(tmp_path, CARD.replace("    confidence: official\n", "    confidence: official\n    colour: blue\n")
                          .replace("outbound_segment: 0.01", "outbound_segment: cheap"))
    assert "cards[0] (card my-sms).colour: unknown key" in text and "(line 10)" in text
    assert "cards[0] (card my-sms).rates.outbound_segment" in text and "must be a number" in text


def test_rates_no_rule_reads_and_required_rates(tmp_path):
    text = _card_problems(tmp_path, CARD.replace("inbound_segment: 0.01", "carrier_outbound: 0.004"))
    assert "card my-sms" in text and "carrier_outbound are not read by model sms" in text
    assert "needs rates inbound_segment" in text


def test_overlapping_cards_for_one_market_are_refused(tmp_path):
    second = CARD.split("cards:\n")[1].replace("my-sms", "my-sms-2").replace("2026-01-01", "2026-03-01")
    text = _card_problems(tmp_path, CARD + second)
    assert "cards[1] (card my-sms-2).effective_from" in text and "same days as card my-sms" in text
    assert "(line 15)" in text


def test_builtin_cards_are_strict_and_cover_the_markets():
    cards = builtin_cards()
    for card in cards:
        assert set(BILLING_MODELS[card.model].required) <= set(card.rates), card.id
        assert set(card.rates) <= set(BILLING_MODELS[card.model].rates), card.id
    markets = {(c.channel, c.market) for c in cards}
    for market in ("US", "UK", "IN", "CA", "MX", "BR", "DE", "FR", "ES", "ID", "AU"):
        assert ("sms", market) in markets and ("voice", market) in markets, market
    named = {"US", "CA", "UK", "IN", "BR", "DE", "ID", "AR", "MX", "NG", "ZA", "AE", "SA", "TR", "EG", "PK", "MY",
             "CL", "CO", "FR", "IT", "IL", "NL", "PE", "RU", "ES"}
    for market in named | set(regions()) | {"other"}:
        assert ("whatsapp", market) in markets, market
    # every unverified card says why
    for card in cards:
        if card.lowest_confidence() == "unverified":
            assert "UNVERIFIED" in card.notes or "unverified" in card.source.lower() or "no " in card.source.lower() \
                or any(getattr(r, "note", "") for r in card.rates.values()), card.id


def test_a_country_is_priced_at_its_region_and_gb_is_uk():
    from chansim.billing import price
    import pandas as pd

    msg = pd.DataFrame({"t": [0.0], "customer_id": [1], "contact_id": [1], "channel": "whatsapp",
                        "direction": ["out"], "category": ["marketing"], "sender": ["system"], "chars": [100],
                        "non_gsm": [False], "media": [False]})
    assert price(msg, market="AT", start_date="2026-12-01")["card"].iloc[0] == "whatsapp-v3-rest-of-western-europe"
    assert price(msg, market="KE", start_date="2026-12-01")["card"].iloc[0] == "whatsapp-v3-rest-of-africa"
    assert price(msg, market="GB", start_date="2026-12-01")["card"].iloc[0] == "whatsapp-v3-uk"
    assert price(msg, market="FJ", start_date="2026-12-01")["card"].iloc[0] == "whatsapp-v3-other"


def test_registry_is_the_one_list_of_channels():
    from chansim.kpis.csat import DEFAULT_BASE, DEFAULT_RESPONSE_RATE, DEFAULT_WAIT_GRACE_S

    assert set(DEFAULT_BASE) == set(DEFAULT_RESPONSE_RATE) == set(DEFAULT_WAIT_GRACE_S) == set(CHANNELS)
    assert DEFAULT_RESPONSE_RATE["email"] == CHANNEL_INFO["email"].csat_response_rate
    for info in CHANNEL_INFO.values():
        assert all(model in BILLING_MODELS for model in info.billing_models)


def test_cli_coverage_lists_each_market_with_source_and_confidence():
    runner = CliRunner()
    result = runner.invoke(app, ["ratecards", "--coverage", "--date", "2026-12-01", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["coverage"]
    by = {(r["channel"], r["market"]): r for r in rows}
    assert by[("whatsapp", "BR")]["card"] == "whatsapp-v3-br" and by[("whatsapp", "BR")]["confidence"] == "medium"
    assert by[("sms", "MX")]["confidence"] == "unverified" and by[("sms", "MX")]["source"]
    assert by[("sms", "MX")]["rates"]["outbound_segment"] == 0.04
    assert by[("whatsapp", "BR")]["rates"] == {"marketing": 0.0625, "utility": 0.0068, "authentication": 0.0068}
    assert "AT" in by[("whatsapp", "rest_of_western_europe")]["countries"]
    gb = runner.invoke(app, ["ratecards", "--market", "GB", "--date", "2026-12-01", "--format", "json"])
    assert gb.exit_code == 0 and "whatsapp-v3-uk" in {c["id"] for c in json.loads(gb.stdout)["cards"]}


def test_scenario_keys_for_the_new_rules():
    data = yaml.safe_load(SMALL.read_text())
    data["pricing"] = {"whatsapp_v3": True}
    with pytest.raises(InputError, match="pricing.rules: v2"):
        chansim.load_scenario(data)
    data["pricing"] = {"rules": "v2", "business_market": "us"}
    data["bot"] = {"channels": ["webchat"], "provider": "meta_business_agent", "tokens_per_reply": 200}
    with pytest.raises(InputError, match="token_rate"):
        chansim.load_scenario(data)


@pytest.fixture(scope="module")
def wa_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "wa"
    data = yaml.safe_load(SMALL.read_text())
    data["start_date"] = "2026-11-02"
    data["pricing"] = {"markup": 0.1}
    data["channels"]["whatsapp"] = {"like": "sms", "customer_reply_delay": {"dist": "exponential", "mean": 300},
                                    "extension_share": 0.05}
    data["channels"]["sms"]["extension_share"] = 0.05
    data["agents"]["pools"][1]["channels"] = ["webchat", "sms", "whatsapp"]
    data["strategies"].append({"name": "whatsapp", "offer": ["voice", "whatsapp"]})
    data["demand"]["segments"][0]["preference"] = ["whatsapp", "webchat", "sms", "voice"]
    data["demand"]["segments"][0]["market"] = "MX"
    path = out.parent / "wa.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(path), "-q", "--replications", "1", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


def test_engine_rows_carry_segment_and_extension_counts(wa_run):
    import pandas as pd

    messages = pd.read_parquet(wa_run / "messages.parquet")
    assert {"segment", "extension", "emoji"} <= set(messages.columns)
    sms = messages[(messages["channel"].astype(str) == "sms") & ~messages["non_gsm"]]
    share = sms["extension"].sum() / sms["chars"].sum()
    assert share == pytest.approx(0.05, rel=0.15)
    assert (messages.loc[messages["non_gsm"], "extension"] == 0).all()
    costs = pd.read_parquet(wa_run / "costs.parquet")
    assert {"segment", "market"} <= set(costs.columns)
    assert set(costs.loc[costs["segment"] == "digital", "market"]) == {"MX"}
    assert set(costs.loc[costs["segment"] == "phone", "market"]) == {"US"}


def test_reprice_takes_pricing_settings_and_shows_totals(wa_run):
    runner = CliRunner()
    result = runner.invoke(app, ["reprice", str(wa_run), "--set", "pricing.rules=v2", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["before"]["rules"] == "current" and doc["after"]["rules"] == "v2"
    totals = {t["strategy"]: t for t in doc["totals"]}
    wa = totals["whatsapp"]
    assert wa["total_after"] < wa["total_before"]  # service replies free again under the v2 rules
    assert wa["per_contact_before"] == pytest.approx(wa["total_before"] / wa["contacts"])
    assert wa["per_issue_before"] == pytest.approx(wa["total_before"] / wa["issues"])
    assert totals["today"]["total_after"] == pytest.approx(totals["today"]["total_before"])
    rows = [r for r in doc["rows"] if r["strategy"] == "whatsapp" and r["channel"] == "whatsapp"]
    assert rows and rows[0]["after"] < rows[0]["before"]
    assert np.isclose(wa["total_before"] - wa["total_after"], sum(r["before"] - r["after"] for r in doc["rows"]
                                                                  if r["strategy"] == "whatsapp"))
    table = runner.invoke(app, ["reprice", str(wa_run), "--set", "pricing.rules=v2"])
    assert "per issue" in table.stdout and "rules: current → v2" in table.stdout
    bad = runner.invoke(app, ["reprice", str(wa_run), "--set", "agents.shrinkage=0.1"])
    assert bad.exit_code == 2 and "reprice changes prices only" in bad.stderr


def test_validate_and_run_refuse_what_cannot_be_priced_with_the_line(tmp_path):
    text = SMALL.read_text().replace("preference: [voice, sms]}", "preference: [voice, sms], market: ZZ}")
    assert "market: ZZ" in text
    path = tmp_path / "s.yaml"
    path.write_text(text)
    runner = CliRunner()
    for command in (["validate", str(path)], ["run", str(path), "-q"]):
        result = runner.invoke(app, command + ["--set", "pricing.fees={}"])
        assert result.exit_code == 2, result.stdout
        assert "demand.segments[1].market: segment 'phone' (ZZ): no voice rate card for market 'ZZ'" in result.stderr
        assert "(line 13)" in result.stderr and "price-a-new-market" in result.stderr
    cards = tmp_path / "cards.yaml"
    cards.write_text(CARD.replace("    confidence: official\n", "    confidence: official\n    colour: blue\n"))
    result = runner.invoke(app, ["validate", str(SMALL), "--set", f"pricing.rate_card={cards}"])
    assert result.exit_code == 2 and "cards[0] (card my-sms).colour: unknown key" in result.stderr
    assert "line 10" in result.stderr and str(cards) in result.stderr
