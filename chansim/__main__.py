"""``python -m chansim``."""

from chansim.cli import main

if __name__ == "__main__":  # not again in worker processes that import this module (spawn)
    main()
