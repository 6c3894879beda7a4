"""KPIs: pure functions over the event log (and the cost lines priced from it).

Contacts that arrived during the warm-up are left out, with their messages
and costs; so is the staffed time of the warm-up.

=======================  ===================================================
KPI                      definition
=======================  ===================================================
contacts                 contacts that arrived (after the warm-up)
handled                  contacts an agent answered and finished
contained                contacts a bot resolved (null: no bot modelled)
abandoned                contacts that hung up / left before an answer
cost_total               cost_channel + cost_labor + cost_bot
cost_channel             channel fees (telephony, messages), markup included
cost_labor               paid hours × cost per hour; paid = staffed / (1 − shrinkage)
                         + overtime
cost_bot                 bot sessions × cost per session (0: no bot modelled)
cost_per_contact         cost_total / contacts
cost_per_resolution      cost_total / (resolved + contained contacts)
aht_s                    mean agent attention (focus) time per handled contact
asa_s                    mean wait of answered contacts, arrival to answer
service_level            share of offered contacts (abandoned included) answered
                         within their channel's service_level_target_s;
                         channels without a target are left out
abandon_rate             abandoned / contacts
containment_rate         contained / contacts (null: no bot modelled)
fcr_rate                 first contacts resolved without a repeat within 7 days
                         (null: repeat contacts not modelled)
ttr_s                    mean time from arrival to resolution, resolved contacts
occupancy                busy agent attention / agent time on the floor
                         (staffed + overtime finishing work after a shift)
csat, csat_pct           survey score 1–5 and share of 4–5 (null: no CSAT model)
messages                 messages sent either way
sms_segments             SMS segments of messages on the SMS channel
=======================  ===================================================

A KPI with nothing to measure (e.g. ``asa_s`` when nobody was answered) is
null, never a made-up number. ``by_channel`` gives the same keys per channel;
labor is split between channels by the agent attention each took in each pool,
and ``occupancy`` is null there (it belongs to pools: see ``by_pool``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chansim.billing.sms import sms_segments

__all__ = ["KPI_KEYS", "kpis", "measured_window", "per_row", "NOT_MODELLED"]

KPI_KEYS: tuple[str, ...] = (
    "contacts", "handled", "contained", "abandoned", "cost_total", "cost_channel", "cost_labor", "cost_bot",
    "cost_per_contact", "cost_per_resolution", "aht_s", "asa_s", "service_level", "abandon_rate",
    "containment_rate", "fcr_rate", "ttr_s", "occupancy", "csat", "csat_pct", "messages", "sms_segments",
)
#: KPIs the current model cannot measure: reported as null.
NOT_MODELLED = ("contained", "containment_rate", "fcr_rate", "csat", "csat_pct")


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def per_row(column: pd.Series, mapping: dict[str, float]) -> np.ndarray:
    """``mapping[value]`` for each row of a (categorical) column; nan where absent."""
    cat = column.astype("category") if not isinstance(column.dtype, pd.CategoricalDtype) else column
    lookup = np.array([mapping.get(str(name), np.nan) for name in cat.cat.categories] + [np.nan], dtype=float)
    return lookup[cat.cat.codes.to_numpy()]  # code -1 (missing) picks the trailing nan


def _contact_kpis(c: pd.DataFrame, targets: dict[str, float]) -> dict[str, Any]:
    outcome = c["outcome"]
    answered = c["answer_t"].notna().to_numpy()
    handled = answered & outcome.isin(["resolved", "unresolved"]).to_numpy()
    resolved = outcome.isin(["resolved", "contained"]).to_numpy()
    abandoned = (outcome == "abandoned").to_numpy()
    wait = c["wait_s"].to_numpy(dtype=float)
    target = per_row(c["channel"], targets)
    has_target = ~np.isnan(target)
    in_time = answered & has_target & (np.nan_to_num(wait, nan=np.inf) <= np.nan_to_num(target, nan=-1.0))
    n = len(c)
    ttr = (c["end_t"] - c["arrival_t"]).to_numpy(dtype=float)[(outcome == "resolved").to_numpy()]
    return {
        "contacts": n,
        "handled": int(handled.sum()),
        "abandoned": int(abandoned.sum()),
        "aht_s": _mean(c["focus_s"].to_numpy(dtype=float)[handled]),
        "asa_s": _mean(wait[answered]),
        "service_level": _ratio(in_time.sum(), has_target.sum()),
        "abandon_rate": _ratio(abandoned.sum(), n),
        "ttr_s": _mean(ttr),
        "_resolved": int(resolved.sum()),
    }


def _finish(k: dict[str, Any], cost_channel: float, cost_labor: float, cost_bot: float,
            messages: pd.DataFrame) -> dict[str, Any]:
    resolved = k.pop("_resolved")
    total = cost_channel + cost_labor + cost_bot
    sms = messages[(messages["channel"] == "sms").to_numpy()] if len(messages) else messages
    k.update(
        cost_total=total,
        cost_channel=cost_channel,
        cost_labor=cost_labor,
        cost_bot=cost_bot,
        cost_per_contact=_ratio(total, k["contacts"]),
        cost_per_resolution=_ratio(total, resolved),
        messages=len(messages),
        sms_segments=int(sms_segments(sms["chars"], sms["non_gsm"]).sum()) if len(sms) else 0,
    )
    for key in NOT_MODELLED:
        k[key] = None
    return {key: k.get(key) for key in KPI_KEYS}


def kpis(
    contacts: pd.DataFrame,
    messages: pd.DataFrame,
    labor: pd.DataFrame,
    channel_costs: pd.DataFrame,
    *,
    targets: dict[str, float],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """KPIs of one replication of one strategy: overall, by channel, by pool.

    ``contacts`` and ``messages`` are the measured window (see
    :func:`measured_window`); ``labor`` is :func:`chansim.labor.labor_costs`
    (net of the warm-up); ``channel_costs`` the cost lines priced from those
    contacts and messages; ``targets`` the service-level target (s) of each
    channel that has one."""
    c, m, costs = contacts, messages, channel_costs
    labor_total = float(labor["cost"].sum())
    staffed_h = float(labor["staffed_hours"].sum() + labor["overtime_hours"].sum())
    overall = _contact_kpis(c, targets)
    overall = _finish(overall, float(costs["cost"].sum()), labor_total, 0.0, m)
    overall["occupancy"] = _ratio(float(labor["busy_hours"].sum()), staffed_h)

    # labor split between channels by the attention each took in each pool
    focus = c.groupby(["pool", "channel"], observed=True)["focus_s"].sum()
    focus.index = pd.MultiIndex.from_arrays([focus.index.get_level_values(i).astype(str) for i in (0, 1)])
    pool_cost = labor.set_index("pool")["cost"]
    share = focus / focus.groupby(level=0).transform("sum")
    labor_by_channel = (share * pool_cost.reindex(share.index.get_level_values(0)).to_numpy()).groupby(level=1).sum()
    channel_cost = costs.groupby("channel", observed=True)["cost"].sum() if len(costs) else pd.Series(dtype=float)
    channel_cost.index = channel_cost.index.astype(str)

    by_channel = {}
    messages_of = dict(iter(m.groupby("channel", observed=True))) if len(m) else {}
    for name, sub in c.groupby("channel", observed=True):
        name = str(name)
        k = _contact_kpis(sub, targets)
        by_channel[name] = _finish(
            k,
            float(channel_cost.get(name, 0.0)),
            float(labor_by_channel.get(name, 0.0)),
            0.0,
            messages_of.get(name, m.iloc[:0]),
        )
        by_channel[name]["occupancy"] = None

    by_pool = {
        row.pool: {
            "staffed_hours": row.staffed_hours,
            "overtime_hours": row.overtime_hours,
            "paid_hours": row.paid_hours,
            "busy_hours": row.busy_hours,
            "occupancy": _ratio(row.busy_hours, row.staffed_hours + row.overtime_hours),
            "cost_labor": row.cost,
        }
        for row in labor.itertuples(index=False)
    }
    return overall, by_channel, by_pool


def measured_window(contacts: pd.DataFrame, messages: pd.DataFrame, warmup_s: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts that arrived after the warm-up, and their messages."""
    if warmup_s <= 0:
        return contacts, messages
    keep = contacts["arrival_t"].to_numpy(dtype=float) >= warmup_s
    c = contacts[keep]
    keys = ["replication", "strategy", "contact_id"]
    ids = pd.MultiIndex.from_frame(c[keys].astype({"strategy": str}))
    m = messages[pd.MultiIndex.from_frame(messages[keys].astype({"strategy": str})).isin(ids)]
    return c, m
