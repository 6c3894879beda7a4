"""Which rate cards exist, which are in force for a market and date, and
which markets each channel can be priced in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chansim.billing.ratecard import RateCard, card_book, market_code, regions
from chansim.errors import InputError, Problem

__all__ = ["list_cards", "coverage"]


def _day(date: str | dt.date | None, what: str = "--date") -> dt.date | None:
    if date is None or isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date))
    except ValueError:
        raise InputError(Problem(what, f"{date!r} is not a date like 2025-07-01")) from None


def list_cards(
    *,
    market: str | None = None,
    date: str | dt.date | None = None,
    rate_card: str | Path | None = None,
) -> list[RateCard]:
    """Cards for ``market`` (its own, its "rest of" region's and any-market
    cards; GB is UK), in force on ``date`` if given (one per channel: the one
    that would be used)."""
    book = card_book(rate_card)
    cards = list(book.cards)
    day = _day(date)
    if market is not None:
        import re

        if not re.fullmatch(r"[A-Za-z]{2}|[a-z][a-z_]*", market):
            raise InputError(Problem("--market", f"{market!r} is not a market (an ISO country like US, or a region "
                                                 "id like rest_of_africa)"))
        market = market_code(market)
        places = book.markets_for(market)
        if not any(c.market in places[:-1] for c in cards):
            known = sorted({c.market for c in cards if c.market != "*" and len(c.market) == 2})
            raise InputError(Problem("--market", f"no rate cards for market {market!r} (markets: {', '.join(known)})"))
        cards = [c for c in cards if c.market in places]
    if day is not None:
        chosen: dict[str, RateCard] = {}
        for channel in dict.fromkeys(c.channel for c in cards):
            markets = [market] if market else sorted({c.market for c in cards if c.channel == channel})
            for m in markets:
                try:
                    card = book.find(channel, m, day) if len(m) == 2 or m == "*" else _region_card(book, channel, m, day)
                except InputError:
                    continue
                chosen.setdefault(card.id, card)
        if not chosen:
            raise InputError(Problem("--date", f"no rate card is in force on {day} (the earliest card starts on "
                                               f"{min(c.effective_from for c in cards)})"))
        cards = list(chosen.values())
    return sorted(cards, key=lambda c: (c.channel, c.market, c.effective_from))


def _region_card(book, channel: str, region: str, day: dt.date) -> RateCard:
    live = [c for c in book.cards if c.channel == channel and c.market == region and c.covers(day)]
    if not live:
        raise InputError(Problem("--date", f"no {channel} card for {region} on {day}"))
    return max(live, key=lambda c: c.effective_from)


def coverage(*, date: str | dt.date | None = None, rate_card: str | Path | None = None) -> list[dict]:
    """One row per channel and market with a card in force on ``date``
    (default: today): the card, its billing model, its lowest confidence and
    its source; regions list the countries they price."""
    book = card_book(rate_card)
    day = _day(date) or dt.date.today()
    named = regions()
    rows = []
    for channel in dict.fromkeys(c.channel for c in book.cards):
        for market in sorted({c.market for c in book.cards if c.channel == channel}):
            try:
                card = book.find(channel, market, day) if len(market) == 2 or market == "*" else \
                    _region_card(book, channel, market, day)
            except InputError:
                continue
            if card.market != market:
                continue
            rows.append({
                "channel": channel, "market": market, "card": card.id, "model": card.model, "currency": card.currency,
                "rates": {name: card.rate(name) for name in card.rates},
                "confidence": card.lowest_confidence(), "source": card.source,
                "countries": list(named[market].countries) if market in named else
                ([] if market != "other" else ["every country on no region's list"]),
            })
    return rows
