"""Service targets of a staffing search: ``KPI>=VALUE`` or ``KPI<=VALUE``.

The KPI is any KPI address (:mod:`chansim.kpis.address`): ``service_level``
(over the searched pool's channels together), ``voice.service_level`` (one
channel), ``pool.digital.occupancy`` (one pool), ``segment.seniors.asa_s``.
``%`` divides the value by 100; ``≥``/``≤`` are accepted.

Convention (conservative): a target holds at the **pessimistic end of the
95 % confidence interval** of its mean over replications.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from chansim.errors import InputError, Problem
from chansim.kpis.address import Address, parse_address

__all__ = ["Target", "parse_target", "CONVENTION"]

CONVENTION = (
    "a target holds when it holds at the pessimistic end of the 95 % confidence interval of the mean over "
    "replications: mean - ci95 >= value for >= targets, mean + ci95 <= value for <= targets"
)

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*[A-Za-z0-9_]"
_TARGET = re.compile(rf"^\s*({_NAME})\s*(>=|<=|≥|≤)\s*({_NUMBER})\s*(%?)\s*$")


@dataclass(frozen=True)
class Target:
    """``kpi op value``: ``kpi`` is a KPI address, ``op`` is ``>=`` or ``<=``."""

    kpi: str
    op: str
    value: float

    def __post_init__(self) -> None:
        if self.op not in (">=", "<="):
            raise InputError(Problem("--target", f"operator must be >= or <= (got {self.op!r})"))
        _check_kpi(self.kpi, str(self))

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"

    @property
    def address(self) -> Address:
        return parse_address(self.kpi, "--target")

    def bound(self, mean: float | None, ci95: float | None) -> float | None:
        """The pessimistic end of the CI: ``mean − ci95`` (≥) or ``mean + ci95`` (≤)."""
        if mean is None or ci95 is None or _isnan(mean) or _isnan(ci95):
            return None
        return mean - ci95 if self.op == ">=" else mean + ci95

    def holds(self, mean: float | None, ci95: float | None) -> bool:
        """Whether the target holds at the pessimistic end of the CI."""
        edge = self.bound(mean, ci95)
        if edge is None:
            return False
        return edge >= self.value if self.op == ">=" else edge <= self.value


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _check_kpi(kpi: str, text: str) -> None:
    try:
        parse_address(kpi, "--target")
    except InputError as exc:
        message = exc.problems[0].message.replace("no KPI named", "unknown KPI")
        raise InputError(Problem("--target", message)) from None


def parse_target(text: str | Target) -> Target:
    """``"voice.service_level>=0.8"`` → ``Target("voice.service_level", ">=", 0.8)``.

    Bad syntax or an unknown KPI or breakdown raise :class:`InputError`."""
    if isinstance(text, Target):
        return text
    if not isinstance(text, str):
        raise InputError(Problem("--target", f"{text!r} is not a target like service_level>=0.8"))
    match = _TARGET.match(text)
    if match is None:
        head = re.match(rf"^\s*({_NAME}|[A-Za-z_])", text)
        if head is not None:
            _check_kpi(head.group(1), text)
        hint = ""
        rest = text[head.end():].lstrip() if head else text
        if rest[:1] in (">", "<", "=", "!") and rest[:2] not in (">=", "<="):
            hint = " (only >= and <= are supported)"
        elif not rest.strip():
            hint = " (in a shell, quote it: 'service_level>=0.8', or > starts a redirection)"
        raise InputError(Problem("--target", f"{text!r} is not KPI>=VALUE or KPI<=VALUE, e.g. service_level>=0.8 "
                                             f"or voice.service_level>=0.8{hint}"))
    kpi, op, number, percent = match.groups()
    op = {"≥": ">=", "≤": "<="}.get(op, op)
    value = float(number) / (100.0 if percent else 1.0)
    if not math.isfinite(value):
        raise InputError(Problem("--target", f"{text!r}: the value must be a finite number"))
    return Target(kpi, op, value)
