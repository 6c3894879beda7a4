"""Price the event log: every message (and every call) gets ``billable``,
``units``, ``unit``, ``cost``, the ``rule`` that priced it and the ``card``.

Each message is priced by its customer's market and its own date:

* **market**: the customer's segment's ``market`` (``demand.segments[].market``,
  default the scenario's ``market``); a table without a ``segment`` column
  is priced in the scenario's market. WhatsApp looks up a country's own card,
  else its "rest of" region's (``cards/regions.yaml``).
* **date**: ``start_date`` + the message's simulated time, so a run that
  crosses a change date (2025-07-01, 2026-10-01) bills each side under the
  card in force then. ``pricing.date`` is the what-if "price everything as if
  on this date": every message gets the card in force that day, and the
  calendar (monthly allowances, tiers, date rules) starts on it.

The card's billing model (registered in :mod:`chansim.scenario.channels`) applies
the rules; windows and monthly counts run over all of a market's messages,
so a WhatsApp window opened on 30 September covers the 1 October reply.
Flat ``pricing.fees`` win over the card for the channels they name
(negotiated contracts); their monthly fixed part is priced apart
(:mod:`chansim.billing.fixed`). Costs are in the scenario currency (card rates
converted with ``pricing.exchange_rates``) and include the provider
``markup``. Pure and deterministic: the same log and settings give the same
prices, so a stored run can be re-priced without simulating again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from chansim.billing.card_dates import DAY_S
from chansim.billing.labels import LABEL_COLUMNS, constant
from chansim.billing.ratecard import CardBook, RateCard, card_book, market_code
from chansim.billing.rules.fees import price_flat
from chansim.billing.rules.groups import Parts as _Parts, rows_read as _rows_read
from chansim.billing.rules.whatsapp.allowance import share_allowance
from chansim.billing.rules.whatsapp.per_message import cap_marketing
from chansim.scenario.channels import billing_rule
from chansim.errors import InputError, Problem

__all__ = ["Pricer", "PRICE_COLUMNS", "RULES"]

PRICE_COLUMNS = ("billable", "units", "unit", "cost", "rule", "card")
#: ``pricing.rules``: the rules in force on each date, or v2's after 2026-10-01 (what-if).
RULES = ("current", "v2")


def _as_date(value: dt.date | str, what: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(Problem(what, f"{value!r} is not a date like 2025-07-01")) from None


def _day_index(t: np.ndarray) -> np.ndarray:
    """The day (since the calendar start) of each time (missing: day 0)."""
    day = np.nan_to_num(t, nan=0.0)
    day /= DAY_S
    return np.floor(day, out=day).astype(np.int64)


def _days_with_rows(times: np.ndarray, rows: np.ndarray | None, part: int = 1 << 20) -> np.ndarray:
    """The days with rows (of mask ``rows``; None: all), in order: found a
    part of the rows at a time."""
    seen: set[int] = set()
    for lo in range(0, times.size, part):
        t = times[lo:lo + part] if rows is None else times[lo:lo + part][rows[lo:lo + part]]
        if t.size:
            day = _day_index(t)
            first = int(day.min())
            seen.update((np.flatnonzero(np.bincount(day - first)) + first).tolist())
    return np.array(sorted(seen), dtype=np.int64)


@dataclass
class Pricer:
    """Everything needed to price a log."""

    market: str  #: the scenario's market: customers of a segment without one, and tables without segments
    start: dt.date  #: calendar day of t = 0
    book: CardBook
    as_of: dt.date | None = None  #: pricing.date: every message priced by the card in force that day
    segment_markets: Mapping[str, str] = field(default_factory=dict)
    business_market: str | None = None
    rules: str = "current"
    markup: float = 0.0
    currency: str | None = None
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    rcs_agent: str = "non_conversational"
    voice_number: str = "toll_free"
    fees: Mapping[str, object] = field(default_factory=dict)  # channel -> Fee (flat, wins over the card)
    bytes_per_char: Mapping[str, float] = field(default_factory=dict)  # channel -> UTF-8 bytes per non-Latin char
    business_agent: tuple[float, float] | None = None  # (tokens per reply, rate per token): Meta Business Agent
    marketing_max_price: float | None = None  # WhatsApp marketing: the most paid per delivered message (card currency)
    shared: bool | None = None  # WhatsApp's monthly free units over every market (None: if the table has several)
    #: a list: prices that hang on a row's rank in its calendar month are noted in it (on the table's rows)
    record: list | None = field(default=None, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        market: str,
        date: dt.date | str | None = None,
        start_date: dt.date | str | None = None,
        rate_card: str | Path | None = None,
        markup: float = 0.0,
        **settings,
    ) -> "Pricer":
        """``date``: price every message as if on that day (and start the
        calendar there); ``start_date``: the calendar day of t = 0, each
        message priced on its own day. One of them is needed."""
        if markup < 0:
            raise InputError(Problem("markup", "must be ≥ 0"))
        if date is None and start_date is None:
            raise InputError(Problem("date", "give the start date of the traffic, or a pricing date"))
        rules = settings.get("rules", "current")
        if rules not in RULES:
            raise InputError(Problem("pricing.rules", f"must be one of {', '.join(RULES)}, not {rules!r}"))
        as_of = None if date is None else _as_date(date, "pricing.date")
        start = as_of if as_of is not None else _as_date(start_date, "start_date")
        business = settings.pop("business_market", None) or market
        return cls(market=market_code(market), start=start, as_of=as_of, book=card_book(rate_card), markup=markup,
                   business_market=market_code(business), **settings)

    @classmethod
    def for_scenario(cls, scenario, **changes) -> "Pricer":
        """The pricer of a (resolved) scenario; ``changes`` replace its settings
        (as :meth:`create` takes them)."""
        p = scenario.pricing
        bot = scenario.active_bot
        agent = None
        if bot is not None and getattr(bot, "provider", "own") == "meta_business_agent" and "whatsapp" in bot.channels:
            agent = (float(bot.tokens_per_reply), float(bot.token_rate))
        settings = dict(
            market=scenario.market,
            date=p.date,
            start_date=scenario.start_date,
            rate_card=p.rate_card,
            markup=p.markup,
            rules=p.rules,
            business_market=p.business_market,
            segment_markets={s.name: s.market or scenario.market for s in scenario.demand.segments},
            currency=scenario.currency,
            exchange_rates=dict(p.exchange_rates),
            rcs_agent=p.rcs_agent,
            voice_number=p.voice_number,
            fees=dict(p.fees),
            bytes_per_char={name: spec.bytes_per_char for name, spec in scenario.channels.items()},
            business_agent=agent,
            marketing_max_price=min((c.max_price for c in scenario.strategies[0].campaigns
                                     if c.max_price is not None and c.channel == "whatsapp"
                                     and c.category == "marketing"), default=None) if len(scenario.strategies) == 1
            else None,
        )
        settings.update(changes)
        return cls.create(**settings)

    # ------------------------------------------------------------ the cards
    @property
    def date(self) -> dt.date:
        """The pricing date, else the calendar start."""
        return self.as_of or self.start

    def markets(self) -> list[str]:
        return sorted({market_code(m) for m in self.segment_markets.values()} | {self.market})

    def card(self, channel: str, market: str | None = None, day: dt.date | None = None) -> RateCard:
        """The card in force for ``channel`` in ``market`` (default the
        scenario's) on ``day`` (default the pricing date, else the start)."""
        return self.book.find(channel, market or self.market, self.as_of or day or self.start)

    def factor(self, card: RateCard) -> float:
        """Card currency → scenario currency, times the markup."""
        fx = 1.0
        if self.currency is not None and card.currency != self.currency:
            if card.currency not in self.exchange_rates:
                raise InputError(Problem(
                    f"pricing.exchange_rates.{card.currency}",
                    f"needed: the {card.channel} card {card.id} is in {card.currency}, the scenario in "
                    f"{self.currency} (give how many {self.currency} one {card.currency} buys)"))
            fx = float(self.exchange_rates[card.currency])
        return fx * (1.0 + self.markup)

    def check(self, channels: Iterable[str], days: Iterable[dt.date] | None = None,
              markets: Iterable[str] | None = None) -> None:
        """Fail before simulating if any channel cannot be priced in any of
        ``markets`` (default: every segment's) on any of ``days`` (default:
        the pricing date, else the start)."""
        problems = []
        days = [self.as_of] if self.as_of else sorted(set(days or [self.start]))
        for channel in sorted(set(channels)):
            if self._flat(channel) is not None:
                continue
            for market in sorted(set(markets or self.markets())):
                found = [self._checked(channel, market, day, problems) for day in days]
                for card in {c.id: c for c in found if c is not None}.values():
                    try:
                        self.factor(card)
                    except InputError as exc:
                        problems += exc.problems
        if problems:
            raise InputError(list(dict.fromkeys(problems)))

    def _checked(self, channel, market, day, problems):
        try:
            return self.book.find(channel, market, day)
        except InputError as exc:
            problems += exc.problems
            return None

    def _flat(self, channel: str):
        """The flat fee that replaces ``channel``'s card, if any (a fee giving
        only a monthly fixed cost adds to the card instead)."""
        fee = self.fees.get(channel)
        return fee if fee is not None and getattr(fee, "replaces_card", True) else None

    # -------------------------------------------------------------- pricing
    def _rule_settings(self, channel: str) -> dict:
        return {"start": self.start, "rules": self.rules, "business_market": self.business_market,
                "business_agent": self.business_agent, "agent": self.rcs_agent, "number": self.voice_number,
                "bytes_per_char": float(self.bytes_per_char.get(channel, 1.0))}

    def _by_card(self, table: pd.DataFrame, rows: np.ndarray | None, channel: str, market: str, times: np.ndarray,
                 shared_allowance: bool = False) -> pd.DataFrame:
        """The rows of mask ``rows`` of ``table`` (None: all; ``times``: the
        times of every row of the table), each under the card in force on its
        own day (or the pricing date). A card's rule sees all the rows
        (windows and monthly counts cross change dates); each card keeps its
        own rows. ``shared_allowance``: WhatsApp's monthly free units are
        counted by the caller, over every market (the rows come back charged,
        with an ``allowance`` column). One card whose rule reads nothing of
        the rows: one priced row, for every row."""
        if self.as_of is not None:
            which = np.zeros(times.size if rows is None else np.count_nonzero(rows), dtype=np.int64)
            cards = [self.book.find(channel, market, self.as_of)]
        else:
            days = _days_with_rows(times, rows)
            found = [self.book.find(channel, market, self.start + dt.timedelta(days=int(d))) for d in days]
            ids = list(dict.fromkeys(c.id for c in found))
            cards = [next(c for c in found if c.id == i) for i in ids]
            if len(cards) <= 1:
                which = np.zeros(0, dtype=np.int64)  # one card for every row (or no row): nothing to split
            else:
                day_index = _day_index(times if rows is None else times[rows])
                first = int(days[0])
                day_card = np.zeros(int(days[-1]) - first + 1, dtype=np.int64)
                day_card[days - first] = [ids.index(c.id) for c in found]
                which = day_card[day_index - first]
                del day_index
        settings = self._rule_settings(channel)
        if shared_allowance:
            settings["shared_allowance"] = True
        if self.record is not None and channel == "whatsapp":
            settings["ranked"] = []
        rules = [billing_rule(card.model) for card in cards]
        if len(cards) == 1 and getattr(rules[0], "reads", None) == ():
            # a rule that reads nothing of the rows prices every row alike: one row priced stands for all
            # (the caller puts it on each row)
            return self._apply(pd.DataFrame(index=pd.RangeIndex(1)), cards[0], settings)
        frame = _rows_read(table, rows, *rules)
        if len(cards) == 1:
            return self._note(self._apply(frame, cards[0], settings), settings, cards[0], market, rows, times.size)
        parts = _Parts(len(frame), 0.0, shared_allowance)
        for k, card in enumerate(cards):
            mine = np.flatnonzero(which == k)
            stateful = card.channel in ("whatsapp", "rcs")  # windows and conversations cross the change date
            priced = self._note(self._apply(frame if stateful else frame.iloc[mine], card, settings), settings, card,
                                market, rows, times.size, which == k)
            parts.put(mine, priced.iloc[mine] if stateful else priced)
        out = pd.DataFrame({"billable": parts.billable, "units": parts.units, "cost": parts.cost}, index=frame.index)
        for column in LABEL_COLUMNS:
            out[column] = parts.label(column)
        if parts.allowance is not None:
            out["allowance"] = parts.allowance
        return out

    def _note(self, priced: pd.DataFrame, settings: dict, card: RateCard, market: str, rows, n: int, kept=None):
        """``priced``; the ranked charges its rule noted, on the ``n`` table rows (mask ``rows``), in ``record``."""
        entries, table_rows = settings.get("ranked") or [], np.arange(n) if rows is None else np.flatnonzero(rows)
        for entry in entries:
            self.record.append({**entry, "scope": ("whatsapp", market, card.id), "factor": self.factor(card),
                                "rows": table_rows[entry["pos"]], "kept": True if kept is None else kept[entry["pos"]]})
        entries.clear()
        return priced

    def _apply(self, frame: pd.DataFrame, card: RateCard, settings: dict) -> pd.DataFrame:
        priced = billing_rule(card.model)(frame, card, **settings)
        cost = priced["units"].to_numpy(float) * priced["rate"].to_numpy(float)
        cost *= self.factor(card)
        # a new frame of the same columns (not set one by one: setting a column copies it)
        columns = {name: priced[name].array for name in priced.columns if name not in ("rate", "cost", "card")}
        return pd.DataFrame({**columns, "cost": cost, "card": constant(card.id, len(priced))}, index=priced.index,
                            copy=False)

    def _markets(self, table: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        """Each row's market, from its segment: integer codes and the markets
        they stand for (no string per row)."""
        names = [self.market]
        if "segment" not in table or not self.segment_markets or not len(table):
            return np.zeros(len(table), dtype=np.int32), names
        segment = table["segment"]
        cat = segment if isinstance(segment.dtype, pd.CategoricalDtype) else segment.astype("category")
        lookup = []
        for name in cat.cat.categories:
            market = self.segment_markets.get(str(name))
            market = market_code(market) if market else self.market
            if market not in names:
                names.append(market)
            lookup.append(names.index(market))
        codes = cat.cat.codes.to_numpy()
        return np.asarray(lookup + [0], dtype=np.int32)[codes], names

    def _price_table(self, table: pd.DataFrame, time_column: str, calls: bool) -> pd.DataFrame:
        n = len(table)
        market, markets = self._markets(table)
        if not n:
            parts = _Parts(n, np.nan)
        else:
            channel = table["channel"]
            cat = channel if isinstance(channel.dtype, pd.CategoricalDtype) else channel.astype("category")
            codes, channels = cat.cat.codes.to_numpy().astype(np.int32), [str(c) for c in cat.cat.categories]
            key = codes * np.int32(len(markets)) + market
            del codes
            groups = [(channels[k // len(markets)], markets[k % len(markets)], k) for k in np.unique(key)]
            # WhatsApp's monthly free allowance belongs to the business number: over every market at once
            shared = (sum(name == "whatsapp" and self._flat(name) is None for name, _, _ in groups) > 1
                      if self.shared is None else self.shared)
            parts = _Parts(n, np.nan, shared)
            times = table[time_column].to_numpy(dtype=float)
            for name, where, k in sorted(groups):  # in (channel, market) order
                rows = key == k  # (a mask: a group's rows are most of a table's)
                some = None if np.count_nonzero(rows) == n else rows
                flat, turn = self._flat(name), None
                if flat is not None:  # (messages in time order, then by customer: a contact's first row)
                    turn = (None if calls or "customer_id" not in table
                            else np.lexsort((table["customer_id"].to_numpy()[rows], times[rows])))
                    frame = _rows_read(table, some, price_flat)
                    priced = price_flat(frame if turn is None else frame.iloc[turn], name, flat, calls=calls,
                                        markup=self.markup)
                else:
                    priced = self._by_card(table, some, name, where, times,
                                           shared_allowance=shared and name == "whatsapp")
                parts.put(rows, priced if turn is None else priced.iloc[np.argsort(turn)])
                del priced  # (one group's prices at a time)
            if parts.allowance is not None and parts.allowance.any() and self.record is not None:  # (noted)
                rows = np.flatnonzero(parts.allowance > 0)
                self.record.append({"shared": rows, "allowance": parts.allowance[rows],
                                    "rule": parts.label("rule")[rows]})
            elif parts.allowance is not None and parts.allowance.any():  # free units over every market at once
                freed, rules = share_allowance(table, time_column, self.start, parts.allowance, parts.label("rule"))
                parts.billable[freed], parts.units[freed], parts.cost[freed] = False, 0.0, 0.0
                parts.labels["rule"].append((freed, rules))
        columns = {"billable": parts.billable, "units": parts.units, "cost": parts.cost}
        added = {column: columns[column] if column in columns else parts.label(column) for column in PRICE_COLUMNS}
        added["market"] = pd.Categorical.from_codes(market, categories=markets) if n else pd.Categorical([])
        if table.columns.is_unique and not any(column in table.columns for column in added):
            # the table's columns as they are and the new ones, in one frame (setting a column copies it)
            return pd.DataFrame({**{c: table[c].array for c in table.columns}, **added}, index=table.index,
                                copy=False)
        out = table.copy(deep=False)  # copy-on-write: the table is left as it is
        for column, values in added.items():
            out[column] = values
        return out

    def messages(self, messages: pd.DataFrame) -> pd.DataFrame:
        """The messages table with the price columns and ``market`` added;
        WhatsApp marketing messages at most ``marketing_max_price`` each (in
        the card's currency, converted and marked up as the card's rates)."""
        out = self._price_table(messages, "t", calls=False)
        if self.marketing_max_price is None or not len(out):
            return out
        capped = ((out["channel"] == "whatsapp") & (out["category"] == "marketing")
                  & (out["direction"] == "out")).to_numpy(dtype=bool) & out["billable"].to_numpy(dtype=bool)
        if capped.any():  # (on copies, changed where over the cap)
            cost, rule = out["cost"].to_numpy(dtype=float).copy(), out["rule"].astype(object).to_numpy().copy()
            if cap_marketing(cost, out["units"].to_numpy(dtype=float), rule, capped, self.marketing_cap):
                out["cost"], out["rule"] = cost, pd.Categorical(rule)
        return out

    @property
    def marketing_cap(self) -> float:
        """``marketing_max_price`` in the scenario currency, marked up."""
        return self.marketing_max_price * self.factor(self.card("whatsapp"))

    def calls(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Voice contacts with the price columns and ``market`` added."""
        voice = np.asarray(contacts["channel"] == "voice", dtype=bool)  # (on the categories, not a string per row)
        calls = contacts.copy(deep=False) if voice.all() else contacts[voice]
        return self._price_table(calls, "arrival_t", calls=True)
