"""What an AI agent costs per session and per issue, by vendor, and the
containment at which one vendor's price turns cheaper than another's.

Under a card, the expected charge of one AI session is linear in the
containment ``c`` (the share of sessions the AI agent resolves):
``intercept + slope × c``:

=====================  =================  =========================
unit                   intercept          slope
=====================  =================  =========================
per_session            p                  0
per_conversation       p (one session a   0
                       conversation)
per_outcome            p × h if handoffs  p × (1 − h) if handoffs
                       are outcomes,      are outcomes, else p
                       else 0
per_resolution         0                  p
per_action             p × mean actions   0
per_token              p × tokens/turn ×  0
                       mean turns
per_minute             p × mean minutes   0
per_call               p                  0
=====================  =================  =========================

(``h``: the share of the sessions not resolved that the AI agent hands over
deliberately, ``bot.handoff_share``; a failed session is no outcome.)

Two cards cost the same at ``c* = (b₂ − b₁) / (a₁ − a₂)`` (intercepts b,
slopes a): per outcome (resolutions only) at price p_o against per session at
p_s crosses at ``c* = p_s / p_o``; below it the per-outcome vendor is cheaper.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from chansim.billing.ai_agent import SEAT_KPI, SEAT_UNIT, UNIT_KPIS
from chansim.billing.ai_cards import AICard

__all__ = ["session_line", "crossover", "cost_bot_by_unit", "per_issue", "strategy_line", "strategy_crossovers"]


def session_line(card: AICard, *, rates: Mapping[str, float] | None = None, handoff_is_outcome: bool | None = None,
                 mean_actions: float | None = None, tokens_per_turn: float | None = None,
                 mean_turns: float | None = None, handoff_share: float = 1.0,
                 mean_minutes: float | None = None) -> tuple[float, float]:
    """(intercept, slope): the expected charge of one AI session under
    ``card`` is ``intercept + slope × containment``, in the card's currency
    (``handoff_share``: of the sessions not resolved, the share handed over
    deliberately, billed as outcomes where handoffs are outcomes)."""
    p = card.rate(dict(rates or {}))
    unit = card.unit
    if unit == "per_minute":
        if mean_minutes is None:
            raise ValueError(f"card {card.id} bills per minute: give mean_minutes")
        return p * mean_minutes, 0.0
    if unit in ("per_session", "per_conversation", "per_call"):
        return p, 0.0
    if unit == "per_outcome":
        handoff = card.handoff_is_outcome if handoff_is_outcome is None else handoff_is_outcome
        return (p * handoff_share, p * (1.0 - handoff_share)) if handoff else (0.0, p)
    if unit == "per_resolution":
        return 0.0, p
    if unit == "per_action":
        if mean_actions is None:
            raise ValueError(f"card {card.id} bills per action: give mean_actions")
        return p * mean_actions, 0.0
    if unit == "per_token":
        if tokens_per_turn is None or mean_turns is None:
            raise ValueError(f"card {card.id} bills per token: give tokens_per_turn and mean_turns")
        return p * tokens_per_turn * mean_turns, 0.0
    raise ValueError(f"card {card.id} is sold {unit}: a seat price, not a charge per session")


def crossover(first: tuple[float, float], second: tuple[float, float]) -> float | None:
    """The containment in [0, 1] at which two (intercept, slope) lines cost
    the same; None when they never cross there (one is cheaper throughout)."""
    (b1, a1), (b2, a2) = first, second
    if a1 == a2:
        return None
    c = (b2 - b1) / (a1 - a2)
    return c if 0.0 <= c <= 1.0 else None


def cost_bot_by_unit(lines: pd.DataFrame) -> dict[str, float]:
    """``cost_bot`` broken down by billing unit (keys of
    :data:`chansim.billing.ai_agent.UNIT_KPIS`) from AI cost lines; the
    agent-assist seats, part of labor, under
    :data:`~chansim.billing.ai_agent.SEAT_KPI`."""
    if lines is None or not len(lines):
        return {}
    sums = lines.groupby(lines["unit"].astype(str), observed=True)["cost"].sum()
    return {SEAT_KPI if unit == SEAT_UNIT else UNIT_KPIS.get(unit, f"cost_bot_{unit}"): float(cost)
            for unit, cost in sums.items()}


def per_issue(cost: float, issues: int) -> float | None:
    """A cost per customer issue (None without issues)."""
    return cost / issues if issues else None


def strategy_line(resolved) -> tuple[object, tuple[float, float]] | None:
    """(card, (intercept, slope)) of the AI agent of a scenario resolved for
    one strategy, under the card in force on its first day, in the scenario
    currency; None when its bot answers under no AI card. Actions and turns
    per session are the means of ``bot.actions`` and ``bot.turns``."""
    from chansim.billing.ai_agent import ai_pricing, bot_of

    ai = ai_pricing(resolved)
    if ai is None or ai.vendor_card is None:
        return None
    bot, _ = bot_of(resolved)
    card = ai.card(ai.as_of or ai.start)
    b, a = session_line(card, rates=ai.rates, handoff_is_outcome=ai.handoff_is_outcome,
                        mean_actions=bot.actions.expected if bot.actions is not None else None,
                        tokens_per_turn=bot.tokens_per_turn, mean_turns=bot.turns.expected,
                        handoff_share=bot.handoff_share,
                        mean_minutes=bot.call_time.expected / 60.0 if bot.call_time is not None else None)
    factor = ai.factor(card)
    return card, (b * factor, a * factor)


def strategy_crossovers(scenario, names=None) -> list[dict]:
    """For each pair of strategies whose AI agents are priced one by outcome
    (a cost that grows with containment) and one not (per session,
    conversation, action or token): the containment at which they cost the
    same per session (None when one is cheaper at every containment), and
    which is cheaper below it. One row per distinct pair of cards and prices."""
    lines = {}
    for name in names or scenario.strategy_names:
        found = strategy_line(scenario.for_strategy(name))
        if found is not None:
            lines[name] = found
    rows, seen = [], set()
    for first, (card1, line1) in lines.items():
        for second, (card2, line2) in lines.items():
            if not (line1[1] > 0 and line2[1] == 0):
                continue
            key = (card1.id, line1, card2.id, line2)
            if key in seen:
                continue
            seen.add(key)
            c = crossover(line1, line2)
            rows.append({"by_outcome": first, "by_outcome_card": card1.id, "other": second, "other_card": card2.id,
                         "crossover_containment": c,
                         "cheaper_below": first if c is not None else None,
                         "cheaper_throughout": None if c is not None else (
                             first if line1[0] + line1[1] / 2 <= line2[0] else second)})
    return rows
