"""Business time in the portal's time zone: working hours, weekends and the holiday table.

Deadlines of "12 business hours" count only the minutes inside working hours on working days
(default 08:30–17:30, Monday–Friday; `Holiday` rows add days off and 调休 working weekends).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import select

from portal.core.clock import local_zone
from portal.core.models import Holiday
from portal.extensions import db

MAX_DAYS = 3660  # a deadline further than ten years out is a configuration error


def _hours() -> tuple[time, time]:
    config = current_app.config if has_app_context() else {}
    start = config.get("WORK_START", "08:30")
    end = config.get("WORK_END", "17:30")
    return time.fromisoformat(start), time.fromisoformat(end)


def _overrides() -> dict[date, bool]:
    """The holiday table, read once per request (a register computes a clock per row)."""
    # Kept on the request (an app context, and so `g`, may outlive one in tests and the CLI).
    if has_request_context() and "portal.holidays" in request.environ:
        return request.environ["portal.holidays"]
    overrides = {h.day: h.workday for h in db.session.scalars(select(Holiday))}
    if has_request_context():
        request.environ["portal.holidays"] = overrides
    return overrides


def holiday_overrides() -> dict[date, bool]:
    """Days off and 调休 working days of the holiday table (read once per request)."""
    return _overrides()


def _forget_overrides() -> None:
    if has_request_context():
        request.environ.pop("portal.holidays", None)


def is_workday(day: date, overrides: dict[date, bool] | None = None) -> bool:
    overrides = _overrides() if overrides is None else overrides
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def _window(day: date, tz) -> tuple[datetime, datetime]:
    start, end = _hours()
    return datetime.combine(day, start, tz), datetime.combine(day, end, tz)


def add_business_time(start: datetime, delta: timedelta) -> datetime:
    """The moment `delta` of working time after `start` (aware in, aware UTC-comparable out)."""
    tz = local_zone()
    current = start.astimezone(tz)
    remaining = delta
    overrides = _overrides()
    for _ in range(MAX_DAYS):
        day = current.date()
        if is_workday(day, overrides):
            open_, close = _window(day, tz)
            begin = max(current, open_)
            if begin < close:
                available = close - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        current = datetime.combine(day + timedelta(days=1), time(0), tz)
    raise ValueError("deadline out of range")


def business_time_between(start: datetime, end: datetime) -> timedelta:
    """Working time between two moments (zero when end <= start)."""
    if end <= start:
        return timedelta(0)
    tz = local_zone()
    current, end = start.astimezone(tz), end.astimezone(tz)
    total = timedelta(0)
    overrides = _overrides()
    while current < end:
        day = current.date()
        if is_workday(day, overrides):
            open_, close = _window(day, tz)
            begin, finish = max(current, open_), min(end, close)
            if finish > begin:
                total += finish - begin
        current = datetime.combine(day + timedelta(days=1), time(0), tz)
    return total


def add_workdays(start: datetime, count: int) -> datetime:
    """The end of the working day `count` working days after `start`'s day (weekends and the
    holiday table respected): "within 5 working days" of a Monday registration is next Monday
    at the end of the day."""
    tz = local_zone()
    day = start.astimezone(tz).date()
    overrides = _overrides()
    left = count
    for _ in range(MAX_DAYS):
        if left <= 0:
            return datetime.combine(day, _hours()[1], tz)
        day += timedelta(days=1)
        if is_workday(day, overrides):
            left -= 1
    raise ValueError("deadline out of range")


def add_time(start: datetime, delta: timedelta, business: bool) -> datetime:
    return add_business_time(start, delta) if business else start + delta


def time_between(start: datetime, end: datetime, business: bool) -> timedelta:
    if business:
        return business_time_between(start, end)
    return max(end - start, timedelta(0))


def list_holidays():
    return select(Holiday).order_by(Holiday.day.desc())


def save_holiday(day: date, name: str, workday: bool) -> Holiday:
    """Add or replace the entry for `day` (one row per day)."""
    row = db.session.scalar(select(Holiday).where(Holiday.day == day)) or Holiday(day=day)
    row.name, row.workday = name, workday
    db.session.add(row)
    db.session.flush()
    _forget_overrides()
    return row


def remove_holiday(row: Holiday) -> None:
    db.session.delete(row)
    db.session.flush()
    _forget_overrides()
