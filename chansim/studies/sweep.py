"""Parameter sweeps: simulate a grid of scenario values and tabulate the KPIs.

``sweep(scenario, {"agents.pools.phones.headcount": [8, 9, 10]})`` simulates
the scenario once per grid point (every combination of the axes' values, the
first axis varying slowest) and returns a tidy DataFrame: one row per grid
point × strategy, with the swept keys as columns, then ``strategy``, then
every KPI followed by its 95 % CI half-width as ``<kpi>_ci95``.

* Each point is the scenario with the point's values applied by dotted path
  (as ``--set`` does); each strategy's own ``set`` is applied on top, as in
  ``chansim run`` (so a strategy that sets a swept key keeps its own value).
  Sweeping one of a pool's ``headcount``, ``schedule`` or ``shifts`` clears the others.
* Every point runs with the scenario's seed, so every point sees the same
  customers (common random numbers): differences between points come from the
  swept values, not from noise, and a point whose values equal the scenario's
  gives exactly the numbers of ``chansim run``.
* ``workers`` > 1 simulates points in that many processes (0: one per core);
  ``executor`` and ``scheduler`` run them on a Dask cluster instead (as in
  :func:`chansim.simulate`). The numbers and the row order depend on neither.

Axis values from the command line (:func:`parse_axis`):
``key=v1,v2,...`` (each value read as YAML; commas inside ``[...]``/``{...}``
or quotes do not split), ``key=a..b:step`` (numbers from ``a`` to ``b``
inclusive; ``:step`` defaults to 1) and ``key=v`` (one value).

A sweep's files, figure and HTML report are written by
:mod:`chansim.report.sweep_files`.
"""

from __future__ import annotations

import itertools
import re
from concurrent.futures import Executor
from contextlib import nullcontext
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping, Sequence

import pandas as pd
import yaml

from chansim.errors import InputError, Problem
from chansim.scenario.goal_text import NUMBER
from chansim.studies.experiment import simulate
from chansim.kpis.address import parse_address
from chansim.kpis.table import KPI_KEYS
from chansim.runtime.parallel import check_executor, executor as open_executor, ordered_results
from chansim.scenario.models import Scenario, validate_scenario
from chansim.scenario.rosters import ROSTER_KEYS
from chansim.scenario.paths import join_path, split_path
from chansim.studies.staffing.goal_checks import member_problem

__all__ = ["sweep", "parse_axis", "parse_axes", "grid", "MAX_POINTS", "kpi_columns"]

#: Largest grid ``sweep`` accepts (a typo like ``0..10000`` should not run for a day).
MAX_POINTS = 10_000

_NUM = NUMBER
#: How the scenario names a value given by dotted path: ``overrides['agents.pools.x.headcount']``.
_OVERRIDE = re.compile(r"^overrides\['(.*)'\]$")
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*(?::\s*(\S*))?\s*$")


def kpi_columns(extra: Sequence[str] = ()) -> list[str]:
    """``[kpi, kpi_ci95, ...]`` for every KPI, in KPI order, then the
    breakdown addresses of ``extra`` (``voice.service_level``)."""
    keys = list(KPI_KEYS) + [k for k in extra if k not in KPI_KEYS]
    return [c for k in keys for c in (k, f"{k}_ci95")]


