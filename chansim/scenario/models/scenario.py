"""The whole scenario file, and its validation: field rules, cross-field
checks (:mod:`chansim.scenario.checks`) and each strategy's ``set``."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from chansim.errors import InputError, Problem
from chansim.scenario.channels import CHANNELS, ChannelName
from chansim.scenario.checks import run_checks
from chansim.scenario.models.agents import Agents, Pool
from chansim.scenario.models.base import ScenarioModel
from chansim.scenario.models.channels import Channel
from chansim.scenario.models.csat import Csat
from chansim.scenario.models.dates import CalendarDate
from chansim.scenario.models.decision import Decision
from chansim.scenario.models.demand import Demand, Repeats
from chansim.scenario.models.plan import Plan
from chansim.scenario.models.pricing import Pricing
from chansim.scenario.models.strategies import Bot, Strategy
from chansim.scenario.paths import apply_overrides, join_path, line_of
from chansim.scenario.problems import problems_from_validation_error
from chansim.scenario.search_space import SearchSpace

__all__ = ["Scenario", "validate_scenario"]


class Scenario(ScenarioModel):
    """A whole scenario file."""

    name: str = Field(min_length=1, description="Scenario name")
    description: str = Field("", description="What this scenario models and where its numbers come from")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 currency of every amount")
    market: str = Field("US", pattern=r"^[A-Z]{2}$", description="ISO 3166 country of the customers")
    start_date: CalendarDate = Field(
        default_factory=dt.date.today, description="Calendar date of the first simulated day (default: today)"
    )
    days: float = Field(7, gt=0, le=366, description="Days simulated")
    seed: int = Field(0, ge=0, description="Seed of every random stream")
    replications: int = Field(5, ge=1, le=10_000, description="Independent replications per strategy")
    warmup_hours: float = Field(
        0.0, ge=0, description="Hours at the start that are simulated but left out of every KPI"
    )
    warmup_days: int = Field(
        1, ge=0, le=28,
        description="Whole days simulated before `start_date` and left out of every KPI and of labor, so the "
        "first reported day starts with the queues, callbacks and repeats of the day before (default 1; 0 starts "
        "empty). Unlike `warmup_hours`, they come before `days`",
    )
    demand: Demand
    channels: dict[ChannelName, Channel] = Field(min_length=1, description="Channel behaviour, by channel")
    pricing: Pricing = Field(default_factory=Pricing, description="Channel prices")
    agents: Agents
    bot: Bot | None = Field(None, description="Bot answering first on some channels (strategies may replace it)")
    repeats: Repeats = Field(
        default_factory=Repeats,
        description="Returning customers: every unresolved contact, and `after_abandon` of abandoned ones",
    )
    csat: Csat = Field(default_factory=Csat, description="Customer satisfaction model (defaults: see chansim.kpis.csat)")
    strategies: tuple[Strategy, ...] = Field(
        (), description="Strategies compared; absent = one 'baseline' strategy offering every channel"
    )
    optimize: SearchSpace | None = Field(
        None, description="What `chansim optimize` searches: decision variables, constraints, objectives, trials"
    )
    decision: Decision = Field(
        default_factory=Decision,
        description="The rule that picks the strategy to recommend: objective, requirements, tie threshold and "
        "tie-breakers (defaults: cheapest per issue meeting each channel's service-level target)",
    )
    plan: Plan | None = Field(
        None, description="What `chansim plan` plans: the weeks ahead, demand over time, the workforce by tenure, "
        "attrition, hiring classes, learning curve, overtime and the AI ramp"
    )
    _resolved_cache: dict[str, "Scenario"] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _default_strategy(self) -> "Scenario":
        if not self.strategies:
            baseline = Strategy(name="baseline", offer=tuple(c for c in CHANNELS if c in self.channels))
            object.__setattr__(self, "strategies", (baseline,))
        return self

    # ----------------------------------------------------------------- lookups
    @property
    def strategy_names(self) -> list[str]:
        return [s.name for s in self.strategies]

    def strategy(self, name: str) -> Strategy:
        for s in self.strategies:
            if s.name == name:
                return s
        raise KeyError(name)

    def pool(self, name: str) -> Pool:
        for p in self.agents.pools:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def service_level_targets(self) -> dict[str, float]:
        """The answer-time target (s) of each channel that has one."""
        return {ch: float(spec.service_level_target_s) for ch, spec in self.channels.items()
                if spec.service_level_target_s is not None}

    @property
    def active_bot(self) -> "Bot | None":
        """The bot in force: the (single) strategy's own, else the scenario's."""
        own = self.strategies[0].bot if len(self.strategies) == 1 else None
        bot = own if own is not None else self.bot
        return bot if bot is not None and bot.channels else None

    @property
    def horizon_s(self) -> float:
        """Length of the simulated period, seconds."""
        return self.days * 86_400.0

    @property
    def warmup_s(self) -> float:
        return self.warmup_hours * 3_600.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON types), leaving out unset optional values."""
        return self.model_dump(mode="json", exclude_none=True)

    def for_strategy(self, name: str) -> "Scenario":
        """This scenario as it stands under strategy ``name``: its ``set``
        applied, and only that strategy left (with an empty ``set``)."""
        index = self.strategy_names.index(name) if name in self.strategy_names else None
        if index is None:
            raise InputError(Problem("strategies", f"no strategy named {name!r} (have: {', '.join(self.strategy_names)})"))
        cached = self._resolved_cache
        if name not in cached:
            cached[name] = _resolve_strategy(self.model_dump(mode="json"), index)
        return cached[name]

    def with_overrides(self, overrides: dict[str, Any]) -> "Scenario":
        """A new scenario with ``{"dotted.path": value}`` overrides applied and validated."""
        data = self.model_dump(mode="json")
        problems = apply_overrides(data, overrides, origin="overrides")
        if problems:
            raise InputError(problems)
        return validate_scenario(data)


