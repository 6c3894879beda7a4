"""A run result read back from its ``--out`` folder, to rebuild its report.

The folder holds the summary (``summary.json``), the resolved scenario
(``scenario.yaml``), the per-replication KPIs (``replications.csv``),
the cost lines and whatever event-log tables its log level kept. What is
missing stays empty: the report shows "—" there rather than failing.

Every stored file is read as carefully as a scenario file: bounded in size
(:data:`MAX_STORED_BYTES`), UTF-8, and checked to be what chansim wrote (a
JSON document of the right shape, a Parquet table with the engine's columns,
a CSV with its key columns). A damaged, truncated or foreign file is an
:class:`~chansim.errors.InputError` naming it, never a traceback; nothing in
the folder is changed by reading it.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from chansim.errors import InputError, Problem
from chansim.scenario.reading import read_text

__all__ = ["load_run_dir", "REPLICATIONS_FILE", "MAX_STORED_BYTES", "read_json", "read_csv", "read_table",
           "read_stored_scenario"]

#: The per-replication KPIs of a run (what significance tests pair).
REPLICATIONS_FILE = "replications.csv"
#: Largest stored text file read (JSON, CSV), in bytes.
MAX_STORED_BYTES = 64_000_000


def _refused(path: Path, message: str, at: str = "", line: int | None = None) -> InputError:
    return InputError(Problem(at, message, line), source=str(path))


def read_json(path: Path, *, what: str) -> Any:
    """The JSON document at ``path`` (bounded, UTF-8)."""
    text = read_text(path, what=what, limit_bytes=MAX_STORED_BYTES)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refused(path, f"not a JSON {what} ({exc.msg}, column {exc.colno})", line=exc.lineno) from None
    except RecursionError:
        raise _refused(path, f"not a JSON {what} (nested too deeply)") from None


def read_csv(path: Path, *, what: str, columns: Iterable[str] = (), **options: Any) -> pd.DataFrame:
    """The CSV table at ``path`` (bounded, UTF-8), with at least ``columns``."""
    text = read_text(path, what=what, limit_bytes=MAX_STORED_BYTES)
    try:
        frame = pd.read_csv(io.StringIO(text), **options)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise _refused(path, f"not a CSV {what} ({why})") from None
    _has_columns(path, frame, columns, what)
    return frame


def _has_columns(path: Path, frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        named = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        raise _refused(path, f"lacks the column(s) {named}; is it a {what} chansim wrote?")


def _table_columns(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns a stored table must have, and those of them that must hold numbers."""
    from chansim.engine.log import CONTACT_COLUMNS, MESSAGE_COLUMNS, STAFFING_COLUMNS

    return {"contacts": (CONTACT_COLUMNS, ("replication", "arrival_t", "answer_t", "end_t")),
            "messages": (MESSAGE_COLUMNS, ("replication", "t", "chars")),
            "staffing": (STAFFING_COLUMNS, ("replication", "interval_start_s", "interval_s", "staffed")),
            }.get(name, (("cost",), ("cost",)))  # cost lines keep only the keys their tables had


def read_table(path: Path) -> pd.DataFrame | None:
    """The stored Parquet table at ``path`` (``contacts``, ``messages``,
    ``staffing`` or ``costs``), None when absent; checked to be readable and
    to have the columns chansim writes."""
    if not path.exists():
        return None
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ValueError... for damage
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise _refused(path, f"damaged or not a Parquet table ({why})") from None
    columns, numeric = _table_columns(path.stem)
    _has_columns(path, frame, columns, "table")
    wrong = [c for c in numeric if not pd.api.types.is_numeric_dtype(frame[c])]
    if wrong:
        raise _refused(path, f"column(s) {', '.join(wrong)} must hold numbers")
    return frame


def read_stored_scenario(path: Path):
    """The resolved scenario a result folder holds (``scenario.yaml``),
    validated with this chansim; problems name the file, field and line."""
    from pydantic import ValidationError

    from chansim.scenario.models import Scenario
    from chansim.scenario.problems import problems_from_validation_error
    from chansim.scenario.yamlfile import MAX_BYTES, read_yaml

    try:
        raw, lines, problems = read_yaml(read_text(path, what="stored scenario", limit_bytes=MAX_BYTES))
    except InputError as exc:
        raise exc.with_source(str(path)) from None
    if problems:
        raise InputError(problems, source=str(path))
    if not isinstance(raw, dict):
        raise _refused(path, "not a chansim scenario (a mapping of keys such as name:, demand: is expected)")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:  # the stored scenario predates this chansim, or is not chansim's
        found = problems_from_validation_error(exc, lines=lines, root=Scenario)
        raise InputError([Problem(p.path, f"{p.message} (does not validate with this chansim)", p.line)
                          for p in found], source=str(path)) from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(value: Any, depth: int) -> bool:
    """A mapping of names to numbers (or null), ``depth`` mappings deep."""
    if value is None:
        return True
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return False
    if depth == 1:
        return all(v is None or _is_number(v) for v in value.values())
    return all(_numbers(v, depth - 1) for v in value.values())


