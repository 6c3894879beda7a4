"""What a staffing search measures of a run: the KPIs of a pool's channels,
any KPI address, and contact KPIs per weekday × interval of the day.

Every figure is measured per replication and summarised as (mean, ci95)
over the replications, so a target can be judged at the pessimistic end of
its CI (:mod:`chansim.kpis.goals`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from chansim.kpis.statistics import ci95_halfwidth
from chansim.studies.experiment import kpi_options
from chansim.kpis.metrics import kpis, kpis_by_group, measured_window
from chansim.kpis.table import KPI_KEYS
from chansim.kpis.goals import Target
from chansim.scenario.hours import weekly_hours

__all__ = ["INTERVAL_KPIS", "Measured", "measure", "pool_kpis", "contact_kpis_by_group", "interval_kpis", "summarise",
           "closed_days"]

#: KPIs a per-interval target may name (those of contacts; costs and occupancy have no arrival time).
INTERVAL_KPIS: tuple[str, ...] = ("contacts", "handled", "abandoned", "aht_s", "asa_s", "service_level",
                                  "abandon_rate", "frt_s", "slot_wait_s", "response_time_s", "response_sl")
#: Per-pool labor figures reported beside the KPIs.
POOL_FIGURES = ("staffed_hours", "paid_hours", "fte", "cost_labor")


def _mean(values: Sequence[float | None]) -> float | None:
    xs = [float(v) for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return float(sum(xs) / len(xs)) if xs else None


def summarise(per_rep: list[dict[str, Any]], keys: Sequence[str]) -> tuple[dict, dict]:
    """``(means, ci95s)`` of each key over the replications' rows."""
    means = {k: _mean([r.get(k) for r in per_rep]) for k in keys}
    cis = {k: ci95_halfwidth([r.get(k) for r in per_rep]) for k in keys}
    return means, cis


@dataclass
class _Replication:
    contacts: pd.DataFrame
    messages: pd.DataFrame
    labor: pd.DataFrame
    costs: pd.DataFrame
    options: dict[str, Any]
    overall: dict[str, Any]
    by_channel: dict[str, dict[str, Any]]
    by_pool: dict[str, dict[str, Any]]


def _replications(result) -> list[_Replication]:
    if result.log is None:
        raise ValueError("a staffing measure needs a run with its log (log='messages')")
    (strategy,) = [s.name for s in result.strategies]
    resolved = result.scenario.for_strategy(strategy)
    contacts, messages = measured_window(result.log.contacts, result.log.messages, resolved.warmup_s)
    costs, labor = result.costs, result.labor
    out = []
    for r in range(result.replications):
        c = contacts[contacts["replication"].to_numpy() == r]
        m = messages[messages["replication"].to_numpy() == r]
        cost = costs[costs["replication"].to_numpy() == r] if len(costs) else costs
        lab = labor[labor["replication"].to_numpy() == r]
        options = kpi_options(resolved, c, r)
        measured = kpis(c, m, lab, cost, **options)
        overall, by_channel, by_pool = measured.overall, measured.by_channel, measured.by_pool
        for row in lab.itertuples(index=False):
            if row.pool in by_pool and hasattr(row, "fte"):
                by_pool[row.pool]["fte"] = float(row.fte)
        out.append(_Replication(c, m, lab, cost, options, overall, by_channel, by_pool))
    return out


def _pool_rows(reps: list[_Replication], pool: str, channels: Sequence[str]) -> list[dict[str, Any]]:
    channels = list(channels)
    rows = []
    for rep in reps:
        c, m, cost, options = rep.contacts, rep.messages, rep.costs, dict(rep.options)
        mine = c["channel"].astype(str).isin(channels).to_numpy()
        if len(channels) == 1 and channels[0] in rep.by_channel:
            overall = dict(rep.by_channel[channels[0]])  # the same computation, already made
        else:
            m_mine = m["channel"].astype(str).isin(channels).to_numpy() if len(m) else np.zeros(0, dtype=bool)
            cost_mine = cost[cost["channel"].astype(str).isin(channels).to_numpy()] if len(cost) else cost
            if options.get("survey") is not None:
                options["survey"] = options["survey"][mine]
            overall = kpis(c[mine], m[m_mine], rep.labor, cost_mine, **options).overall
        labor_cost = float(sum((rep.by_channel.get(ch) or {}).get("cost_labor") or 0.0 for ch in channels))
        resolved_n = int(c[mine]["outcome"].isin(["resolved", "contained"]).sum())
        total = float(overall["cost_channel"] or 0.0) + labor_cost + float(overall["cost_bot"] or 0.0)
        own = rep.by_pool.get(pool) or {}
        overall.update(
            cost_labor=labor_cost,
            cost_total=total,
            cost_per_contact=total / overall["contacts"] if overall["contacts"] else None,
            cost_per_issue=total / overall["issues"] if overall["issues"] else None,
            cost_per_resolution=total / resolved_n if resolved_n else None,
            occupancy=own.get("occupancy"),
            fte=own.get("fte"),
        )
        rows.append(overall)
    return rows


