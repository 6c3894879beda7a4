"""Stopping cleanly on Ctrl-C, ``kill`` (SIGTERM) and a closed terminal (SIGHUP).

Inside :func:`stop_on_signals` each of these raises :class:`Interrupted` in
the main process, so every ``finally`` runs on the way out: a temporary
``--out`` folder is removed, pools are closed. Worker processes the run
started are stopped first, so none is left running. If closing takes longer
than :data:`GRACE_S`, or a second signal comes while it runs, the process
leaves at once with the same one line on stderr and the same exit code.
Writes past a file-size limit fail with an error instead of killing the
process (SIGXFSZ ignored).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["Interrupted", "EXIT_CODES", "stop_on_signals", "stop_line"]

#: Exit code for each signal: 128 + its number, as shells report it.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
if hasattr(signal, "SIGHUP"):
    EXIT_CODES[signal.SIGHUP] = 129


#: Seconds a stopped run may take to close its pools and folders before it exits regardless
#: (a leftover temporary folder is cleaned by the next run).
GRACE_S = 60.0


class Interrupted(BaseException):
    """The run was stopped by a signal. Not an ``Exception``: nothing on the
    way out mistakes it for an error to report and carry on from."""

    def __init__(self, signum: int):
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum, 128 + self.signum)

    @property
    def message(self) -> str:
        """The one line a stopped command prints on stderr."""
        return f"stopped by {self.name}: no result written"


def _leave(stop: Interrupted, reported: threading.Event) -> None:
    """End the process now, with the stop line unless it was printed already."""
    if not reported.is_set():
        reported.set()
        try:
            os.write(2, (stop_line(stop) + "\n").encode())
        except OSError:
            pass
    os._exit(stop.exit_code)


def stop_line(stop: Interrupted) -> str:
    """The stop message as written to stderr: on a terminal, over whatever a
    progress display left on the current line."""
    try:
        tty = os.isatty(2)
    except OSError:
        tty = False
    return ("\r\x1b[2K" if tty else "") + stop.message


def _stop_workers() -> None:
    for child in multiprocessing.active_children():
        try:
            child.terminate()
        except (OSError, ValueError):  # already gone
            pass


@contextmanager
def stop_on_signals(reported: threading.Event | None = None) -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Interrupted` for the block
    (main thread only; elsewhere the block runs unchanged).

    Set ``reported`` once the stop line (:attr:`Interrupted.message`) is
    printed: a process that then hangs on its way out leaves without
    printing it again."""
    owner = os.getpid()
    reported = reported if reported is not None else threading.Event()
    stopping: list[Interrupted] = []

    def handler(signum, frame):  # noqa: ARG001
        if os.getpid() != owner:  # a forked worker: die as the signal says
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if stopping:  # a second signal while closing: leave now
            _leave(stopping[0], reported)
        stop = Interrupted(signum)
        stopping.append(stop)
        _stop_workers()
        # if closing a pool whose workers were just stopped hangs, leave anyway
        watchdog = threading.Timer(GRACE_S, _leave, args=(stop, reported))
        watchdog.daemon = True
        watchdog.start()
        raise stop

    previous = {}
    try:
        for signum in EXIT_CODES:
            previous[signum] = signal.signal(signum, handler)
        if hasattr(signal, "SIGXFSZ"):
            previous[signal.SIGXFSZ] = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals cannot be handled here
        for signum, old in previous.items():
            signal.signal(signum, old)
        previous = {}
    try:
        yield
    except Interrupted:
        raise
    except BaseException:
        if stopping:  # an error on the way out of a stopped run (a pool whose workers were stopped): the stop
            raise stopping[0] from None
        raise
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
