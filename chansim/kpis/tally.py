"""KPIs of one replication measured a chunk at a time.

A long run's log need not be held whole to be measured: :class:`Tally`
takes it a chunk of customers at a time (every leg of those customers and
every message to or from them, in the measured window), keeps only the
counts and exact sums each KPI is made of (:mod:`chansim.kpis.totals`), for
the whole run and for each member of each breakdown, and makes the KPIs
once the run is over (:meth:`Tally.finish`), with the cost lines and labor.
Chunks may come in any order and be of any size: the KPIs are bit for bit
those of the whole log measured at once (:func:`chansim.kpis.metrics.kpis`
is a tally of one chunk).

A customer's legs and messages must all be in one chunk: a contact's final
outcome is that of its last leg, an issue is a first contact with its
repeats, and replies are matched to the customer messages of their leg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chansim.billing.exact import exact_sum, scaled, scaled_by_group, to_float
from chansim.kpis.sample import LogArrays, Sample, codes_of
from chansim.kpis.table import KPIS
from chansim.kpis.totals import Totals, totals_of

__all__ = ["Tally", "Measured", "POOL_FIGURES", "BREAKDOWNS"]

#: Hours a pool's row carries besides its KPIs.
POOL_FIGURES = ("staffed_hours", "overtime_hours", "paid_hours", "busy_hours")
#: Breakdowns by contact (whole contacts; labor shared by attention) and the contacts column each reads.
_BY_CONTACT = {"by_segment": "segment", "by_intent": "intent", "by_market": "market"}
BREAKDOWNS = ("by_channel", "by_pool") + tuple(_BY_CONTACT)
_LABOR_HOURS = ("busy_hours", "staffed_hours", "overtime_hours", "held_slot_hours", "slot_hours", "paid_hours")


@dataclass
class Measured:
    """One replication's KPIs: ``overall`` and ``breakdowns`` (``"by_channel"``,
    ``"by_pool"``, ``"by_segment"``, ``"by_intent"``, ``"by_market"``: member →
    KPIs). A new breakdown is one more key."""

    overall: dict[str, Any]
    breakdowns: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def by_channel(self) -> dict[str, dict[str, Any]]:
        return self.breakdowns.get("by_channel", {})

    @property
    def by_pool(self) -> dict[str, dict[str, Any]]:
        return self.breakdowns.get("by_pool", {})


def _labels(frame: pd.DataFrame, column: str, wide: bool = True) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a column (-1: missing) and the names they stand for."""
    if column not in frame or not len(frame):
        return np.full(len(frame), -1, dtype=np.int64), []
    return codes_of(frame[column], wide)


def _present(codes: np.ndarray, names: list[str]) -> list[tuple[int, str]]:
    """``(code, name)`` of the values that occur, in the order of the names."""
    seen = np.zeros(len(names) + 1, dtype=bool)
    seen[codes] = True
    return [(i, n) for i, n in enumerate(names) if seen[i]]


def _merge_names(known: list[str], names: list[str]) -> None:
    for name in names:
        if name not in known:
            known.append(name)


