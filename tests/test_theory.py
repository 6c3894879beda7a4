"""The engine against queueing theory (validation.md).

Two textbook anchors, simulated and compared with Erlang C:

* **M/M/c voice**: Poisson arrivals (100 per 30 min), exponential handle time
  (mean 180 s), no abandonment, N = 12..15 agents: A = 10 Erlangs.
* **Concurrency anchor**: a messaging channel whose conversations hold a slot
  for an exponential time with (almost) no agent attention. N agents × k slots
  then form an M/M/(N·k) queue for the wait to get a slot (the answer time).

How the comparison is made (validation.md, "How the simulation is compared"):
every configuration runs ``REPS`` independent replications of ``DAYS`` days
with a ``WARMUP_H``-hour warm-up left out of the KPIs; the simulated KPI (mean
over replications) must lie within the 95 % Student-t half-width the engine
reports (``ci95``) of the Erlang C value. No extra allowance is added for the
start-empty bias: with a 2 h warm-up it is gone (the queue's relaxation time
at N = 12, A = 10 is about AHT / (√N − √A)² ≈ 40 min), and a calibration over
20 seeds (10 replications each) showed no bias: the mean of
(simulated − theory) / ci95 was +0.13 ± 0.09 for SL and −0.11 ± 0.09 for ASA,
and 5 of 100 comparisons fell outside the interval, as a 95 % interval should.
The seed is fixed, so the test is deterministic.

Run length: 3 days × 10 replications gives, at N = 12 (the noisiest voice
case), a CI half-width of 0.013 on SL (well under 0.03) and 3.3 s on ASA
(8 % of 40 s); at N = 15, 0.003 and 0.3 s; for the 4 × 3 anchor 0.023 and
4.3 s. Each configuration takes about 2 s, the whole file about 15 s on 2
cores.

The tolerance is not so wide that anything passes: each test also checks that
the simulation is far (more than 3 half-widths) from the Erlang C value of the
wrong staffing (N ± 1 agents, or N·k ± 1 servers for the anchor).
"""

from __future__ import annotations

import math

import pytest

import chansim
from conftest import scenario_dict
from chansim.analytic import erlang_a, erlang_c, erlang_c_metrics

pytestmark = pytest.mark.slow

RATE = 100 / 1800  # contacts per second: 100 per 30 minutes
AHT = 180.0  # s
TARGET = 20.0  # s
CONTACTS_PER_DAY = RATE * 86_400  # 4800, flat intraday and weekly profiles
DAYS = 3
WARMUP_H = 2
REPS = 10
SEED = 1

# From the canonical table of validation.md: N -> (P(wait), ASA s, SL(20 s), occupancy).
CANONICAL = {
    12: (0.449, 40.4, 0.640, 0.833),
    13: (0.285, 17.1, 0.796, 0.769),
    14: (0.174, 7.8, 0.888, 0.714),
    15: (0.102, 3.7, 0.942, 0.667),
    16: (0.057, 1.7, 0.971, 0.625),
}
PATIENCE = 300.0  # s, the Erlang A case: exponential patience, N = 14


def _scenario(channel: str, spec: dict, pool: dict) -> chansim.Scenario:
    return chansim.load_scenario(scenario_dict(
        {"demand.contacts_per_day": CONTACTS_PER_DAY, "agents.pools.0": {"name": "pool", "channels": [channel], **pool}},
        # the steady state is reached within the run (warmup_hours), so no warm-up day before it
        name=f"theory-{channel}", days=DAYS, seed=SEED, replications=REPS, warmup_hours=WARMUP_H, warmup_days=0,
        channels={channel: spec},
    ))


def voice_scenario(agents: int) -> chansim.Scenario:
    """M/M/N: exponential handle time, nobody abandons (no patience)."""
    return _scenario(
        "voice",
        {"handle_time": {"dist": "exponential", "mean": AHT}, "service_level_target_s": TARGET},
        {"headcount": agents},
    )


def chat_scenario(agents: int, slots: int) -> chansim.Scenario:
    """Messaging whose slot-holding time is exponential with negligible attention.

    Per chansim/engine/simulation.py a conversation gets a slot (answer_t) when
    routed; with 2 turns it then holds the slot for: the agent's first reply
    (agent_time, 0.001 s) + the customer's reply delay (Exp(180 s)) + the
    agent's second reply (0.001 s), after which ``_on_reply`` ends it and
    releases the slot. No ``park_after``: the slot is never released early.
    Attention contention is negligible (replies take 1 ms, at most ``slots``
    per agent compete). Any free slot of any agent takes a waiting
    conversation (arrivals pick an agent with a free slot; a freed slot
    dispatches the head of the queue), so the pool is a work-conserving FIFO
    queue with N·k servers and mean holding time 180.002 s.
    """
    return _scenario(
        "webchat",
        {
            "turns": {"dist": "fixed", "value": 2},
            "agent_time_per_turn": {"dist": "fixed", "value": 0.001},
            "customer_reply_delay": {"dist": "exponential", "mean": AHT},
            "service_level_target_s": TARGET,
        },
        {"headcount": agents, "concurrency": slots},
    )


