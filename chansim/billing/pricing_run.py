"""Price a long run a part at a time: the log of a set of customers at a time
(all their contacts and all their messages, campaign sends included), in any
order, with the cost lines of the whole log at once — the same lines, order,
dtypes and sums, to the bit.

Every rule but a few looks at one customer's rows only (WhatsApp's service
window, free entry point and v1 conversations, RCS conversations, SMS
segments, voice minutes, a flat fee's minutes, messages and segments), so a
part prices its customers as the whole log does and only the running exact
sums of its lines are kept (:class:`~chansim.billing.costlines.LineSums`).
Those that are not:

* WhatsApp's monthly free units and monthly volume tiers price the k-th unit
  of a calendar month, counted over every customer in time order (by time,
  then customer id, then the customer's own rows in table order: an order a
  part of the customers gives as the whole log does). Their rows are kept —
  what it takes to rank them (month, time, customer, row) and price them
  again (their line, units, rates) — and settled in :meth:`PricingRun.lines`.
* Whether the monthly free units are counted over every market at once hangs
  on whether the whole log has WhatsApp traffic in more than one market: a
  pricer of several markets prices each part both ways, and the lines take
  the way the whole log calls for.
* A flat fee's ``per_contact`` goes on a contact's first message, and the
  campaign sends of every customer (contact -1) are one contact: each part's
  first send (in time, then customer order) of each channel and market is
  kept, with its cost without that fee, until the first of all is known.

A part holds whole customers (every row of each of its customers), each
customer's rows in the order of the log; customer ids are numbers.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd

from chansim.billing.card_dates import dates_of
from chansim.billing.costlines import COST_LINE_COLUMNS, LINE_KEYS, LineSums, cost_lines
from chansim.billing.pricer import Pricer
from chansim.billing.rules.fees import price_flat
from chansim.billing.rules.whatsapp.allowance import allowance_order, month_ranks, shared_free_text
from chansim.billing.rules.whatsapp.per_message import cap_marketing

__all__ = ["PricingRun", "merge_lines", "COMPACT_ROWS"]

#: kept rows (over all parts) from which the rows no later part can change are priced and let go
COMPACT_ROWS = 200_000

_LABELS = [k for k in LINE_KEYS if k != "rule"]  # a line's keys besides its rule


def merge_lines(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The cost lines of several priced tables from the cost lines of each,
    in order (as :func:`chansim.kpis.pipeline.merged_lines` merges them)."""
    parts = [part for part in parts if len(part)]
    if len(parts) < 2:
        return parts[0] if parts else cost_lines()
    lines = pd.concat(parts, ignore_index=True)
    keys = [k for k in COST_LINE_COLUMNS[:-3] if k in lines]  # (the last three are the sums)
    if lines.duplicated(keys).any():  # the same line in two tables
        lines = lines.groupby(keys, sort=False, as_index=False)[["count", "units", "cost"]].sum()
    lines = lines.sort_values(keys, kind="stable", ignore_index=True)
    return lines[[c for c in COST_LINE_COLUMNS if c in lines]]


class PricingRun:
    """The cost lines of a log priced a set of customers at a time (each set
    with all its customers' rows, each customer's rows in the log's order)."""

    def __init__(self, pricer: Pricer):
        self.pricer = pricer
        several = len(pricer.markets()) > 1 and pricer._flat("whatsapp") is None and pricer.shared is None
        #: the messages priced each way the monthly free units may be counted (None: as the table decides)
        self._ways = {way: _Messages(dataclasses.replace(pricer, shared=way, record=None))
                      for way in ((False, True) if several else (pricer.shared,))}
        self._calls = LineSums()
        self._whatsapp_markets: set[str] = set()

    def add(self, messages: pd.DataFrame, contacts: pd.DataFrame) -> None:
        """Price the messages and the calls (voice legs, as Pricer.calls picks them) of one chunk of customers."""
        for way in self._ways.values():
            priced = way.add(messages)
        if len(priced) and "channel" in priced:
            whatsapp = (priced["channel"] == "whatsapp").to_numpy(dtype=bool)
            self._whatsapp_markets.update(str(m) for m in pd.unique(priced["market"].to_numpy()[whatsapp]))
        del priced
        self._calls.add(self.pricer.calls(contacts))

    def lines(self) -> pd.DataFrame:
        """The cost lines of everything added: == cost_lines(pricer.messages(all_messages)) merged with
        cost_lines(pricer.calls(all_contacts)) as chansim/kpis/pipeline.py merges them (merged_lines)."""
        way = next(iter(self._ways)) if len(self._ways) == 1 else len(self._whatsapp_markets) > 1
        return merge_lines([self._ways[way].lines(), self._calls.lines()])


