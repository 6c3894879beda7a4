"""Check: the cost-model regression gate over shipped scenarios and their baselines."""

from chansim.studies.check.regression import (  # noqa: F401
    KPI_GROUPS,
    SIMULATION_KPIS,
    MODEL_KPIS,
    EXACT,
    DEFAULT_TOLERANCES,
    Tolerance,
    Row,
    StrategyCheck,
    ScenarioCheck,
    CheckReport,
    Plan,
    BASELINE_FORMAT,
    scenario_files,
    plan,
    run_plans,
    check,
    scenario_identity,
    read_baseline,
    baseline_document,
    write_baseline,
    compare,
    write_text_atomic,
    number_text,
    change_text,
    tolerance_text,
)

__all__ = ["KPI_GROUPS", "SIMULATION_KPIS", "MODEL_KPIS", "EXACT", "DEFAULT_TOLERANCES", "Tolerance", "Row", "StrategyCheck", "ScenarioCheck", "CheckReport", "Plan", "BASELINE_FORMAT", "scenario_files", "plan", "run_plans", "check", "scenario_identity", "read_baseline", "baseline_document", "write_baseline", "compare", "write_text_atomic", "number_text", "change_text", "tolerance_text"]
