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

The recursion runs compiled (:mod:`chansim.engine.fast_kernel`, numba: the
``fast`` extra) when numba can be imported, else in pure Python
(:func:`recursion_python`, the reference); both give the same numbers to the
last bit. ``CHANSIM_FAST_KERNEL=python`` keeps to the pure-Python one.

The environment variable ``CHANSIM_FAST_PATH=0`` turns the fast path off.
"""

from __future__ import annotations

import math
import os
from functools import cache
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

__all__ = ["FastRun", "fast_path_enabled", "fast_path_reason", "run_fast", "recursion", "recursion_python",
           "kernel_name", "load_kernel",
           "ENV_SWITCH", "ENV_KERNEL"]

#: Environment variable that turns the fast path off when set to ``0``.
ENV_SWITCH = "CHANSIM_FAST_PATH"
#: Environment variable that keeps the fast path to its pure-Python recursion when set to ``python``.
ENV_KERNEL = "CHANSIM_FAST_KERNEL"


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
        self.contacts = ContactRecorder(0)  # (the results, once known: ContactRecorder.of)
        self.messages = MessageRecorder()
        self.system_messages: list[tuple] = []
        self.attention = SpanRecorder()
        spec = scenario.agents.pools[0]
        self.pools = [AgentPool(0, spec, tuple(CHANNEL_CODE[c] for c in spec.channels))]
        self.plans = [staffing_plan(scenario, 0)]


def run_fast(scenario: Scenario, book: ContactBook, *, kernel: str | None = None) -> FastRun | None:
    """Serve the planned calls of ``book`` by the workload recursion (see the
    module); None when a caller's patience ends exactly as an agent frees.
    ``kernel`` (``"numba"`` or ``"python"``) picks the recursion; None: the
    compiled one when numba is there (:func:`kernel_name`)."""
    run = FastRun(scenario, book)
    n = book.size
    agents = int(run.plans[0][1][0])
    end = scenario.horizon_s + DRAIN_S  # the event engine stops before this instant
    arrival_t = book.arrival_t[:n]
    if n < 2 or (arrival_t[1:] >= arrival_t[:-1]).all():  # planned arrivals come in time order
        order = slice(0, n)
        arrival = arrival_t
        duration = book.handle_time[:n] + book.extra_time[:n]
        patience = book.patience[:n]
    else:
        order = np.argsort(arrival_t, kind="stable")
        arrival = arrival_t[order]
        duration = book.handle_time[order] + book.extra_time[order]
        patience = book.patience[order]
    give_up = arrival + patience  # when the caller's patience runs out (inf: never)
    answer_t, finish_t, by, ok = recursion(arrival, duration, give_up, agents, run.start, end, kernel=kernel)
    if not ok:
        return None
    answered = ~np.isnan(answer_t)
    gave_up = ~answered & (give_up < end)
    done = answered & (finish_t < end)
    end_t = np.where(gave_up, give_up, np.nan)
    np.copyto(end_t, finish_t, where=done)
    outcome = np.full(n, UNSERVED, dtype=np.int8)
    outcome[gave_up] = ABANDONED
    outcome[answered] = UNRESOLVED
    outcome[done] = RESOLVED
    pool = np.full(n, -1, dtype=np.int16)
    pool[answered] = 0
    # by contact (the calls in arrival order, put back in contact order)
    run.contacts = ContactRecorder.of(
        n, queued_t=_by_contact(arrival.copy(), order), answer_t=_by_contact(answer_t, order),
        end_t=_by_contact(end_t, order), outcome=_by_contact(outcome, order), pool=_by_contact(pool, order),
        agent=_by_contact(by, order), focus_s=_by_contact(np.where(answered, duration, 0.0), order))
    # one span per answered call, in the order the calls were answered
    count = int(answered.sum())
    every = count == n  # (then the spans are the calls' own times, not a copy)
    run.attention = SpanRecorder.of(np.zeros(count, dtype=np.int16), book.channel[order][answered],
                                    answer_t if every else answer_t[answered], finish_t if every else finish_t[answered])
    return run


def _by_contact(values: np.ndarray, order: np.ndarray | slice) -> np.ndarray:
    """``values`` of the calls in arrival order (``order``: their contacts), by contact."""
    if isinstance(order, slice):
        return values
    out = np.empty_like(values)
    out[order] = values
    return out


def kernel_name(kernel: str | None = None) -> str:
    """The recursion the fast path runs: ``"numba"`` (compiled) when numba can
    be imported and neither ``kernel`` nor ``CHANSIM_FAST_KERNEL`` says
    ``"python"``, else ``"python"``."""
    wanted = (kernel or os.environ.get(ENV_KERNEL, "") or "numba").strip().lower()
    if wanted not in ("numba", "python"):
        raise ValueError(f"unknown fast-path kernel {wanted!r} (numba or python)")
    return "numba" if wanted == "numba" and _compiled() is not None else "python"


def load_kernel(kernel: str | None = None) -> str:
    """Load the recursion the fast path will run now (for the compiled one:
    numba, and its machine code from the cache), so that the first run does
    not pay for the loading; returns its name (:func:`kernel_name`)."""
    name = kernel_name(kernel)
    if name == "numba":
        empty = np.zeros(0)
        _compiled()(empty, empty, empty, 1, 0.0, 0.0)
    return name


@cache
def _compiled():
    """The compiled recursion, imported on first use (numba is loaded only
    when a run takes the fast path); None without numba, or with a numba that
    cannot load here (a broken install, or a module of the working folder
    named like one numba imports): the Python recursion gives the same log."""
    try:
        from chansim.engine.fast_kernel import recursion as compiled
    except Exception:  # noqa: BLE001 - any failure to load numba: run the Python recursion
        return None
    return compiled


def recursion(arrival: np.ndarray, duration: np.ndarray, give_up: np.ndarray, agents: int, start: float,
              end: float, *, kernel: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Per caller in arrival order (float64 arrays of times, no nan): answer
    time, end of the call and agent (nan, nan, -1 when not answered), and
    True; or, when a caller's patience ends at the very instant an agent
    frees (the event engine must order the two), no caller answered and
    False. ``kernel``: as for :func:`run_fast`."""
    if kernel_name(kernel) == "numba":
        as_float = [np.ascontiguousarray(x, dtype=np.float64) for x in (arrival, duration, give_up)]
        out = _compiled()(*as_float, int(agents), float(start), float(end))
    else:
        out = recursion_python(arrival, duration, give_up, agents, start, end)
    return out if out[3] else _unanswered(len(arrival))


def recursion_python(arrival: np.ndarray, duration: np.ndarray, give_up: np.ndarray, agents: int, start: float,
                     end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """:func:`recursion` in pure Python with :mod:`heapq` (the reference of
    the compiled one)."""
    answer, finish, agent = _recursion(np.asarray(arrival, dtype=float).tolist(),
                                       np.asarray(duration, dtype=float).tolist(),
                                       np.asarray(give_up, dtype=float).tolist(), agents, start, end)
    if answer is None:
        return _unanswered(len(arrival))
    return np.array(answer, dtype=float), np.array(finish, dtype=float), np.array(agent, dtype=np.int32), True


def _unanswered(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """What :func:`recursion` gives when the event engine must run instead."""
    return np.full(n, np.nan), np.full(n, np.nan), np.full(n, -1, dtype=np.int32), False


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