def _check_summary(doc: Any, path: Path, strategy_names: Iterable[str]) -> None:
    """``doc`` is the summary chansim writes (``RunResult.to_dict``) for this scenario's strategies."""
    if not isinstance(doc, dict) or not isinstance(doc.get("strategies"), list) or not doc["strategies"]:
        raise _refused(path, "not a chansim run summary (no list of strategies); was it written by chansim run "
                             "--out or compare --out?")
    for key in ("seed", "replications", "run_time_s"):
        if doc.get(key) is not None and not _is_number(doc[key]):
            raise _refused(path, f"must be a number (got {doc[key]!r:.60})", key)
    known = set(strategy_names)
    for i, s in enumerate(doc["strategies"]):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str):
            raise _refused(path, "must be a mapping with the strategy's name", f"strategies[{i}]")
        if s["name"] not in known:
            raise _refused(path, f"strategy {s['name']!r:.60} is not in scenario.yaml; are both files of the same "
                                 "run?", f"strategies[{i}].name")
        for key, value in s.items():
            depth = 1 if key in ("kpis", "ci95") else 2 if key.startswith("by_") else 0
            if depth and not _numbers(value, depth):
                raise _refused(path, "must be a mapping of KPI names to numbers" if depth == 1 else
                               "must be a mapping of names to KPIs and numbers", f"strategies[{i}].{key}")


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

    folder = Path(folder)
    summary_path = folder / "summary.json"
    if not folder.is_dir():
        raise InputError(Problem("RUN_DIR", f"{folder} is not a directory"))
    if not summary_path.exists() or not (folder / "scenario.yaml").exists():
        raise InputError(Problem("RUN_DIR", f"{folder} holds no run result (summary.json and scenario.yaml are "
                                            "written by chansim run --out or compare --out)"))
    doc = read_json(summary_path, what="run summary")
    scenario = read_stored_scenario(folder / "scenario.yaml")
    _check_summary(doc, summary_path, scenario.strategy_names)
    strategies = []
    for s in doc.get("strategies", []):
        breakdowns = {k[: -len("_ci95")]: v for k, v in s.items() if k.startswith("by_") and k.endswith("_ci95")}
        strategies.append(StrategyResult(
            s["name"], dict(s.get("kpis") or {}), dict(s.get("ci95") or {}), dict(s.get("by_channel") or {}),
            dict(s.get("by_pool") or {}), dict(s.get("by_segment") or {}), dict(s.get("by_intent") or {}),
            dict(s.get("by_market") or {}), {k: dict(v or {}) for k, v in breakdowns.items()}))
    tables = {name: read_table(folder / f"{name}.parquet") for name in ("contacts", "messages", "staffing")}
    log = None
    if tables["contacts"] is not None:
        empty = pd.DataFrame()
        log = EventLog(tables["contacts"], tables["messages"] if tables["messages"] is not None else empty,
                       tables["staffing"] if tables["staffing"] is not None else empty, {})
    labor = pd.DataFrame()
    if tables["staffing"] is not None and len(tables["staffing"]):
        labor = _labor(tables["staffing"], scenario, [s.name for s in strategies])
    path = folder / REPLICATIONS_FILE
    replication_kpis = read_csv(path, what="table of KPIs by replication", columns=("strategy", "replication"),
                                dtype={"strategy": str}) if path.exists() else None
    costs = read_table(folder / "costs.parquet")
    return RunResult(
        scenario=scenario,
        seed=int(doc["seed"] if doc.get("seed") is not None else scenario.seed),  # (null: the scenario's)
        replications=int(doc["replications"] if doc.get("replications") is not None else scenario.replications),
        strategies=strategies,
        replication_kpis=replication_kpis if replication_kpis is not None else pd.DataFrame(
            columns=["strategy", "replication"]),
        log=log,
        costs=costs if costs is not None else pd.DataFrame(),
        labor=labor,
        run_time_s=float(doc.get("run_time_s") or 0.0),
        version=str(doc.get("chansim_version", "")),
    )
