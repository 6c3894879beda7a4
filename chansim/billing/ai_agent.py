"""A scenario's AI agent and agent assist, priced: the cost lines of the
AI card its bot names (``bot.vendor_card``, ``bot.assist_card``), and the
fixed monthly costs of its channels (``pricing.fees.<channel>.per_month``).

A scenario whose bot names no card costs nothing here and does no work per
row: its bot is priced by ``cost_per_session`` as before.
"""

from __future__ import annotations

import pandas as pd

from chansim.billing.ai_cards import ai_book
from chansim.billing.costlines import cost_lines
from chansim.billing.fixed import fixed_cost_lines
from chansim.billing.rules.ai import AIPricing, price_sessions, seat_lines

__all__ = ["bot_of", "channels_of", "ai_pricing", "ai_cost_lines", "bot_costs_by_contact", "fixed_costs", "UNIT_KPIS",
           "SEAT_UNIT", "SEAT_KPI"]

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
    None when the bot names no AI card."""
    ai = ai_pricing(resolved)
    if ai is None:
        return None
    sessions = price_sessions(contacts, messages, ai) if ai.vendor_card else None
    seats = seat_lines(ai, *_window(resolved))
    if len(seats):
        seats.insert(0, "strategy", resolved.strategy_names[0])
        if replication is not None:
            seats.insert(0, "replication", replication)
    return cost_lines(*[f for f in (sessions, seats) if f is not None])


def bot_costs_by_contact(resolved, contacts: pd.DataFrame, messages: pd.DataFrame | None):
    """Each contact's AI-agent cost (numpy array on the rows of ``contacts``;
    0 for contacts the AI agent did not answer); None without an AI card."""
    import numpy as np

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