class Tally:
    """The KPIs of one replication of one strategy, a chunk at a time.

    ``targets``: the service-level target (s) of each channel that has one;
    ``fcr_window_s``: the FCR window; ``markets``: the market of each segment
    (for the market breakdown); ``bot_cost_per_session``: the bot's cost a
    session where no AI card prices each contact; ``hours_per_fte`` and
    ``period_h`` (the measured hours) for FTE."""

    def __init__(self, *, targets: dict[str, float], fcr_window_s: float = 7 * 86_400.0,
                 markets: dict[str, str] | None = None, bot_cost_per_session: float = 0.0,
                 hours_per_fte: float = 40.0, period_h: float | None = None):
        self.targets, self.fcr_window_s, self.markets = targets, fcr_window_s, markets
        self.bot_cost_per_session, self.hours_per_fte, self.period_h = bot_cost_per_session, hours_per_fte, period_h
        self.overall = Totals()
        self.members: dict[str, dict[str, Totals]] = {key: {} for key in BREAKDOWNS if key != "by_market" or markets}
        self.names: dict[str, list[str]] = {key: [] for key in self.members}  # each breakdown's names, in order
        self.pools: list[str] = []
        #: per breakdown, per (pool, member): the exact attention (focus seconds) the member took in the pool
        self.focus: dict[str, dict[tuple[str, str], int]] = {key: {} for key in self.members if key != "by_pool"}
        #: per (breakdown, member) and overall: the bot's charges (exact) or sessions
        self.bot: dict[tuple[str, str], int] = {}
        self.priced_bot = False
        self.surveyed = False

    # ------------------------------------------------------------------ chunks
    def add(self, contacts: pd.DataFrame, messages: pd.DataFrame, *, survey: pd.DataFrame | None = None,
            bot_costs: np.ndarray | None = None) -> None:
        """Count one chunk of customers: their legs (``contacts``) and
        messages in the measured window, their survey answers (on the rows of
        ``contacts``) and, where an AI card prices each contact, their bot
        charges (``bot_costs``, on the rows of ``contacts``)."""
        log = LogArrays(contacts, messages, targets=self.targets, fcr_window_s=self.fcr_window_s, survey=survey)
        self.surveyed |= survey is not None
        self.priced_bot |= bot_costs is not None
        bot = (np.asarray(bot_costs, dtype=float) if bot_costs is not None
               else log.bot_session.astype(float))
        self.overall += totals_of(Sample(log, np.ones(log.n, bool), False, np.ones(len(messages), bool)))
        self._bot("overall", "", bot)
        pools = _labels(contacts, "pool")
        _merge_names(self.pools, pools[1])
        message_rows = log.message_rows

        def messages_of(rows: np.ndarray) -> np.ndarray:
            return np.append(rows, False)[message_rows]  # (a message of no leg, -1, picks the False)

        # by channel: each leg on its own channel; campaign sends on theirs
        channels, names = log.channel, log.channel_names
        m_codes, m_names = _labels(messages, "channel", wide=False)
        for code, name in _present(channels, names):
            rows = channels == code
            sent = m_codes == (m_names.index(name) if name in m_names else -2)
            self._put("by_channel", name, totals_of(Sample(log, rows, True, sent)), bot, rows)
        _merge_names(self.names["by_channel"], names)
        self._focus("by_channel", log, channels, names, pools)
        # by pool: the legs it served
        pool_codes, pool_names = pools
        for code, name in _present(pool_codes, pool_names):
            rows = pool_codes == code
            self._put("by_pool", name, totals_of(Sample(log, rows, True, messages_of(rows))), None, rows)
        # by segment, intent, market: whole contacts
        for key, (codes, labels) in self._contact_groups(contacts).items():
            for code, name in _present(codes, labels):
                rows = codes == code
                self._put(key, name, totals_of(Sample(log, rows, False, messages_of(rows))), bot, rows)
            _merge_names(self.names[key], labels)
            self._focus(key, log, codes, labels, pools)

    def _contact_groups(self, contacts: pd.DataFrame) -> dict[str, tuple[np.ndarray, list[str]]]:
        segments = _labels(contacts, "segment")
        groups = {"by_segment": segments, "by_intent": _labels(contacts, "intent")}
        if self.markets:
            markets = self.markets
            market_names = list(dict.fromkeys(markets.get(n, "") for n in segments[1]))
            lookup = np.array([market_names.index(markets.get(n, "")) for n in segments[1]] + [-1], dtype=np.int64)
            groups["by_market"] = (lookup[segments[0]], market_names)
        return groups

    def _put(self, key: str, name: str, totals: Totals, bot: np.ndarray | None, rows: np.ndarray) -> None:
        table = self.members[key]
        if name in table:
            table[name] += totals
        else:
            table[name] = totals
        if bot is not None:
            self._bot(key, name, bot[rows])

    def _bot(self, key: str, name: str, values: np.ndarray) -> None:
        self.bot[key, name] = self.bot.get((key, name), 0) + scaled(values)

    def _focus(self, key: str, log: LogArrays, labels: np.ndarray, names: list[str],
               pools: tuple[np.ndarray, list[str]]) -> None:
        """The attention each member took in each pool (labor is shared by it)."""
        pool_codes, pool_names = pools
        ok = (pool_codes >= 0) & (labels >= 0)
        if not ok.any():
            return
        k = len(names)
        cells = _cell_sums(pool_codes[ok] * k + labels[ok], len(pool_names) * k,
                                      np.nan_to_num(log.focus[ok]))
        table = self.focus[key]
        for cell, total in cells.items():
            p, m = divmod(cell, k)
            table[pool_names[p], names[m]] = table.get((pool_names[p], names[m]), 0) + total

    # ----------------------------------------------------------------- the end
    def finish(self, labor: pd.DataFrame, channel_costs: pd.DataFrame, *, labor_fixed: float = 0.0,
               bot_units: dict[str, float] | None = None) -> Measured:
        """The KPIs of every chunk added: ``labor`` is
        :func:`chansim.kpis.labor.labor_costs` of the run (net of the
        warm-up), ``channel_costs`` the cost lines priced from the chunks'
        messages and calls; ``labor_fixed`` (agent-assist seats) adds to the
        overall ``cost_labor`` only; ``bot_units`` (``cost_bot`` by billing
        unit) joins the overall KPIs."""
        costs = channel_costs
        labor_pool = labor["pool"].astype(str).to_numpy() if len(labor) else np.zeros(0, dtype=object)
        pool_cost = {name: exact_sum(labor["cost"].to_numpy(float)[labor_pool == name])
                     for name in dict.fromkeys(labor_pool.tolist())}

        overall = self._dress(self.overall, ("overall", ""),
                              exact_sum(costs["cost"].to_numpy(float)) if len(costs) else 0.0,
                              (exact_sum(labor["cost"].to_numpy(float)) if len(labor) else 0.0) + labor_fixed,
                              _hours(labor))
        values = _measure(overall)
        if bot_units:
            values.update(bot_units)
        breakdowns: dict[str, dict[str, dict[str, Any]]] = {}
        for key, table in self.members.items():
            out = {}
            if key == "by_pool":
                for name in dict.fromkeys(labor_pool.tolist()):
                    own = labor[labor_pool == name]
                    totals = self._dress(table.get(name, Totals()), None, None, pool_cost[name], _hours(own))
                    k = _measure(totals)
                    k.update({f: exact_sum(own[f].to_numpy(float)) for f in POOL_FIGURES if f in own})
                    out[name] = k
            else:
                column = "channel" if key == "by_channel" else _BY_CONTACT[key]
                fees = _cost_by(costs, column)
                if key == "by_channel":
                    fees = fees or {}
                shares = self._labor_shares(key, pool_cost)
                order = [name for name in self.names[key] if name in table]
                for name in order:
                    totals = self._dress(table[name], (key, name), None if fees is None else fees.get(name, 0.0),
                                         shares.get(name, 0.0), None)
                    out[name] = _measure(totals)
            breakdowns[key] = out
        return Measured(values, breakdowns)

    def _dress(self, totals: Totals, bot_key: tuple[str, str] | None, channel: float | None, labor: float | None,
               hours: dict[str, float] | None) -> Totals:
        out = Totals(totals)
        out.cost_channel, out.cost_labor, out.labor = channel, labor, hours
        if bot_key is not None:
            bot = to_float(self.bot.get(bot_key, 0))
            out.cost_bot = bot if self.priced_bot else bot * self.bot_cost_per_session
        out.surveyed = self.surveyed
        out.hours_per_fte, out.period_h = self.hours_per_fte, self.period_h or 0.0
        return out

    def _labor_shares(self, key: str, pool_cost: dict[str, float]) -> dict[str, float]:
        """Each member's part of the labor cost, shared within each pool by
        the attention each member took there."""
        focus = self.focus.get(key, {})
        names = list(self.names[key])
        if not focus or not pool_cost or not names:
            return {}
        pools = list(self.pools)
        grid = np.array([[to_float(focus.get((p, n), 0)) for n in names] for p in pools]).reshape(len(pools), len(names))
        total = np.array([to_float(sum(focus.get((p, n), 0) for n in names)) for p in pools]).reshape(-1, 1)
        share = np.divide(grid, total, out=np.zeros_like(grid), where=total > 0)
        cost = np.array([pool_cost.get(p, 0.0) for p in pools])
        return dict(zip(names, (share.T @ cost).tolist()))


def _cell_sums(cells: np.ndarray, k: int, values: np.ndarray) -> dict[int, int]:
    """The exact sum of ``values`` per cell (``0..k-1``), of the cells with any."""
    return {c: total for c, total in enumerate(scaled_by_group(cells, k, values)) if total}


def _hours(labor: pd.DataFrame) -> dict[str, float] | None:
    """The hours columns of labor rows, summed exactly (None: no labor table)."""
    if labor is None:
        return None
    return {c: exact_sum(labor[c].to_numpy(float)) for c in _LABOR_HOURS if c in labor}


def _cost_by(costs: pd.DataFrame, column: str) -> dict[str, float] | None:
    """Channel fees per value of ``column`` of the cost lines (None: not carried)."""
    if column not in costs:
        return None
    if not len(costs):
        return {}
    values = costs[column].astype(str).to_numpy()
    cost = costs["cost"].to_numpy(float)
    return {name: exact_sum(cost[values == name]) for name in dict.fromkeys(values.tolist())}


def _measure(totals: Totals) -> dict[str, Any]:
    return {k.key: k.measure(totals) for k in KPIS}
