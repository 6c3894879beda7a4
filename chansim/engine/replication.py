"""Run one replication of one strategy and return its event log."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from chansim.engine.fast_path import fast_path_enabled, fast_path_reason, run_fast
from chansim.engine.handover import Handover
from chansim.engine.log import EventLog
from chansim.engine.plan import build_plan
from chansim.engine.simulation import Simulation
from chansim.engine.staffing_table import staffing_table
from chansim.engine.streams import Streams
from chansim.engine.tables import contacts_table, messages_table
from chansim.scenario.models import Scenario

__all__ = ["run_replication", "hand_over_replication"]


def run_replication(
    scenario: Scenario,
    strategy: str,
    replication: int,
    *,
    arrivals: np.ndarray | None = None,
    fast_path: bool | None = None,
    plan_by_day: bool = True,
) -> EventLog:
    """Simulate replication ``replication`` of ``strategy``.

    The random streams depend on the scenario seed and the replication number
    only, so every strategy sees the same customers (common random numbers).
    ``arrivals`` (times in seconds) replaces the Poisson arrivals.

    A voice-only pool served first come, first served takes the fast path
    (:mod:`chansim.engine.fast_path`: the same log, without the event loop)
    unless ``fast_path`` is False (None: unless ``CHANSIM_FAST_PATH=0``).

    ``plan_by_day``: the planned contacts are drawn a day at a time as the run
    reaches them (the same draws as all at once, with less memory held), except
    on the fast path, which reads the whole plan."""
    resolved = scenario.for_strategy(strategy)
    streams = Streams(resolved.seed, replication)
    fast = (fast_path_enabled() if fast_path is None else fast_path) and fast_path_reason(resolved) is None
    # (the fast path reads the whole plan: drawn at once)
    book = build_plan(resolved, streams, arrivals=arrivals, by_day=plan_by_day and not fast)
    sim = None
    if fast:
        book.plan_all()  # (the fast path and its checks read every planned contact)
        voice_bot = bool(book.bot_call_s[: book.size].any())  # an AI agent answering calls: the event loop serves it
        if not voice_bot and fast_path_reason(resolved, book) is None:
            sim = run_fast(resolved, book)
    if sim is None:
        sim = Simulation(resolved, book)
        sim.run()
    book.plan_all()  # (every planned contact has arrived by the end of the run: nothing is left to draw)
    # the tables, each made once what it reads is there, letting go of what no table reads any more first
    # (a long run's turns, messages and attention spans are the largest things a replication holds)
    staffing = staffing_table(resolved, sim, strategy, replication)
    sim.attention = None
    book.release_draws(keep=_BOOK_READ)
    messages = messages_table(resolved, book, sim, strategy, replication)
    book.release_turns()
    sim.messages = None
    contacts = contacts_table(resolved, book, sim, strategy, replication)
    return EventLog(contacts=contacts, messages=messages, staffing=staffing,
                    meta={"strategy": strategy, "replication": replication})


def hand_over_replication(scenario: Scenario, strategy: str, replication: int,
                          sink: Callable[[pd.DataFrame, pd.DataFrame], None], *,
                          fast_path: bool | None = None) -> pd.DataFrame:
    """Simulate replication ``replication`` of ``strategy`` as
    :func:`run_replication` does, handing its log over to ``sink(contacts,
    messages)`` a chunk of customers at a time as the run goes
    (:mod:`chansim.engine.handover`) instead of keeping it: memory held by
    the days in play, not the horizon. Returns the staffing table. The chunks
    hold, cut by customer, exactly the rows of :func:`run_replication`'s log.
    A run on the fast path (which reads the whole plan) hands its whole log
    over at once."""
    resolved = scenario.for_strategy(strategy)
    if (fast_path_enabled() if fast_path is None else fast_path) and fast_path_reason(resolved) is None:
        log = run_replication(scenario, strategy, replication, fast_path=fast_path)
        sink(log.contacts, log.messages)
        return log.staffing
    book = build_plan(resolved, Streams(resolved.seed, replication), by_day=True)
    sim = Simulation(resolved, book, lazy=True)
    sim.handover = Handover(resolved, book, sim, strategy, replication, sink)
    sim.run()
    book.plan_all()
    sim.handover.flush(final=True)
    sim.handover = None
    return staffing_table(resolved, sim, strategy, replication)


#: The contact columns of the book the tables read (the rest is what the run drew for it).
_BOOK_READ = ("customer", "segment", "intent", "priority", "preferred", "original", "channel", "context_lost",
              "arrival_t", "root", "attempt", "repeat_of", "parent", "turn_offset", "bot_turns")
