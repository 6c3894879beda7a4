"""Process pools for independent runs (replications, sweep points).

Work is split by task, never by worker, and every task's random streams come
from the scenario seed and the task's own numbers, so the results do not
depend on how many processes run them.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

__all__ = ["process_pool", "worker_count"]


def worker_count(workers: int | None) -> int:
    """``None``/1: one process; 0: one per core; N: N."""
    if workers == 0:
        return os.cpu_count() or 1
    return max(1, workers or 1)


def process_pool(workers: int, tasks: int) -> ProcessPoolExecutor:
    """A pool of at most ``workers`` processes (never more than there are tasks).
    Fork where the platform has it: workers start at once with the scenario in memory."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=max(1, min(workers, tasks)), mp_context=context)
