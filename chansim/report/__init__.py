"""Presenting a run: rich tables, JSON and CSV (:mod:`.tables`), figures
(:mod:`.figures`) and the self-contained HTML report (:mod:`.html`).

The one home of printing: nothing here simulates or prices.
"""

from chansim.report.tables import (
    RUN_FILES,
    RUN_MARKER,
    _format_ci,
    check_out_dir,
    csv_rows,
    format_value,
    jsonable,
    simulate_to_dir,
    to_csv,
    to_json,
    to_table,
    write_run_dir,
    write_run_files,
)

__all__ = ["to_json", "to_csv", "to_table", "write_run_files", "write_run_dir", "simulate_to_dir", "check_out_dir",
           "jsonable", "csv_rows", "format_value", "RUN_FILES", "RUN_MARKER"]
