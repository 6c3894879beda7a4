"""Labels on figures that never overlap.

Labels are matplotlib annotations placed in *offset points* from the point
they describe. :func:`place` tries candidate offsets in order and keeps the
first whose box overlaps no box already taken (other labels, markers) and
stays inside the axes; :func:`stack` nudges a label along one direction
until it is clear. Both measure the boxes as drawn, after the layout engine
has placed the axes, so they hold at the size the figure is saved at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation, Text
    from matplotlib.transforms import Bbox

__all__ = ["renderer", "box", "place", "stack", "overlapping", "AROUND"]

#: Offsets (points) around a point: right, above, left, below, the diagonals, then further out.
AROUND: tuple[tuple[float, float], ...] = tuple(
    (dx * r, dy * r) for r in (1.0, 2.2, 3.6)
    for dx, dy in ((10, 4), (10, -14), (-10, 4), (-10, -14), (0, 12), (0, -18), (14, 16), (-14, 16),
                   (14, -24), (-14, -24))
)


def renderer(fig):
    """The figure's renderer after a full draw (the layout engine has run)."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def box(artist, rend, pad: float = 1.0) -> "Bbox":
    """The artist's drawn box in display units, grown by ``pad`` pixels (of
    a label: its text, not the arrow to its point)."""
    from matplotlib.text import Text

    b = Text.get_window_extent(artist, rend) if isinstance(artist, Text) else artist.get_window_extent(rend)
    return b.expanded((b.width + 2 * pad) / max(b.width, 1e-9), (b.height + 2 * pad) / max(b.height, 1e-9))


def overlapping(boxes: Sequence["Bbox"]) -> list[tuple[int, int]]:
    """Pairs of indices of boxes that overlap."""
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


def _inside(b: "Bbox", frame: "Bbox") -> bool:
    return b.x0 >= frame.x0 and b.x1 <= frame.x1 and b.y0 >= frame.y0 and b.y1 <= frame.y1


def place(ax: "Axes", label: "Annotation", taken: list["Bbox"], rend,
          candidates: Iterable[tuple[float, float]] = AROUND) -> bool:
    """Move ``label`` to the first candidate offset clear of ``taken`` and
    inside the axes; add its box to ``taken``. False (label left at its
    first candidate) when no candidate is clear."""
    frame = ax.get_window_extent(rend)
    first = None
    for dx, dy in candidates:
        label.set_position((dx, dy))
        label.set_ha("left" if dx > 0 else "right" if dx < 0 else "center")
        label.set_va("bottom" if dy > 0 else "top")
        b = box(label, rend)
        first = first or (dx, dy)
        if _inside(b, frame) and not any(b.overlaps(t) for t in taken):
            taken.append(b)
            return True
    if first is not None:
        label.set_position(first)
        label.set_ha("left" if first[0] > 0 else "right" if first[0] < 0 else "center")
        label.set_va("bottom" if first[1] > 0 else "top")
    return False


def stack(label: "Text | Annotation", taken: list["Bbox"], rend, step: float = 2.0, limit: int = 200) -> None:
    """Nudge an offset-points ``label`` upwards by ``step`` points until its
    box overlaps nothing in ``taken``; add its box to ``taken``."""
    points_to_pixels = rend.points_to_pixels(1.0)
    for _ in range(limit):
        b = box(label, rend)
        if not any(b.overlaps(t) for t in taken):
            break
        hit = max((t.y1 for t in taken if b.overlaps(t)), default=b.y0)
        dx, dy = label.get_position()
        label.set_position((dx, dy + max(step, (hit - b.y0) / points_to_pixels + 0.5)))
    taken.append(box(label, rend))
