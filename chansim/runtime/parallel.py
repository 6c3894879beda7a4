"""Where independent runs (replications, sweep points) execute: in this
process, a local process pool, or a Dask cluster.

Work is split by task, never by worker, and every task's random streams come
from the scenario seed and the task's own numbers, so the results do not
depend on how many processes (or machines) run them, nor on which executor.

* ``executor(workers, kind, scheduler)`` opens a
  :class:`concurrent.futures.Executor`: ``"processes"`` (a process pool of
  ``workers`` processes; one worker means this process), ``"dask"`` (a
  ``distributed.Client`` connected to the scheduler at ``scheduler``) or
  ``"dask-local"`` (a ``distributed.LocalCluster`` of ``workers`` processes,
  0 or None: one per core, started for the block and closed after).
* ``ordered_results(pool, fn, tasks)`` submits every task through one code
  path whatever the executor and yields the results in task order, calling
  ``progress(done, total)`` as each task finishes.

On Dask, results stream back as tasks finish, with at most
:data:`DASK_IN_FLIGHT_PER_THREAD` tasks per worker thread submitted and not
yet handed on, so neither the client nor the scheduler holds the whole study.
Each task carries everything it needs (the scenario, the strategy, the
replication number) and is a pure function of them, so a task whose worker is
lost is run again elsewhere, and one that raises is tried again up to
:data:`DASK_TASK_RETRIES` times, without changing any number.

The workers of a process pool end when the process that started them is gone,
even when it was killed outright (``kill -9``): on Linux the kernel sends them
SIGTERM as it dies; on any POSIX system each worker also checks every
:data:`PARENT_CHECK_S` seconds that its parent is still there.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

from chansim.errors import InputError, Problem

__all__ = ["EXECUTORS", "SerialExecutor", "check_executor", "executor", "opener", "ordered_results", "capacity",
           "process_pool", "worker_count", "DASK_CONNECT_TIMEOUT_S", "DASK_IN_FLIGHT_PER_THREAD",
           "DASK_TASK_RETRIES", "PARENT_CHECK_S"]

#: The kinds of executor ``executor()`` opens.
EXECUTORS = ("processes", "dask", "dask-local")
#: Seconds to wait for a Dask scheduler to answer before giving up.
DASK_CONNECT_TIMEOUT_S = 5.0
#: Times a Dask task that raised is tried again (a task whose worker is lost is
#: always run again, up to the scheduler's ``allowed-failures``).
DASK_TASK_RETRIES = 2
#: Tasks per worker thread submitted to a Dask cluster and not yet handed on.
DASK_IN_FLIGHT_PER_THREAD = 4
#: Seconds between a pool worker's checks that the process that started it is still there.
PARENT_CHECK_S = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_DASK_MISSING = ("--executor", "the dask executors need Dask: install chansim[dask] "
                 "(pip install 'chansim[dask]')")


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
    return ProcessPoolExecutor(max_workers=max(1, min(workers, tasks)), mp_context=context,
                               initializer=_end_with_parent, initargs=(os.getpid(),))


def _end_with_parent(parent: int) -> None:
    """In a pool worker: end this process when process ``parent`` is gone."""
    if sys.platform.startswith("linux") and threading.current_thread().name == "MainThread":
        # the kernel signals when the thread that forked this worker ends; only the
        # main thread is sure to last as long as its process
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (ImportError, OSError, AttributeError):  # no ctypes or no prctl: the check below still works
            pass
    if os.getppid() != parent:  # gone already, before the kernel was asked
        os._exit(128 + signal.SIGTERM)
    threading.Thread(target=_watch_parent, args=(parent,), name="chansim-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(128 + signal.SIGTERM)


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted (one worker)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever reads the future
            future.set_exception(exc)
        return future


def check_executor(kind: str, scheduler: str | None, workers: int | None = None) -> None:
    """Refuse (before anything runs) an unknown executor, a ``scheduler``
    without ``kind="dask"``, ``"dask"`` without a scheduler or with a
    malformed address, a dask executor without Dask installed, or
    ``workers`` < 0."""
    if kind not in EXECUTORS:
        raise InputError(Problem("--executor", f"{kind!r} is not an executor (choose from {', '.join(EXECUTORS)})"))
    if workers is not None and workers < 0:
        raise InputError(Problem("--workers", "must be ≥ 0"))
    if scheduler is not None and kind != "dask":
        raise InputError(Problem("--scheduler", f"only goes with --executor dask (the executor is {kind})"))
    if kind == "dask" and not scheduler:
        raise InputError(Problem("--scheduler", "--executor dask needs --scheduler ADDRESS of a running Dask "
                                 "scheduler (or use --executor dask-local for a cluster on this machine)"))
    if kind != "processes":
        distributed = _distributed()
        if scheduler is not None:
            _check_address(distributed, scheduler)


def _check_address(distributed, address: str) -> None:
    """A Dask address's scheme and host:port, without connecting or resolving names."""
    from distributed.comm.registry import get_backend

    try:
        scheme, location = distributed.comm.parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            distributed.comm.parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise InputError(Problem("--scheduler", f"{address!r} is not a Dask scheduler address "
                                 f"(tcp://HOST:PORT): {_first_line(exc)}")) from None


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(Problem(*_DASK_MISSING)) from None
    return distributed


