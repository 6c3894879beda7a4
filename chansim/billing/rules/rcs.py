"""RCS Business Messaging rules.

**US model** (``rcs_us``): a rich message (text, suggested replies, dial and
open-URL actions) is billed per 160-byte UTF-8 segment; a rich media message
(media, cards, carousels, or any suggested action other than dial and open
URL: location, calendar, ...) is one flat charge, as Google bills it.
User-sent messages are billed at the card's user-sent rates (a missing one
is an error).

**Standard model** (``rcs_standard``, every market but the US): the agent's
billing category is fixed when it is created (``pricing.rcs_agent``):

* ``non_conversational``: every business message is billed on its own.
* ``conversational``: when either side replies to the other within 24 hours,
  a 24-hour conversation starts at that reply. Every message of the exchange
  (the unreplied messages of the other side in the 24 hours before the reply,
  the reply, and all messages until 24 hours after it) is covered by one
  *conversation* charge, carried by the earliest of them. Messages nobody
  replies to within 24 hours are billed singly.

A business message billed on its own is categorised on its own date
(``start`` + its time): before 2025-11-20 as *basic* (text only, at most 160
UTF-8 bytes, no suggestions, no media) or *single* (rates ``basic`` and
``single``); from 2025-11-20, when Google merged the two, as one
*non-conversational* message (rate ``non_conversational``), whatever its
length or content. A run that crosses the date bills each side under its
rule. A card gives the rates of the dates it covers: for a message outside
its dates (priced by another card, or by this one under ``pricing.date``) a
card that gives the rates of one side only is read on that side. User-sent
messages keep the user-sent basic and single rates (free when the card has
none) on both sides.

Simulated messages carry a length, a non-GSM flag and an emoji count, not
text. UTF-8 bytes: a GSM-7 (Latin) message takes 1 byte a character; a
non-GSM message takes ``bytes_per_char`` bytes for each character that is
not an emoji (the channel key ``bytes_per_char``: 1 for Latin text with a
few accents, about 2 for Cyrillic, Greek, Arabic or Hebrew, about 2.6 for
Devanagari with its spaces, 3 for CJK) and 4 for each emoji.

Optional column ``suggestions``: ``none``, ``basic`` (suggested replies,
dial and open-URL actions) or ``rich`` (any other suggested action); a bool
True means ``basic``. Messages that fell back to SMS are SMS messages and
are priced by the SMS card.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from chansim.billing.card_dates import DAY_S, dates_of
from chansim.billing.ratecard import RateCard
from chansim.errors import InputError, Problem

__all__ = ["price_rcs", "utf8_bytes", "RCS_SEGMENT_BYTES", "DAY_S", "NON_CONVERSATIONAL_FROM"]

RCS_SEGMENT_BYTES = 160
#: Google merged the basic and single categories into one non-conversational category (RBM release notes).
NON_CONVERSATIONAL_FROM = dt.date(2025, 11, 20)


def utf8_bytes(chars, non_gsm, emoji=None, bytes_per_char: float = 1.0) -> np.ndarray:
    """UTF-8 bytes of messages of ``chars`` characters (see the module notes)."""
    chars = np.asarray(chars, dtype=np.int64)
    ucs2 = np.asarray(non_gsm, dtype=bool)
    emoji = np.zeros(chars.size, dtype=np.int64) if emoji is None else np.minimum(np.asarray(emoji, np.int64), chars)
    wide = np.ceil((chars - emoji) * float(bytes_per_char) - 1e-9).astype(np.int64) + 4 * emoji
    return np.where(ucs2, wide, chars)


def _suggestions(m: pd.DataFrame) -> np.ndarray:
    """Per message: 0 none, 1 basic (replies, dial, open URL), 2 rich (other actions)."""
    if "suggestions" not in m:
        return np.zeros(len(m), dtype=np.int8)
    values = m["suggestions"]
    if values.dtype == bool:
        return values.to_numpy().astype(np.int8)
    text = values.astype(str).to_numpy()
    out = np.select([text == "basic", text == "rich", text == "True"], [1, 2, 1], 0).astype(np.int8)
    bad = sorted(set(text[(out == 0) & ~np.isin(text, ["none", "False", "", "nan", "<NA>"])].tolist()))
    if bad:
        raise ValueError(f"suggestions must be none, basic or rich, not {', '.join(map(repr, bad))}")
    return out


def _bytes(m: pd.DataFrame, bytes_per_char: float) -> np.ndarray:
    return utf8_bytes(m["chars"], m["non_gsm"], m["emoji"] if "emoji" in m else None, bytes_per_char)


def _frame(index, billable, units, unit, rate, rule) -> pd.DataFrame:
    return pd.DataFrame({"billable": billable, "units": units, "unit": unit, "rate": rate, "rule": rule}, index=index)


def _needed(card: RateCard, name: str, mask: np.ndarray) -> float:
    return card.rate(name) if mask.any() else 0.0


def _price_us(m: pd.DataFrame, card: RateCard, bytes_per_char: float) -> pd.DataFrame:
    out = np.asarray(m["direction"] == "out")
    media = np.asarray(m["media"], dtype=bool) | (_suggestions(m) == 2)
    segments = np.maximum(-(-_bytes(m, bytes_per_char) // RCS_SEGMENT_BYTES), 1).astype(float)
    rate = np.where(
        out,
        np.where(media, _needed(card, "rich_media", out & media), _needed(card, "rich_segment", out & ~media)),
        np.where(media, _needed(card, "inbound_media", ~out & media), _needed(card, "inbound_segment", ~out & ~media)),
    )
    units = np.where(media, 1.0, segments)
    rule = np.where(
        out,
        np.where(media, "rcs US: rich media (media, card or other suggested action), per message",
                 "rcs US: rich message, per 160-byte segment"),
        np.where(media, "rcs US: user-sent media", "rcs US: user-sent message, per 160-byte segment"),
    )
    rule = np.where(rate > 0, rule, np.char.add(rule.astype(str), ", free on this card"))
    return _frame(m.index, rate > 0, np.where(rate > 0, units, 0.0), np.where(media, "message", "segment"), rate, rule)


def _merged(m: pd.DataFrame, card: RateCard, start: dt.date | None) -> np.ndarray:
    """Per message: categorised as non-conversational (on or after
    :data:`NON_CONVERSATIONAL_FROM`), else basic or single."""
    if start is None:
        raise ValueError("RCS outside the US needs the calendar day of t = 0 (start): the categories changed "
                         f"on {NON_CONVERSATIONAL_FROM}")
    t = np.nan_to_num(np.asarray(m["t"], dtype=float), nan=0.0)
    day = dates_of(start, t)
    merged = day >= np.datetime64(NON_CONVERSATIONAL_FROM, "D")
    new, old = card.has("non_conversational"), card.has("basic") or card.has("single")
    if new != old:  # a card of one side: its messages of the other side's dates are not its own
        end = np.datetime64(card.effective_to or dt.date.max, "D")
        outside = (day < np.datetime64(card.effective_from, "D")) | (day > end)
        merged = np.where(outside, new, merged)
    return merged


def _non_conversational_rate(card: RateCard, mask: np.ndarray) -> float:
    if not mask.any():
        return 0.0
    if not card.has("non_conversational"):
        raise InputError(Problem(
            f"pricing.rate_card: card {card.id}, rates.non_conversational",
            f"the rcs traffic from {NON_CONVERSATIONAL_FROM} needs rate 'non_conversational' (Google merged basic "
            f"and single into one non-conversational category that day), which card {card.id} ({card.market}) "
            "does not give; add it to the card (pricing.rate_card) or set a flat fee (pricing.fees)"))
    return card.rate("non_conversational")


def _single_prices(m: pd.DataFrame, card: RateCard, bytes_per_char: float,
                   start: dt.date | None) -> tuple[np.ndarray, np.ndarray]:
    out = np.asarray(m["direction"] == "out")
    basic = (_bytes(m, bytes_per_char) <= RCS_SEGMENT_BYTES) & ~np.asarray(m["media"], dtype=bool) & (_suggestions(m) == 0)
    merged = _merged(m, card, start)
    rate = np.where(
        out,
        np.where(merged, _non_conversational_rate(card, out & merged),
                 np.where(basic, _needed(card, "basic", out & basic & ~merged),
                          _needed(card, "single", out & ~basic & ~merged))),
        # user-sent messages: free where the card gives no user-sent rate (as on most non-US cards)
        np.where(basic, card.rate("user_basic") if card.has("user_basic") else 0.0,
                 card.rate("user_single") if card.has("user_single") else 0.0),
    )
    rule = np.where(
        out,
        np.where(merged, f"rcs: non-conversational message (from {NON_CONVERSATIONAL_FROM})",
                 np.where(basic, "rcs: basic message (text ≤ 160 bytes)", "rcs: single message (rich or > 160 bytes)")),
        np.where(basic, "rcs: user-sent basic message", "rcs: user-sent single message"),
    ).astype(object)
    return rate, rule


def _conversations(m: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each message (in ``m``'s order): the id of the conversation covering
    it (-1: none) and whether it carries the conversation's charge."""
    n = len(m)
    conv = np.full(n, -1, dtype=np.int64)
    carries = np.zeros(n, dtype=bool)
    order = np.lexsort((np.asarray(m["t"], dtype=float), m["customer_id"].to_numpy()))
    t = np.asarray(m["t"], dtype=float)[order]
    customer = m["customer_id"].to_numpy()[order]
    out = np.asarray(m["direction"] == "out")[order]
    next_id = 0
    start = 0
    while start < n:
        stop = start
        while stop < n and customer[stop] == customer[start]:
            stop += 1
        conv_end = -np.inf
        current = -1
        pending: list[int] = []  # uncovered messages, oldest first
        for k in range(start, stop):
            if t[k] < conv_end:
                conv[order[k]] = current
                continue
            replied = [p for p in pending if out[p] != out[k] and t[k] - t[p] <= DAY_S]
            if replied:
                current = next_id
                next_id += 1
                conv_end = t[k] + DAY_S
                first = min(replied)
                for p in pending:
                    if p >= first:
                        conv[order[p]] = current
                conv[order[k]] = current
                carries[order[first]] = True
                pending = []
            else:
                pending = [p for p in pending if t[k] - t[p] <= DAY_S] + [k]
        start = stop
    return conv, carries


