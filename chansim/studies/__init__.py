"""Studies built on the simulator: fitting a scenario to a contact center's
own exports and backtesting it against them."""
