"""KPIs of one replication: every KPI of the table, overall and by channel,
pool, segment, intent and market.

Pure functions over the event log and the cost lines priced from it.
Contacts that arrived during the warm-up are left out, with their messages
and costs; so is the staffed time of the warm-up (:func:`measured_window`).

How costs are shared out in the breakdowns:

* channel fees belong to the channel (and segment and market) of the message
  or call they price, exactly, where the cost lines carry those columns;
* labor of a pool is shared between channels, segments, intents and markets
  by the agent attention (focus time) each took in that pool; idle time is
  shared in the same proportion;
* bot fees follow the contacts that had a bot session (each its own charge
  under an AI card, else ``cost_per_session``);
* agent-assist seats are labor of the overall figure only (no pool's row);
* a pool's row has its own labor only (its channel fees belong to no pool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chansim.kpis.sample import LogArrays, Sample, codes_of
from chansim.kpis.table import KPIS

__all__ = ["kpis", "Measured", "measured_window", "per_row", "POOL_FIGURES"]

#: Hours a pool's row carries besides its KPIs.
POOL_FIGURES = ("staffed_hours", "overtime_hours", "paid_hours", "busy_hours")


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


def per_row(column: pd.Series, mapping: dict[str, float]) -> np.ndarray:
    """``mapping[value]`` for each row of a (categorical) column; nan where absent."""
    cat = column.astype("category") if not isinstance(column.dtype, pd.CategoricalDtype) else column
    lookup = np.array([mapping.get(str(name), np.nan) for name in cat.cat.categories] + [np.nan], dtype=float)
    return lookup[cat.cat.codes.to_numpy()]  # code -1 (missing) picks the trailing nan


def _measure(sample: Sample) -> dict[str, Any]:
    return {k.key: k.measure(sample) for k in KPIS}


def _labels(frame: pd.DataFrame, column: str, wide: bool = True) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a column (-1: missing) and the names they stand for:
    no string per row. ``wide``: as int64 (for arithmetic), else as stored
    (for comparisons only)."""
    if column not in frame or not len(frame):
        return np.full(len(frame), -1, dtype=np.int64), []
    return codes_of(frame[column], wide)


def _present(codes: np.ndarray, names: list[str]) -> list[tuple[int, str]]:
    """``(code, name)`` of the values that occur, in the order of the names."""
    seen = np.zeros(len(names) + 1, dtype=bool)
    seen[codes] = True
    return [(i, n) for i, n in enumerate(names) if seen[i]]


def _cost_by(costs: pd.DataFrame, column: str) -> dict[str, float] | None:
    """Channel fees per value of ``column`` of the cost lines (None: not carried)."""
    if column not in costs:
        return None
    if not len(costs):
        return {}
    return {str(k): float(v) for k, v in costs.groupby(column, observed=True)["cost"].sum().items()}


def _labor_shares(log: LogArrays, labels: np.ndarray, k: int, pools: tuple[np.ndarray, list[str]],
                  labor: pd.DataFrame) -> np.ndarray:
    """Each label's part (codes ``0..k-1``) of the labor cost, shared within
    each pool by the attention each label took there."""
    pool_codes, pool_names = pools
    out = np.zeros(k)
    if not len(labor) or not pool_names or not k:
        return out
    cost = labor.groupby(labor["pool"].astype(str), sort=False)["cost"].sum()
    p = len(pool_names)
    ok = (pool_codes >= 0) & (labels >= 0)
    focus = np.bincount(pool_codes[ok] * k + labels[ok], weights=np.nan_to_num(log.focus[ok]),
                        minlength=p * k).astype(float).reshape(p, k)
    total = focus.sum(axis=1, keepdims=True)
    share = np.divide(focus, total, out=np.zeros_like(focus), where=total > 0)
    pool_cost = np.array([float(cost.get(name, 0.0)) for name in pool_names])
    return share.T @ pool_cost


