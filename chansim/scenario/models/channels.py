"""The ``channels:`` section: how contacts behave on each channel."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from chansim.scenario.channels import ChannelName
from chansim.scenario.distributions import Bounded, Distribution
from chansim.scenario.models.base import ScenarioModel

__all__ = ["Channel", "Escalation"]


class Channel(ScenarioModel):
    """How contacts behave on one channel."""

    like: ChannelName | None = Field(
        None, description="Copy every setting of this other channel, then apply the keys given here"
    )
    handle_time: Distribution | None = Field(None, description="Voice: agent time per call (talk + wrap), seconds")
    patience: Distribution | None = Field(
        None, description="Seconds a customer waits for an answer before abandoning; absent = waits indefinitely"
    )
    service_level_target_s: float | None = Field(
        None, gt=0, description="Answer-time target for service level, seconds; absent = channel not in service level"
    )
    turns: Distribution | None = Field(
        None, description="Messaging/email: customer message + agent reply pairs per conversation (default 1)"
    )
    agent_time_per_turn: Distribution | None = Field(
        None, description="Messaging/email: agent attention to write one reply, seconds"
    )
    customer_reply_delay: Distribution | None = Field(
        None, description="Messaging: seconds from an agent reply to the customer's next message"
    )
    park_after: float | None = Field(
        None,
        gt=0,
        description="Messaging: the slot is released when the customer is silent longer than this, seconds",
    )
    chars: Distribution | None = Field(None, description="Characters per message (default fixed 100)")
    non_gsm_share: float = Field(
        0.0, ge=0, le=1, description="Share of messages with a character outside GSM-7 (emoji, some accents)"
    )
    extension_share: float = Field(
        0.0, ge=0, le=1,
        description="Share of the characters of a GSM-7 message that are GSM-7 extension characters "
        "(€ [ ] { } \\ ^ ~ |), two septets each on SMS (default 0)",
    )
    emoji_share: float = Field(
        0.0, ge=0, le=1,
        description="Share of the characters of a non-GSM message that are emoji outside the Basic Multilingual "
        "Plane: two UCS-2 code units on SMS, four UTF-8 bytes on RCS (default 0)",
    )
    bytes_per_char: float = Field(
        1.0, ge=1, le=4,
        description="RCS: UTF-8 bytes per character of a non-GSM message's text apart from emoji (1 Latin with "
        "accents, about 2 Cyrillic/Greek/Arabic/Hebrew, about 2.6 Devanagari with spaces, 3 CJK; default 1)",
    )
    media_share: float = Field(0.0, ge=0, le=1, description="Share of messages carrying media (image, card)")
    reach: float | dict[str, float] = Field(
        1.0,
        description="Share of customers who can use this channel (0-1), or a share per segment name; "
        "the rest get `fallback`, or else their next offered preference",
    )
    fallback: ChannelName | None = Field(
        None, description="Channel the provider delivers on for customers out of reach (e.g. rcs → sms)"
    )
    unresolved_share: float = Field(
        0.0, ge=0, le=1, description="Extra share of contacts left unresolved on this channel (added to the intent's)"
    )
    escalate_to_voice: "Escalation | None" = Field(
        None, description="Messaging: a share of conversations switches to a phone call mid-conversation"
    )
    hours: dict[str, str | tuple[str | dt.date, ...]] | None = Field(
        None,
        description="Opening hours of the agents on this channel, by weekday or range of weekdays "
        "(`mon-fri: \"07:00-21:00\"`, `sat: [\"09:00-12:00\", \"13:00-17:00\"]`, `sun: closed`; days not "
        "named are closed) and holiday closures by date (`closed: [2026-12-25]`); absent = open 24/7. "
        "Calls while closed end `closed`; messages wait for the opening (see `while_closed`)",
    )
    at_close: Literal["work_down", "closed"] = Field(
        "work_down",
        description="What happens at closing time to the contacts still queued: `work_down` (default) the "
        "agents stay past the end of their shift until the queue is empty, paid as overtime; `closed` they end "
        "`closed` at closing time (and `repeats.after_closed` of them come back)",
    )
    while_closed: Literal["queue", "offline"] = Field(
        "queue",
        description="Messaging and email while closed: `queue` (default) a new conversation waits for the "
        "opening; `offline` the channel is not offered: the customer takes their next preference among the "
        "offered channels that are open, or, if none, comes back at the next opening of this one",
    )

    def reach_for(self, segment: str) -> float:
        if isinstance(self.reach, dict):
            return self.reach.get(segment, 1.0)
        return self.reach

    @model_validator(mode="after")
    def _reach_in_range(self) -> "Channel":
        values = self.reach.values() if isinstance(self.reach, dict) else [self.reach]
        if any(not 0 <= v <= 1 for v in values):
            raise ValueError("reach must be between 0 and 1")
        return self


class Escalation(ScenarioModel):
    """Customers who switch from messaging to a call mid-conversation."""

    share: float = Field(ge=0, le=1, description="Share of conversations that switch to voice")
    keeps_history: bool = Field(
        False, description="The voice agent sees the conversation; otherwise context is lost"
    )
    lost_context_extra_s: Bounded = Field(
        60.0, ge=0, description="Extra agent time on the call (× intent complexity) when context is lost"
    )



Channel.model_rebuild()
