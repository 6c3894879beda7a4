"""Rate cards: dated, sourced channel prices as data.

A rate card prices one channel in one market (an ISO country, a "rest of"
region of ``cards/regions.yaml``, or ``*`` = any market) between
``effective_from`` and ``effective_to`` (inclusive; open-ended when absent),
under one billing ``model`` (registered in :mod:`chansim.scenario.channels`). Every
card names its ``source`` and ``confidence`` (``official``, ``medium``,
``reseller`` or ``unverified``); a single rate may carry its own source and
confidence.

Strict: an unknown field, a rate the model's rule does not read, a required
rate left out, or two cards of one file in force on the same day for the
same channel and market are errors naming the card, the field and the line.
A rate the traffic needs and the card does not give is an error when priced,
never 0. Prices are finite, from 0 to ``MAX_RATE`` (a billion units of the
card's currency), never ``true``/``false``; markets are written one way
(``us`` is read as ``US``, ``GB`` as ``UK``; a region id must be one of
``regions.yaml``): :mod:`chansim.billing.card_values`. A card file is read
through :func:`chansim.scenario.reading.read_text`, at most ``MAX_BYTES``.

Built-in cards live in ``chansim/billing/cards/*.yaml`` (one file per channel
family). A user's card file has the same shape (``cards: [...]``) and replaces
built-in cards with the same ``id`` or adds new ones; on the days a user's
card and a built-in one both cover, the user's card is used.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Iterable, Literal, Mapping, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from chansim.billing.card_dates import DatedCard
from chansim.billing.card_values import MARKET_ALIASES, MAX_RATE, Count, Price, market_code  # noqa: F401 (re-exported)
from chansim.errors import InputError, Problem
from chansim.scenario.channels import BILLING_MODELS as _REGISTRY
from chansim.scenario.channels import CARD_CHANNELS
from chansim.scenario.reading import read_text
from chansim.scenario.yamlfile import MAX_BYTES

__all__ = [
    "Rate",
    "Tier",
    "RateCard",
    "CardBook",
    "builtin_cards",
    "load_card_file",
    "card_book",
    "BILLING_MODELS",
    "MODEL_RATES",
    "Region",
    "regions",
    "region_of_country",
    "market_code",
]

Confidence = Literal["official", "reseller", "medium", "unverified"]
#: Every billing model, from the channel registry (:mod:`chansim.scenario.channels`).
BILLING_MODELS = tuple(_REGISTRY)
BillingModel = Literal[BILLING_MODELS]  # type: ignore[valid-type]  # from the registry
CardChannel = Literal[CARD_CHANNELS]  # type: ignore[valid-type]  # from the registry

#: The rates each billing model reads: required ones first, then those read
#: only when the traffic needs them (a missing one is then an error, never 0).
MODEL_RATES: dict[str, tuple[str, ...]] = {name: model.rates for name, model in _REGISTRY.items()}
#: Confidence levels, lowest first.
CONFIDENCE_ORDER = {"unverified": 0, "reseller": 1, "medium": 1, "official": 2}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Rate(_Model):
    """A rate with its own provenance (when it differs from the card's)."""

    value: Price = Field(description="Price per unit in the card's currency")
    source: str | None = Field(None, description="Where this rate comes from")
    confidence: Confidence | None = Field(None, description="official, medium, reseller or unverified")
    note: str = ""


#: A rate: a price, or a mapping with its value and provenance (one or the other, never both tried).
_RateValue = Annotated[Union[Annotated[Price, Tag("float")], Annotated[Rate, Tag("Rate")]],
                       Discriminator(lambda v: "Rate" if isinstance(v, (Mapping, Rate)) else "float")]


class Tier(_Model):
    """A monthly volume tier: messages beyond ``above`` in a calendar month cost ``rate``."""

    above: Count = Field(description="Monthly messages of this category before this tier applies")
    rate: Price = Field(description="Price per message within this tier")


class RateCard(DatedCard, _Model):
    """The prices of one channel in one market over a period."""

    id: str = Field(min_length=1, description="Unique card id, e.g. whatsapp-v2-2026-01")
    channel: CardChannel
    market: str = Field(
        pattern=r"^([A-Z]{2}|\*|[a-z][a-z_]*)$",
        description="ISO country of the customers, a region id (e.g. rest_of_africa, see regions.yaml) or * for any",
    )
    model: BillingModel = Field(description="Billing rules applied: " + ", ".join(BILLING_MODELS))
    effective_from: dt.date
    effective_to: dt.date | None = Field(None, description="Last day in force (inclusive); absent = open-ended")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    source: str = Field(min_length=1, description="URL or publication the rates come from")
    confidence: Confidence
    rates: dict[str, _RateValue] = Field(default_factory=dict)
    tiers: dict[str, tuple[Tier, ...]] = Field(
        default_factory=dict, description="Monthly volume tiers by category (WhatsApp utility/authentication)"
    )
    monthly_free: dict[str, Count] = Field(
        default_factory=dict, description="Free units per calendar month by category (e.g. service: 1000)"
    )
    rounding: Literal["second", "minute"] | None = Field(None, description="Voice: bill per second or per started minute")
    free_from: dt.date | None = Field(
        None, description="WhatsApp v1: service conversations free from this date (2024-11-01)"
    )
    retired_on: dt.date | None = Field(None, description="Retired channels: the last day the service ran")
    notes: str = ""

    @field_validator("market", mode="before")
    @classmethod
    def _one_way_of_writing(cls, market):
        """``us`` is ``US`` and ``GB`` is ``UK`` (see :mod:`chansim.billing.card_values`)."""
        return market_code(market) if isinstance(market, str) else market

    @field_validator("market")
    @classmethod
    def _known_region(cls, market: str) -> str:
        if len(market) > 2 and market not in regions() and market != "other":
            raise ValueError(f"{market!r} is not a region (regions: {', '.join([*regions(), 'other'])}); "
                             "a country is two letters, e.g. US")
        return market

    @model_validator(mode="after")
    def _rates_fit_model(self) -> "RateCard":
        model = _REGISTRY[self.model]
        problems = []
        if self.model not in _channel_models(self.channel):
            problems.append(f"model {self.model} cannot price {self.channel} (use: "
                            f"{', '.join(_channel_models(self.channel))})")
        known = set(model.rates)
        unknown = sorted(set(self.rates) - known)
        if unknown:
            problems.append(f"rates {', '.join(unknown)} are not read by model {self.model} "
                            f"(it reads: {', '.join(model.rates) or 'none'})")
        missing = [r for r in model.required if r not in self.rates]
        if missing:
            problems.append(f"model {self.model} needs rates {', '.join(missing)}")
        for kind, mapping in (("tiers", self.tiers), ("monthly_free", self.monthly_free)):
            stray = sorted(set(mapping) - known)
            if stray:
                problems.append(f"{kind} for {', '.join(stray)}: not a rate model {self.model} reads")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            problems.append("effective_to is before effective_from")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def has(self, name: str) -> bool:
        return name in self.rates

    def rate(self, name: str) -> float:
        """The rate ``name``; a rate the card does not give is an error, never 0."""
        if name not in self.rates:
            raise InputError(Problem(
                f"pricing.rate_card: card {self.id}, rates.{name}",
                f"the {self.channel} traffic needs rate {name!r}, which card {self.id} ({self.market}) does not give; "
                "add it to the card (pricing.rate_card) or set a flat fee (pricing.fees)"))
        value = self.rates[name]
        return value.value if isinstance(value, Rate) else float(value)

    def lowest_confidence(self) -> str:
        levels = [self.confidence] + [r.confidence for r in self.rates.values() if isinstance(r, Rate) and r.confidence]
        return min(levels, key=CONFIDENCE_ORDER.__getitem__)


def _channel_models(channel: str) -> tuple[str, ...]:
    from chansim.scenario.channels import CHANNEL_INFO

    return CHANNEL_INFO[channel].billing_models


class _CardFile(_Model):
    cards: tuple[RateCard, ...] = ()
    ai_cards: tuple[dict, ...] = ()  # AI-agent cards: read and checked by chansim.billing.ai_cards


class _RegionFile(_Model):
    regions: dict[str, "Region"]


class Region(_Model):
    """A "rest of" region of a rate card: the countries it prices."""

    name: str = Field(min_length=1)
    countries: tuple[str, ...] = Field(min_length=1)
    source: str = Field(min_length=1)
    confidence: Confidence


_RegionFile.model_rebuild()


def _card_label(data, path: str, key: str = "cards") -> str:
    """``cards[3].rates`` → ``cards[3] (card sms-us-2026).rates``: the card's id named (cards under ``key``)."""
    import re

    path = re.sub(r"(\.rates\.[^.]+)\.(?:float|Rate)\b", r"\1", path)  # the kind of rate tried is no part of the path
    found = re.match(re.escape(key) + r"\[(\d+)\]", path)
    if not found or not isinstance(data, dict):
        return path
    try:
        card_id = data[key][int(found.group(1))]["id"]
    except (KeyError, IndexError, TypeError):
        return path
    return f"{found.group(0)} (card {card_id}){path[found.end():]}"


def _overlaps(cards: list[RateCard], lines: dict | None) -> list[Problem]:
    """Two cards of one file for the same channel and market in force on the same day."""
    from chansim.scenario.paths import line_of

    problems = []
    seen_ids: dict[str, int] = {}
    for i, card in enumerate(cards):
        if card.id in seen_ids:
            problems.append(Problem(f"cards[{i}] (card {card.id}).id", f"card id given twice (also cards[{seen_ids[card.id]}])",
                                    line_of(lines, ("cards", i, "id")) if lines else None))
        seen_ids.setdefault(card.id, i)
        for j in range(i):
            other = cards[j]
            if other.channel == card.channel and other.market == card.market and card.overlaps(other):
                problems.append(Problem(
                    f"cards[{i}] (card {card.id}).effective_from",
                    f"in force on the same days as card {other.id} ({other.period}) for {card.channel} in "
                    f"{card.market}: end one with effective_to the day before the other starts",
                    line_of(lines, ("cards", i, "effective_from")) if lines else None))
    return problems


def validated_cards(file_model: type[BaseModel], data, lines: dict[tuple, int], label: str, key: str,
                    overlaps) -> list:
    """The cards under ``key`` of a card file's ``data``, validated with ``file_model`` (the file's shape) and
    ``overlaps(cards, lines)``; every problem at once, naming card id, field and line, from ``label``."""
    from chansim.scenario.problems import problems_from_validation_error

    try:
        cards = list(getattr(file_model.model_validate(data), key))
    except ValidationError as exc:
        found = problems_from_validation_error(exc, lines=lines, root=file_model)
        raise InputError([Problem(_card_label(data, p.path, key), p.message, p.line) for p in found],
                         source=label) from None
    problems = overlaps(cards, lines)
    if problems:
        raise InputError(problems, source=label)
    return cards


def _parse_cards(text: str, label: str) -> list[RateCard]:
    from chansim.scenario.yaml_document import read_yaml_document

    data, lines = read_yaml_document(text, label)
    return validated_cards(_CardFile, data, lines, label, "cards", _overlaps)


def shipped_cards(parse, overlaps, source: str) -> tuple:
    """The cards of every card file shipped with chansim (``cards/*.yaml`` but the regions, by file name), each
    read with ``parse(text, label)``, then all checked against each other with ``overlaps(cards, None)``."""
    folder = resources.files("chansim.billing") / "cards"
    cards = [card for entry in sorted(folder.iterdir(), key=lambda p: p.name)
             if entry.name.endswith(".yaml") and entry.name != "regions.yaml"
             for card in parse(entry.read_text(encoding="utf-8"), f"built-in rate card {entry.name}")]
    problems = overlaps(cards, None)
    if problems:
        raise InputError(problems, source=source)
    return tuple(cards)


@lru_cache(maxsize=1)
def builtin_cards() -> tuple[RateCard, ...]:
    """Every card shipped with chansim."""
    return shipped_cards(_parse_cards, _overlaps, "built-in rate cards")


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """The "rest of" regions of the built-in cards, by id."""
    from chansim.scenario.loader import read_yaml

    text = (resources.files("chansim.billing") / "cards" / "regions.yaml").read_text(encoding="utf-8")
    data, _, _ = read_yaml(text)
    return dict(_RegionFile.model_validate(data).regions)


@lru_cache(maxsize=1)
def region_of_country() -> dict[str, str]:
    """Country → region id."""
    out: dict[str, str] = {}
    for region_id, region in regions().items():
        for country in region.countries:
            out[market_code(country)] = region_id
    return out


def load_card_file(path: str | Path) -> list[RateCard]:
    """A user's rate card file (same shape as the built-in ones)."""
    return _parse_cards(read_text(path, what="rate card file", limit_bytes=MAX_BYTES), str(path))


HOW_TO_ADD = ("add a card for it in your own card file (pricing.rate_card; see docs/howto/price-a-new-market.md) "
              "or set a flat fee (pricing.fees)")


class CardBook:
    """The cards in play (built-in, replaced or extended by the user's) and how
    to pick the one in force."""

    def __init__(self, cards: Iterable[RateCard], *, own: Iterable[str] = ()):
        self.cards = list(cards)
        self.own = set(own)  #: ids of the user's cards: they win over built-in ones on the days both cover
        self._found: dict[tuple[str, str, dt.date], RateCard] = {}

    def markets_for(self, market: str) -> tuple[str, ...]:
        """Where to look for ``market``'s cards: the market, its "rest of"
        region (``other`` for a country on no region's list), any market."""
        market = market_code(market)
        region = region_of_country().get(market, "other") if len(market) == 2 else None
        return (market,) + ((region,) if region else ()) + ("*",)

    def candidates(self, channel: str, market: str) -> list[RateCard]:
        places = self.markets_for(market)
        return [c for c in self.cards if c.channel == channel and c.market in places]

    def find(self, channel: str, market: str, day: dt.date) -> RateCard:
        """The card in force for ``channel`` in ``market`` on ``day``: the
        market's own card before its region's, before a ``*`` card; the
        user's card before a built-in one."""
        key = (channel, market, day)
        if key not in self._found:
            self._found[key] = self._find(channel, market_code(market), day)
        return self._found[key]

    def _find(self, channel: str, market: str, day: dt.date) -> RateCard:
        places = self.markets_for(market)
        options = self.candidates(channel, market)
        retired = [c for c in options if c.model == "retired" and c.retired_on is not None and day > c.retired_on]
        if retired:
            raise InputError(
                Problem("pricing.date", f"{channel} was shut down on {retired[0].retired_on}; it cannot be priced on {day}")
            )
        live = [c for c in options if c.covers(day)]
        if not live:
            if not options:
                known = sorted({c.market for c in self.cards if c.channel == channel})
                raise InputError(Problem(
                    "market",
                    f"no {channel} rate card for market {market!r} (cards exist for: {', '.join(known) or 'none'}): "
                    + HOW_TO_ADD))
            periods = "; ".join(f"{c.id}: {c.period}" for c in options)
            raise InputError(Problem("pricing.date", f"no {channel} rate card for {market} is in force on {day} "
                                                     f"(cards: {periods}): " + HOW_TO_ADD))
        live.sort(key=lambda c: (-places.index(c.market), c.id in self.own, c.effective_from))
        return live[-1]


def card_book(rate_card: str | Path | None = None, *, replace: bool = False) -> CardBook:
    """Built-in cards, with a user's file replacing cards of the same id and
    adding the rest (``replace=True``: the user's cards only)."""
    cards = list(builtin_cards())
    own_ids: set[str] = set()
    if rate_card is not None:
        own = load_card_file(rate_card)
        own_ids = {c.id for c in own}
        if replace:
            cards = own
        else:
            cards = [c for c in cards if c.id not in own_ids] + own
    return CardBook(cards, own=own_ids)
