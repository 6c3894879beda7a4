"""Studies built on simulation runs: staffing searches and shift plans, the
search over the channel mix (optimize), and fitting a scenario to a contact
center's exports with a backtest against them."""
