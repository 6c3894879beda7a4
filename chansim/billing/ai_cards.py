"""AI-agent cards: how an AI agent (or an agent-assist tool) is sold, dated
and sourced like a channel's rate card.

An AI card prices one vendor's plan in one billing ``unit`` between
``effective_from`` and ``effective_to`` (inclusive; open-ended when absent),
in its ``currency``, with its ``source`` and ``confidence``. The bot names a
card by its ``plan`` (several dated cards of one plan, never two in force on
the same day) or by its ``id`` (``bot.vendor_card``, ``bot.assist_card``).

Units (:data:`UNITS`) and the one rate each reads, of the same name:

* ``per_session``: each contact the AI agent answered;
* ``per_conversation``: each customer's AI conversations within 24 hours of
  the first one billed, counted once;
* ``per_outcome``: each contained (resolved) session, and each handoff when
  the card (or ``bot.handoff_is_outcome``) counts a handoff as an outcome;
* ``per_resolution``: each contained session only;
* ``per_action``: each action, drawn per session from ``bot.actions``;
* ``per_token``: each token, ``bot.tokens_per_turn`` × the AI agent's replies;
* ``per_minute``: each minute the AI agent spends on a session (a voice AI
  agent: its talk time on the call), unrounded;
* ``per_call``: each session (a voice AI agent: each call it answers);
* ``per_seat``: agent assist, ``per_seat`` a month for each of ``bot.seats``,
  prorated by day.

A rate a vendor does not publish is listed in ``unpublished``: the user gives
it (``bot.rates``), never 0. Strict as channel cards are: an unknown field or
unit, a rate the unit does not read, a unit without its rate, two cards of one
plan in force on the same day are errors with the card, the field and the line.

Built-in AI cards sit in ``cards/*.yaml`` under ``ai_cards:``; a user's card
file (``pricing.rate_card``) may hold ``ai_cards:`` too, replacing built-in
cards of the same id and adding the rest.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Mapping, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from chansim.billing.card_dates import DatedCard
from chansim.billing.card_values import Price
from chansim.billing.ratecard import CONFIDENCE_ORDER, Rate, shipped_cards, validated_cards
from chansim.errors import InputError, Problem

__all__ = ["UNITS", "AICard", "AIBook", "ai_book", "ai_coverage", "builtin_ai_cards", "parse_ai_cards"]

Confidence = Literal["official", "reseller", "medium", "unverified"]
#: A rate: a price, or a mapping with its value and provenance (as on channel cards).
_RateValue = Annotated[Union[Annotated[Price, Tag("float")], Annotated[Rate, Tag("Rate")]],
                       Discriminator(lambda v: "Rate" if isinstance(v, (Mapping, Rate)) else "float")]

#: Billing units of AI agents, each reading the rate of the same name.
UNITS = ("per_session", "per_conversation", "per_outcome", "per_resolution", "per_action", "per_token",
         "per_minute", "per_call", "per_seat")
#: Units that bill the AI agent's work (the others: agent assist).
AGENT_UNITS = UNITS[:-1]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class AICard(DatedCard, _Model):
    """One vendor plan's price in one unit over a period."""

    id: str = Field(min_length=1, description="Unique card id, e.g. intercom-fin-2025")
    plan: str = Field("", description="What a bot names (default: the id); dated cards of one plan share it")
    vendor: str = Field(min_length=1, description="Vendor and product, e.g. Intercom Fin")
    unit: Literal[UNITS] = Field(description="Billing unit: " + ", ".join(UNITS))  # type: ignore[valid-type]
    effective_from: dt.date
    effective_to: dt.date | None = Field(None, description="Last day in force (inclusive); absent = open-ended")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    source: str = Field(min_length=1, description="URL or publication the rate comes from")
    confidence: Confidence
    rates: dict[str, _RateValue] = Field(default_factory=dict, description="The unit's rate, by the unit's name")
    unpublished: tuple[str, ...] = Field((), description="The unit's rate when the vendor does not publish it")
    handoff_is_outcome: bool = Field(False, description="per_outcome: a handoff to a human is a billed outcome")
    notes: str = ""

    @model_validator(mode="after")
    def _rates_fit_unit(self) -> "AICard":
        problems = []
        stray = sorted((set(self.rates) | set(self.unpublished)) - {self.unit})
        if stray:
            problems.append(f"rates {', '.join(stray)} are not read by unit {self.unit} (it reads: {self.unit})")
        if self.unit not in self.rates and self.unit not in self.unpublished:
            problems.append(f"unit {self.unit} needs rates.{self.unit} (or unpublished: [{self.unit}])")
        if self.unit in self.rates and self.unit in self.unpublished:
            problems.append(f"{self.unit} is both given and unpublished")
        if self.handoff_is_outcome and self.unit != "per_outcome":
            problems.append("handoff_is_outcome applies to unit per_outcome only")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            problems.append("effective_to is before effective_from")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def name(self) -> str:
        """The plan a bot names."""
        return self.plan or self.id

    def rate(self, own: dict[str, float] | None = None, *, path: str = "bot.rates") -> float:
        """The unit's rate: the user's own (``own``, from ``bot.rates``) else the card's."""
        if own and self.unit in own:
            return float(own[self.unit])
        if self.unit not in self.rates:
            raise InputError(Problem(f"{path}.{self.unit}", f"card {self.id} ({self.vendor}) does not publish its "
                                     f"{self.unit} rate: give your own price ({path}.{self.unit}); it is never 0"))
        value = self.rates[self.unit]
        return value.value if isinstance(value, Rate) else float(value)

    def lowest_confidence(self) -> str:
        levels = [self.confidence] + [r.confidence for r in self.rates.values() if isinstance(r, Rate) and r.confidence]
        return min(levels, key=CONFIDENCE_ORDER.__getitem__)


