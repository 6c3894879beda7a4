"""The ``agents`` section of a fitted scenario: one pool per channel, its
schedule from the interval report's agents staffed, or sized for the fitted
load when the data has none."""

from __future__ import annotations

import math

from chansim.channels import channel_kind
from chansim.studies.commented_yaml import Commented, Node
from chansim.studies.exports import Exports
from chansim.studies.fit_report import FitReport, files_of as _files
from chansim.studies.volumes import VolumeFit, hourly_staffing

__all__ = ["agents_section", "SIZING_OCCUPANCY", "ASSUMED_CONCURRENCY"]

#: Occupancy a sized schedule aims at when the data has no staffing.
SIZING_OCCUPANCY = 0.85
ASSUMED_CONCURRENCY = 2


def agents_section(channels: list[str], exports: Exports, volumes: VolumeFit, report: FitReport) -> Node:
    agents = Node()
    pools = []
    staffing = None
    if exports.intervals is not None and "agents_staffed" in exports.intervals:
        staffing = hourly_staffing(exports.intervals)
    for channel in channels:
        kind = channel_kind(channel)
        concurrency = 1 if kind == "voice" else ASSUMED_CONCURRENCY
        pool: dict = {"name": channel, "channels": [channel]}
        rows = staffing[staffing["channel"] == channel] if staffing is not None else None
        if rows is not None and len(rows):
            by_hour = rows.groupby(rows["hour_start"].dt.hour)["agents"].mean().reindex(range(24), fill_value=0)
            pool["schedule"] = [int(round(v)) for v in by_hour]
            per_date = rows.groupby(rows["hour_start"].dt.normalize())["agents"].sum()
            per_day = per_date.groupby(per_date.index.day_of_week).mean()
            spread = float(per_day.std() / per_day.mean()) if len(per_day) > 1 and per_day.mean() > 0 else 0.0
            comment = (f"mean agents staffed by hour of day over {rows['hour_start'].dt.normalize().nunique()} days "
                       f"({_files(exports, 'intervals')})")
            if spread > 0.05:
                comment += (f"; staffed hours differ by weekday (cv {spread:.0%}): one schedule for every day is the "
                            "best a scenario can say today")
        else:
            pool["schedule"] = _sized_schedule(channel, volumes, report, concurrency)
            comment = (f"not in the data: sized for {SIZING_OCCUPANCY:.0%} occupancy of the fitted load, hour by hour; "
                       "replace with your own staffing")
        if kind != "voice":
            pool["concurrency"] = concurrency
            comment += f"; concurrency {concurrency} assumed"
        pools.append(Commented(pool, comment))
    agents["pools"] = Commented(pools, above=("one pool per channel",))
    return agents


def _sized_schedule(channel: str, volumes: VolumeFit, report: FitReport, concurrency: int) -> list[int]:
    hourly = volumes.hourly[volumes.hourly["channel"] == channel]
    per_hour = hourly.groupby(hourly["hour_start"].dt.hour)["offered"].mean().reindex(range(24), fill_value=0)
    work = report.handle_time[channel].dist.expected if channel in report.handle_time else 300.0
    if channel in report.conversations:
        work *= report.conversations[channel].turns.value
    load = per_hour.to_numpy() * work / 3600.0 / (1 if channel == "voice" else max(concurrency / 1.5, 1))
    return [int(math.ceil(v / SIZING_OCCUPANCY)) if v > 0 else 0 for v in load]
