"""``python -m chansim``."""

from chansim.cli import main

main()
