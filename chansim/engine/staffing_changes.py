"""Staffing changes during the run: each pool takes the staffing of its plan
(:func:`chansim.engine.staffing_plan.staffing_plan`) at the start of every
interval; a lower count (a break, a shift end) takes agents off after the
work they hold."""

from __future__ import annotations

from chansim.engine.agents import AgentPool

__all__ = ["StaffingChanges"]


class StaffingChanges:
    """The staffing handlers of :class:`~chansim.engine.simulation.Simulation`."""

    def _start_staffing(self) -> None:
        """Staff every pool for the first interval and schedule the next."""
        for pool, (_, agents) in zip(self.pools, self.plans):
            self._staff(pool, int(agents[0]))
        timed: dict[float, list[int]] = {}  # interval length -> pools whose staffing changes
        for index, (interval, agents) in enumerate(self.plans):
            if agents.size > 1:
                timed.setdefault(interval, []).append(index)
        for interval, pools in timed.items():
            self._at(interval, self._on_interval, (interval, pools, 1))

    def _on_interval(self, event) -> None:
        """Interval ``k`` of a staffing plan starts: its pools take its staffing."""
        interval, pools, k = event._value
        for index in pools:
            agents = self.plans[index][1]
            self._staff(self.pools[index], int(agents[k % agents.size]))
        if self.start + k * interval < self.horizon or self.in_system > 0:
            self._at(interval, self._on_interval, (interval, pools, k + 1))

    def _staff(self, pool: AgentPool, target: int) -> None:
        for agent in pool.set_staffed(target, self.env._now):
            self._dispatch(agent)
