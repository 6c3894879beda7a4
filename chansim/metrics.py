"""KPIs: pure functions over the event log (and the cost lines priced from it).

Contacts that arrived during the warm-up are left out, with their messages
and costs; so is the staffed time of the warm-up.

=======================  ===================================================
KPI                      definition
=======================  ===================================================
contacts                 contacts that arrived (after the warm-up)
handled                  contacts an agent answered and finished
contained                contacts a bot resolved
abandoned                contacts that hung up / left before an answer
cost_total               cost_channel + cost_labor + cost_bot
cost_channel             channel fees (telephony, messages), markup included
cost_labor               paid hours × cost per hour; paid = staffed / (1 − shrinkage)
                         + overtime
cost_bot                 bot sessions × cost per session
cost_per_contact         cost_total / contacts
cost_per_resolution      cost_total / (resolved + contained contacts)
aht_s                    mean agent attention (focus) time per handled contact
asa_s                    mean wait of answered contacts, queue to answer
service_level            share of contacts offered to agents (abandoned included)
                         answered within their channel's service_level_target_s,
                         the wait counted from joining the agents' queue (after
                         the IVR or the bot); channels without a target are left
                         out
abandon_rate             abandoned / contacts
containment_rate         contained / contacts
fcr_rate                 issues resolved at the first attempt (by an agent or a
                         bot, deflections included) with no repeat contact within
                         the FCR window (7 days), over issues whose first attempt
                         reached an agent or a bot
ttr_s                    mean time from an issue's first contact to its final
                         resolution, repeats included, over resolved issues
occupancy                busy agent attention / agent time on the floor
                         (staffed + overtime finishing work after a shift)
csat, csat_pct           mean survey score (1–5) and share of 4–5 among the
                         customers who answered the survey (see chansim.csat)
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
from chansim.csat import csat_kpis

__all__ = ["KPI_KEYS", "kpis", "measured_window", "per_row", "NOT_MODELLED"]

KPI_KEYS: tuple[str, ...] = (
    "contacts", "handled", "contained", "abandoned", "cost_total", "cost_channel", "cost_labor", "cost_bot",
    "cost_per_contact", "cost_per_resolution", "aht_s", "asa_s", "service_level", "abandon_rate",
    "containment_rate", "fcr_rate", "ttr_s", "occupancy", "csat", "csat_pct", "messages", "sms_segments",
)
#: KPIs the current model cannot measure: reported as null.
NOT_MODELLED: tuple[str, ...] = ()


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def per_row(column: pd.Series, mapping: dict[str, float]) -> np.ndarray:
    """``mapping[value]`` for each row of a (categorical) column; nan where absent."""
    cat = column.astype("category") if not isinstance(column.dtype, pd.CategoricalDtype) else column
    lookup = np.array([mapping.get(str(name), np.nan) for name in cat.cat.categories] + [np.nan], dtype=float)
    return lookup[cat.cat.codes.to_numpy()]  # code -1 (missing) picks the trailing nan


def _issue_kpis(c: pd.DataFrame, fcr_window_s: float) -> dict[str, Any]:
    """FCR and time to resolution per issue (a first contact and everything
    that followed from it: continuations on other channels and repeats)."""
    if "root_id" not in c or not len(c):
        return {"fcr_rate": None, "ttr_s": None}
    keys = [k for k in ("replication", "strategy") if k in c] + ["root_id"]
    outcome = c["outcome"]
    # one integer per (strategy, replication, root contact): no tuples per row
    issue = np.asarray(c["root_id"], dtype=np.int64)
    width = int(issue.max()) + 1 if len(issue) else 1
    for k in keys[:-1]:
        codes, uniques = pd.factorize(c[k])
        issue = codes.astype(np.int64) * width + issue
        width *= max(len(uniques), 1)
    if width > 4 * len(issue) + 1024:  # sparse keys: number the issues densely, in the same order
        _, issue = np.unique(issue, return_inverse=True)
        width = int(issue.max()) + 1
    first = (c["attempt"] == 0).to_numpy() if "attempt" in c else np.ones(len(c), bool)
    reached = outcome.isin(["resolved", "unresolved", "contained"]).to_numpy()
    solved = outcome.isin(["resolved", "contained"]).to_numpy()
    arrival = c["arrival_t"].to_numpy(float)
    end = c["end_t"].to_numpy(float)

    def flag(rows: np.ndarray) -> np.ndarray:
        out = np.zeros(width, dtype=bool)
        out[issue[rows]] = True
        return out

    # per issue: when its first contact came, whether it was reached and solved then
    opened = flag(first)
    start = np.full(width, np.inf)
    np.minimum.at(start, issue[first], arrival[first])
    reached_first = flag(first & reached)
    solved_first = flag(first & solved)
    # ... whether the customer came back within the FCR window
    again = ~first
    back = issue[again]
    since = arrival[again] - start[back]
    repeated = np.zeros(width, dtype=bool)
    repeated[back[opened[back] & (since <= fcr_window_s)]] = True
    counted = int((opened & reached_first).sum())
    fcr = int((opened & reached_first & solved_first & ~repeated).sum()) / counted if counted else None
    # ... and when its last solving contact ended
    resolution = np.full(width, -np.inf)
    np.fmax.at(resolution, issue[solved], end[solved])
    done = opened & np.isfinite(resolution)
    ttr = resolution[done] - start[done]
    return {"fcr_rate": float(fcr) if fcr is not None else None, "ttr_s": float(ttr.sum() / ttr.size) if ttr.size else None}


def _contact_kpis(c: pd.DataFrame, targets: dict[str, float], fcr_window_s: float = 7 * 86_400.0) -> dict[str, Any]:
    outcome = c["outcome"]
    answered = c["answer_t"].notna().to_numpy()
    handled = answered & outcome.isin(["resolved", "unresolved"]).to_numpy()
    resolved = outcome.isin(["resolved", "contained"]).to_numpy()
    abandoned = (outcome == "abandoned").to_numpy()
    contained = (outcome == "contained").to_numpy()
    wait = c["wait_s"].to_numpy(dtype=float)
    target = per_row(c["channel"], targets)
    offered = c["queued_t"].notna().to_numpy() if "queued_t" in c else np.ones(len(c), bool)
    has_target = ~np.isnan(target) & offered
    in_time = answered & has_target & (np.nan_to_num(wait, nan=np.inf) <= np.nan_to_num(target, nan=-1.0))
    n = len(c)
    return {
        "contacts": n,
        "handled": int(handled.sum()),
        "contained": int(contained.sum()),
        "abandoned": int(abandoned.sum()),
        "aht_s": _mean(c["focus_s"].to_numpy(dtype=float)[handled]),
        "asa_s": _mean(wait[answered]),
        "service_level": _ratio(in_time.sum(), has_target.sum()),
        "abandon_rate": _ratio(abandoned.sum(), n),
        "containment_rate": _ratio(contained.sum(), n),
        **_issue_kpis(c, fcr_window_s),
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
        sms_segments=int(sms_segments(sms["chars"], sms["non_gsm"], sms["extension"] if "extension" in sms else None,
                                      sms["emoji"] if "emoji" in sms else None).sum()) if len(sms) else 0,
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
    bot_cost_per_session: float = 0.0,
    fcr_window_s: float = 7 * 86_400.0,
    survey: pd.DataFrame | None = None,
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
    sessions = (c["bot_outcome"] != "none").to_numpy() if "bot_outcome" in c else np.zeros(len(c), bool)
    whole = _contact_kpis(c, targets, fcr_window_s)
    overall = _finish(dict(whole), float(costs["cost"].sum()), labor_total, float(sessions.sum()) * bot_cost_per_session,
                      m)
    overall.update(_csat(survey))
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
    # one channel: its contacts are all the contacts (no copy, no second pass)
    one = len(c) > 0 and c["channel"].nunique() == 1
    for name, sub in [(c["channel"].iloc[0], c)] if one else c.groupby("channel", observed=True):
        name = str(name)
        k = dict(whole) if sub is c else _contact_kpis(sub, targets, fcr_window_s)
        sub_sessions = (sub["bot_outcome"] != "none").to_numpy() if "bot_outcome" in sub else np.zeros(len(sub), bool)
        by_channel[name] = _finish(
            k,
            float(channel_cost.get(name, 0.0)),
            float(labor_by_channel.get(name, 0.0)),
            float(sub_sessions.sum()) * bot_cost_per_session,
            messages_of.get(name, m.iloc[:0]),
        )
        by_channel[name]["occupancy"] = None
        if survey is not None:
            by_channel[name].update(_csat(survey[(survey["channel"] == name).to_numpy()]))

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


def _csat(survey: pd.DataFrame | None) -> dict[str, Any]:
    if survey is None:
        return {"csat": None, "csat_pct": None}
    return csat_kpis(survey)


def measured_window(contacts: pd.DataFrame, messages: pd.DataFrame, warmup_s: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts that arrived after the warm-up, and their messages (messages
    outside any contact, such as campaign sends, by their own time)."""
    if warmup_s <= 0:
        return contacts, messages
    keep = contacts["arrival_t"].to_numpy(dtype=float) >= warmup_s
    c = contacts[keep]
    keys = ["replication", "strategy", "contact_id"]
    ids = pd.MultiIndex.from_frame(c[keys].astype({"strategy": str}))
    mine = pd.MultiIndex.from_frame(messages[keys].astype({"strategy": str})).isin(ids)
    loose = (messages["contact_id"].to_numpy() < 0) & (messages["t"].to_numpy(dtype=float) >= warmup_s)
    return c, messages[mine | loose]
