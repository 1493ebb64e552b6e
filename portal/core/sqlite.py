"""SQLite connection setup: WAL, busy timeout, foreign keys, and write transactions that
take the write lock up front.

pysqlite starts transactions lazily and SQLite refuses (SQLITE_BUSY, without waiting) to upgrade
a read transaction to a write when another writer got there first. So requests that write
(POST and friends) and code inside `write_intent()` begin with BEGIN IMMEDIATE and queue on the
busy timeout instead; reads begin with a plain BEGIN and run beside the writer under WAL.
This is SQLAlchemy's documented recipe for pysqlite transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@contextmanager
def write_intent() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock at BEGIN."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _wants_write() -> bool:
    if _write_intent.get():
        return True
    return has_request_context() and request.method in WRITE_METHODS


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")