class _AIFile(_Model):
    ai_cards: tuple[AICard, ...] = ()


def _overlaps(cards: list[AICard], lines: dict | None, label: str = "ai_cards") -> list[Problem]:
    from chansim.scenario.paths import line_of

    problems, seen = [], {}
    for i, card in enumerate(cards):
        where = f"{label}[{i}] (card {card.id})"
        if card.id in seen:
            problems.append(Problem(f"{where}.id", f"card id given twice (also {label}[{seen[card.id]}])",
                                    line_of(lines, (label, i, "id")) if lines else None))
        seen.setdefault(card.id, i)
        for other in cards[:i]:
            if other.name == card.name and card.overlaps(other):
                problems.append(Problem(
                    f"{where}.effective_from",
                    f"in force on the same days as card {other.id} ({other.period}) of plan {card.name}: end one "
                    "with effective_to the day before the other starts",
                    line_of(lines, (label, i, "effective_from")) if lines else None))
    return problems


def parse_ai_cards(text: str, label: str) -> list[AICard]:
    """The ``ai_cards:`` of a card file's text (none when it has none)."""
    from chansim.scenario.yaml_document import read_yaml_document

    data, lines = read_yaml_document(text, label)
    if not isinstance(data, dict) or "ai_cards" not in data:
        return []
    return validated_cards(_AIFile, {"ai_cards": data["ai_cards"]}, lines, label, "ai_cards", _overlaps)


@lru_cache(maxsize=1)
def builtin_ai_cards() -> tuple[AICard, ...]:
    """Every AI card shipped with chansim."""
    return shipped_cards(parse_ai_cards, _overlaps, "built-in AI cards")


class AIBook:
    """The AI cards in play and which is in force."""

    def __init__(self, cards, own=()):
        self.cards = list(cards)
        self.own = set(own)

    def plan(self, name: str) -> list[AICard]:
        """The cards a bot naming ``name`` uses: its plan's, else the card of that id."""
        found = [c for c in self.cards if c.name == name]
        return found or [c for c in self.cards if c.id == name]

    def find(self, name: str, day: dt.date, path: str = "bot.vendor_card") -> AICard:
        """The card of plan (or id) ``name`` in force on ``day`` (the user's before a built-in one)."""
        options = self.plan(name)
        if not options:
            known = sorted({c.name for c in self.cards})
            raise InputError(Problem(path, f"no AI card {name!r} (plans: {', '.join(known) or 'none'}); add it "
                                           "under ai_cards in your card file (pricing.rate_card)"))
        live = [c for c in options if c.covers(day)]
        if not live:
            periods = "; ".join(f"{c.id}: {c.period}" for c in options)
            raise InputError(Problem(path, f"no card of {name!r} is in force on {day} (cards: {periods})"))
        return max(live, key=lambda c: (c.id in self.own, c.effective_from))


def ai_book(rate_card: str | Path | None = None) -> AIBook:
    """Built-in AI cards, with the ``ai_cards`` of a user's card file
    replacing cards of the same id and adding the rest."""
    cards = list(builtin_ai_cards())
    own: list[AICard] = []
    if rate_card is not None:
        from chansim.scenario.reading import read_text
        from chansim.scenario.yamlfile import MAX_BYTES

        own = parse_ai_cards(read_text(rate_card, what="rate card file", limit_bytes=MAX_BYTES), str(rate_card))
    ids = {c.id for c in own}
    return AIBook([c for c in cards if c.id not in ids] + own, own=ids)



def ai_coverage(*, date: str | dt.date | None = None, rate_card: str | Path | None = None) -> list[dict]:
    """One row per AI plan with a card in force on ``date`` (default today),
    shaped as :func:`chansim.billing.listing.coverage`'s rows: channel
    ``ai_agent`` (or ``agent_assist`` for seat prices), market ``*``, the
    card, its unit as model, its rate (none when unpublished), lowest
    confidence and source."""
    if date is None:
        day = dt.date.today()
    elif isinstance(date, dt.date):
        day = date
    else:
        try:
            day = dt.date.fromisoformat(str(date))
        except ValueError:
            raise InputError(Problem("--date", f"{date!r} is not a date like 2025-07-01")) from None
    book = ai_book(rate_card)
    rows = []
    for name in dict.fromkeys(c.name for c in book.cards):
        live = [c for c in book.plan(name) if c.covers(day)]
        if not live:
            continue
        card = book.find(name, day)
        unpublished = f" (rate not published: give bot.rates.{card.unit})" if card.unpublished else ""
        rows.append({
            "channel": "agent_assist" if card.unit == "per_seat" else "ai_agent", "market": "*",
            "card": card.id, "plan": card.name, "vendor": card.vendor, "model": card.unit, "currency": card.currency,
            "rates": {card.unit: card.rate()} if card.unit in card.rates else {},
            "confidence": card.lowest_confidence(), "source": card.source + unpublished, "countries": [],
        })
    return rows
