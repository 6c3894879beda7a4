"""A fitted number: its value, 95 % interval and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Estimate", "TooLittleData"]


@dataclass(frozen=True)
class Estimate:
    """One fitted parameter (``voice.handle_time.mean``) with its 95 %
    confidence interval, the method and the data it was fitted from."""

    parameter: str
    value: float
    low: float | None
    high: float | None
    method: str
    data: str

    def covers(self, truth: float) -> bool:
        return self.low is not None and self.high is not None and self.low <= truth <= self.high

    def to_dict(self) -> dict:
        return {"parameter": self.parameter, "value": self.value, "ci_low": self.low, "ci_high": self.high,
                "method": self.method, "data": self.data}


class TooLittleData(ValueError):
    """Raised by an estimator given fewer observations than it needs."""

    def __init__(self, what: str, have: int, need: int):
        self.what, self.have, self.need = what, have, need
        super().__init__(f"{have} {what}; at least {need} are needed")
