"""The engine's clock: SimPy's event queue with two fast paths.

Events are plain SimPy events with a callback (no generator process per tiny
step), so the engine stays small and fast. Same-time events run in the order
they were scheduled (SimPy's event counter), so a run repeats exactly.
"""

from __future__ import annotations

from heapq import heappop, heappush

import simpy
from simpy.core import NORMAL
from simpy.events import Event

__all__ = ["Call", "Clock"]


class Call(Event):
    """A SimPy event that is already triggered with ``value`` and has one
    callback: the engine's unit of work, scheduled by :meth:`Clock.call_at`."""

    def __init__(self, env: "Clock", callback, value):
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._ok = True


class Clock(simpy.Environment):
    """A SimPy environment with two fast paths for the engine.

    * :meth:`call_at` schedules a callback at an absolute time. A timeout fires
      at ``now + delay``, which in floating point can land one step away from a
      planned time; arrivals are planned as absolute times, so they are
      scheduled exactly there.
    * :meth:`run_until` is ``Environment.run(until)`` without a method call
      and a ``try`` per event: the same queue, the same order (time, priority,
      then scheduling order), the same handling of failed events."""

    def call_at(self, when: float, callback, value) -> None:
        heappush(self._queue, (when, NORMAL, next(self._eid), Call(self, callback, value)))

    def call_in(self, delay: float, callback, value) -> None:
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), Call(self, callback, value)))

    def run_until(self, until: float) -> None:
        """Process every event before ``until``; then the clock reads ``until``."""
        if until <= self._now:
            raise ValueError(f"until ({until}) must be greater than the current simulation time")
        next(self._eid)  # the place SimPy's own stop event takes in the order
        queue = self._queue
        while queue and queue[0][0] < until:
            self._now, _, _, event = heappop(queue)
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                raise event._value
        self._now = until
