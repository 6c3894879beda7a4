"""Calendar dates of a scenario file (``start_date``, ``pricing.date``, the
plan's dates): a day between :data:`FIRST_DATE` and :data:`LAST_DATE`.

A run reaches weeks before and months after the dates it is given (warm-up
days, the simulated days, calendar months of fees, a plan's weeks), so a date
at the end of the calendar (``9999-12-31``) would run off it; no rate card
is dated outside these bounds either, so such a date is a typo.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

__all__ = ["CalendarDate", "FIRST_DATE", "LAST_DATE"]

#: The earliest date a scenario file may give.
FIRST_DATE = dt.date(1900, 1, 1)
#: The latest date a scenario file may give.
LAST_DATE = dt.date(2999, 12, 31)


def _in_calendar(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"must be a date from {FIRST_DATE} to {LAST_DATE} (got {value})")
    return value


#: A date within :data:`FIRST_DATE` … :data:`LAST_DATE`.
CalendarDate = Annotated[dt.date, AfterValidator(_in_calendar)]
