"""The base of every scenario model: frozen, no unknown keys, finite numbers, no true/false for a number,
whole numbers that fit."""

from __future__ import annotations

from pydantic import ConfigDict

from chansim.scenario.models.numbers import NumbersNotBooleans, WholeNumbersFit

__all__ = ["ScenarioModel"]


class ScenarioModel(NumbersNotBooleans, WholeNumbersFit):
    """A part of a scenario file: frozen, unknown keys refused, no infinite or NaN number, no
    ``true``/``false`` where a number belongs, and no whole number beyond what a count can be."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
