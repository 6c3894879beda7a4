"""KPI addresses and goals checked against a scenario before anything is
simulated: a breakdown member the scenario has (``pool.digital.occupancy``
needs a pool ``digital``) and a goal value its KPI can take
(``service_level >= 2`` can never hold, ``asa_s <= -5`` neither).

Used wherever a study is given a KPI or a goal: ``sweep --kpi``, ``staff
--target`` and the decision's requirements, ``optimize`` constraints and
objectives, ``plan.require``."""

from __future__ import annotations

import math

from chansim.kpis.address import Address
from chansim.kpis.goals import Target
from chansim.kpis.table import kind_of
from chansim.scenario.models import Scenario

__all__ = ["members", "member_problem", "value_problem", "goal_problem"]

#: The values a KPI of each kind can take (low, high); a goal outside them is a mistake.
_RANGES = {"share": (0.0, 1.0), "score": (1.0, 5.0), "count": (0.0, math.inf), "money": (0.0, math.inf),
           "seconds": (0.0, math.inf), "hours": (0.0, math.inf)}


def members(scenario: Scenario, breakdown: str) -> list[str]:
    """The members of a breakdown the scenario has: its channels, pools, segments, intents or markets."""
    if breakdown == "channel":
        return list(scenario.channels)
    if breakdown == "pool":
        return [p.name for p in scenario.agents.pools]
    if breakdown == "segment":
        return [s.name for s in scenario.demand.segments]
    if breakdown == "intent":
        return [i.name for i in scenario.demand.intents]
    if breakdown == "market":
        return list(dict.fromkeys(str(getattr(s, "market", None) or scenario.market) for s in scenario.demand.segments))
    return []


def member_problem(address: Address, scenario: Scenario) -> str | None:
    """Why ``address`` names nothing in ``scenario`` (None: it names a member it has, or no member)."""
    if address.breakdown is None:
        return None
    have = members(scenario, address.breakdown)
    if address.member in have:
        return None
    return (f"{address}: the scenario has no {address.breakdown} named {address.member!r} "
            f"(have: {', '.join(have) or 'none'})")


def value_problem(target: Target) -> str | None:
    """Why the value of ``target`` is one its KPI can never take (None: it can)."""
    kind = kind_of(target.address.kpi)
    if kind not in _RANGES:
        return None
    low, high = _RANGES[kind]
    if low <= target.value <= high:
        return None
    if kind == "share":
        hint = " (80 % is written 0.8 or 80%)" if 1.0 < target.value <= 100.0 else ""
        return f"{target.address.kpi} is a share between 0 and 1; {target.value:g} is outside it{hint}"
    if kind == "score":
        return f"{target.address.kpi} is a score between 1 and 5; {target.value:g} is outside it"
    return f"{target.address.kpi} is never negative; {target.value:g} is outside its range"


def goal_problem(target: Target, scenario: Scenario) -> str | None:
    """Why ``target`` cannot be a goal in ``scenario`` (None: it can)."""
    problem = member_problem(target.address, scenario)
    if problem is not None:
        return problem
    problem = value_problem(target)
    return None if problem is None else f"{target}: {problem}"
