"""Exports made from a simulated event log: the three formats ``fit`` reads,
as a contact center would export them. Used to check that fitting a
simulation recovers the parameters that made it, and to try the commands
without data of one's own."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from chansim.studies.fit.interval_kpis import interval_sums, kpis_from_sums

__all__ = ["contact_records", "message_records", "interval_report"]

_EMOJI = "\U0001F600"


def _times(start: pd.Timestamp, seconds: pd.Series) -> pd.Series:
    return start + pd.to_timedelta(seconds.astype(float).round(3), unit="s")


def contact_records(contacts: pd.DataFrame, start_date) -> pd.DataFrame:
    """Contact records (canonical columns) from the event log's ``contacts``
    table of one replication; contacts still waiting at the end are left out."""
    start = pd.Timestamp(start_date)
    c = contacts[contacts["outcome"].astype(str) != "unserved"]
    answered = c["answer_t"].notna()
    return pd.DataFrame({
        "contact_id": c["contact_id"].astype(str).to_numpy(),
        "channel": c["channel"].astype(str).to_numpy(),
        "arrival": _times(start, c["queued_t"]).to_numpy(),
        "answer": _times(start, c["answer_t"]).where(answered).to_numpy(),
        "end": _times(start, c["end_t"]).to_numpy(),
        "outcome": c["outcome"].astype(str).to_numpy(),
        "customer_id": c["customer_id"].astype(str).to_numpy(),
    })


def message_records(messages: pd.DataFrame, start_date) -> pd.DataFrame:
    """Message records with texts of the logged length (an emoji in the
    messages the log flags as non-GSM)."""
    start = pd.Timestamp(start_date)
    m = messages[messages["sender"].astype(str).isin(["customer", "agent"])]
    chars = m["chars"].astype(int).clip(lower=1).to_numpy()
    non_gsm = m["non_gsm"].to_numpy(dtype=bool)
    texts = [(_EMOJI + "x" * (n - 1)) if flag else "x" * n for n, flag in zip(chars, non_gsm)]
    return pd.DataFrame({
        "conversation_id": m["contact_id"].astype(str).to_numpy(),
        "timestamp": _times(start, m["t"]).to_numpy(),
        "direction": np.where(m["sender"].astype(str) == "customer", "inbound", "outbound"),
        "channel": m["channel"].astype(str).to_numpy(),
        "text": texts,
    })


def interval_report(records: pd.DataFrame, staffing: pd.DataFrame | None, pool_channels: Mapping[str, str],
                    targets: Mapping[str, float | None], start_date, freq: str = "30min") -> pd.DataFrame:
    """An ACD interval report from contact records (and the log's
    ``staffing`` table for agents staffed; ``pool_channels`` names the
    channel of each pool)."""
    sums = interval_sums(records, targets, freq)
    table = pd.concat([sums, kpis_from_sums(sums, "work_s")], axis=1)
    out = table[["interval_start", "channel", "offered", "handled", "abandoned", "aht_s", "asa_s",
                 "service_level"]].copy()
    if staffing is not None:
        start = pd.Timestamp(start_date)
        s = staffing.assign(channel=staffing["pool"].astype(str).map(dict(pool_channels)),
                            hour=start + pd.to_timedelta(staffing["interval_start_s"], unit="s"))
        agents = s.groupby(["channel", "hour"])["staffed"].mean()
        key = pd.MultiIndex.from_arrays([out["channel"], out["interval_start"].dt.floor("h")])
        out["agents_staffed"] = agents.reindex(key).to_numpy()
    # every interval of the period, quiet ones included
    grid = pd.date_range(out["interval_start"].min().normalize(),
                         out["interval_start"].max().normalize() + pd.Timedelta(days=1), freq=freq, inclusive="left")
    full = pd.MultiIndex.from_product([sorted(out["channel"].unique()), grid], names=["channel", "interval_start"])
    out = out.set_index(["channel", "interval_start"]).reindex(full).reset_index()
    for col in ("offered", "handled", "abandoned"):
        out[col] = out[col].fillna(0).astype(int)
    if staffing is not None:
        key = pd.MultiIndex.from_arrays([out["channel"], out["interval_start"].dt.floor("h")])
        out["agents_staffed"] = agents.reindex(key).to_numpy()
    return out[["interval_start", "channel", "offered", "handled", "abandoned", "aht_s", "asa_s", "service_level"]
               + (["agents_staffed"] if staffing is not None else [])]
