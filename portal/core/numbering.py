"""Gapless record numbers (PREFIX-YYYYMM-NNNN, PREFIX-YYYY-CAT-NNNN, PREFIX-NNNN), assigned inside
the caller's transaction.

The increment is one UPDATE ... RETURNING on the series row, so concurrent submits serialise on
that row (PostgreSQL row lock, SQLite's write lock) and a rolled-back submit gives its number back.
"""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.core.clock import local_now
from portal.core.models import NumberSeries
from portal.extensions import db


def _ensure_series(prefix: str, period: str) -> None:
    dialect = db.session.get_bind().dialect.name
    values = {"prefix": prefix, "period": period, "last_value": 0}
    if dialect == "postgresql":
        stmt = pg_insert(NumberSeries).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(NumberSeries).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(NumberSeries).values(**values)
    db.session.execute(stmt)


PERIODS = {"month": "%Y%m", "year": "%Y", "none": ""}


def _take(series: str, period: str) -> int:
    _ensure_series(series, period)
    return db.session.execute(
        update(NumberSeries)
        .where(NumberSeries.prefix == series, NumberSeries.period == period)
        .values(last_value=NumberSeries.last_value + 1)
        .returning(NumberSeries.last_value)
    ).scalar_one()


def next_number(prefix: str, period: str | None = None, width: int = 4) -> str:
    """Take the next number of the monthly series; the caller's commit makes it final."""
    period = period or local_now().strftime("%Y%m")
    return f"{prefix}-{period}-{_take(prefix, period):0{width}d}"


def next_in_series(prefix: str, period: str = "month", category: str = "", width: int = 4) -> str:
    """The next number of the series `prefix` (+ `category`, a series of its own) in the current
    period: "month" -> DA-202611-0001, "year" -> DA-2026-HT-0001, "none" -> GD-0001."""
    stamp = PERIODS[period]
    current = local_now().strftime(stamp) if stamp else ""
    series = f"{prefix}-{category}" if category else prefix
    value = _take(series, current)
    return "-".join(part for part in (prefix, current, category, f"{value:0{width}d}") if part)
