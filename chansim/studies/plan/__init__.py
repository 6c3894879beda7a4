"""Plan the weeks ahead: the workforce by tenure, required FTE from the
simulator per week-type, the cheapest hiring plan as an integer program, and
its risk over uncertain demand and attrition."""

from chansim.studies.plan.study import RISK_LEVEL, WEEKLY_COLUMNS, PlanResult, plan_hiring, run_plan

__all__ = ["PlanResult", "plan_hiring", "run_plan", "RISK_LEVEL", "WEEKLY_COLUMNS"]