# --------------------------------------------------------------- validation
def _scenario_problems(
    data: Any, lines: dict | None, prefix: str = "", strategy_index: int | None = None
) -> tuple["Scenario | None", list[Problem]]:
    """Validate one scenario dict: field rules, then cross-field checks.

    With ``strategy_index`` the dict is a scenario resolved under that strategy
    (its only strategy): problems of the strategy itself keep the strategy's
    own path, others are prefixed with ``prefix``."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, lines=lines, prefix=prefix, root=Scenario)
    problems = run_checks(scenario, per_strategy=strategy_index is not None)
    if strategy_index is not None:
        own = "strategies[0]"
        problems = [
            Problem(f"strategies[{strategy_index}]" + p.path[len(own):], p.message, p.line)
            if p.path.startswith(own)
            else Problem(f"{prefix}: {p.path}" if p.path else prefix, p.message, p.line)
            for p in problems
        ]
    else:
        problems = [Problem(p.path, p.message, line_of(lines, p.path) if p.line is None else p.line) for p in problems]
    return scenario, problems


def _resolve_strategy(base: dict[str, Any], index: int, lines: dict | None = None) -> "Scenario":
    scenario, problems = _strategy_problems(base, index, lines)
    if problems:
        raise InputError(problems)
    return scenario  # type: ignore[return-value]


def _strategy_problems(base: dict[str, Any], index: int, lines: dict | None) -> tuple["Scenario | None", list[Problem]]:
    strategy = dict(base["strategies"][index])
    overrides = strategy.get("set") or {}
    data = {k: v for k, v in base.items() if k != "strategies"}
    data = copy.deepcopy(data)
    where = ("strategies", index, "set")
    problems = apply_overrides(data, overrides, origin=join_path(where))
    if problems:
        return None, [Problem(p.path, p.message, line_of(lines, where)) for p in problems]
    strategy["set"] = {}
    data["strategies"] = [strategy]
    prefix = f"strategies[{index}] ({strategy.get('name')})"
    scenario, problems = _scenario_problems(data, None, prefix=prefix, strategy_index=index)
    # the resolved dict has no lines of its own: locate the strategy's own
    # problems in the file, and the others at the strategy that caused them
    problems = [
        p if p.line is not None
        else Problem(p.path, p.message, line_of(lines, ("strategies", index) if p.path.startswith(prefix) else p.path))
        for p in problems
    ]
    return scenario, problems


def validate_scenario(data: Any, *, lines: dict | None = None, source: str | None = None) -> "Scenario":
    """Build a :class:`Scenario` from plain data, reporting every problem at
    once (field rules, cross-field checks, and each strategy's ``set``)."""
    scenario, problems = _scenario_problems(data, lines)
    if scenario is not None and not problems:
        base = scenario.model_dump(mode="json")
        cache = {}
        for index, strategy in enumerate(scenario.strategies):
            resolved, strategy_problems = _strategy_problems(base, index, lines)
            problems += strategy_problems
            if resolved is not None:
                cache[strategy.name] = resolved
        scenario._resolved_cache.update(cache)
    if problems:
        raise InputError(problems, source=source)
    return scenario  # type: ignore[return-value]
