"""A run's ``--out`` directory: the summary (JSON, CSV), the resolved
scenario, the event log (Parquet), the per-replication KPIs and
``report.html``, written whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import yaml

from chansim.runtime import outdir
from chansim.studies.experiment import LOG_TABLES, RunResult, log_level, simulate
from chansim.report.html import write_report
from chansim.report.stored import REPLICATIONS_FILE
from chansim.report.tables import jsonable, to_csv, to_json

__all__ = ["write_run_files", "write_run_dir", "simulate_to_dir", "check_out_dir", "RUN_FILES", "RUN_MARKER"]

#: Files in an ``--out`` directory (the event-log tables only those its log level keeps).
RUN_FILES = ("summary.json", "summary.csv", "scenario.yaml", "contacts.parquet", "messages.parquet",
             "staffing.parquet", "costs.parquet", "replications.csv", "report.html")
#: The file that marks a folder as chansim's own result (see :mod:`chansim.runtime.outdir`).
RUN_MARKER = outdir.MARKER


def check_out_dir(out: Path) -> None:
    """Refuse early (before simulating) an ``--out`` we could not write."""
    outdir.check_out_dir(out)


def write_run_files(result: RunResult, folder: Path) -> None:
    """Write every result file of a run into ``folder``: the per-replication
    KPIs, the HTML report (``report.html``), the event-log tables
    of its log level from ``result.log`` (when the log was streamed there
    instead, ``result.log`` is None and they are already written)."""
    folder = Path(folder)
    (folder / "summary.json").write_text(to_json(result) + "\n", encoding="utf-8")
    (folder / "summary.csv").write_text(to_csv(result), encoding="utf-8")
    scenario = jsonable(result.scenario.to_dict())
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True), encoding="utf-8")
    log = result.log
    if log is not None:
        for name in LOG_TABLES[result.log_level]:
            getattr(log, name).to_parquet(folder / f"{name}.parquet", index=False)
    result.costs.to_parquet(folder / "costs.parquet", index=False)
    result.replication_kpis.to_csv(folder / REPLICATIONS_FILE, index=False)
    write_report(result, folder)


def write_run_dir(result: RunResult, out: Path) -> Path:
    """Write a run's files into ``out``, whole or not at all (see :mod:`chansim.runtime.outdir`)."""
    with outdir.staged_dir(out) as folder:
        write_run_files(result, folder)
    return Path(out)


def simulate_to_dir(scenario, out: Path, strategies: Sequence[str] | None = None, *, log: str = "messages",
                    **options: Any) -> RunResult:
    """``chansim run --out``: simulate (``options`` as :func:`chansim.simulate`)
    and write the run's files into ``out``, whole or not at all. The event-log
    tables of ``log`` are streamed to Parquet as each replication finishes
    (:class:`chansim.runtime.logfiles.ParquetLog`), so the log is never in memory
    whole: the result's ``log`` is None."""
    from chansim.runtime.logfiles import ParquetLog

    level = log_level(log)
    check_out_dir(out)
    names = list(strategies) if strategies else scenario.strategy_names
    with outdir.staged_dir(out) as folder:
        with ParquetLog(folder, level, names) as sink:
            result = simulate(scenario, strategies, log=level, on_log=sink, **options)
        write_run_files(result, folder)
    return result
