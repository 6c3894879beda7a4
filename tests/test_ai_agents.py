"""The AI agent's behaviour in the engine: containment per intent and
channel, harder handovers, agent assist; the per-outcome against per-session
flip on simulated runs; and bad input refused with its field path and line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from chansim import simulate
from chansim.cli import app
from chansim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "scenarios" / "ai-vendors.yaml"
runner = CliRunner()


def scenario_data(per_day: float = 1500, **bot) -> dict:
    """Web chat answered by a bot first and a well-staffed team (nobody waits
    long, nobody abandons)."""
    return {
        "name": "ai-agent", "currency": "USD", "market": "US", "start_date": "2026-12-01", "days": 1, "seed": 5,
        "replications": 1, "warmup_hours": 0,
        "demand": {"contacts_per_day": per_day,
                   "segments": [{"name": "all", "share": 1.0, "preference": ["webchat"]}],
                   "intents": [{"name": "easy", "share": 0.6, "complexity": 1.0, "bot_resolvable": 0.7},
                               {"name": "hard", "share": 0.4, "complexity": 1.0, "bot_resolvable": 0.2}]},
        "channels": {"webchat": {"turns": {"dist": "poisson", "mean": 5},
                                 "agent_time_per_turn": {"dist": "exponential", "mean": 40},
                                 "customer_reply_delay": {"dist": "fixed", "value": 20}}},
        "agents": {"pools": [{"name": "chat", "channels": ["webchat"], "headcount": 60, "concurrency": 3,
                              "cost_per_hour": 40}]},
        "strategies": [
            {"name": "team", "offer": ["webchat"]},
            {"name": "bot", "offer": ["webchat"], "bot": {"channels": ["webchat"], **bot}},
        ],
    }


def run(data: dict, tmp_path: Path, **kw):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return simulate(load_scenario(path), replications=kw.pop("replications", 1), **kw)


def _mean_ci(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


# ---------------------------------------------------------------- harder handovers
@pytest.mark.parametrize("factor", [1.0, 1.3])
def test_handed_over_contacts_take_the_stated_longer_agent_time(tmp_path, factor):
    result = run(scenario_data(handover_aht_factor=factor), tmp_path)
    c = result.contacts
    finished = c["outcome"].astype(str).isin(["resolved", "unresolved"]).to_numpy()
    team = c[finished & (c["strategy"].astype(str) == "team").to_numpy()]["focus_s"].to_numpy(float)
    bot = c[finished & (c["bot_outcome"].astype(str) == "escalated").to_numpy()]["focus_s"].to_numpy(float)
    assert team.size > 500 and bot.size > 300
    (m0, se0), (m1, se1) = _mean_ci(team), _mean_ci(bot)
    ratio = m1 / m0
    se = ratio * np.hypot(se0 / m0, se1 / m1)  # delta method
    assert abs(ratio - factor) < 3 * se, (ratio, factor, se)
    if factor > 1:
        assert ratio - 3 * se > 1.0  # the shift is visible, not lost in the noise


def test_an_ai_agent_hands_over_harder_contacts_by_default():
    from chansim.scenario.models.strategies import HANDOVER_AHT_FACTOR, HANDOVER_UNRESOLVED_SHIFT, Bot

    assert Bot(channels=("webchat",)).handover() == (1.0, 0.0)  # a plain bot: as before
    ai = Bot(channels=("webchat",), vendor_card="intercom-fin")
    assert ai.handover() == (HANDOVER_AHT_FACTOR, HANDOVER_UNRESOLVED_SHIFT) == (1.15, 0.03)
    assert Bot(channels=("webchat",), vendor_card="x", handover_aht_factor=1.0).handover() == (1.0, 0.03)


def test_the_unresolved_share_of_handed_over_contacts_rises_by_the_shift(tmp_path):
    data = scenario_data(per_day=3000, handover_unresolved_shift=0.4)
    result = run(data, tmp_path)
    c = result.contacts
    escalated = c[(c["bot_outcome"].astype(str) == "escalated").to_numpy()
                  & c["outcome"].astype(str).isin(["resolved", "unresolved"]).to_numpy()]
    share = (escalated["outcome"].astype(str) == "unresolved").to_numpy(float)
    m, se = _mean_ci(share)
    assert abs(m - 0.4) < 3 * se  # intents leave nothing unresolved: only the shift


# ----------------------------------------------------------- containment per intent
def test_containment_per_intent_and_channel_within_ci_of_the_input(tmp_path):
    data = scenario_data(per_day=3000, containment={"easy": 0.55},
                         channel_containment={"webchat": {"hard": 0.35}})
    c = run(data, tmp_path).contacts
    sessions = c[(c["bot_outcome"].astype(str) != "none").to_numpy()]
    for intent, share in {"easy": 0.55, "hard": 0.35}.items():
        mine = sessions[(sessions["intent"].astype(str) == intent).to_numpy()]
        contained = (mine["bot_outcome"].astype(str) == "contained").to_numpy(float)
        m, se = _mean_ci(contained)
        assert contained.size > 300 and abs(m - share) < 3 * se, (intent, m, share, se)


def test_containment_left_out_keeps_bot_resolvable_and_its_numbers(tmp_path):
    plain = run(scenario_data(), tmp_path).strategy("bot").kpis
    same = run(scenario_data(containment={"easy": 0.7}), tmp_path).strategy("bot").kpis
    assert plain == same  # the same shares, drawn from the same streams: the same run


# ------------------------------------------------------------------- agent assist
def test_agent_assist_shortens_agent_turns_by_channel(tmp_path):
    data = scenario_data()
    data["strategies"][1]["bot"] = {"assist_reduction": {"webchat": 0.2}}
    c = run(data, tmp_path).contacts
    finished = c["outcome"].astype(str).isin(["resolved", "unresolved"]).to_numpy()
    by = {name: c[finished & (c["strategy"].astype(str) == name).to_numpy()]["focus_s"].to_numpy(float)
          for name in ("team", "bot")}
    # the same customers with the same draws: each agent turn 20 % shorter
    assert by["bot"].sum() / by["team"].sum() == pytest.approx(0.8, rel=0.02)


# ------------------------------------------- per outcome against per session, simulated
def test_per_outcome_against_per_session_flips_at_ps_over_po_on_simulated_runs(tmp_path):
    p_s, p_o = 0.45, 1.50  # cross at c = 0.30
    cards = tmp_path / "cards.yaml"
    card = {"effective_from": "2026-01-01", "currency": "USD", "source": "test", "confidence": "unverified"}
    cards.write_text(yaml.safe_dump({"ai_cards": [
        card | {"id": "flat", "vendor": "A", "unit": "per_session", "rates": {"per_session": p_s}},
        card | {"id": "outcome", "vendor": "B", "unit": "per_outcome", "rates": {"per_outcome": p_o}}]}))
    for c in (0.1, 0.2, 0.4, 0.6, 0.9):
        data = scenario_data(per_day=400)
        bot = {"channels": ["webchat"], "containment": {"easy": c, "hard": c}}
        data["pricing"] = {"rate_card": str(cards)}
        data["strategies"] = [{"name": "flat", "offer": ["webchat"], "bot": bot | {"vendor_card": "flat"}},
                              {"name": "outcome", "offer": ["webchat"], "bot": bot | {"vendor_card": "outcome"}}]
        result = run(data, tmp_path)
        flat, outcome = result.strategy("flat").kpis, result.strategy("outcome").kpis
        measured_day = result.contacts["arrival_t"].to_numpy(float) >= 0  # (not the warm-up day before it)
        sessions = (result.contacts["bot_outcome"].astype(str) != "none").to_numpy() & measured_day
        per_strategy = {s: int(sessions[(result.contacts["strategy"].astype(str) == s).to_numpy()].sum())
                        for s in ("flat", "outcome")}
        assert flat["cost_bot"] == pytest.approx(per_strategy["flat"] * p_s, abs=0.005)  # each session, to the cent
        assert outcome["cost_bot"] == pytest.approx(outcome["contained"] * p_o, abs=0.005)  # each resolution
        measured = outcome["contained"] / per_strategy["outcome"]
        assert (outcome["cost_bot"] < flat["cost_bot"]) == (measured < p_s / p_o), (c, measured)
        assert (measured < p_s / p_o) == (c < p_s / p_o)  # far enough from the crossover to land on its side


def test_cost_bot_is_broken_down_by_unit_on_each_replication(tmp_path):
    data = scenario_data(per_day=300, vendor_card="intercom-fin")
    data["strategies"][1]["bot"] |= {"assist_card": "agentforce-user", "seats": 10}
    result = run(data, tmp_path)
    row = result.replication_kpis.set_index("strategy").loc["bot"]
    assert row["cost_bot"] == pytest.approx(row["cost_bot_per_outcome"])  # the seats are the team's, not the bot's
    assert row["cost_labor_assist_seats"] == pytest.approx(10 * 125 / 31)  # one day of December
    pools = sum(kpis["cost_labor"] for kpis in result.strategy("bot").by_pool.values())
    assert row["cost_labor"] == pytest.approx(pools + row["cost_labor_assist_seats"])  # in labor, in no pool's row
    assert row["cost_total"] == pytest.approx(row["cost_channel"] + row["cost_labor"] + row["cost_bot"])
    sessions = result.strategy("bot").by_channel["webchat"]["cost_bot"]
    assert sessions == pytest.approx(row["cost_bot_per_outcome"])  # seats belong to no channel


# --------------------------------------------------------------------- bad input
def _variant(tmp_path, edit) -> Path:
    data = yaml.safe_load(SHIPPED.read_text())
    edit(data["strategies"][1]["bot"])
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


BAD = {
    "containment share above 1": (lambda bot: bot.update(containment={"returns": 1.2}),
                                  r"strategies\[1\]\.bot\.containment\.returns"),
    "channel containment share above 1": (lambda bot: bot.update(channel_containment={"webchat": {"returns": 3}}),
                                          r"strategies\[1\]\.bot\.channel_containment\.webchat\.returns"),
    "negative handover factor": (lambda bot: bot.update(handover_aht_factor=-0.5),
                                 r"strategies\[1\]\.bot\.handover_aht_factor"),
    "negative unresolved shift": (lambda bot: bot.update(handover_unresolved_shift=-0.1),
                                  r"strategies\[1\]\.bot\.handover_unresolved_shift"),
    "assist saving all the time": (lambda bot: bot.update(assist_reduction={"voice": 1.0}),
                                   r"strategies\[1\]\.bot\.assist_reduction\.voice"),
    "containment of an unknown intent": (lambda bot: bot.update(containment={"refunds": 0.5}),
                                         r"strategies\[1\]\.bot\.containment\.refunds"),
    "channel containment of an unknown intent": (
        lambda bot: bot.update(channel_containment={"webchat": {"refunds": 0.5}}),
        r"strategies\[1\]\.bot\.channel_containment\.webchat\.refunds"),
    "channel containment on a channel not offered": (
        lambda bot: bot.update(channel_containment={"whatsapp": {"returns": 0.5}}),
        r"strategies\[1\]\.bot\.channel_containment\.whatsapp"),
    "channel containment on a channel the bot does not answer": (
        lambda bot: bot.update(channel_containment={"voice": {"returns": 0.5}}),
        r"strategies\[1\]\.bot\.channel_containment\.voice"),
    "assist on a channel not offered": (lambda bot: bot.update(assist_reduction={"sms": 0.1}),
                                        r"strategies\[1\]\.bot\.assist_reduction\.sms"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_ai_agent_input_exits_2_with_path_and_line(tmp_path, case, command):
    edit, path = BAD[case]
    bad = _variant(tmp_path, edit)
    args = [command, str(bad)] + (["--replications", "1"] if command == "run" else [])
    result = runner.invoke(app, args)
    text = re.sub(r"\s+", " ", result.output + (result.stderr if result.stderr_bytes is not None else ""))
    assert result.exit_code == 2, text
    assert re.search(path, text) and re.search(r"line \d+", text), text


@pytest.mark.parametrize("field", ["channel_containment", "assist_reduction"])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bot_naming_a_channel_its_strategy_does_not_offer_exits_2(tmp_path, field, command):
    data = scenario_data()
    data["channels"]["sms"] = {"agent_time_per_turn": {"dist": "fixed", "value": 30}}
    data["strategies"][1]["bot"][field] = {"sms": {"easy": 0.5}} if field == "channel_containment" else {"sms": 0.1}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, [command, str(path)] + (["--replications", "1"] if command == "run" else []))
    text = re.sub(r"\s+", " ", result.output + (result.stderr if result.stderr_bytes is not None else ""))
    assert result.exit_code == 2, text
    assert f"strategies[1].bot.{field}.sms" in text and "not offered" in text and re.search(r"line \d+", text), text


# ------------------------------------------------- cost_bot by unit in the results
def test_cost_bot_by_unit_is_a_strategy_kpi_with_its_ci(tmp_path):
    from chansim.kpis.statistics import ci95_halfwidth

    result = run(scenario_data(per_day=300, vendor_card="intercom-fin"), tmp_path, replications=3)
    per_rep = result.replication_kpis.set_index("strategy").loc["bot", "cost_bot_per_outcome"].to_numpy(float)
    bot = result.strategy("bot")
    assert per_rep.min() > 0
    assert bot.kpis["cost_bot_per_outcome"] == pytest.approx(per_rep.mean())
    assert bot.ci95["cost_bot_per_outcome"] == pytest.approx(ci95_halfwidth(list(per_rep)))
    assert bot.kpis["cost_bot_per_outcome"] == pytest.approx(bot.kpis["cost_bot"])
    assert "cost_bot_per_outcome" not in result.strategy("team").kpis


def test_compare_gives_the_unit_breakdown_and_the_crossover_of_the_two_vendors():
    import json

    args = ["compare", str(SHIPPED), "--replications", "2", "--set", "days=1", "-s", "vendor-per-outcome",
            "-s", "vendor-per-action", "--quiet"]
    doc = json.loads(runner.invoke(app, args + ["--format", "json"]).stdout)
    kpis = {s["name"]: s["kpis"] for s in doc["strategies"]}
    assert kpis["vendor-per-outcome"]["cost_bot_per_outcome"] == pytest.approx(kpis["vendor-per-outcome"]["cost_bot"])
    assert kpis["vendor-per-action"]["cost_bot_per_action"] == pytest.approx(kpis["vendor-per-action"]["cost_bot"])
    (row,) = doc["ai_crossovers"]
    assert (row["by_outcome"], row["other"]) == ("vendor-per-outcome", "vendor-per-action")
    assert row["crossover_containment"] == pytest.approx(0.10 * 6 / 0.99)  # p_s / p_o, p_s = $0.10 × 6 actions
    table = re.sub(r"\s+", " ", runner.invoke(app, args, terminal_width=250).stdout)
    assert "cost_bot_per_outcome" in table and "cost_bot_per_action" in table
    assert "the same at 60.6 % containment" in table


# ------------------------------------------------------------- handoff against a failed session
def test_a_handoff_is_its_own_bot_outcome_and_moves_nothing_else(tmp_path):
    plain = run(scenario_data(), tmp_path).contacts
    handing = run(scenario_data(handoff_share=0.4), tmp_path).contacts
    bot = (plain["strategy"].astype(str) == "bot").to_numpy()
    a, b = plain[bot].reset_index(drop=True), handing[bot].reset_index(drop=True)
    assert set(a["bot_outcome"].astype(str)) == {"contained", "escalated"}
    others = [c for c in a.columns if c != "bot_outcome"]
    assert a[others].equals(b[others])  # the same customers, served the same way
    was = a["bot_outcome"].astype(str).to_numpy()
    now = b["bot_outcome"].astype(str).to_numpy()
    assert ((was == "escalated") == np.isin(now, ["escalated", "handoff"])).all()
    handed = (now[was == "escalated"] == "handoff").astype(float)
    mean, se = _mean_ci(handed)
    assert abs(mean - 0.4) < 3 * se
    reached = b[np.isin(now, ["escalated", "handoff"])]
    assert reached["queued_t"].notna().all()  # both reach the agents' queue


def test_csat_scores_a_failed_ai_session_below_a_handoff_by_the_stated_points():
    import pandas as pd

    from chansim.kpis.csat import Csat, expected_score
    from chansim.scenario.models.strategies import FAILED_BOT_CSAT_PENALTY, Bot

    contacts = pd.DataFrame({"channel": ["webchat"] * 4, "outcome": ["contained", "resolved", "resolved", "resolved"],
                             "wait_s": [0.0] * 4, "transfers": [0, 1, 1, 0],
                             "bot_outcome": pd.Categorical(["contained", "handoff", "escalated", "none"])})
    ai = Bot(channels=("webchat",), vendor_card="intercom-fin")
    points = ai.csat_points()
    assert points == {"escalated": FAILED_BOT_CSAT_PENALTY, "handoff": 0.0}
    score = expected_score(contacts, Csat(), points)
    base = expected_score(contacts, Csat())
    assert score[2] == pytest.approx(base[2] - FAILED_BOT_CSAT_PENALTY)
    assert score[[0, 1, 3]] == pytest.approx(base[[0, 1, 3]])
    own = Bot(channels=("webchat",), handoff_csat_penalty=0.25).csat_points()
    assert own == {"escalated": 0.0, "handoff": 0.25}  # a bot without an AI card loses nothing by default
    assert expected_score(contacts, Csat(), own)[1] == pytest.approx(base[1] - 0.25)


# --------------------------------------------------------------- a voice AI agent
def voice_data(**bot) -> dict:
    data = scenario_data(per_day=600)
    data["demand"]["segments"][0]["preference"] = ["voice"]
    data["channels"] = {"voice": {"handle_time": {"dist": "exponential", "mean": 240},
                                  "patience": {"dist": "exponential", "mean": 600}}}
    data["agents"]["pools"] = [{"name": "phones", "channels": ["voice"], "headcount": 30, "cost_per_hour": 40}]
    data["strategies"] = [{"name": "team", "offer": ["voice"]},
                          {"name": "bot", "offer": ["voice"],
                           "bot": {"channels": ["voice"], "call_time": {"dist": "fixed", "value": 90}, **bot}}]
    return data


def test_a_voice_ai_agent_answers_first_and_contained_calls_never_queue(tmp_path):
    result = run(voice_data(handover_aht_factor=1.5), tmp_path)
    c = result.contacts
    bot = c[(c["strategy"].astype(str) == "bot").to_numpy()]
    outcome = bot["bot_outcome"].astype(str).to_numpy()
    assert set(outcome) == {"contained", "escalated"}
    contained = bot[outcome == "contained"]
    assert contained["queued_t"].isna().all() and contained["answer_t"].isna().all()
    assert (contained["outcome"].astype(str) == "contained").all()
    assert np.allclose(contained["end_t"] - contained["arrival_t"], 90.0)
    handed = bot[outcome == "escalated"]
    assert np.allclose(handed["queued_t"] - handed["arrival_t"], 90.0)  # then the voice queue
    share = (outcome == "contained").mean()
    per_intent = bot.groupby(bot["intent"].astype(str))["bot_outcome"].apply(lambda s: (s.astype(str) == "contained").mean())
    assert abs(per_intent["easy"] - 0.7) < 0.06 and abs(per_intent["hard"] - 0.2) < 0.06 and 0 < share < 1
    team = c[(c["strategy"].astype(str) == "team").to_numpy() & c["answer_t"].notna().to_numpy()]
    served = handed[handed["answer_t"].notna() & (handed["outcome"].astype(str) != "abandoned")]
    ratio = served["focus_s"].mean() / team["focus_s"].mean()
    assert abs(ratio - 1.5) < 0.25  # the handed-over call is longer by the stated factor


def test_a_voice_bot_needs_its_call_time(tmp_path):
    data = voice_data()
    del data["strategies"][1]["bot"]["call_time"]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "strategies[1].bot" in re.sub(r"\s+", " ", result.output)


def test_a_voice_ai_agent_is_billed_its_talk_minutes_to_the_cent(tmp_path):
    import datetime as dt

    import pandas as pd

    from chansim.billing.ai_cards import ai_book
    from chansim.billing.rules.ai import AIPricing, price_sessions

    cards = tmp_path / "cards.yaml"
    common = {"vendor": "V", "effective_from": "2026-01-01", "currency": "USD", "source": "test",
              "confidence": "unverified"}
    cards.write_text(yaml.safe_dump({"ai_cards": [{"id": "minute", "unit": "per_minute", **common,
                                                   "rates": {"per_minute": 0.12}},
                                                  {"id": "call", "unit": "per_call", **common,
                                                   "rates": {"per_call": 0.35}}]}))
    contacts = pd.DataFrame({
        "replication": [0, 0, 0, 0], "strategy": ["s"] * 4, "contact_id": [0, 1, 2, 3], "customer_id": [0, 1, 2, 3],
        "segment": ["a"] * 4, "channel": ["voice"] * 4,
        "bot_outcome": pd.Categorical(["contained", "escalated", "handoff", "none"],
                                      categories=["none", "contained", "escalated", "handoff"]),
        "arrival_t": [0.0, 100.0, 200.0, 300.0], "queued_t": [np.nan, 145.0, 290.0, 300.0],
        "end_t": [150.0, 500.0, 700.0, 600.0]})
    book = ai_book(cards)
    minutes = price_sessions(contacts, None, AIPricing(book=book, start=dt.date(2026, 12, 1), vendor_card="minute"))
    assert list(minutes["units"]) == pytest.approx([2.5, 0.75, 1.5])  # talk time: to the end, or to the queue
    assert round(minutes["cost"].sum(), 2) == round(0.12 * 4.75, 2) == 0.57
    calls = price_sessions(contacts, None, AIPricing(book=book, start=dt.date(2026, 12, 1), vendor_card="call"))
    assert round(calls["cost"].sum(), 2) == 1.05 and set(calls["unit"].astype(str)) == {"call"}
