"""KPIs per channel per interval: the numbers an interval report holds, for
the data and for a simulation alike.

Each interval keeps the sums its KPIs are ratios of (offered, answered,
abandoned, handled, answered within target, wait, work, busy and staffed
seconds), so intervals can be pooled into hours, days or the whole period
before the ratios are taken. Definitions follow chansim's KPI table: service
level = answered within the target ÷ (answered + abandoned); abandon rate =
abandoned ÷ offered; ASA over answered contacts; AHT over handled contacts;
occupancy = busy ÷ staffed time. Contacts count in the interval they arrived
in."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

__all__ = ["interval_sums", "kpis_from_sums", "busy_by_hour", "KPIS", "SUMS"]

#: The KPIs a backtest compares, in order.
KPIS = ("service_level", "asa_s", "abandon_rate", "aht_s", "occupancy")
SUMS = ("offered", "answered", "abandoned", "handled", "in_target", "targeted", "wait_s", "work_s", "busy_s",
        "staffed_s")


def interval_sums(contacts: pd.DataFrame, targets: Mapping[str, float | None], freq: str = "h") -> pd.DataFrame:
    """Sums per channel and interval from contact records (canonical columns
    channel, arrival, answer, end); busy and staffed seconds are left 0."""
    c = contacts
    answered = c["answer"].notna()
    ended = c["end"].notna()
    wait = (c["answer"] - c["arrival"]).dt.total_seconds()
    handle = (c["end"] - c["answer"]).dt.total_seconds()
    target = c["channel"].astype(str).map(lambda ch: targets.get(ch)).astype(float)
    has_target = target.notna()
    abandoned = ~answered & ended
    frame = pd.DataFrame({
        "channel": c["channel"].astype(str).to_numpy(),
        "interval_start": c["arrival"].dt.floor(freq).to_numpy(),
        "offered": 1.0,
        "answered": answered.astype(float).to_numpy(),
        "abandoned": abandoned.astype(float).to_numpy(),
        "handled": (answered & ended).astype(float).to_numpy(),
        "in_target": (answered & (wait <= target)).astype(float).to_numpy(),
        "targeted": (has_target & (answered | abandoned)).astype(float).to_numpy(),
        "wait_s": wait.where(answered, 0.0).to_numpy(),
        "work_s": handle.where(answered & ended, 0.0).to_numpy(),
        "busy_s": 0.0,
        "staffed_s": 0.0,
    })
    return frame.groupby(["channel", "interval_start"], sort=True).sum().reset_index()


def kpis_from_sums(sums: pd.DataFrame, occupancy_from: str = "busy_s") -> pd.DataFrame:
    """The KPIs of each row of sums (null where there is nothing to measure).
    ``occupancy_from``: ``busy_s`` (a simulation's agent attention) or
    ``work_s`` (handle time, what an interval report counts)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "service_level": sums["in_target"] / sums["targeted"],
            "asa_s": sums["wait_s"] / sums["answered"],
            "abandon_rate": sums["abandoned"] / sums["offered"],
            "aht_s": sums["work_s"] / sums["handled"],
            "occupancy": sums[occupancy_from] / sums["staffed_s"],
        }, index=sums.index)
    return out.replace([np.inf, -np.inf], np.nan)


def busy_by_hour(contacts: pd.DataFrame) -> pd.DataFrame:
    """Seconds agents spent on answered contacts (answer to end) per channel
    per clock hour, each contact's time split across the hours it spans:
    columns channel, interval_start, busy_s."""
    c = contacts[contacts["answer"].notna() & contacts["end"].notna()]
    if c.empty:
        return pd.DataFrame(columns=["channel", "interval_start", "busy_s"])
    start = c["answer"].to_numpy().astype("datetime64[ms]").astype(np.int64) / 1000.0
    end = c["end"].to_numpy().astype("datetime64[ms]").astype(np.int64) / 1000.0
    first = np.floor(start / 3600.0).astype(np.int64)
    last = np.floor(np.maximum(end - 1e-9, start) / 3600.0).astype(np.int64)
    pieces = last - first + 1
    row = np.repeat(np.arange(c.shape[0]), pieces)
    hour = first[row] + (np.arange(row.size) - np.repeat(np.cumsum(pieces) - pieces, pieces))
    overlap = np.minimum(end[row], (hour + 1) * 3600.0) - np.maximum(start[row], hour * 3600.0)
    frame = pd.DataFrame({"channel": c["channel"].astype(str).to_numpy()[row],
                          "interval_start": pd.to_datetime(hour * 3600, unit="s"),
                          "busy_s": np.clip(overlap, 0, None)})
    return frame.groupby(["channel", "interval_start"], sort=True)["busy_s"].sum().reset_index()
