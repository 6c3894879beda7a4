"""Goals on KPIs: ``KPI>=VALUE`` or ``KPI<=VALUE``, the service targets of a
staffing search (``staff --target``) and the constraints of an optimize
search (``constraints:``).

The KPI is any KPI address (:mod:`chansim.kpis.address`): ``service_level``
(for a staffing search: over the searched pool's channels together),
``voice.service_level`` (one channel), ``pool.digital.occupancy`` (one
pool), ``segment.seniors.asa_s``. ``%`` divides the value by 100;
``≥``/``≤`` are accepted.

Convention (conservative): a goal holds at the **pessimistic end of the
95 % confidence interval** of its mean over replications.

A goal is echoed as it is written where it comes from: ``KPI>=VALUE`` from
the command line (no spaces, which the shell would split), ``KPI >= VALUE``
from a file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from chansim.errors import InputError, Problem
from chansim.kpis.address import Address, parse_address
from chansim.scenario.goal_text import GOAL_PATTERN, KPI_NAME

__all__ = ["Target", "parse_target", "CONVENTION"]

CONVENTION = (
    "a target holds when it holds at the pessimistic end of the 95 % confidence interval of the mean over "
    "replications: mean - ci95 >= value for >= targets, mean + ci95 <= value for <= targets"
)

_TARGET = GOAL_PATTERN
#: Where a goal written on the command line comes from (other places are fields of a file).
_OPTION = "--target"


@dataclass(frozen=True)
class Target:
    """``kpi op value``: ``kpi`` is a KPI address as written, ``op`` is ``>=`` or ``<=``.

    ``spaced``: echoed as ``kpi >= value`` (a file's style, the address
    written the usual way) rather than ``kpi>=value``."""

    kpi: str
    op: str
    value: float
    spaced: bool = field(default=False, repr=False, compare=False)
    #: The parsed KPI address.
    address: Address = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.op not in (">=", "<="):
            raise InputError(Problem(_OPTION, f"operator must be >= or <= (got {self.op!r})"))
        object.__setattr__(self, "address", _check_kpi(self.kpi, _OPTION))

    def __str__(self) -> str:
        if self.spaced:
            return f"{self.address} {self.op} {self.value:g}"
        return f"{self.kpi}{self.op}{self.value:g}"

    def edge(self, mean: float | None, ci95: float | None, *, pessimistic: bool = True) -> float | None:
        """``mean ∓ ci95`` at the pessimistic (or optimistic) end of the CI;
        None if nothing was measured. A mean without an interval (a single
        replication) is its own end."""
        if mean is None or _isnan(mean):
            return None
        half = 0.0 if ci95 is None or _isnan(ci95) else float(ci95)
        worse = -half if self.op == ">=" else half
        return float(mean) + (worse if pessimistic else -worse)

    def bound(self, mean: float | None, ci95: float | None) -> float | None:
        """The pessimistic end of the CI: ``mean − ci95`` (≥) or ``mean + ci95`` (≤);
        None without a mean and an interval."""
        if ci95 is None or _isnan(ci95):
            return None
        return self.edge(mean, ci95)

    def holds(self, mean: float | None, ci95: float | None) -> bool:
        """Whether the target holds at the pessimistic end of the CI (without an interval it does not)."""
        edge = self.bound(mean, ci95)
        if edge is None:
            return False
        return edge >= self.value if self.op == ">=" else edge <= self.value

    def shortfall(self, mean: float | None, ci95: float | None, *, pessimistic: bool = True) -> float:
        """How far the end of the CI (:meth:`edge`) misses the value, relative
        to the value: ≤ 0 met, inf not measured."""
        edge = self.edge(mean, ci95, pessimistic=pessimistic)
        if edge is None:
            return math.inf
        miss = self.value - edge if self.op == ">=" else edge - self.value
        return miss / max(abs(self.value), 1e-9)

    def may_hold(self, mean: float | None, ci95: float | None) -> bool:
        """Met at the optimistic end of the CI: more replications could still show it met."""
        return self.shortfall(mean, ci95, pessimistic=False) <= 0.0


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _check_kpi(kpi: str, where: str) -> Address:
    """The address ``kpi``; an unknown KPI or breakdown is an :class:`InputError` at ``where``."""
    try:
        return parse_address(kpi, where)
    except InputError as exc:
        if where != _OPTION:
            raise
        message = exc.problems[0].message.replace("no KPI named", "unknown KPI")
        raise InputError(Problem(where, message)) from None


def _syntax_problem(text: str, where: str) -> Problem:
    if where != _OPTION:
        return Problem(where, f"{text!r} is not KPI >= VALUE or KPI <= VALUE, e.g. service_level >= 0.8")
    head = re.match(rf"^\s*({KPI_NAME}|[A-Za-z_])", text)
    if head is not None:
        _check_kpi(head.group(1), where)
    hint = ""
    rest = text[head.end():].lstrip() if head else text
    if rest[:1] in (">", "<", "=", "!") and rest[:2] not in (">=", "<="):
        hint = " (only >= and <= are supported)"
    elif not rest.strip():
        hint = " (in a shell, quote it: 'service_level>=0.8', or > starts a redirection)"
    return Problem(where, f"{text!r} is not KPI>=VALUE or KPI<=VALUE, e.g. service_level>=0.8 "
                          f"or voice.service_level>=0.8{hint}")


def parse_target(text: str | Target, where: str = _OPTION) -> Target:
    """``"voice.service_level>=0.8"`` → ``Target("voice.service_level", ">=", 0.8)``.

    ``where`` names the source: the ``--target`` option (default), or a
    field of a file (``constraints``), whose goals are echoed spaced. Bad
    syntax or an unknown KPI or breakdown raise :class:`InputError`."""
    if isinstance(text, Target):
        return text
    if not isinstance(text, str):
        raise InputError(Problem(where, f"{text!r} is not a target like service_level>=0.8"))
    match = _TARGET.match(text)
    if match is None:
        raise InputError(_syntax_problem(text, where))
    kpi, op, number, percent = match.groups()
    _check_kpi(kpi, where)
    op = {"≥": ">=", "≤": "<="}.get(op, op)
    value = float(number) / (100.0 if percent else 1.0)
    if not math.isfinite(value):
        raise InputError(Problem(where, f"{text!r}: the value must be a finite number"))
    return Target(kpi, op, value, spaced=where != _OPTION)
