"""Figures of a run for people who decide: each answers one question.

=====================  ==========================================================
figure                 question
=====================  ==========================================================
``frontier``           Which strategy gives the best CSAT (or service level) for
                       its cost per contact? Pareto frontier highlighted.
``cost_breakdown``     What does one contact cost, and where does the money go
                       (agents, telephony, messaging fees, bot)?
``service_by_hour``    Are customers answered within target at every hour?
``occupancy_by_pool``  How busy is each team under each strategy?
=====================  ==========================================================

Every function takes a :class:`~chansim.studies.experiment.RunResult`, draws on
``ax`` (or a new figure) and returns the matplotlib ``Figure``;
:func:`save_figures` writes them all as PNG and SVG. In notebooks:
``PlotAccessor(result).frontier()``.

matplotlib is imported on first use. Outside a notebook, and unless a backend
was chosen already (pyplot imported, ``MPLBACKEND`` set), the headless ``Agg``
backend is selected, so plotting works on servers and in CI.
"""

from chansim.report.figures.accessor import FIGURES, PlotAccessor, save_figures
from chansim.report.figures.costs import cost_breakdown, cost_components
from chansim.report.figures.frontier import frontier
from chansim.report.figures.occupancy import occupancy_by_pool, occupancy_table
from chansim.report.figures.service import service_by_hour, service_by_hour_table

__all__ = ["frontier", "cost_breakdown", "service_by_hour", "occupancy_by_pool", "save_figures", "PlotAccessor",
           "FIGURES", "cost_components", "service_by_hour_table", "occupancy_table"]
