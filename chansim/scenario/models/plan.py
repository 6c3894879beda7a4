"""The ``plan:`` section: the next weeks of hiring (``chansim plan``).

```yaml
plan:
  start: 2027-01-04            # a Monday; weeks run from here (default: the scenario's start_date)
  weeks: 52                    # horizon, at most 78
  growth_per_year: 0.04        # demand grows 4 % a year, compounded weekly
  seasonality: [1.1, 1.05, 1, 0.95, 0.9, 0.9, 0.95, 1, 1.05, 1.1, 1.2, 1.25]   # by calendar month (12) or ISO week (52)
  events: [{name: open-enrollment, start: 2027-11-01, end: 2027-12-15, factor: 1.3}]
  shrinkage: [0.3, 0.3, 0.3, 0.3, 0.3, 0.32, 0.36, 0.36, 0.3, 0.3, 0.3, 0.34]     # by calendar month
  ai_ramp: [1.0, 1.0, 1.1, 1.2, 1.3]     # × every intent's bot_resolvable, by month of the plan (last holds)
  attrition: [{up_to_weeks: 26, per_month: 0.05}, {per_month: 0.02}]               # by tenure band
  learning_curve: [1.3, 1.3, 1.2, 1.2, 1.1, 1.1]   # handle-time multiplier by week of tenure (1 after the list)
  overtime: {cap: 0.1, premium: 1.5}
  shortfall_penalty: 5000      # per FTE-week short of the requirement
  pools:
    member-services:
      workforce: [{headcount: 90, tenure_weeks: 104}, {headcount: 12, tenure_weeks: 10}]
      hiring: {lead_time_weeks: 4, training_weeks: 6, nesting_weeks: 4, nesting_productivity: 0.6,
               class_min: 6, class_max: 20, max_hires_per_month: 30}
      cost_per_hour: [{up_to_weeks: 12, per_hour: 28}, {per_hour: 34}]
  hiring_plan: [{pool: member-services, start: 2027-03-01, size: 12}]   # optional: a plan of your own, evaluated
```

Weeks are seven days from ``start``. A week's demand is the scenario's
``contacts_per_day`` × (1 + ``growth_per_year``)^(years since start) × the
seasonality index of the week (the calendar month of its Monday, or its ISO
week) × the events' factors averaged over its seven days. FTE are heads of
``agents.hours_per_fte`` paid hours a week. Cross-field rules (pools that
exist, classes within the cap, seasonality length, a hiring plan inside the
horizon) live in :mod:`chansim.scenario.plan_checks`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chansim.scenario.models.base import ScenarioModel
from chansim.scenario.models.dates import CalendarDate
from chansim.scenario.models.decision import Requirement

__all__ = ["Plan", "PlanPool", "Cohort", "HiringClass", "RateBand", "AttritionBand", "PlanEvent", "PlannedClass",
           "Overtime", "Uncertainty", "MAX_PLAN_WEEKS"]

#: The longest horizon a plan may have, weeks.
MAX_PLAN_WEEKS = 78

Positive = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, lt=1)]
NonNegative = Annotated[float, Field(ge=0)]


class AttritionBand(ScenarioModel):
    """The share of agents of a tenure band who leave each month."""

    up_to_weeks: int | None = Field(None, gt=0, description="Tenure (weeks since hire) up to which the band holds; "
                                                            "absent = every tenure beyond the previous band")
    per_month: float = Field(ge=0, lt=1, description="Share of the band's agents leaving per month (< 1)")


class RateBand(ScenarioModel):
    """The cost per paid hour of a tenure band."""

    up_to_weeks: int | None = Field(None, gt=0, description="Tenure (weeks since hire) up to which the rate holds; "
                                                            "absent = every tenure beyond the previous band")
    per_hour: float = Field(ge=0, description="Loaded cost per paid hour (scenario currency)")


class Cohort(ScenarioModel):
    """Agents already on the payroll at the plan's start."""

    headcount: int = Field(ge=0, description="Agents (heads)")
    tenure_weeks: int = Field(0, ge=0, description="Their tenure at the plan's start, weeks since hire")


class HiringClass(ScenarioModel):
    """How a pool hires: classes that train, then nest, then take contacts alone."""

    lead_time_weeks: int = Field(4, ge=0, description="Weeks from today's decision to the first class that can start")
    training_weeks: int = Field(4, ge=0, description="Weeks of classroom training: paid, taking no contacts")
    nesting_weeks: int = Field(2, ge=0, description="Weeks of nesting after training, at `nesting_productivity`")
    nesting_productivity: float = Field(0.5, gt=0, le=1, description="Productivity while nesting (0–1]")
    class_min: int = Field(1, ge=1, description="Smallest class that is worth running, agents")
    class_max: int = Field(20, ge=1, description="Largest class a trainer takes, agents")
    max_hires_per_month: int | None = Field(None, ge=0, description="Hires the recruiters can make per calendar "
                                                                    "month (absent = no cap)")


