"""The staffing table, binned as the run goes.

A run records every span of agent attention, every change of the slots a
messaging pool holds and every stretch of overtime; a long run's records are
many. :class:`StaffingBins` adds what has been recorded so far into exact sums
per pool per staffing interval and lets the records go (:meth:`StaffingBins.settle`,
at any time: the run settles at each midnight), so what a run holds for its
staffing table grows with its intervals, not with its work.

The sums are exact (:mod:`chansim.engine.exact_bins`) and each record is cut
into its intervals by itself (a slot level runs from one change to the next
whichever settlement it falls in), so the table is the same, bit for bit,
however often and whenever the run settled.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from chansim.engine.exact_bins import ExactCells, span_pieces
from chansim.engine.log import SlotRecorder, SpanRecorder
from chansim.scenario.models import Scenario

if TYPE_CHECKING:
    from chansim.engine.simulation import Simulation

__all__ = ["StaffingBins", "staffing_table"]

_SPANS = 1 << 20  #: spans cut into intervals at a time


class StaffingBins:
    """Busy attention, overtime and slots held per pool per staffing interval,
    summed exactly as the run goes.

    ``intervals``: each pool's staffing interval (s); ``attention``: the run's
    attention spans; ``overtime``: per pool, the list of (start, end) its
    overtime is appended to; ``slots``: per pool, its slot log (None: a pool
    that keeps none). Every interval ends with the run (``horizon_s``);
    nothing before time 0 is counted."""

    def __init__(self, horizon_s: float, intervals: Sequence[float], attention: SpanRecorder,
                 overtime: Sequence[list], slots: Sequence[SlotRecorder | None]):
        if not len(intervals) == len(overtime) == len(slots):
            raise ValueError("one interval, overtime list and slot log per pool")
        self.horizon = float(horizon_s)
        self.intervals = [float(x) for x in intervals]
        #: intervals per pool, and where each pool's cells start
        self.counts = [max(1, math.ceil(self.horizon / x - 1e-9)) for x in self.intervals]
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        cells = int(self.offsets[-1])
        self.busy, self.overtime, self.held = ExactCells(cells), ExactCells(cells), ExactCells(cells)
        self.attention = attention
        self._overtime = list(overtime)
        self._slots = list(slots)
        #: per pool with a slot log: (time, level) of the last change settled (None: none yet)
        self._last: list[tuple[float, int] | None] = [None] * len(self._slots)

    @classmethod
    def of(cls, sim: "Simulation") -> "StaffingBins":
        """The bins of a run (its scenario's horizon, its pools' staffing
        plans, attention, overtime and slot logs). Made before anything of the
        run is settled; it holds no reference to the run itself."""
        return cls(sim.scenario.horizon_s, [interval for interval, _ in sim.plans], sim.attention,
                   [pool.overtime for pool in sim.pools], [pool.slots for pool in sim.pools])

    # ----------------------------------------------------------------- settle
    def settle(self) -> None:
        """Add everything recorded so far into the bins and let the records go."""
        pool, start, end = self.attention.take()
        self._add_spans(self.busy, pool, start, end)
        del pool, start, end
        for p, spans in enumerate(self._overtime):
            if spans:
                bounds = np.array(spans, dtype=float).reshape(-1, 2)
                del spans[:]
                self._add_spans(self.overtime, np.full(bounds.shape[0], p, dtype=np.int16), bounds[:, 0],
                                bounds[:, 1])
        for p, slots in enumerate(self._slots):
            if slots is not None:
                self._add_slots(p, *slots.take())

    def _add_spans(self, cells: ExactCells, pool: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        """Spans of each pool, cut at the pool's own interval."""
        if not start.size:
            return
        pool = pool.astype(np.int64)
        for interval in sorted(set(self.intervals)):
            ours = [p for p, x in enumerate(self.intervals) if x == interval]
            count = self.counts[ours[0]]
            mine = np.isin(pool, ours)
            if not mine.any():
                continue
            p, s, e = pool[mine], start[mine], end[mine]
            for lo in range(0, s.size, _SPANS):
                span, where, seconds = span_pieces(s[lo:lo + _SPANS], e[lo:lo + _SPANS], interval, count,
                                                   self.horizon)
                cells.add(self.offsets[p[lo:lo + _SPANS][span]] + where, seconds)

    def _add_slots(self, p: int, t: np.ndarray, delta: np.ndarray) -> None:
        """Slot-seconds held by pool ``p``: each level from its change to the
        next; the last level waits for the next change (in a later settlement)."""
        if not t.size:
            return
        level = np.cumsum(delta.astype(np.int64))
        last = self._last[p]
        if last is not None:
            t = np.concatenate([[last[0]], t])
            level = np.concatenate([[0], level]) + last[1]
        self._last[p] = (float(t[-1]), int(level[-1]))
        held = level[:-1] > 0
        start, end, weight = t[:-1][held], t[1:][held], level[:-1][held].astype(float)
        interval, count = self.intervals[p], self.counts[p]
        for lo in range(0, start.size, _SPANS):
            span, where, seconds = span_pieces(start[lo:lo + _SPANS], end[lo:lo + _SPANS], interval, count,
                                               self.horizon, weight[lo:lo + _SPANS])
            self.held.add(self.offsets[p] + where, seconds)

    # ------------------------------------------------------------------- read
    def _of(self, cells: ExactCells, p: int) -> np.ndarray:
        return cells.floats(int(self.offsets[p]), int(self.offsets[p + 1]))

    def busy_s(self, p: int) -> np.ndarray:
        """Seconds of attention of pool ``p`` per interval (settled so far)."""
        return self._of(self.busy, p)

    def overtime_s(self, p: int) -> np.ndarray:
        """Seconds of overtime of pool ``p`` per interval (settled so far)."""
        return self._of(self.overtime, p)

    def held_slot_s(self, p: int) -> np.ndarray | None:
        """Slot-seconds held by pool ``p`` per interval (settled so far);
        None for a pool with no slot log."""
        return None if self._slots[p] is None else self._of(self.held, p)


