"""A scenario's AI agent and agent assist, priced: the cost lines of the
AI card its bot names (``bot.vendor_card``, ``bot.assist_card``), and the
fixed monthly costs of its channels (``pricing.fees.<channel>.per_month``).

A scenario whose bot names no card costs nothing here and does no work per
row: its bot is priced by ``cost_per_session`` as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.ai_cards import ai_book
from chansim.billing.costlines import COST_LINE_COLUMNS, cost_lines
from chansim.billing.exact import scaled_by_group, to_float
from chansim.billing.fixed import fixed_cost_lines
from chansim.billing.rules.ai import AIPricing, price_sessions, seat_lines

__all__ = ["bot_of", "channels_of", "ai_pricing", "ai_cost_lines", "ai_session_lines", "combine_session_lines",
           "ai_period_lines", "merge_ai_lines", "bot_costs_by_contact", "fixed_costs", "UNIT_KPIS", "SEAT_UNIT",
           "SEAT_KPI", "SESSION_LINE_KEYS", "SCALED"]

#: The breakdown of ``cost_bot`` by billing unit: unit label → its key.
UNIT_KPIS = {"session": "cost_bot_per_session", "conversation": "cost_bot_per_conversation",
             "outcome": "cost_bot_per_outcome", "resolution": "cost_bot_per_resolution",
             "action": "cost_bot_per_action", "token": "cost_bot_per_token", "minute": "cost_bot_per_minute",
             "call": "cost_bot_per_call"}

#: The unit of agent-assist seat lines (a seat for a day) and the key of their
#: cost: agent assist is a tool of the team, so its seats are part of
#: ``cost_labor`` (overall, in no pool's row), not of ``cost_bot``.
SEAT_UNIT = "seat-day"
SEAT_KPI = "cost_labor_assist_seats"


def bot_of(resolved) -> tuple[object | None, str]:
    """The bot of a scenario resolved for one strategy, even one that answers
    no channel (agent assist only), and its path in the scenario file."""
    own = resolved.strategies[0].bot if len(resolved.strategies) == 1 else None
    if own is not None:
        return own, "strategies[0].bot"
    return resolved.bot, "bot"


def ai_pricing(resolved, path: str | None = None) -> AIPricing | None:
    """What prices the bot's AI cards; None when it names none."""
    bot, where = bot_of(resolved)
    if bot is None or (getattr(bot, "vendor_card", None) is None and getattr(bot, "assist_card", None) is None):
        return None
    p = resolved.pricing
    return AIPricing(
        book=ai_book(p.rate_card), start=p.date or resolved.start_date, as_of=p.date,
        vendor_card=bot.vendor_card if bot.channels else None, assist_card=bot.assist_card, seats=bot.seats,
        rates=dict(bot.rates), handoff_is_outcome=bot.handoff_is_outcome, actions=bot.actions,
        tokens_per_turn=bot.tokens_per_turn, currency=resolved.currency, exchange_rates=dict(p.exchange_rates),
        seed=resolved.seed, path=path or where)


def channels_of(strategy, resolved) -> tuple[set[str], set[str]]:
    """(channels customers choose among, channels every customer may get:
    campaigns, IVR links, fallbacks and escalations)."""
    chosen = set(strategy.offer)
    extra = {c.channel for c in strategy.campaigns}
    if strategy.ivr_deflection is not None:
        extra |= {strategy.ivr_deflection.to, strategy.ivr_deflection.link_channel}
    for channel in list(chosen | extra):
        spec = resolved.channels.get(channel)
        if spec is not None and spec.fallback:
            extra.add(spec.fallback)
        if spec is not None and spec.escalate_to_voice is not None:
            extra.add("voice")
    return chosen, extra


def _window(resolved) -> tuple[float, float]:
    return max(resolved.warmup_s, 0.0), resolved.horizon_s


