"""The one registry of channels and billing models.

Each channel has a *kind* (how the engine serves it), the billing models its
rate cards may use, and its satisfaction defaults (see :mod:`chansim.kpis.csat`).
Each billing model names the rates its rule reads (required ones must be on
every card of that model; optional ones only when the traffic needs them)
and the function that applies it (``module:function``, imported when first
used, so this module imports nothing of chansim).

Adding a channel priced per message (Telegram, Viber, ...) is one
:class:`ChannelInfo` entry here, its name in :data:`ChannelName`, and a card
with ``model: per_message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Callable, Literal, get_args

__all__ = [
    "CHANNELS",
    "CARD_CHANNELS",
    "ChannelName",
    "ChannelInfo",
    "BillingModel",
    "CHANNEL_INFO",
    "BILLING_MODELS",
    "channel_kind",
    "billing_rule",
]


@dataclass(frozen=True)
class ChannelInfo:
    """One channel: how it is served, billed and rated by customers."""

    name: str
    kind: Literal["voice", "email", "messaging"]
    billing_models: tuple[str, ...]
    csat_benchmark_share: float  #: share of satisfied ratings (Zendesk Benchmark Q1 2015, or the stand-in named)
    csat_wait_grace_s: float  #: waiting this long costs no satisfaction
    csat_response_rate: float  #: share of contacts answering the survey
    simulated: bool = True  #: False: a card-only channel (retired), not usable in a scenario


@dataclass(frozen=True)
class BillingModel:
    """The rules of one way of billing: the rates they read and where they live."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    rule: str  #: ``module:function`` taking (messages, card, settings)

    @property
    def rates(self) -> tuple[str, ...]:
        return self.required + self.optional


_MESSAGING_GRACE_S = 900.0

#: Every channel, in a stable order (used for table columns). webchat = live
#: chat and messenger = Facebook in the benchmark; whatsapp, sms, rcs and
#: apple_messages take the Facebook figure as an assumption.
CHANNEL_INFO: dict[str, ChannelInfo] = {
    info.name: info
    for info in (
        ChannelInfo("voice", "voice", ("voice",), 0.88, 30.0, 0.05),
        ChannelInfo("webchat", "messaging", ("per_message",), 0.92, 90.0, 0.20),
        ChannelInfo("whatsapp", "messaging", ("whatsapp_v1", "whatsapp_v2", "whatsapp_v3"), 0.84,
                    _MESSAGING_GRACE_S, 0.15),
        ChannelInfo("sms", "messaging", ("sms",), 0.84, _MESSAGING_GRACE_S, 0.15),
        ChannelInfo("rcs", "messaging", ("rcs_us", "rcs_standard"), 0.84, _MESSAGING_GRACE_S, 0.15),
        ChannelInfo("email", "email", ("per_message",), 0.85, 86_400.0, 0.13),
        ChannelInfo("apple_messages", "messaging", ("per_message",), 0.84, _MESSAGING_GRACE_S, 0.15),
        ChannelInfo("messenger", "messaging", ("per_message",), 0.84, _MESSAGING_GRACE_S, 0.15),
        ChannelInfo("google_business_messages", "messaging", ("retired",), 0.84, _MESSAGING_GRACE_S, 0.15,
                    simulated=False),
    )
}

#: Channels a scenario can use, in a stable order.
CHANNELS: tuple[str, ...] = tuple(name for name, info in CHANNEL_INFO.items() if info.simulated)
#: Channels a rate card can name (the scenario's plus retired ones).
CARD_CHANNELS: tuple[str, ...] = tuple(CHANNEL_INFO)
ChannelName = Literal["voice", "webchat", "whatsapp", "sms", "rcs", "email", "apple_messages", "messenger"]
assert get_args(ChannelName) == CHANNELS, "ChannelName spells out CHANNELS for type checkers: keep them equal"

_WHATSAPP_V1 = ("marketing", "utility", "authentication", "service")
_WHATSAPP_TEMPLATES = ("marketing", "utility", "authentication")
BILLING_MODELS: dict[str, BillingModel] = {
    model.name: model
    for model in (
        BillingModel("sms", ("outbound_segment", "inbound_segment"),
                     ("carrier_outbound_segment", "carrier_inbound_segment", "mms_outbound", "mms_inbound"),
                     "chansim.billing.sms:price_sms"),
        BillingModel("rcs_us", ("rich_segment", "rich_media"), ("inbound_segment", "inbound_media"),
                     "chansim.billing.rcs:price_rcs"),
        # before 2025-11-20 basic and single, from that date one non_conversational rate: each is
        # read for the messages of its dates only (a card gives the rates of the dates it covers)
        BillingModel("rcs_standard", (), ("basic", "single", "non_conversational", "conversation", "user_basic",
                                          "user_single"), "chansim.billing.rcs:price_rcs"),
        BillingModel("whatsapp_v1", _WHATSAPP_V1, ("authentication_international",),
                     "chansim.billing.whatsapp:price_whatsapp"),
        BillingModel("whatsapp_v2", _WHATSAPP_TEMPLATES, ("authentication_international",),
                     "chansim.billing.whatsapp:price_whatsapp"),
        BillingModel("whatsapp_v3", _WHATSAPP_TEMPLATES, ("authentication_international", "service"),
                     "chansim.billing.whatsapp:price_whatsapp"),
        BillingModel("voice", ("platform_minute",), ("inbound_local_minute", "inbound_toll_free_minute"),
                     "chansim.billing.voice:price_calls"),
        BillingModel("per_message", ("per_message",), (), "chansim.billing.platform:price_per_message"),
        BillingModel("retired", (), (), "chansim.billing.platform:price_retired"),
    )
}


def channel_kind(channel: str) -> str:
    """``voice`` (a call holds one agent wholly), ``email`` (deferred work, no
    patience) or ``messaging`` (conversations in slots, turn by turn)."""
    info = CHANNEL_INFO.get(channel)
    return info.kind if info is not None else "messaging"


def billing_rule(model: str) -> Callable:
    """The function that applies billing model ``model``."""
    module, function = BILLING_MODELS[model].rule.split(":")
    return getattr(import_module(module), function)
