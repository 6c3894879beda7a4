"""Birth–death chains: one generic solver and the queues built on it.

:func:`birth_death` gives the stationary distribution of any birth–death chain
(the number of contacts in the system). Two models are built on it:

* :func:`erlang_a` (M/M/N+M): customers abandon after an exponential patience
  of mean ``1/θ``; with ``n`` in the system the death rate is
  ``min(n, N)·μ + max(n − N, 0)·θ``. ``P(abandon) = θ·E[Lq]/λ`` and
  ``ASA = E[Lq]/λ`` (Little's law on the queue, over all arrivals).
* :func:`pooled_concurrency`: ``N`` agents with ``k`` chat slots each and a
  per-occupancy speed curve (see its docstring for the assumption).
  With no slowdown it is Erlang C with ``N·k`` servers (the concurrency anchor).

All times are in seconds, all rates are per second and all loads in Erlangs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Real

import numpy as np

from chansim.analytic.erlang import _check_agents, _check_real, _overload_note, offered_load

__all__ = ["PLANNERS_SPEED_UP", "birth_death", "ChainMetrics", "erlang_a", "pooled_concurrency"]

#: An example speed-up curve used by contact-center planners: an agent holding
#: 1, 2, 3, 4 or 5 chats completes them 1, 1.7, 2.5, 2.9 or 3.5 times as fast
#: (in total) as one chat alone. Pass it as ``speed`` to :func:`pooled_concurrency`.
PLANNERS_SPEED_UP: tuple[float, ...] = (1.0, 1.7, 2.5, 2.9, 3.5)


def birth_death(
    arrival_rate: float | Callable[[int], float],
    death_rate: Callable[[int], float],
    *,
    tol: float = 1e-12,
    max_states: int = 1_000_000,
) -> np.ndarray:
    """Stationary distribution ``p[0], p[1], …`` of a birth–death chain.

    ``arrival_rate`` is the birth rate λ(n) out of state ``n``: a number (the
    same in every state) or a function of ``n``; a birth rate of 0 ends the
    chain there (a finite chain, e.g. Erlang B's ``N`` trunks). ``death_rate(n)``
    is the rate from ``n`` down to ``n − 1``, called for ``n ≥ 1`` and > 0.

    Balance gives ``p[n+1] = p[n] · λ(n) / μ(n+1)``. The terms are built in log
    space (sums of ``log λ − log μ``), so products of many rates neither
    overflow nor underflow, then shifted by their maximum, exponentiated and
    normalised.

    **Truncation.** The chain is cut after state ``n`` as soon as the next
    ratio ``r = λ(n)/μ(n+1)`` is below 1 and the geometric bound on the tail,
    ``p[n] · r / (1 − r)``, is at most ``tol`` times the mass accumulated so
    far. The bound holds when, beyond that point, birth rates do not increase
    and death rates do not decrease, which is true of every model in this
    module (and of queues in general); the discarded mass is then at most
    ``tol`` (relative). The returned probabilities sum to 1.

    Raises ValueError for a negative or non-finite rate, a non-positive death
    rate, or when ``max_states`` states are not enough (the chain has no
    steady state, e.g. Erlang C with ``A ≥ N``, or it is too long).
    """
    if callable(arrival_rate):
        birth = arrival_rate
    else:
        constant = _check_real("arrival_rate", arrival_rate)
        birth = lambda n: constant  # noqa: E731
    if not (0.0 < tol < 1.0):
        raise ValueError(f"tol must be in (0, 1), got {tol}")
    max_states = _check_agents(max_states, "max_states")
    if max_states < 1:
        raise ValueError("max_states must be >= 1")
    log_p = [0.0]
    here = 0.0  # log p[n] (unnormalised)
    top = 0.0  # the largest log term so far
    mass = 1.0  # sum of exp(log term − top): progressive normalisation
    n = 0
    while True:
        lam = float(birth(n))
        if not (math.isfinite(lam) and lam >= 0.0):
            raise ValueError(f"birth rate in state {n} must be a finite number >= 0, got {lam}")
        if lam == 0.0:
            break
        mu = float(death_rate(n + 1))
        if not (math.isfinite(mu) and mu > 0.0):
            raise ValueError(f"death rate in state {n + 1} must be a finite number > 0, got {mu}")
        ratio = lam / mu
        if ratio < 1.0 and math.exp(here - top) * ratio / (1.0 - ratio) <= tol * mass:
            break
        if n + 1 >= max_states:
            raise ValueError(
                f"no steady state within {max_states} states: the chain does not settle "
                "(arrivals at least as fast as departures) or needs a larger max_states"
            )
        here += math.log(lam) - math.log(mu)
        log_p.append(here)
        if here > top:
            mass = mass * math.exp(top - here) + 1.0
            top = here
        else:
            mass += math.exp(here - top)
        n += 1
    terms = np.exp(np.asarray(log_p) - top)
    return terms / terms.sum()


# ---------------------------------------------------- Erlang A and chat pools
@dataclass(frozen=True)
class _Queue:
    """What :meth:`ChainMetrics.service_level` needs: the state seen by an arrival."""

    arrival_rate: float
    p_free: float  # P(a slot is free on arrival): answered at once
    queue: np.ndarray  # queue[j] = P(all slots busy and j waiting) (with abandonment only)
    drain_rate: float  # completion rate with every slot busy (agents' full speed)
    theta: float  # abandonment rate per waiting contact (0: infinite patience)
    abandon_rate: float


@dataclass(frozen=True)
class ChainMetrics:
    """Steady-state results of a birth–death queue (Erlang A, chat pools, Erlang C).

    * ``agents``, ``slots`` (per agent; 1 for voice), ``load`` (offered, in
      Erlangs: λ · AHT), ``patience_s`` (mean patience; None = nobody abandons).
    * ``p_wait``: share of arrivals that find every slot busy and queue
      (including those who then abandon).
    * ``asa_s``: mean wait over all arrivals, ``E[Lq] / λ``, counting the time
      abandoning contacts spent in the queue.
    * ``abandon_rate``: share of arrivals that abandon, ``θ · E[Lq] / λ``
      (0 without patience).
    * ``occupancy``: mean busy slots / (agents × slots); for voice, busy agents
      / agents.
    * ``asa_answered_s``: mean wait of the answered contacts only, which is
      what the simulated ``asa_s`` KPI measures; equal to ``asa_s`` without
      abandonment, None when nobody is answered.
    * ``service_level(t)``: share of all arrivals answered within ``t`` s.

    Under overload (only possible without abandonment) ``steady_state`` is
    False, ``asa_s`` is None, ``service_level(t)`` returns None, ``p_wait`` and
    ``occupancy`` are 1 and ``note`` says why; otherwise ``note`` is empty.
    """

    agents: int
    slots: int
    load: float
    patience_s: float | None
    p_wait: float
    asa_s: float | None
    abandon_rate: float
    occupancy: float
    steady_state: bool
    note: str = ""
    asa_answered_s: float | None = None
    _queue: _Queue | None = field(default=None, repr=False, compare=False)

    def service_level(self, target_s: float) -> float | None:
        """Share of **all** arrivals answered within ``target_s`` seconds.

        Abandoned contacts count as not answered, whenever they left (some
        tools leave out those who abandon before the target; chansim does not).
        ``SL(0) = 1 − p_wait`` and ``SL(∞) = 1 − abandon_rate``.

        Let ``D`` be the completion rate with every slot busy (``N/AHT`` for
        voice). Without abandonment the queue is geometric and a FIFO wait,
        given a wait, is exponential: ``SL(t) = 1 − P(wait)·exp(−(D − λ)·t)``
        (the Erlang C formula).

        With abandonment (θ = 1/patience) the result is exact for the
        (truncated) chain. An arrival that finds ``j`` contacts waiting (PASTA:
        with the stationary probability ``w_j``) moves up a place at rate
        ``D + i·θ`` when ``i`` are ahead and leaves at rate θ. The ``j + 1``
        steps to a slot take independent times ``Exp(D + (i + 1)·θ)``,
        independent of whether each step is a move up (competing
        exponentials), so

        * P(answered) = ``∏ (D + i·θ)/(D + (i + 1)·θ) = D / (D + (j + 1)·θ)``;
        * the time, a sum of exponentials with rates ``θ·(a + i)``,
          ``a = 1 + D/θ``, is ``−log(B)/θ`` with ``B ~ Beta(a, j + 1)``.

        Hence ``SL(t) = P(no wait) + Σ_j w_j · D/(D + (j+1)θ) ·
        I(1 − e^{−θt}; j + 1, a)``, with ``I`` the regularised incomplete
        beta function (``scipy.special.betainc``).
        """
        t = _check_real("target_s", target_s)
        q = self._queue
        if not self.steady_state or q is None:
            return None
        if q.arrival_rate == 0.0:
            return 1.0
        if q.theta == 0.0:
            sl = 1.0 - (1.0 - q.p_free) * math.exp(-(q.drain_rate - q.arrival_rate) * t)
        else:
            sl = q.p_free + _answered_after_waiting(q, t)
        return float(min(1.0, max(0.0, sl)))


def _answered_after_waiting(q: _Queue, t: float) -> float:
    """P(an arrival waits and is answered within t), abandonment rate θ > 0."""
    if q.queue.size == 0 or q.drain_rate == 0.0 or t == 0.0:
        return 0.0
    from scipy.special import betainc

    ahead = np.arange(q.queue.size, dtype=float)  # j: contacts waiting on arrival
    answered = q.drain_rate / (q.drain_rate + (ahead + 1.0) * q.theta)
    in_time = betainc(ahead + 1.0, 1.0 + q.drain_rate / q.theta, -math.expm1(-q.theta * t))
    return float(np.dot(q.queue, answered * in_time))


def _speed_curve(slots: int, speed: Sequence[float] | None) -> np.ndarray:
    """f[0..k]: total completion speed of an agent holding j chats, f[0] = 0."""
    if speed is None:
        return np.arange(slots + 1, dtype=float)
    if isinstance(speed, np.ndarray):
        speed = speed.tolist()
    if isinstance(speed, (str, bytes)) or not isinstance(speed, Sequence):
        raise ValueError(f"speed must be a sequence of numbers, got {speed!r}")
    if len(speed) < slots:
        raise ValueError(f"speed needs a factor for each of 1..{slots} chats, got {len(speed)}")
    factors = [_check_real(f"speed[{j}]", value, positive=True) for j, value in enumerate(speed[:slots])]
    for j in range(1, len(factors)):
        if factors[j] < factors[j - 1]:
            raise ValueError(f"speed must not decrease with more chats (an agent never finishes less "
                             f"in total), got {factors}")
        if factors[j] / (j + 1) > factors[j - 1] / j * (1 + 1e-12):
            raise ValueError(f"speed per chat must not increase with more chats (the factor for j chats "
                             f"divided by j never grows), got {factors}")
    return np.array([0.0, *factors])


def _check_patience(patience_s: float | None) -> float:
    """θ = 1 / patience (0 for None or infinite patience)."""
    if patience_s is None or (isinstance(patience_s, Real) and not isinstance(patience_s, bool)
                              and patience_s == math.inf):
        return 0.0
    return 1.0 / _check_real("patience_s", patience_s, positive=True)


def _chain_metrics(
    agents: int,
    slots: int,
    arrival_rate_per_s: float,
    aht_s: float,
    patience_s: float | None,
    speed: Sequence[float] | None,
) -> ChainMetrics:
    n_agents = _check_agents(agents)
    k = _check_agents(slots, "slots")
    if k < 1:
        raise ValueError(f"slots must be >= 1, got {k}")
    load = offered_load(arrival_rate_per_s, aht_s)
    lam = float(arrival_rate_per_s)
    mu = 1.0 / float(aht_s)
    theta = _check_patience(patience_s)
    patience = None if theta == 0.0 else float(patience_s)
    f = _speed_curve(k, speed)
    c = n_agents * k  # slots in the pool
    drain = n_agents * f[k] * mu  # completions per second with every slot busy

    if lam == 0.0:
        empty = _Queue(0.0, 1.0, np.zeros(0), drain, theta, 0.0)
        return ChainMetrics(n_agents, k, 0.0, patience, 0.0, 0.0, 0.0, 0.0, True, "", 0.0, empty)
    if theta == 0.0 and lam >= drain * (1.0 - 1e-12):  # a relative guard against float fuzz
        note = _overload_note(load, n_agents, k, n_agents * f[k])
        return ChainMetrics(n_agents, k, load, None, 1.0, None, 0.0, 1.0, False, note)

    def completions(m: int) -> float:
        """Even spread: m chats on N agents, r of them hold q + 1 and N − r hold q."""
        if m == 0:
            return 0.0
        q, r = divmod(m, n_agents)
        return ((n_agents - r) * f[q] + (r * f[q + 1] if r else 0.0)) * mu

    def death(n: int) -> float:
        return completions(min(n, c)) + max(n - c, 0) * theta

    if theta == 0.0:
        # Beyond c the chain is geometric with ratio ρ = λ/D: solve 0..c
        # (a finite chain), then add the tail in closed form: no truncation.
        head = birth_death(lambda n: lam if n < c else 0.0, death)
        head = np.pad(head, (0, max(0, c + 1 - head.size)))  # cut early: P(n = c) ≈ 0
        rho = lam / drain
        # The infinite chain has P(n ≥ c) ∝ head[c] / (1 − ρ): renormalise.
        total = 1.0 - head[c] + head[c] / (1.0 - rho)
        p_busy = head[c] / (1.0 - rho) / total  # P(all slots busy) = P(wait)
        p_free = 1.0 - p_busy
        mean_queue = p_busy * rho / (1.0 - rho)  # E[Lq] = P(wait)·ρ/(1 − ρ)
        in_service = float(np.dot(np.arange(c), head[:c])) / total + c * p_busy
        queue = np.zeros(0)  # not needed: SL has a closed form
    else:
        p = birth_death(lam, death)
        states = np.arange(p.size)
        p_free = float(p[:c].sum())
        p_busy = float(p[c:].sum())
        mean_queue = float(np.dot(np.maximum(states - c, 0), p))
        in_service = float(np.dot(np.minimum(states, c), p))
        queue = p[c:]

    asa = mean_queue / lam
    abandon = min(1.0, max(0.0, theta * mean_queue / lam))
    if theta == 0.0:
        asa_answered = asa
    elif drain == 0.0 or abandon >= 1.0:
        asa_answered = None  # nobody is answered
    else:
        # waited j: answered with P = D/(D + (j+1)θ), after E[T_j] = Σ_{i≤j} 1/(D + (i+1)θ)
        leave = drain + (np.arange(queue.size) + 1.0) * theta
        waited = float(np.dot(queue, drain / leave * np.cumsum(1.0 / leave)))
        asa_answered = waited / (1.0 - abandon)
    occupancy = min(1.0, in_service / c) if c else 0.0
    state = _Queue(lam, float(p_free), np.asarray(queue, dtype=float), float(drain), theta, float(abandon))
    return ChainMetrics(n_agents, k, load, patience, float(min(1.0, max(0.0, p_busy))), float(asa),
                        float(abandon), float(occupancy), True, "",
                        None if asa_answered is None else float(asa_answered), state)


def erlang_a(
    agents: int, arrival_rate_per_s: float, aht_s: float, patience_s: float
) -> ChainMetrics:
    """Erlang A (M/M/N+M): ``agents`` servers, exponential patience of mean ``patience_s``.

    The number in the system is a birth–death chain with birth rate λ and
    death rate ``min(n, N)·μ + max(n − N, 0)·θ`` (μ = 1/AHT, θ = 1/patience),
    solved with :func:`birth_death`. With any finite patience there is always
    a steady state, even when ``A ≥ N``: the queue settles where abandonment
    balances the excess. ``patience_s = math.inf`` gives Erlang C (and its
    overload result when ``A ≥ N``); as patience grows Erlang A tends to
    Erlang C, and as it shrinks to 0 to Erlang B (abandon rate → B(N, A)).
    See :class:`ChainMetrics` for the fields and ``service_level(t)``.
    """
    if patience_s is None:
        raise ValueError("patience_s must be a number > 0 (math.inf for Erlang C)")
    return _chain_metrics(agents, 1, arrival_rate_per_s, aht_s, patience_s, None)


def pooled_concurrency(
    agents: int,
    slots: int,
    arrival_rate_per_s: float,
    aht_s: float,
    *,
    speed: Sequence[float] | None = None,
    patience_s: float | None = None,
) -> ChainMetrics:
    """A pool of ``agents`` each holding up to ``slots`` chats, as one birth–death chain.

    ``aht_s`` is the handle time of a chat an agent handles alone. ``speed[j−1]``
    is the total completion speed of an agent holding ``j`` chats relative to
    one chat alone (e.g. :data:`PLANNERS_SPEED_UP`); only the first ``slots``
    factors are used. They must be positive, never decrease (more chats never
    finish fewer in total) and never speed up each chat (``speed[j]/j`` does
    not grow: a slowdown, not a speed-up). None means no slowdown: speed
    ``j`` (each chat runs as fast as alone).

    **Assumption: chats spread evenly over agents.** With ``m`` chats in
    service (``m ≤ N·k``) and ``m = q·N + r``, ``r`` agents hold ``q + 1``
    chats and ``N − r`` hold ``q``, so chats complete at rate
    ``((N − r)·f(q) + r·f(q + 1)) / AHT``. This is what routing to the least
    busy agent aims at; when completions leave the spread uneven, a concave
    speed curve makes the real pool a little slower, so with slowdown the
    model is an optimistic (best-balanced) estimate. With no slowdown the
    spread does not matter and the model is exact: Erlang C with ``N·k``
    servers (the concurrency anchor).

    Chats beyond ``N·k`` wait for a slot (FIFO); with ``patience_s`` each
    waiting chat leaves at rate 1/patience. ``p_wait``, ``asa_s`` and
    ``service_level(t)`` are about the wait for a slot; ``occupancy`` is the
    share of slots in use. Overload (no patience and ``λ ≥ N·f(k)/AHT``) gives
    an overload result, not an exception.
    """
    return _chain_metrics(agents, slots, arrival_rate_per_s, aht_s, patience_s, speed)

