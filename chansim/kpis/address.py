"""Addressing a KPI or one of its breakdowns with a dotted name.

Everywhere a KPI is named (``sweep --kpi``, ``staff --target``, ``check``
tolerances, ``optimize`` constraints and objectives, ``compare --show``,
JSON/CSV columns):

- ``service_level``: the strategy's overall KPI;
- ``voice.service_level`` (or ``channel.voice.service_level``): the KPI over
  one channel's contacts;
- ``pool.digital.occupancy``: one agent pool;
- ``segment.seniors.cost_per_issue``: one customer segment;
- ``intent.returns.fcr_rate``: one intent;
- ``market.MX.cost_channel``: the customers of one market (country).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from chansim.billing.ai_agent import SEAT_KPI, UNIT_KPIS
from chansim.errors import InputError, Problem
from chansim.kpis.table import BY_KEY, KPI_KEYS

__all__ = ["Address", "BREAKDOWNS", "parse_address", "lookup", "breakdown_table", "flatten", "kpi_of"]

#: The breakdowns of a strategy's KPIs: name in an address → key in the result.
BREAKDOWNS: dict[str, str] = {"channel": "by_channel", "pool": "by_pool", "segment": "by_segment",
                              "intent": "by_intent", "market": "by_market"}
#: Overall figures a strategy whose bot names an AI card has besides the KPIs: ``cost_bot`` by billing unit,
#: and the agent-assist seats' part of ``cost_labor``.
BOT_UNIT_FIGURES = (*UNIT_KPIS.values(), SEAT_KPI)
#: Extra per-pool figures a pool address may name besides the KPIs.
POOL_FIGURES = ("staffed_hours", "overtime_hours", "paid_hours", "busy_hours", "held_slot_hours")


@dataclass(frozen=True)
class Address:
    """``kpi`` overall (``breakdown`` None), or over ``member`` of ``breakdown``."""

    kpi: str
    breakdown: str | None = None
    member: str | None = None

    def __str__(self) -> str:
        if self.breakdown is None:
            return self.kpi
        if self.breakdown == "channel":
            return f"{self.member}.{self.kpi}"
        return f"{self.breakdown}.{self.member}.{self.kpi}"


def parse_address(text: str, where: str = "kpi", *, kpis: Iterable[str] = KPI_KEYS) -> Address:
    """An :class:`Address` from its dotted text; :class:`InputError` naming
    ``where`` for an unknown KPI or breakdown."""
    known = tuple(kpis)
    raw = str(text).strip()
    head, dot, key = raw.rpartition(".")
    extra = POOL_FIGURES if head.startswith("pool.") else (() if dot else BOT_UNIT_FIGURES)
    if key not in known and key not in extra:
        raise InputError(Problem(where, f"{raw!r}: no KPI named {key!r} (KPIs: {', '.join(known)}; a breakdown is "
                                        f"written channel.KPI, pool.NAME.KPI, segment.NAME.KPI, intent.NAME.KPI or "
                                        f"market.NAME.KPI)"))
    if not dot:
        return Address(key)
    kind, dot, member = head.partition(".")
    if dot and kind in BREAKDOWNS and member:
        return Address(key, kind, member)
    if "." not in head:
        return Address(key, "channel", head)
    raise InputError(Problem(where, f"{raw!r}: unknown breakdown {kind!r} (have: {', '.join(BREAKDOWNS)})"))


def _as_mapping(strategy: Any) -> Mapping[str, Any]:
    return strategy if isinstance(strategy, Mapping) else strategy.to_dict()


def lookup(strategy: Any, address: Address | str) -> tuple[float | None, float | None]:
    """``(mean, ci95)`` of an address in one strategy's result (a
    :class:`~chansim.studies.experiment.StrategyResult` or its JSON dict). A member
    the run does not have (a channel the strategy does not offer) gives
    ``(None, None)``; the ci95 of a breakdown is null where the run kept none."""
    a = parse_address(address) if isinstance(address, str) else address
    doc = _as_mapping(strategy)
    if a.breakdown is None:
        return doc["kpis"].get(a.kpi), (doc.get("ci95") or {}).get(a.kpi)
    key = BREAKDOWNS[a.breakdown]
    row = (doc.get(key) or {}).get(a.member) or {}
    ci = ((doc.get(f"{key}_ci95") or {}).get(a.member) or {}).get(a.kpi)
    return row.get(a.kpi), ci


def breakdown_table(strategy: Any) -> list[tuple[Address, float | None, float | None]]:
    """Every ``(address, mean, ci95)`` of one strategy: overall KPIs first,
    then each breakdown's members in order."""
    doc = _as_mapping(strategy)
    rows = [(Address(k), doc["kpis"].get(k), (doc.get("ci95") or {}).get(k)) for k in KPI_KEYS]
    for name, key in BREAKDOWNS.items():
        cis = doc.get(f"{key}_ci95") or {}
        for member, values in (doc.get(key) or {}).items():
            for k, v in values.items():
                if k in BY_KEY or (name == "pool" and k in POOL_FIGURES):
                    rows.append((Address(k, name, member), v, (cis.get(member) or {}).get(k)))
    return rows


def kpi_of(address: str) -> str:
    """The KPI key an address measures (its last part)."""
    return str(address).rsplit(".", 1)[-1]


def flatten(breakdowns: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """``{"voice.service_level": v, "pool.digital.occupancy": v, ...}`` from
    breakdown tables keyed like a result (``by_channel``, ``by_pool``, ...)."""
    out: dict[str, Any] = {}
    for name, key in BREAKDOWNS.items():
        for member, values in (breakdowns.get(key) or {}).items():
            for k, v in values.items():
                out[str(Address(k, name, member))] = v
    return out
