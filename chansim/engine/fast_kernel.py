"""The workload recursion of the fast path, compiled (numba).

:func:`recursion` is :func:`chansim.engine.fast_path.recursion_python` over
float64 arrays, in machine code: the same comparisons and the same
floating-point sums in the same order, so the same answers, ends and agents
to the last bit. The agents are kept in a binary heap ordered by (free from,
order freed in), as the pure-Python recursion keeps them with :mod:`heapq`:
times are numbers (never nan) and no two agents share an order number, so the
order is total and both take the same agent for every caller.

numba is an optional extra (``pip install 'chansim[fast]'``); this module is
imported only when a run takes the fast path, and the fast path runs the
pure-Python recursion when numba cannot be imported
(:func:`chansim.engine.fast_path.kernel_name`). The machine code is cached
next to this module (``cache=True``): compiled once, not on every run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["recursion"]


@njit(cache=True, nogil=True)
def recursion(arrival: np.ndarray, duration: np.ndarray, give_up: np.ndarray, agents: int, start: float,
              end: float):
    """Per caller in arrival order: answer time, end of the call and agent
    (nan, nan, -1 when not answered), and whether the run may be ordered
    without the event engine (False: a caller's patience ends at the very
    instant the agent frees; the arrays are then incomplete)."""
    n = arrival.size
    answer = np.full(n, np.nan)
    finish = np.full(n, np.nan)
    agent = np.full(n, -1, dtype=np.int32)
    if agents <= 0:
        return answer, finish, agent, True
    # the heap: (free from, order the engine frees them in, agent), staffed at the start, in index order
    free = np.full(agents, start)
    seq = np.arange(agents)
    who = np.arange(agents)
    count = agents
    for j in range(n):
        a = arrival[j]
        g = give_up[j]
        e = free[0]
        if e <= a:
            t = a
        elif e >= end or g < e:  # no agent before the end, or patience runs out first
            continue
        elif g == e:  # the order of two same-instant events: the event engine's to decide
            return answer, finish, agent, False
        else:
            t = e
        f = t + duration[j]
        k = who[0]
        # replace the root by (f, count, k) and sift it down
        i = 0
        while True:
            child = 2 * i + 1
            if child >= agents:
                break
            right = child + 1  # the smaller child, by (free from, order), as Python compares the tuples
            if right < agents and (free[right] < free[child]
                                   or (free[right] == free[child] and seq[right] < seq[child])):
                child = right
            if free[child] < f or (free[child] == f and seq[child] < count):
                free[i] = free[child]
                seq[i] = seq[child]
                who[i] = who[child]
                i = child
            else:
                break
        free[i] = f
        seq[i] = count
        who[i] = k
        count += 1
        answer[j] = t
        finish[j] = f
        agent[j] = k
    return answer, finish, agent, True