def pool_kpis(result, pool: str, channels: Sequence[str]) -> list[dict[str, Any]]:
    """Per replication, every KPI of the contacts on ``channels`` combined, for
    a run of one strategy with its log.

    Contact KPIs, channel costs, bot cost, messages and CSAT are those of the
    contacts on the channels (metrics.py definitions, applied to them
    together); ``cost_labor`` is the labor those channels took (attention
    split, as ``by_channel``); ``occupancy`` and ``fte`` are the pool's own."""
    return _pool_rows(_replications(result), pool, channels)


#: Contacts of a cell (over the replications simulated) below which a target's mean there does not steer a
#: per-interval search: a handful of web chats in an hour says little about the staffing.
STEER_CONTACTS = 20


@dataclass
class Measured:
    """One pool's figures at one staffing: its channels' KPIs, its labor, and
    the (mean, ci95) of each target that applies to it."""

    kpis: dict[str, float | None]
    ci95: dict[str, float | None]
    labor: dict[str, float | None]
    targets: dict[str, tuple[float | None, float | None]]
    #: per target: (means, ci95s, replications with data) per cell, in per-interval searches
    cells: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: per target: contacts it is measured on per cell, over every replication
    cell_contacts: dict[str, np.ndarray] = field(default_factory=dict)

    def passes(self, targets: Sequence[Target]) -> bool:
        return all(t.holds(*self.targets[str(t)]) for t in targets)

    def cell_meets(self, targets: Sequence[Target], cell: int) -> bool:
        """Whether every target holds for the mean of the contacts arriving in
        ``cell`` (no CI): how a search steers; the answer is judged with
        :meth:`cell_verdict`, replications added until it is decided. A
        target measured on fewer than :data:`STEER_CONTACTS` contacts of the
        cell does not steer (its mean is mostly noise there)."""
        for t in targets:
            means = self.cells[str(t)][0]
            counted = self.cell_contacts.get(str(t))
            if counted is not None and counted[cell] < STEER_CONTACTS:
                continue
            if not np.isnan(means[cell]) and not t.holds(float(means[cell]), 0.0):
                return False
        return True

    def cell_verdict(self, targets: Sequence[Target], cell: int) -> str:
        """``pass`` (every target holds at the pessimistic end of its CI),
        ``fail`` (some target is missed even at the optimistic end) or
        ``undecided`` (more replications could tip it either way), for the
        contacts arriving in ``cell``; a cell with no contacts passes, one
        measured in a single replication is judged on its mean."""
        verdict = "pass"
        for t in targets:
            means, cis, count = self.cells[str(t)]
            if np.isnan(means[cell]):
                continue
            ci = 0.0 if count[cell] < 2 else float(cis[cell])
            if not t.may_hold(float(means[cell]), ci):
                return "fail"
            if not t.holds(float(means[cell]), ci):
                verdict = "undecided"
        return verdict

    def verdict(self, targets: Sequence[Target]) -> str:
        """The same over the whole run."""
        verdict = "pass"
        for t in targets:
            mean, ci = self.targets[str(t)]
            if not t.may_hold(mean, ci):
                return "fail"
            if not t.holds(mean, ci):
                verdict = "undecided"
        return verdict


def _address_rows(reps: list[_Replication], target: Target) -> list[float | None] | None:
    a = target.address
    if a.breakdown == "channel":
        return [(rep.by_channel.get(a.member) or {}).get(a.kpi) for rep in reps]
    if a.breakdown == "pool":
        return [(rep.by_pool.get(a.member) or {}).get(a.kpi) for rep in reps]
    return None