class PlanPool(ScenarioModel):
    """One pool's workforce, its hiring and its pay by tenure."""

    workforce: tuple[Cohort, ...] = Field((), description="Agents at the start, by tenure")
    hiring: HiringClass = Field(default_factory=HiringClass, description="How the pool hires")
    cost_per_hour: tuple[RateBand, ...] | None = Field(
        None, description="Cost per paid hour by tenure band (absent = the pool's cost_per_hour at every tenure)")


class PlanEvent(ScenarioModel):
    """A dated change of demand: a product launch, a holiday week."""

    name: str = Field(min_length=1, description="What happens")
    start: CalendarDate = Field(description="First day")
    end: CalendarDate = Field(description="Last day (inclusive)")
    factor: float = Field(gt=0, description="Demand multiplier on those days")


class PlannedClass(ScenarioModel):
    """A hiring class of a user's own plan."""

    pool: str = Field(description="Pool the class joins")
    start: CalendarDate = Field(description="First day of the class (its week is the plan week holding this day)")
    size: int = Field(ge=1, description="Agents hired")


class Overtime(ScenarioModel):
    """Overtime the agents may work."""

    cap: float = Field(0.0, ge=0, le=1, description="Overtime as a share of productive FTE at most (0.1 = 10 %)")
    premium: float = Field(1.5, ge=1, description="Multiplier of the hourly cost for overtime hours")


class Uncertainty(ScenarioModel):
    """The paths the plan is judged over: demand and attrition off their forecast."""

    demand: float = Field(0.05, ge=0, lt=1, description="Demand of a path: the forecast × (1 + N(0, this))")
    attrition: float = Field(0.25, ge=0, lt=1, description="Attrition of a path: the forecast × U(1 − this, 1 + this)")
    paths: int = Field(200, ge=1, le=10_000, description="Paths drawn")
    seed: int = Field(0, ge=0, description="Seed of the paths")


class Plan(ScenarioModel):
    """The hiring plan's horizon, demand over time and workforce."""

    start: CalendarDate | None = Field(None, description="First day of the plan (default: the scenario's start_date)")
    weeks: int = Field(52, ge=1, le=MAX_PLAN_WEEKS, description=f"Horizon, weeks (at most {MAX_PLAN_WEEKS})")
    strategy: str | None = Field(None, description="Strategy staffed (default: the first)")
    require: tuple[Requirement, ...] | None = Field(
        None, description="Service targets each week must meet (default: the decision's requirements)")
    growth_per_year: float = Field(0.0, gt=-1, le=10, description="Demand growth per year, compounded weekly")
    seasonality: tuple[Positive, ...] | None = Field(
        None, description="Demand index by calendar month (12 values, January first) or by ISO week (52); "
        "absent = 1")
    events: tuple[PlanEvent, ...] = Field((), description="Dated demand changes")
    shrinkage: tuple[Share, ...] | None = Field(
        None, description="Shrinkage by calendar month (12 values, January first; absent = the scenario's)")
    ai_ramp: tuple[NonNegative, ...] = Field(
        (), description="Multiplier of every intent's bot_resolvable (capped at 1) by month of the plan, the last "
        "one holding after; empty = the scenario's bot as it is")
    attrition: tuple[AttritionBand, ...] = Field((), description="Leavers per month by tenure band (empty = none)")
    learning_curve: tuple[Positive, ...] = Field(
        (), description="Handle-time multiplier by week of tenure from hire (> 0; 1 after the list): a new agent "
        "at 1.25 takes 25 % longer, so counts as 1/1.25 of an FTE")
    assist_learning_cut: Share = Field(
        0.0, description="Agent assist helps new agents more: when the planned strategy's bot has agent assist "
        "(assist_reduction or assist_card), the share of the learning curve's extra handle time it removes (0.5: "
        "a new agent at 1.3 × works at 1.15 ×; default 0, no extra help)")
    overtime: Overtime = Field(default_factory=Overtime, description="Overtime cap and premium")
    shortfall_penalty: float = Field(
        5000.0, ge=0, description="Cost of one FTE-week short of the requirement (scenario currency)")
    pools: dict[str, PlanPool] = Field(min_length=1, description="The pools planned, by name")
    hiring_plan: tuple[PlannedClass, ...] | None = Field(
        None, description="A hiring plan of your own to evaluate (absent = the cheapest plan is searched)")
    uncertainty: Uncertainty = Field(default_factory=Uncertainty, description="The paths the risk is judged over")
    week_types: int = Field(6, ge=2, le=60, description="Demand × AI levels simulated at most; the other weeks "
                                                         "are interpolated between them")
