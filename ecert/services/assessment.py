"""Statistics for assessment (Art. 23) over HTTP and CSV: audit_log.assessment counts the log;
this adds the objections' answer times against the 5 working days and the names of
departments and types (people read names, not codes)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import chinese_calendar

from audit_log.assessment import ACTIONS, MEASURES, Tally, month_of
from formats.chinatime import china_date, day_start_utc
from formats.errors import InvalidInput
from formats.text import csv_row

if TYPE_CHECKING:
    from ecert.platform import Platform

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 120


@dataclass(frozen=True)
class NamedRow:
    dept_code: str
    dept_name: str
    type_code: str
    type_name: str
    month: str
    counts: Mapping[str, int]
    mean_answer_workdays: float | None  # of the objections answered, filed that month


def window(since: str, until: str) -> tuple[dt.datetime, dt.datetime]:
    """[first instant of month `since`, first instant after month `until`), China time."""
    bounds = []
    for field, value in (("since", since), ("until", until)):
        m = MONTH.match(value or "")
        if not m:
            raise InvalidInput("月份格式应为 YYYY-MM / months are YYYY-MM",
                               errors=[{"field": field, "message": "YYYY-MM"}])
        bounds.append((int(m[1]), int(m[2])))
    (y0, m0), (y1, m1) = bounds
    span = (y1 - y0) * 12 + m1 - m0
    if not 0 <= span < MAX_MONTHS:
        raise InvalidInput("截止月份须不早于起始月份，且跨度不超过十年 / until must not precede "
                           "since, within ten years", errors=[{"field": "until", "message": "range"}])
    end = dt.date(y1 + m1 // 12, m1 % 12 + 1, 1)
    return day_start_utc(dt.date(y0, m0, 1)), day_start_utc(end)


def _workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar has no data for yet: weekdays
        return day.weekday() < 5


def workdays_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days after the day of `start`, up to and including the day of `end` (China)."""
    a, b = china_date(start), china_date(end)
    return sum(_workday(a + dt.timedelta(days=i)) for i in range(1, (b - a).days + 1))


def assessment(p: Platform, since: str, until: str, dept: str | None = None) -> list[NamedRow]:
    start, end = window(since, until)
    tally = Tally()
    answer_days: dict[tuple[str, str, str], list[int]] = {}
    with p.store.transaction() as uow:
        tally.add_entries(uow.audit.iter_window(start, end, ACTIONS))
        for obj, type_code, issuer in uow.objections.filed_between(start, end):
            key = (issuer, type_code, month_of(obj.filed_at))
            tally.add(*key, "objections")
            if obj.answered_at is not None:
                tally.add(*key, "objections_answered")
                if obj.answered_at <= obj.due_at:
                    tally.add(*key, "objections_on_time")
                answer_days.setdefault(key, []).append(
                    workdays_between(obj.filed_at, obj.answered_at))
        depts = {d.code: d.name for d in uow.departments.all_departments()}
        types = {t.type_code: t.name for t in p.catalog.list(uow)}
    out = []
    for row in tally.rows():
        if dept is not None and row.dept_code != dept:
            continue
        days = answer_days.get((row.dept_code, row.type_code, row.month))
        out.append(NamedRow(row.dept_code, depts.get(row.dept_code, row.dept_code),
                            row.type_code, types.get(row.type_code, row.type_code), row.month,
                            row.counts, round(sum(days) / len(days), 1) if days else None))
    return out


def assessment_csv(rows: list[NamedRow]) -> bytes:
    """UTF-8 with BOM (spreadsheet programs), Chinese headers, formula prefixes neutralised."""
    buf = io.StringIO()
    fields = ["dept_code", "dept_name", "type_code", "type_name", "month", *MEASURES,
              "mean_answer_workdays"]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow(csv_row({"dept_code": r.dept_code, "dept_name": r.dept_name,
                            "type_code": r.type_code, "type_name": r.type_name,
                            "month": r.month, **r.counts,
                            "mean_answer_workdays": "" if r.mean_answer_workdays is None
                            else r.mean_answer_workdays}))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
