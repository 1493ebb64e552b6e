"""The checks behind /healthz and /readyz; each answers a short word, never connection details."""

from __future__ import annotations

import logging
from functools import cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from portal.config import BASE_DIR
from portal.extensions import db

logger = logging.getLogger(__name__)


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(BASE_DIR / "migrations"))


@cache
def expected_heads() -> frozenset[str]:
    """The migration heads this code expects (read once per process)."""
    return frozenset(_script().get_heads())


def _known(revision: str) -> bool:
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # alembic raises for a revision it has no file for
        return False


def database() -> dict:
    """Reachable, and at the migrations this code expects: {"database", "migrations", ...}."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except Exception:  # any driver error means the same to a load balancer
        logger.warning("health: database unreachable", exc_info=True)
        return {"database": "unreachable"}
    result = {"database": "ok", "revision": ",".join(sorted(current)) or None}
    if current == expected_heads():
        result["migrations"] = "current"
    elif not current:
        result["migrations"] = "not applied"
    elif not all(_known(revision) for revision in current):
        # Migrated by newer code during a rolling upgrade: this node keeps serving until it is
        # upgraded too (docs/operations.md, "Several nodes").
        result["migrations"] = "ahead"
    else:
        result["migrations"] = "behind"
    return result


def healthy(checks: dict) -> bool:
    return (
        checks.get("database") == "ok"
        and checks.get("migrations") in {"current", "ahead"}
        and checks.get("storage", "ok") == "ok"
    )