def _price_standard(m: pd.DataFrame, card: RateCard, agent: str, bytes_per_char: float,
                    start: dt.date | None) -> pd.DataFrame:
    rate, rule = _single_prices(m, card, bytes_per_char, start)
    unit = np.full(len(m), "message", dtype=object)
    units = np.ones(len(m))
    if agent == "conversational":
        conv, carries = _conversations(m)
        covered = conv >= 0
        rate = np.where(carries, _needed(card, "conversation", carries), np.where(covered, 0.0, rate))
        rule = np.where(carries, "rcs: opens a 24-hour conversation (a reply came within 24 h)", rule)
        rule = np.where(covered & ~carries, "rcs: inside a 24-hour conversation, covered", rule)
        unit = np.where(carries | covered, "conversation", unit)
        units = np.where(covered & ~carries, 0.0, units)
    billable = rate > 0
    rule = np.where(billable | (rule == "rcs: inside a 24-hour conversation, covered"), rule,
                    np.char.add(rule.astype(str), ", free on this card").astype(object))
    return _frame(m.index, billable, np.where(billable, units, 0.0), unit, rate, rule)


def price_rcs(messages: pd.DataFrame, card: RateCard, *, agent: str = "non_conversational",
              bytes_per_char: float = 1.0, start: dt.date | None = None, **_) -> pd.DataFrame:
    """Price messages delivered as RCS under ``card`` (US or standard model);
    ``start``: the calendar day of t = 0 (the standard model's categories
    depend on each message's date)."""
    if card.model == "rcs_us":
        return _price_us(messages, card, bytes_per_char)
    if agent not in ("conversational", "non_conversational"):
        raise ValueError(f"unknown RCS agent billing category {agent!r}")
    return _price_standard(messages, card, agent, bytes_per_char, start)


price_rcs.reads = ("t", "customer_id", "direction", "media", "chars", "non_gsm", "emoji", "suggestions")  # what it reads