# ------------------------------------------------------------------- parsing
def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets, braces and quotes."""
    parts, depth, quote, current = [], 0, None, []
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _number(text: str, key: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(Problem(f"--set {key}", f"{what} {text.strip()!r} is not a number")) from None
    if not value.is_finite():
        raise InputError(Problem(f"--set {key}", f"{what} must be a finite number"))
    return value


def _range(key: str, start: str, stop: str, step: str | None) -> list[int | float]:
    a, b = _number(start, key, "range start"), _number(stop, key, "range end")
    if step is not None and not step.strip():
        raise InputError(Problem(f"--set {key}", "a range step is missing after ':' (a..b:step)"))
    s = _number(step, key, "step") if step is not None else Decimal(1)
    if s <= 0:
        raise InputError(Problem(f"--set {key}", f"the step must be > 0 (got {s})"))
    if b < a:
        raise InputError(Problem(f"--set {key}", f"the range end {b} is below its start {a} (a..b:step counts up)"))
    count = int((b - a) / s) + 1
    if count > MAX_POINTS:
        raise InputError(Problem(f"--set {key}", f"{count} values is too many (at most {MAX_POINTS})"))
    integral = all(x == x.to_integral_value() for x in (a, s))
    values = [a + i * s for i in range(count)]  # exact decimal arithmetic: 0.1 steps land on 0.3, not 0.30000000000000004
    return [int(v) if integral else float(v) for v in values]


def parse_axis(text: str) -> tuple[str, list[Any]]:
    """``key=v1,v2`` / ``key=a..b:step`` / ``key=v`` → ``(key, [values])``.

    Raises :class:`InputError` with a clear message for anything else."""
    if "=" not in text:
        raise InputError(Problem("--set", f"{text!r} is not key=value, key=v1,v2,... or key=a..b:step"))
    key, raw = text.split("=", 1)
    key = key.strip()
    try:
        split_path(key)
    except ValueError as exc:
        raise InputError(Problem("--set", str(exc))) from None
    if not raw.strip():
        raise InputError(Problem(f"--set {key}", "no value given (key=v1,v2,... or key=a..b:step)"))
    match = _RANGE.match(raw)
    if match is not None:
        return key, _range(key, *match.groups())
    if ".." in raw and not raw.strip().startswith(("[", "{", "'", '"')):
        raise InputError(Problem(f"--set {key}", f"{raw!r} is not a range: use a..b or a..b:step with numbers"))
    values = []
    for item in _split_top_level(raw):
        if not item.strip():
            raise InputError(Problem(f"--set {key}", f"{raw!r} has an empty value between commas"))
        try:
            values.append(yaml.safe_load(item))
        except yaml.YAMLError as exc:
            why = getattr(exc, "problem", None) or str(exc)
            raise InputError(Problem(f"--set {key}", f"value {item.strip()!r} is not valid YAML ({why})")) from None
    return key, values


def parse_axes(texts: Sequence[str]) -> dict[str, list[Any]]:
    """Every ``--set`` of ``chansim sweep`` → ``{key: [values]}`` in order; a key given twice is an error."""
    axes: dict[str, list[Any]] = {}
    for text in texts:
        key, values = parse_axis(text)
        if key in axes:
            raise InputError(Problem(f"--set {key}", "given twice; list every value once: key=v1,v2,..."))
        axes[key] = values
    return axes


def grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, first axis slowest."""
    keys = list(axes)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(list(axes[k]) for k in keys))]


# ---------------------------------------------------------------- simulating
def _with_staffing_counterpart(point: dict[str, Any]) -> dict[str, Any]:
    """A pool takes one of ``headcount``, ``schedule`` or ``shifts``: sweeping
    one of them clears the others (unless the point sets them too)."""
    overrides = dict(point)
    given = {split_path(key) for key in point}
    for parts in given:
        if len(parts) == 4 and parts[:2] == ("agents", "pools") and parts[3] in ROSTER_KEYS:
            for key in ROSTER_KEYS:
                other = parts[:3] + (key,)
                if other not in given:
                    overrides[join_path(other)] = None
    return overrides


