"""The scenario file as frozen pydantic models.

Each field is described once, with its unit; the JSON Schema (``chansim
schema``) is generated from these descriptions. Units: times in seconds, money
in the scenario's currency, rates per day unless the key says otherwise.
Cross-field rules (shares sum to 1, every channel defined, ...) live in
:mod:`chansim.scenario.checks`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import copy

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from chansim.scenario.channels import CHANNELS, ChannelName, channel_kind
from chansim.scenario.csat import Csat
from chansim.scenario.distributions import Distribution
from chansim.errors import InputError, Problem
from chansim.scenario.checks import run_checks
from chansim.scenario.paths import apply_overrides, join_path, line_of
from chansim.scenario.problems import problems_from_validation_error
from chansim.scenario.search_space import SearchSpace

__all__ = [
    "CHANNELS",
    "ChannelName",
    "channel_kind",
    "Segment",
    "Intent",
    "Demand",
    "Channel",
    "Fee",
    "Bot",
    "IvrDeflection",
    "Campaign",
    "Repeats",
    "Escalation",
    "Pricing",
    "Break",
    "Shift",
    "Pool",
    "Routing",
    "Agents",
    "Strategy",
    "Scenario",
    "validate_scenario",
]

class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Segment(_Model):
    """A group of customers who rank channels the same way."""

    name: str = Field(min_length=1, description="Segment name, unique")
    share: float = Field(
        gt=0, le=1, description="Share of contacts from this segment (segments sum to 1; a sum within 0.001 of 1 "
        "is scaled to 1)"
    )
    preference: tuple[ChannelName, ...] = Field(
        min_length=1, description="Channels in the order this segment prefers them"
    )
    market: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$",
        description="ISO 3166 country of this segment's customers: their messages and calls are priced at its "
        "rates (GB = UK); absent = the scenario's market",
    )


class Intent(_Model):
    """Why the customer gets in touch."""

    name: str = Field(min_length=1, description="Intent name, unique")
    share: float = Field(
        gt=0, le=1, description="Share of contacts with this intent (intents sum to 1; a sum within 0.001 of 1 "
        "is scaled to 1)"
    )
    complexity: float = Field(1.0, gt=0, description="Multiplier on agent handle time and time per turn")
    priority: int = Field(0, ge=0, description="Queue priority; higher is answered first (FIFO within a priority)")
    bot_resolvable: float = Field(0.0, ge=0, le=1, description="Share a bot can resolve on its own (used by bots)")
    value: float = Field(0.0, ge=0, description="Business value of the contact, in the scenario currency")
    unresolved_share: float = Field(
        0.0, ge=0, le=1, description="Share of contacts an agent handles without resolving (the customer comes back)"
    )


def _default_intents() -> tuple[Intent, ...]:
    return (Intent(name="general", share=1.0),)


class Demand(_Model):
    """How many contacts arrive, when, from whom and why."""

    contacts_per_day: float = Field(
        ge=0, description="Contacts arriving on an average day (the weekly profile is normalised to mean 1)"
    )
    intraday: tuple[float, ...] | dict[str, tuple[float, ...]] = Field(
        (1.0,) * 24,
        description="24 hourly weights, hour 0 = 00:00-01:00, normalised to sum 1 (default flat); or one such list "
        "per weekday, every weekday once (`{mon-fri: [...], sat: [...], sun: [...]}`)",
    )
    weekly: tuple[float, ...] = Field(
        (1.0,) * 7,
        min_length=7,
        max_length=7,
        description="7 daily weights, Monday first; normalised to mean 1 (default flat)",
    )
    segments: tuple[Segment, ...] = Field(min_length=1, description="Customer segments")
    intents: tuple[Intent, ...] = Field(default_factory=_default_intents, min_length=1, description="Contact intents")

    @model_validator(mode="after")
    def _profiles_positive(self) -> "Demand":  # (intraday: chansim.scenario.profiles.profile_problems)
        if any(w < 0 for w in self.weekly) or sum(self.weekly) <= 0:
            raise ValueError("weekly weights must be ≥ 0 and not all 0")
        return self


class Channel(_Model):
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
        "Calls while closed end `closed`; messages wait for the opening",
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


class Escalation(_Model):
    """Customers who switch from messaging to a call mid-conversation."""

    share: float = Field(ge=0, le=1, description="Share of conversations that switch to voice")
    keeps_history: bool = Field(
        False, description="The voice agent sees the conversation; otherwise context is lost"
    )
    lost_context_extra_s: float = Field(
        60.0, ge=0, description="Extra agent time on the call (× intent complexity) when context is lost"
    )


class Bot(_Model):
    """A bot that answers first on some channels and escalates what it cannot resolve."""

    channels: tuple[ChannelName, ...] = Field((), description="Channels the bot answers first (empty: no bot)")
    cost_per_session: float = Field(0.0, ge=0, description="Cost of one bot conversation, scenario currency")
    keeps_context: bool = Field(True, description="Escalations reach the agent with the bot conversation")
    turns: Distribution = Field(
        default_factory=lambda: Distribution(dist="fixed", value=3),
        description="Customer message + bot reply pairs before the bot resolves or escalates",
    )
    time_per_turn: Distribution = Field(
        default_factory=lambda: Distribution(dist="fixed", value=2), description="Seconds for the bot to reply"
    )
    customer_reply_delay: Distribution | None = Field(
        None, description="Seconds for the customer to answer the bot (default: the channel's reply delay)"
    )
    lost_context_extra_s: float = Field(
        60.0, ge=0, description="Extra agent time (× intent complexity) when an escalation arrives without context"
    )
    lost_context_unresolved: float = Field(
        0.05, ge=0, le=1, description="Extra unresolved share after an escalation without context"
    )
    skip_priority: int | None = Field(
        None, description="Intents with at least this priority go straight to an agent (triage)"
    )
    skip_value: float | None = Field(
        None, ge=0, description="Intents worth at least this much go straight to an agent (triage)"
    )
    provider: Literal["own", "meta_business_agent"] = Field(
        "own",
        description="Who runs the bot: your own or a third party's (its WhatsApp replies are service messages), or "
        "Meta Business Agent (its WhatsApp replies are billed per token from 2026-08-01)",
    )
    tokens_per_reply: float | None = Field(
        None, gt=0, description="Meta Business Agent: tokens billed per bot reply (needed with that provider)"
    )
    token_rate: float | None = Field(
        None, ge=0,
        description="Meta Business Agent: USD per token (not public: UNVERIFIED, give your own; needed with that "
        "provider)",
    )

    @model_validator(mode="after")
    def _business_agent_rates(self) -> "Bot":
        if self.provider == "meta_business_agent":
            missing = [k for k in ("tokens_per_reply", "token_rate") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"provider meta_business_agent needs {' and '.join(missing)} (Meta's per-token rate "
                                 "is not public: give your own; a missing rate is never taken as 0)")
        return self


class IvrDeflection(_Model):
    """Callers offered a messaging link instead of waiting on the phone."""

    to: ChannelName = Field(description="Messaging channel the accepting callers continue on")
    offered: float = Field(1.0, ge=0, le=1, description="Share of callers offered the link (default all)")
    accept: float = Field(0.3, ge=0, le=1, description="Share of those offered who accept (default 0.3, assumption)")
    ivr_seconds: float = Field(30.0, ge=0, description="Seconds in the IVR before the offer or the queue (default 30)")
    when: Literal["always", "if_waiting"] = Field(
        "always", description="Offer to every caller, or only when no agent is free"
    )
    link_channel: ChannelName = Field("sms", description="Channel of the message carrying the link (default sms)")
    link_chars: int = Field(120, ge=1, description="Characters of the link message")
    via_bot: bool = Field(
        True, description="The continuation meets the bot first when its channel has one (default true)"
    )


class Campaign(_Model):
    """Proactive notifications; responders become inbound conversations."""

    channel: ChannelName = Field(description="Channel the notification is sent on")
    category: Literal["utility", "marketing", "authentication"] = Field(
        "utility", description="Template category (WhatsApp) / purpose"
    )
    per_day: float = Field(gt=0, description="Notifications sent per day")
    at_hour: int = Field(10, ge=0, le=23, description="Hour of day the batch goes out (spread over that hour)")
    chars: int = Field(160, ge=1, description="Characters per notification")
    media: bool = Field(False, description="Rich media (RCS single / rich media, MMS on SMS)")
    non_gsm: bool = Field(False, description="Contains a character outside GSM-7")
    response_rate: float = Field(ge=0, le=1, description="Share of recipients who reply and start a conversation")
    response_delay: Distribution = Field(
        default_factory=lambda: Distribution(dist="exponential", mean=1800.0),
        description="Seconds from the notification to the reply",
    )
    intent: str = Field(description="Intent the responders bring")
    segment: str | None = Field(None, description="Segment of the recipients (default: drawn by segment share)")
    prevents: float = Field(
        0.0, ge=0, le=1,
        description="Share of inbound contacts with this intent the notifications make unnecessary "
        "(e.g. order updates prevent 'where is my order' contacts); default 0",
    )


class Repeats(_Model):
    """Customers whose issue is not resolved come back."""

    delay: Distribution = Field(
        default_factory=lambda: Distribution(dist="exponential", mean=86_400.0),
        description="Seconds from the end of a contact to the customer's next attempt (default mean 1 day)",
    )
    after_abandon: float = Field(
        0.0, ge=0, le=1, description="Share of customers who try again after abandoning (default 0: off)"
    )
    switch_share: float = Field(
        0.3, ge=0, le=1, description="Share of returning customers who move to their next offered preference"
    )
    fcr_window_days: float = Field(7.0, gt=0, description="A repeat within this many days counts against FCR")
    after_closed: float = Field(
        0.5, ge=0, le=1,
        description="Share of callers who reach a closed line and call back in the next opening hours "
        "(default 0.5, assumption)",
    )


class Fee(_Model):
    """A flat, negotiated channel fee; each part is optional."""

    per_message: float = Field(0.0, ge=0, description="Per message, either direction")
    per_segment: float = Field(0.0, ge=0, description="Per SMS segment, either direction")
    per_minute: float = Field(0.0, ge=0, description="Per started second of a call, as a per-minute rate")
    per_contact: float = Field(0.0, ge=0, description="Per contact on this channel")


class Pricing(_Model):
    """What channels cost: dated rate cards, a markup, and flat fees that win
    over the cards for the channels they name."""

    rate_card: str | None = Field(
        None,
        description="A rate card file (.yaml) replacing built-in cards of the same id and adding the rest; "
        "absent = the built-in cards",
    )
    date: dt.date | None = Field(
        None,
        description="What-if: price every message as if sent on this date (the card in force that day; calendar "
        "months counted from it); absent = each message on its own date, start_date + its time",
    )
    markup: float = Field(0.0, ge=0, description="Provider margin on channel fees (0.10 = 10 %)")
    rules: Literal["current", "v2"] = Field(
        "current",
        description="current = the billing rules in force on each date (WhatsApp service and in-window utility "
        "messages charged from 2026-10-01); v2 = what-if: WhatsApp's July 2025 rules kept after 2026-10-01",
    )
    business_market: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$",
        description="ISO country the business is based in (authentication-international rates apply to "
        "authentication templates to other countries that have one); absent = the scenario's market",
    )
    rcs_agent: Literal["conversational", "non_conversational"] = Field(
        "non_conversational", description="RCS agent billing category (outside the US)"
    )
    voice_number: Literal["toll_free", "local"] = Field("toll_free", description="Number type customers call")
    exchange_rates: dict[str, float] = Field(
        default_factory=dict,
        description="Scenario currency per unit of another currency, for cards in that currency (e.g. USD: 83.2)",
    )
    fees: dict[ChannelName, Fee] = Field(
        default_factory=dict, description="Flat negotiated fees by channel; they replace the card for that channel"
    )

    @model_validator(mode="before")
    @classmethod
    def _whatsapp_v3_gone(cls, data: Any) -> Any:
        if isinstance(data, dict) and "whatsapp_v3" in data:
            raise ValueError("whatsapp_v3 was removed: WhatsApp's 2026-10-01 charges are the default from that date; "
                             "to price as before, set pricing.rules: v2")
        return data

    @model_validator(mode="after")
    def _rates_positive(self) -> "Pricing":
        bad = [k for k, v in self.exchange_rates.items() if not v > 0]
        if bad:
            raise ValueError(f"exchange_rates must be > 0 ({', '.join(bad)})")
        return self


class Break(_Model):
    """Time off the floor within a shift."""

    after_h: float = Field(ge=0, description="Hours from the start of the shift to the start of the break")
    minutes: float = Field(
        gt=0, description="Length of the break, minutes; off the floor, so not in staffed or paid hours"
    )


class Shift(_Model):
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


def _int_or_caps(schema: dict) -> None:
    """In the JSON Schema, ``concurrency`` is a number or a mapping of caps."""
    number = {key: schema.pop(key) for key in ("type", "minimum") if key in schema}
    schema["anyOf"] = [number, {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}}]


class Pool(_Model):
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
        "96 at 15): one list for every day, or one per weekday (mon: [...], mon-fri: [...]; a weekday left out has "
        "no one on shift). Instead of headcount",
    )
    shifts: tuple[Shift, ...] | None = Field(
        None, description="Shift patterns, expanded to agents on shift per interval (instead of headcount)"
    )
    concurrency: int = Field(
        1,
        ge=1,
        json_schema_extra=_int_or_caps,
        description="Conversations one agent holds at once (slots); voice uses all. A mapping caps the slots "
        "per channel within a total (`{webchat: 2, whatsapp: 6, total: 6}`; total default: the largest cap); "
        "it is read as `concurrency` = the total and `slot_caps` = the caps",
    )
    slot_caps: dict[ChannelName, int] | None = Field(
        None, description="Slots per channel within `concurrency` (filled from a concurrency mapping)"
    )
    cost_per_hour: float = Field(0.0, ge=0, description="Fully loaded cost of one paid agent hour")
    shrinkage: float | None = Field(
        None, ge=0, lt=1, description="Share of paid time not on shift for this pool (default: agents.shrinkage)"
    )

    @model_validator(mode="before")
    @classmethod
    def _slot_caps(cls, data: Any) -> Any:
        """``concurrency: {webchat: 2, whatsapp: 6, total: 6}`` is the total plus caps."""
        if isinstance(data, dict) and isinstance(data.get("concurrency"), dict):
            caps = dict(data["concurrency"])
            numbers = [v for v in caps.values() if isinstance(v, (int, float))]
            total = caps.pop("total", max(numbers, default=1))
            data = {**data, "concurrency": total, "slot_caps": {**caps, **(data.get("slot_caps") or {})}}
        return data

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


class Routing(_Model):
    """How work reaches agents: one policy of :mod:`chansim.engine.routing` per question."""

    agent: Literal["most_free_slots", "idle_attention_first", "longest_idle"] = Field(
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
    queue: Literal["priority", "voice_first_interruptible", "voice_first_reservation"] = Field(
        "priority",
        description="What an agent with free capacity takes: the best queued contact by intent priority then "
        "arrival, a call only when the agent holds nothing; or calls first, either on any agent whose attention "
        "is free (the chats' replies wait while the call lasts) or by keeping agents holding chats from new "
        "chats while a call waits",
    )
    replies: Literal["in_turn", "first_replies_first"] = Field(
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


class Agents(_Model):
    """Staff."""

    shrinkage: float = Field(
        0.0, ge=0, lt=1, description="Share of paid time agents are not on shift (breaks, training, absence)"
    )
    hours_per_fte: float = Field(
        40.0, gt=0, le=168, description="Paid hours a week of one full-time equivalent (FTE), for reporting FTE"
    )
    pools: tuple[Pool, ...] = Field(min_length=1, description="Agent pools")
    routing: Routing = Field(default_factory=Routing, description="Routing policies (default: in turn, most free slots)")


class Strategy(_Model):
    """A candidate way of serving customers."""

    name: str = Field(min_length=1, description="Strategy name, unique")
    description: str = Field("", description="What this strategy tries")
    offer: tuple[ChannelName, ...] = Field(min_length=1, description="Channels offered to customers")
    bot: Bot | None = Field(None, description="Bot under this strategy (replaces the scenario's `bot`)")
    ivr_deflection: IvrDeflection | None = Field(None, description="Offer callers a messaging link")
    campaigns: tuple[Campaign, ...] = Field((), description="Outbound notifications")
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the scenario under this strategy, by dotted path "
        "(pools and strategies by name: agents.pools.digital.headcount)",
    )


class Scenario(_Model):
    """A whole scenario file."""

    name: str = Field(min_length=1, description="Scenario name")
    description: str = Field("", description="What this scenario models and where its numbers come from")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 currency of every amount")
    market: str = Field("US", pattern=r"^[A-Z]{2}$", description="ISO 3166 country of the customers")
    start_date: dt.date = Field(
        default_factory=dt.date.today, description="Calendar date of the first simulated day (default: today)"
    )
    days: float = Field(7, gt=0, le=366, description="Days simulated")
    seed: int = Field(0, ge=0, description="Seed of every random stream")
    replications: int = Field(5, ge=1, le=10_000, description="Independent replications per strategy")
    warmup_hours: float = Field(
        0.0, ge=0, description="Hours at the start that are simulated but left out of every KPI"
    )
    demand: Demand
    channels: dict[ChannelName, Channel] = Field(min_length=1, description="Channel behaviour, by channel")
    pricing: Pricing = Field(default_factory=Pricing, description="Channel prices")
    agents: Agents
    bot: Bot | None = Field(None, description="Bot answering first on some channels (strategies may replace it)")
    repeats: Repeats = Field(
        default_factory=Repeats,
        description="Returning customers: every unresolved contact, and `after_abandon` of abandoned ones",
    )
    csat: Csat = Field(default_factory=Csat, description="Customer satisfaction model (defaults: see chansim.kpis.csat)")
    strategies: tuple[Strategy, ...] = Field(
        (), description="Strategies compared; absent = one 'baseline' strategy offering every channel"
    )
    optimize: SearchSpace | None = Field(
        None, description="What `chansim optimize` searches: decision variables, constraints, objectives, trials"
    )
    _resolved_cache: dict[str, "Scenario"] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _default_strategy(self) -> "Scenario":
        if not self.strategies:
            baseline = Strategy(name="baseline", offer=tuple(c for c in CHANNELS if c in self.channels))
            object.__setattr__(self, "strategies", (baseline,))
        return self

    # ----------------------------------------------------------------- lookups
    @property
    def strategy_names(self) -> list[str]:
        return [s.name for s in self.strategies]

    def strategy(self, name: str) -> Strategy:
        for s in self.strategies:
            if s.name == name:
                return s
        raise KeyError(name)

    def pool(self, name: str) -> Pool:
        for p in self.agents.pools:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def service_level_targets(self) -> dict[str, float]:
        """The answer-time target (s) of each channel that has one."""
        return {ch: float(spec.service_level_target_s) for ch, spec in self.channels.items()
                if spec.service_level_target_s is not None}

    @property
    def active_bot(self) -> "Bot | None":
        """The bot in force: the (single) strategy's own, else the scenario's."""
        own = self.strategies[0].bot if len(self.strategies) == 1 else None
        bot = own if own is not None else self.bot
        return bot if bot is not None and bot.channels else None

    @property
    def horizon_s(self) -> float:
        """Length of the simulated period, seconds."""
        return self.days * 86_400.0

    @property
    def warmup_s(self) -> float:
        return self.warmup_hours * 3_600.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON types), leaving out unset optional values."""
        return self.model_dump(mode="json", exclude_none=True)

    def for_strategy(self, name: str) -> "Scenario":
        """This scenario as it stands under strategy ``name``: its ``set``
        applied, and only that strategy left (with an empty ``set``)."""
        index = self.strategy_names.index(name) if name in self.strategy_names else None
        if index is None:
            raise InputError(Problem("strategies", f"no strategy named {name!r} (have: {', '.join(self.strategy_names)})"))
        cached = self._resolved_cache
        if name not in cached:
            cached[name] = _resolve_strategy(self.model_dump(mode="json"), index)
        return cached[name]

    def with_overrides(self, overrides: dict[str, Any]) -> "Scenario":
        """A new scenario with ``{"dotted.path": value}`` overrides applied and validated."""
        data = self.model_dump(mode="json")
        problems = apply_overrides(data, overrides, origin="overrides")
        if problems:
            raise InputError(problems)
        return validate_scenario(data)


