"""Row locks that serialise writers the same way on PostgreSQL and SQLite.

`lock_row(model, pk)` takes the row's lock for the rest of the transaction and re-reads it:
`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite a no-op UPDATE of the row, which takes the
database's write lock (a transaction whose snapshot is already stale fails at once with
`Busy`, which callers turn into a clean refusal). A concurrent writer of the same row waits,
then sees this transaction's result.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from portal.extensions import db


class Busy(Exception):
    """Another writer got there first (SQLite); the caller refuses with a clear message."""


def lock_row(model, pk, bump=None):
    """Lock and re-read the `model` row with primary key `pk`; returns it (None if missing).
    `bump`: a column to increment under the lock (a version), instead of a no-op update."""
    db.session.flush()
    key = model.__mapper__.primary_key[0]
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(select(key).where(key == pk).with_for_update()).all()
        value = {bump.key: bump + 1} if bump is not None else {key.key: key}
        db.session.execute(
            update(model)
            .where(key == pk)
            .values(value)
            .execution_options(synchronize_session=False)
        )
    except OperationalError as exc:
        raise Busy(str(exc)) from exc
    query = select(model).where(key == pk).execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()