def ai_cost_lines(resolved, contacts: pd.DataFrame, messages: pd.DataFrame | None, *,
                  replication: int | None = None) -> pd.DataFrame | None:
    """The cost lines of the AI agent's sessions in ``contacts`` (the
    measured window) and of agent-assist seats over the measured period;
    None when the bot names no AI card. Each line's ``units`` and ``cost``
    are exact sums (correctly rounded), so the same log measured a set of
    customers at a time gives the very same lines: :func:`merge_ai_lines` of
    :func:`ai_session_lines` of each set and :func:`ai_period_lines`."""
    if ai_pricing(resolved) is None:
        return None
    return merge_ai_lines([ai_session_lines(resolved, contacts, messages)],
                          ai_period_lines(resolved, replication=replication))


#: The keys of an AI cost line (a session line, a seat line), in the order lines are sorted.
SESSION_LINE_KEYS = ("replication", "strategy", "segment", "channel", "rule", "card", "unit")
_LABELS = ("strategy", "segment", "channel", "rule", "card", "unit")
#: The exact sums of a line of sessions: ``units`` and ``cost`` as Python
#: integers in units of ``2**-SCALE`` (:mod:`chansim.billing.exact`).
SCALED = ("units_scaled", "cost_scaled")


def ai_session_lines(resolved, contacts: pd.DataFrame, messages: pd.DataFrame | None) -> pd.DataFrame | None:
    """The AI agent's sessions in ``contacts`` (and their ``messages``: a
    set of customers, all their contacts and messages, or the whole log)
    summed exactly into lines: one row per line key present (of
    :data:`SESSION_LINE_KEYS`, labels as text), ``count`` sessions and the exact
    sums :data:`SCALED` of ``units`` and ``cost``. None when the bot names
    no AI card; no rows when it names no vendor card (agent assist only).
    Lines of several sets of customers add up with
    :func:`combine_session_lines`, in any order, to the lines of them all."""
    ai = ai_pricing(resolved)
    if ai is None:
        return None
    if ai.vendor_card is None:
        return _session_frame({}, [], {})
    priced = price_sessions(contacts, messages, ai)
    keys = [k for k in SESSION_LINE_KEYS if k in priced]
    if not len(priced):
        return _session_frame({}, keys, priced.dtypes.to_dict())
    for key in _LABELS:
        if key in priced:
            priced[key] = priced[key].astype(str)
    codes = priced.groupby(keys, sort=False, observed=True, dropna=False).ngroup().to_numpy()
    k = int(codes.max()) + 1
    first = np.unique(codes, return_index=True)[1]
    lines = priced[keys].iloc[first].reset_index(drop=True)
    lines["count"] = np.bincount(codes, minlength=k).astype(np.int64)
    lines[SCALED[0]] = pd.Series(scaled_by_group(codes, k, priced["units"].to_numpy(float)), dtype=object)
    lines[SCALED[1]] = pd.Series(scaled_by_group(codes, k, priced["cost"].to_numpy(float)), dtype=object)
    return lines


def _session_frame(sums: dict[tuple, list[int]], keys: list[str], dtypes) -> pd.DataFrame:
    """Session lines from their exact sums by key tuple (keys in ``keys``
    order; ``replication`` of its type in ``dtypes``, labels text)."""
    out = pd.DataFrame({key: pd.Series([key_of[i] for key_of in sums],
                                       dtype=dtypes.get(key, np.int64) if key == "replication" else object)
                        for i, key in enumerate(keys)})
    for key in _LABELS:
        if key in out:
            out[key] = out[key].astype(str)
    out["count"] = pd.Series([v[0] for v in sums.values()], dtype=np.int64)
    for j, name in enumerate(SCALED, start=1):
        out[name] = pd.Series([v[j] for v in sums.values()], dtype=object)
    return out


