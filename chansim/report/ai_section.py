"""The "AI agents" section of a run report: what each strategy's AI agent
costs, by billing unit, and its agent-assist seats (labor), the containment it reached, and
where a vendor sold by outcome and one sold per session or per action cost
the same (:func:`chansim.kpis.ai_costs.strategy_crossovers`), with which of
them is cheaper at the containment the run modelled.

The section is there only when a strategy's bot names an AI card
(``bot.vendor_card`` or ``bot.assist_card``).
"""

from __future__ import annotations

from typing import Any

from chansim.billing.ai_agent import SEAT_KPI, UNIT_KPIS, ai_pricing, bot_of
from chansim.kpis.ai_costs import strategy_crossovers, strategy_line
from chansim.report.formats import fmt, fmt_ci, number

__all__ = ["ai_section"]

#: The ``cost_bot`` breakdown, in the order of :data:`UNIT_KPIS`: key → what it bills; then the
#: agent-assist seats (part of ``cost_labor``).
UNIT_LABELS = {**{key: unit.replace("-", " ") for unit, key in UNIT_KPIS.items()},
               SEAT_KPI: "agent-assist seats (in cost_labor)"}


def _resolved(result, name: str):
    try:
        return result.scenario.for_strategy(name)
    except Exception:  # noqa: BLE001  a strategy the scenario no longer has
        return None


def _containment(strategy, channels) -> float | None:
    """Contained ÷ contacts on the AI agent's channels (each contact there
    starts with an AI session), pooled over those channels."""
    contained = contacts = 0.0
    for channel in channels:
        kpis = (strategy.by_channel or {}).get(channel) or {}
        c, n = number(kpis.get("contained")), number(kpis.get("contacts"))
        if c is not None and n:
            contained, contacts = contained + c, contacts + n
    return contained / contacts if contacts else None


def _rows(result, currency: str) -> tuple[list[dict[str, Any]], dict[str, float | None]]:
    """One row per strategy whose bot names an AI card, and the modelled
    containment of each AI agent (by strategy name)."""
    rows, containment = [], {}
    for s in result.strategies:
        resolved = _resolved(result, s.name)
        ai = ai_pricing(resolved) if resolved is not None else None
        if ai is None:
            continue
        bot, _ = bot_of(resolved)
        channels = list(bot.channels) if ai.vendor_card is not None else []
        share = _containment(s, channels) if channels else None
        containment[s.name] = share
        issues = number(s.kpis.get("issues"))
        cost = number(s.kpis.get("cost_bot"))
        units = [{"key": key, "unit": label, "value": fmt(s.kpis.get(key), "cost_bot", currency),
                  "ci": fmt_ci(s.ci95.get(key), "cost_bot", s.kpis.get(key))}
                 for key, label in UNIT_LABELS.items() if number(s.kpis.get(key)) is not None]
        rows.append({
            "strategy": s.name, "vendor_card": ai.vendor_card or "", "assist_card": ai.assist_card or "",
            "channels": ", ".join(channels), "cost_bot": fmt(cost, "cost_bot", currency),
            "cost_bot_ci": fmt_ci(s.ci95.get("cost_bot"), "cost_bot", cost), "units": units,
            "per_issue": fmt(cost / issues if cost is not None and issues else None, "cost_per_issue", currency),
            "containment": "—" if share is None else f"{100 * share:.1f} %",
            "containment_rate": fmt(s.kpis.get("containment_rate"), "containment_rate", currency),
        })
    return rows, containment


def _crossover(row: dict[str, Any], result, containment: dict[str, float | None]) -> list[dict[str, Any]]:
    """A crossover of :func:`strategy_crossovers` in words, once per strategy
    priced under the same outcome card and price (each at its own modelled
    containment): where the two cost the same per session, and which vendor
    is cheaper per issue at that containment."""
    a, b, c = row["by_outcome"], row["other"], row["crossover_containment"]
    outcome, other = strategy_line(result.scenario.for_strategy(a)), strategy_line(result.scenario.for_strategy(b))
    vendors = {a: outcome[0].vendor, b: other[0].vendor}
    same = [name for name in containment
            if (found := strategy_line(result.scenario.for_strategy(name))) is not None
            and (found[0].id, found[1]) == (outcome[0].id, outcome[1])]
    out = []
    for name in same or [a]:
        modelled = containment.get(name)
        if c is None:
            cheaper = vendors[row["cheaper_throughout"]]
            reading = f"{cheaper} is cheaper per session, so per issue, at any containment."
        elif modelled is None:
            cheaper = ""
            reading = f"Below {100 * c:.1f} % containment {vendors[a]} is cheaper per session, above it {vendors[b]}."
        else:
            cheaper = vendors[a] if modelled < c else vendors[b]
            reading = (f"At the containment modelled under {name}, {100 * modelled:.1f} %, {cheaper} is cheaper per "
                       f"issue: {vendors[a]} is cheaper below {100 * c:.1f} % containment, {vendors[b]} above it.")
        out.append({"strategy": name, "by_outcome_card": row["by_outcome_card"], "other_card": row["other_card"],
                    "crossover": "none in 0–100 %" if c is None else f"{100 * c:.1f} %",
                    "modelled": "—" if modelled is None else f"{100 * modelled:.1f} %", "cheaper": cheaper,
                    "reading": reading})
    return out


def ai_section(result) -> dict[str, Any] | None:
    """The section's content; None when no strategy's bot names an AI card."""
    currency = result.scenario.currency
    rows, containment = _rows(result, currency)
    if not rows:
        return None
    try:
        found = strategy_crossovers(result.scenario, [r["strategy"] for r in rows])
        crossovers = [line for row in found for line in _crossover(row, result, containment)]
    except Exception:  # noqa: BLE001  a card gone since the run: the costs are still worth showing
        crossovers = []
    return {"rows": rows, "crossovers": crossovers}
