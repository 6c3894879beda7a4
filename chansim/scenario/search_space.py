"""The ``optimize:`` section of a scenario: what ``chansim optimize`` may
change, what must hold, and what to make best.

```yaml
optimize:
  variables:
    agents.pools.voice.headcount: 40..80             # integers from 40 to 80
    agents.pools.digital.concurrency: 1..6:1         # integers, step 1
    strategies.*.ivr_deflection.offered: 0.0..0.6    # any real number in the range
    strategies.*.offer: [[voice, webchat], [voice, webchat, whatsapp]]   # one of these
  constraints: [voice.service_level >= 0.8, abandon_rate <= 0.05]
  objectives: [cost_total, csat]
  trials: 60
```

This module checks the section's shape only (a range's bounds in order,
choices not empty, ``KPI >= VALUE`` syntax); whether a path exists in the
scenario and whether a KPI is known and rankable is checked by the search
(:mod:`chansim.studies.optimize.space`), which knows the KPI table.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from chansim.scenario.goal_text import GOAL_PATTERN, NUMBER
from chansim.scenario.problems import plain_message

__all__ = ["IntRange", "RealRange", "Choices", "Variable", "SearchSpace", "parse_variable", "CONSTRAINT_PATTERN"]

_NUM = NUMBER
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*(?::\s*({_NUM}))?\s*$")
#: ``ADDRESS >= VALUE`` / ``ADDRESS <= VALUE`` (``%`` allowed, ``≥``/``≤`` too).
CONSTRAINT_PATTERN = GOAL_PATTERN


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IntRange(_Model):
    """Whole numbers from ``low`` to ``high`` inclusive, every ``step``."""

    kind: Literal["int"] = Field("int", description="Whole numbers (written low..high or low..high:step)")
    low: int = Field(description="Smallest value tried")
    high: int = Field(description="Largest value tried (at least low)")
    step: int = Field(1, ge=1, description="Gap between values")

    @model_validator(mode="after")
    def _ordered(self) -> "IntRange":
        if self.high < self.low:
            raise ValueError(f"the range's bounds are reversed: {self.low}..{self.high} (write low..high)")
        return self

    @property
    def size(self) -> int:
        return (self.high - self.low) // self.step + 1

    def __str__(self) -> str:
        return f"{self.low}..{self.high}" + (f":{self.step}" if self.step != 1 else "")


class RealRange(_Model):
    """Any real number from ``low`` to ``high``; with ``step``, only multiples of it from ``low``."""

    kind: Literal["real"] = Field("real", description="Real numbers (a bound written with a decimal point)")
    low: float = Field(description="Smallest value tried")
    high: float = Field(description="Largest value tried (at least low)")
    step: float | None = Field(None, gt=0, description="Gap between values (absent: any value in the range)")
    log: bool = Field(False, description="Search on a log scale (both bounds > 0)")

    @model_validator(mode="after")
    def _ordered(self) -> "RealRange":
        if self.high < self.low:
            raise ValueError(f"the range's bounds are reversed: {self.low:g}..{self.high:g} (write low..high)")
        if self.log and self.low <= 0:
            raise ValueError("a log-scale range needs low > 0")
        if self.log and self.step is not None:
            raise ValueError("a log-scale range takes no step")
        return self

    @property
    def size(self) -> float:
        return float("inf") if self.step is None else int((self.high - self.low) / self.step + 1e-9) + 1

    def __str__(self) -> str:
        return f"{self.low:g}..{self.high:g}" + (f":{self.step:g}" if self.step is not None else "")


class Choices(_Model):
    """One of a list of values (numbers, names, lists such as offer sets, mappings such as a bot)."""

    kind: Literal["choice"] = Field("choice", description="One of a list (written as the list itself)")
    values: tuple[Any, ...] = Field(min_length=1, description="The values to choose from; null is none")

    @property
    def size(self) -> int:
        return len(self.values)

    def __str__(self) -> str:
        return f"one of {len(self.values)} values"


Variable = IntRange | RealRange | Choices


def _message(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    text = plain_message(error)
    return f"{where}: {text}" if where else text


def parse_variable(value: Any) -> Variable:
    """``"40..80"``, ``"1..6:2"``, ``"0..0.6"``, ``[a, b, c]`` or
    ``{low, high, step, log}`` → a variable. A range is of whole numbers when
    both bounds (and the step) are whole numbers written without a decimal
    point; ``0.0..1.0`` is a range of reals."""
    if isinstance(value, (IntRange, RealRange, Choices)):
        return value
    if isinstance(value, str):
        match = _RANGE.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a range: write low..high or low..high:step "
                             "(or a list of values to choose from)")
        low, high, step = match.groups()
        try:
            if all(t is None or re.fullmatch(r"[-+]?[0-9]+", t) for t in (low, high, step)):
                return IntRange(low=int(low), high=int(high), step=int(step) if step else 1)
            return RealRange(low=float(low), high=float(high), step=float(step) if step else None)
        except ValidationError as exc:
            raise ValueError("; ".join(_message(e) for e in exc.errors())) from None
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("an empty list: give at least one value to choose from")
        return Choices(values=tuple(value))
    if isinstance(value, dict):
        kind = value.get("kind")
        if kind is None:
            whole = all(isinstance(value.get(k), int) and not isinstance(value.get(k), bool)
                        for k in ("low", "high") if k in value) and isinstance(value.get("step", 1), int)
            kind = "choice" if "values" in value else ("int" if whole and not value.get("log") else "real")
        model = {"int": IntRange, "real": RealRange, "choice": Choices}.get(kind)
        if model is None:
            raise ValueError(f"kind {kind!r} is not int, real or choice")
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            raise ValueError("; ".join(_message(e) for e in exc.errors())) from None
    raise ValueError(f"{value!r} is not a variable: write low..high, a list of values, or {{low:, high:, step:}}")


class SearchSpace(_Model):
    """The ``optimize:`` section: decision variables, constraints, objectives and the trial budget."""

    strategy: str | None = Field(
        None, description="Strategy the search starts from and changes (default: the first)"
    )
    variables: dict[str, Annotated[Variable, BeforeValidator(parse_variable)]] = Field(
        min_length=1,
        description="Decision variables by dotted scenario path: a range low..high of whole numbers, "
        "low..high of reals (a bound with a decimal point), low..high:step, or a list of values to choose "
        "from; strategies.*.FIELD is a field of the searched strategy",
    )
    constraints: tuple[str, ...] = Field(
        (), description="KPI >= VALUE or KPI <= VALUE on any KPI address (voice.service_level >= 0.8), "
        "met at the pessimistic end of its 95 % CI"
    )
    objectives: tuple[str, ...] = Field(
        min_length=1, description="KPI addresses to make best, in the KPI table's direction (one, or several "
        "for a frontier)"
    )
    trials: int = Field(40, ge=1, description="Trials (points tried) in the search")
    batch: int = Field(
        4, ge=1, description="Trials proposed and simulated together; results do not depend on the worker count"
    )
    replications: int | None = Field(
        None, ge=2, description="Replications of a promising point (default: the scenario's)"
    )
    first_replications: int = Field(
        2, ge=2, description="Replications every point gets first; only promising points get the rest (racing)"
    )
    seed: int | None = Field(None, ge=0, description="Seed of the search (default: the scenario's seed)")

    @model_validator(mode="after")
    def _constraints_read(self) -> "SearchSpace":
        bad = [c for c in self.constraints if not CONSTRAINT_PATTERN.match(c)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a constraint: write KPI >= VALUE or KPI <= VALUE, "
                             "e.g. voice.service_level >= 0.8")
        return self
