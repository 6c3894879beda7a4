"""The fast path: voice-only pools served first come, first served, without
the event loop.

When every contact is a call to one pool of agents that holds one call at a
time, with one queue priority, a fixed headcount, no opening hours, no IVR
and nothing that brings a customer back, the order of service is FIFO and the
run is the Kiefer–Wolfowitz workload recursion for a multi-server queue with
abandonment: each caller, in arrival order, meets the agent free the earliest
(the one idle the longest, as the event engine picks); the wait is
``max(0, free − arrival)``; the caller abandons when patience runs out first,
else that agent is busy until ``answer + handle time``. The draws are the
event engine's (the same plan), and the recursion reproduces its every time
to the last bit: answers, ends and abandonments are the same floating-point
sums the engine's clock makes, and ties between agents free at the same
instant fall the way the engine's event order breaks them.

:func:`fast_path_reason` says whether a run qualifies (None) or why not;
:func:`run_fast` runs it and returns the same state the event engine leaves
for the event log (:func:`chansim.engine.replication.run_replication` makes
the tables from either). The one case the recursion cannot order like the
engine — a caller's patience running out at the very instant an agent frees —
makes :func:`run_fast` give up (None), and the event engine runs instead.

The environment variable ``CHANSIM_FAST_PATH=0`` turns the fast path off.
"""

from __future__ import annotations

import math
import os
from heapq import heapreplace

import numpy as np

from chansim.engine.agents import AgentPool
from chansim.engine.channel_codes import CHANNEL_CODE, IS_VOICE
from chansim.engine.contact_book import ContactBook
from chansim.engine.log import ABANDONED, RESOLVED, UNRESOLVED, UNSERVED, ContactRecorder, MessageRecorder, SpanRecorder
from chansim.engine.staffing_plan import staffing_plan
from chansim.scenario.models import Scenario
from chansim.scenario.models.agents import Routing
from chansim.scenario.rosters import DRAIN_S

__all__ = ["FastRun", "fast_path_enabled", "fast_path_reason", "run_fast", "ENV_SWITCH"]

#: Environment variable that turns the fast path off when set to ``0``.
ENV_SWITCH = "CHANSIM_FAST_PATH"