def _run(scenario: chansim.Scenario) -> chansim.StrategyResult:
    result = chansim.simulate(scenario, keep_log=False)
    (strategy,) = result.strategies
    assert result.replications == REPS
    return strategy


def _assert_within_ci(sim: chansim.StrategyResult, theory, what: str) -> None:
    for key, expected in (("service_level", theory.service_level), ("asa_s", theory.asa_s)):
        mean, half = sim.kpis[key], sim.ci95[key]
        assert half is not None and half > 0
        assert abs(mean - expected) <= half, (
            f"{what}: simulated {key} {mean:.4f} ± {half:.4f} (95 % CI, {REPS} reps × {DAYS} days) "
            f"vs Erlang C {expected:.4f}"
        )


def _assert_far_from(sim: chansim.StrategyResult, wrong, what: str) -> None:
    """The tolerance can fail: the wrong staffing's theory is well outside it."""
    for key, expected in (("service_level", wrong.service_level), ("asa_s", wrong.asa_s)):
        mean, half = sim.kpis[key], sim.ci95[key]
        assert abs(mean - expected) > 3 * half, (
            f"{what}: {key} {mean:.4f} ± {half:.4f} cannot tell {wrong.agents} servers ({expected:.4f}) apart"
        )


@pytest.mark.parametrize("agents", sorted(CANONICAL))
def test_analytic_matches_validation_table(agents):
    """chansim.analytic reproduces the published table the simulation is held to."""
    p_wait, asa, sl, occ = CANONICAL[agents]
    m = erlang_c_metrics(agents, RATE, AHT, TARGET)
    assert m.steady_state
    assert m.load == pytest.approx(10.0)
    assert m.p_wait == pytest.approx(p_wait, abs=0.0015)
    assert m.asa_s == pytest.approx(asa, abs=0.15)
    assert m.service_level == pytest.approx(sl, abs=0.0015)
    assert m.occupancy == pytest.approx(occ, abs=0.0015)
    assert erlang_c(agents, 10.0) == pytest.approx(m.p_wait)


@pytest.mark.parametrize("agents", sorted(CANONICAL))
def test_mmc_voice_matches_erlang_c(agents):
    sim = _run(voice_scenario(agents))
    theory = erlang_c_metrics(agents, RATE, AHT, TARGET)
    # what the replications measured is the canonical case: about 100 calls per
    # 30 min (Poisson: sd of a 70 h count ≈ 0.8 %), all answered, AHT ≈ 180 s
    expected_contacts = RATE * (DAYS * 86_400 - WARMUP_H * 3600)
    assert sim.kpis["contacts"] == pytest.approx(expected_contacts, rel=0.02)
    assert sim.kpis["abandoned"] == 0 and sim.kpis["handled"] == sim.kpis["contacts"]
    assert sim.kpis["aht_s"] == pytest.approx(AHT, rel=0.02)

    _assert_within_ci(sim, theory, f"M/M/{agents}")
    # occupancy (busy attention / staffed time, from the staffing log) = A / N
    assert abs(sim.kpis["occupancy"] - theory.occupancy) <= sim.ci95["occupancy"], (
        f"occupancy {sim.kpis['occupancy']:.4f} ± {sim.ci95['occupancy']:.4f} vs A/N {theory.occupancy:.4f}"
    )
    # sanity: the same simulation compared with one agent more or fewer fails
    for wrong in (agents - 1, agents + 1):
        _assert_far_from(sim, erlang_c_metrics(wrong, RATE, AHT, TARGET), f"M/M/{agents} vs M/M/{wrong}")
    # and in particular the brief's example: N = 12 simulated vs N = 14 theory
    if agents == 12:
        wrong = erlang_c_metrics(14, RATE, AHT, TARGET)
        assert sim.kpis["service_level"] + 3 * sim.ci95["service_level"] < wrong.service_level


