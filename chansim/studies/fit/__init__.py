"""Fit: a scenario from a contact center's exports, and the backtest against them."""

from chansim.studies.fit.fitter import (  # noqa: F401
    fit,
    FitResult,
    FitReport,
    DEFAULT_TARGETS,
    MIN_DAYS,
)

__all__ = ["fit", "FitResult", "FitReport", "DEFAULT_TARGETS", "MIN_DAYS"]
