"""Rate cards: dated, sourced channel prices as data.

A rate card prices one channel in one market (``*`` = any market) between
``effective_from`` and ``effective_to`` (inclusive; open-ended when absent),
under one billing ``model`` (the rules in :mod:`chansim.billing.rules`). Every
card names its ``source`` and ``confidence`` (``official``, ``reseller`` or
``unverified``); a single rate may carry its own source and confidence.

Built-in cards live in ``chansim/billing/cards/*.yaml`` (one file per channel
family). A user's card file has the same shape (``cards: [...]``) and replaces
built-in cards with the same ``id`` or adds new ones.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chansim.errors import InputError, Problem

__all__ = [
    "Rate",
    "Tier",
    "RateCard",
    "CardBook",
    "builtin_cards",
    "load_card_file",
    "card_book",
    "BILLING_MODELS",
]

Confidence = Literal["official", "reseller", "unverified"]
BILLING_MODELS = (
    "sms",
    "rcs_us",
    "rcs_standard",
    "whatsapp_v1",
    "whatsapp_v2",
    "whatsapp_v3",
    "voice",
    "per_message",
    "retired",
)
BillingModel = Literal[
    "sms", "rcs_us", "rcs_standard", "whatsapp_v1", "whatsapp_v2", "whatsapp_v3", "voice", "per_message", "retired"
]
CardChannel = Literal[
    "voice", "webchat", "whatsapp", "sms", "rcs", "email", "apple_messages", "messenger", "google_business_messages"
]

#: The rates each billing model reads (all optional: a missing rate is free).
MODEL_RATES: dict[str, tuple[str, ...]] = {
    "sms": ("outbound_segment", "inbound_segment", "carrier_outbound_segment", "carrier_inbound_segment",
            "mms_outbound", "mms_inbound"),
    "rcs_us": ("rich_segment", "rich_media", "inbound_segment", "inbound_media", "carrier_outbound"),
    "rcs_standard": ("basic", "single", "conversation", "user_basic", "user_single"),
    "whatsapp_v1": ("marketing", "utility", "authentication", "service"),
    "whatsapp_v2": ("marketing", "utility", "authentication"),
    "whatsapp_v3": ("marketing", "utility", "authentication", "service"),
    "voice": ("inbound_local_minute", "inbound_toll_free_minute", "outbound_minute", "platform_minute"),
    "per_message": ("per_message",),
    "retired": (),
}


#: Other names of a market: the cards say UK, ISO 3166 says GB.
MARKET_ALIASES = {"GB": "UK"}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rate(_Model):
    """A rate with its own provenance (when it differs from the card's)."""

    value: float = Field(ge=0, description="Price per unit in the card's currency")
    source: str | None = Field(None, description="Where this rate comes from")
    confidence: Confidence | None = Field(None, description="official, reseller or unverified")
    note: str = ""


class Tier(_Model):
    """A monthly volume tier: messages beyond ``above`` in a calendar month cost ``rate``."""

    above: int = Field(ge=0, description="Monthly messages of this category before this tier applies")
    rate: float = Field(ge=0, description="Price per message within this tier")


class RateCard(_Model):
    """The prices of one channel in one market over a period."""

    id: str = Field(min_length=1, description="Unique card id, e.g. whatsapp-v2-2026-01")
    channel: CardChannel
    market: str = Field(pattern=r"^([A-Z]{2}|\*)$", description="ISO country of the customers, or * for any")
    model: BillingModel = Field(description="Billing rules applied: " + ", ".join(BILLING_MODELS))
    effective_from: dt.date
    effective_to: dt.date | None = Field(None, description="Last day in force (inclusive); absent = open-ended")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    source: str = Field(min_length=1, description="URL or publication the rates come from")
    confidence: Confidence
    opt_in: str | None = Field(None, description="Used only when the scenario opts in (e.g. pricing.whatsapp_v3)")
    rates: dict[str, float | Rate] = Field(default_factory=dict)
    tiers: dict[str, tuple[Tier, ...]] = Field(
        default_factory=dict, description="Monthly volume tiers by category (WhatsApp utility/authentication)"
    )
    monthly_free: dict[str, int] = Field(
        default_factory=dict, description="Free units per calendar month by category (e.g. service: 1000)"
    )
    rounding: Literal["second", "minute"] | None = Field(None, description="Voice: bill per second or per started minute")
    free_from: dt.date | None = Field(
        None, description="WhatsApp v1: service conversations free from this date (2024-11-01)"
    )
    retired_on: dt.date | None = Field(None, description="Retired channels: the last day the service ran")
    notes: str = ""

    @model_validator(mode="after")
    def _rates_fit_model(self) -> "RateCard":
        known = set(MODEL_RATES[self.model])
        unknown = sorted(set(self.rates) - known)
        if unknown:
            raise ValueError(
                f"rates {', '.join(unknown)} are not read by model {self.model} (it reads: {', '.join(sorted(known)) or 'none'})"
            )
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def rate(self, name: str) -> float:
        value = self.rates.get(name, 0.0)
        return value.value if isinstance(value, Rate) else float(value)

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    @property
    def period(self) -> str:
        return f"{self.effective_from} – {self.effective_to or 'open'}"

    def lowest_confidence(self) -> str:
        order = {"unverified": 0, "reseller": 1, "official": 2}
        levels = [self.confidence] + [r.confidence for r in self.rates.values() if isinstance(r, Rate) and r.confidence]
        return min(levels, key=order.__getitem__)


class _CardFile(_Model):
    cards: tuple[RateCard, ...]


def _parse_cards(text: str, label: str) -> list[RateCard]:
    from chansim.scenario.loader import read_yaml
    from chansim.scenario.problems import problems_from_validation_error

    data, lines, problems = read_yaml(text)
    if problems:
        raise InputError(problems, source=label)
    try:
        return list(_CardFile.model_validate(data).cards)
    except ValidationError as exc:
        raise InputError(problems_from_validation_error(exc, lines=lines, root=_CardFile), source=label) from None


@lru_cache(maxsize=1)
def builtin_cards() -> tuple[RateCard, ...]:
    """Every card shipped with chansim."""
    cards: list[RateCard] = []
    folder = resources.files("chansim.billing") / "cards"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            cards += _parse_cards(entry.read_text(encoding="utf-8"), f"built-in rate card {entry.name}")
    return tuple(cards)


def load_card_file(path: str | Path) -> list[RateCard]:
    """A user's rate card file (same shape as the built-in ones)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(Problem("pricing.rate_card", f"cannot read rate card file {path} ({exc.strerror or exc})")) from None
    return _parse_cards(text, str(path))


class CardBook:
    """The cards in play (built-in, replaced or extended by the user's) and how
    to pick the one in force."""

    def __init__(self, cards: Iterable[RateCard], *, opt_in: Iterable[str] = ()):
        self.cards = list(cards)
        self.opt_in = set(opt_in)

    def candidates(self, channel: str, market: str) -> list[RateCard]:
        market = MARKET_ALIASES.get(market, market)
        return [c for c in self.cards if c.channel == channel and c.market in (market, "*")]

    def find(self, channel: str, market: str, day: dt.date) -> RateCard:
        """The card in force for ``channel`` in ``market`` on ``day``: the
        market's own card before a ``*`` card, then the latest start.
        Opt-in cards are used only when opted in."""
        market = MARKET_ALIASES.get(market, market)
        options = [c for c in self.candidates(channel, market) if c.opt_in is None or c.opt_in in self.opt_in]
        retired = [c for c in options if c.model == "retired" and c.retired_on is not None and day > c.retired_on]
        if retired:
            raise InputError(
                Problem("pricing.date", f"{channel} was shut down on {retired[0].retired_on}; it cannot be priced on {day}")
            )
        live = [c for c in options if c.covers(day)]
        if not live:
            known = sorted({c.market for c in self.cards if c.channel == channel})
            if not any(c.market in (market, "*") for c in self.cards if c.channel == channel):
                raise InputError(
                    Problem("market", f"no {channel} rate card for market {market!r} (cards exist for: {', '.join(known) or 'none'})")
                )
            periods = "; ".join(f"{c.id}: {c.period}" for c in options)
            raise InputError(Problem("pricing.date", f"no {channel} rate card for {market} is in force on {day} (cards: {periods})"))
        live.sort(key=lambda c: (c.market != "*", c.effective_from))
        return live[-1]


def card_book(rate_card: str | Path | None = None, *, opt_in: Iterable[str] = (), replace: bool = False) -> CardBook:
    """Built-in cards, with a user's file replacing cards of the same id and
    adding the rest (``replace=True``: the user's cards only)."""
    cards = list(builtin_cards())
    if rate_card is not None:
        own = load_card_file(rate_card)
        if replace:
            cards = own
        else:
            ids = {c.id for c in own}
            cards = [c for c in cards if c.id not in ids] + own
    return CardBook(cards, opt_in=opt_in)
