"""Schedule rules -> local calendar dates.

Everything here works in *local dates* plus a wall-clock time of day, never in UTC
instants, so a daylight-saving switch can neither skip nor double an occurrence: a date is
a date. Only `moment()` turns a date into an instant, at the very end.

Cron expressions are evaluated by APScheduler's `CronTrigger` on a "floating" wall clock
(UTC stands in for local time, since UTC has no DST), then re-attached to the routine's
time zone.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

EVERY_UNITS = ("quarter", "month", "year", "half-year")
_EVERY_N = re.compile(r"^\s*(\d+)\s*(week|weeks|month|months|day|days)\s*$")
_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Every:
    """A fixed step from an anchor date: `months` or `days` (one of them non-zero)."""

    anchor: date
    months: int = 0
    days: int = 0


@dataclass(frozen=True)
class Schedule:
    """Exactly one of cron / every / dates is set."""

    cron: str | None = None
    every: Every | None = None
    dates: tuple[date, ...] = ()


def parse_every(text: str, anchor: date) -> Every:
    """`quarter|month|year|half-year|N weeks|N months|N days` -> Every (ValueError if bad)."""
    unit = text.strip().lower()
    fixed = {"quarter": 3, "month": 1, "year": 12, "half-year": 6}
    if unit in fixed:
        return Every(anchor=anchor, months=fixed[unit])
    match = _EVERY_N.match(unit)
    if not match or int(match.group(1)) < 1:
        raise ValueError(
            f"expected one of {', '.join(EVERY_UNITS)}, 'N weeks', 'N months' or 'N days', "
            f"got {text!r}"
        )
    n, word = int(match.group(1)), match.group(2)
    if word.startswith("week"):
        return Every(anchor=anchor, days=7 * n)
    if word.startswith("day"):
        return Every(anchor=anchor, days=n)
    return Every(anchor=anchor, months=n)


def _standard_dow(field: str) -> str:
    """Standard cron counts weekdays from Sunday=0; APScheduler 3 from Monday=0. Use names."""
    return re.sub(r"\d+", lambda m: _DOW_NAMES[int(m.group()) % 8], field)


def cron_trigger(expression: str) -> CronTrigger:
    """A floating-clock trigger for a standard 5-field cron expression (ValueError if bad)."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields, got {len(fields)}")
    if any(int(n) > 7 for n in re.findall(r"\d+", fields[4])):
        raise ValueError(f"day of week out of range in {fields[4]!r}")
    minute, hour, day, month, dow = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_standard_dow(dow),
        timezone=UTC,
    )


def cron_time_of_day(expression: str) -> time | None:
    """The first wall-clock time the cron fires on a matching day; None: it never fires
    (30 February, or 31 April)."""
    trigger = cron_trigger(expression)
    start = datetime(2000, 1, 1, tzinfo=UTC)
    # The calendar (weekdays and leap days together) repeats every 28 years until 2100:
    # a cron that has not fired by then never will. Without an end APScheduler looks
    # until the year 9999, seconds per never-firing expression.
    trigger.end_date = datetime(2029, 1, 1, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, start)
    return None if fire is None else fire.time()


def _add_months(anchor: date, months: int) -> date:
    year, month0 = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    day = min(anchor.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


def _every_dates(rule: Every, start: date, end: date) -> Iterator[date]:
    if rule.days:
        step = max(0, (start - rule.anchor).days // rule.days)
        current = rule.anchor + timedelta(days=step * rule.days)
        while current <= end:
            if current >= start:
                yield current
            step += 1
            current = rule.anchor + timedelta(days=step * rule.days)
        return
    months_apart = (start.year - rule.anchor.year) * 12 + start.month - rule.anchor.month
    k = max(0, months_apart // rule.months - 1)
    while True:
        current = _add_months(rule.anchor, k * rule.months)
        if current > end:
            return
        if current >= start:
            yield current
        k += 1


def _cron_dates(expression: str, start: date, end: date) -> Iterator[date]:
    trigger = cron_trigger(expression)
    cursor = datetime.combine(start, time(0), tzinfo=UTC)
    while True:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None or fire.date() > end:
            return
        yield fire.date()
        cursor = datetime.combine(fire.date() + timedelta(days=1), time(0), tzinfo=UTC)


def scheduled_dates(schedule: Schedule, start: date, end: date) -> Iterator[date]:
    """Every date the rule produces in [start, end], ascending, before business-day shifting."""
    if schedule.cron:
        yield from _cron_dates(schedule.cron, start, end)
    elif schedule.every:
        yield from _every_dates(schedule.every, start, end)
    else:
        yield from (d for d in sorted(set(schedule.dates)) if start <= d <= end)


@lru_cache(maxsize=64)
def _swedish_holidays(year: int) -> frozenset[date]:
    # Imported at the first working-day question, not with the catalogue: ~0.07 s of CPU.
    import holidays

    # De facto holidays too: offices close on Midsummer Eve, Christmas Eve and New Year's Eve.
    found = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(found.keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _swedish_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the next one (weekends, Swedish holidays)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def shift(day: date, business_days: bool) -> date:
    return next_working_day(day) if business_days else day


def moment(day: date, at: time, timezone: str) -> datetime:
    """The instant of wall-clock `at` on `day` in `timezone` (a skipped hour moves forward)."""
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, at, tzinfo=zone)
    # A time inside the spring-forward gap does not exist; round-tripping through UTC
    # normalises it to the first instant after the gap instead of an ambiguous value.
    return local.astimezone(UTC).astimezone(zone)


def local_date(instant: datetime, timezone: str) -> date:
    """The local date of an instant; a naive instant (as SQLite returns them) is UTC."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(timezone)).date()
