"""A search space checked against its scenario: variables that exist,
constraints and objectives on KPIs of the KPI table, and the scenario of
each point.

A point is a value for every variable. It becomes a **ready strategy**: the
searched strategy with its own fields (``offer``, ``bot``,
``ivr_deflection``, ...) changed where a ``strategies.*.FIELD`` variable says,
and every other variable added to its ``set`` (over the strategy's own
``set``). Simulating the point is simulating that strategy, so the strategy
written out for ``chansim compare`` gives exactly the numbers the search saw.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from chansim.errors import InputError, Problem
from chansim.kpis.address import Address, parse_address
from chansim.kpis.goals import Target, parse_target
from chansim.kpis.table import BY_KEY, RANKABLE
from chansim.scenario.models import Scenario, validate_scenario
from chansim.scenario.paths import join_path, line_of, set_path, split_path
from chansim.scenario.search_space import Choices, SearchSpace, Variable
from chansim.studies.staffing.goal_checks import member_problem, value_problem
from chansim.studies.sweep import _with_staffing_counterpart

__all__ = ["Constraint", "Objective", "SpaceVariable", "ResolvedSpace", "resolve_space", "parse_constraint",
           "parse_objective", "point_strategy", "point_scenario"]


# -------------------------------------------------------------------- goals
#: A constraint of a search is a goal on a KPI (:mod:`chansim.kpis.goals`), met at the
#: pessimistic end of the 95 % CI and written ``KPI >= VALUE`` in a file.
Constraint = Target


@dataclass(frozen=True)
class Objective:
    """A KPI address to make best, in its KPI's direction."""

    address: Address
    sign: int  # +1 higher is better, -1 lower is better

    def __str__(self) -> str:
        return str(self.address)

    @property
    def direction(self) -> str:
        return "maximize" if self.sign > 0 else "minimize"


def parse_constraint(text: str, where: str = "constraints") -> Target:
    """A constraint as written in a file, ``service_level >= 0.8`` (:func:`chansim.kpis.goals.parse_target`)."""
    return parse_target(str(text), where)


def parse_objective(text: str, where: str = "objectives") -> Objective:
    address = parse_address(str(text), where)
    kpi = BY_KEY.get(address.kpi)
    if kpi is None or not kpi.sign:
        raise InputError(Problem(where, f"{text!r}: {address.kpi} has no better direction (a count or a "
                                        f"trade-off), so it cannot be an objective; rankable KPIs: "
                                        f"{', '.join(RANKABLE)}"))
    return Objective(address, kpi.sign)


# --------------------------------------------------------------- variables
@dataclass(frozen=True)
class SpaceVariable:
    """One decision variable: its path as written, its range or choices, and
    where it lands: a field of the searched strategy (``on_strategy``, at
    ``parts`` inside it) or a scenario path in the strategy's ``set``."""

    path: str
    domain: Variable
    on_strategy: bool
    parts: tuple[str | int, ...]

    def values_to_check(self) -> list[Any]:
        if isinstance(self.domain, Choices):
            return list(self.domain.values)
        return [self.domain.low, self.domain.high]


@dataclass(frozen=True)
class ResolvedSpace:
    """A search space whose paths, KPIs and strategy are known to fit the scenario."""

    strategy: str
    variables: tuple[SpaceVariable, ...]
    constraints: tuple[Target, ...]
    objectives: tuple[Objective, ...]
    trials: int
    batch: int
    replications: int
    first_replications: int
    seed: int
    section: SearchSpace

    @property
    def size(self) -> float:
        """How many distinct points the space has (inf with a continuous range)."""
        return math.prod(v.domain.size for v in self.variables)

    @property
    def paths(self) -> list[str]:
        return [v.path for v in self.variables]


