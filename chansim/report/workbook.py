"""The plan's ``.xlsx`` workbook, written with openpyxl: one sheet per table,
the first row holding the column names with their units, frozen and bold,
numbers stored as numbers and dates as dates, columns sized to their text.
Planners open, filter and chart it in Excel, LibreOffice or Google Sheets.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

__all__ = ["write_workbook"]

#: Excel's limit on a sheet name.
SHEET_NAME_CHARS = 31


def _cell(value: Any) -> Any:
    """A value as a cell holds it: numbers and dates as they are, missing values empty."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, (bool, int, float, dt.date, dt.datetime)):
        return value
    return str(value)


def write_workbook(path: Path, sheets: Mapping[str, tuple[Sequence[str], Sequence[Sequence]]]) -> None:
    """Write ``{sheet name: (header, rows)}`` to ``path`` as an ``.xlsx`` workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=str(name)[:SHEET_NAME_CHARS])
        sheet.append([str(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) for h in header]
        for row in rows:
            values = [_cell(v) for v in row]
            sheet.append(values)
            widths = [max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, values)]
        sheet.freeze_panes = "A2"
        for i, width in enumerate(widths, 1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(max(width + 2, 8), 40)
    book.save(path)