def measure(result, pools: dict[str, tuple[str, ...]], targets: dict[str, list[Target]],
            cells: tuple[np.ndarray, int] | None = None) -> dict[str, Measured]:
    """Each pool's :class:`Measured` in ``result`` (one strategy, with its log).

    ``targets[pool]``: the targets that apply to the pool; a bare KPI is
    measured over the pool's channels together, ``voice.service_level`` over
    one channel, ``pool.NAME.KPI`` on one pool, other breakdowns from the
    run's own breakdowns. ``cells``: ``(cell of each contact, cells)`` to
    measure the targets per cell too."""
    reps = _replications(result)
    strategy = result.strategies[0]
    out = {}
    for pool, channels in pools.items():
        rows = _pool_rows(reps, pool, channels)
        means, cis = summarise(rows, tuple(KPI_KEYS) + ("fte",))
        pool_rows = [rep.by_pool.get(pool) or {} for rep in reps]
        labor = {k: _mean([r.get(k) for r in pool_rows]) for k in ("staffed_hours", "paid_hours", "fte")}
        labor["cost_labor"] = _mean([r.get("cost_labor") for r in pool_rows])
        values: dict[str, tuple[float | None, float | None]] = {}
        for t in targets[pool]:
            a = t.address
            if a.breakdown is None:
                values[str(t)] = (means.get(a.kpi), cis.get(a.kpi))
                continue
            per_rep = _address_rows(reps, t)
            if per_rep is not None:
                values[str(t)] = (_mean(per_rep), ci95_halfwidth(per_rep))
            else:
                values[str(t)] = strategy.value(str(a))
        entry = Measured(means, cis, labor, values)
        if cells is not None:
            entry.cells, entry.cell_contacts = _cell_targets(result, channels, targets[pool], *cells)
        out[pool] = entry
    return out


def contact_kpis_by_group(contacts: pd.DataFrame, group: np.ndarray, groups: int,
                          targets: dict[str, float], messages: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """The contact KPIs of :data:`INTERVAL_KPIS` for each group ``0..groups-1``
    (the KPI table's functions, each leg counted on its own). Undefined values
    are nan."""
    return kpis_by_group(contacts, messages, group, groups, INTERVAL_KPIS, targets=targets)


def interval_kpis(contacts: pd.DataFrame, cell: np.ndarray, cells: int, replications: int,
                  targets: dict[str, float], keys: Sequence[str], messages: pd.DataFrame | None = None
                  ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per cell: (mean, ci95, replications with data) of each contact KPI in ``keys``."""
    reps = replications
    group = contacts["replication"].to_numpy().astype(np.int64) * cells + np.asarray(cell, dtype=np.int64)
    values = contact_kpis_by_group(contacts, group, reps * cells, targets, messages)
    out = {}
    for key in keys:
        table = values[key].reshape(reps, cells)
        if key in ("contacts", "handled", "abandoned"):
            present = values["contacts"].reshape(reps, cells) > 0
            table = np.where(present, table, np.nan)
        count = np.sum(~np.isnan(table), axis=0)
        with np.errstate(invalid="ignore"):
            means = np.where(count > 0, np.nansum(table, axis=0) / np.maximum(count, 1), np.nan)
        cis = np.full(cells, np.nan)
        for k in np.flatnonzero(count >= 2):
            col = table[:, k]
            cis[k] = ci95_halfwidth(list(col[~np.isnan(col)]))
        out[key] = (means, cis, count)
    return out


def _cell_targets(result, channels: Sequence[str], targets: Sequence[Target], cell_of: np.ndarray, cells: int
                  ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], dict[str, np.ndarray]]:
    (strategy,) = [s.name for s in result.strategies]
    resolved = result.scenario.for_strategy(strategy)
    contacts, messages = measured_window(result.log.contacts, result.log.messages, resolved.warmup_s)
    cell = cell_of(contacts) if callable(cell_of) else cell_of
    # a date on which every channel of the pool is closed (a holiday) has no one rostered: its contacts are
    # no interval's to meet (they are counted as closed, or answered when the centre reopens)
    off = closed_days(resolved, channels)
    open_day = ~np.isin(np.floor(contacts["arrival_t"].to_numpy(float) / 86_400.0), off) if off else True
    out, counted = {}, {}
    for t in targets:
        a = t.address
        wanted = [a.member] if a.breakdown == "channel" else list(channels)
        mine = contacts["channel"].astype(str).isin(wanted).to_numpy() & open_day
        out[str(t)] = interval_kpis(contacts[mine], cell[mine], cells, result.replications,
                                    resolved.service_level_targets, [a.kpi], messages)[a.kpi]
        counted[str(t)] = np.bincount(cell[mine], minlength=cells)[:cells]
    return out, counted


def closed_days(resolved, channels: Sequence[str]) -> list[int]:
    """Days from the start date on which every one of ``channels`` is closed (``hours.closed``)."""
    common = None
    for name in channels:
        hours = getattr(resolved.channels.get(name), "hours", None)
        if hours is None:
            return []
        closed = weekly_hours(hours).closed
        common = closed if common is None else common & closed
    return sorted((d - resolved.start_date).days for d in common or ())
