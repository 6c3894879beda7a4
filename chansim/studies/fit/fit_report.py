"""What ``fit`` returns: the scenario, its commented YAML and the report of
every fitted parameter; and the small formatting helpers the scenario
comments share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem
from chansim.scenario import Scenario
from chansim.studies.fit.conversations import ConversationFit
from chansim.studies.fit.durations import DurationFit
from chansim.studies.fit.estimate import Estimate, TooLittleData
from chansim.studies.fit.exports import Exports
from chansim.studies.fit.patience import PatienceFit
from chansim.studies.fit.repeats import RepeatFit
from chansim.studies.fit.scenario_out import write_scenario_out
from chansim.studies.fit.volumes import VolumeFit

if TYPE_CHECKING:
    from chansim.studies.fit.calibrate import Calibration

__all__ = ["FitReport", "FitResult"]


@dataclass
class FitReport:
    """Everything fitted, for the parameter table and the figures."""

    parameters: list[Estimate]
    notes: list[str]
    implausible: list[dict]
    volumes: VolumeFit
    handle_time: dict[str, DurationFit] = field(default_factory=dict)
    handle_samples: dict[str, np.ndarray] = field(default_factory=dict)
    patience: dict[str, PatienceFit] = field(default_factory=dict)
    patience_data: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    conversations: dict[str, ConversationFit] = field(default_factory=dict)
    repeats: RepeatFit | None = None
    #: rows set aside or corrected while reading, by reason (file, rows, reason, action, first_rows)
    corrections: list[dict] = field(default_factory=list)
    #: ``fit --calibrate``: the calibrated shrinkage and what it implies
    calibration: Calibration | None = None

    def table(self) -> pd.DataFrame:
        """One row per fitted parameter: value, 95 % CI, method, data."""
        return pd.DataFrame([e.to_dict() for e in self.parameters],
                            columns=["parameter", "value", "ci_low", "ci_high", "method", "data"])

    def estimate(self, parameter: str) -> Estimate:
        for e in self.parameters:
            if e.parameter == parameter:
                return e
        raise KeyError(parameter)


@dataclass
class FitResult:
    """The fitted scenario, its commented YAML and the fit report."""

    scenario: Scenario
    yaml: str
    report: FitReport
    exports: Exports

    def write(self, path: str | Path, *, force: bool = True) -> Path:
        """Write the scenario YAML whole or not at all, never over one of the
        export files read; an existing file only with ``force`` (see
        :mod:`chansim.studies.fit.scenario_out`; the fit report's files and
        figures: :func:`chansim.report.fit_figures.save_fit_report`)."""
        inputs = [f for files in self.exports.files.values() for f in files]
        return write_scenario_out(path, self.yaml, inputs, force=force)


def fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def ci_text(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"; 95 % CI {fmt(low)}-{fmt(high)}"


def period(times: pd.Series) -> str:
    return f"{times.min().date()} to {times.max().date()}"


def files_of(exports: Exports, kind: str) -> str:
    return ", ".join(Path(f).name for f in exports.files.get(kind, []))


def too_little(file_kind: str, exports: Exports, channel: str, exc: TooLittleData) -> InputError:
    files = exports.files.get(file_kind, ["DATA"])
    return InputError(Problem(f"channel {channel}", f"too little data to fit: {exc.have} {exc.what}; "
                                                    f"at least {exc.need} are needed"), source=", ".join(files))
