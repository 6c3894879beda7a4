"""Numbers are not booleans: ``headcount: true`` is refused, not read as 1.

pydantic reads ``true`` as 1 in an integer or number field (and in a list or
mapping of numbers) unless the field is strict; strict fields would also
refuse ``3.0`` and ``"3"``, which scenario files have always been allowed to
write. :class:`NumbersNotBooleans` refuses a boolean wherever a field holds
numbers and no true/false, at the field's own path.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator

__all__ = ["NumbersNotBooleans"]


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
