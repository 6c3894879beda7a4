"""Studies built on simulation runs: staffing searches, shift plans and the
search over the channel mix (optimize)."""
