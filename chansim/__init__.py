"""chansim: simulate customer-service channel strategies and compare their
cost, handle time, service level and CSAT with confidence intervals.

>>> import chansim
>>> scenario = chansim.load_scenario("scenarios/retail-us.yaml")
>>> result = chansim.simulate(scenario, replications=2)
>>> result.summary  # doctest: +SKIP
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

from chansim.errors import ChansimError, InputError, Problem
from chansim.version import __version__

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
    "plan",
    "simulate",
]

#: The face's names, each loaded from its layer on first use: ``chansim --help`` and
#: ``chansim validate`` load no simulation, pricing or fitting code they do not run.
_LAZY = {
    "RunResult": "chansim.studies.experiment",
    "StrategyResult": "chansim.studies.experiment",
    "simulate": "chansim.studies.experiment",
    "KPI_KEYS": "chansim.kpis.table",
    "Scenario": "chansim.scenario",
    "load_scenario": "chansim.scenario",
    "optimize": "chansim.studies.optimize.study",
    "fit": "chansim.studies.fit.fitter",
}
#: Names the face gives to a layer's function under another name.
_RENAMED = {"plan": ("chansim.studies.plan", "run_plan")}


def __getattr__(name: str):
    if name in _LAZY or name in _RENAMED:
        module, attribute = _RENAMED.get(name, (_LAZY.get(name), name))
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chansim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_RENAMED))


def _plot(result):
    from chansim.report.figures import PlotAccessor  # matplotlib loads only when a figure is asked for

    return PlotAccessor(result)


def _plot_trials(result, x=None, y=None):
    from chansim.report.trials_figure import trials_figure  # matplotlib loads only when a figure is asked for

    return trials_figure(result, x=x, y=y)


#: The studies never import the report: as each of these modules loads, the face gives it the
#: report's figures (``result.plot``), so data still flows one way.
_WIRING = {
    "chansim.studies.experiment": lambda module: setattr(module, "PLOTTER", _plot),
    "chansim.studies.optimize.frontier": lambda module: setattr(module, "PLOTTER", _plot_trials),
}

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


class _Wired(importlib.abc.Loader):
    """A module's own loader, then its wiring."""

    def __init__(self, loader, wire) -> None:
        self.loader, self.wire = loader, wire

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        self.wire(module)

    def __getattr__(self, name: str):  # get_source, get_filename, ... of the module's own loader
        return getattr(self.loader, name)


class _Layers(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import chansim.compare`` gives a module that reads everything from ``chansim.kpis.compare``;
    the modules of :data:`_WIRING` are wired as they load."""

    def find_spec(self, name, path=None, target=None):
        if name in _MOVED:
            return importlib.util.spec_from_loader(name, self)
        if name in _WIRING:
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _Wired(spec.loader, _WIRING[name])
            return spec
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        home = importlib.import_module(_MOVED[module.__name__])
        module.__dict__.update({k: v for k, v in vars(home).items() if not k.startswith("__")})
        module.__getattr__ = lambda name: getattr(home, name)


sys.meta_path.insert(0, _Layers())
