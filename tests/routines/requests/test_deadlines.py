"""Deadlines of a rights request: Swedish business days to forward, one month to answer."""

from __future__ import annotations

from datetime import date

import pytest

from routines.requests.deadlines import add_business_days, one_month_after


def test_one_business_day_after_a_friday_is_the_monday() -> None:
    assert add_business_days(date(2027, 3, 5), 1) == date(2027, 3, 8)


def test_holidays_do_not_count_midsummer_eve_and_midsummer_day() -> None:
    # Thursday 24 June 2027; Friday 25 June is Midsummer Eve (offices closed)
    assert add_business_days(date(2027, 6, 24), 1) == date(2027, 6, 28)


def test_a_request_received_on_a_sunday_counts_from_monday() -> None:
    assert add_business_days(date(2027, 3, 7), 1) == date(2027, 3, 9)
    assert add_business_days(date(2027, 3, 7), 0) == date(2027, 3, 8)


def test_christmas_to_new_year_skips_every_closed_day() -> None:
    # 23 Dec 2027 is a Thursday; 24, 25, 26, 31 Dec and 1 Jan are closed, weekend between
    assert add_business_days(date(2027, 12, 23), 2) == date(2027, 12, 28)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(date(2027, 3, 5), -1)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2027, 1, 15), date(2027, 2, 15)),
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2027, 12, 10), date(2028, 1, 10)),
    ],
)
def test_the_controllers_month_is_the_same_date_next_month_or_its_last_day(
    received: date, due: date
) -> None:
    assert one_month_after(received) == due