@contextmanager
def executor(workers: int | None = None, kind: str = "processes", scheduler: str | None = None, *,
             tasks: int | None = None) -> Iterator[Executor]:
    """An open executor of ``kind`` for the block (see the module docstring).

    ``tasks``, when known, caps the size of a process pool; with one worker
    (or one task) ``"processes"`` runs everything in this process. Raises
    :class:`InputError` for bad options, a missing Dask install or a
    scheduler that does not answer within :data:`DASK_CONNECT_TIMEOUT_S`."""
    check_executor(kind, scheduler, workers)
    if kind == "processes":
        count = min(worker_count(workers), tasks if tasks is not None else worker_count(workers))
        if count <= 1:
            yield SerialExecutor()
            return
        pool = process_pool(count, count)
        try:
            yield pool
        except BaseException:
            # stopped or failed: no one will read what is still queued, and the workers may be gone already
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return
    distributed = _distributed()
    if kind == "dask":
        try:
            distributed.comm.resolve_address(scheduler)  # an unknown host fails here, before any connection
            client = distributed.Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S, set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError for a bad address...
            raise InputError(Problem("--scheduler", f"cannot reach a Dask scheduler at {scheduler!r}: "
                                     f"{_first_line(exc)}")) from None
        try:
            yield client.get_executor(pure=False, retries=DASK_TASK_RETRIES)
        finally:
            client.close()
        return
    n = worker_count(workers) if workers else (os.cpu_count() or 1)
    try:
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
    except Exception as exc:  # noqa: BLE001 - no free port, no process start...
        raise InputError(Problem("--executor", f"could not start a local Dask cluster: {_first_line(exc)}")) from None
    try:
        client = distributed.Client(cluster, set_as_default=False)
        try:
            yield client.get_executor(pure=False, retries=DASK_TASK_RETRIES)
        finally:
            client.close()
    finally:
        cluster.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def opener(stack: ExitStack, workers: int | None = None, kind: str | Executor = "processes",
           scheduler: str | None = None) -> Callable[[int | None], Executor]:
    """For work made of several runs (a staffing search, a check of several
    scenarios): checks the options now and returns ``get(tasks)``, which opens
    the executor on its first call (closed with ``stack``) and returns that
    same one after. An already open :class:`Executor` is returned as is."""
    if isinstance(kind, Executor):
        if workers is not None and workers < 0:
            raise InputError(Problem("--workers", "must be ≥ 0"))
        return lambda tasks=None: kind
    check_executor(kind, scheduler, workers)
    opened: list[Executor] = []

    def get(tasks: int | None = None) -> Executor:
        if not opened:
            opened.append(stack.enter_context(executor(workers, kind, scheduler, tasks=tasks)))
        return opened[0]

    return get


def capacity(pool: Executor) -> int:
    """How many tasks ``pool`` runs at once (to bound how many are in flight)."""
    if isinstance(pool, SerialExecutor):
        return 1
    if isinstance(pool, ProcessPoolExecutor):
        return max(1, getattr(pool, "_max_workers", os.cpu_count() or 1))
    client = _dask_client(pool)
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # noqa: BLE001 - only a sizing hint
            pass
    return os.cpu_count() or 1


def _dask_client(pool: Executor):
    """The ``distributed.Client`` behind a Dask executor, None for any other."""
    return getattr(pool, "_client", None)


def ordered_results(
    pool: Executor,
    fn: Callable[..., Any],
    tasks: Sequence[tuple] | Iterable[tuple],
    *,
    window: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Any]:
    """Run ``fn(*task)`` for every task on ``pool``; yield the results in task
    order, whatever order they finish in.

    ``window`` bounds the tasks submitted but not yet yielded (running, or
    finished early and waiting for an earlier one), so at most that many
    results are held at once; None submits everything at once, except on
    Dask: there :data:`DASK_IN_FLIGHT_PER_THREAD` per worker thread of the
    cluster (counted again each time that many tasks have finished, so
    workers that join are used).
    ``progress(done, total)`` is called as each task finishes."""
    tasks = list(tasks)
    total = len(tasks)
    limit = total if window is None else max(1, window)
    if isinstance(pool, SerialExecutor):
        limit = 1  # it runs a task as it is submitted: one at a time, so progress is reported as it goes
    sized_by_cluster = window is None and _dask_client(pool) is not None
    pending: dict[Future, int] = {}
    ready: dict[int, Any] = {}
    submitted = yielded = done = resize_at = 0
    try:
        while yielded < total:
            if sized_by_cluster and done >= resize_at:
                limit = DASK_IN_FLIGHT_PER_THREAD * capacity(pool)
                resize_at = done + limit
            while submitted < total and len(pending) + len(ready) < limit:
                pending[pool.submit(fn, *tasks[submitted])] = submitted
                submitted += 1
            if yielded not in ready:
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=pending.__getitem__):
                    ready[pending.pop(future)] = future.result()
                    done += 1
                    if progress is not None:
                        progress(done, total)
            while yielded in ready:
                yield ready.pop(yielded)
                yielded += 1
    finally:
        for future in pending:
            future.cancel()
