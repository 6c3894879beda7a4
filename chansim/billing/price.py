"""Price the event log: every message (and every call) gets ``billable``,
``units``, ``unit``, ``cost`` and the ``rule`` that priced it.

The card in force for each channel is chosen by market and date (see
:class:`~chansim.billing.ratecard.CardBook`); flat ``pricing.fees`` win over
the card for the channels they name (negotiated contracts). Costs are in the
scenario currency (card rates converted with ``pricing.exchange_rates``) and
include the provider ``markup``. Pure and deterministic: the same log and
settings give the same prices, so a stored run can be re-priced without
simulating again.

The traffic is placed on the calendar from the pricing date (``t = 0`` is
00:00 of that day), which is what monthly free tiers and volume tiers count on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from chansim.billing.labels import LABEL_COLUMNS, as_labels, constant, stitch
from chansim.billing.platform import price_per_message
from chansim.billing.ratecard import CardBook, RateCard, card_book
from chansim.billing.rcs import price_rcs
from chansim.billing.sms import price_sms, sms_segments
from chansim.billing.voice import price_calls
from chansim.errors import InputError, Problem

__all__ = ["Pricer", "price", "cost_lines", "check_scenario", "PRICE_COLUMNS", "COST_LINE_COLUMNS"]

PRICE_COLUMNS = ("billable", "units", "unit", "cost", "rule", "card")
COST_LINE_COLUMNS = ("replication", "strategy", "channel", "rule", "card", "unit", "count", "units", "cost")


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(Problem("date", f"{value!r} is not a date like 2025-07-01")) from None


@dataclass
class Pricer:
    """Everything needed to price a log, and the cards it picked."""

    market: str
    date: dt.date
    book: CardBook
    markup: float = 0.0
    currency: str | None = None
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    rcs_agent: str = "non_conversational"
    voice_number: str = "toll_free"
    fees: Mapping[str, object] = field(default_factory=dict)  # channel -> Fee (flat, wins over the card)

    @classmethod
    def create(
        cls,
        *,
        market: str,
        date: dt.date | str,
        rate_card: str | Path | None = None,
        markup: float = 0.0,
        whatsapp_v3: bool = False,
        **settings,
    ) -> "Pricer":
        if markup < 0:
            raise InputError(Problem("markup", "must be ≥ 0"))
        book = card_book(rate_card, opt_in={"whatsapp_v3"} if whatsapp_v3 else ())
        return cls(market=market, date=_as_date(date), book=book, markup=markup, **settings)

    @classmethod
    def for_scenario(cls, scenario) -> "Pricer":
        p = scenario.pricing
        return cls.create(
            market=scenario.market,
            date=p.date or scenario.start_date,
            rate_card=p.rate_card,
            markup=p.markup,
            whatsapp_v3=p.whatsapp_v3,
            currency=scenario.currency,
            exchange_rates=dict(p.exchange_rates),
            rcs_agent=p.rcs_agent,
            voice_number=p.voice_number,
            fees=dict(p.fees),
        )

    # ------------------------------------------------------------ the cards
    def card(self, channel: str) -> RateCard:
        return self.book.find(channel, self.market, self.date)

    def factor(self, card: RateCard) -> float:
        """Card currency → scenario currency, times the markup."""
        fx = 1.0
        if self.currency is not None and card.currency != self.currency:
            if card.currency not in self.exchange_rates:
                raise InputError(
                    Problem(
                        f"pricing.exchange_rates.{card.currency}",
                        f"needed: the {card.channel} card {card.id} is in {card.currency}, the scenario in "
                        f"{self.currency} (give how many {self.currency} one {card.currency} buys)",
                    )
                )
            fx = float(self.exchange_rates[card.currency])
        return fx * (1.0 + self.markup)

    def check(self, channels: Iterable[str]) -> None:
        """Fail before simulating if any channel cannot be priced."""
        problems = []
        for channel in sorted(set(channels)):
            if channel in self.fees:
                continue
            try:
                self.factor(self.card(channel))
            except InputError as exc:
                problems += exc.problems
        if problems:
            raise InputError(problems)

    # -------------------------------------------------------------- pricing
    def _flat(self, frame: pd.DataFrame, channel: str, calls: bool) -> pd.DataFrame:
        """Flat negotiated fees: per minute (+ per contact) for calls; per
        message + per SMS-style segment for messages, plus per contact on each
        contact's first message."""
        fee = self.fees[channel]
        if calls:
            seconds = np.nan_to_num((frame["end_t"] - frame["arrival_t"]).to_numpy(float), nan=0.0)
            units = np.maximum(np.ceil(seconds - 1e-9), 0.0) / 60.0
            cost = units * fee.per_minute + fee.per_contact
            unit = "minute"
        else:
            keys = [c for c in ("replication", "strategy", "contact_id") if c in frame]
            first = (~frame.duplicated(keys)).to_numpy() if keys else np.zeros(len(frame), bool)
            units = np.ones(len(frame))
            segments = sms_segments(frame["chars"], frame["non_gsm"]).astype(float)
            cost = fee.per_message + fee.per_segment * segments + np.where(first, fee.per_contact, 0.0)
            unit = "message"
        cost = np.asarray(cost, dtype=float) * (1.0 + self.markup)
        n = len(frame)
        return pd.DataFrame(
            {"billable": cost > 0, "units": units, "unit": constant(unit, n), "cost": cost,
             "rule": constant(f"{channel}: flat fee (pricing.fees)", n), "card": constant("pricing.fees", n)},
            index=frame.index,
        )

    def _by_card(self, frame: pd.DataFrame, channel: str) -> pd.DataFrame:
        card = self.card(channel)
        if card.model == "sms":
            priced = price_sms(frame, card)
        elif card.model in ("rcs_us", "rcs_standard"):
            priced = price_rcs(frame, card, agent=self.rcs_agent)
        elif card.model.startswith("whatsapp"):
            from chansim.billing.whatsapp import price_whatsapp

            priced = price_whatsapp(frame, card, start=self.date)
        elif card.model == "per_message":
            priced = price_per_message(frame, card)
        elif card.model == "retired":
            priced = pd.DataFrame({"billable": False, "units": 0.0, "unit": "message", "rate": 0.0,
                                   "rule": f"{channel}: retired channel, no fee before {card.retired_on}"}, index=frame.index)
        else:
            raise InputError(Problem("pricing", f"a {card.model} card cannot price {channel} messages"))
        priced["cost"] = priced["units"].to_numpy(float) * priced["rate"].to_numpy(float) * self.factor(card)
        priced["card"] = constant(card.id, len(priced))
        return priced.drop(columns="rate")

    def messages(self, messages: pd.DataFrame) -> pd.DataFrame:
        """The messages table with the price columns added (a message on no
        channel is not billable and has no price)."""
        n = len(messages)
        billable = np.zeros(n, dtype=bool)
        units = np.full(n, np.nan)
        cost = np.full(n, np.nan)
        labels: dict[str, list] = {column: [] for column in LABEL_COLUMNS}
        if n:
            by_channel = messages.groupby("channel", sort=True, observed=True).indices
            for name, rows in by_channel.items():  # each channel on its own
                name, frame = str(name), messages.iloc[rows]
                priced = self._flat(frame, name, False) if name in self.fees else self._by_card(frame, name)
                billable[rows] = priced["billable"].to_numpy(dtype=bool)
                units[rows] = priced["units"].to_numpy(dtype=float)
                cost[rows] = priced["cost"].to_numpy(dtype=float)
                for column in LABEL_COLUMNS:
                    labels[column].append((rows, as_labels(priced[column])))
        out = messages.copy(deep=False)  # copy-on-write: ``messages`` is left as it is
        columns = {"billable": billable, "units": units, "cost": cost}
        for column in PRICE_COLUMNS:
            out[column] = columns[column] if column in columns else stitch(labels[column], n)
        return out

    def calls(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Voice contacts with the price columns added."""
        voice = np.asarray(contacts["channel"] == "voice")
        # copy-on-write: a shallow copy takes new columns without touching ``contacts``
        calls = contacts.copy(deep=False) if voice.all() else contacts[voice]
        if "voice" in self.fees:
            priced = self._flat(calls, "voice", True)
        elif len(calls):
            card = self.card("voice")
            priced = price_calls(calls, card, number=self.voice_number)
            priced["cost"] = priced["units"].to_numpy(float) * priced["rate"].to_numpy(float) * self.factor(card)
            priced["card"] = constant(card.id, len(priced))
            priced = priced.drop(columns="rate")
        else:
            priced = pd.DataFrame({c: [] for c in PRICE_COLUMNS}, index=calls.index)
        out = calls
        for column in PRICE_COLUMNS:
            if not len(calls):
                out[column] = pd.Series(dtype=object)
            else:
                out[column] = as_labels(priced[column]) if column in LABEL_COLUMNS else priced[column].to_numpy()
        return out


def price(
    messages: pd.DataFrame,
    *,
    market: str,
    date: dt.date | str,
    rate_card: str | Path | None = None,
    markup: float = 0.0,
    **settings,
) -> pd.DataFrame:
    """Price a messages table (DESIGN.md columns: ``t``, ``customer_id``,
    ``contact_id``, ``channel``, ``direction``, ``sender``, ``category``,
    ``chars``, ``non_gsm``, ``media``; optional ``free_entry_point``).

    Returns it with ``billable``, ``units``, ``unit`` (segment / message /
    conversation / minute), ``cost`` and ``rule`` (why), plus ``card`` (the id
    of the rate card used); ``unit``, ``rule`` and ``card`` are categorical. ``settings``: ``whatsapp_v3``, ``rcs_agent``,
    ``currency``, ``exchange_rates``, ``fees``."""
    return Pricer.create(market=market, date=date, rate_card=rate_card, markup=markup, **settings).messages(messages)


def cost_lines(*priced: pd.DataFrame) -> pd.DataFrame:
    """Sum priced messages and calls into one line per (replication, strategy,
    channel, rule, card, unit): ``count`` rows, ``units`` and ``cost``, sorted
    by those keys."""
    keys = ["replication", "strategy", "channel", "rule", "card", "unit"]
    partial = []
    for frame in priced:
        if not len(frame):
            continue
        present = [k for k in keys if k in frame]
        part = frame[present + ["units", "cost"]].assign(count=1)
        # grouped on the labels as they are (categories: one code per row), then named
        sums = part.groupby(present, sort=False, observed=True, as_index=False)[["count", "units", "cost"]].sum()
        for key in ("strategy", "channel", "rule", "card", "unit"):
            if key in sums:
                sums[key] = sums[key].astype(str)
        partial.append(sums)
    if not partial:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("units", "cost") else object) for c in COST_LINE_COLUMNS})
    lines = pd.concat(partial, ignore_index=True)
    present = [k for k in keys if k in lines]
    if lines.duplicated(present).any():  # the same line in two tables
        lines = lines.groupby(present, sort=False, as_index=False)[["count", "units", "cost"]].sum()
    lines = lines.sort_values(present, kind="stable", ignore_index=True)
    return lines[[c for c in COST_LINE_COLUMNS if c in lines]]


def check_scenario(scenario) -> None:
    """Fail early if any channel a strategy can use cannot be priced (no card
    in force for the market and date, a retired channel, a missing exchange
    rate). A problem shared by only some strategies names them."""
    found: dict[tuple[str, str], list[str]] = {}
    for name in scenario.strategy_names:
        resolved = scenario.for_strategy(name)
        strategy = resolved.strategies[0]
        channels = set(strategy.offer) | {c.channel for c in strategy.campaigns}
        if strategy.ivr_deflection is not None:
            channels |= {strategy.ivr_deflection.to, strategy.ivr_deflection.link_channel}
        for channel in list(channels):
            spec = resolved.channels.get(channel)
            if spec is not None and spec.fallback:
                channels.add(spec.fallback)
            if spec is not None and spec.escalate_to_voice is not None:
                channels.add("voice")
        try:
            Pricer.for_scenario(resolved).check(channels)
        except InputError as exc:
            for p in exc.problems:
                found.setdefault((p.path, p.message), []).append(name)
    if found:
        every = len(scenario.strategy_names)
        raise InputError([
            Problem(path if len(names) == every else f"{path} (strategies: {', '.join(names)})", message)
            for (path, message), names in found.items()
        ])
