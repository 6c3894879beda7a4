"""Numbers are not booleans: ``headcount: true`` is refused, not read as 1;
and whole numbers are counts that fit: ``priority: 10^30`` is refused.

pydantic reads ``true`` as 1 in an integer or number field (and in a list or
mapping of numbers) unless the field is strict; strict fields would also
refuse ``3.0`` and ``"3"``, which scenario files have always been allowed to
write. :class:`NumbersNotBooleans` refuses a boolean wherever a field holds
numbers and no true/false, at the field's own path.

A whole-number field (a headcount, a priority, weeks) holds at most
:data:`MAX_WHOLE` (2^53, the largest whole number a float holds exactly):
pydantic takes any size of integer, and the engine's counters do not (a
seed, which any size of integer feeds, is the exception).
:class:`WholeNumbersFit` refuses a larger one, saying where in a list or
mapping it is. (How many agents fit in memory is the size check's to say.)
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator

__all__ = ["NumbersNotBooleans", "WholeNumbersFit", "MAX_WHOLE"]

#: The largest whole number a scenario field (a seed apart) holds.
MAX_WHOLE = 2**53


def _holds(annotation: Any) -> frozenset[str]:
    """Which of number, bool and model a field's type holds, anywhere within it."""
    if annotation is bool:
        return frozenset({"bool"})
    if annotation in (int, float):
        return frozenset({"number"})
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return frozenset({"model"})
    found: frozenset[str] = frozenset()
    for arg in typing.get_args(annotation):
        found |= _holds(arg)
    return found


def _boolean_in(value: Any, deep: bool) -> bool | None:
    """The first boolean in ``value`` (itself, or within its lists and mappings when ``deep``)."""
    if isinstance(value, bool):
        return value
    if deep and isinstance(value, (list, tuple)):
        items: Any = value
    elif deep and isinstance(value, dict):
        items = value.values()
    else:
        return None
    for item in items:
        found = _boolean_in(item, deep)
        if found is not None:
            return found
    return None


class NumbersNotBooleans(BaseModel):
    """A model whose number fields refuse ``true`` and ``false``."""

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_not_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None:
            return value
        holds = _holds(field.annotation)
        if "number" not in holds or "bool" in holds:
            return value
        found = _boolean_in(value, deep="model" not in holds)
        if found is not None:
            raise ValueError(f"must be a number, not true/false (got {str(found).lower()})")
        return value


def _holds_int(annotation: Any) -> bool:
    """Whether a field's type holds whole numbers (not within a model of its own)."""
    if annotation is int:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False
    return any(_holds_int(arg) for arg in typing.get_args(annotation))


def _too_large(value: Any, where: str = "") -> tuple[int, str] | None:
    """The first whole number in ``value`` above MAX_WHOLE, and where it is in it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, where) if value > MAX_WHOLE else None
    items = enumerate(value) if isinstance(value, (list, tuple)) else value.items() if isinstance(value, dict) else ()
    for key, item in items:
        found = _too_large(item, f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}")
        if found is not None:
            return found
    return None


class WholeNumbersFit(BaseModel):
    """A model whose whole-number fields (seeds apart) hold at most MAX_WHOLE."""

    @field_validator("*", mode="after")
    @classmethod
    def _whole_numbers_fit(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None or info.field_name == "seed" or not _holds_int(field.annotation):
            return value
        found = _too_large(value)
        if found is not None:
            number, where = found
            at = f" at {where.lstrip('.')}" if where else ""
            raise ValueError(f"must be ≤ 2^53 = {MAX_WHOLE:,} (got {number:.3g}{at}); a whole number that "
                             "large is a slip")
        return value
