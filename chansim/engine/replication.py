"""Run one replication of one strategy and return its event log."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from chansim.engine.log import OUTCOMES, EventLog, SpanRecorder, _categorical, channel_categorical
from chansim.engine.plan import ContactPlan, build_plan
from chansim.engine.simulation import Simulation
from chansim.engine.streams import Streams
from chansim.scenario.models import Scenario

__all__ = ["run_replication"]

DIRECTIONS = ("in", "out")
SENDERS = ("customer", "agent", "bot", "system")
CATEGORIES = ("service", "marketing", "utility", "authentication")
BOT_OUTCOMES = ("none", "contained", "escalated")


def run_replication(
    scenario: Scenario,
    strategy: str,
    replication: int,
    *,
    arrivals: np.ndarray | None = None,
) -> EventLog:
    """Simulate replication ``replication`` of ``strategy``.

    The random streams depend on the scenario seed and the replication number
    only, so every strategy sees the same customers (common random numbers).
    ``arrivals`` (times in seconds) replaces the Poisson arrivals."""
    resolved = scenario.for_strategy(strategy)
    streams = Streams(resolved.seed, replication)
    plan = build_plan(resolved, resolved.strategies[0].offer, streams, arrivals=arrivals)
    sim = Simulation(resolved, plan)
    sim.run()
    return EventLog(
        contacts=_contacts_table(resolved, plan, sim, strategy, replication),
        messages=_messages_table(plan, sim, strategy, replication),
        staffing=_staffing_table(resolved, sim, strategy, replication),
        meta={"strategy": strategy, "replication": replication},
    )


def _label(n: int, value) -> np.ndarray:
    return np.full(n, value)


def _contacts_table(s: Scenario, plan: ContactPlan, sim: Simulation, strategy: str, replication: int) -> pd.DataFrame:
    n = plan.size
    rec = sim.contacts
    answered = ~np.isnan(rec.answer_t)
    wait = np.where(answered, rec.answer_t, rec.end_t) - plan.arrival_t
    ids = np.arange(n, dtype=np.int64)
    return pd.DataFrame(
        {
            "replication": np.full(n, replication, dtype=np.int32),
            "strategy": pd.Categorical([strategy] * n),
            "contact_id": ids,
            "customer_id": ids.copy(),
            "segment": _categorical(plan.segment, [x.name for x in s.demand.segments]),
            "intent": _categorical(plan.intent, [x.name for x in s.demand.intents]),
            "priority": plan.priority.astype(np.int16),
            "preferred_channel": channel_categorical(plan.preferred),
            "original_channel": channel_categorical(plan.original),
            "channel": channel_categorical(plan.channel),
            "bot_outcome": _categorical(np.zeros(n, dtype=np.int64), BOT_OUTCOMES),
            "arrival_t": plan.arrival_t,
            "answer_t": rec.answer_t,
            "end_t": rec.end_t,
            "wait_s": wait,
            "focus_s": rec.focus_s,
            "elapsed_s": rec.end_t - rec.answer_t,
            "outcome": _categorical(rec.outcome, OUTCOMES),
            "pool": _categorical(rec.pool, [p.name for p in s.agents.pools]),
            "agent": rec.agent,
            "transfers": np.zeros(n, dtype=np.int16),
            "repeat_of": pd.array([pd.NA] * n, dtype="Int64"),
        }
    )


def _messages_table(plan: ContactPlan, sim: Simulation, strategy: str, replication: int) -> pd.DataFrame:
    t = np.frombuffer(sim.messages.t, dtype=float).copy()
    position = np.frombuffer(sim.messages.position, dtype=np.int64).copy()
    owner = np.repeat(np.arange(plan.size, dtype=np.int64), plan.turns)
    contact = owner[position // 2] if position.size else np.empty(0, dtype=np.int64)
    outbound = (position % 2).astype(np.int64)  # even: customer writes in; odd: agent replies out
    m = t.size
    return pd.DataFrame(
        {
            "replication": np.full(m, replication, dtype=np.int32),
            "strategy": pd.Categorical([strategy] * m),
            "t": t,
            "contact_id": contact,
            "customer_id": contact.copy(),
            "channel": channel_categorical(plan.channel[contact]),
            "original_channel": channel_categorical(plan.original[contact]),
            "direction": _categorical(outbound, DIRECTIONS),
            "sender": _categorical(outbound, SENDERS),
            "category": _categorical(np.zeros(m, dtype=np.int64), CATEGORIES),
            "chars": plan.msg_chars[position].astype(np.int32),
            "non_gsm": plan.msg_non_gsm[position],
            "media": plan.msg_media[position],
        }
    )


def _staffing_table(s: Scenario, sim: Simulation, strategy: str, replication: int) -> pd.DataFrame:
    hours = max(1, math.ceil(s.horizon_s / 3600.0 - 1e-9))
    busy = sim.attention.by_hour(len(sim.pools), hours)
    overtime = SpanRecorder()
    for pool in sim.pools:
        for start, end in pool.overtime:
            overtime.add(pool.index, -1, start, end)
    extra = overtime.by_hour(len(sim.pools), hours)
    starts = np.arange(hours) * 3600.0
    lengths = np.minimum(3600.0, s.horizon_s - starts)
    frames = []
    for pool in sim.pools:
        staffed = np.array([pool.spec.staffed_at(h % 24) for h in range(hours)], dtype=np.int32)
        frames.append(
            pd.DataFrame(
                {
                    "replication": np.full(hours, replication, dtype=np.int32),
                    "strategy": pd.Categorical([strategy] * hours),
                    "pool": pd.Categorical([pool.name] * hours, categories=[p.name for p in s.agents.pools]),
                    "interval_start_s": starts,
                    "interval_s": lengths,
                    "hour_of_day": (np.arange(hours) % 24).astype(np.int8),
                    "staffed": staffed,
                    "overtime_s": extra[pool.index],
                    "busy_s": busy[pool.index],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