def _point_rows(scenario: Scenario, point: dict[str, Any], strategies: list[str],
                replications: int | None, extra: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Simulate one grid point, its replications one after the other; its rows (runs in a worker)."""
    return _rows(simulate(scenario, strategies, replications, log="none"), point, extra)


def _rows(result, point: dict[str, Any], extra: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One row per strategy of a simulated point: the point's values,
    ``strategy``, KPIs and CIs (and those of the breakdown addresses ``extra``)."""
    rows = []
    for s in result.strategies:
        row: dict[str, Any] = dict(point)
        row["strategy"] = s.name
        for key in KPI_KEYS:
            row[key] = s.kpis[key]
            row[f"{key}_ci95"] = s.ci95[key]
        for key in extra:
            row[key], row[f"{key}_ci95"] = s.value(key)
        rows.append(row)
    return rows


def sweep(
    scenario: Scenario,
    axes: Mapping[str, Sequence[Any]],
    *,
    strategies: Sequence[str] | None = None,
    replications: int | None = None,
    workers: int | None = None,
    executor: str | Executor = "processes",
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    kpis: Sequence[str] = (),
) -> pd.DataFrame:
    """Simulate every combination of ``axes`` (``{dotted.path: [values]}``).

    Returns one row per grid point × strategy (grid order, then strategy
    order): the swept keys, ``strategy``, and every KPI with ``<kpi>_ci95``.
    Every point is validated before anything is simulated; a bad value raises
    :class:`InputError` naming the point. ``progress(done, total)`` is called
    after each point. ``workers``, ``executor`` and ``scheduler`` are those
    of :func:`chansim.simulate` (a single point runs its replications in
    parallel instead). ``kpis``: breakdown addresses (``voice.service_level``,
    ``pool.digital.occupancy``) to add as columns besides every KPI."""
    addresses = [parse_address(k, "--kpi") for k in kpis]
    unknown_members = [why for a in addresses if (why := member_problem(a, scenario)) is not None]
    if unknown_members:
        raise InputError([Problem("--kpi", why) for why in unknown_members])
    extra = [k for k in dict.fromkeys(str(a) for a in addresses) if k not in KPI_KEYS]
    if not axes:
        raise InputError(Problem("--set", "give at least one key to sweep: --set key=v1,v2,..."))
    for key, values in axes.items():
        try:
            split_path(key)
        except ValueError as exc:
            raise InputError(Problem("--set", str(exc))) from None
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not len(values):
            raise InputError(Problem(f"--set {key}", "needs a non-empty list of values"))
    points = grid(axes)
    if len(points) > MAX_POINTS:
        raise InputError(Problem("--set", f"the grid has {len(points)} points (at most {MAX_POINTS})"))
    names = list(strategies) if strategies else scenario.strategy_names
    unknown = [n for n in names if n not in scenario.strategy_names]
    if unknown:
        raise InputError([Problem("--strategy", f"no strategy named {n!r} (have: {', '.join(scenario.strategy_names)})")
                          for n in unknown])
    if strategies:  # only the chosen strategies must hold at every point
        data = scenario.model_dump(mode="json")
        data["strategies"] = [s for s in data["strategies"] if s["name"] in names]
        scenario = validate_scenario(data)
    if replications is not None and int(replications) < 1:
        raise InputError(Problem("--replications", "must be ≥ 1"))
    if not isinstance(executor, Executor):
        check_executor(executor, scheduler, workers)
    elif workers is not None and workers < 0:
        raise InputError(Problem("--workers", "must be ≥ 0"))

    scenarios = []
    for point in points:
        overrides = _with_staffing_counterpart(point)
        try:
            point_scenario = scenario.with_overrides(overrides)
            for name in names:
                point_scenario.for_strategy(name)  # the strategy's set must still apply
        except InputError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in point.items())
            # a pool that does not exist is named once, not once more per roster key cleared with it
            cleared = [k for k in overrides if k not in point]
            own = [p for p in exc.problems if not any(repr(k) in p.path for k in cleared)] or exc.problems
            raise InputError([Problem(_OVERRIDE.sub(r"--set \1", p.path), p.message, p.line) for p in own],
                             source=f"sweep point {shown}") from None
        scenarios.append(point_scenario)

    if len(points) == 1:  # one point: its replications run in parallel instead
        result = simulate(scenarios[0], names, replications, workers=workers, executor=executor,
                          scheduler=scheduler, log="none")
        rows = _rows(result, points[0], extra)
        if progress is not None:
            progress(1, 1)
    else:
        tasks = [(s, p, names, replications, extra) for p, s in zip(points, scenarios)]
        opened = (nullcontext(executor) if isinstance(executor, Executor)
                  else open_executor(workers, executor, scheduler, tasks=len(tasks)))
        with opened as pool:
            rows = [row for point_rows in ordered_results(pool, _point_rows, tasks, progress=progress)
                    for row in point_rows]
    columns = list(axes) + ["strategy"] + kpi_columns(extra)
    frame = pd.DataFrame(rows, columns=columns)
    return frame
