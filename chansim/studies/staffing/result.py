"""What a staffing study returns: per pool, the roster found, its FTE,
labor cost and staffed hours, the targets achieved with their CIs, its
verdict and its confirmation on fresh seeds, and how efficiently it covers
what is required (agent-hours required and scheduled, over-coverage,
occupancy); and the totals over the pools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chansim.kpis.goals import CONVENTION, Target

__all__ = ["PoolStaffing", "StaffingResult"]


@dataclass(frozen=True)
class PoolStaffing:
    """What one pool needs, what it costs, and its KPIs at that staffing."""

    name: str
    channels: tuple[str, ...]
    roster: dict[str, Any]
    kpis: dict[str, float | None]
    ci95: dict[str, float | None]
    labor: dict[str, float | None]
    targets: dict[str, dict[str, Any]]
    meets_targets: bool
    by_interval: dict[str, Any] | None = None
    requirement: dict[str, list[int]] | None = None
    plan: dict[str, Any] | None = None
    #: ``yes``/``no``/``undecided``, whole run and intervals counted by verdict (:mod:`~chansim.studies.staffing.judging`)
    verdict: dict[str, Any] | None = None
    #: the same on fresh seeds, with the targets' means and CIs there
    confirmation: dict[str, Any] | None = None
    #: agent-hours required and scheduled, over-coverage, occupancy, FTE, labor cost
    #: (:mod:`~chansim.studies.staffing.efficiency`)
    efficiency: dict[str, Any] | None = None

    @property
    def headcount(self) -> int | None:
        return self.roster.get("headcount")

    @property
    def schedule(self) -> Any:
        return self.roster.get("schedule")

    @property
    def shifts(self) -> dict[str, int] | None:
        return self.roster.get("shifts")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.roster)
        out.update(channels=list(self.channels), fte=self.labor.get("fte"), cost_labor=self.labor.get("cost_labor"),
                   staffed_hours=self.labor.get("staffed_hours"), paid_hours=self.labor.get("paid_hours"),
                   targets=self.targets, meets_targets=self.meets_targets, kpis=self.kpis, ci95=self.ci95)
        for key in ("by_interval", "requirement", "plan", "verdict", "confirmation", "efficiency"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass
class StaffingResult:
    """What :func:`find_staffing` returns."""

    pools: dict[str, PoolStaffing]
    evaluations: int
    targets: list[Target]
    strategy: str
    replications: int
    seed: int
    mode: str
    interval_minutes: int | None = None
    rounds: int = 1
    convention: str = CONVENTION
    #: replications of the final staffing (added until every interval is decided, at most ``max_replications``)
    judged_replications: int | None = None
    max_replications: int | None = None
    rule: str | None = None

    @property
    def totals(self) -> dict[str, float | None]:
        """Agent-hours required and scheduled, over-coverage, FTE and labor
        cost summed over the pools; occupancy weighted by staffed hours."""
        effs = [p.efficiency for p in self.pools.values() if p.efficiency]
        if not effs:
            return {}
        required = sum(e["required_hours"] for e in effs)
        scheduled = sum(e["scheduled_hours"] for e in effs)

        def total(key: str) -> float | None:
            values = [e.get(key) for e in effs]
            return None if any(v is None for v in values) else float(sum(values))

        weights = [(p.efficiency.get("occupancy"), p.labor.get("staffed_hours")) for p in self.pools.values()
                   if p.efficiency]
        occupancy = None
        if all(o is not None and h for o, h in weights):
            occupancy = sum(o * h for o, h in weights) / sum(h for _, h in weights)
        return {"required_hours": required, "scheduled_hours": scheduled,
                "over_coverage": scheduled / required - 1.0 if required > 0 else None,
                "occupancy": occupancy, "fte": total("fte"), "cost_labor": total("cost_labor")}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``chansim staff --format json``."""
        out = {
            "pools": {name: p.to_dict() for name, p in self.pools.items()},
            "mode": self.mode,
            "evaluations": self.evaluations,
            "convention": self.convention,
            "targets": [str(t) for t in self.targets],
            "strategy": self.strategy,
            "replications": self.replications,
            "seed": self.seed,
            "rounds": self.rounds,
        }
        if self.totals:
            out["totals"] = self.totals
        for key in ("judged_replications", "max_replications", "rule"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.interval_minutes is not None:
            out["interval_minutes"] = self.interval_minutes
        return out
