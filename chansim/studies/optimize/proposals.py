"""Where the points of a search come from: optuna's sampler over the
variables of the search space (TPE for one objective, NSGA-II for several,
seeded with the search seed), the points one step away from a point, and
the study that keeps every trial (in memory, or in a ``--study`` file so a
search can be resumed).
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path
from typing import Any, Mapping

from chansim.errors import InputError, Problem
from chansim.scenario.models import Scenario
from chansim.scenario.search_space import Choices, IntRange
from chansim.studies.optimize.space import ResolvedSpace
from chansim.studies.optimize.study_file import check_study_file

__all__ = ["STUDY_NAME", "distributions", "decode", "encode", "neighbours", "sampler", "open_study"]

#: The name of the study in a ``--study`` file.
STUDY_NAME = "chansim-optimize"


def distributions(space: ResolvedSpace) -> dict[str, Any]:
    """optuna's distribution of each variable (a choice as its index)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for v in space.variables:
        d = v.domain
        if isinstance(d, IntRange):
            out[v.path] = IntDistribution(d.low, d.high - (d.high - d.low) % d.step, step=d.step)
        elif isinstance(d, Choices):
            out[v.path] = CategoricalDistribution(list(range(len(d.values))))
        else:
            high = d.high if d.step is None else d.low + d.step * math.floor((d.high - d.low) / d.step + 1e-9)
            out[v.path] = FloatDistribution(d.low, high, step=d.step, log=d.log)
    return out


def decode(space: ResolvedSpace, raw: Mapping[str, Any]) -> dict[str, Any]:
    """optuna's parameters → the point's values (a choice's index → the choice)."""
    out = {}
    for v in space.variables:
        value = raw[v.path]
        if isinstance(v.domain, Choices):
            value = v.domain.values[int(value)]
        elif isinstance(v.domain, IntRange):
            value = int(value)
        else:
            value = float(value)
        out[v.path] = value
    return out


def encode(space: ResolvedSpace, params: Mapping[str, Any]) -> dict[str, Any]:
    """A point's values → optuna's parameters (a choice → its index)."""
    out = {}
    for v in space.variables:
        value = params[v.path]
        out[v.path] = v.domain.values.index(value) if isinstance(v.domain, Choices) else value
    return out


def neighbours(space: ResolvedSpace, params: Mapping[str, Any], *, choices: bool = False) -> list[dict[str, Any]]:
    """The points one step away on each whole-number or stepped variable, in
    variable order, down first; with ``choices``, also every other value of each choice."""
    out = []
    for v in space.variables:
        d = v.domain
        if isinstance(d, Choices):
            if choices:
                out += [{**params, v.path: value} for value in d.values if value != params[v.path]]
            continue
        if getattr(d, "step", None) is None:
            continue
        for move in (-d.step, d.step):
            value = params[v.path] + move
            if isinstance(d, IntRange):
                value = int(value)
            else:
                value = round(value, 12)
            if d.low <= value <= d.high + 1e-12:
                out.append({**params, v.path: value})
    return out


def sampler(space: ResolvedSpace):
    """TPE for one objective, NSGA-II for several, seeded with the search seed."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if len(space.objectives) == 1:
            return optuna.samplers.TPESampler(n_startup_trials=min(10, max(space.batch, space.trials // 4)),
                                              seed=space.seed)
        population = max(space.batch, min(50, space.batch * math.ceil(space.trials / (4 * space.batch))))
        return optuna.samplers.NSGAIISampler(population_size=population, seed=space.seed)


def open_study(space: ResolvedSpace, scenario: Scenario, study: str | Path | None):
    """A new study, or the one kept in the ``study`` file when it holds a search
    of the same scenario, seed, replications, strategy and search space."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    simulated = scenario.to_dict()
    for key in ("description", "optimize"):
        simulated.pop(key, None)
    fingerprint = json.dumps({"scenario": simulated, "strategy": space.strategy, "seed": space.seed,
                              "replications": [space.first_replications, space.replications],
                              "space": space.section.model_dump(mode="json", exclude={"trials"})},
                             sort_keys=True, default=str)
    fingerprint = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()
    storage = None
    if study is not None:
        path = Path(study)
        check_study_file(path)
        storage = f"sqlite:///{path.resolve()}"
    try:
        made = optuna.create_study(storage=storage, study_name=STUDY_NAME, load_if_exists=True,
                                   sampler=sampler(space), directions=[o.direction for o in space.objectives])
    except Exception as exc:  # noqa: BLE001 - a file that is not an optuna study, another directions list...
        raise InputError(Problem("--study", f"cannot use {str(study)!r} as a study: "
                                 f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")) from None
    kept = made.user_attrs.get("search")
    if kept is None:
        made.set_user_attr("search", fingerprint)
    elif kept != fingerprint:
        raise InputError(Problem("--study", f"{str(study)!r} holds a search of another scenario (or seed, "
                                 "replications, strategy, search space); give a new file to start a new search"))
    return made
