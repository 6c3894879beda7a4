"""Optimize: the search over the channel mix and staffing for the cost–service frontier."""

from chansim.studies.optimize.study import (  # noqa: F401
    optimize,
    STUDY_NAME,
)

__all__ = ["optimize", "STUDY_NAME"]
