"""The ``chansim`` command: a thin shell over the library.

Every command parses its options, calls one library function and prints.
Bad input (a usage mistake, an unreadable or invalid scenario) ends with one
clear message on stderr and exit code 2, never a traceback. One module per
group of commands registers them on the shared app.
"""

from __future__ import annotations

import os
import sys
import threading

from chansim.cli.common import EXIT_BAD_INPUT, app, stderr

# Each import registers its commands on the app, in the order `chansim --help` lists them.
from chansim.cli import run as _run  # noqa: E402,F401  isort: skip
from chansim.cli import compare as _compare  # noqa: E402,F401  isort: skip
from chansim.cli import pricing as _pricing  # noqa: E402,F401  isort: skip
from chansim.cli import erlang as _erlang  # noqa: E402,F401  isort: skip
from chansim.cli import staff as _staff  # noqa: E402,F401  isort: skip
from chansim.cli import plan as _plan  # noqa: E402,F401  isort: skip
from chansim.cli import sweep as _sweep  # noqa: E402,F401  isort: skip
from chansim.cli import check as _check  # noqa: E402,F401  isort: skip
from chansim.cli import optimize as _optimize  # noqa: E402,F401  isort: skip
from chansim.cli import fit as _fit  # noqa: E402,F401  isort: skip
from chansim.cli import report as _report  # noqa: E402,F401  isort: skip
from chansim.errors import InputError
from chansim.runtime.signals import Interrupted, stop_line, stop_on_signals

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point. Ctrl-C, SIGTERM and SIGHUP stop the command with
    one line on stderr and exit 130, 143 or 129, temporary folders removed.
    The handlers are in place from here, before the command reads or writes
    anything, to the end of the command (after an ``--out`` folder's final
    rename)."""
    reported = threading.Event()
    try:
        with stop_on_signals(reported):
            app()
    except InputError as exc:  # pragma: no cover - commands catch their own
        stderr.print(f"error: {exc.render()}", highlight=False, markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except Interrupted as stop:
        if not reported.is_set():
            reported.set()
            sys.stderr.write(stop_line(stop) + "\n")  # on a line of its own, over a cut-off progress display
        # every folder and pool was closed on the way here; leave without waiting on the threads of
        # a process pool whose workers were stopped
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(stop.exit_code)
