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


import numpy as np
import pandas as pd

from chansim.kpis.sample import LogArrays, Sample
from chansim.kpis.table import KPIS
from chansim.kpis.tally import POOL_FIGURES, Measured, Tally
from chansim.kpis.totals import totals_of

__all__ = ["kpis", "Measured", "measured_window", "per_row", "POOL_FIGURES"]


def per_row(column: pd.Series, mapping: dict[str, float]) -> np.ndarray:
    """``mapping[value]`` for each row of a (categorical) column; nan where absent."""
    cat = column.astype("category") if not isinstance(column.dtype, pd.CategoricalDtype) else column
    lookup = np.array([mapping.get(str(name), np.nan) for name in cat.cat.categories] + [np.nan], dtype=float)
    return lookup[cat.cat.codes.to_numpy()]  # code -1 (missing) picks the trailing nan


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
    """KPIs of one replication of one strategy, its log measured at once (a
    :class:`~chansim.kpis.tally.Tally` of one chunk).

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
    tally = Tally(targets=targets, fcr_window_s=fcr_window_s, markets=markets,
                  bot_cost_per_session=bot_cost_per_session, hours_per_fte=hours_per_fte, period_h=period_h)
    tally.add(contacts, messages, survey=survey, bot_costs=bot_costs)
    return tally.finish(labor, channel_costs, labor_fixed=labor_fixed, bot_units=bot_units)


def _increasing(ids: np.ndarray) -> bool:
    """Contact ids in strictly increasing order: one log (or a chunk of one), as the engine writes it."""
    return bool(ids.size < 2 or (ids[1:] > ids[:-1]).all())


def _rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The row of each wanted contact id in increasing ``ids`` (-1: not there)."""
    at = np.searchsorted(ids, wanted)
    np.minimum(at, max(ids.size - 1, 0), out=at)
    found = (ids[at] == wanted) if ids.size else np.zeros(wanted.size, bool)
    return np.where(found, at, -1)


def _attempt_arrival(contacts: pd.DataFrame) -> np.ndarray:
    """Per leg: when its contact arrived (a continuation belongs to the window
    of the leg it continues)."""
    arrival = contacts["arrival_t"].to_numpy(dtype=float)
    if "parent_id" not in contacts or not len(contacts):
        return arrival
    ids = contacts["contact_id"].to_numpy()
    if not _increasing(ids):  # several logs: each leg by its own arrival
        return arrival
    parent = contacts["parent_id"].to_numpy(dtype=float, na_value=np.nan)
    up = np.full(ids.size, -1, dtype=np.int64)
    has = ~np.isnan(parent)
    up[has] = _rows_of(ids, parent[has].astype(np.int64))
    top = np.arange(ids.size)
    for _ in range(64):  # continuations of continuations
        more = up[top] >= 0
        if not more.any():
            break
        top = np.where(more, up[top], top)
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
    are one replication of one strategy (or a chunk of one) and the contacts
    are in increasing id order (as the engine writes them): a look-up by
    contact id, with no key per row. None otherwise."""
    ids = contacts["contact_id"].to_numpy()
    if not _increasing(ids) or not len(messages) \
            or not (isinstance(messages["contact_id"].dtype, np.dtype) and messages["contact_id"].dtype.kind in "iu"):
        return None
    for column in ("replication", "strategy"):
        one = _single(contacts, column)
        if one is None or str(one) != str(_single(messages, column)):
            return None
    contact = messages["contact_id"].to_numpy(dtype=np.int64)
    mine = np.zeros(contact.size, dtype=bool)
    if np.array_equal(ids, np.arange(ids.size)):  # (the whole log: ids are rows)
        inside = (contact >= 0) & (contact < ids.size)
        mine[inside] = keep[contact[inside]]
        return mine
    row = _rows_of(ids.astype(np.int64), contact)
    found = row >= 0
    mine[found] = keep[row[found]]
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
        totals = totals_of(Sample(log, g == index, True, no_messages))
        for key, fn in measure.items():
            value = fn(totals)
            out[key][index] = np.nan if value is None else value
    return out
