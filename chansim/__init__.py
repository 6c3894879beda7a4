"""chansim: simulate customer-service channel strategies and compare their
cost, handle time, service level and CSAT with confidence intervals.

>>> import chansim
>>> scenario = chansim.load_scenario("scenarios/retail-us.yaml")
>>> result = chansim.simulate(scenario, replications=2)
>>> result.summary  # doctest: +SKIP
"""

from chansim.errors import ChansimError, InputError, Problem
from chansim.experiment import RunResult, StrategyResult, simulate
from chansim.kpis.table import KPI_KEYS
from chansim.scenario import Scenario, load_scenario
from chansim.studies.optimize import optimize
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
    "simulate",
]


def __getattr__(name: str):
    # ``chansim.fit`` imports the fitting code (and scipy.stats) on first use only
    if name == "fit":
        from chansim.studies.fit import fit

        return fit
    raise AttributeError(f"module 'chansim' has no attribute {name!r}")
