"""What a staffing study returns: per pool, the roster found, its FTE,
labor cost and staffed hours, and the targets achieved with their CIs."""

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
        for key in ("by_interval", "requirement", "plan"):
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
        if self.interval_minutes is not None:
            out["interval_minutes"] = self.interval_minutes
        return out
