"""Schedule rules -> local dates: business days, Swedish holidays, DST, cron weekdays."""

from __future__ import annotations

from datetime import date, time

import pytest

from routines.schedule.rules import (
    Every,
    Schedule,
    moment,
    next_working_day,
    parse_every,
    scheduled_dates,
    shift,
)


def quarterly(anchor: date = date(2026, 1, 1)) -> Schedule:
    return Schedule(every=parse_every("quarter", anchor))


def test_quarterly_rule_gives_the_first_day_of_each_quarter_over_two_years() -> None:
    dates = list(scheduled_dates(quarterly(), date(2026, 1, 1), date(2027, 12, 31)))
    assert [d.isoformat() for d in dates] == [
        "2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01",
        "2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01",
    ]  # fmt: skip


def test_business_days_move_new_years_day_2027_to_monday_and_keep_april_first() -> None:
    # 2027-01-01 is a Friday and a public holiday; the 2nd and 3rd are a weekend.
    assert shift(date(2027, 1, 1), business_days=True) == date(2027, 1, 4)
    assert shift(date(2027, 4, 1), business_days=True) == date(2027, 4, 1)


def test_quarterly_routine_over_two_years_after_business_day_shifting() -> None:
    shifted = [
        shift(d, True) for d in scheduled_dates(quarterly(), date(2026, 1, 1), date(2027, 12, 31))
    ]
    assert [d.isoformat() for d in shifted] == [
        "2026-01-02", "2026-04-01", "2026-07-01", "2026-10-01",
        "2027-01-04", "2027-04-01", "2027-07-01", "2027-10-01",
    ]  # fmt: skip


def test_without_business_days_a_holiday_is_kept() -> None:
    assert shift(date(2027, 1, 1), business_days=False) == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 26), date(2027, 3, 30)),  # Good Friday -> after Easter Monday
        (date(2027, 6, 25), date(2027, 6, 28)),  # Midsummer Eve (de facto closed)
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas Eve, Christmas, weekend
    ],
)
def test_swedish_holidays_are_skipped(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


def test_a_daily_cron_has_one_date_per_day_across_the_march_dst_switch() -> None:
    # Europe/Stockholm springs forward on 2027-03-28 at 02:00: 02:30 does not exist.
    dates = list(scheduled_dates(Schedule(cron="30 2 * * *"), date(2027, 3, 26), date(2027, 3, 30)))
    assert dates == [date(2027, 3, d) for d in range(26, 31)]


def test_a_daily_cron_has_one_date_per_day_across_the_october_dst_switch() -> None:
    # Europe/Stockholm falls back on 2027-10-31 at 03:00: 02:30 happens twice.
    dates = list(
        scheduled_dates(Schedule(cron="30 2 * * *"), date(2027, 10, 29), date(2027, 11, 2))
    )
    assert dates == [date(2027, 10, 29), date(2027, 10, 30), date(2027, 10, 31),
                     date(2027, 11, 1), date(2027, 11, 2)]  # fmt: skip


def test_a_skipped_wall_clock_time_moves_forward_to_an_instant_that_exists() -> None:
    instant = moment(date(2027, 3, 28), time(2, 30), "Europe/Stockholm")
    assert instant.utcoffset() is not None
    assert instant.hour == 3 and instant.minute == 30


def test_the_doubled_hour_in_october_gives_one_instant() -> None:
    first = moment(date(2027, 10, 31), time(2, 30), "Europe/Stockholm")
    assert first.isoformat() == "2027-10-31T02:30:00+02:00"


def test_cron_weekdays_count_from_sunday_like_standard_cron() -> None:
    mondays = list(scheduled_dates(Schedule(cron="0 9 * * 1"), date(2027, 3, 1), date(2027, 3, 14)))
    assert mondays == [date(2027, 3, 1), date(2027, 3, 8)]
    sundays = list(scheduled_dates(Schedule(cron="0 9 * * 0"), date(2027, 3, 1), date(2027, 3, 14)))
    assert sundays == [date(2027, 3, 7), date(2027, 3, 14)]


def test_every_n_weeks_steps_from_the_anchor() -> None:
    rule = Schedule(every=parse_every("2 weeks", date(2027, 1, 4)))
    assert list(scheduled_dates(rule, date(2027, 1, 10), date(2027, 2, 15))) == [
        date(2027, 1, 18), date(2027, 2, 1), date(2027, 2, 15)
    ]  # fmt: skip


def test_monthly_rule_clamps_the_31st_to_the_end_of_shorter_months() -> None:
    rule = Schedule(every=Every(anchor=date(2027, 1, 31), months=1))
    assert list(scheduled_dates(rule, date(2027, 1, 1), date(2027, 4, 30))) == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)
    ]  # fmt: skip


def test_a_list_of_dates_yields_those_in_range_once() -> None:
    rule = Schedule(dates=(date(2027, 5, 1), date(2027, 2, 1), date(2027, 2, 1)))
    assert list(scheduled_dates(rule, date(2027, 1, 1), date(2027, 3, 1))) == [date(2027, 2, 1)]


def test_half_yearly_rule() -> None:
    rule = Schedule(every=parse_every("half-year", date(2026, 4, 1)))
    got = list(scheduled_dates(rule, date(2026, 1, 1), date(2027, 12, 31)))
    assert got == [date(2026, 4, 1), date(2026, 10, 1), date(2027, 4, 1), date(2027, 10, 1)]


def test_unknown_every_unit_is_rejected() -> None:
    with pytest.raises(ValueError, match="quarter"):
        parse_every("fortnightly", date(2027, 1, 1))
