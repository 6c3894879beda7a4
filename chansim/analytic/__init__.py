"""Closed-form and birth–death queueing results for validating chansim and for
first guesses at staffing.

All times are in seconds, all rates are per second and all loads in Erlangs.

Erlang B and C, their service level and ASA, and the overload rule are written out in
:mod:`chansim.analytic.erlang` (as in the validation reference, validation.md).

Beyond Erlang B and C, one generic solver, :func:`birth_death`, gives the
stationary distribution of any birth–death chain (the number of contacts in
the system). Two models are built on it:

* :func:`erlang_a` (M/M/N+M): customers abandon after an exponential patience
  of mean ``1/θ``; with ``n`` in the system the death rate is
  ``min(n, N)·μ + max(n − N, 0)·θ``. ``P(abandon) = θ·E[Lq]/λ`` and
  ``ASA = E[Lq]/λ`` (Little's law on the queue, over all arrivals).
* :func:`pooled_concurrency`: ``N`` agents with ``k`` chat slots each and a
  per-occupancy speed curve (see its docstring for the assumption).
  With no slowdown it is Erlang C with ``N·k`` servers (the concurrency anchor).

:func:`smallest_agents` inverts them: the smallest staffing meeting any mix of
service level, ASA, abandonment and occupancy targets, and the scheduled heads
after shrinkage.

The package is pure: no I/O, no printing, no global state. Its modules:
:mod:`.erlang` (Erlang B and C, and the service-level staffing inversion),
:mod:`.chains` (the birth–death solver, Erlang A and chat pools) and
:mod:`.staffing` (the inversion over every model).
"""

from chansim.analytic.chains import (
    PLANNERS_SPEED_UP,
    ChainMetrics,
    birth_death,
    erlang_a,
    pooled_concurrency,
)
from chansim.analytic.erlang import (
    QueueMetrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    scheduled_heads,
    smallest_agents_for_service_level,
)
from chansim.analytic.staffing import Staffing, smallest_agents

__all__ = [
    "QueueMetrics",
    "offered_load",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "smallest_agents_for_service_level",
    "birth_death",
    "ChainMetrics",
    "erlang_a",
    "pooled_concurrency",
    "PLANNERS_SPEED_UP",
    "Staffing",
    "smallest_agents",
    "scheduled_heads",
]
