"""Before simulating: can every channel a strategy may use be priced in each
segment's market on each simulated day, and the strategy's AI agent, agent
assist and marketing max price (:mod:`chansim.billing.ai_checks`)?"""

from __future__ import annotations

import datetime as dt

import numpy as np

from chansim.billing.ai_cards import ai_book
from chansim.billing.ai_agent import channels_of as _channels_of
from chansim.billing.ai_checks import strategy_problems
from chansim.billing.pricer import Pricer
from chansim.errors import InputError, Problem

__all__ = ["check_scenario"]


def check_scenario(scenario, *, lines: dict | None = None, source: str | None = None) -> None:
    """Fail early if any channel a strategy can use cannot be priced in each
    segment's market on each simulated day (no card in force, a retired
    channel, a missing exchange rate), or if the scenario's own card file is
    malformed. A problem shared by only some strategies names them; a
    segment's own market is named by its path, and by its line when the
    file's ``lines`` (from :func:`chansim.scenario.loader.read_yaml`) are given."""
    from chansim.scenario.paths import line_of

    found: dict[tuple[str, str], list[str]] = {}
    if scenario.pricing.rate_card is not None:  # its AI cards too, used or not
        ai_book(scenario.pricing.rate_card)
    for name in scenario.strategy_names:
        resolved = scenario.for_strategy(name)
        chosen, extra = _channels_of(resolved.strategies[0], resolved)
        try:
            pricer = Pricer.for_scenario(resolved)
        except InputError as exc:  # the scenario's own card file is malformed: its own file and lines
            raise exc if exc.source else InputError(exc.problems, source=source) from None
        days = [pricer.start + dt.timedelta(days=k) for k in range(int(np.ceil(resolved.days - 1e-9)) + 1)]
        problems: list[Problem] = strategy_problems(scenario, scenario.strategy_names.index(name), resolved,
                                                    chosen | extra, days)
        for index, segment in enumerate(resolved.demand.segments):
            market = segment.market or resolved.market
            uses = (set(segment.preference) & chosen) | extra
            try:
                pricer.check(uses, days=days, markets=[market])
            except InputError as exc:
                path = f"demand.segments[{index}].market" if segment.market else "market"
                problems += [Problem(path if p.path == "market" or (segment.market and p.path == "pricing.date") else p.path,
                                     f"segment {segment.name!r} ({market}): {p.message}" if segment.market else p.message)
                             for p in exc.problems]
        for p in dict.fromkeys(problems):
            found.setdefault((p.path, p.message), []).append(name)
    if found:
        every = len(scenario.strategy_names)
        raise InputError([
            Problem(path if len(names) == every else f"{path} (strategies: {', '.join(names)})", message,
                    line_of(lines, path) if lines else None)
            for (path, message), names in found.items()
        ], source=source)
