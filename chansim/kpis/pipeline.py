"""The one measurement pipeline: one replication's event log → its KPIs.

Every number a run reports about a replication is measured here, the same
way whoever asks: ``chansim run`` (and ``check``, ``sweep``, ``optimize``
through it) measures each replication as it finishes, and ``chansim
reprice`` measures the stored log again under other prices. The steps:

1. keep the measured window (contacts that arrived after the warm-up, their
   messages; :func:`chansim.kpis.metrics.measured_window`);
2. price it: the cost lines of the messages and calls
   (:class:`chansim.billing.price.Pricer`);
3. survey it: the CSAT answers, from the replication's own random stream;
4. the labor of the staffed hours after the warm-up;
5. every KPI of the table, overall and in each breakdown
   (:func:`chansim.kpis.metrics.kpis`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd

from chansim.billing.price import Pricer, cost_lines
from chansim.engine.log import EventLog
from chansim.engine.streams import Streams
from chansim.kpis.csat import survey
from chansim.kpis.labor import labor_costs
from chansim.kpis.metrics import Measured, kpis, measured_window
from chansim.scenario.models import Scenario

__all__ = ["Measurement", "measure", "kpi_options"]


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
        "survey": survey(contacts, resolved.csat, Streams(resolved.seed, replication)("csat.survey")),
        "markets": {seg.name: str(getattr(seg, "market", None) or resolved.market) for seg in resolved.demand.segments},
        "hours_per_fte": float(getattr(resolved.agents, "hours_per_fte", None) or 40.0),
        "period_h": max(resolved.horizon_s - resolved.warmup_s, 0.0) / 3600.0,
    }


def measure(resolved: Scenario, log: EventLog, replication: int) -> Measurement:
    """Measure replication ``replication`` of one strategy: ``resolved`` is
    the scenario resolved for that strategy (``scenario.for_strategy(name)``),
    whose pricing, CSAT model and agents price, score and pay the log."""
    contacts, messages = measured_window(log.contacts, log.messages, resolved.warmup_s)
    pricer = Pricer.for_scenario(resolved)
    costs = cost_lines(pricer.messages(messages), pricer.calls(contacts))
    labor = labor_costs(log.staffing, resolved)
    measured = kpis(contacts, messages, labor, costs, **kpi_options(resolved, contacts, replication))
    return Measurement(measured, costs, labor)
