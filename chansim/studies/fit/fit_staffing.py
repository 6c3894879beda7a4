"""The ``agents`` section of a fitted scenario: one pool per channel, its
schedule from the interval report's agents staffed, or sized for the fitted
load when the data has none."""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

import pandas as pd

from chansim.scenario.channels import channel_kind
from chansim.scenario.rosters import WEEKDAYS
from chansim.studies.fit.agents_on_duty import agents_on_duty, date_profile, dithered, has_agents, weekday_profile
from chansim.studies.fit.commented_yaml import Commented, Node
from chansim.studies.fit.exports import Exports
from chansim.studies.fit.fit_report import FitReport, files_of as _files
from chansim.studies.fit.volumes import VolumeFit, hourly_staffing

__all__ = ["agents_section", "on_duty_schedule", "dated_on_duty_schedule", "SIZING_OCCUPANCY", "ASSUMED_CONCURRENCY"]

#: Occupancy a sized schedule aims at when the data has no staffing.
SIZING_OCCUPANCY = 0.85
ASSUMED_CONCURRENCY = 2


def on_duty_schedule(on_duty: pd.DataFrame, channel: str, shrinkage: float = 0.0) -> dict[str, list[int]]:
    """A 15-minute schedule per weekday from the mean agents on duty by
    weekday and quarter hour, times ``1 − shrinkage`` (the share of them
    on shift for the queue)."""
    profile = weekday_profile(on_duty, channel)
    return by_weekday([dithered(profile.get(d, np.zeros(96)) * (1.0 - shrinkage)) for d in range(7)])


def dated_on_duty_schedule(on_duty: pd.DataFrame, channel: str, shrinkage: float = 0.0) -> dict[str, list[int]]:
    """A 15-minute schedule for each date of ``on_duty`` (ISO date keys):
    that date's agents on duty by quarter hour, times ``1 − shrinkage``."""
    return {date: dithered(values * (1.0 - shrinkage)) for date, values in date_profile(on_duty, channel).items()}


def agents_section(channels: list[str], exports: Exports, volumes: VolumeFit, report: FitReport,
                   calibrated: Mapping[str, tuple[float, str]] | None = None) -> Node:
    """One pool per channel; ``calibrated[channel]``: the shrinkage
    calibrated for that channel's pool and the comment saying so."""
    agents = Node()
    pools = []
    staffing = None
    if exports.intervals is not None and "agents_staffed" in exports.intervals:
        staffing = hourly_staffing(exports.intervals)
    on_duty = agents_on_duty(exports.contacts) if has_agents(exports.contacts) else None
    for channel in channels:
        kind = channel_kind(channel)
        concurrency = 1 if kind == "voice" else ASSUMED_CONCURRENCY
        pool: dict = {"name": channel, "channels": [channel]}
        rows = staffing[staffing["channel"] == channel] if staffing is not None else None
        if staffing is None and on_duty is not None and (on_duty["channel"] == channel).any():
            pool["interval_minutes"] = 15
            shrinkage, calibration = (calibrated or {}).get(channel, (0.0, ""))
            pool["schedule"] = on_duty_schedule(on_duty, channel, shrinkage)
            days = on_duty["hour_start"].dt.normalize().nunique()
            comment = (f"agents on duty by weekday and quarter hour: distinct agents serving calls in each quarter hour, mean over "
                       f"{days} days ({_files(exports, 'contacts')}), spread over quarter hours")
            if calibration:
                pool["shrinkage"] = round(shrinkage, 3)
                comment += f"; times 1 − shrinkage {calibration}"
        elif rows is not None and len(rows):
            hours = rows["hour_start"]
            by_hour = rows.groupby(hours.dt.hour)["agents"].mean().reindex(range(24), fill_value=0)
            every_day = [int(round(v)) for v in by_hour]
            days = hours.dt.normalize().nunique()
            comment = f"mean agents staffed by hour of day over {days} days ({_files(exports, 'intervals')})"
            per_weekday = None
            if hours.dt.day_of_week.nunique() == 7:
                cells = rows.groupby([hours.dt.day_of_week, hours.dt.hour])["agents"].mean()
                per_weekday = [[int(round(cells.get((d, h), 0.0))) for h in range(24)] for d in range(7)]
            if per_weekday is not None and any(day != per_weekday[0] for day in per_weekday):
                pool["schedule"] = by_weekday(per_weekday)
                comment = (f"mean agents staffed by weekday and hour over {days} days "
                           f"({_files(exports, 'intervals')}): staffing differs by weekday")
            else:
                pool["schedule"] = every_day
                spread = _weekday_spread(rows) if per_weekday is None else 0.0
                if spread > 0.05:
                    comment += (f"; staffed hours differ by weekday (cv {spread:.0%}) but not every "
                                "weekday is in the data: one schedule for every day")
        else:
            pool["schedule"] = _sized_schedule(channel, volumes, report, concurrency)
            comment = (f"not in the data: sized for {SIZING_OCCUPANCY:.0%} occupancy of the fitted load, "
                       f"{'weekday by weekday, ' if isinstance(pool['schedule'], dict) else ''}hour by hour; "
                       "replace with your own staffing")
        if kind != "voice":
            pool["concurrency"] = concurrency
            comment += f"; concurrency {concurrency} assumed"
        pools.append(Commented(pool, comment))
    agents["pools"] = Commented(pools, above=("one pool per channel",))
    return agents


def _weekday_spread(rows: pd.DataFrame) -> float:
    """Coefficient of variation of staffed hours across weekdays."""
    per_date = rows.groupby(rows["hour_start"].dt.normalize())["agents"].sum()
    per_day = per_date.groupby(per_date.index.day_of_week).mean()
    return float(per_day.std() / per_day.mean()) if len(per_day) > 1 and per_day.mean() > 0 else 0.0


def by_weekday(days: list[list[int]]) -> dict[str, list[int]]:
    """A schedule per weekday (Monday first), consecutive equal days joined
    under one key (``mon-fri``)."""
    out: dict[str, list[int]] = {}
    start = 0
    for d in range(1, 8):
        if d == 7 or days[d] != days[start]:
            key = WEEKDAYS[start] if d - 1 == start else f"{WEEKDAYS[start]}-{WEEKDAYS[d - 1]}"
            out[key] = days[start]
            start = d
    return out


def _sized_schedule(channel: str, volumes: VolumeFit, report: FitReport,
                    concurrency: int) -> list[int] | dict[str, list[int]]:
    """Agents for the fitted load at :data:`SIZING_OCCUPANCY`: per weekday when
    every weekday is in the data and their needs differ, else one day."""
    hourly = volumes.hourly[volumes.hourly["channel"] == channel]
    hours = hourly["hour_start"]
    work = report.handle_time[channel].dist.expected if channel in report.handle_time else 300.0
    if channel in report.conversations:
        work *= report.conversations[channel].turns.value
    per_agent = 3600.0 * (1 if channel == "voice" else max(concurrency / 1.5, 1))

    def sized(offered) -> list[int]:
        return [int(math.ceil(v * work / per_agent / SIZING_OCCUPANCY)) if v > 0 else 0 for v in offered]

    every_day = sized(hourly.groupby(hours.dt.hour)["offered"].mean().reindex(range(24), fill_value=0).to_numpy())
    if hours.dt.day_of_week.nunique() < 7:
        return every_day
    cells = hourly.groupby([hours.dt.day_of_week, hours.dt.hour])["offered"].mean()
    days = [sized([cells.get((d, h), 0.0) for h in range(24)]) for d in range(7)]
    return by_weekday(days) if any(day != days[0] for day in days) else every_day