def combine_session_lines(parts) -> pd.DataFrame:
    """Session lines (:func:`ai_session_lines`) of several sets of customers
    added into one table of lines, exactly: the same sums, whatever the order
    of the parts and of their lines (lines come out in no particular order;
    :func:`merge_ai_lines` sorts them)."""
    parts = [part for part in parts if part is not None]
    keys = [k for k in SESSION_LINE_KEYS if any(k in part for part in parts)]
    reps = [part["replication"].dtype for part in parts if "replication" in part]
    dtypes = {"replication": np.result_type(*reps)} if reps else {}
    sums: dict[tuple, list[int]] = {}
    for part in parts:
        if not len(part):
            continue
        columns = [part[k].tolist() if k in part else [None] * len(part) for k in keys]
        for key, count, units, cost in zip(zip(*columns), part["count"].tolist(), part[SCALED[0]], part[SCALED[1]]):
            total = sums.setdefault(key, [0, 0, 0])
            total[0] += int(count)
            total[1] += int(units)
            total[2] += int(cost)
    return _session_frame(sums, keys, dtypes)


def ai_period_lines(resolved, *, replication: int | None = None) -> pd.DataFrame | None:
    """The AI lines that depend on the measured period only, not on the
    contacts: agent-assist seats, one priced row per calendar month (empty
    without an assist card); None when the bot names no AI card."""
    ai = ai_pricing(resolved)
    if ai is None:
        return None
    seats = seat_lines(ai, *_window(resolved))
    if len(seats):
        seats.insert(0, "strategy", resolved.strategy_names[0])
        if replication is not None:
            seats.insert(0, "replication", replication)
    return seats


def merge_ai_lines(session_parts, period: pd.DataFrame | None) -> pd.DataFrame:
    """The AI cost lines of a replication from the session lines of each set
    of its customers (:func:`ai_session_lines`, any number, in any order) and
    its period lines (:func:`ai_period_lines`): the lines
    :func:`ai_cost_lines` gives for the whole log, bit for bit."""
    sessions = combine_session_lines(session_parts)
    frames = []
    if len(sessions):
        for name in SCALED:
            sessions[name.removesuffix("_scaled")] = np.array([to_float(v) for v in sessions.pop(name)], dtype=float)
        frames.append(sessions)
    if period is not None and len(period):
        frames.append(_period_frame(period))
    if not frames:
        return cost_lines()
    lines = pd.concat(frames, ignore_index=True)
    present = [k for k in SESSION_LINE_KEYS if k in lines]
    lines = lines.sort_values(present, kind="stable", ignore_index=True)
    return lines[[c for c in COST_LINE_COLUMNS if c in lines]]


def _period_frame(period: pd.DataFrame) -> pd.DataFrame:
    """Period rows as cost lines: each its own line (one per calendar month), ``count`` 1."""
    out = period.copy()
    for key in _LABELS:
        if key in out:
            out[key] = out[key].astype(str)
    out["count"] = np.ones(len(out), dtype=np.int64)
    return out


def bot_costs_by_contact(resolved, contacts: pd.DataFrame, messages: pd.DataFrame | None):
    """Each contact's AI-agent cost (numpy array on the rows of ``contacts``;
    0 for contacts the AI agent did not answer); None without an AI card.
    A contact's cost depends on its customer's contacts and messages only:
    the costs of a set of customers are those rows of the whole log's."""
    ai = ai_pricing(resolved)
    if ai is None or ai.vendor_card is None:
        return None
    priced = price_sessions(contacts, messages, ai)
    out = np.zeros(len(contacts))
    if len(priced):
        rows = np.flatnonzero((contacts["bot_outcome"].astype(str) != "none").to_numpy())
        out[rows] = priced["cost"].to_numpy(float)
    return out


def fixed_costs(resolved, channels=None, *, replication: int | None = None) -> pd.DataFrame | None:
    """The monthly fixed costs of ``channels`` (default: every channel the
    strategy may use, :func:`channels_of`) over the measured period, as cost
    lines; None when no fee has a ``per_month``."""
    fees = resolved.pricing.fees
    if not any(getattr(f, "per_month", 0.0) > 0 for f in fees.values()):
        return None
    if channels is None:
        chosen, extra = channels_of(resolved.strategies[0], resolved)
        channels = chosen | extra
    start = resolved.pricing.date or resolved.start_date
    return cost_lines(fixed_cost_lines(fees, channels, start, *_window(resolved), markup=resolved.pricing.markup,
                                       replication=replication, strategy=resolved.strategy_names[0]))
