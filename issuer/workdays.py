"""Working days (工作日) of mainland China: weekends, statutory holidays and the make-up
working days the State Council announces each year, from the `chinese-calendar` package.

The package knows the years whose arrangement has been published (2004-2026 in 1.11.0). For
a later year there is no arrangement yet; a day then counts as a working day when it is
Monday to Friday (`known_year` tells the caller which it was).
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def known_year(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        n += is_working_day(day)
    return n


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start`."""
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        n -= is_working_day(day)
    return day
