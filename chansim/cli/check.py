"""``chansim check``: re-run scenarios with their fixed seeds and compare every
KPI with the stored baselines (exit 1 when any drifts); ``--update`` writes them."""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chansim.cli.common import (
    TableOrJson,
    TableOrJsonOpt,
    EXIT_OK,
    EXIT_REGRESSION,
    ExecutorKind,
    ExecutorOpt,
    QuietOpt,
    SchedulerOpt,
    SetOpt,
    WorkersOpt,
    app,
    fail,
    overrides,
    simulate_with_progress,
    stderr,
    stdout,
)
from chansim.errors import InputError, Problem

if TYPE_CHECKING:  # (the studies load pandas: imported where used, so `chansim --help` stays quick)
    from chansim.studies.check import CheckReport

__all__ = ["check", "to_table"]


_STATUS_STYLE = {"same": "dim", "within": "yellow", "drift": "bold red", "new": "cyan", "gone": "bold red"}
_SCENARIO_STYLE = {"pass": "green", "updated": "green", "drift": "bold red", "no-baseline": "bold red",
                   "different-scenario": "bold red"}


def to_table(report: CheckReport, *, all_rows: bool = False) -> Table | None:
    """Rows that moved or failed (every row with ``all_rows``); None if there are none."""
    from chansim.studies.check import change_text, number_text, tolerance_text

    table = Table(title="chansim check" + (" --update: changes from the previous baselines" if report.updated else ""))
    for name, justify in (("scenario", "left"), ("strategy", "left"), ("kpi", "left"), ("baseline", "right"),
                          ("now", "right"), ("change", "right"), ("tolerance", "right"), ("status", "left")):
        table.add_column(name, justify=justify)
    count = 0
    for sc in report.scenarios:
        for st in sc.strategies:
            if st.message:
                table.add_row(escape(sc.name), escape(st.name), "—", "", "", "", "",
                              f"[bold red]{escape(st.message)}[/]")
                count += 1
            for row in st.rows:
                if row.status == "same" and not all_rows:
                    continue
                status = row.status if not report.updated or not row.failed else "changed"
                table.add_row(escape(sc.name), escape(st.name), row.kpi,
                              number_text(row.baseline), number_text(row.now),
                              escape(change_text(row)), escape(tolerance_text(row)),
                              f"[{_STATUS_STYLE.get(row.status, '')}]{status}[/]")
                count += 1
    return table if count else None


def _print_table(report: CheckReport, all_rows: bool) -> None:
    table = to_table(report, all_rows=all_rows)
    if table is not None:
        stdout.print(table)
    for sc in report.scenarios:
        style = _SCENARIO_STYLE.get(sc.status, "")
        line = f"[{style}]{escape(sc.status)}[/] {escape(sc.name)} ({escape(sc.file)})"
        if sc.message:
            line += f": {escape(sc.message)}"
        elif sc.status == "pass":
            same = sum(st.same_simulation for st in sc.strategies)
            line += f": {len(sc.strategies)} strategies within tolerance ({same} with an identical simulation)"
        stdout.print(line, highlight=False)
        for note in sc.notes:
            stdout.print(f"  note: {escape(note)}", highlight=False)
    c = report.counts()
    if report.updated:
        head = "[green]updated[/]"
        tail = f"{c['scenarios']} baseline(s) written"
    else:
        head = "[green]passed[/]" if report.passed else "[bold red]FAILED[/]"
        tail = (f"{c['kpis']} KPIs in {c['strategies']} strategies: {c['same']} same, {c['within']} moved within "
                f"tolerance, {c['drift'] + c['gone']} drifted" + (f", {c['new']} new" if c["new"] else "")
                if c["kpis"] else "nothing compared")
        if c["scenarios_no_baseline"]:
            tail += f"; {c['scenarios_no_baseline']} scenario(s) without a baseline"
        if c["scenarios_different_scenario"]:
            tail += f"; {c['scenarios_different_scenario']} with a baseline of a different scenario"
    stdout.print(f"{head}: {c['scenarios']} scenario(s); {tail}", highlight=False)


def _check_junit_target(junit: Path) -> None:
    """Refuse, before simulating, a ``--junit`` that could not be written or
    that would replace a file ``chansim check`` did not write."""
    from chansim.report.junit import is_check_junit

    parent = junit.resolve().parent
    if junit.is_dir():
        raise InputError(Problem("--junit", f"{junit} is a directory"))
    if not parent.is_dir():
        above = parent
        while not above.exists() and above != above.parent:
            above = above.parent
        why = f"{above} is not a folder" if above.exists() and not above.is_dir() else f"{parent} does not exist"
        raise InputError(Problem("--junit", why))
    if not os.access(parent, os.W_OK):
        raise InputError(Problem("--junit", f"cannot write in {parent}"))
    if junit.exists() and not is_check_junit(junit):
        raise InputError(Problem("--junit", f"{junit} exists and is not a report written by chansim check; refusing "
                                            "to overwrite it (move it away or give another file)"))


@app.command()
def check(
    scenarios: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Scenario files or folders (default: every scenarios/*.yaml).", show_default=False,
                       metavar="SCENARIO"),
    ] = None,
    baselines: Annotated[Path, typer.Option("--baselines", help="Folder of baseline files, one NAME.json per "
                                                                "scenario file NAME.yaml.")] = Path("baselines"),
    update: Annotated[bool, typer.Option("--update", help="Write (overwrite) the baselines from this run, keeping "
                                                          "custom tolerances; exit 0.")] = False,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Write a JUnit XML report here (one test case "
                                                                  "per scenario × strategy × KPI group).")] = None,
    set_: SetOpt = None,
    format_: TableOrJsonOpt = TableOrJson.table,
    all_rows: Annotated[bool, typer.Option("--all", help="List every KPI, not only those that moved.")] = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = ExecutorKind.processes,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Re-run scenarios with their fixed seeds and compare every KPI with the stored baselines:
    exit 0 when all hold, 1 when any drifts (or a baseline is missing or made from a different scenario)."""
    from chansim.report.junit import write_check_junit
    from chansim.runtime.parallel import opener
    from chansim.studies.check import plan, run_plans

    try:
        if update and junit is not None:
            raise InputError(Problem("--junit", "reports a check; --update writes baselines (use one or the other)"))
        if junit is not None:
            _check_junit_target(junit)
        with ExitStack() as stack:
            pool = opener(stack, workers, executor.value, scheduler)  # opened once, for every scenario
            plans = plan(scenarios, baselines=baselines, overrides=overrides(set_), update=update)
            report = run_plans(
                plans,
                lambda s: simulate_with_progress(s, None, executor=pool(), log="none", quiet=quiet),
                update=update,
            )
        if junit is not None:
            write_check_junit(junit, report)
    except InputError as exc:
        fail(exc)
        return
    if format_ is TableOrJson.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_table(report, all_rows)
    if junit is not None and not quiet:
        stderr.print(f"wrote {junit}", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK if report.passed else EXIT_REGRESSION)
