"""Studies built on simulation runs: staffing searches and shift plans."""