def kpis(
    contacts: pd.DataFrame,
    messages: pd.DataFrame,
    labor: pd.DataFrame,
    channel_costs: pd.DataFrame,
    *,
    targets: dict[str, float],
    bot_cost_per_session: float = 0.0,
    bot_costs: np.ndarray | None = None,
    labor_fixed: float = 0.0,
    bot_units: dict[str, float] | None = None,
    fcr_window_s: float = 7 * 86_400.0,
    survey: pd.DataFrame | None = None,
    markets: dict[str, str] | None = None,
    hours_per_fte: float = 40.0,
    period_h: float | None = None,
) -> Measured:
    """KPIs of one replication of one strategy.

    ``contacts`` and ``messages`` are the measured window (see
    :func:`measured_window`); ``labor`` is :func:`chansim.kpis.labor.labor_costs`
    (net of the warm-up); ``channel_costs`` the cost lines priced from those
    contacts and messages; ``targets`` the service-level target (s) of each
    channel that has one; ``markets`` the market of each segment (for the
    market breakdown); ``period_h`` the measured hours (for FTE).

    The bot's cost: ``bot_costs`` (each contact's AI-agent charge, on the rows
    of ``contacts``) where given, else ``bot_cost_per_session`` a session;
    ``labor_fixed`` (agent-assist seats) adds to the overall ``cost_labor`` only;
    ``bot_units`` (``cost_bot`` by billing unit) joins the overall KPIs."""
    log = LogArrays(contacts, messages, targets=targets, fcr_window_s=fcr_window_s, survey=survey)
    costs = channel_costs
    n = log.n
    every = np.ones(n, bool)
    all_messages = np.ones(len(messages), bool)
    common = {"hours_per_fte": hours_per_fte, "period_h": period_h or 0.0}
    sessions = log.bot_session

    def bot_cost(rows: np.ndarray) -> float:
        if bot_costs is None:
            return float(sessions[rows].sum()) * bot_cost_per_session
        return float(bot_costs[rows].sum())

    overall = _measure(Sample(log, every, False, float(costs["cost"].sum()) if len(costs) else 0.0,
                              (float(labor["cost"].sum()) if len(labor) else 0.0) + labor_fixed,
                              bot_cost(every), all_messages, labor,
                              **common))
    if bot_units:
        overall.update(bot_units)

    pools = _labels(contacts, "pool")
    message_rows = log.message_rows
    breakdowns: dict[str, dict[str, dict[str, Any]]] = {}

    def messages_of(rows: np.ndarray) -> np.ndarray:
        return np.append(rows, False)[message_rows]  # (a message of no leg, -1, picks the False)

    # by channel: each leg on its own channel; campaign sends on theirs
    channels, names = log.channel, log.channel_names
    m_codes, m_names = _labels(messages, "channel", wide=False)
    fees = _cost_by(costs, "channel") or {}
    labor_of = _labor_shares(log, channels, len(names), pools, labor)
    by_channel = {}
    for code, name in _present(channels, names):
        rows = channels == code
        sent = m_codes == (m_names.index(name) if name in m_names else -2)
        by_channel[name] = _measure(Sample(log, rows, True, fees.get(name, 0.0), float(labor_of[code]),
                                           bot_cost(rows), sent, None, **common))
    breakdowns["by_channel"] = by_channel

    # by pool: the legs it served, its own hours and labor
    by_pool = {}
    pool_codes, pool_names = pools
    labor_pool = labor["pool"].astype(str).to_numpy() if len(labor) else np.zeros(0, dtype=object)
    for name in dict.fromkeys(labor_pool.tolist()):
        rows = pool_codes == (pool_names.index(name) if name in pool_names else -2)
        own = labor[labor_pool == name]
        k = _measure(Sample(log, rows, True, None, float(own["cost"].sum()), None, messages_of(rows), own, **common))
        k.update({f: float(own[f].sum()) for f in POOL_FIGURES if f in own})
        by_pool[name] = k
    breakdowns["by_pool"] = by_pool

    # by segment, intent, market: whole contacts; labor shared by attention
    segments = _labels(contacts, "segment")
    groups = {"by_segment": ("segment", segments), "by_intent": ("intent", _labels(contacts, "intent"))}
    if markets:
        market_names = list(dict.fromkeys(markets.get(n, "") for n in segments[1]))
        lookup = np.array([market_names.index(markets.get(n, "")) for n in segments[1]] + [-1], dtype=np.int64)
        groups["by_market"] = ("market", (lookup[segments[0]], market_names))
    for key, (column, (codes, labels)) in groups.items():
        fees = _cost_by(costs, column)
        labor_of = _labor_shares(log, codes, len(labels), pools, labor)
        table = {}
        for code, name in _present(codes, labels):
            rows = codes == code
            table[name] = _measure(Sample(log, rows, False, None if fees is None else fees.get(name, 0.0),
                                          float(labor_of[code]), bot_cost(rows),
                                          messages_of(rows), None, **common))
        breakdowns[key] = table
    return Measured(overall, breakdowns)


def _attempt_arrival(contacts: pd.DataFrame) -> np.ndarray:
    """Per leg: when its contact arrived (a continuation belongs to the window
    of the leg it continues)."""
    arrival = contacts["arrival_t"].to_numpy(dtype=float)
    if "parent_id" not in contacts or not len(contacts):
        return arrival
    ids = contacts["contact_id"].to_numpy()
    if not np.array_equal(ids, np.arange(ids.size)):  # several logs: each leg by its own arrival
        return arrival
    parent = contacts["parent_id"].to_numpy(dtype=float, na_value=np.nan)
    has = ~np.isnan(parent)
    top = np.where(has, parent, np.arange(ids.size)).astype(np.int64)
    for _ in range(8):  # continuations of continuations
        up = contacts["parent_id"].to_numpy(dtype=float, na_value=np.nan)[top]
        more = ~np.isnan(up)
        if not more.any():
            break
        top = np.where(more, up, top).astype(np.int64)
    return arrival[top]


