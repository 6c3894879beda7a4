"""Studies: what chansim answers by simulating many scenarios (optimize)."""
