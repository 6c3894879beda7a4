"""Staffing: the smallest roster per pool and interval that meets the targets, and shift plans."""

from chansim.studies.staffing.search import (  # noqa: F401
    Target,
    parse_target,
    find_staffing,
    StaffingResult,
    PoolStaffing,
    CONVENTION,
    INTERVAL_KPIS,
    MAX_ROUNDS,
    MAX_SHIFT_ROUNDS,
    pool_kpis,
    contact_kpis_by_group,
    scaled_roster,
    closed_cells,
)

__all__ = ["Target", "parse_target", "find_staffing", "StaffingResult", "PoolStaffing", "CONVENTION", "INTERVAL_KPIS", "MAX_ROUNDS", "MAX_SHIFT_ROUNDS", "pool_kpis", "contact_kpis_by_group", "scaled_roster", "closed_cells"]
