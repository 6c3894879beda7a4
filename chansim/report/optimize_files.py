"""What ``chansim optimize --out DIR`` writes, whole or not at all.

* ``optimize.json``: the JSON document of ``--format json``;
* ``trials.csv`` and ``frontier.csv``: one row per trial / frontier point, every KPI with ``_ci95``;
* ``strategies.yaml``: the frontier's strategies (a ``strategies:`` list to paste into a scenario);
* ``scenario.yaml``: the scenario with the searched strategy and the frontier's strategies, no
  ``optimize`` section: ``chansim compare DIR/scenario.yaml`` runs it as is;
* ``trials.png`` / ``trials.svg``: the figure of every trial and the frontier;
* ``report.html``: the self-contained page of the search (question, frontier, every trial).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from chansim.report.trials_figure import trials_figure
from chansim.runtime import outdir
from chansim.studies.optimize.frontier import OptimizeResult

__all__ = ["OPTIMIZE_FILES", "OPTIMIZE_MARKER", "check_optimize_dir", "write_optimize_dir", "strategies_yaml",
           "to_json"]

OPTIMIZE_MARKER = "optimize.json"
OPTIMIZE_FILES = (OPTIMIZE_MARKER, "trials.csv", "frontier.csv", "strategies.yaml", "scenario.yaml", "trials.png",
                  "trials.svg", "report.html")


def to_json(result: OptimizeResult) -> str:
    from chansim.report import jsonable

    return json.dumps(jsonable(result.to_dict()), indent=2, allow_nan=False)


class _Dumper(yaml.SafeDumper):
    """Lists of plain values on one line (``offer: [voice, webchat]``, 24 intraday weights)."""


def _list(dumper: yaml.SafeDumper, items: list):
    flat = all(not isinstance(v, (list, dict)) for v in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)


_Dumper.add_representer(list, _list)


def _yaml(data) -> str:
    from chansim.report import jsonable

    return yaml.dump(jsonable(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def strategies_yaml(result: OptimizeResult) -> str:
    """The frontier's strategies as a ``strategies:`` YAML fragment."""
    return _yaml({"strategies": result.strategies})


def check_optimize_dir(out: Path) -> None:
    """Refuse early (before searching) an ``--out`` we could not write."""
    outdir.check_out_dir(out, "chansim optimize result")


def write_optimize_dir(result: OptimizeResult, out: Path) -> Path:
    """Write :data:`OPTIMIZE_FILES` into ``out`` (see the module docstring)."""
    with outdir.staged_dir(out, "chansim optimize result") as folder:
        (folder / OPTIMIZE_MARKER).write_text(to_json(result) + "\n", encoding="utf-8")
        result.trials.to_csv(folder / "trials.csv", index=False)
        result.frontier.to_csv(folder / "frontier.csv", index=False)
        (folder / "strategies.yaml").write_text(strategies_yaml(result), encoding="utf-8")
        (folder / "scenario.yaml").write_text(_yaml(result.scenario_with_frontier()), encoding="utf-8")
        fig = trials_figure(result)
        fig.savefig(folder / "trials.png", dpi=120)
        fig.savefig(folder / "trials.svg")
        from chansim.report.study_pages import render_optimize_report

        (folder / "report.html").write_text(render_optimize_report(result), encoding="utf-8")
    return Path(out)
