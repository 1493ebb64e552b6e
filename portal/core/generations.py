"""Per-worker caches of small tables that rarely change (the designed forms' versions, the
delegations in force), kept right on every node without a statement of their own.

Each cache has a *fingerprint*: a few aggregates over its table (e.g. the highest id and the
row count) that every write to it moves. The statement that loads the user at the start of a
request also reads every fingerprint (`columns()`, `remember()`), so a change committed on any
node is seen by the next request on every node. A cached value is used only when it was built
under the fingerprint this request read; a request that writes one of the tables itself (a
flush or a bulk statement touching it) stops using that cache until it ends. Without a
fingerprint (no logged-in user, the CLI) the value is built each time, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

ENVIRON = "portal.generations"
AHEAD = "portal.generations.ahead"


@dataclass(frozen=True)
class Generation:
    name: str
    aggregates: tuple  # scalar aggregates over one table, e.g. (func.max(T.id), func.count())
    tables: frozenset[str]  # the tables whose writes move the fingerprint


def register(app: Flask, name: str, aggregates: Iterable, models: Iterable) -> None:
    """Declare the cache `name`, valid while `aggregates` (over the tables of `models`) keep
    their values."""
    tables = frozenset(model.__table__.name for model in models)
    app.extensions.setdefault("portal_generations", {})[name] = Generation(
        name, tuple(aggregates), tables
    )


def _registered() -> dict[str, Generation]:
    return current_app.extensions.get("portal_generations", {})


def columns() -> list:
    """Scalar subqueries of every fingerprint, to add to the user's statement."""
    return [
        select(aggregate).scalar_subquery()
        for generation in _registered().values()
        for aggregate in generation.aggregates
    ]


def remember(values) -> None:
    """Keep for this request the fingerprints read with `columns()` (in the same order)."""
    if not has_request_context():
        return
    values = list(values)
    found, at = {}, 0
    for name, generation in _registered().items():
        size = len(generation.aggregates)
        found[name] = tuple(values[at : at + size])
        at += size
    request.environ[ENVIRON] = found


def current(name: str) -> tuple | None:
    """The fingerprint of `name` this request read, None when it has none (or wrote the table)."""
    if not has_request_context():
        return None
    return request.environ.get(ENVIRON, {}).get(name)


class Cold(LookupError):
    """Raised ahead of the fingerprints (`ahead()`) by a cache this worker has not filled yet."""


@contextmanager
def ahead() -> Iterator[dict]:
    """Use the worker's cached values before this request's fingerprints are read (to build
    SQL that runs in the same statement as the user's): `cached()` answers from the worker's
    copy whatever fingerprint it was built under, raising `Cold` when it has none, and notes
    that fingerprint in the dict yielded. `confirm()` it once the fingerprints are read."""
    used: dict = {}
    request.environ[AHEAD] = used
    try:
        yield used
    finally:
        request.environ.pop(AHEAD, None)


def speculating() -> bool:
    """Inside `ahead()`: values built now must not be memoised for the request."""
    return has_request_context() and AHEAD in request.environ


def confirm(used: dict) -> bool:
    """Were the copies used ahead built under the fingerprints this request read?"""
    return all(current(name) == fingerprint for name, fingerprint in used.items())


def cached(name: str, build: Callable[[], Any], *, key: Any = None) -> Any:
    """`build()`, computed once per worker for the fingerprint of `name` (and `key`, for a value
    that also depends on e.g. the day). The value is shared by threads: callers must not change
    it."""
    if speculating():
        entry = current_app.extensions.get("portal_generation_values", {}).get(name)
        if entry is None or entry[0][1] != key:
            raise Cold(name)
        request.environ[AHEAD][name] = entry[0][0]
        return entry[1]
    fingerprint = current(name)
    if fingerprint is None:
        return build()
    store = current_app.extensions.setdefault("portal_generation_values", {})
    wanted = (fingerprint, key)
    entry = store.get(name)
    if entry is not None and entry[0] == wanted:
        return entry[1]
    value = build()
    store[name] = (wanted, value)
    return value


def _forget(tables: set[str]) -> None:
    if not tables or not has_request_context():
        return
    found = request.environ.get(ENVIRON)
    if not found:
        return
    for name, generation in _registered().items():
        if name in found and generation.tables & tables:
            found.pop(name)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    if not has_request_context() or not request.environ.get(ENVIRON):
        return
    tables = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__table__", None)
        if table is not None:
            tables.add(table.name)
    _forget(tables)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and has_request_context():
        table = getattr(state.statement, "table", None)
        if table is not None and hasattr(table, "name"):
            _forget({table.name})
