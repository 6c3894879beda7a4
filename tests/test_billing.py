"""Billing rules other than WhatsApp (see test_whatsapp.py) and SMS text
segmentation (test_gsm.py): SMS per segment, RCS US and standard models,
voice minutes, platform fees, flat fees, currency, and pricing properties."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import chansim
from chansim.billing import Pricer, card_book, price
from chansim.billing.ratecard import builtin_cards
from chansim.cli import app
from chansim.errors import InputError

H = 3600.0
DAY = 86_400.0
SMALL = Path(__file__).parent / "data" / "small.yaml"


def messages(rows: list[tuple], channel: str) -> pd.DataFrame:
    """rows: (t, customer, direction, chars, non_gsm, media)"""
    return pd.DataFrame(
        {
            "t": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "contact_id": [r[1] for r in rows],
            "channel": channel,
            "direction": [r[2] for r in rows],
            "sender": ["customer" if r[2] == "in" else "agent" for r in rows],
            "category": "service",
            "chars": [r[3] for r in rows],
            "non_gsm": [r[4] for r in rows],
            "media": [r[5] for r in rows],
        }
    )


# ----------------------------------------------------------------------- SMS
def test_sms_us_per_segment_with_carrier_fees_and_mms():
    # sms-us-2026: 0.0083 per segment each way, carrier fee 0.0040 out / 0.0008 in; MMS 0.022 / 0.0165.
    m = messages(
        [
            (0, 1, "in", 160, False, False),  # 1 GSM-7 segment in: 0.0083 + 0.0008
            (10, 1, "out", 161, False, False),  # 2 GSM-7 segments out: 2 x (0.0083 + 0.0040)
            (20, 1, "out", 71, True, False),  # 2 UCS-2 segments out (71 > 70)
            (30, 1, "out", 500, False, True),  # MMS out: 0.022 flat
            (40, 1, "in", 5, False, True),  # MMS in: 0.0165
        ],
        "sms",
    )
    p = price(m, market="US", date="2026-01-05")
    assert p["units"].tolist() == [1, 2, 2, 1, 1]
    assert p["unit"].tolist() == ["segment", "segment", "segment", "message", "message"]
    expected = [0.0091, 2 * 0.0123, 2 * 0.0123, 0.022, 0.0165]
    assert p["cost"].tolist() == pytest.approx(expected)
    assert p["card"].unique().tolist() == ["sms-us-2026"]
    assert "UCS-2" in p.loc[2, "rule"] and "GSM-7" in p.loc[1, "rule"] and "MMS" in p.loc[3, "rule"]
    # the same traffic in 2025 uses the older card (0.0079)
    older = price(m, market="US", date="2025-06-30")
    assert older["card"].unique().tolist() == ["sms-us-2023"]
    assert older.loc[0, "cost"] == pytest.approx(0.0079 + 0.0008)


def test_markup_applies_on_top_of_channel_fees():
    m = messages([(0, 1, "out", 100, False, False)], "sms")
    plain = price(m, market="US", date="2026-01-05")["cost"].item()
    marked = price(m, market="US", date="2026-01-05", markup=0.25)["cost"].item()
    assert marked == pytest.approx(plain * 1.25)


# ----------------------------------------------------------------------- RCS
def rcs_traffic() -> pd.DataFrame:
    # Customer 1: the business sends at 0 h, the customer replies at 2 h, the business answers at 3 h,
    #             then writes again at 30 h (nobody replies).
    # Customer 2: one business message at 1 h, never answered.
    # Customer 3: a long (200-byte) business message at 0 h and a media message at 1 h, no replies.
    return messages(
        [
            (0 * H, 1, "out", 100, False, False),
            (2 * H, 1, "in", 20, False, False),
            (3 * H, 1, "out", 50, False, False),
            (30 * H, 1, "out", 50, False, False),
            (1 * H, 2, "out", 100, False, False),
            (0 * H, 3, "out", 200, False, False),
            (1 * H, 3, "out", 10, False, True),
        ],
        "rcs",
    )


def test_rcs_non_conversational_bills_every_business_message_as_basic_or_single():
    # rcs-uk-2024: basic 0.030 (text <= 160 bytes), single 0.045 (rich or longer); user messages free.
    p = price(rcs_traffic(), market="UK", date="2025-11-03", rcs_agent="non_conversational")
    assert p["cost"].tolist() == pytest.approx([0.030, 0.0, 0.030, 0.030, 0.030, 0.045, 0.045])
    assert p["billable"].tolist() == [True, False, True, True, True, True, True]
    assert "basic" in p.loc[0, "rule"] and "single" in p.loc[5, "rule"]


def test_rcs_conversational_turns_a_reply_within_24h_into_one_conversation():
    # Same traffic, conversational agent (conversation 0.060):
    # customer 1: the reply at 2 h (within 24 h of the 0 h message) starts a 24-hour conversation
    #   running to 26 h; it covers the 0 h message (which carries the one conversation charge), the
    #   reply and the 3 h answer. The 30 h message is after the conversation and unreplied: basic 0.030.
    # customer 2: unreplied, billed singly (basic). Customer 3: unreplied: single + single.
    p = price(rcs_traffic(), market="UK", date="2025-11-03", rcs_agent="conversational")
    assert p["cost"].tolist() == pytest.approx([0.060, 0.0, 0.0, 0.030, 0.030, 0.045, 0.045])
    assert p.loc[0, "unit"] == "conversation" and "opens" in p.loc[0, "rule"]
    assert "covered" in p.loc[2, "rule"]
    # per-customer: customer 2's message is not covered by customer 1's conversation
    assert p.loc[4, "cost"] == pytest.approx(0.030)
    # total: one conversation replaces three single charges
    non = price(rcs_traffic(), market="UK", date="2025-11-03", rcs_agent="non_conversational")
    assert non["cost"].sum() - p["cost"].sum() == pytest.approx(0.030 + 0.030 - 0.060)


def test_rcs_conversational_reply_after_24h_starts_nothing():
    m = messages([(0, 1, "out", 10, False, False), (25 * H, 1, "in", 10, False, False)], "rcs")
    p = price(m, market="UK", date="2025-11-03", rcs_agent="conversational")
    assert p["cost"].tolist() == pytest.approx([0.030, 0.0])


def test_rcs_us_rich_segments_and_flat_media():
    # rcs-us-2024: rich message 0.0083 per 160-byte segment; media 0.022; user text 0.0083/segment.
    m = messages(
        [
            (0, 1, "out", 160, False, False),  # 160 bytes: 1 segment
            (1, 1, "out", 161, False, False),  # 2 segments
            (2, 1, "out", 158, True, False),  # 157 chars + one emoji of 4 bytes = 161: 2 segments
            (3, 1, "out", 900, False, True),  # rich media: flat
            (4, 1, "in", 20, False, False),
        ],
        "rcs",
    ).assign(emoji=[0, 0, 1, 0, 0])
    p = price(m, market="US", date="2026-01-05")
    assert p["units"].tolist() == [1, 2, 2, 1, 1]
    assert p["cost"].tolist() == pytest.approx([0.0083, 0.0166, 0.0166, 0.022, 0.0083])


def test_rcs_out_of_reach_is_billed_as_sms():
    data = yaml.safe_load(SMALL.read_text())
    data["pricing"] = {}
    data["channels"]["rcs"] = {"like": "sms", "reach": 0.0, "fallback": "sms"}
    data["demand"]["segments"] = [{"name": "all", "share": 1, "preference": ["rcs"]}]
    data["agents"]["pools"][1]["channels"] = ["sms", "rcs"]
    data["strategies"] = [{"name": "rcs", "offer": ["rcs"]}]
    scenario = chansim.load_scenario(data)
    result = chansim.simulate(scenario, replications=1)
    lines = result.costs
    assert set(lines["channel"]) == {"sms"}
    assert lines["rule"].str.contains("RCS fallback").all()
    assert set(lines["card"]) == {"sms-us-2026"}
    kpis = result.strategies[0].kpis
    assert kpis["sms_segments"] > 0 and kpis["cost_channel"] == pytest.approx(lines["cost"].sum())


# --------------------------------------------------------------------- voice
def test_voice_per_started_minute_including_queue_time():
    calls = pd.DataFrame({"channel": ["voice"] * 3, "arrival_t": [0.0, 0.0, 100.0], "end_t": [60.0, 61.0, 100.5]})
    pricer = Pricer.create(market="US", date="2026-01-05")
    p = pricer.calls(calls)
    # rounded up to started minutes: 1, 2, 1; toll-free 0.022 + platform 0.038 = 0.060 per minute
    assert p["units"].tolist() == [1, 2, 1]
    assert p["cost"].tolist() == pytest.approx([0.06, 0.12, 0.06])
    local = Pricer.create(market="US", date="2026-01-05", voice_number="local").calls(calls)
    assert local["cost"].tolist() == pytest.approx([0.0465, 0.093, 0.0465])


def test_voice_per_second_rounding_from_a_users_card(tmp_path):
    card = next(c for c in builtin_cards() if c.id == "voice-us-2023")
    data = card.model_dump(mode="json", exclude_none=True)
    data["rounding"] = "second"
    path = tmp_path / "card.yaml"
    path.write_text(yaml.safe_dump({"cards": [data]}))
    calls = pd.DataFrame({"channel": ["voice"], "arrival_t": [0.0], "end_t": [90.2]})
    p = Pricer.create(market="US", date="2026-01-05", rate_card=path).calls(calls)
    assert p["units"].item() == pytest.approx(91 / 60)  # whole seconds, started second counts


# ------------------------------------------------------------------ platforms
def test_platform_fees_and_free_channels():
    webchat = price(messages([(0, 1, "in", 5, False, False)], "webchat"), market="BR", date="2026-01-05")
    assert webchat["cost"].item() == pytest.approx(0.010) and webchat["card"].item() == "webchat-platform-2023"
    apple = price(messages([(0, 1, "in", 5, False, False)], "apple_messages"), market="US", date="2026-01-05")
    assert apple["cost"].item() == 0 and not apple["billable"].item()


def test_google_business_messages_refused_after_shutdown():
    m = messages([(0, 1, "in", 5, False, False)], "google_business_messages")
    with pytest.raises(InputError, match="shut down on 2024-07-31"):
        price(m, market="US", date="2024-08-01")
    assert price(m, market="US", date="2024-07-31")["cost"].item() == 0


def test_flat_fees_win_over_the_card():
    m = messages([(0, 1, "in", 200, False, False), (5, 1, "out", 10, False, False)], "sms")
    fee = chansim.Scenario.model_fields["pricing"].annotation.model_fields["fees"].annotation.__args__[1]
    p = price(m, market="US", date="2026-01-05", fees={"sms": fee(per_segment=0.01, per_contact=0.5)})
    # 200 GSM chars = 2 segments; per-contact fee on the contact's first message
    assert p["cost"].tolist() == pytest.approx([0.02 + 0.5, 0.01])
    assert set(p["card"]) == {"pricing.fees"}


# ------------------------------------------------------------------- currency
def test_cards_in_another_currency_need_an_exchange_rate():
    m = messages([(0, 1, "out", 10, False, False)], "sms")
    with pytest.raises(InputError, match="exchange_rates.USD"):
        price(m, market="US", date="2026-01-05", currency="EUR")
    eur = price(m, market="US", date="2026-01-05", currency="EUR", exchange_rates={"USD": 0.9})
    assert eur["cost"].item() == pytest.approx(0.0123 * 0.9)
    inr = price(m, market="IN", date="2026-01-05", currency="INR")  # the Indian SMS card is in INR
    assert inr["cost"].item() == pytest.approx(0.20)


def test_dates_and_markets_outside_the_cards_are_clear_errors():
    m = messages([(0, 1, "out", 10, False, False)], "sms")
    with pytest.raises(InputError, match="no sms rate card for US is in force on 2020-01-01"):
        price(m, market="US", date="2020-01-01")
    with pytest.raises(InputError, match="no sms rate card for market 'ZZ'"):
        price(m, market="ZZ", date="2026-01-05")


def test_a_scenario_that_cannot_be_priced_fails_before_simulating():
    result = CliRunner().invoke(app, ["run", str(SMALL), "--set", "pricing.fees={}", "--set", "pricing.date=2021-01-01", "-q"])
    assert result.exit_code == 2
    assert "pricing.date" in result.stderr and "2021-01-01" in result.stderr


# ----------------------------------------------------------------- properties
def scaled_cards(tmp_path: Path, k: float) -> Path:
    cards = []
    for card in builtin_cards():
        data = card.model_dump(mode="json", exclude_none=True)
        data["rates"] = {
            name: (value * k if isinstance(value, (int, float)) else {**value, "value": value["value"] * k})
            for name, value in data.get("rates", {}).items()
        }
        data["tiers"] = {c: [{**t, "rate": t["rate"] * k} for t in tiers] for c, tiers in data.get("tiers", {}).items()}
        cards.append(data)
    path = tmp_path / f"scaled-{k}.yaml"
    path.write_text(yaml.safe_dump({"cards": cards}))
    return path


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "small"
    data = yaml.safe_load(SMALL.read_text())
    data["pricing"] = {"markup": 0.1}
    data["channels"]["whatsapp"] = {"like": "sms", "customer_reply_delay": {"dist": "exponential", "mean": 3000}}
    data["agents"]["pools"][1]["channels"] = ["webchat", "sms", "whatsapp"]
    data["strategies"].append({"name": "whatsapp", "offer": ["voice", "whatsapp"]})
    data["demand"]["segments"][0]["preference"] = ["webchat", "whatsapp", "sms", "voice"]
    path = out.parent / "small.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(path), "-q", "--replications", "2", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return out, json.loads(result.stdout)


def test_repricing_a_stored_log_equals_pricing_during_the_run(small_run):
    from chansim.studies.reprice import reprice_run

    out, doc = small_run
    again = reprice_run(out)
    for strategy in doc["strategies"]:
        for channel, values in strategy["by_channel"].items():
            row = again.rows[(again.rows["strategy"] == strategy["name"]) & (again.rows["channel"] == channel)]
            assert row["before"].item() == pytest.approx(values["cost_channel"], rel=1e-12)
            assert row["after"].item() == pytest.approx(values["cost_channel"], rel=1e-12)
    stored = pd.read_parquet(out / "costs.parquet")
    assert stored["cost"].sum() == pytest.approx(again.lines_before["cost"].sum(), rel=1e-12)


@pytest.mark.parametrize("k", [0.5, 2.0, 3.0])
def test_prices_scaled_by_k_scale_every_cost_by_k(small_run, tmp_path, k):
    from chansim.studies.reprice import reprice_run

    out, _ = small_run
    base = reprice_run(out)
    scaled = reprice_run(out, rate_card=scaled_cards(tmp_path, k))
    assert (scaled.rows["after"].to_numpy() == pytest.approx(k * base.rows["after"].to_numpy(), rel=1e-9))
    assert (scaled.lines_after["cost"] >= 0).all()


def test_reprice_at_the_whatsapp_switch_shows_the_model_change(small_run):
    from chansim.studies.reprice import reprice_run

    out, _ = small_run
    v1 = reprice_run(out, date="2025-06-30").lines_after
    v2 = reprice_run(out, date="2025-07-01").lines_after
    business = lambda lines: lines[(lines["channel"] == "whatsapp") & ~lines["rule"].str.contains("customer message")]
    w1, w2 = business(v1), business(v2)
    assert len(w1) and len(w2)
    assert w1["rule"].str.contains("v1").all() and w2["rule"].str.contains("v2").all()
    assert "conversation" in set(w1["unit"]) and set(w2["unit"]) == {"message"}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 5 * DAY), st.integers(0, 3), st.sampled_from(["in", "out"]), st.integers(1, 700),
            st.booleans(), st.booleans(),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["sms", "rcs", "webchat", "email"]),
    st.sampled_from(["US"]),  # the card with every rate (MMS, user-sent RCS): elsewhere a missing rate is an error
    st.sampled_from(["conversational", "non_conversational"]),
)
def test_no_message_is_charged_negative_and_billable_means_positive(rows, channel, market, agent):
    p = price(messages(rows, channel), market=market, date="2026-01-05", rcs_agent=agent,
              currency="USD", exchange_rates={"INR": 0.012})
    assert (p["cost"] >= 0).all()
    assert ((p["cost"] > 0) == p["billable"]).all()
    assert p["rule"].astype(object).map(lambda r: isinstance(r, str) and len(r) > 0).all()


# ------------------------------------------------------------------------ CLI
def test_cli_segments_ratecards_reprice(small_run):
    runner = CliRunner()
    seg = json.loads(runner.invoke(app, ["segments", "Olá, tudo bem? 👋", "--format", "json"]).stdout)
    assert seg["encoding"] == "UCS-2" and seg["segments"] == 1 and "á" in seg["non_gsm_chars"]
    cards = json.loads(runner.invoke(app, ["ratecards", "--market", "UK", "--date", "2026-01-05", "--format", "json"]).stdout)
    ids = {c["id"] for c in cards["cards"]}
    assert {"sms-uk-2026", "voice-uk-2023", "webchat-platform-2023"} <= ids
    assert all(c["effective_from"] <= "2026-01-05" for c in cards["cards"])
    assert any(c["lowest_confidence"] == "unverified" for c in cards["cards"])
    table = runner.invoke(app, ["ratecards", "--market", "UK"]).stdout
    assert "UNVERIFIED" in table
    out, _ = small_run
    repriced = runner.invoke(app, ["reprice", str(out), "--markup", "0.5", "--format", "json"])
    assert repriced.exit_code == 0, repriced.stderr
    doc = json.loads(repriced.stdout)
    assert doc["after"]["markup"] == 0.5 and doc["before"]["markup"] == 0.1
    for row in doc["rows"]:
        assert row["after"] == pytest.approx(row["before"] * 1.5 / 1.1)
    text = runner.invoke(app, ["reprice", str(out), "--date", "2025-07-01"]).stdout
    assert "whatsapp" in text and "before" in text


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["ratecards", "--market", "Z1"], "not a market"),
        (["ratecards", "--date", "2019-05-01"], "no rate card is in force on 2019-05-01"),
        (["ratecards", "--date", "soon"], "not a date"),
    ],
)
def test_cli_bad_market_or_date_exits_2(args, fragment):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and fragment in result.stderr


def test_cli_reprice_bad_inputs_exit_2(small_run, tmp_path):
    out, _ = small_run
    runner = CliRunner()
    for args, fragment in [
        (["reprice", str(tmp_path / "nope")], "not a directory"),
        (["reprice", str(out), "--market", "ZZ"], "market 'ZZ'"),
        (["reprice", str(out), "--date", "2019-01-01"], "2019-01-01"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.stdout)
        assert fragment in result.stderr


# ------------------------------------------------- exact rules added with the 2026 cards
def test_rcs_bytes_of_non_latin_text_and_us_suggestions():
    # 100 Devanagari characters at about 2.56 bytes each (spaces included) = 256 bytes: 2 US segments,
    # where 1 byte a character would give 1; a text with a calendar action is rich media (flat).
    m = messages([(0, 1, "out", 100, True, False), (1, 1, "out", 100, True, False),
                  (2, 1, "out", 100, False, False), (3, 1, "out", 100, False, False)], "rcs")
    m["suggestions"] = ["none", "none", "basic", "rich"]
    hindi = price(m, market="US", start_date="2026-12-01", bytes_per_char={"rcs": 2.56})
    latin = price(m, market="US", start_date="2026-12-01")
    assert hindi["units"].tolist() == [2, 2, 1, 1] and latin["units"].tolist() == [1, 1, 1, 1]
    assert hindi["cost"].tolist() == pytest.approx([2 * 0.0083, 2 * 0.0083, 0.0083, 0.022])
    assert "rich media" in hindi["rule"].iloc[3] and "segment" in hindi["rule"].iloc[2]
    # non-US, before the merge of 2025-11-20: any suggestion makes a single message
    uk = price(m, market="UK", start_date="2025-11-03")
    assert uk["rule"].astype(str).tolist()[2:] == ["rcs: single message (rich or > 160 bytes)"] * 2


def test_sms_over_1600_characters_is_split_and_says_so():
    m = messages([(0, 1, "out", 3000, False, False), (1, 1, "out", 160, False, False),
                  (2, 1, "out", 160, False, False)], "sms").assign(extension=[0, 0, 1])
    p = price(m, market="US", start_date="2026-12-01")
    assert p["units"].tolist() == [21, 1, 2]  # 1,600 + 1,400 characters: 11 + 10; 160 with one escape pair: 161 septets, 2
    assert "sent as 2 messages" in p["rule"].iloc[0]


def test_card_in_force_on_each_messages_own_day():
    # sms-us-2023 ends 2025-12-31 (0.0079), sms-us-2026 starts 2026-01-01 (0.0083)
    m = messages([(0, 1, "in", 10, False, False), (DAY + 10, 1, "in", 10, False, False)], "sms")
    p = price(m, market="US", start_date="2025-12-31")
    assert p["card"].astype(str).tolist() == ["sms-us-2023", "sms-us-2026"]
    assert p["cost"].tolist() == pytest.approx([0.0079 + 0.0008, 0.0083 + 0.0008])
    as_of = price(m, market="US", date="2025-12-31")
    assert as_of["card"].astype(str).tolist() == ["sms-us-2023", "sms-us-2023"]


def test_earlier_import_paths_reach_the_rules_and_the_pricer():
    import importlib

    import chansim.billing
    from chansim.billing import costlines, preflight, pricer
    from chansim.billing.rules import gsm, platform, rcs, sms, voice, whatsapp

    homes = {"sms": (sms, ["sms_segments", "price_sms", "MAX_BODY_CHARS"]),
             "gsm": (gsm, ["analyse", "sent_as", "GSM7", "SegmentInfo"]),
             "rcs": (rcs, ["price_rcs", "utf8_bytes"]), "voice": (voice, ["price_calls", "NUMBER_TYPES"]),
             "platform": (platform, ["price_per_message", "price_retired"]),
             "whatsapp": (whatsapp, ["price_whatsapp", "PRICE_COLUMNS", "CSW_S", "FEP_S"])}
    for name, (home, names) in homes.items():
        old = importlib.import_module(f"chansim.billing.{name}")
        assert old.__all__ == home.__all__, name
        assert all(getattr(old, n) is getattr(home, n) for n in names), name
    old = importlib.import_module("chansim.billing.price")
    assert (old.Pricer, old.cost_lines, old.check_scenario) == (pricer.Pricer, costlines.cost_lines,
                                                                 preflight.check_scenario)
    # the package's ``price`` is the function, also after its module was imported by name
    assert chansim.billing.price is old.price and callable(chansim.billing.price)