def _exists(data: Any, parts: Sequence[str | int]) -> str | None:
    """Why ``parts`` is not a field of ``data`` (a full model dump), or None if it is.
    A path through an unset section (``ivr_deflection`` absent) is accepted: the
    scenario check of the values decides."""
    node = data
    for i, key in enumerate(parts):
        where = join_path(parts[:i]) or "the scenario"
        if node is None:
            return None
        if isinstance(node, list):
            if isinstance(key, int) or str(key).isdigit():
                if int(key) >= len(node):
                    return f"{where} has {len(node)} items; there is no [{key}]"
                node = node[int(key)]
                continue
            names = [item.get("name") for item in node if isinstance(item, Mapping)]
            if key not in names:
                return f"{where}: nothing named {key!r} (have: {', '.join(map(str, names)) or 'none'})"
            node = node[names.index(key)]
        elif isinstance(node, Mapping):
            if key not in node:
                return f"{where} has no {key!r} (it has: {', '.join(map(str, node))})"
            node = node[key]
        else:
            return f"{where} is a single value; it has no {key!r}"
    return None


def _variable(path: str, domain: Variable, scenario: Scenario, strategy: str, where: str) -> SpaceVariable:
    try:
        parts = split_path(path)
    except ValueError as exc:
        raise InputError(Problem(where, str(exc))) from None
    if len(parts) >= 3 and parts[0] == "strategies":
        if parts[1] not in ("*", strategy) and parts[1] != scenario.strategy_names.index(strategy):
            raise InputError(Problem(where, f"the search changes strategy {strategy!r}; write strategies.*.FIELD "
                                            f"or strategies.{strategy}.FIELD"))
        inner = parts[2:]
        why = _exists(scenario.strategy(strategy).model_dump(mode="json"), inner)
        if why is not None:
            raise InputError(Problem(where, f"strategy {strategy!r}: {why}"))
        return SpaceVariable(path, domain, True, inner)
    why = _exists(scenario.model_dump(mode="json"), parts)
    if why is not None:
        raise InputError(Problem(where, f"no such path in the scenario: {why}"))
    return SpaceVariable(path, domain, False, parts)


def _check_member(address: Address, scenario: Scenario, where: str) -> None:
    why = member_problem(address, scenario)
    if why is not None:
        raise InputError(Problem(where, why))


def resolve_space(scenario: Scenario, space: SearchSpace, *, strategy: str | None = None,
                  lines: Mapping[tuple, int] | None = None, origin: tuple = ("optimize",),
                  trials: int | None = None, replications: int | None = None, seed: int | None = None) -> ResolvedSpace:
    """Check ``space`` against ``scenario`` and return it resolved. Every
    problem found is raised at once as :class:`InputError`, each naming its
    field (``optimize.variables.agents.pools.voice.headcount``) and, with
    ``lines``, its line. ``strategy``, ``trials``, ``replications`` and
    ``seed`` override the section's."""
    problems: list[Problem] = []

    def where(*parts: Any) -> tuple[str, int | None]:
        path = origin + parts
        return join_path(path), line_of(lines, path)

    def keep(exc: InputError, *parts: Any) -> None:
        text, line = where(*parts)
        problems.extend(Problem(text, p.message, line) for p in exc.problems)

    name = strategy or space.strategy or scenario.strategy_names[0]
    if name not in scenario.strategy_names:
        text, line = where("strategy")
        raise InputError(Problem("--strategy" if strategy else text,
                                 f"no strategy named {name!r} (have: {', '.join(scenario.strategy_names)})", line))
    variables = []
    for path, domain in space.variables.items():
        try:
            variables.append(_variable(path, domain, scenario, name, where("variables", path)[0]))
        except InputError as exc:
            keep(exc, "variables", path)
    constraints, objectives = [], []
    for i, text in enumerate(space.constraints):
        try:
            c = parse_constraint(text)
            _check_member(c.address, scenario, "")
            why = value_problem(c)
            if why is not None:
                raise InputError(Problem("", f"{c}: {why}"))
            constraints.append(c)
        except InputError as exc:
            keep(exc, "constraints", i)
    for i, text in enumerate(space.objectives):
        try:
            o = parse_objective(text)
            _check_member(o.address, scenario, "")
            objectives.append(o)
        except InputError as exc:
            keep(exc, "objectives", i)
    if problems:
        raise InputError(problems)
    reps = replications or space.replications or scenario.replications
    if reps < 2:
        raise InputError(Problem("--replications" if replications else join_path(origin + ("replications",)),
                                 f"need at least 2 replications for a confidence interval (got {reps})"))
    if seed is None:
        seed = space.seed if space.seed is not None else scenario.seed
    resolved = ResolvedSpace(
        strategy=name, variables=tuple(variables), constraints=tuple(constraints), objectives=tuple(objectives),
        trials=trials or space.trials, batch=space.batch, replications=reps,
        first_replications=min(space.first_replications, reps), seed=seed, section=space,
    )
    _check_values(scenario, resolved, where)
    return resolved


