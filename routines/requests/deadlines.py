"""The two deadlines of a rights request, from the day the caller asked.

- **Forward by**: the service company's promise to the client, `forward_within_business_days`
  Swedish business days after receipt (weekends, public holidays and the de facto holidays
  offices close on do not count; a request received on a holiday counts from the next
  business day). Zero days means the same business day.
- **Respond by** (for information): the controller's one month under Art. 12(3), the same
  date a month later (31 January gives 28 or 29 February).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from routines.schedule.rules import is_working_day, next_working_day


def add_business_days(start: date, days: int) -> date:
    """`days` Swedish business days after `start` (0: `start`, or the next business day)."""
    if days < 0:
        raise ValueError("business days must not be negative")
    day = next_working_day(start)  # received on a closed day: as if the next business day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def one_month_after(received: date) -> date:
    """Art. 12(3): the same day next month, or that month's last day when it has none."""
    year, month = (
        (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    )
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(received.day, last))


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 when `end` <= `start`)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
