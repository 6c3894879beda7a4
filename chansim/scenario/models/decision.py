"""The ``decision:`` section: the rule that picks the strategy to recommend.

```yaml
decision:
  objective: cost_per_issue             # made best (its direction is the KPI's: lower cost is better)
  require: [voice.service_level >= 0.8, webchat.frt_s <= 60, abandon_rate <= 0.06]
  tie: 0.005                            # objectives within 0.5 % of each other tie
  tie_breakers: [abandon_rate, asa_s, frt_s, csat]
```

The recommended strategy is the best on ``objective`` among those meeting
every requirement, each judged at the pessimistic end of its 95 %
confidence interval. Two strategies tie when their objectives differ by less
than ``tie`` (relative) or when the paired difference is not significant; a
tie is broken by ``tie_breakers`` in order.

Absent ``require``, every offered channel with an answer-time target
(``service_level_target_s``) must answer :data:`DEFAULT_SERVICE_SHARE` of
its contacts within it: ``<channel>.service_level >= 0.8``.

This module checks the section's shape only (``KPI >= VALUE`` syntax, the
tie a share); whether each KPI is known and rankable is checked with the KPI
table (:func:`chansim.kpis.decision.decision_problems`).
"""

from __future__ import annotations

import re

from typing import Annotated

from pydantic import AfterValidator, Field

from chansim.scenario.goal_text import GOAL_PATTERN
from chansim.scenario.models.base import ScenarioModel

__all__ = ["Decision", "DEFAULT_SERVICE_SHARE", "DEFAULT_TIE", "DEFAULT_TIE_BREAKERS", "REQUIREMENT_PATTERN"]

#: Share of a channel's contacts answered within its target time required when ``require`` is absent.
DEFAULT_SERVICE_SHARE = 0.8
#: Relative difference of the objective under which two strategies tie.
DEFAULT_TIE = 0.005
#: What breaks a tie on the objective, in order.
DEFAULT_TIE_BREAKERS = ("abandon_rate", "asa_s", "frt_s", "csat")

#: ``ADDRESS >= VALUE`` / ``ADDRESS <= VALUE`` (``%`` allowed, ``≥``/``≤`` too).
REQUIREMENT_PATTERN = GOAL_PATTERN
_ADDRESS = re.compile(r"^[A-Za-z_][\w.\-]*$")


def _address(value: str) -> str:
    if not _ADDRESS.match(value.strip()):
        raise ValueError(f"{value!r} is not a KPI address, e.g. cost_per_issue or voice.cost_per_contact")
    return value.strip()


def _requirement(value: str) -> str:
    if not REQUIREMENT_PATTERN.match(value):
        raise ValueError(f"{value!r} is not KPI >= VALUE or KPI <= VALUE, e.g. voice.service_level >= 0.8")
    return value.strip()


#: A KPI address (checked against the KPI table by :func:`chansim.kpis.decision.decision_problems`).
KpiAddress = Annotated[str, AfterValidator(_address)]
#: ``KPI >= VALUE`` or ``KPI <= VALUE``.
Requirement = Annotated[str, AfterValidator(_requirement)]


class Decision(ScenarioModel):
    """How the strategy to recommend is chosen."""

    objective: KpiAddress = Field(
        "cost_per_issue",
        description="KPI address made best among the strategies meeting every requirement (default "
        "cost_per_issue; its direction is the KPI's: lower for money and times, higher for service and CSAT)",
    )
    require: tuple[Requirement, ...] | None = Field(
        None,
        description="Requirements every recommended strategy must meet, `KPI >= VALUE` or `KPI <= VALUE` on any "
        "KPI address (voice.service_level >= 0.8), judged at the pessimistic end of the 95 % CI; absent = "
        f"each offered channel with an answer-time target answers {DEFAULT_SERVICE_SHARE:g} of its contacts "
        "within it (`<channel>.service_level >= 0.8`)",
    )
    tie: float = Field(
        DEFAULT_TIE, ge=0, lt=1,
        description="Relative difference of the objective under which two strategies tie (default 0.005 = "
        "0.5 %); a difference that is not significant (paired over the same customers) is a tie too",
    )
    tie_breakers: tuple[KpiAddress, ...] = Field(
        DEFAULT_TIE_BREAKERS,
        description="KPI addresses that break a tie on the objective, in order, each in its own direction "
        "(default abandon_rate, asa_s, frt_s, csat)",
    )
