"""Labor cost: paid hours × cost per hour, per pool and interval.

Paid hours = staffed hours / (1 − shrinkage) + overtime hours: the agents on
shift are the share of paid time left after breaks, training and absence, and
an agent who finishes a conversation after its shift ended is paid for that
time one for one. Pure: staffing table and scenario in, one row per
(replication, strategy, pool) out.

Slot hours: the slots on the floor (staffed and overtime hours × the pool's
concurrency) and the slot-hours held by conversations and calls (a call holds
every slot of its agent), for slot utilisation.

FTE (full-time equivalents) = paid hours ÷ (``agents.hours_per_fte`` × the
measured weeks): the heads of full-time staff the paid hours amount to, for a
measured period of any length (half a week of 400 paid hours at 40 hours per
FTE is 20 FTE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.scenario.models import Scenario

__all__ = ["labor_costs", "measured_share", "fte", "HOURS_PER_WEEK"]

HOURS_PER_WEEK = 7 * 24.0


def measured_share(staffing: pd.DataFrame, warmup_s: float) -> np.ndarray:
    """Share of each interval that lies after the warm-up (0..1)."""
    start = staffing["interval_start_s"].to_numpy(dtype=float)
    length = staffing["interval_s"].to_numpy(dtype=float)
    return np.clip((start + length - warmup_s) / np.where(length > 0, length, 1.0), 0.0, 1.0)


def fte(paid_hours: float | np.ndarray, scenario: Scenario) -> float | np.ndarray:
    """Full-time equivalents of ``paid_hours`` over the measured period (after the warm-up)."""
    weeks = (scenario.horizon_s - scenario.warmup_s) / 3600.0 / HOURS_PER_WEEK
    return paid_hours / (scenario.agents.hours_per_fte * weeks)


def labor_costs(staffing: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Staffed and paid hours, their cost and their FTE per pool, after the warm-up."""
    pools = {p.name: p for p in scenario.agents.pools}
    share = measured_share(staffing, scenario.warmup_s)
    staffed_h = staffing["staffed"].to_numpy(dtype=float) * staffing["interval_s"].to_numpy(dtype=float) * share / 3600
    overtime_h = (staffing["overtime_s"].to_numpy(dtype=float) if "overtime_s" in staffing else 0.0) * share / 3600
    names = staffing["pool"].astype(str)
    shrinkage = names.map(lambda n: pools[n].shrinkage if pools[n].shrinkage is not None else scenario.agents.shrinkage)
    rate = names.map(lambda n: pools[n].cost_per_hour)
    frame = pd.DataFrame(
        {
            "replication": staffing["replication"].to_numpy(),
            "strategy": staffing["strategy"].astype(str).to_numpy(),
            "pool": names.to_numpy(),
            "staffed_hours": staffed_h,
            "overtime_hours": overtime_h,
            "paid_hours": staffed_h / (1.0 - shrinkage.to_numpy(dtype=float)) + overtime_h,
            "busy_hours": staffing["busy_s"].to_numpy(dtype=float) * share / 3600,
        }
    )
    if "held_slot_s" in staffing:  # slot utilisation: slots held ÷ slots on the floor
        concurrency = names.map(lambda n: pools[n].concurrency).to_numpy(dtype=float)
        frame["held_slot_hours"] = staffing["held_slot_s"].to_numpy(dtype=float) * share / 3600
        frame["slot_hours"] = (staffed_h + overtime_h) * concurrency
    frame["cost"] = frame["paid_hours"] * rate.to_numpy(dtype=float)
    out = frame.groupby(["replication", "strategy", "pool"], sort=False, as_index=False).sum()
    out["fte"] = fte(out["paid_hours"].to_numpy(dtype=float), scenario)
    return out
