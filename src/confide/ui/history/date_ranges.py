"""The search dialog's date filter: "Past week", "Past month", "Past year"."""

from __future__ import annotations

import calendar
import enum
from datetime import datetime, timedelta


class DateRange(enum.Enum):
    ANY = "any"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def _months_back(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier; a day the month does not
    have (31 March minus one month) becomes that month's last day."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def range_start(choice: DateRange, now: datetime) -> datetime | None:
    """The earliest moment a message may have to pass the filter; None: no limit.

    Calendar months and years, as people mean them ("past month" on 15 March starts on
    15 February), not fixed numbers of days.
    """
    if choice is DateRange.WEEK:
        return now - timedelta(days=7)
    if choice is DateRange.MONTH:
        return _months_back(now, 1)
    if choice is DateRange.YEAR:
        return _months_back(now, 12)
    return None
