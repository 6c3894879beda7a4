"""Routing policies against queueing theory.

* A blended pool (10 agents × 3 slots; calls 20/h of exponential 180 s; chats
  200/h of 3 turns, exponential 30 s of work each, customer delay 60 s) carries
  6 Erlangs of attention. Calls that wait for an agent holding nothing starve
  (today's routing); reservation lies in between; interruptible voice-first
  gives the calls at least the service level of M/M/10 at 6 Erlangs (of 180 s
  work: 0.935; of the pool's actual mix, 34.8 s on average: 0.990), and in
  fact what an independent peer gives (Ciw: the pool's attention
  as 10 servers, calls served before chat replies): a call waits only while
  every attention is busy, and then for the first of them to free, mostly at
  the end of a 30 s reply, so far less than M/M/10's 180 s calls suggest.
* One-turn chats (exponential 180 s of work, no customer delay) on 4 agents at
  ρ = 0.85 of attention: the first response time is the M/M/4 wait plus the
  work (the pooled lower bound) with one slot per agent under every policy; with
  3 slots, most-free-slots routing puts chats behind busy attentions, and
  idle-attention-first (a chat finding every attention busy waits in the pool
  for the first to free) lies between the two: at the bound when it waits as
  long as it takes, strictly between when it spills after 60 s.

Each figure is a mean over replications with a 95 % t interval.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from chansim import load_scenario
from conftest import scenario_dict
from chansim.analytic import erlang_c_metrics
from chansim.engine import run_replication

pytestmark = pytest.mark.slow

WARMUP_S = 2 * 3600.0


def _mean_ci(values: list[float]) -> tuple[float, float]:
    values = np.asarray(values)
    return float(values.mean()), float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))


def _contacts(data: dict, reps: int) -> list:
    s = load_scenario(data)
    logs = []
    for rep in range(reps):
        c = run_replication(s, "only", rep).contacts
        logs.append(c[(c["arrival_t"] >= WARMUP_S) & (c["arrival_t"] < s.horizon_s)])
    return logs


def _base(channels: dict, pool: dict, segments: list, per_day: float, days: float) -> dict:
    return scenario_dict(
        {"demand.contacts_per_day": per_day, "demand.segments": segments,
         "agents.pools.0": {"name": "p", "headcount": pool.pop("agents"), **pool}},
        name="routing-theory", days=days, seed=11, channels=channels,
        strategies=[{"name": "only", "offer": list(channels)}],
    )


def blended(queue: str) -> dict:
    data = _base(
        {"voice": {"handle_time": {"dist": "exponential", "mean": 180}},
         "webchat": {"turns": {"dist": "fixed", "value": 3},
                     "agent_time_per_turn": {"dist": "exponential", "mean": 30},
                     "customer_reply_delay": {"dist": "exponential", "mean": 60}}},
        {"agents": 10, "channels": ["voice", "webchat"], "concurrency": 3},
        [{"name": "callers", "share": 20 / 220, "preference": ["voice"]},
         {"name": "writers", "share": 200 / 220, "preference": ["webchat"]}],
        per_day=220 * 24, days=2,
    )
    data["agents"]["routing"] = {"queue": queue}
    return data


def _voice_service_level(data: dict, reps: int) -> tuple[list[float], float]:
    """(voice SL within 20 s per replication, mean chat first response time)."""
    sl, frt = [], []
    for c in _contacts(data, reps):
        voice = c[c["channel"] == "voice"]
        chat = c[c["channel"] == "webchat"]
        sl.append(float((voice["wait_s"] <= 20).mean()))
        assert (chat["outcome"].astype(str) == "resolved").mean() > 0.95  # chats are still served
        frt.append(float((chat["first_reply_t"] - chat["queued_t"]).mean()))
    return sl, float(np.mean(frt))


def _ciw_voice_service_level(seed: int, calls_first: bool) -> float:
    """Voice SL(20 s) of the blended pool's attention as Ciw's M/M/10 with two
    classes: calls (20/h, 180 s) and chat replies (600/h, 30 s), calls served
    first (non-preemptive) or in arrival order."""
    import ciw

    network = ciw.create_network(
        arrival_distributions={"call": [ciw.dists.Exponential(20 / 3600)],
                               "reply": [ciw.dists.Exponential(600 / 3600)]},
        service_distributions={"call": [ciw.dists.Exponential(1 / 180)], "reply": [ciw.dists.Exponential(1 / 30)]},
        number_of_servers=[10],
        **({"priority_classes": {"call": 0, "reply": 1}} if calls_first else {}),
    )
    ciw.seed(seed)  # Ciw keeps its random state globally
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(2 * 86400)
    waits = np.array([r.waiting_time for r in simulation.get_all_records()
                      if r.arrival_date >= WARMUP_S and r.customer_class == "call"])
    return float((waits <= 20).mean())


def test_voice_first_policies_in_a_blended_pool():
    theory = erlang_c_metrics(10, 6 / 180, 180, 20)  # M/M/10 at 6 Erlangs, calls of 180 s
    assert theory.load == pytest.approx(6.0)
    reps = 6
    today_sl, _ = _voice_service_level(blended("priority"), reps)
    reserve_sl, _ = _voice_service_level(blended("voice_first_reservation"), reps)
    interrupt_sl, chat_frt = _voice_service_level(blended("voice_first_interruptible"), reps)
    (today, today_ci), (reserve, reserve_ci), (interrupt, interrupt_ci) = (
        _mean_ci(x) for x in (today_sl, reserve_sl, interrupt_sl))
    # interruptible voice-first: the calls do at least as well as M/M/10 at the pool's 6 Erlangs of
    # attention with 180 s of work (better: a call goes before the replies waiting on the agent it
    # reaches, and the attentions free every 30 s or so) ...
    assert interrupt >= theory.service_level - 0.05, (interrupt, interrupt_ci, theory.service_level)
    # ... and at least as well as M/M/10 carrying the pool's actual attention in arrival order (620
    # pieces of work an hour: 20 calls of 180 s, 600 replies of 30 s, a mean of 34.8 s) ...
    mix = erlang_c_metrics(10, 620 / 3600, 6 * 3600 / 620, 20)
    assert mix.load == pytest.approx(6.0) and interrupt >= mix.service_level - interrupt_ci, (interrupt, mix)
    # ... as well as the peer with calls first, better than the peer in arrival order
    peer_first, peer_first_ci = _mean_ci([_ciw_voice_service_level(seed, True) for seed in range(reps)])
    peer_fifo, peer_fifo_ci = _mean_ci([_ciw_voice_service_level(seed, False) for seed in range(reps)])
    print(f"voice SL(20 s): today {today:.3f}, reservation {reserve:.3f}, interruptible {interrupt:.3f}; "
          f"M/M/10 {theory.service_level:.3f} (180 s), {mix.service_level:.3f} (34.8 s); Ciw calls first {peer_first:.4f}, in arrival order {peer_fifo:.3f}")
    assert abs(interrupt - peer_first) <= 0.01 + interrupt_ci + peer_first_ci, (interrupt, peer_first)
    assert peer_fifo + peer_fifo_ci < interrupt - interrupt_ci, (peer_fifo, interrupt)
    # today's routing starves the calls; reservation lies in between (paired: the same customers
    # in each replication under every policy)
    gain, gain_ci = _mean_ci(np.subtract(reserve_sl, today_sl))
    assert gain - gain_ci > 0, (gain, gain_ci)
    assert reserve + reserve_ci < interrupt - interrupt_ci
    assert today < theory.service_level - 0.25
    assert np.isfinite(chat_frt) and chat_frt > 30  # chat replies still measured (and wait behind calls)


def chat(agent: str, slots: int, turns: int = 1, delay_s: float | None = None, rho: float = 0.85,
         spill_after_s: float | None = None) -> dict:
    """Chats of ``turns`` turns of exponential 180 s of work each on 4 agents at
    ``rho`` of their attention."""
    rate_per_h = rho * 4 / (180 * turns) * 3600
    spec = {"turns": {"dist": "fixed", "value": turns},
            "agent_time_per_turn": {"dist": "exponential", "mean": 180}}
    if delay_s is not None:
        spec["customer_reply_delay"] = {"dist": "exponential", "mean": delay_s}
    data = _base(
        {"webchat": spec},
        {"agents": 4, "channels": ["webchat"], "concurrency": slots},
        [{"name": "all", "share": 1, "preference": ["webchat"]}],
        per_day=rate_per_h * 24, days=3,
    )
    data["agents"]["routing"] = {"agent": agent}
    if spill_after_s is not None:
        data["agents"]["routing"]["spill_after_s"] = spill_after_s
    return data


def _frt(data: dict, reps: int) -> list[float]:
    return [float((c["first_reply_t"] - c["queued_t"]).mean()) for c in _contacts(data, reps)]


def test_first_response_time_is_the_pooled_bound_with_one_slot_and_above_it_with_three():
    mm4 = erlang_c_metrics(4, 0.85 * 4 / 180, 180, 20)
    bound = mm4.asa_s + 180  # mean wait of M/M/4 plus the mean work: the first reply is sent when written
    reps = 8
    for agent in ("most_free_slots", "idle_attention_first", "longest_idle"):  # one slot: M/M/4
        mean, half = _mean_ci(_frt(chat(agent, 1), reps))
        assert abs(mean - bound) <= half, (agent, mean, half, bound)
    today = _frt(chat("most_free_slots", 3), reps)
    idle = _frt(chat("idle_attention_first", 3), reps)
    spill = _frt(chat("idle_attention_first", 3, spill_after_s=60), reps)
    at_once = _frt(chat("idle_attention_first", 3, spill_after_s=0), reps)
    mean, half = _mean_ci(today)
    assert mean - half > bound  # with 3 slots most-free-slots routing puts chats behind busy attentions
    # idle attention first lies between the pooled bound and today's routing: a chat that finds every
    # attention busy waits in the pool for the first to free (one-turn chats: at the bound itself) ...
    mean, half = _mean_ci(idle)
    assert mean + half >= bound, (mean, half, bound)
    gain, gain_half = _mean_ci(np.subtract(today, idle))  # paired: the same customers under each policy
    assert gain - gain_half > 0.05 * bound, (gain, gain_half)
    # ... and strictly between when it spills to the most free slots after 60 s of waiting
    below, below_half = _mean_ci(np.subtract(today, spill))
    above, above_half = _mean_ci(np.subtract(spill, idle))
    assert below - below_half > 0 and above - above_half > 0, (below, below_half, above, above_half)
    # spilling at once is the most-free-slots rule: with one-turn chats a free attention holds nothing
    assert at_once == pytest.approx(today)


def test_idle_attention_first_shortens_first_replies_when_customers_take_their_time():
    # two turns with the customer away 120 s between them: agents holding chats often have a free
    # attention, and sending a new chat there first beats sending it where a slot is free
    reps = 6
    today = _frt(chat("most_free_slots", 3, turns=2, delay_s=120, rho=0.8), reps)
    idle = _frt(chat("idle_attention_first", 3, turns=2, delay_s=120, rho=0.8), reps)
    gain, half = _mean_ci(np.subtract(today, idle))
    print(f"first response: most free slots {np.mean(today):.1f} s, idle attention first {np.mean(idle):.1f} s")
    assert gain - half > 0, (gain, half)
