"""chansim: simulate customer-service channel strategies and compare their
cost, handle time, service level and CSAT with confidence intervals.

>>> import chansim
>>> scenario = chansim.load_scenario("scenarios/retail-us.yaml")
>>> result = chansim.simulate(scenario, replications=2)
>>> result.summary  # doctest: +SKIP
"""

import importlib
import importlib.abc
import importlib.util
import sys

from chansim.errors import ChansimError, InputError, Problem
from chansim.studies.experiment import RunResult, StrategyResult, simulate
from chansim.kpis.table import KPI_KEYS
from chansim.scenario import Scenario, load_scenario
from chansim.studies.optimize.study import optimize
from chansim.version import __version__
from chansim.studies import experiment as _experiment
from chansim.studies.optimize import frontier as _frontier

__all__ = [
    "__version__",
    "ChansimError",
    "InputError",
    "KPI_KEYS",
    "Problem",
    "RunResult",
    "Scenario",
    "StrategyResult",
    "fit",
    "load_scenario",
    "optimize",
    "simulate",
]


def _plot(result: RunResult):
    from chansim.report.figures import PlotAccessor  # matplotlib loads only when a figure is asked for

    return PlotAccessor(result)


_experiment.PLOTTER = _plot


def _plot_trials(result, x=None, y=None):
    from chansim.report.trials_figure import trials_figure  # matplotlib loads only when a figure is asked for

    return trials_figure(result, x=x, y=y)


_frontier.PLOTTER = _plot_trials


def __getattr__(name: str):
    # ``chansim.fit`` imports the fitting code (and scipy.stats) on first use only
    if name == "fit":
        from chansim.studies.fit.fitter import fit

        return fit
    raise AttributeError(f"module 'chansim' has no attribute {name!r}")


#: Import paths of earlier releases, kept working: each now lives in the package of its layer.
_MOVED = {
    "chansim.channels": "chansim.scenario.channels",
    "chansim.check": "chansim.studies.check",
    "chansim.compare": "chansim.kpis.compare",
    "chansim.csat": "chansim.kpis.csat",
    "chansim.distributions": "chansim.scenario.distributions",
    "chansim.experiment": "chansim.studies.experiment",
    "chansim.labor": "chansim.kpis.labor",
    "chansim.logfiles": "chansim.runtime.logfiles",
    "chansim.parallel": "chansim.runtime.parallel",
    "chansim.reprice": "chansim.studies.reprice",
    "chansim.sweep": "chansim.studies.sweep",
    "chansim.studies.backtest": "chansim.studies.fit.backtest",
    "chansim.studies.fit_figures": "chansim.report.fit_figures",
    "chansim.studies.synthetic": "chansim.studies.fit.synthetic",
    "chansim.studies.targets": "chansim.kpis.goals",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import chansim.compare`` gives a module that reads everything from ``chansim.kpis.compare``."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in _MOVED else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        home = importlib.import_module(_MOVED[module.__name__])
        module.__dict__.update({k: v for k, v in vars(home).items() if not k.startswith("__")})
        module.__getattr__ = lambda name: getattr(home, name)


sys.meta_path.append(_MovedModules())
