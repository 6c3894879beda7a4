"""Scenario files: models, loading, overrides and checks."""

from chansim.scenario.loader import load_scenario
from chansim.scenario.models import Scenario, validate_scenario

__all__ = ["Scenario", "load_scenario", "validate_scenario"]
