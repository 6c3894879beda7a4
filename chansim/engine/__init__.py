"""The SimPy engine: scenario → event log. Knows no prices and no CSAT."""

from chansim.engine.log import OUTCOMES, EventLog
from chansim.engine.replication import run_replication

__all__ = ["EventLog", "OUTCOMES", "run_replication"]
