"""Before simulating: can a strategy's AI agent, agent assist and marketing
max price be priced, and is Apple Messages for Business served by people?

Every problem names the field of the scenario file it is about:

* ``bot.vendor_card`` / ``bot.assist_card``: a card that does not exist, is
  in force on no simulated day, or is sold in the wrong unit;
* ``bot.actions`` (a per_action card needs it), ``bot.tokens_per_turn`` (a
  per_token card), ``bot.seats`` (an assist card needs seats; seats need an
  assist card), ``bot.rates.<unit>`` (a rate the vendor does not publish and
  you did not give, or a rate no card of the bot reads),
  ``bot.handoff_is_outcome`` (read by per_outcome cards only);
* ``campaigns[].max_price`` / ``delivery_curve``: WhatsApp marketing only,
  from 2026-10-01, and never a max price without a delivery curve (the cost
  and the response of a campaign move together);
* Apple Messages for Business: Apple allows no bot-only service, so a live
  agent must be on shift in a pool serving it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from chansim.billing.ai_agent import ai_pricing
from chansim.errors import InputError, Problem

__all__ = ["strategy_problems", "MAX_PRICE_FROM"]

#: WhatsApp marketing max price: open beta from this date (Meta developer docs).
MAX_PRICE_FROM = dt.date(2026, 10, 1)


def _catch(problems: list[Problem], fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        problems += exc.problems
        return None


def _bot_problems(resolved, path: str, days: list[dt.date]) -> list[Problem]:
    bot = resolved.strategies[0].bot if path.startswith("strategies") else resolved.bot
    problems: list[Problem] = []
    if bot is None:
        return problems
    ai = ai_pricing(resolved, path)
    read: set[str] = set()
    if bot.vendor_card is not None:
        if not bot.channels:
            problems.append(Problem(f"{path}.vendor_card", "the bot answers no channel, so no session is billed; "
                                                           "agent assist is bought with assist_card and seats"))
        cards = (_catch(problems, ai.card, d) for d in days) if bot.channels else ()
        for card in {c.id: c for c in cards if c is not None}.values():
            read.add(card.unit)
            if card.unit == "per_seat":
                problems.append(Problem(f"{path}.vendor_card", f"card {card.id} is a seat price (agent assist): "
                                                               "name it in assist_card, with seats"))
            if card.unit == "per_action" and bot.actions is None:
                problems.append(Problem(f"{path}.actions", f"card {card.id} bills per action: give actions, the "
                                                           "distribution of actions per conversation"))
            if card.unit == "per_token" and bot.tokens_per_turn is None:
                problems.append(Problem(f"{path}.tokens_per_turn", f"card {card.id} bills per token: give "
                                                                   "tokens_per_turn"))
            if bot.handoff_is_outcome is not None and card.unit != "per_outcome":
                problems.append(Problem(f"{path}.handoff_is_outcome", f"card {card.id} is sold {card.unit}; only a "
                                                                      "per_outcome card counts handoffs"))
            _catch(problems, card.rate, dict(bot.rates), path=f"{path}.rates")
            _catch(problems, ai.factor, card)
    if bot.assist_card is not None:
        if bot.seats is None:
            problems.append(Problem(f"{path}.seats", f"a seat price (assist_card {bot.assist_card}) needs seats"))
        for card in {c.id: c for c in (_catch(problems, ai.card, d, bot.assist_card, "assist_card")
                                       for d in days) if c is not None}.values():
            read.add(card.unit)
            if card.unit != "per_seat":
                problems.append(Problem(f"{path}.assist_card", f"card {card.id} is sold {card.unit}, not per seat: "
                                                               "name it in vendor_card"))
            _catch(problems, card.rate, dict(bot.rates), path=f"{path}.rates")
            _catch(problems, ai.factor, card)
    elif bot.seats is not None:
        problems.append(Problem(f"{path}.seats", "seats without assist_card: no card prices them"))
    for name in sorted(set(bot.rates) - read):
        problems.append(Problem(f"{path}.rates.{name}", f"no card of this bot reads a {name} rate "
                                                        f"(its cards read: {', '.join(sorted(read)) or 'none'})"))
    return problems


def _campaign_problems(strategy, i: int, days: list[dt.date]) -> list[Problem]:
    problems = []
    for j, c in enumerate(strategy.campaigns):
        where = f"strategies[{i}].campaigns[{j}]"
        if c.max_price is None:
            if c.delivery_curve is not None:
                problems.append(Problem(f"{where}.delivery_curve", "a delivery curve without max_price: nothing reads it"))
            continue
        if c.channel != "whatsapp" or c.category != "marketing":
            problems.append(Problem(f"{where}.max_price", "a max price applies to WhatsApp marketing messages only"))
        if min(days) < MAX_PRICE_FROM:
            problems.append(Problem(f"{where}.max_price", f"WhatsApp's marketing max price exists from "
                                                          f"{MAX_PRICE_FROM} (open beta); the run starts {min(days)}"))
        if not c.delivery_curve:
            problems.append(Problem(f"{where}.max_price", "a max price needs delivery_curve: [[max price, share "
                                                          "delivered], ...], your own measurements (fewer messages "
                                                          "are delivered when the cap is low)"))
            continue
        prices = np.array([p for p, _ in c.delivery_curve], dtype=float)
        shares = np.array([s for _, s in c.delivery_curve], dtype=float)
        if not (np.all(np.isfinite(prices)) and np.all(prices >= 0) and np.all(np.diff(prices) > 0)):
            problems.append(Problem(f"{where}.delivery_curve", "max prices must be ≥ 0 and rising from point to point"))
        if not (np.all(shares >= 0) and np.all(shares <= 1)):
            problems.append(Problem(f"{where}.delivery_curve", "shares delivered must be from 0 to 1"))
    return problems


def _staffed(pool) -> bool:
    if pool.headcount is not None:
        return pool.headcount > 0
    if pool.schedule is not None:
        values = pool.schedule.values() if isinstance(pool.schedule, dict) else [pool.schedule]
        return any(v > 0 for day in values for v in day)
    return any(s.agents > 0 for s in pool.shifts or ())


def _apple_problems(resolved, i: int, uses: set[str], bot_path: str) -> list[Problem]:
    if "apple_messages" not in uses:
        return []
    if any("apple_messages" in p.channels and _staffed(p) for p in resolved.agents.pools):
        return []
    strategy = resolved.strategies[0]
    path = (f"strategies[{i}].offer[{strategy.offer.index('apple_messages')}]" if "apple_messages" in strategy.offer
            else f"strategies[{i}]")
    bot = resolved.strategies[0].bot if bot_path.startswith("strategies") else resolved.bot
    if bot is not None and "apple_messages" in bot.channels:
        path = f"{bot_path}.channels[{bot.channels.index('apple_messages')}]"
    return [Problem(path, "Apple Messages for Business allows no bot-only service: a live agent must be available "
                          "(Apple's policies); staff a pool serving apple_messages")]


def strategy_problems(scenario, i: int, resolved, uses: set[str], days: list[dt.date]) -> list[Problem]:
    """What stops strategy ``i`` (``resolved``: the scenario under it; ``uses``:
    the channels it may use) from having its AI agent priced or its
    Apple Messages served, with the field paths of the scenario file."""
    strategy = scenario.strategies[i]
    path = f"strategies[{i}].bot" if strategy.bot is not None else "bot"
    problems = _bot_problems(resolved, "strategies[0].bot" if strategy.bot is not None else "bot", days)
    problems = [Problem(p.path.replace("strategies[0].bot", path, 1), p.message, p.line) for p in problems]
    problems += _campaign_problems(strategy, i, days)
    problems += _apple_problems(resolved, i, uses, path)
    return problems
