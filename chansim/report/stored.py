"""A run result read back from its ``--out`` folder, to rebuild its report.

The folder holds the summary (``summary.json``), the resolved scenario
(``scenario.yaml``), the per-replication KPIs (``replications.csv``),
the cost lines and whatever event-log tables its log level kept. What is
missing stays empty: the report shows "—" there rather than failing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from chansim.errors import InputError, Problem

__all__ = ["load_run_dir", "REPLICATIONS_FILE"]

#: The per-replication KPIs of a run (what significance tests pair).
REPLICATIONS_FILE = "replications.csv"


def _frame(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.exists() else None


def _labor(staffing: pd.DataFrame, scenario, names: list[str]) -> pd.DataFrame:
    """Paid and busy hours per replication, strategy and pool, as the run
    measured them: labor is a pure function of the staffing log."""
    from chansim.kpis.labor import labor_costs

    strategy = staffing["strategy"].astype(str)
    frames = [labor_costs(staffing[(strategy == name).to_numpy()], scenario.for_strategy(name))
              for name in names if name in scenario.strategy_names and (strategy == name).any()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def load_run_dir(folder: Path | str):
    """The :class:`~chansim.studies.experiment.RunResult` stored in ``folder`` by
    ``run --out`` or ``compare --out``. :class:`InputError` when ``folder``
    holds no run result or its scenario no longer validates."""
    from chansim.engine.log import EventLog
    from chansim.studies.experiment import RunResult, StrategyResult
    from chansim.scenario.models import Scenario

    folder = Path(folder)
    summary_path = folder / "summary.json"
    if not folder.is_dir():
        raise InputError(Problem("RUN_DIR", f"{folder} is not a directory"))
    if not summary_path.exists() or not (folder / "scenario.yaml").exists():
        raise InputError(Problem("RUN_DIR", f"{folder} holds no run result (summary.json and scenario.yaml are "
                                            "written by chansim run --out or compare --out)"))
    try:
        doc = json.loads(summary_path.read_text(encoding="utf-8"))
        raw = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(Problem("RUN_DIR", f"{folder}: unreadable result file ({exc})")) from None
    try:
        scenario = Scenario.model_validate(raw)
    except Exception as exc:  # pydantic's ValidationError: the stored scenario predates this chansim
        raise InputError(Problem("RUN_DIR", f"{folder / 'scenario.yaml'} does not validate with this chansim: "
                                            f"{str(exc).splitlines()[0]}")) from None
    strategies = []
    for s in doc.get("strategies", []):
        breakdowns = {k[: -len("_ci95")]: v for k, v in s.items() if k.startswith("by_") and k.endswith("_ci95")}
        strategies.append(StrategyResult(
            s["name"], dict(s.get("kpis") or {}), dict(s.get("ci95") or {}), dict(s.get("by_channel") or {}),
            dict(s.get("by_pool") or {}), dict(s.get("by_segment") or {}), dict(s.get("by_intent") or {}),
            dict(s.get("by_market") or {}), {k: dict(v or {}) for k, v in breakdowns.items()}))
    tables = {name: _frame(folder / f"{name}.parquet") for name in ("contacts", "messages", "staffing")}
    log = None
    if tables["contacts"] is not None:
        empty = pd.DataFrame()
        log = EventLog(tables["contacts"], tables["messages"] if tables["messages"] is not None else empty,
                       tables["staffing"] if tables["staffing"] is not None else empty, {})
    labor = pd.DataFrame()
    if tables["staffing"] is not None and len(tables["staffing"]):
        labor = _labor(tables["staffing"], scenario, [s.name for s in strategies])
    path = folder / REPLICATIONS_FILE
    replication_kpis = pd.read_csv(path, dtype={"strategy": str}) if path.exists() else None
    costs = _frame(folder / "costs.parquet")
    return RunResult(
        scenario=scenario,
        seed=int(doc.get("seed", scenario.seed)),
        replications=int(doc.get("replications", scenario.replications)),
        strategies=strategies,
        replication_kpis=replication_kpis if replication_kpis is not None else pd.DataFrame(
            columns=["strategy", "replication"]),
        log=log,
        costs=costs if costs is not None else pd.DataFrame(),
        labor=labor,
        run_time_s=float(doc.get("run_time_s") or 0.0),
        version=str(doc.get("chansim_version", "")),
    )
