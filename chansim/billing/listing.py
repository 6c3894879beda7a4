"""Which rate cards exist, and which are in force for a market and date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chansim.billing.ratecard import RateCard, card_book
from chansim.errors import InputError, Problem

__all__ = ["list_cards"]


def list_cards(
    *,
    market: str | None = None,
    date: str | dt.date | None = None,
    rate_card: str | Path | None = None,
    whatsapp_v3: bool = False,
) -> list[RateCard]:
    """Cards for ``market`` (and any-market cards), in force on ``date`` if given
    (one per channel: the one that would be used)."""
    book = card_book(rate_card, opt_in={"whatsapp_v3"} if whatsapp_v3 else ())
    cards = [c for c in book.cards if c.opt_in is None or c.opt_in in book.opt_in]
    if market is not None:
        market = market.upper()
        if not any(c.market == market for c in cards):
            known = sorted({c.market for c in cards if c.market != "*"})
            raise InputError(Problem("--market", f"no rate cards for market {market!r} (markets: {', '.join(known)})"))
        cards = [c for c in cards if c.market in (market, "*")]
    if date is not None:
        try:
            day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        except ValueError:
            raise InputError(Problem("--date", f"{date!r} is not a date like 2025-07-01")) from None
        chosen = []
        for channel in dict.fromkeys(c.channel for c in cards):
            markets = [market] if market else sorted({c.market for c in cards if c.channel == channel and c.market != "*"}) or ["*"]
            for m in markets:
                try:
                    card = book.find(channel, m, day)
                except InputError:
                    continue
                if card not in chosen:
                    chosen.append(card)
        if not chosen:
            raise InputError(Problem("--date", f"no rate card is in force on {day} (the earliest card starts on "
                                               f"{min(c.effective_from for c in cards)})"))
        cards = chosen
    return sorted(cards, key=lambda c: (c.channel, c.market, c.effective_from))
