"""How a goal is written: ``KPI op value`` (``voice.service_level >= 0.8``,
``frt_s<=60``, ``abandon_rate <= 6 %``). One grammar for the scenario's
``decision.require`` and ``optimize.constraints``, and for ``staff --target``;
what the KPI means is checked against the KPI table (:mod:`chansim.kpis.goals`)."""

from __future__ import annotations

import re

__all__ = ["NUMBER", "KPI_NAME", "GOAL_PATTERN"]

#: A decimal number, digits 0-9 only (``\d`` would take other scripts' digits too).
NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
#: A KPI address as written: a name with dotted breakdowns (``pool.digital.occupancy``).
KPI_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*[A-Za-z0-9_]"
#: ``KPI op value [%]``: groups are the KPI, the operator, the value and the optional percent sign.
GOAL_PATTERN = re.compile(rf"^\s*({KPI_NAME})\s*(>=|<=|≥|≤)\s*({NUMBER})\s*(%?)\s*$")
