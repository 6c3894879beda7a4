"""Agents on duty estimated from the agent named on each answered call: an
agent is counted on duty in an interval when a call of theirs was in service
during it (distinct agents active in the interval). Idle agents are not seen
and an agent whose shift ends mid-interval counts for the whole of it; agents
doing other work count too. The shrinkage ``fit --calibrate`` chooses absorbs the net effect.

Counted per quarter hour, so an agent leaving or arriving mid-hour counts
for the quarters they served in. A roster wants whole agents per interval:
:func:`dithered` rounds the fractional means so the day keeps its total."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["has_agents", "missing_agents", "agents_on_duty", "weekday_profile", "date_profile", "dithered", "QUARTERS"]

QUARTERS = 4  # schedule intervals per hour (interval_minutes 15)


def has_agents(contacts: pd.DataFrame | None) -> bool:
    """Whether the records name the agent of enough answered calls to estimate who was on duty."""
    if contacts is None or "agent" not in contacts:
        return False
    answered = contacts["answer"].notna()
    return bool(answered.any()) and contacts.loc[answered, "agent"].notna().mean() >= 0.5


def missing_agents(contacts: pd.DataFrame | None) -> str:
    """Why :func:`has_agents` is false, in words: what the records lack."""
    if contacts is None:
        return "the data holds no call records"
    answered = contacts["answer"].notna()
    if not answered.any():
        return f"none of its {len(contacts):,} calls was answered"
    if "agent" not in contacts:
        return "it has no agent column"
    named = int(contacts.loc[answered, "agent"].notna().sum())
    return f"{named:,} of its {int(answered.sum()):,} answered calls name their agent (at least half must)"


def agents_on_duty(contacts: pd.DataFrame) -> pd.DataFrame:
    """Distinct agents in service per channel per quarter hour, every
    quarter hour of every day of the records (zeros included): columns
    channel, hour_start (the quarter hour's start), agents."""
    step = 3600 // QUARTERS
    c = contacts[contacts["agent"].notna() & contacts["answer"].notna()]
    start = c["service_start"] if "service_start" in c else c["answer"]
    start = start.fillna(c["answer"])
    end = c["end"].fillna(start)
    seconds = start.to_numpy().astype("datetime64[s]").astype(np.int64)
    first = seconds // step
    last = np.maximum(end.to_numpy().astype("datetime64[s]").astype(np.int64) // step, first)
    pieces = last - first + 1
    row = np.repeat(np.arange(len(c)), pieces)
    slot = first[row] + (np.arange(row.size) - np.repeat(np.cumsum(pieces) - pieces, pieces))
    frame = pd.DataFrame({"channel": c["channel"].astype(str).to_numpy()[row],
                          "hour_start": pd.to_datetime(slot * step, unit="s"),
                          "agent": c["agent"].astype(str).to_numpy()[row]})
    counts = frame.groupby(["channel", "hour_start"])["agent"].nunique().rename("agents")
    days = pd.date_range(contacts["arrival"].min().normalize(), contacts["arrival"].max().normalize()
                         + pd.Timedelta(seconds=86_400 - step), freq=f"{step}s")
    channels = sorted(contacts["channel"].astype(str).unique())
    full = pd.MultiIndex.from_product([channels, days], names=["channel", "hour_start"])
    return counts.reindex(full, fill_value=0).astype(float).reset_index()


def weekday_profile(on_duty: pd.DataFrame, channel: str) -> dict[int, np.ndarray]:
    """Mean agents on duty by quarter hour of the day (96 values) for each weekday seen (Monday 0)."""
    rows = on_duty[on_duty["channel"] == channel]
    t = rows["hour_start"]
    quarter = t.dt.hour * QUARTERS + t.dt.minute // (60 // QUARTERS)
    cells = rows.groupby([t.dt.day_of_week, quarter])["agents"].mean()
    return {int(d): cells.loc[d].reindex(range(24 * QUARTERS), fill_value=0.0).to_numpy(dtype=float)
            for d in sorted(set(t.dt.day_of_week))}


def date_profile(on_duty: pd.DataFrame, channel: str) -> dict[str, np.ndarray]:
    """Agents on duty by quarter hour of the day (96 values) on each date of
    the records, by ISO date."""
    rows = on_duty[on_duty["channel"] == channel]
    t = rows["hour_start"]
    quarter = t.dt.hour * QUARTERS + t.dt.minute // (60 // QUARTERS)
    cells = rows.groupby([t.dt.normalize(), quarter])["agents"].sum()
    return {str(day.date()): cells.loc[day].reindex(range(24 * QUARTERS), fill_value=0.0).to_numpy(dtype=float)
            for day in sorted(set(t.dt.normalize()))}


def dithered(values: np.ndarray) -> list[int]:
    """Whole agents per interval keeping the fractional values' running
    total (error diffusion along the day): each interval within half an
    agent of its value."""
    out: list[int] = []
    carry = 0.0
    for value in np.asarray(values, dtype=float):
        want = max(value, 0.0) + carry
        whole = max(int(np.floor(want + 0.5)), 0)
        carry = want - whole if value > 0 else 0.0
        out.append(whole)
    return out
