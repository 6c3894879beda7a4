"""What a strategy deploys (a bot, IVR deflection, outbound campaigns) and
the ``strategies:`` section itself."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from chansim.scenario.channels import ChannelName
from chansim.scenario.distributions import Bounded, BoundedCount, Distribution
from chansim.scenario.models.base import ScenarioModel

__all__ = ["Bot", "IvrDeflection", "Campaign", "Strategy", "HANDOVER_AHT_FACTOR", "HANDOVER_UNRESOLVED_SHIFT",
           "FAILED_BOT_CSAT_PENALTY"]

Share = Annotated[float, Field(ge=0, le=1)]
#: Default handle-time factor of a contact an AI agent hands over (an assumption: the AI agent keeps the
#: easy contacts, so what reaches a human is longer; no published figure).
HANDOVER_AHT_FACTOR = 1.15
#: Default rise of the unresolved share of a contact an AI agent hands over (an assumption, as above).
HANDOVER_UNRESOLVED_SHIFT = 0.03
#: Default CSAT points lost after a failed AI-agent session (an assumption: the customer tried, was not
#: helped and had to ask for a person; no published figure).
FAILED_BOT_CSAT_PENALTY = 0.3


class Bot(ScenarioModel):
    """A bot that answers first on some channels (messaging, or voice: an AI
    agent taking calls) and hands over what it does not resolve."""

    channels: tuple[ChannelName, ...] = Field((), description="Channels the bot answers first (empty: no bot)")
    cost_per_session: float = Field(0.0, ge=0, description="Cost of one bot conversation, scenario currency")
    keeps_context: bool = Field(True, description="Escalations reach the agent with the bot conversation")
    turns: Distribution = Field(
        default_factory=lambda: Distribution(dist="fixed", value=3),
        description="Customer message + bot reply pairs before the bot resolves or escalates",
    )
    call_time: Distribution | None = Field(
        None, description="Seconds a voice AI agent talks on a call before it ends it (contained) or hands it to "
        "the voice queue (needed when the bot answers voice)"
    )
    time_per_turn: Distribution = Field(
        default_factory=lambda: Distribution(dist="fixed", value=2), description="Seconds for the bot to reply"
    )
    customer_reply_delay: Distribution | None = Field(
        None, description="Seconds for the customer to answer the bot (default: the channel's reply delay)"
    )
    lost_context_extra_s: Bounded = Field(
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

    vendor_card: str | None = Field(
        None,
        description="AI-agent card the bot is billed by: a plan (e.g. intercom-fin) or a card id from the built-in "
        "AI cards or your card file's `ai_cards` (each contact under the card in force on its date); absent = "
        "cost_per_session",
    )
    handoff_is_outcome: bool | None = Field(
        None, description="per_outcome cards: a deliberate handoff (see handoff_share) is a billed outcome too "
        "(default: the card's); a failed bot session is never an outcome"
    )
    handoff_share: Share = Field(
        0.0,
        description="Share of the sessions the bot does not resolve that it hands over deliberately (a handoff: "
        "the bot knows to pass it on, e.g. a procedure handoff); the rest are failed sessions (the bot could not "
        "help and the customer asked for a person). Both reach the agents' queue; default 0: every handover a "
        "failure",
    )
    failed_csat_penalty: float | None = Field(
        None, ge=0, le=4,
        description="CSAT points lost by a customer whose bot session failed before reaching an agent (default: "
        "0.3 for an AI agent, one with a vendor_card, an assumption; 0 otherwise)",
    )
    handoff_csat_penalty: float | None = Field(
        None, ge=0, le=4,
        description="CSAT points lost by a customer the bot handed over deliberately (default 0: a handoff costs "
        "no more than its transfer, an assumption)",
    )
    actions: Distribution | None = Field(
        None, description="Actions the AI agent takes per conversation (needed with a per_action card)"
    )
    tokens_per_turn: float | None = Field(
        None, gt=0, description="Tokens the AI agent bills per turn (needed with a per_token card)"
    )
    rates: dict[str, float] = Field(
        default_factory=dict,
        description="Your own price per unit (per_outcome: 0.8, ...), in the card's currency: wins over the card's "
        "rate, and gives the rates a card leaves unpublished",
    )
    containment: dict[str, Share] = Field(
        default_factory=dict,
        description="Share of each intent's sessions the bot resolves (intent → share), replacing that intent's "
        "bot_resolvable",
    )
    channel_containment: dict[ChannelName, dict[str, Share]] = Field(
        default_factory=dict,
        description="Per channel: intent → share the bot resolves there, replacing containment and bot_resolvable",
    )
    handover_aht_factor: float | None = Field(
        None, ge=0, le=10,
        description="Agent handle time of a contact the bot hands over, × this (default: 1.15 for an AI agent, "
        "one with a vendor_card, an assumption; 1 otherwise)",
    )
    handover_unresolved_shift: float | None = Field(
        None, ge=0, le=1,
        description="Added to the unresolved share of a contact the bot hands over (default: 0.03 for an AI "
        "agent, an assumption; 0 otherwise)",
    )
    assist_reduction: dict[ChannelName, Annotated[float, Field(ge=0, lt=1)]] = Field(
        default_factory=dict,
        description="Agent assist: share of agent handle time saved on each channel (voice: 0.1 = calls 10 % "
        "shorter; messaging: the agent's time per turn)",
    )
    assist_card: str | None = Field(
        None, description="Agent-assist card (a per_seat plan or card id): a monthly price per seat"
    )
    seats: int | None = Field(None, ge=1, description="Agent-assist seats paid each month (needed with assist_card)")

    def handover(self) -> tuple[float, float]:
        """(handle-time factor, unresolved shift) of a contact the bot hands over."""
        ai = self.vendor_card is not None
        factor = self.handover_aht_factor
        shift = self.handover_unresolved_shift
        return (HANDOVER_AHT_FACTOR if ai else 1.0) if factor is None else factor, \
            (HANDOVER_UNRESOLVED_SHIFT if ai else 0.0) if shift is None else shift

    def csat_points(self) -> dict[str, float]:
        """CSAT points lost by bot outcome (``escalated``: a failed session, ``handoff``)."""
        failed = self.failed_csat_penalty
        if failed is None:
            failed = FAILED_BOT_CSAT_PENALTY if self.vendor_card is not None else 0.0
        return {"escalated": failed, "handoff": self.handoff_csat_penalty or 0.0}

    def resolvable(self, intents, channel: str) -> list[float]:
        """The share of sessions of each of ``intents`` the bot resolves on ``channel``."""
        own = self.channel_containment.get(channel, {})
        return [own.get(i.name, self.containment.get(i.name, i.bot_resolvable)) for i in intents]

    @model_validator(mode="after")
    def _one_price(self) -> "Bot":
        if self.vendor_card is not None and self.cost_per_session > 0:
            raise ValueError("give cost_per_session or vendor_card, not both (the card prices every session)")
        bad = sorted(k for k, v in self.rates.items() if not (v >= 0 and v < float("inf")))
        if bad:
            raise ValueError(f"rates must be finite and >= 0 ({', '.join(bad)})")
        return self

    @model_validator(mode="after")
    def _voice_needs_call_time(self) -> "Bot":
        if "voice" in self.channels and self.call_time is None:
            raise ValueError("a bot answering voice needs call_time (seconds it talks on a call)")
        return self

    @model_validator(mode="after")
    def _business_agent_rates(self) -> "Bot":
        if self.provider == "meta_business_agent":
            missing = [k for k in ("tokens_per_reply", "token_rate") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"provider meta_business_agent needs {' and '.join(missing)} (Meta's per-token rate "
                                 "is not public: give your own; a missing rate is never taken as 0)")
        return self


class IvrDeflection(ScenarioModel):
    """Callers offered a messaging link instead of waiting on the phone."""

    to: ChannelName = Field(description="Messaging channel the accepting callers continue on")
    offered: float = Field(1.0, ge=0, le=1, description="Share of callers offered the link (default all)")
    accept: float = Field(0.3, ge=0, le=1, description="Share of those offered who accept (default 0.3, assumption)")
    ivr_seconds: float = Field(30.0, ge=0, description="Seconds in the IVR before the offer or the queue (default 30)")
    when: Literal["always", "if_waiting"] = Field(
        "always", description="Offer to every caller, or only when no agent is free"
    )
    link_channel: ChannelName = Field("sms", description="Channel of the message carrying the link (default sms)")
    link_chars: BoundedCount = Field(120, ge=1, description="Characters of the link message")
    via_bot: bool = Field(
        True, description="The continuation meets the bot first when its channel has one (default true)"
    )


class Campaign(ScenarioModel):
    """Proactive notifications; responders become inbound conversations."""

    channel: ChannelName = Field(description="Channel the notification is sent on")
    category: Literal["utility", "marketing", "authentication"] = Field(
        "utility", description="Template category (WhatsApp) / purpose"
    )
    per_day: float = Field(gt=0, description="Notifications sent per day")
    at_hour: int = Field(10, ge=0, le=23, description="Hour of day the batch goes out (spread over that hour)")
    chars: BoundedCount = Field(160, ge=1, description="Characters per notification")
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
    max_price: float | None = Field(
        None, gt=0,
        description="WhatsApp marketing: the most paid per delivered message (Meta's max price, open beta from "
        "2026-10-01), in the card's currency; needs delivery_curve",
    )
    delivery_curve: tuple[tuple[float, float], ...] | None = Field(
        None,
        description="[[max price, share delivered], ...] by rising max price (your own measurements): the share of "
        "marketing messages delivered at a max price, read between the points",
    )

    def delivered_share(self) -> float | None:
        """The share delivered at ``max_price`` on ``delivery_curve`` (linear
        between points, flat beyond the ends); None without a max price."""
        if self.max_price is None or not self.delivery_curve:
            return None
        import numpy as np

        prices, shares = zip(*self.delivery_curve)
        return float(np.interp(self.max_price, prices, shares))



class Strategy(ScenarioModel):
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

    @field_validator("set")
    @classmethod
    def _set_leaves_strategies_alone(cls, value: dict[str, Any]) -> dict[str, Any]:
        """A strategy's ``set`` changes the scenario under it, not the list of strategies (it would be dropped)."""
        for path in value:
            if str(path).strip().split(".", 1)[0].split("[", 1)[0] == "strategies":
                raise ValueError(f"{path!r}: a strategy's set changes the scenario, not the strategies; write "
                                 "the strategy's own fields (offer, bot, ...) on the strategy itself")
        return value