def fast_path_enabled() -> bool:
    """Whether the fast path may be chosen (``CHANSIM_FAST_PATH`` is not ``0``/``false``/``off``)."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "off", "no")


def fast_path_reason(scenario: Scenario, book: ContactBook | None = None) -> str | None:
    """None when the run of ``scenario`` (resolved for one strategy) may take
    the fast path, else the reason it may not. With ``book`` (the drawn plan)
    the contacts are checked too: all calls to the pool, one priority, none
    left unresolved."""
    pools = scenario.agents.pools
    if len(pools) != 1:
        return f"{len(pools)} agent pools (the fast path serves one)"
    pool = pools[0]
    if not all(IS_VOICE[CHANNEL_CODE[name]] for name in pool.channels):
        return f"pool {pool.name} serves messaging channels"
    if scenario.agents.routing != Routing():
        return "routing policies other than the default"
    if staffing_plan(scenario, 0)[1].size != 1:
        return f"pool {pool.name}'s staffing changes during the run (schedule, shifts, breaks or closed dates)"
    for name, spec in scenario.channels.items():
        if spec.hours is not None:
            return f"channel {name} has opening hours"
    strategy = scenario.strategies[0]
    if strategy.ivr_deflection is not None:
        return "IVR deflection"
    if any(not IS_VOICE[CHANNEL_CODE[name]] for name in strategy.offer):
        return "the strategy offers messaging channels"
    if scenario.repeats.after_abandon > 0 and any(
            spec.patience is not None for name, spec in scenario.channels.items() if IS_VOICE[CHANNEL_CODE[name]]):
        return "customers who abandon try again (repeats.after_abandon)"
    if len({intent.priority for intent in scenario.demand.intents}) > 1:
        return "intents with different queue priorities"
    if book is None:
        return None
    n = book.size
    served = np.zeros(len(IS_VOICE), dtype=bool)
    served[[CHANNEL_CODE[name] for name in pool.channels]] = True
    if n and not served[book.channel[:n]].all():
        return "contacts on channels the pool does not serve"
    if n and (book.parent[:n] >= 0).any():
        return "contacts that continue other contacts"
    if n and (book.unresolved_p[:n] > 0).any():
        return "contacts left unresolved bring the customer back (unresolved_share)"
    if n and (book.priority[:n] != book.priority[0]).any():
        return "contacts with different queue priorities"
    return None


class FastRun:
    """What a run leaves for the event log, as :class:`~chansim.engine.simulation.Simulation` does."""

    def __init__(self, scenario: Scenario, book: ContactBook):
        self.scenario = scenario
        self.book = book
        self.start = -86_400.0 * scenario.warmup_days
        self.contacts = ContactRecorder(book.size)
        self.messages = MessageRecorder()
        self.system_messages: list[tuple] = []
        self.attention = SpanRecorder()
        spec = scenario.agents.pools[0]
        self.pools = [AgentPool(0, spec, tuple(CHANNEL_CODE[c] for c in spec.channels))]
        self.plans = [staffing_plan(scenario, 0)]


def run_fast(scenario: Scenario, book: ContactBook) -> FastRun | None:
    """Serve the planned calls of ``book`` by the workload recursion (see the
    module); None when a caller's patience ends exactly as an agent frees."""
    run = FastRun(scenario, book)
    n = book.size
    agents = int(run.plans[0][1][0])
    end = scenario.horizon_s + DRAIN_S  # the event engine stops before this instant
    order = np.argsort(book.arrival_t[:n], kind="stable")
    arrival = book.arrival_t[order]
    duration = book.handle_time[order] + book.extra_time[order]
    give_up = arrival + book.patience[order]  # when the caller's patience runs out (inf: never)
    answer, finish, agent = _recursion(arrival.tolist(), duration.tolist(), give_up.tolist(), agents, run.start, end)
    if answer is None:
        return None
    answer_t = np.array(answer)
    finish_t = np.array(finish)
    by = np.array(agent, dtype=np.int32)
    answered = ~np.isnan(answer_t)
    gave_up = ~answered & (give_up < end)
    done = answered & (finish_t < end)

    rec = run.contacts
    rec.queued_t[order] = arrival
    rec.answer_t[order] = answer_t
    rec.end_t[order] = np.where(done, finish_t, np.where(gave_up, give_up, np.nan))
    rec.outcome[order] = np.select([done, answered, gave_up], [RESOLVED, UNRESOLVED, ABANDONED], UNSERVED)
    rec.pool[order[answered]] = 0
    rec.agent[order] = by
    rec.focus_s[order[answered]] = duration[answered]
    spans = run.attention  # one span per answered call, in the order the calls were answered
    count = int(answered.sum())
    spans.pool.frombytes(np.zeros(count, dtype=np.int16).tobytes())
    spans.channel.frombytes(book.channel[order[answered]].astype(np.int8).tobytes())
    spans.start.frombytes(answer_t[answered].tobytes())
    spans.end.frombytes(finish_t[answered].tobytes())
    return run


def _recursion(arrival: list[float], duration: list[float], give_up: list[float], agents: int, start: float,
               end: float) -> tuple[list, list, list] | tuple[None, None, None]:
    """Per caller in arrival order: answer time, end of the call and agent
    (nan, nan, -1 when not answered)."""
    nan = math.nan
    # (free from, order the engine frees them in, agent): staffed at the start, in index order
    free = [(start, k, k) for k in range(agents)]
    seq = agents
    answer = [nan] * len(arrival)
    finish = [nan] * len(arrival)
    agent = [-1] * len(arrival)
    if not free:
        return answer, finish, agent
    j = 0
    for a, d, g in zip(arrival, duration, give_up):
        e, _, k = free[0]
        if e <= a:
            t = a
        elif e >= end or g < e:  # no agent before the end, or patience runs out first
            j += 1
            continue
        elif g == e:  # the order of two same-instant events: the event engine's to decide
            return None, None, None
        else:
            t = e
        f = t + d
        heapreplace(free, (f, seq, k))
        seq += 1
        answer[j] = t
        finish[j] = f
        agent[j] = k
        j += 1
    return answer, finish, agent