@pytest.mark.parametrize(("agents", "slots"), [(4, 3), (3, 5)])
def test_concurrency_anchor_matches_erlang_c_with_n_times_k_servers(agents, slots):
    servers = agents * slots
    sim = _run(chat_scenario(agents, slots))
    # the slot is held for Exp(180 s) + 2 ms of agent attention
    theory = erlang_c_metrics(servers, RATE, AHT + 0.002, TARGET)
    assert sim.kpis["abandoned"] == 0 and sim.kpis["handled"] == sim.kpis["contacts"]
    assert sim.kpis["messages"] == 4 * sim.kpis["contacts"]  # 2 turns: customer + agent message each
    assert sim.kpis["aht_s"] == pytest.approx(0.002)  # attention, not slot time
    _assert_within_ci(sim, theory, f"{agents} agents × {slots} slots vs M/M/{servers}")
    for wrong in (servers - 1, servers + 1):
        _assert_far_from(sim, erlang_c_metrics(wrong, RATE, AHT, TARGET), f"M/M/{servers} vs M/M/{wrong}")
    # and it is not the N-agent queue (that would be overloaded: A = 10 ≥ N)
    assert not erlang_c_metrics(agents, RATE, AHT, TARGET).steady_state
    assert math.isfinite(sim.kpis["asa_s"]) and sim.kpis["asa_s"] < 60


# ------------------------------------------------------------------ Erlang A
def patient_voice_scenario(agents: int, patience: float) -> chansim.Scenario:
    """M/M/N+M: the canonical case with exponential patience (callers abandon)."""
    return _scenario(
        "voice",
        {"handle_time": {"dist": "exponential", "mean": AHT},
         "patience": {"dist": "exponential", "mean": patience}, "service_level_target_s": TARGET},
        {"headcount": agents},
    )


def test_erlang_a_abandonment_and_waits_match_the_birth_death_chain():
    """Patience 300 s at N = 14: abandonment, ASA of answered calls and service
    level (answered within 20 s over all calls, abandoned included) within the
    replications' 95 % CI of chansim.analytic.erlang_a."""
    sim = _run(patient_voice_scenario(14, PATIENCE))
    theory = erlang_a(14, RATE, AHT, PATIENCE)
    assert theory.steady_state
    checks = {
        "abandon_rate": theory.abandon_rate,
        "asa_s": theory.asa_answered_s,  # the KPI averages answered contacts only
        "service_level": theory.service_level(TARGET),
    }
    for key, expected in checks.items():
        mean, half = sim.kpis[key], sim.ci95[key]
        assert half is not None and half > 0
        assert abs(mean - expected) <= half, f"Erlang A {key}: {mean:.5f} ± {half:.5f} vs {expected:.5f}"
    assert sim.kpis["abandoned"] > 0
    # the abandonment is really the patience's doing: Erlang C (no patience) says nobody leaves,
    # and half the patience would double it or more
    shorter = erlang_a(14, RATE, AHT, PATIENCE / 2)
    assert abs(sim.kpis["abandon_rate"] - shorter.abandon_rate) > 3 * sim.ci95["abandon_rate"]


def _ciw_abandon_rate(agents: int, patience: float, seed: int) -> float:
    """The same M/M/N+M queue in Ciw, an independent simulator: share of callers
    arriving after the warm-up who renege."""
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(RATE)],
        service_distributions=[ciw.dists.Exponential(1 / AHT)],
        number_of_servers=[agents],
        reneging_time_distributions=[ciw.dists.Exponential(1 / patience)],
    )
    ciw.seed(seed)  # Ciw keeps its random state globally; chansim does not
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(DAYS * 86_400)
    records = [r for r in simulation.get_all_records() if r.arrival_date >= WARMUP_H * 3600]
    reneged = sum(1 for r in records if r.record_type == "renege")
    return reneged / len(records)


def test_abandonment_agrees_with_ciw():
    """Cross-check with Ciw (installed with the dev extra): the two simulators'
    abandonment rates agree within their combined 95 % CIs."""
    import numpy as np
    from scipy import stats

    sim = _run(patient_voice_scenario(14, PATIENCE))
    ciw_rates = np.array([_ciw_abandon_rate(14, PATIENCE, seed) for seed in range(REPS)])
    ciw_half = stats.t.ppf(0.975, REPS - 1) * ciw_rates.std(ddof=1) / math.sqrt(REPS)
    combined = math.hypot(sim.ci95["abandon_rate"], ciw_half)
    assert abs(sim.kpis["abandon_rate"] - ciw_rates.mean()) <= combined, (
        f"chansim {sim.kpis['abandon_rate']:.5f} ± {sim.ci95['abandon_rate']:.5f} vs "
        f"Ciw {ciw_rates.mean():.5f} ± {ciw_half:.5f}"
    )
