"""Load what a page's rows point at in one statement per table, not one per row.

A register or record page loads its rows (with their one-to-many children eagerly); the people
and departments they name (applicant, approver, keeper, ...) are few and repeat. `referenced()`
collects the foreign keys to those tables from every object the session holds and loads the
missing targets at once; SQLAlchemy then resolves `row.applicant` from the identity map without
SQL. The identity map holds objects weakly, so the loaded objects are kept for the request.
"""

from __future__ import annotations

from functools import cache

from flask import has_request_context, request
from sqlalchemy import inspect, select

from portal.extensions import db


@cache
def _keys(mapper, table) -> tuple[str, ...]:
    """Attribute names of `mapper`'s columns that are foreign keys to `table`'s primary key."""
    keys = []
    for column in mapper.columns:
        if any(fk.column.table is table for fk in column.foreign_keys):
            keys.append(mapper.get_property_by_column(column).key)
    return tuple(keys)


def referenced(*models) -> list:
    """Load the rows of `models` (in order) that objects in the session refer to; returns them
    (also kept for the request)."""
    session = db.session
    loaded: list = []
    for model in models:
        table = model.__table__
        wanted: set = set()
        present: set = set()
        for obj in list(session.identity_map.values()):
            state = inspect(obj)
            if state.mapper.class_ is model:
                present.add(state.identity[0])
            values = state.dict
            for key in _keys(state.mapper, table):
                value = values.get(key)
                if value is not None:
                    wanted.add(value)
        missing = wanted - present
        if missing:
            key = model.__mapper__.primary_key[0]
            loaded.extend(session.scalars(select(model).where(key.in_(sorted(missing)))).all())
    keep(loaded)
    return loaded


def keep(objects) -> None:
    """Hold objects for the request, so that lazy loads of them use the identity map."""
    if has_request_context():
        request.environ.setdefault("portal.prefetched", []).extend(objects)
