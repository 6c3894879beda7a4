"""The ``agents:`` section: pools, their rosters (headcount, schedule or
shifts) and the routing policies that hand them work."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from chansim.scenario.channels import ChannelName
from chansim.scenario.models.base import ScenarioModel
from chansim.scenario.models.numbers import MAX_WHOLE

__all__ = ["Break", "Shift", "Pool", "Routing", "Agents", "AgentChoice", "QueueOrder", "ReplyOrder",
           "ROUTING_POLICIES"]

#: Which agent of a pool a new conversation goes to (``agents.routing.agent``).
AgentChoice = Literal["most_free_slots", "idle_attention_first", "longest_idle"]
#: What an agent with free capacity takes next (``agents.routing.queue``).
QueueOrder = Literal["priority", "voice_first_interruptible", "voice_first_reservation"]
#: Which waiting reply an agent writes next (``agents.routing.replies``).
ReplyOrder = Literal["in_turn", "first_replies_first"]

#: The routing policies by name, for each key of ``agents.routing`` that
#: names one; :mod:`chansim.engine.routing` has one policy class per name.
ROUTING_POLICIES: dict[str, tuple[str, ...]] = {
    "agent": get_args(AgentChoice),
    "queue": get_args(QueueOrder),
    "replies": get_args(ReplyOrder),
}


class Break(ScenarioModel):
    """Time off the floor within a shift."""

    after_h: float = Field(ge=0, le=24, description="Hours from the start of the shift to the start of the break")
    minutes: float = Field(
        gt=0, le=1440, description="Length of the break, minutes; off the floor, so not in staffed or paid hours"
    )


class Shift(ScenarioModel):
    """A shift pattern: when it starts, how long it lasts, the weekdays it runs
    and how many agents work it."""

    name: str = Field(min_length=1, description="Shift name, unique within the pool")
    start: str = Field(description='Clock time the shift starts, "HH:MM" (quoted)')
    hours: float = Field(gt=0, description="Length of the shift from its start, breaks included, hours")
    days: str | tuple[str, ...] = Field(
        "all", description="Weekdays the shift starts on: mon, mon-fri, sat,sun, all (default) or a list"
    )
    agents: int = Field(0, ge=0, description="Agents working this shift each day it runs")
    breaks: tuple[Break, ...] = Field((), description="Breaks, off the floor")


def _caps_problem(caps: dict, *, total_allowed: bool = True) -> str | None:
    """What is wrong with a mapping of slot caps, if anything: it must cap at
    least one channel, each cap (and the total) a whole number ≥ 1."""
    for key, value in caps.items():
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or value < 1:
            given = str(value).lower() if isinstance(value, bool) else repr(value)
            which = "the total" if key == "total" else f"the {key} cap"
            return f"{which} must be a whole number ≥ 1 (got {given})"
        if value > MAX_WHOLE:
            which = "the total" if key == "total" else f"the {key} cap"
            return f"{which} must be ≤ 2^53 = {MAX_WHOLE:,} (got {value:.3g}); a whole number that large is a slip"
    if not [key for key in caps if not (total_allowed and key == "total")]:
        return ("a mapping of slot caps must cap at least one channel, e.g. {webchat: 2, whatsapp: 6, total: 6}; "
                "without caps write a number")
    return None


def _int_or_caps(schema: dict) -> None:
    """In the JSON Schema, ``concurrency`` is a number or a mapping of caps."""
    number = {key: schema.pop(key) for key in ("type", "minimum") if key in schema}
    schema["anyOf"] = [number, {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}}]


class Pool(ScenarioModel):
    """A group of agents with the same skills."""

    name: str = Field(min_length=1, description="Pool name, unique")
    channels: tuple[ChannelName, ...] = Field(min_length=1, description="Channels these agents handle")
    headcount: int | None = Field(None, ge=0, description="Agents on shift at every hour (or use schedule or shifts)")
    interval_minutes: int = Field(
        60, description="Length of the intervals of `schedule`: 15, 30 or 60 minutes (default 60; unused without a "
        "schedule)"
    )
    schedule: tuple[int, ...] | dict[str, tuple[int, ...]] | None = Field(
        None,
        description="Agents on shift in each interval of the day from 00:00 (24 values at 60 minutes, 48 at 30, "
        "96 at 15): one list for every day, or one per weekday (mon: [...], mon-fri: [...], sat,sun: [...], all: "
        "[...]; each weekday once; a weekday left out has no one on shift), and beside them lists for calendar "
        "dates (\"2026-03-17\": [...], YYYY-MM-DD; each date once): a dated list staffs that date only and wins "
        "over its weekday's list there. Instead of headcount",
    )
    shifts: tuple[Shift, ...] | None = Field(
        None, description="Shift patterns, expanded to agents on shift per interval (instead of headcount)"
    )
    concurrency: int = Field(
        1,
        ge=1,
        json_schema_extra=_int_or_caps,
        description="Conversations one agent holds at once (slots); voice uses all. A mapping caps the slots "
        "per channel within a total (`{webchat: 2, whatsapp: 6, total: 6}`; total default: the largest cap; at "
        "least one channel capped, every cap a whole number ≥ 1); it is read as `concurrency` = the total and "
        "`slot_caps` = the caps",
    )
    slot_caps: dict[ChannelName, int] | None = Field(
        None, description="Slots per channel within `concurrency` (filled from a concurrency mapping)"
    )
    cost_per_hour: float = Field(0.0, ge=0, description="Fully loaded cost of one paid agent hour")
    shrinkage: float | None = Field(
        None, ge=0, lt=1, description="Share of paid time not on shift for this pool (default: agents.shrinkage)"
    )
    paid_on_closed_dates: bool = Field(
        False,
        description="Keep the roster (and its pay) on the dates every channel of this pool is closed "
        "(`hours.closed`); by default no one of the pool is scheduled on those dates",
    )

    @model_validator(mode="before")
    @classmethod
    def _slot_caps(cls, data: Any) -> Any:
        """``concurrency: {webchat: 2, whatsapp: 6, total: 6}`` is the total plus caps."""
        if isinstance(data, dict) and isinstance(data.get("concurrency"), dict):
            caps = dict(data["concurrency"])
            if _caps_problem(caps) is not None:
                return data  # refused, at concurrency, by _caps_are_whole_numbers
            total = caps.pop("total", max(caps.values()))
            data = {**data, "concurrency": total, "slot_caps": {**caps, **(data.get("slot_caps") or {})}}
        return data

    @field_validator("schedule", mode="before")
    @classmethod
    def _date_keys_as_text(cls, value: Any) -> Any:
        """A dated key given as a date (not text) is read as its ISO text."""
        if isinstance(value, dict) and any(type(key) is dt.date for key in value):
            out: dict = {}
            for key, values in value.items():
                text = key.isoformat() if type(key) is dt.date else key
                if text in out:
                    raise ValueError(f"the date {text} is given twice; each date once")
                out[text] = values
            return out
        return value

    @field_validator("concurrency", "slot_caps", mode="before")
    @classmethod
    def _caps_are_whole_numbers(cls, value: Any, info: Any) -> Any:
        """A caps mapping left by :meth:`_slot_caps` (or ``slot_caps`` given
        directly) is refused here, at its own key."""
        if isinstance(value, dict):
            problem = _caps_problem(value, total_allowed=info.field_name == "concurrency")
            if problem is not None:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _headcount_or_schedule(self) -> "Pool":
        given = [self.headcount is not None, self.schedule is not None, self.shifts is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'headcount', 'schedule' or 'shifts'")
        return self

    @property
    def hourly(self) -> bool:
        """Staffed by ``headcount`` or one 24-value hourly ``schedule`` (the same every day)."""
        return self.shifts is None and (
            self.schedule is None or (not isinstance(self.schedule, dict) and self.interval_minutes == 60)
        )

    def staffed_at(self, hour_of_day: int) -> int:
        """Agents on shift during ``hour_of_day`` (0-23) of an :attr:`hourly`
        pool; other rosters: :func:`chansim.scenario.rosters.on_shift`."""
        if not self.hourly:
            raise ValueError(f"pool {self.name!r} is not staffed hour by hour the same every day; use on_shift")
        return self.headcount if self.schedule is None else self.schedule[hour_of_day]  # type: ignore[return-value,index]


class Routing(ScenarioModel):
    """How work reaches agents: one policy of :mod:`chansim.engine.routing` per question."""

    agent: AgentChoice = Field(
        "most_free_slots",
        description="Which agent a new conversation goes to: the one with the most free slots; one whose "
        "attention is free (while none is, it waits in the pool for the first to free, see spill_after_s); or the "
        "one whose attention has been free the longest, else the most free slots (calls always go to the agent "
        "idle the longest)",
    )
    spill_after_s: float | None = Field(
        None, ge=0,
        description="With idle_attention_first: seconds a new conversation waits in the pool for a free attention "
        "before it goes to the agent with the most free slots (0: at once; default: it waits for a free attention)",
    )
    queue: QueueOrder = Field(
        "priority",
        description="What an agent with free capacity takes: the best queued contact by intent priority then "
        "arrival, a call only when the agent holds nothing; or calls first, either on any agent whose attention "
        "is free (the chats' replies wait while the call lasts) or by keeping agents holding chats from new "
        "chats while a call waits",
    )
    replies: ReplyOrder = Field(
        "in_turn",
        description="Order of the replies waiting on an agent's attention: in turn, or conversations still "
        "waiting for their first reply first",
    )

    @model_validator(mode="after")
    def _spill_needs_idle_attention(self):
        if self.spill_after_s is not None and self.agent != "idle_attention_first":
            raise ValueError("spill_after_s applies to agent: idle_attention_first only "
                             f"(the agent policy here is {self.agent!r})")
        return self


class Agents(ScenarioModel):
    """Staff."""

    shrinkage: float = Field(
        0.0, ge=0, lt=1, description="Share of paid time agents are not on shift (breaks, training, absence)"
    )
    hours_per_fte: float = Field(
        40.0, gt=0, le=168, description="Paid hours a week of one full-time equivalent (FTE), for reporting FTE"
    )
    pools: tuple[Pool, ...] = Field(min_length=1, description="Agent pools")
    routing: Routing = Field(default_factory=Routing, description="Routing policies (default: in turn, most free slots)")
