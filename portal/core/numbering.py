"""Gapless record numbers: PREFIX-YYYYMM-NNNN, assigned inside the caller's transaction.

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


def next_number(prefix: str, period: str | None = None, width: int = 4) -> str:
    """Take the next number of the series; the caller's commit makes it final."""
    period = period or local_now().strftime("%Y%m")
    _ensure_series(prefix, period)
    value = db.session.execute(
        update(NumberSeries)
        .where(NumberSeries.prefix == prefix, NumberSeries.period == period)
        .values(last_value=NumberSeries.last_value + 1)
        .returning(NumberSeries.last_value)
    ).scalar_one()
    return f"{prefix}-{period}-{value:0{width}d}"
