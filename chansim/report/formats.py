"""KPI values for people, formatted by the kind the KPI table gives them
(:mod:`chansim.kpis.table`): counts with separators, money with two
decimals, shares as percentages, times in seconds; ``—`` when not measured."""

from __future__ import annotations

import math
from typing import Any

from chansim.kpis.table import kind_of

__all__ = ["fmt", "fmt_ci", "fmt_diff", "fmt_value", "number"]


def number(value: Any) -> float | None:
    """A finite float, or None (not a number, NaN, infinite)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def fmt(value: Any, key: str, currency: str = "") -> str:
    """A KPI value formatted by its kind (KPI table); ``—`` when not measured."""
    v = number(value)
    if v is None:
        return "—"
    kind = kind_of(key) or ("hours" if key.endswith("_hours") else None)
    if kind == "count":
        return f"{v:,.0f}"
    if kind == "money":
        return (f"{currency} " if currency else "") + (f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}")
    if kind == "share":
        return f"{100 * v:.1f} %"
    if kind == "seconds":
        return f"{v:,.1f} s"
    if kind == "score":
        return f"{v:.2f}"
    if kind == "hours":
        return f"{v:,.1f}"
    return f"{v:,.3g}"


def fmt_ci(ci: Any, key: str, value: Any = None) -> str:
    """``± half-width`` of a KPI's 95 % CI in its unit (empty when there is
    none): points for shares, whole numbers for counts and for money of
    1,000 or more (the CI's or the ``value``'s), two decimals for other
    money and scores, one for the rest."""
    c = number(ci)
    if c is None or c == 0:
        return ""
    kind = kind_of(key)
    if kind == "share":
        return f"± {100 * c:.1f}"
    if kind == "count" or (kind == "money" and max(c, abs(number(value) or 0.0)) >= 1000):
        return f"± {c:,.0f}"
    return f"± {c:,.2f}" if kind in ("money", "score") else f"± {c:,.1f}"


def fmt_diff(diff: Any, key: str) -> str:
    """A signed difference in the KPI's unit (points for shares)."""
    d = number(diff)
    if d is None:
        return "—"
    kind = kind_of(key)
    if kind == "share":
        return f"{100 * d:+.1f} pts"
    if kind == "seconds":
        return f"{d:+,.1f} s"
    if kind == "count":
        return f"{d:+,.0f}"
    return f"{d:+,.2f}"


def fmt_value(value: Any, key: str = "") -> str:
    """A setting's value for people (an option searched, a strategy's change):
    numbers by the kind of the setting's last name (``...headcount`` a count),
    yes/no, lists joined by commas, mappings as ``key: value`` pairs; never
    a Python repr."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {fmt_value(v, str(k))}" for k, v in value.items()) or "—"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(fmt_value(v, key) for v in value) or "—"
    if isinstance(value, (int, float)) or number(value) is not None and not isinstance(value, str):
        last = key.rsplit(".", 1)[-1]
        v = float(value)
        if kind_of(last) is not None:
            return fmt(v, last)
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.6g}"
    return str(value)
