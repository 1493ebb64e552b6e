"""Scheduled jobs that every node may run at once (cron or a systemd timer on each node).

Each job runs in a transaction of its own under a lock: on PostgreSQL a transaction-level
advisory lock named after the job, and a run that finds it taken skips the job (the other node
is doing it); on SQLite the transaction begins with BEGIN IMMEDIATE, so a second run waits for
the first and then finds nothing left to do. Neither errors because another run got there first.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.core.sqlite import write_intent
from portal.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")


class Skipped(Exception):
    """Another run holds this job's lock."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_xact_lock."""
    return int.from_bytes(hashlib.sha256(f"portal.job:{name}".encode()).digest()[:8], signed=True)


def _try_lock(name: str) -> bool:
    """Held until the transaction ends; taken as its first statement, so what the job then
    reads (READ COMMITTED) includes everything the previous holder committed."""
    return db.session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name))))


def run_job(name: str, job: Callable[[], T]) -> T:
    """Run `job()` in its own transaction under the job's lock and commit; raises `Skipped` when
    another run holds the lock. Commits the session's open transaction first."""
    db.session.commit()
    try:
        with write_intent():
            if db.session.get_bind().dialect.name == "postgresql" and not _try_lock(name):
                raise Skipped(name)
            value = job()
            db.session.commit()
    except Skipped:
        db.session.rollback()
        log.info("job %s skipped: another run holds its lock", name)
        raise
    except OperationalError as exc:
        db.session.rollback()
        if "locked" not in str(exc.orig):  # SQLite's busy timeout ran out behind a long run
            raise
        raise Skipped(name) from exc
    except BaseException:
        db.session.rollback()
        raise
    return value
