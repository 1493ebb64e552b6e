"""The one source of "now": aware UTC datetimes, replaceable in tests.

Services call `now()`; nothing calls `datetime.now()` directly, so tests can move time with
`frozen(dt)` or `set_clock(fn)` (the live server in e2e tests shares the same process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

_override: Callable[[], datetime] | None = None


def now() -> datetime:
    """Current time as an aware UTC datetime."""
    value = _override() if _override else datetime.now(UTC)
    return value.astimezone(UTC)


def set_clock(fn: Callable[[], datetime] | None) -> None:
    global _override
    _override = fn


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze time at `at` (aware) for the duration of the block."""
    previous = _override
    set_clock(lambda: at)
    try:
        yield
    finally:
        set_clock(previous)


def local_zone() -> tzinfo:
    name = current_app.config["PORTAL_TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_zone())


def local_now() -> datetime:
    return now().astimezone(local_zone())


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""
