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
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from chansim.billing.ai_agent import SEAT_UNIT, ai_cost_lines, bot_costs_by_contact, fixed_costs
from chansim.billing.price import COST_LINE_COLUMNS, Pricer, cost_lines
from chansim.engine.log import EventLog
from chansim.engine.streams import Streams
from chansim.kpis.ai_costs import cost_bot_by_unit
from chansim.kpis.csat import survey
from chansim.kpis.labor import labor_costs
from chansim.kpis.metrics import Measured, kpis, measured_window
from chansim.scenario.models import Scenario

__all__ = ["Measurement", "measure", "kpi_options", "merged_lines"]


class Measurement(NamedTuple):
    """One replication measured: its KPIs, the cost lines priced from its
    log and the labor of its pools."""

    kpis: Measured
    costs: pd.DataFrame
    labor: pd.DataFrame


def kpi_options(resolved: Scenario, contacts: pd.DataFrame, replication: int) -> dict[str, Any]:
    """What :func:`chansim.kpis.metrics.kpis` needs besides the log, for one
    replication of a resolved scenario: service-level targets, bot cost, FCR
    window, the CSAT survey of ``contacts`` (its own random stream), each
    segment's market, hours per FTE and the measured hours."""
    bot = resolved.active_bot
    return {
        "targets": resolved.service_level_targets,
        "bot_cost_per_session": bot.cost_per_session if bot is not None else 0.0,
        "fcr_window_s": resolved.repeats.fcr_window_days * 86_400.0,
        "survey": survey(contacts, resolved.csat, Streams(resolved.seed, replication)("csat.survey"),
                         bot.csat_points() if bot is not None else None),
        "markets": {seg.name: str(getattr(seg, "market", None) or resolved.market) for seg in resolved.demand.segments},
        "hours_per_fte": float(getattr(resolved.agents, "hours_per_fte", None) or 40.0),
        "period_h": max(resolved.horizon_s - resolved.warmup_s, 0.0) / 3600.0,
    }


def merged_lines(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The cost lines of several priced tables from the cost lines of each
    (:func:`chansim.billing.price.cost_lines` of each, in order): the same
    lines, sums and order as ``cost_lines`` of them all at once."""
    parts = [part for part in parts if len(part)]
    if len(parts) < 2:
        return parts[0] if parts else cost_lines()
    lines = pd.concat(parts, ignore_index=True)
    keys = [k for k in COST_LINE_COLUMNS[:-3] if k in lines]  # (the last three are the sums)
    if lines.duplicated(keys).any():  # the same line in two tables
        lines = lines.groupby(keys, sort=False, as_index=False)[["count", "units", "cost"]].sum()
    lines = lines.sort_values(keys, kind="stable", ignore_index=True)
    return lines[[c for c in COST_LINE_COLUMNS if c in lines]]


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
    contacts, messages = measured_window(*tables, resolved.warmup_s, consume=release)
    del tables
    staffing = log.staffing
    pricer = Pricer.for_scenario(resolved)
    fixed = fixed_costs(resolved, replication=replication)
    # each priced table is summed into its cost lines before the next is priced: one at a time in memory
    parts = [cost_lines(pricer.messages(messages)), cost_lines(pricer.calls(contacts))]
    if fixed is not None:
        parts.append(cost_lines(fixed))
    costs = merged_lines(parts)
    labor = labor_costs(staffing, resolved)
    options = kpi_options(resolved, contacts, replication)
    ai = ai_cost_lines(resolved, contacts, messages, replication=replication)
    if ai is not None:
        seats = (ai["unit"].astype(str) == SEAT_UNIT).to_numpy() if len(ai) else np.zeros(0, bool)
        options.update(bot_costs=bot_costs_by_contact(resolved, contacts, messages),
                       labor_fixed=float(ai["cost"].to_numpy(float)[seats].sum()), bot_units=cost_bot_by_unit(ai))
    measured = kpis(contacts, messages, labor, costs, **options)
    return Measurement(measured, costs, labor)
