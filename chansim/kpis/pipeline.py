"""The one measurement pipeline: one replication's event log → its KPIs.

Every number a run reports about a replication is measured here, the same
way whoever asks: ``chansim run`` (and ``check``, ``sweep``, ``optimize``
through it) measures each replication as it finishes, and ``chansim
reprice`` measures the stored log again under other prices. The steps:

1. keep the measured window (contacts that arrived after the warm-up, their
   messages; :func:`chansim.kpis.metrics.measured_window`);
2. price it: the cost lines of the messages and calls
   (:class:`chansim.billing.price.Pricer`), the channels' fixed monthly
   costs, and the AI agent's sessions and agent-assist seats under the AI
   cards the bot names (:mod:`chansim.billing.ai_agent`: each contact's
   charge makes ``cost_bot``, the lines its breakdown by billing unit; the
   agent-assist seats are part of ``cost_labor``);
3. survey it: the CSAT answers, from the replication's own random stream
   (a failed bot session or a handoff costs the points the bot states);
4. the labor of the staffed hours after the warm-up;
5. every KPI of the table, overall and in each breakdown
   (:func:`chansim.kpis.metrics.kpis`).

Steps 1-3 and the counts of step 5 need one customer at a time, never the
whole log: :class:`Measuring` takes a run's log a chunk of customers at a
time (every contact and message of each), keeps only exact sums (the cost
lines' sums, :class:`chansim.billing.pricing_run.PricingRun`; the KPIs'
counts and sums, :class:`chansim.kpis.tally.Tally`) and the few rows whose
price hangs on the rest of the month (WhatsApp's monthly free units and
tiers), and gives bit for bit the numbers of :func:`measure` on the whole
log, whatever the chunks and their order.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from chansim.billing.ai_agent import (SEAT_UNIT, ai_period_lines, ai_pricing, ai_session_lines,
                                     bot_costs_by_contact, fixed_costs, merge_ai_lines)
from chansim.billing.price import Pricer, cost_lines
from chansim.billing.pricing_run import PricingRun, merge_lines
from chansim.engine.log import EventLog
from chansim.engine.streams import Streams
from chansim.kpis.ai_costs import cost_bot_by_unit
from chansim.kpis.csat import survey
from chansim.kpis.labor import labor_costs
from chansim.kpis.metrics import measured_window
from chansim.kpis.tally import Measured, Tally
from chansim.scenario.models import Scenario

__all__ = ["Measurement", "Measuring", "measure", "kpi_options", "merged_lines"]


class Measurement(NamedTuple):
    """One replication measured: its KPIs, the cost lines priced from its
    log and the labor of its pools."""

    kpis: Measured
    costs: pd.DataFrame
    labor: pd.DataFrame


def _survey(resolved: Scenario, contacts: pd.DataFrame, replication: int) -> pd.DataFrame:
    """The CSAT survey of ``contacts``: each contact's answer drawn from the
    replication's own stream by its contact id (any set of contacts, the same
    answers)."""
    bot = resolved.active_bot
    return survey(contacts, resolved.csat, Streams(resolved.seed, replication)("csat.survey"),
                  bot.csat_points() if bot is not None else None)


def _tally_options(resolved: Scenario) -> dict[str, Any]:
    bot = resolved.active_bot
    return {
        "targets": resolved.service_level_targets,
        "bot_cost_per_session": bot.cost_per_session if bot is not None else 0.0,
        "fcr_window_s": resolved.repeats.fcr_window_days * 86_400.0,
        "markets": {seg.name: str(getattr(seg, "market", None) or resolved.market) for seg in resolved.demand.segments},
        "hours_per_fte": float(getattr(resolved.agents, "hours_per_fte", None) or 40.0),
        "period_h": max(resolved.horizon_s - resolved.warmup_s, 0.0) / 3600.0,
    }


def kpi_options(resolved: Scenario, contacts: pd.DataFrame, replication: int) -> dict[str, Any]:
    """What :func:`chansim.kpis.metrics.kpis` needs besides the log, for one
    replication of a resolved scenario: service-level targets, bot cost, FCR
    window, the CSAT survey of ``contacts`` (its own random stream), each
    segment's market, hours per FTE and the measured hours."""
    return {**_tally_options(resolved), "survey": _survey(resolved, contacts, replication)}


