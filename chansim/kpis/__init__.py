"""KPIs: the KPI table, how a KPI or a breakdown is addressed, the pure
functions that measure them over the event log, goals on them (``KPI >=
VALUE``, :mod:`chansim.kpis.goals`) and the statistics that judge them
(:mod:`chansim.kpis.statistics`)."""

from chansim.kpis.address import BREAKDOWNS, Address, lookup, parse_address
from chansim.kpis.table import BY_KEY, DIRECTION, KPI, KPI_KEYS, KPIS

__all__ = ["KPI", "KPIS", "KPI_KEYS", "BY_KEY", "DIRECTION", "Address", "BREAKDOWNS", "parse_address", "lookup"]
