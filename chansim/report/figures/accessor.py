"""Every figure of a run at once: their names in order, :func:`save_figures`
(PNG and SVG files) and :class:`PlotAccessor` (``result.plot`` in notebooks)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from chansim.report.figures.costs import cost_breakdown
from chansim.report.figures.frontier import frontier
from chansim.report.figures.occupancy import occupancy_by_pool
from chansim.report.figures.service import service_by_hour
from chansim.report.figures.style import pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chansim.studies.experiment import RunResult

__all__ = ["FIGURES", "save_figures", "PlotAccessor"]

#: Figure names, in the order :func:`save_figures` writes them.
FIGURES = ("frontier", "cost_breakdown", "service_by_hour", "occupancy_by_pool")

_DRAW: dict[str, Callable[..., "Figure"]] = {
    "frontier": frontier,
    "cost_breakdown": cost_breakdown,
    "service_by_hour": service_by_hour,
    "occupancy_by_pool": occupancy_by_pool,
}


def save_figures(result: "RunResult", out_dir: Path | str, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write every figure as ``NAME.png`` and ``NAME.svg`` in ``out_dir``
    (created if missing); return the paths written. The files do not embed
    the date, so the same result gives the same files."""
    plt = pyplot()
    import matplotlib

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with matplotlib.rc_context({"svg.hashsalt": "chansim"}):
        for name in FIGURES:
            fig = _DRAW[name](result)
            try:
                for fmt in formats:
                    path = out / f"{name}.{fmt}"
                    metadata = {"Date": None} if fmt in ("svg", "pdf") else {"Software": None} if fmt == "png" else None
                    fig.savefig(path, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight", pad_inches=0.15)
                    written.append(path)
            finally:
                plt.close(fig)
    return written


class PlotAccessor:
    """``result.plot.frontier()`` and friends, for notebooks: each method
    returns the matplotlib ``Figure`` (drawn on ``ax`` when given)."""

    def __init__(self, result: "RunResult") -> None:
        self._result = result

    def frontier(self, ax: "Axes | None" = None) -> "Figure":
        return frontier(self._result, ax)

    def cost_breakdown(self, ax: "Axes | None" = None) -> "Figure":
        return cost_breakdown(self._result, ax)

    def service_by_hour(self, ax: "Axes | None" = None) -> "Figure":
        return service_by_hour(self._result, ax)

    def occupancy_by_pool(self, ax: "Axes | None" = None) -> "Figure":
        return occupancy_by_pool(self._result, ax)

    def save(self, out_dir: Path | str) -> list[Path]:
        """Every figure as PNG and SVG in ``out_dir``."""
        return save_figures(self._result, out_dir)

    def __repr__(self) -> str:
        return f"PlotAccessor({', '.join(FIGURES)})"
