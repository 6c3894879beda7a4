"""The event log of a run, streamed to Parquet files as replications finish.

``ParquetLog(folder, level, strategies)`` is an ``on_log`` sink for
:func:`chansim.simulate`: each replication's tables are appended to
``contacts.parquet``, ``messages.parquet`` and ``staffing.parquet`` (those the
log level keeps) with a :class:`pyarrow.parquet.ParquetWriter`, in row groups
of at most :data:`ROW_GROUP_ROWS` rows, and then dropped, so the whole log is
never in memory. ``simulate`` hands the replications over in task order
(strategy, then replication) whatever order they finish in, so the files hold
the same rows in the same order for any worker count or executor, and the
same tables as ``EventLog.concat`` of the replications (the ``strategy``
column a category of every strategy run, in sorted order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chansim.engine.log import LOG_LEVELS, LOG_TABLES, EventLog

__all__ = ["ParquetLog", "ROW_GROUP_ROWS"]

#: Rows per Parquet row group (and at most this many rows wait in memory per table).
ROW_GROUP_ROWS = 250_000


class _TableFile:
    """One Parquet file written in row groups of ``row_group_rows`` rows."""

    def __init__(self, path: Path, row_group_rows: int):
        self.path = path
        self.row_group_rows = row_group_rows
        self.schema: pa.Schema | None = None
        self.writer: pq.ParquetWriter | None = None
        self.pending: list[pa.Table] = []
        self.pending_rows = 0

    def append(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.schema is None:
            self.schema = table.schema  # with the pandas metadata, as DataFrame.to_parquet writes it
        if not table.num_rows:
            return
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows >= self.row_group_rows:
            self._write(whole=False)

    def _write(self, whole: bool) -> None:
        table = pa.concat_tables(self.pending)
        rows = table.num_rows if whole else table.num_rows // self.row_group_rows * self.row_group_rows
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table.slice(0, rows), row_group_size=self.row_group_rows)
        rest = table.slice(rows)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def close(self) -> None:
        if self.pending:
            self._write(whole=True)
        if self.writer is not None:
            self.writer.close()
        elif self.schema is not None:  # no rows at all: an empty table with the columns
            pq.write_table(self.schema.empty_table(), self.path)


class ParquetLog:
    """An ``on_log(strategy, replication, log)`` sink writing the tables of
    ``level`` (:data:`chansim.engine.log.LOG_LEVELS`) into ``folder``.

    ``strategies``: every strategy of the run (the categories of the
    ``strategy`` column). Use it as a context manager, or call :meth:`close`
    once the run is over to finish the files."""

    def __init__(self, folder: str | Path, level: str, strategies: Sequence[str], *,
                 row_group_rows: int = ROW_GROUP_ROWS):
        if level not in LOG_LEVELS:
            raise ValueError(f"log level {level!r} is not one of {LOG_LEVELS}")
        self.level = level
        self.strategies = sorted(set(strategies))
        self.files = {name: _TableFile(Path(folder) / f"{name}.parquet", row_group_rows)
                      for name in LOG_TABLES[level]}

    def __call__(self, strategy: str, replication: int, log: EventLog) -> None:
        for name, file in self.files.items():
            file.append(self._with_strategy_categories(getattr(log, name)))

    def _with_strategy_categories(self, frame: pd.DataFrame) -> pd.DataFrame:
        if "strategy" not in frame:
            return frame
        column = frame["strategy"]
        if isinstance(column.dtype, pd.CategoricalDtype):
            return frame.assign(strategy=column.cat.set_categories(self.strategies))
        return frame.assign(strategy=pd.Categorical(column, categories=self.strategies))

    def close(self) -> None:
        for file in self.files.values():
            file.close()

    def __enter__(self) -> "ParquetLog":
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
        else:  # the run failed: close what is open, the staged folder is thrown away
            for file in self.files.values():
                if file.writer is not None:
                    file.writer.close()
