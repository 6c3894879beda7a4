"""The base of every scenario model: frozen, no unknown keys, finite numbers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ScenarioModel"]


class ScenarioModel(BaseModel):
    """A part of a scenario file: frozen, unknown keys refused, no infinite or NaN number."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