# --------------------------------------------------------------- validation
def _scenario_problems(
    data: Any, lines: dict | None, prefix: str = "", strategy_index: int | None = None
) -> tuple["Scenario | None", list[Problem]]:
    """Validate one scenario dict: field rules, then cross-field checks.

    With ``strategy_index`` the dict is a scenario resolved under that strategy
    (its only strategy): problems of the strategy itself keep the strategy's
    own path, others are prefixed with ``prefix``."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, lines=lines, prefix=prefix, root=Scenario)
    problems = run_checks(scenario, per_strategy=strategy_index is not None)
    if strategy_index is not None:
        own = "strategies[0]"
        problems = [
            Problem(f"strategies[{strategy_index}]" + p.path[len(own):], p.message, p.line)
            if p.path.startswith(own)
            else Problem(f"{prefix}: {p.path}" if p.path else prefix, p.message, p.line)
            for p in problems
        ]
    else:
        problems = [Problem(p.path, p.message, line_of(lines, p.path) if p.line is None else p.line) for p in problems]
    return scenario, problems


def _resolve_strategy(base: dict[str, Any], index: int, lines: dict | None = None) -> "Scenario":
    scenario, problems = _strategy_problems(base, index, lines)
    if problems:
        raise InputError(problems)
    return scenario  # type: ignore[return-value]


def _strategy_problems(base: dict[str, Any], index: int, lines: dict | None) -> tuple["Scenario | None", list[Problem]]:
    strategy = dict(base["strategies"][index])
    overrides = strategy.get("set") or {}
    data = {k: v for k, v in base.items() if k != "strategies"}
    data = copy.deepcopy(data)
    where = ("strategies", index, "set")
    problems = apply_overrides(data, overrides, origin=join_path(where))
    if problems:
        return None, [Problem(p.path, p.message, line_of(lines, where)) for p in problems]
    strategy["set"] = {}
    data["strategies"] = [strategy]
    prefix = f"strategies[{index}] ({strategy.get('name')})"
    scenario, problems = _scenario_problems(data, None, prefix=prefix, strategy_index=index)
    # the resolved dict has no lines of its own: locate the strategy's own
    # problems in the file, and the others at the strategy that caused them
    problems = [
        p if p.line is not None
        else Problem(p.path, p.message, line_of(lines, ("strategies", index) if p.path.startswith(prefix) else p.path))
        for p in problems
    ]
    return scenario, problems


def validate_scenario(data: Any, *, lines: dict | None = None, source: str | None = None) -> "Scenario":
    """Build a :class:`Scenario` from plain data, reporting every problem at
    once (field rules, cross-field checks, and each strategy's ``set``)."""
    scenario, problems = _scenario_problems(data, lines)
    if scenario is not None and not problems:
        base = scenario.model_dump(mode="json")
        cache = {}
        for index, strategy in enumerate(scenario.strategies):
            resolved, strategy_problems = _strategy_problems(base, index, lines)
            problems += strategy_problems
            if resolved is not None:
                cache[strategy.name] = resolved
        scenario._resolved_cache.update(cache)
    if problems:
        raise InputError(problems, source=source)
    return scenario  # type: ignore[return-value]


Channel.model_rebuild()
