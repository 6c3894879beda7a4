"""Regression checks of scenario KPIs against stored baselines (``chansim check``).

Every scenario file is read and validated with its baseline before anything
is simulated (:func:`plan`); then each is run with its fixed seed and its
strategies compared with the baseline (:func:`run_plans`), or, with
``update``, the baselines are written once every run is done. Baselines are
described in :mod:`chansim.studies.check.baseline`, the tolerance a KPI gets in
:mod:`chansim.studies.check.tolerance`.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from chansim.errors import InputError, Problem
from chansim.kpis.table import KPI_KEYS
from chansim.scenario import Scenario, load_scenario
from chansim.studies.check.baseline import (
    baseline_document,
    read_baseline,
    scenario_differences,
    scenario_identity,
    write_baseline,
)
from chansim.studies.check.compare import StrategyCheck, compare
from chansim.version import __version__

# Names this module held before it was split, for their earlier import path.
from chansim.kpis.table import KPI_GROUPS, MODEL_KPIS, SIMULATION_KPIS  # noqa: F401
from chansim.studies.check.baseline import BASELINE_FORMAT, write_text_atomic  # noqa: F401
from chansim.studies.check.compare import Row, change_text, number_text, tolerance_text  # noqa: F401
from chansim.studies.check.tolerance import DEFAULT_TOLERANCES, EXACT, Tolerance  # noqa: F401

__all__ = ["Plan", "ScenarioCheck", "CheckReport", "scenario_files", "plan", "run_plans", "check"]

#: Drifted KPIs are named in the order of the KPI table (breakdown addresses after).
_KPI_ORDER = {kpi: i for i, kpi in enumerate(KPI_KEYS)}


@dataclass
class Plan:
    """One scenario to check: everything read and validated before simulating."""

    path: Path
    name: str  # baseline name (file stem)
    scenario: Scenario  # the file as is: its identity
    run: Scenario  # with --set overrides: what is simulated
    identity: dict[str, Any]
    sha256: str
    start_date_explicit: bool
    baseline_path: Path
    baseline: dict[str, Any] | None


@dataclass
class ScenarioCheck:
    name: str
    file: str
    baseline_path: str
    status: str  # pass | drift | no-baseline | different-scenario | updated
    message: str = ""
    notes: list[str] = field(default_factory=list)
    strategies: list[StrategyCheck] = field(default_factory=list)
    sha256: str = ""
    baseline_sha256: str | None = None
    baseline_version: str | None = None
    run_time_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status in ("pass", "updated")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "baseline": self.baseline_path, "status": self.status,
                "passed": self.passed, "message": self.message, "notes": self.notes,
                "scenario_sha256": self.sha256, "baseline_sha256": self.baseline_sha256,
                "chansim_version": __version__, "baseline_version": self.baseline_version,
                "run_time_s": round(self.run_time_s, 3), "strategies": [s.to_dict() for s in self.strategies]}


@dataclass
class CheckReport:
    """What a check found, scenario by scenario (as JUnit XML:
    :func:`chansim.report.junit.check_junit`)."""

    scenarios: list[ScenarioCheck]
    updated: bool = False

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.scenarios)

    def counts(self) -> dict[str, int]:
        rows = [r for s in self.scenarios for st in s.strategies for r in st.rows]
        out = {"scenarios": len(self.scenarios), "strategies": sum(len(s.strategies) for s in self.scenarios),
               "kpis": len(rows)}
        for status in ("same", "within", "drift", "new", "gone"):
            out[status] = sum(r.status == status for r in rows)
        for status in ("pass", "drift", "no-baseline", "different-scenario", "updated"):
            out[f"scenarios_{status.replace('-', '_')}"] = sum(s.status == status for s in self.scenarios)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "updated": self.updated, "summary": self.counts(),
                "scenarios": [s.to_dict() for s in self.scenarios]}


def scenario_files(paths: Iterable[Path | str] | None, default_dir: Path | str = "scenarios") -> list[Path]:
    """The scenario files to check: those given (a folder means its ``*.yaml``),
    else every ``*.yaml`` in ``default_dir``."""
    given = [Path(p) for p in paths or []]
    if not given:
        folder = Path(default_dir)
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        if not files:
            raise InputError(Problem("SCENARIO", f"no scenario files given and none found in {folder}/*.yaml"))
        return files
    files: list[Path] = []
    for path in given:
        if path.is_dir():
            found = sorted(path.glob("*.yaml"))
            if not found:
                raise InputError(Problem("SCENARIO", f"{path} holds no *.yaml scenario files"))
            files += found
        else:
            files.append(path)
    return files


def plan(
    paths: Iterable[Path | str] | None = None,
    *,
    baselines: Path | str = "baselines",
    overrides: Mapping[str, Any] | None = None,
    update: bool = False,
) -> list[Plan]:
    """Read and validate every scenario and baseline; raise :class:`InputError`
    (every problem at once) before anything is simulated."""
    folder = Path(baselines)
    if folder.exists() and not folder.is_dir():
        raise InputError(Problem("--baselines", f"{folder} exists and is not a directory"))
    if update and overrides:
        raise InputError(Problem("--set", "baselines are made from the scenario files as they are; "
                                          "--set only tests a check against them (drop --set or --update)"))
    files = scenario_files(paths)
    errors: list[InputError] = []
    plans: list[Plan] = []
    seen: dict[str, Path] = {}
    for path in files:
        name = path.stem
        if name in seen:
            errors.append(InputError(Problem("SCENARIO", f"{path} and {seen[name]} would share the baseline "
                                                         f"{folder / (name + '.json')}")))
            continue
        seen[name] = path
        try:
            scenario = load_scenario(path)
            run = load_scenario(path, dict(overrides)) if overrides else scenario
            baseline_path = folder / f"{name}.json"
            baseline = read_baseline(baseline_path)
        except InputError as exc:
            errors.append(exc)
            continue
        identity, sha = scenario_identity(scenario, path)
        plans.append(Plan(path, name, scenario, run, identity, sha, "start_date" in scenario.model_fields_set,
                          baseline_path, baseline))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputError([Problem("", e.render()) for e in errors])
    return plans


def _kpi_order(kpi: str) -> tuple[int, str]:
    return _KPI_ORDER.get(kpi, len(_KPI_ORDER)), kpi


def _notes(p: Plan) -> list[str]:
    notes = []
    if not p.start_date_explicit:
        notes.append(f"{p.path} sets no start_date: it defaults to today, so the scenario hash (and the rates "
                     "in force) change every day; set start_date to make the baseline reproducible")
    version = (p.baseline or {}).get("chansim_version")
    if p.baseline is not None and version != __version__:
        notes.append(f"baseline made with chansim {version}, checking with chansim {__version__}")
    return notes


def _new_kpis_note(strategies: Sequence[StrategyCheck], update: bool) -> list[str]:
    """A note naming the KPIs measured now that the baseline does not have."""
    new = sorted({k for st in strategies for k in st.new_kpis}, key=_kpi_order)
    if not new:
        return []
    if update:
        return [f"new since the previous baseline, now added to it: {', '.join(new)}"]
    return [f"new since the baseline, not compared (--update adds them): {', '.join(new)}; whether the "
            "simulation is unchanged is judged on the KPIs the run and the baseline both have"]


def run_plans(plans: Sequence[Plan], simulate: Callable[[Scenario], Any], *, update: bool = False) -> CheckReport:
    """Simulate and compare (or, with ``update``, write the baselines once every run is done)."""
    results: list[ScenarioCheck] = []
    writes: list[tuple[Path, dict[str, Any]]] = []
    for p in plans:
        base = p.baseline
        sc = ScenarioCheck(p.name, p.path.as_posix(), p.baseline_path.as_posix(), "pass", notes=_notes(p),
                           sha256=p.sha256, baseline_sha256=(base or {}).get("scenario_sha256"),
                           baseline_version=(base or {}).get("chansim_version"))
        results.append(sc)
        different = base is not None and base.get("scenario_sha256") != p.sha256
        if different:
            sc.message = (f"baseline made from a different scenario (baseline {str(sc.baseline_sha256)[:12]}, "
                          f"now {p.sha256[:12]}); not compared")
            diffs = scenario_differences(base.get("resolved_scenario"), p.identity)
            if diffs:
                sc.notes = ["scenario changes since the baseline: " + "; ".join(diffs), *sc.notes]
        if not update and (base is None or different):
            sc.status = "no-baseline" if base is None else "different-scenario"
            if base is None:
                sc.message = f"no baseline {p.baseline_path} (run with --update)"
            else:
                sc.message += "; run with --update to accept the scenario change"
            continue
        started = time.perf_counter()
        result = simulate(p.run)
        sc.run_time_s = time.perf_counter() - started
        if base is not None and not different:
            sc.strategies = compare(result.strategies, base)
            sc.notes += _new_kpis_note(sc.strategies, update)
        if update:
            writes.append((p.baseline_path, baseline_document(p, result, base)))
            sc.status = "updated"
            if base is None:
                sc.message = f"wrote {p.baseline_path} (new)"
            else:
                sc.message = f"wrote {p.baseline_path}" + (" (scenario changed)" if different else "")
        else:
            sc.status = "pass" if all(s.passed for s in sc.strategies) else "drift"
            if sc.status == "drift":
                bad = [st for st in sc.strategies if not st.passed]
                kpis = sorted({r.kpi for st in bad for r in st.rows if r.failed}, key=_kpi_order)
                sc.message = (f"{sum(r.failed for st in bad for r in st.rows)} KPI(s) drifted in {len(bad)} "
                              f"strateg{'y' if len(bad) == 1 else 'ies'}: "
                              + (", ".join(kpis) or "; ".join(f"{st.name}: {st.message}" for st in bad)))
    for path, doc in writes:
        write_baseline(path, doc)
    return CheckReport(results, updated=update)


def check(
    paths: Iterable[Path | str] | None = None,
    *,
    baselines: Path | str = "baselines",
    overrides: Mapping[str, Any] | None = None,
    update: bool = False,
    workers: int | None = None,
    executor: str | Executor = "processes",
    scheduler: str | None = None,
) -> CheckReport:
    """``chansim check`` from Python: ``check(["scenarios/retail-us.yaml"]).passed``.
    ``workers``, ``executor`` and ``scheduler`` are those of
    :func:`chansim.simulate`; the executor is opened once for every scenario."""
    from chansim.studies.experiment import simulate
    from chansim.runtime.parallel import opener

    with ExitStack() as stack:
        pool = opener(stack, workers, executor, scheduler)
        plans = plan(paths, baselines=baselines, overrides=overrides, update=update)
        return run_plans(plans, lambda s: simulate(s, executor=pool(), log="none"), update=update)