def measured_window(contacts: pd.DataFrame, messages: pd.DataFrame, warmup_s: float, *,
                    consume: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts that arrived after the warm-up (the warm-up days before time
    0 and ``warmup_s`` after it), and their messages (messages outside any
    contact, such as campaign sends, by their own time).

    ``consume``: the tables given are not wanted afterwards: a table that
    is cut down is copied a column at a time, each column of the table given
    let go of (deleted from it) once copied, so a long run does not hold two
    whole tables at once."""
    arrival = _attempt_arrival(contacts)
    warmup_s = max(warmup_s, 0.0)
    keep = arrival >= warmup_s
    if keep.all():
        return contacts, messages
    c = _rows_kept(contacts, keep)
    if not len(messages):  # (a voice-only run) no message to match
        return c, messages
    mine = _one_log_messages(contacts, messages, keep)
    if mine is None:  # several replications or strategies: match on all three keys
        keys = ["replication", "strategy", "contact_id"]
        ids = pd.MultiIndex.from_frame(c[keys].astype({"strategy": str}))
        mine = pd.MultiIndex.from_frame(messages[keys].astype({"strategy": str})).isin(ids)
    loose = (messages["contact_id"].to_numpy() < 0) & (messages["t"].to_numpy(dtype=float) >= warmup_s)
    mine |= loose
    del loose
    return c, _rows_kept(messages, mine, consume)


def _rows_kept(frame: pd.DataFrame, keep: np.ndarray, consume: bool = False) -> pd.DataFrame:
    """``frame[keep]``; when the rows kept are one run at the end (the warm-up's
    contacts first, as one replication's log has them) a slice of the
    table, which copies nothing. ``consume``: each column is deleted from
    ``frame`` once copied."""
    first = int(np.argmax(keep)) if keep.any() else len(keep)
    if keep[first:].all():
        return frame.iloc[first:]
    if not consume or not frame.columns.is_unique:
        return frame[keep]
    index, kept = frame.index[keep], {}
    for name in list(frame.columns):
        kept[name] = frame[name].array[keep]
        del frame[name]
    return pd.DataFrame(kept, index=index, copy=False)


def _single(frame: pd.DataFrame, column: str) -> object:
    """The one value of ``column`` in ``frame`` (None: several, or none)."""
    if column not in frame or not len(frame):
        return None
    values = frame[column].unique()
    return values[0] if len(values) == 1 else None


def _one_log_messages(contacts: pd.DataFrame, messages: pd.DataFrame, keep: np.ndarray) -> np.ndarray | None:
    """Per message, whether its contact is kept, when contacts and messages
    are one replication of one strategy and the contacts are numbered
    0, 1, 2, ... in order (as the engine writes them): a look-up by contact
    id, with no key per row. None otherwise."""
    ids = contacts["contact_id"].to_numpy()
    if not np.array_equal(ids, np.arange(ids.size)) or not len(messages) \
            or not (isinstance(messages["contact_id"].dtype, np.dtype) and messages["contact_id"].dtype.kind in "iu"):
        return None
    for column in ("replication", "strategy"):
        one = _single(contacts, column)
        if one is None or str(one) != str(_single(messages, column)):
            return None
    contact = messages["contact_id"].to_numpy(dtype=np.int64)
    inside = (contact >= 0) & (contact < ids.size)
    mine = np.zeros(contact.size, dtype=bool)
    mine[inside] = keep[contact[inside]]
    return mine



def kpis_by_group(contacts: pd.DataFrame, messages: pd.DataFrame | None, group: np.ndarray, groups: int,
                  keys: tuple[str, ...] | list[str], *, targets: dict[str, float],
                  fcr_window_s: float = 7 * 86_400.0) -> dict[str, np.ndarray]:
    """Contact KPIs (``keys``, measured without costs or labor) for each group
    ``0..groups-1`` of the legs of ``contacts`` (e.g. the hour each arrived),
    counted by leg, with the same functions as :func:`kpis`. nan where a KPI
    has nothing to measure."""
    m = messages if messages is not None else pd.DataFrame({"t": [], "contact_id": [], "sender": [], "channel": []})
    log = LogArrays(contacts, m, targets=targets, fcr_window_s=fcr_window_s)
    g = np.asarray(group, dtype=np.int64)
    measure = {k.key: k.measure for k in KPIS if k.key in keys}
    out = {key: np.full(groups, np.nan) for key in keys}
    no_messages = np.zeros(len(m), bool)
    for index in np.unique(g):
        if not 0 <= index < groups:
            continue
        sample = Sample(log, g == index, True, None, None, None, no_messages)
        for key, fn in measure.items():
            value = fn(sample)
            out[key][index] = np.nan if value is None else value
    return out
