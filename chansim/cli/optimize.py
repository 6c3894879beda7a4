"""``chansim optimize``: search the channel mix, bots and staffing for the
frontier (or the best point) under service targets."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from chansim.cli.common import (
    duration_text,
    TableOrJson,
    TableOrJsonOpt,
    ExecutorKind,
    ExecutorOpt,
    QuietOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    app,
    fail,
    load,
    overrides,
    stderr,
    stdout,
    workers_option,
)
from chansim.errors import InputError

__all__ = ["optimize", "frontier_table"]


PointsWorkersOpt = workers_option("the replications of the points tried")




@app.command()
def optimize(
    scenario: ScenarioArg,
    space: Annotated[
        Optional[Path],
        typer.Option("--space", help="Search space file: an optimize: section (or its keys at the top level); "
                     "default: the scenario's own optimize: section."),
    ] = None,
    strategy: Annotated[
        Optional[str], typer.Option("--strategy", "-s", help="Strategy the search starts from (default: the "
                                    "section's, else the first).")
    ] = None,
    trials: Annotated[Optional[int], typer.Option(help="Points to try (default: the section's trials).", min=1)] = None,
    time_limit: Annotated[
        Optional[float], typer.Option("--time-limit", help="Seconds after which no new batch of trials starts.")
    ] = None,
    replications: Annotated[
        Optional[int], typer.Option(help="Replications of a promising point (≥ 2; default: the section's, else the "
                                    "scenario's).", min=1)
    ] = None,
    seed: SeedOpt = None,
    study: Annotated[
        Optional[Path],
        typer.Option("--study", help="Keep the study in this SQLite file; running again resumes it."),
    ] = None,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Write optimize.json, trials.csv, frontier.csv, strategies.yaml, scenario.yaml "
                     "(runs as is with chansim compare) and the figure trials.png/.svg."),
    ] = None,
    workers: PointsWorkersOpt = None,
    executor: ExecutorOpt = ExecutorKind.processes,
    scheduler: SchedulerOpt = None,
    set_: SetOpt = None,
    format_: TableOrJsonOpt = TableOrJson.table,
    quiet: QuietOpt = False,
) -> None:
    """Search decision variables (any dotted scenario path) for the best points under constraints on any KPI.

    One objective: the best point (TPE); several: the frontier (NSGA-II). A constraint holds at the pessimistic
    end of its 95 % CI. The same seed gives the same trials on any number of workers."""
    from chansim.studies.optimize.study import optimize as run_search
    from chansim.report.optimize_files import check_optimize_dir, strategies_yaml, to_json, write_optimize_dir
    from chansim.studies.optimize.space_file import file_lines, load_space

    status = None
    try:
        loaded = load(scenario, overrides(set_, seed=seed))
        if space is not None:
            section, lines, origin = load_space(space)
            source = str(space)
        else:
            section, lines, origin, source = None, file_lines(scenario), ("optimize",), str(scenario)
        if out is not None:
            check_optimize_dir(out)
        if not quiet and sys.stderr.isatty():
            status = _progress_bar()
            status.start()
            task = status.add_task("searching…", total=None)

        started = time.monotonic()

        def progress(done: int, budget: int, best: str) -> None:
            if status is not None:
                status.update(task, completed=done, total=budget, description=escape(best))
            elif not quiet:  # not on a terminal (a CI log): a line per batch of points
                left = max(budget - done, 0) * (time.monotonic() - started) / max(done, 1)
                stderr.print(escape(f"points {done} of {budget} (ETA {duration_text(left)}): {best}"),
                             highlight=False)

        try:
            result = run_search(loaded, section, strategy=strategy, trials=trials, time_limit_s=time_limit,
                                replications=replications, study=study, workers=workers, executor=executor.value,
                                scheduler=scheduler, lines=lines, origin=origin, progress=progress)
        except InputError as exc:
            on_options = all(p.path.startswith("--") for p in exc.problems)
            raise (exc if exc.source or on_options else exc.with_source(source)) from None
        if out is not None:
            write_optimize_dir(result, out)
    except InputError as exc:
        fail(exc)
    finally:
        if status is not None:
            status.stop()
    if format_ is TableOrJson.json:
        print(to_json(result))
    else:
        stdout.print(frontier_table(result))
        if result.frontier_records:
            stdout.print(Text("ready strategies (paste under strategies: in the scenario, or see --out):",
                              style="bold"))
            stdout.print(Text(strategies_yaml(result)))
    if out is not None and not quiet:
        stderr.print(f"wrote {out}", highlight=False, markup=False)


def _progress_bar():
    """Points tried out of the budget, and the best point so far (one objective) or the frontier's size."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("points"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.description}"), console=stderr, transient=True)


def frontier_table(result) -> Table:
    """The frontier (or the best point; or, with no feasible point, the closest
    ones) as columns: the variables' values, the constraint and objective KPIs,
    then every KPI, each mean ± 95 % CI half-width."""
    from chansim.kpis.table import KPI_KEYS
    from chansim.report import with_ci

    space = result.space
    points = result.frontier_records
    names = list(result.names)
    if points:
        what = "best point" if len(space.objectives) == 1 else f"frontier of {len(points)} points"
    else:
        points = result.closest
        names = [f"trial {t.number}" for t in points]
        what = "no feasible point; closest were"
    s = result.scenario
    tried = sum(1 for t in result.records if t.repeat_of is None)
    objectives = ", ".join(f"{o.direction} {o.address}" for o in space.objectives)
    table = Table(
        title=Text(f"{s.name} from strategy {space.strategy}: {what} ({objectives}; "
                   f"{'; '.join(map(str, space.constraints)) or 'no constraints'})"),
        caption=Text(
            f"{tried} points tried ({result.evaluations} simulated, {result.replications_run} replications, "
            f"stopped: {result.stopped}), up to {space.replications} replications a point (seed {s.seed}, search "
            f"seed {space.seed}); mean ± 95 % CI half-width; money in {s.currency}; constraints hold at the "
            "pessimistic end of the CI"),
    )
    table.add_column("", style="bold")
    for name in names:
        table.add_column(Text(name), justify="right")
    for v in space.variables:
        table.add_row(Text(v.path), *[Text(_short(v, t.params[v.path])) for t in points])
    goals = list(dict.fromkeys([str(c.address) for c in space.constraints] + [str(o.address) for o in space.objectives]))
    for address in goals:
        key = address.rsplit(".", 1)[-1]
        cells = []
        for t in points:
            mean, ci = t.value(address)
            cells.append(Text(with_ci(key, mean, ci)))
        table.add_row(Text(address, style="cyan"), *cells)
    table.add_row(Text("trial, replications"), *[Text(f"{t.number}, {t.replications}") for t in points])
    if not result.frontier_records:
        table.add_row(Text("status"), *[Text(t.status) for t in points])
    for key in KPI_KEYS:
        if key in goals:
            continue
        cells = []
        for t in points:
            mean, ci = t.value(key)
            cells.append(Text(with_ci(key, mean, ci)))
        table.add_row(Text(key), *cells)
    return table


def _short(variable, value, width: int = 40) -> str:
    """A variable's value in a cell: a choice as its number (from 1) and compact JSON."""
    import json

    from chansim.scenario.search_space import Choices

    if isinstance(variable.domain, Choices):
        number = variable.domain.values.index(value) + 1
        text = f"#{number} " + ("none" if value is None else json.dumps(value, separators=(",", ":")))
    else:
        text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