class _Messages:
    """Messages priced a part at a time under one pricer: the exact sums of
    their lines, and the rows whose price hangs on their rank in a month."""

    def __init__(self, pricer: Pricer):
        self.pricer = pricer
        self.sums = LineSums()
        self.groups: dict[tuple, int] = {}  # (card, charge, run, month) → number
        self.counts: dict = {}  # each charge's monthly count (MonthlyCount) → number
        self.ranks: list[dict] = []  # per part: the rows each charge ranks (rank-only rows included)
        self.rows: list[pd.DataFrame] = []  # per part: the rows priced again once ranked
        self.firsts: list[pd.DataFrame] = []  # per part: its first campaign send of each flat-fee channel
        self.limits: dict[int, int] = {}  # each month's count → the rank from which every row is priced alike
        #: the most free units of a month any WhatsApp card gives: a shared count's rows from that rank on stay charged
        self.most_free = max((max(c.monthly_free.values(), default=0) for c in pricer.book.cards
                              if c.channel == "whatsapp"), default=0)
        self.compact_at = COMPACT_ROWS

    def add(self, messages: pd.DataFrame) -> pd.DataFrame:
        record: list[dict] = []
        priced = dataclasses.replace(self.pricer, record=record).messages(messages)
        counts = [e for e in record if "count" in e]
        shared = [e for e in record if "shared" in e]
        later = np.zeros(len(priced), dtype=bool)
        for e in counts:
            later[e["rows"][e["kept"] & ~e["fixed"]]] = True
        for e in shared:
            later[e["shared"]] = True
        if later.any():
            self._keep(messages, priced, np.flatnonzero(later), counts, shared)
            kept = sum(len(r) for r in self.rows)
            if kept >= self.compact_at:  # the rows whose price no later part can change: summed, let go
                done, self.rows, self.ranks = self._settle(final=False)
                self.sums.add(done)
                self.compact_at = max(COMPACT_ROWS, 2 * sum(len(r) for r in self.rows))
        later |= self._firsts(messages, priced)
        self.sums.add(priced[~later] if later.any() else priced)
        return priced

    def _firsts(self, messages: pd.DataFrame, priced: pd.DataFrame) -> np.ndarray:
        """A flat fee's ``per_contact`` goes on each contact's first message, and campaign sends (contact -1)
        of every customer are one contact: the part's first send of each run, channel and market is kept
        (with its cost without that fee) until the first of every part is known. Returns the rows kept."""
        kept = np.zeros(len(priced), dtype=bool)
        fees = [c for c, fee in self.pricer.fees.items() if getattr(fee, "per_contact", 0) and self.pricer._flat(c)]
        if not fees or not len(messages) or "contact_id" not in messages:
            return kept
        sends = np.flatnonzero(messages["channel"].isin(fees).to_numpy(dtype=bool)
                               & (messages["contact_id"] == -1).to_numpy(dtype=bool))
        if not sends.size:
            return kept
        world = [c for c in ("replication", "strategy") if c in messages]
        key = pd.DataFrame({c: messages[c].to_numpy()[sends] for c in world}
                           | {"channel": messages["channel"].to_numpy()[sends],
                              "market": priced["market"].to_numpy()[sends]})
        t, customer = messages["t"].to_numpy(dtype=float)[sends], messages["customer_id"].to_numpy()[sends]
        order = np.lexsort((customer, t))  # (the pricer's order of a flat fee's rows)
        number = key.groupby(list(key.columns), sort=False, observed=True, dropna=False).ngroup().to_numpy()
        first = sends[order][~pd.Series(number[order]).duplicated().to_numpy()]
        kept[first] = True
        rows = priced.iloc[first][[k for k in LINE_KEYS if k in priced] + ["units", "cost"]].reset_index(drop=True)
        rows["without"] = [float(price_flat(messages.iloc[[r, r]], str(messages["channel"].iloc[r]),
                                            self.pricer._flat(str(messages["channel"].iloc[r])), calls=False,
                                            markup=self.pricer.markup)["cost"].iloc[1]) for r in first.tolist()]
        rows["group"] = [self.groups.setdefault(("first", g), len(self.groups))
                         for g in key.iloc[np.searchsorted(sends, first)].itertuples(index=False, name=None)]
        rows["t"], rows["customer"] = t[np.searchsorted(sends, first)], customer[np.searchsorted(sends, first)]
        self.firsts.append(rows)
        return kept

    def _keep(self, messages, priced, rows, counts, shared) -> None:
        """Keep the rows ``rows`` of a part, to rank and price once every part is in."""
        where = np.full(len(priced), -1, dtype=np.int64)
        where[rows] = np.arange(rows.size)  # table row → its place among the kept rows
        base = len(self.rows) and sum(len(r) for r in self.rows)
        keep = pd.DataFrame({k: priced[k].to_numpy()[rows] for k in _LABELS if k in priced})
        keep["units"] = priced["units"].to_numpy(dtype=float)[rows]  # (as priced: the rows only the shared
        keep["cost"] = priced["cost"].to_numpy(dtype=float)[rows]  # free units may change keep them)
        keep["rule"] = np.asarray(priced["rule"].astype(object))[rows]
        keep["factor"] = np.nan
        keep["count"] = -1
        keep["other"] = False
        if {"category", "direction"} <= set(messages.columns):
            keep["capped"] = ((messages["channel"] == "whatsapp") & (messages["category"] == "marketing")
                              & (messages["direction"] == "out")).to_numpy(dtype=bool)[rows]
        else:
            keep["capped"] = False
        ranks = {"group": [], "t": [], "customer": [], "row": [], "target": []}
        for e in counts:
            worlds = [self.groups.setdefault(("world", w), len(self.groups)) for w in e["worlds"]]
            key = np.asarray(worlds, dtype=np.int64)[e["world"]] * 100_000 + e["month"]
            number = {k: self.groups.setdefault((e["scope"], e["count"], k), len(self.groups))
                      for k in np.unique(key).tolist()}
            for g in number.values():
                self.limits[g] = e["count"].n_free + max(e["count"].above, default=0)
            ranks["group"].append(np.array([number[k] for k in key.tolist()], dtype=np.int64))
            ranks["t"].append(e["t"])
            ranks["customer"].append(e["customer"])
            ranks["row"].append(e["rows"])
            mine = e["kept"] & ~e["fixed"] & np.ones(e["rows"].size, dtype=bool)
            target = np.where(mine, where[e["rows"]], -1)
            ranks["target"].append(np.where(target >= 0, target + base, -1))
            at = where[e["rows"][mine]]
            keep.loc[at, "units"] = e["units"][mine]
            keep.loc[at, "rule"] = e["base"][mine]
            keep.loc[at, "factor"] = e["factor"]
            keep.loc[at, "count"] = self.counts.setdefault(e["count"], len(self.counts))
            keep.loc[at, "other"] = e["other"][mine]
        keep["allowance"] = 0
        keep["month_key"] = -1
        for e in shared:
            at = where[e["shared"]]
            keep.loc[at, "allowance"] = e["allowance"]
            alone = keep["count"].to_numpy()[at] < 0  # their rule as charged (before any cap), the others' above
            keep.loc[at[alone], "rule"] = np.asarray(e["rule"], dtype=object)[alone]
            keep.loc[at, "month_key"] = self._shared_keys(messages, e["shared"])
        keep["t"] = messages["t"].to_numpy(dtype=float)[rows]
        keep["customer"] = messages["customer_id"].to_numpy()[rows]
        keep["row"] = rows
        self.rows.append(keep)
        self.ranks.append({k: np.concatenate(v) if v else np.zeros(0, dtype=float if k == "t" else np.int64)
                           for k, v in ranks.items()})

    def _shared_keys(self, messages: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        """The (run, category, month) of the rows the shared monthly free units may cover, numbered."""
        month = dates_of(self.pricer.start, messages["t"].to_numpy(dtype=float)[rows])
        month = month.astype("datetime64[M]").astype(np.int64)
        worlds = [c for c in ("replication", "strategy", "category") if c in messages]
        values = list(zip(*(messages[c].to_numpy()[rows].tolist() for c in worlds), month.tolist()))
        return np.array([self.groups.setdefault(("shared", v), len(self.groups)) for v in values], dtype=np.int64)

    def lines(self) -> pd.DataFrame:
        """The lines of every part, the kept rows ranked and priced."""
        sums = LineSums()
        sums.totals = copy.deepcopy(self.sums.totals)
        sums.dtypes = dict(self.sums.dtypes)
        if self.rows:
            sums.add(self._settle(final=True)[0])
        if self.firsts:
            firsts = pd.concat(self.firsts, ignore_index=True)
            order = np.lexsort((firsts["customer"].to_numpy(), firsts["t"].to_numpy(), firsts["group"].to_numpy()))
            later = np.ones(len(firsts), dtype=bool)
            later[order[~firsts["group"].iloc[order].duplicated().to_numpy()]] = False  # the first of each group
            firsts.loc[later, "cost"] = firsts.loc[later, "without"]
            sums.add(firsts.drop(columns=["without", "group", "t", "customer"]))
        return sums.lines()

    def _settle(self, final: bool) -> tuple[pd.DataFrame, list[pd.DataFrame], list[dict]]:
        """The kept rows priced as the whole log prices them: ranked in their month over every part (each
        charge's count, then the business number's shared free units), then capped as the pricer caps.
        Returns those priced, and the rows (and ranks) left to rank: none when ``final``, else those whose
        price a later part may still change (a row ranked past its count's limit is priced as any later
        rank would price it, and the rows after it no longer need it to be ranked)."""
        rows = pd.concat(self.rows, ignore_index=True)
        ranks = {k: np.concatenate([r[k] for r in self.ranks]) for k in self.ranks[0]}
        n = len(rows)
        billable = np.ones(n, dtype=bool)
        units = rows["units"].to_numpy(dtype=float).copy()
        cost = rows["cost"].to_numpy(dtype=float).copy()
        rule = rows["rule"].to_numpy(dtype=object).copy()
        codes = rows["count"].to_numpy(dtype=np.int64).copy()
        allowance = rows["allowance"].to_numpy(dtype=np.int64).copy()
        limit = np.zeros(len(self.groups) + 1, dtype=np.int64)
        limit[list(self.limits)] = list(self.limits.values())
        ranked = np.ones(ranks["group"].size, dtype=bool)  # the rank entries still needed
        if ranks["group"].size:
            # the monthly count of each charge: every part's rows in time order (ties: customer, then row)
            order = np.lexsort((ranks["row"], ranks["customer"], ranks["t"], ranks["group"]))
            rank = month_ranks(ranks["group"][order])
            settled = np.ones(rank.size, dtype=bool) if final else rank >= limit[ranks["group"][order]]
            ranked[order[settled]] = False
            target = ranks["target"][order]
            mine = (target >= 0) & settled
            rank_of = np.full(n, -1, dtype=np.int64)
            rank_of[target[mine]] = rank[mine]
            other = rows["other"].to_numpy(dtype=bool)
            factor = rows["factor"].to_numpy(dtype=float)
            for code, count in enumerate(self.counts):
                at = np.flatnonzero((codes == code) & (rank_of >= 0))
                free, rate, suffix = count.outcome(rank_of[at], other[at])
                billable[at] = ~free
                rule[at] = rule[at] + np.asarray(count.suffixes, dtype=object)[suffix]
                u = np.where(~free, units[at], 0.0)
                c = u * rate
                c *= factor[at]
                units[at], cost[at], codes[at] = u, c, -1  # (now priced as charged)
        shared = np.flatnonzero(allowance > 0)
        if shared.size:
            # the business number's monthly free units: every part's rows in time order, every market together
            key = rows["month_key"].to_numpy(dtype=np.int64)[shared]
            order = allowance_order(key, rows["t"].to_numpy(dtype=float)[shared],
                                    rows["customer"].to_numpy()[shared], rows["row"].to_numpy()[shared])
            rank = month_ranks(key[order])
            if final:
                freed = shared[order][rank < allowance[shared][order]]
                billable[freed], units[freed], cost[freed] = False, 0.0, 0.0
                rule[freed] = [shared_free_text(r, a) for r, a in zip(rule[freed], allowance[freed])]
                allowance[:] = 0
            else:
                allowance[shared[order][rank >= self.most_free]] = 0  # charged, whatever comes later
        done = (codes < 0) & (allowance == 0)
        capped = rows["capped"].to_numpy(dtype=bool) & billable & done
        if self.pricer.marketing_max_price is not None and capped.any():
            cap_marketing(cost, units, rule, capped, self.pricer.marketing_cap)
        out = rows.loc[done, [k for k in _LABELS if k in rows]]
        out["rule"], out["units"], out["cost"] = rule[done], units[done], cost[done]
        if final or done.all():
            return out, [], []
        left = rows.loc[~done].reset_index(drop=True)
        left["units"], left["cost"], left["rule"] = units[~done], cost[~done], rule[~done]
        left["count"], left["allowance"] = codes[~done], allowance[~done]
        place = np.cumsum(~done) - 1  # each row's place among those left
        kept = {k: v[ranked] for k, v in ranks.items()}
        kept["target"] = np.where(kept["target"] >= 0, place[np.maximum(kept["target"], 0)], -1)
        return out, [left], [kept]
