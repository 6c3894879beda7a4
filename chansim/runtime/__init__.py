"""Running chansim: output folders, checks before simulating, signals."""