#: Combinations of the variables' values tried, at most, to find one that can run.
MAX_COMBINATIONS_CHECKED = 512


def _check_values(scenario: Scenario, space: ResolvedSpace, where) -> None:
    """Every bound of every range, applied alone to the searched strategy,
    must give a valid scenario. A choice that gives a valid scenario only
    with some values of the other variables is fine (the points where it
    cannot run are ``invalid`` trials); a space where no combination of the
    values (among the first :data:`MAX_COMBINATIONS_CHECKED`) can run is
    refused, naming each variable's first value that cannot run with the
    others at their first value."""
    problems: list[Problem] = []
    choices: list[Problem] = []
    base = {v.path: _default(v.domain) for v in space.variables}
    for v in space.variables:
        for value in v.values_to_check():
            try:
                point_scenario(scenario, point_strategy(scenario, space, {**base, v.path: value}))
            except InputError as exc:
                text, line = where("variables", v.path)
                found = [Problem(text, f"value {value!r}: {p}", line) for p in exc.problems[:3]]
                (choices if isinstance(v.domain, Choices) else problems).extend(found)
                break
    if problems:
        raise InputError(problems)
    if choices and not _some_combination_runs(scenario, space):
        raise InputError(choices)


def _some_combination_runs(scenario: Scenario, space: ResolvedSpace) -> bool:
    combos = itertools.product(*[v.values_to_check() for v in space.variables])
    for values in itertools.islice(combos, MAX_COMBINATIONS_CHECKED):
        try:
            point_scenario(scenario, point_strategy(scenario, space, dict(zip(space.paths, values))))
            return True
        except InputError:
            continue
    return False


def _default(domain: Variable) -> Any:
    return domain.values[0] if isinstance(domain, Choices) else domain.low


# ------------------------------------------------------------------ points
def point_strategy(scenario: Scenario, space: ResolvedSpace, params: Mapping[str, Any],
                   name: str | None = None) -> dict[str, Any]:
    """The searched strategy with the point's values: strategy fields set in
    place, scenario paths added to its ``set`` (see the module docstring)."""
    strategy = scenario.strategy(space.strategy).model_dump(mode="json", exclude_none=True)
    overrides = dict(strategy.get("set") or {})
    scenario_values: dict[str, Any] = {}
    for v in space.variables:
        value = copy.deepcopy(params[v.path])
        if v.on_strategy:
            try:
                set_path(strategy, v.parts, value)
            except ValueError as exc:
                raise InputError(Problem(v.path, str(exc))) from None
        else:
            scenario_values[v.path] = value
    resolved = scenario.for_strategy(space.strategy)
    for key, value in _with_staffing_counterpart(scenario_values).items():
        if value is None and key not in scenario_values:
            pool = split_path(key)[2]
            field = split_path(key)[3]
            try:
                if getattr(resolved.pool(str(pool)), str(field)) is None:
                    continue  # already unset: nothing to clear
            except KeyError:
                pass
        overrides[key] = value
    strategy["set"] = overrides
    if name is not None:
        strategy["name"] = name
    return strategy


def point_scenario(scenario: Scenario, strategy: Mapping[str, Any]) -> Scenario:
    """The scenario with ``strategy`` as its only strategy (and no ``optimize``
    section), validated; :class:`InputError` if the point is not a valid scenario."""
    data = scenario.model_dump(mode="json")
    data["strategies"] = [dict(strategy)]
    data["optimize"] = None
    return validate_scenario(data)
