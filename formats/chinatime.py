"""Time on the wire: UTC instants as ``…Z`` strings, certificate dates as China calendar days.

Validity dates are calendar days in Beijing time (UTC+8, no daylight saving since 1991). The
store keeps ``valid_to`` as the exclusive end instant: the start of the China day after the
last valid one.
"""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time."""


def require_utc(now: dt.datetime) -> None:
    """ValueError unless `now` is an aware datetime (any offset; it is compared as an instant)."""
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")


def utc_z(t: dt.datetime) -> str:
    """``2026-11-29T08:00:00Z`` (whole seconds)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("naive datetime")
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc_z(value: object) -> dt.datetime:
    """The instant of a ``…Z`` string; ValueError for anything else."""
    if not isinstance(value, str) or not value.endswith("Z") or len(value) > 40:
        raise ValueError("not a UTC timestamp")
    return dt.datetime.fromisoformat(value[:-1] + "+00:00").astimezone(dt.UTC)


def china_date(t: dt.datetime) -> dt.date:
    """The calendar date in China of an aware instant."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("naive datetime")
    return t.astimezone(CHINA).date()


def day_start_utc(d: dt.date) -> dt.datetime:
    """The instant (UTC) China day `d` starts."""
    return dt.datetime(d.year, d.month, d.day, tzinfo=CHINA).astimezone(dt.UTC)


def end_of_day_utc(d: dt.date) -> dt.datetime:
    """The instant a certificate valid *through* date `d` (China time) stops being valid."""
    return day_start_utc(d + dt.timedelta(days=1))


def valid_to_date(valid_to: dt.datetime | None) -> dt.date | None:
    """The last valid China day of a stored exclusive end instant (None: no end)."""
    return None if valid_to is None else china_date(valid_to - dt.timedelta(microseconds=1))


def beijing_text(t: dt.datetime) -> str:
    """``2026-11-30 10:20:00 北京时间``: an instant as shown to people, the zone named."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("naive datetime")
    return t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") + " 北京时间"
