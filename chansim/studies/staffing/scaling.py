"""Candidate rosters of a staffing search, as pool keys and as overrides.

A roster found by a search is given as the pool keys it sets:
``{"headcount": 12}``, ``{"schedule": ..., "interval_minutes": 30}`` or
``{"shifts": {name: agents}}``. :func:`scaled_roster` scales a pool's own
roster to a level (its busiest interval or largest shift); :func:`roster_overrides`
turns a roster into ``--set``-style overrides of the scenario.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from chansim.scenario.models import Pool
from chansim.scenario.rosters import ROSTER_KEYS

__all__ = ["scaled_roster", "roster_overrides", "peak_of", "describe", "shape_of"]


def shape_of(spec: Pool) -> tuple[str, Any]:
    if spec.shifts is not None:
        return "shifts", [s.agents for s in spec.shifts]
    if spec.schedule is not None:
        return "schedule", spec.schedule
    return "headcount", spec.headcount


def _scale(values: Sequence[int], level: int, peak: int) -> list[int]:
    return [0 if v <= 0 else max(1, int(math.floor(v * level / peak + 0.5))) for v in values]


def scaled_roster(spec: Pool, level: int) -> dict[str, Any]:
    """``spec``'s roster scaled so its busiest interval (or largest shift) has
    ``level`` agents, as pool keys: ``{"headcount": 12}``, ``{"schedule":
    ...}`` (same form and interval) or ``{"shifts": {name: agents}}``."""
    kind, shape = shape_of(spec)
    if kind == "headcount":
        return {"headcount": int(level)}
    if kind == "shifts":
        peak = max(shape)
        counts = _scale(shape, level, peak) if peak > 0 else [int(level)] * len(shape)
        return {"shifts": {s.name: c for s, c in zip(spec.shifts, counts)}}
    lists = shape.values() if isinstance(shape, Mapping) else [shape]
    peak = max(max(v) for v in lists)
    if peak <= 0:
        return {"headcount": int(level)}
    if isinstance(shape, Mapping):
        schedule: Any = {k: _scale(v, level, peak) for k, v in shape.items()}
    else:
        schedule = _scale(shape, level, peak)
    return {"schedule": schedule, "interval_minutes": spec.interval_minutes}


def roster_overrides(spec: Pool, roster: Mapping[str, Any]) -> dict[str, Any]:
    """``--set``-style overrides putting ``roster`` on ``spec``'s pool (and
    clearing its other roster keys)."""
    out: dict[str, Any] = {f"agents.pools.{spec.name}.{k}": None for k in ROSTER_KEYS}
    for key, value in roster.items():
        if key == "shifts":
            value = [dict(s.model_dump(mode="json"), agents=int(value[s.name])) for s in spec.shifts]
        out[f"agents.pools.{spec.name}.{key}"] = value
    return out



def peak_of(roster: Mapping[str, Any]) -> int:
    if "shifts" in roster:
        return max(roster["shifts"].values())
    schedule = roster["schedule"]
    lists = schedule.values() if isinstance(schedule, Mapping) else [schedule]
    return max(max(v) for v in lists)



def describe(state: Mapping[str, Mapping[str, Any]]) -> str:
    parts = []
    for pool, roster in state.items():
        if "headcount" in roster:
            parts.append(f"{pool}={roster['headcount']}")
        elif "shifts" in roster:
            parts.append(f"{pool}: " + ", ".join(f"{k}={v}" for k, v in roster["shifts"].items()))
        else:
            schedule = roster["schedule"]
            lists = schedule.values() if isinstance(schedule, Mapping) else [schedule]
            parts.append(f"{pool}: schedule peaking at {max(max(v) for v in lists)}")
    return "; ".join(parts)
