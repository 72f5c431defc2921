"""Time in one place: instants are stored and compared in UTC, a clock is a function that is
passed in (only schedulers call it), and the installation's default time zone.

SQLite keeps no offset, so values read back are naive there and aware on PostgreSQL;
`as_utc` makes either comparable. Use cases demand an aware `now` (`aware_utc`): a naive
one would silently mean "the machine's local time".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

# What GDPRBOT_TIMEZONE defaults to, and what routines and reports fall back to.
DEFAULT_TIMEZONE = "Europe/Stockholm"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant, aware, in UTC: the default clock."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The instant in UTC; a naive value (as SQLite returns it) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def aware_utc(now: datetime) -> datetime:
    """`now` in UTC; raises ValueError for a naive value (a use case's `now` must be aware)."""
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return now.astimezone(UTC)
