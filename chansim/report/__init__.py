"""Presenting a run: rich tables, JSON and CSV (:mod:`.tables`), the ``--out``
directory (:mod:`.run_files`), figures (:mod:`.figures`) and the
self-contained HTML report (:mod:`.html`).

The one home of printing: nothing here simulates or prices.
"""

from chansim.report.run_files import (
    RUN_FILES,
    RUN_MARKER,
    check_out_dir,
    simulate_to_dir,
    write_run_dir,
    write_run_files,
)
from chansim.report.tables import (
    csv_rows,
    format_value,
    jsonable,
    to_csv,
    to_json,
    to_table,
    with_ci,
)

__all__ = ["to_json", "to_csv", "to_table", "write_run_files", "write_run_dir", "simulate_to_dir", "check_out_dir",
           "jsonable", "csv_rows", "format_value", "with_ci", "RUN_FILES", "RUN_MARKER"]
