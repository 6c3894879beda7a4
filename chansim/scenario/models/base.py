"""The base of every scenario model: frozen, no unknown keys, finite numbers, no true/false for a number."""

from __future__ import annotations

from pydantic import ConfigDict

from chansim.scenario.models.numbers import NumbersNotBooleans

__all__ = ["ScenarioModel"]


class ScenarioModel(NumbersNotBooleans):
    """A part of a scenario file: frozen, unknown keys refused, no infinite or NaN number, and no
    ``true``/``false`` where a number belongs."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
