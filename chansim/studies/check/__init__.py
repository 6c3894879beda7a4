"""Check: the cost-model regression gate over shipped scenarios and their baselines.

:mod:`.tolerance` (which tolerance a KPI gets), :mod:`.baseline` (baseline
files read, made and written), :mod:`.compare` (one run against one baseline)
and :mod:`.regression` (plans, runs and the report of ``chansim check``).
"""

from chansim.kpis.table import KPI_GROUPS, MODEL_KPIS, SIMULATION_KPIS
from chansim.studies.check.baseline import (
    BASELINE_FORMAT,
    baseline_document,
    read_baseline,
    scenario_identity,
    write_baseline,
    write_text_atomic,
)
from chansim.studies.check.compare import Row, StrategyCheck, change_text, compare, number_text, tolerance_text
from chansim.studies.check.regression import CheckReport, Plan, ScenarioCheck, check, plan, run_plans, scenario_files
from chansim.studies.check.tolerance import DEFAULT_TOLERANCES, EXACT, Tolerance

__all__ = ["KPI_GROUPS", "SIMULATION_KPIS", "MODEL_KPIS", "EXACT", "DEFAULT_TOLERANCES", "Tolerance", "Row",
           "StrategyCheck", "ScenarioCheck", "CheckReport", "Plan", "BASELINE_FORMAT", "scenario_files", "plan",
           "run_plans", "check", "scenario_identity", "read_baseline", "baseline_document", "write_baseline",
           "compare", "write_text_atomic", "number_text", "change_text", "tolerance_text"]
