"""What every chansim command shares: the typer app, the consoles, the
output-format option, and turning bad input into one message and exit 2."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from chansim.errors import InputError, Problem, printable

if TYPE_CHECKING:  # (the scenario models load pydantic and numpy: imported where used)
    from chansim.scenario import Scenario

__all__ = ["app", "stdout", "stderr", "Format", "TableOrJson", "ExecutorKind", "LogLevel", "ScenarioArg", "SetOpt",
           "FormatOpt", "TableOrJsonOpt", "ReplicationsOpt", "SeedOpt", "DaysOpt", "WorkersOpt", "workers_option",
           "ExecutorOpt", "SchedulerOpt", "QuietOpt", "QuietMessagesOpt", "StrictOpt", "SizeCheckOpt", "fail",
           "safe_text", "duration_text", "overrides", "load", "progress_bar", "simulate_with_progress", "with_progress",
           "EXIT_OK", "EXIT_REGRESSION", "EXIT_BAD_INPUT"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Simulate customer-service channel strategies: cost, handle time, service level and CSAT, "
    "side by side with confidence intervals.",
)


def _print_version(value: bool) -> None:
    if value:
        from chansim.version import __version__

        print(f"chansim {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", help="Print chansim's version and exit.", is_eager=True,
                                          callback=_print_version)] = False,
) -> None:
    """Simulate customer-service channel strategies: cost, handle time, service level and CSAT, side by side with
    confidence intervals."""


# Piped output (files, CI logs) is not squeezed into 80 columns.
stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True, soft_wrap=True)

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT = 0, 1, 2


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class TableOrJson(str, Enum):
    """The output formats of a command whose answer is not a table of rows (no CSV)."""

    table = "table"
    json = "json"


TableOrJsonOpt = Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")]


class ExecutorKind(str, Enum):
    """Where runs execute (chansim.runtime.parallel.EXECUTORS)."""

    processes = "processes"
    dask = "dask"
    dask_local = "dask-local"


class LogLevel(str, Enum):
    """How much of the event log ``--out`` writes (chansim.studies.experiment.LOG_LEVELS)."""

    messages = "messages"
    contacts = "contacts"
    none = "none"


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)]
SetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--set", help="Override a scenario value: dotted.path=value (repeatable), "
                 "e.g. agents.pools.digital.headcount=30."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ReplicationsOpt = Annotated[Optional[int], typer.Option(help="Replications per strategy.", min=1)]
SeedOpt = Annotated[Optional[int], typer.Option(help="Seed of every random stream.", min=0)]
DaysOpt = Annotated[Optional[float], typer.Option(help="Days to simulate.")]
def workers_option(what: str = "replications"):
    """The ``--workers`` option, for commands whose parallel units are ``what``."""
    return Annotated[
        Optional[int],
        typer.Option(help=f"Processes simulating {what} in parallel (default 1; 0: one per core); with --executor "
                     "dask-local, the Dask workers to start (default: one per core). Same numbers for any count.",
                     min=0, show_default=False),
    ]


WorkersOpt = workers_option()
ExecutorOpt = Annotated[
    ExecutorKind,
    typer.Option("--executor", help="Where runs execute: processes (a local pool of --workers processes), dask (the "
                 "Dask cluster at --scheduler), dask-local (a Dask cluster of --workers processes started for this "
                 "command). Same numbers with any; the dask ones need chansim[dask]."),
]
SchedulerOpt = Annotated[
    Optional[str],
    typer.Option("--scheduler", metavar="ADDRESS", help="Address of a running Dask scheduler, e.g. "
                 "tcp://10.0.0.5:8786 (only with --executor dask)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
#: ``--quiet`` of a command that tells its progress in messages, not a bar.
QuietMessagesOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat plausibility warnings (a handle time of 7 s, a "
                                         "target under 5 s, ...) as errors.")]
SizeCheckOpt = Annotated[bool, typer.Option("--size-check/--no-size-check", help="Refuse, before simulating, a run "
                                            "estimated not to fit in the memory available (see the reference).")]


def duration_text(seconds: float) -> str:
    """A duration as a person reads it: "45 s", "3 min 05 s", "2 h 10 min"."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def fail(error: InputError) -> None:
    stderr.print(f"[bold red]error:[/] {escape(safe_text(error.render()))}", highlight=False, markup=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def overrides(sets: list[str] | None, **typed: Any) -> dict[str, Any]:
    from chansim.scenario.paths import parse_assignment

    pairs = dict(parse_assignment(text) for text in sets or [])
    pairs.update({key: value for key, value in typed.items() if value is not None})
    return pairs


def load(path: Path, overrides: dict[str, Any], *, strict: bool = False, size_check: bool = True,
         workers: int | None = None) -> Scenario:
    """The scenario at ``path`` after every check made before simulating
    (:func:`chansim.runtime.preflight.prepare`); its warnings go to stderr."""
    from chansim.runtime.parallel import worker_count
    from chansim.runtime.preflight import prepare

    try:
        prepared = prepare(path, overrides, strict=strict, size_check=size_check, at_once=worker_count(workers))
    except ValidationError as exc:  # a safety net: models should already report these as InputError
        raise InputError(Problem("", str(exc)), source=str(path)) from None
    for warning in prepared.warnings:
        stderr.print(f"warning: {safe_text(str(path))}: {safe_text(str(warning))}", highlight=False, markup=False)
    return prepared.scenario


def safe_text(text: str) -> str:
    """``text`` from a file with terminal control characters shown, not obeyed
    (:func:`chansim.errors.printable`)."""
    return printable(text)


def with_progress(work, *args, quiet: bool, label: str = "runs", source: str | None = None, **kwargs):
    """Call ``work(*args, **kwargs)`` with a progress bar on stderr fed by its
    ``progress(done, total)`` callback (see :func:`progress_bar`). Running out
    of memory is an InputError (a run too large) naming ``source``, the
    scenario file."""
    bar = progress_bar(quiet)
    try:
        if bar is None:
            return work(*args, **kwargs)
        with bar:
            task = bar.add_task(label, total=None)
            return work(*args, progress=lambda done, total: bar.update(task, completed=done, total=total), **kwargs)
    except MemoryError:  # past what the size check foresaw: told as a run too large, not a traceback
        raise InputError(Problem("", "too large to simulate: ran out of memory; lower demand.contacts_per_day, "
                                     "days, turns or headcount, or use fewer --workers"), source=source) from None


def simulate_with_progress(scenario: Scenario, strategies, *, quiet: bool, source: str | None = None,
                           **options: Any):
    """``chansim.simulate(scenario, strategies, **options)`` with a progress bar on stderr."""
    from chansim.studies.experiment import simulate

    return with_progress(simulate, scenario, strategies, quiet=quiet, source=source, **options)


def progress_bar(quiet: bool):
    """A rich progress bar on stderr when it is a terminal and not ``--quiet``."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=stderr, transient=True,
    )


