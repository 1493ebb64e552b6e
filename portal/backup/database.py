"""The database half of a backup: a consistent copy out of, and back into, the configured
database. SQLite goes through the online backup API; PostgreSQL through pg_dump in custom
format and pg_restore, run with the DATABASE_URL's connection parameters."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, literal, select, text
from sqlalchemy.engine import URL

from portal.core import pagecache
from portal.extensions import db

# The file name of the database inside the archive, by dialect.
MEMBERS = {"sqlite": "database/portal.sqlite3", "postgresql": "database/portal.dump"}


class DatabaseError(RuntimeError):
    """A dump or restore failed; the message says why."""


def dialect() -> str:
    name = db.engine.dialect.name
    if name not in MEMBERS:
        raise DatabaseError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def has_data() -> bool:
    """Whether any of the portal's tables holds a row (search index tables, Alembic's version
    row and the page cache's generation do not count: a freshly migrated database is empty)."""
    existing = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if (
                table.name in existing
                and table.name != pagecache.TABLE
                and conn.execute(select(literal(1)).select_from(table).limit(1)).first()
            ):
                return True
    return False


def revision() -> str | None:
    """The Alembic revision the database is at, when it was created by migrations."""
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def release() -> None:
    """Close this process's connections: a restore replaces tables (PostgreSQL) or the file
    (SQLite) under them, and a pooled connection must not keep stale plans or locks."""
    db.session.remove()
    db.engine.dispose()


def dump(target: Path) -> None:
    """Write a consistent copy of the database to `target`."""
    url = db.engine.url
    if dialect() == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise DatabaseError(f"the SQLite database {source} does not exist")
        _sqlite_copy(source, target)
    else:
        # pg_dump reads one snapshot (a repeatable-read transaction): consistent while the
        # portal runs.
        _run_pg("pg_dump", url, ["--format=custom", f"--file={target}"])


def restore(source: Path) -> None:
    """Replace the database's content with the copy in `source` (made by `dump`)."""
    url = db.engine.url
    release()
    if dialect() == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
    else:
        # One transaction: a failed restore leaves the database as it was.
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run_pg("pg_restore", url, [*options, str(source)])
    release()
    pagecache.renew()  # the copy's generation is older than pages kept since it was made


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise DatabaseError("backups need a SQLite database file, not an in-memory database")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Page-by-page copy through SQLite's online backup API: consistent while others write,
    and correct into a target in WAL mode that others have open (they see the new content)."""
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"SQLite backup from {source} to {target} failed: {exc}") from exc
    finally:
        src.close()


def _conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the URL (host, port, user, database and any query
    parameters such as sslmode) and the environment carrying the password, so that it never
    appears on a command line."""

    def quoted(value) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():
        params[key] = ",".join(value) if isinstance(value, tuple) else value
    conninfo = " ".join(f"{key}={quoted(value)}" for key, value in params.items() if value)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run_pg(program: str, url: URL, args: list[str]) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise DatabaseError(
            f"{program} not found: install the PostgreSQL client (scripts/sysdeps.sh run)"
        )
    conninfo, env = _conninfo(url)
    result = subprocess.run(
        [executable, "--no-password", f"--dbname={conninfo}", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DatabaseError(f"{program} failed: {result.stderr.strip() or result.returncode}")
