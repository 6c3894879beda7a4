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
per_outcome            p if handoffs are  p if handoffs are not
                       outcomes, else 0   outcomes, else 0
per_resolution         0                  p
per_action             p × mean actions   0
per_token              p × tokens/turn ×  0
                       mean turns
=====================  =================  =========================

Two cards cost the same at ``c* = (b₂ − b₁) / (a₁ − a₂)`` (intercepts b,
slopes a): per outcome (resolutions only) at price p_o against per session at
p_s crosses at ``c* = p_s / p_o``; below it the per-outcome vendor is cheaper.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from chansim.billing.ai_agent import UNIT_KPIS
from chansim.billing.ai_cards import AICard

__all__ = ["session_line", "crossover", "cost_bot_by_unit", "per_issue"]


def session_line(card: AICard, *, rates: Mapping[str, float] | None = None, handoff_is_outcome: bool | None = None,
                 mean_actions: float | None = None, tokens_per_turn: float | None = None,
                 mean_turns: float | None = None) -> tuple[float, float]:
    """(intercept, slope): the expected charge of one AI session under
    ``card`` is ``intercept + slope × containment``, in the card's currency."""
    p = card.rate(dict(rates or {}))
    unit = card.unit
    if unit in ("per_session", "per_conversation"):
        return p, 0.0
    if unit == "per_outcome":
        handoff = card.handoff_is_outcome if handoff_is_outcome is None else handoff_is_outcome
        return (p, 0.0) if handoff else (0.0, p)
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
    :data:`chansim.billing.ai_agent.UNIT_KPIS`) from AI cost lines."""
    if lines is None or not len(lines):
        return {}
    sums = lines.groupby(lines["unit"].astype(str), observed=True)["cost"].sum()
    return {UNIT_KPIS.get(unit, f"cost_bot_{unit}"): float(cost) for unit, cost in sums.items()}


def per_issue(cost: float, issues: int) -> float | None:
    """A cost per customer issue (None without issues)."""
    return cost / issues if issues else None
