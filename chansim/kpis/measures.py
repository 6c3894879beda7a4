"""The function that measures each KPI, from the :class:`~chansim.kpis.sample.Totals`
of a part of the log (the whole log, one channel, one pool, ...).

One function per key of the KPI table (:mod:`chansim.kpis.table`); the table
points at these by name. Each reads sums and counts that add up over any
split of the log (:meth:`chansim.kpis.sample.Sample.totals` gives them for one
chunk; :class:`chansim.kpis.tally.Tally` adds the chunks of a run), so a run
measured a chunk at a time gives the same KPIs as measured at once. A KPI
with nothing to measure is ``None`` (null), never a made-up number.
"""

from __future__ import annotations

from chansim.kpis.totals import Totals


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def _mean(t: Totals, name: str) -> float | None:
    return t.mean(name)


def _sum_or_none(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else float(sum(parts))


def contacts(t: Totals) -> int:
    return t["contacts"]


def issues(t: Totals) -> int:
    return t["issues"]


def handled(t: Totals) -> int:
    return t["handled"]


def contained(t: Totals) -> int:
    return t["contained"]


def abandoned(t: Totals) -> int:
    return t["abandoned"]


def closed(t: Totals) -> int:
    return t["closed"]


def cost_channel(t: Totals) -> float | None:
    return t.cost_channel


def cost_labor(t: Totals) -> float | None:
    return t.cost_labor


def cost_bot(t: Totals) -> float | None:
    return t.cost_bot


def cost_total(t: Totals) -> float | None:
    return _sum_or_none(t.cost_channel, t.cost_labor, t.cost_bot)


def cost_per_contact(t: Totals) -> float | None:
    total = cost_total(t)
    return None if total is None else _ratio(total, contacts(t))


def cost_per_issue(t: Totals) -> float | None:
    total = cost_total(t)
    return None if total is None else _ratio(total, issues(t))


def cost_per_resolution(t: Totals) -> float | None:
    total = cost_total(t)
    return None if total is None else _ratio(total, t["resolutions"])


def aht_s(t: Totals) -> float | None:
    return _mean(t, "focus")


def asa_s(t: Totals) -> float | None:
    return _mean(t, "wait")


def service_level(t: Totals) -> float | None:
    return _ratio(t["sl_in_time"], t["sl_offered"])


def abandon_rate(t: Totals) -> float | None:
    return _ratio(abandoned(t), contacts(t))


def closed_rate(t: Totals) -> float | None:
    return _ratio(closed(t), contacts(t))


def containment_rate(t: Totals) -> float | None:
    return _ratio(contained(t), contacts(t))


def fcr_rate(t: Totals) -> float | None:
    return _ratio(t["fcr"], issues(t))


def ttr_s(t: Totals) -> float | None:
    return _mean(t, "ttr")


def frt_s(t: Totals) -> float | None:
    return _mean(t, "frt")


def response_time_s(t: Totals) -> float | None:
    return _mean(t, "response")


def response_sl(t: Totals) -> float | None:
    return _ratio(t["response_in_time"], t["response_has_target"])


def slot_wait_s(t: Totals) -> float | None:
    return _mean(t, "slot_wait")


def _labor_sum(t: Totals, column: str) -> float | None:
    if t.labor is None:
        return None
    return t.labor.get(column)


def occupancy(t: Totals) -> float | None:
    busy, staffed, over = (_labor_sum(t, k) for k in ("busy_hours", "staffed_hours", "overtime_hours"))
    return None if busy is None else _ratio(busy, staffed + (over or 0.0))


def slot_utilisation(t: Totals) -> float | None:
    held, slots = _labor_sum(t, "held_slot_hours"), _labor_sum(t, "slot_hours")
    return None if held is None or slots is None else _ratio(held, slots)


def fte(t: Totals) -> float | None:
    paid = _labor_sum(t, "paid_hours")
    if paid is None or t.period_h <= 0:
        return None
    return paid / t.hours_per_fte * (168.0 / t.period_h)


def csat(t: Totals) -> float | None:
    return _mean(t, "csat") if t.surveyed else None


def csat_pct(t: Totals) -> float | None:
    return _ratio(t["csat_satisfied"], t["csat.n"]) if t.surveyed else None


def messages(t: Totals) -> int:
    return t["messages"]


def sms_segments(t: Totals) -> int:
    return t["sms_segments"]
