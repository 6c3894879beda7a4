"""The function that measures each KPI, over a :class:`~chansim.kpis.sample.Sample`.

One function per key of the KPI table (:mod:`chansim.kpis.table`); the table
points at these by name. A KPI with nothing to measure is ``None`` (null),
never a made-up number.
"""

from __future__ import annotations

import numpy as np

from chansim.kpis.csat import SATISFIED
from chansim.kpis.sample import Sample



def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def _mean(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else None


def _sum_or_none(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else float(sum(parts))


def contacts(s: Sample) -> int:
    return int(s.counted.sum())


def issues(s: Sample) -> int:
    return int((s.rows & s.log.issues["opener"]).sum())


def handled(s: Sample) -> int:
    if s.by_leg:
        return int(s.handled.sum())
    return int((s.counted & s.log.final("resolved", "unresolved")).sum())


def contained(s: Sample) -> int:
    return int(s.outcome("contained").sum())


def abandoned(s: Sample) -> int:
    return int(s.outcome("abandoned").sum())


def closed(s: Sample) -> int:
    return int(s.outcome("closed").sum())


def cost_channel(s: Sample) -> float | None:
    return s.cost_channel


def cost_labor(s: Sample) -> float | None:
    return s.cost_labor


def cost_bot(s: Sample) -> float | None:
    return s.cost_bot


def cost_total(s: Sample) -> float | None:
    return _sum_or_none(s.cost_channel, s.cost_labor, s.cost_bot)


def cost_per_contact(s: Sample) -> float | None:
    total = cost_total(s)
    return None if total is None else _ratio(total, contacts(s))


def cost_per_issue(s: Sample) -> float | None:
    total = cost_total(s)
    return None if total is None else _ratio(total, issues(s))


def cost_per_resolution(s: Sample) -> float | None:
    total = cost_total(s)
    return None if total is None else _ratio(total, s.outcome("resolved", "contained").sum())


def aht_s(s: Sample) -> float | None:
    return _mean(s.log.focus[s.handled])


def asa_s(s: Sample) -> float | None:
    return _mean(s.log.wait[s.rows & s.log.offered])


def service_level(s: Sample) -> float | None:
    offered = s.rows & s.log.offered & ~np.isnan(s.log.target)
    return _ratio((offered & s.log.in_time).sum(), offered.sum())


def abandon_rate(s: Sample) -> float | None:
    return _ratio(abandoned(s), contacts(s))


def closed_rate(s: Sample) -> float | None:
    return _ratio(closed(s), contacts(s))


def containment_rate(s: Sample) -> float | None:
    return _ratio(contained(s), contacts(s))


def fcr_rate(s: Sample) -> float | None:
    opener = s.rows & s.log.issues["opener"]
    return _ratio(s.log.issues["fcr"][opener].sum(), opener.sum())


def ttr_s(s: Sample) -> float | None:
    opener = s.rows & s.log.issues["opener"]
    return _mean(s.log.issues["ttr"][opener])


def _messaging(s: Sample) -> np.ndarray:
    return s.rows & s.log.offered & ~s.log.voice


def frt_s(s: Sample) -> float | None:
    rows = _messaging(s)
    return _mean(s.log.first_reply[rows] - s.log.queued[rows])


def response_time_s(s: Sample) -> float | None:
    return _mean(s.replies["response"])


def response_sl(s: Sample) -> float | None:
    r = s.replies
    return _ratio(r["in_time"].sum(), r["has_target"].sum())


def slot_wait_s(s: Sample) -> float | None:
    rows = _messaging(s)
    return _mean(s.log.slot_t[rows] - s.log.queued[rows])


def _labor_sum(s: Sample, column: str) -> float | None:
    if s.labor is None or column not in s.labor:
        return None
    return float(s.labor[column].sum())


def occupancy(s: Sample) -> float | None:
    busy, staffed, over = (_labor_sum(s, k) for k in ("busy_hours", "staffed_hours", "overtime_hours"))
    return None if busy is None else _ratio(busy, staffed + (over or 0.0))


def slot_utilisation(s: Sample) -> float | None:
    held, slots = _labor_sum(s, "held_slot_hours"), _labor_sum(s, "slot_hours")
    return None if held is None or slots is None else _ratio(held, slots)


def fte(s: Sample) -> float | None:
    paid = _labor_sum(s, "paid_hours")
    if paid is None or s.period_h <= 0:
        return None
    return paid / s.hours_per_fte * (168.0 / s.period_h)


def csat(s: Sample) -> float | None:
    responded, score = s.log.survey_answers
    if s.log.survey is None:
        return None
    return _mean(score[s.rows & responded])


def csat_pct(s: Sample) -> float | None:
    responded, score = s.log.survey_answers
    if s.log.survey is None:
        return None
    answered = s.rows & responded
    return _ratio((score[answered] >= SATISFIED).sum(), answered.sum())


def messages(s: Sample) -> int:
    return int(s.messages.sum())


def sms_segments(s: Sample) -> int:
    return s.log.segments_of(s.messages)