def merged_lines(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The cost lines of several priced tables from the cost lines of each
    (:func:`chansim.billing.price.cost_lines` of each, in order): the same
    lines, sums and order as ``cost_lines`` of them all at once."""
    return merge_lines(parts)


class Measuring:
    """Replication ``replication`` of one strategy (``resolved``, as
    :func:`measure` takes it) measured a chunk of customers at a time: each
    chunk (:meth:`add`: every contact of a set of customers and every message
    to or from them, as the engine logged them) is priced, surveyed and
    counted, then let go; :meth:`finish` adds the labor and the costs of the
    period and makes the KPIs. Whatever the chunks and their order, the
    numbers are bit for bit those of :func:`measure` on the whole log."""

    def __init__(self, resolved: Scenario, replication: int, *, whole: bool = False):
        self.resolved, self.replication = resolved, replication
        self.tally = Tally(**_tally_options(resolved))
        self.pricer = Pricer.for_scenario(resolved)
        #: ``whole``: one chunk holding the whole log, priced at once (the lines a chunked run adds up to)
        self.pricing = None if whole else PricingRun(self.pricer)
        self.priced: list[pd.DataFrame] = []
        self.ai = ai_pricing(resolved) is not None
        self.sessions: list[pd.DataFrame] = []

    def add(self, contacts: pd.DataFrame, messages: pd.DataFrame, *, consume: bool = False) -> None:
        """Measure one chunk of customers (``consume``: the tables given are
        not wanted afterwards, see :func:`chansim.kpis.metrics.measured_window`)."""
        resolved = self.resolved
        contacts, messages = measured_window(contacts, messages, resolved.warmup_s, consume=consume)
        if self.pricing is None:
            if self.priced:
                raise ValueError("a measurement of the whole log takes one chunk")
            # each priced table is summed into its cost lines before the next is priced: one at a time in memory
            self.priced = [cost_lines(self.pricer.messages(messages)), cost_lines(self.pricer.calls(contacts))]
        else:
            self.pricing.add(messages, contacts)
        bot_costs = None
        if self.ai:
            self.sessions.append(ai_session_lines(resolved, contacts, messages))
            bot_costs = bot_costs_by_contact(resolved, contacts, messages)
        self.tally.add(contacts, messages, survey=_survey(resolved, contacts, self.replication), bot_costs=bot_costs)

    def finish(self, staffing: pd.DataFrame) -> Measurement:
        """The KPIs, cost lines and labor of every chunk added, with the
        staffing table of the run."""
        resolved = self.resolved
        fixed = fixed_costs(resolved, replication=self.replication)
        priced = self.priced if self.pricing is None else [self.pricing.lines()]
        costs = merged_lines(priced + ([cost_lines(fixed)] if fixed is not None else []))
        labor = labor_costs(staffing, resolved)
        labor_fixed, bot_units = 0.0, None
        if self.ai:
            ai = merge_ai_lines(self.sessions, ai_period_lines(resolved, replication=self.replication))
            seats = (ai["unit"].astype(str) == SEAT_UNIT).to_numpy() if len(ai) else np.zeros(0, bool)
            labor_fixed, bot_units = float(ai["cost"].to_numpy(float)[seats].sum()), cost_bot_by_unit(ai)
        measured = self.tally.finish(labor, costs, labor_fixed=labor_fixed, bot_units=bot_units)
        return Measurement(measured, costs, labor)


def measure(resolved: Scenario, log: EventLog, replication: int, *, release: bool = False) -> Measurement:
    """Measure replication ``replication`` of one strategy: ``resolved`` is
    the scenario resolved for that strategy (``scenario.for_strategy(name)``),
    whose pricing, CSAT model and agents price, score and pay the log.

    ``release``: the log is not wanted afterwards: its contacts and messages
    tables are let go (``log`` is left with empty ones) once the measured
    window is taken, so a long run does not hold both at once."""
    tables = log.contacts, log.messages
    if release:  # (empty tables of their own: an empty slice would hold on to the whole table)
        log.contacts, log.messages = log.contacts.iloc[:0].copy(), log.messages.iloc[:0].copy()
    measuring = Measuring(resolved, replication, whole=True)
    measuring.add(*tables, consume=release)
    del tables
    return measuring.finish(log.staffing)