def _constant(value: str, n: int) -> pd.Categorical:
    """``value`` on every one of ``n`` rows, stored once."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def staffing_table(s: Scenario, sim: "Simulation", strategy: str, replication: int) -> pd.DataFrame:
    """One row per pool per interval of its staffing plan (hourly by default),
    from the run's bins (``sim.bins``; a run without them is binned here),
    after settling what is left."""
    bins = getattr(sim, "bins", None)
    if bins is None:
        bins = StaffingBins.of(sim)
    bins.settle()
    frames = []
    for pool, (interval, agents) in zip(sim.pools, sim.plans):
        count = bins.counts[pool.index]
        starts = np.arange(count) * interval
        lengths = np.minimum(interval, s.horizon_s - starts)
        lead = int(round(-sim.start / interval))  # the plan starts with the warm-up days
        staffed = agents[(lead + np.arange(count)) % agents.size].astype(np.int32)
        busy = bins.busy_s(pool.index)
        held = bins.held_slot_s(pool.index)
        frames.append(
            pd.DataFrame(
                {
                    "replication": np.full(count, replication, dtype=np.int32),
                    "strategy": _constant(strategy, count),
                    "pool": pd.Categorical([pool.name] * count, categories=[p.name for p in s.agents.pools]),
                    "interval_start_s": starts,
                    "interval_s": lengths,
                    "hour_of_day": (np.floor(starts / 3600.0) % 24).astype(np.int8),
                    "staffed": staffed,
                    "overtime_s": bins.overtime_s(pool.index),
                    "busy_s": busy,
                    # a voice-only pool's calls hold every slot of their agent while it talks
                    "held_slot_s": held if held is not None else busy * pool.capacity,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
