"""Shared fixtures: app, client, runner, login helper, the standard organisation.

The database is created once per session (SQLite file in a temp dir, or DATABASE_URL when it
points at PostgreSQL) and emptied after every test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"

_tmp = tempfile.mkdtemp(prefix="portal-tests-")
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{_tmp}/test.db"


@contextmanager
def scratch_database(folder: Path, prefix: str) -> Iterator[str]:
    """A database of the same kind as the suite's, empty, dropped afterwards: a SQLite file in
    `folder`, or a new PostgreSQL database on the DATABASE_URL server."""
    url = make_url(DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{folder / f'{prefix}.db'}"
        return
    name = f"portal_{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def make_config(**overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": os.path.join(_tmp, "uploads"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "SERVER_NAME": None,
        "MAIL_SERVER": "",
    }
    config.update(overrides)
    return config


def clear_database() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        _clear_postgresql(tables)
    else:
        # Checked at commit, once every table is empty (departments and users point at each other).
        db.session.execute(text("PRAGMA defer_foreign_keys=ON"))
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def _clear_postgresql(tables) -> None:
    """Empty every table and restart every id at 1. TRUNCATE ... CASCADE of every table cost
    90-350 ms a test (most of the PostgreSQL pass's overhead); deleting the rows of the tables
    that hold any, with foreign keys unchecked for the transaction (a superuser's
    session_replication_role, as the test cluster of scripts/with-postgres.sh has), costs about
    15 ms. Without superuser rights, TRUNCATE as before."""
    if db.session.scalar(text("SELECT current_setting('is_superuser')")) != "on":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    holding = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
    )
    names = list(db.session.scalars(text(holding)))
    db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for name in names:
        db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.execute(
        text(
            "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
            "FROM pg_sequences WHERE last_value IS NOT NULL"
        )
    )


@pytest.fixture(scope="session")
def _schema():
    app = create_app(make_config())
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # also tables of test modules not loaded now
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.drop_all()
        db.create_all()
        _extra_schema()
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _extra_schema() -> None:
    """Objects outside the ORM metadata (e.g. search indexes) that domains create."""
    from flask import current_app

    for hook in current_app.extensions.get("portal_schema_hooks", []):
        hook()


class PortalTestClient(FlaskClient):
    """Tests hold an app context, so `g` outlives a request; drop Flask-Login's per-request
    user cache so each request loads its own user, as it does in production."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@contextmanager
def _test_app():
    app = create_app(make_config())
    app.test_client_class = PortalTestClient
    with app.app_context():
        yield app
        db.session.remove()
        clear_database()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(_schema):
    with _test_app() as app:
        yield app


@pytest.fixture(scope="module")
def module_app(_schema):
    """One app and database for a whole module, emptied after its last test. A module whose
    tests can share rows (they only read what a module-scoped fixture builds once, such as the
    demo data, or each builds its own) overrides `app` with it, so `client`, `login` and the
    other fixtures use it too:

        @pytest.fixture(scope="module")
        def app(module_app):
            return module_app
    """
    with _test_app() as app:
        yield app


@pytest.fixture
def make_app(_schema):
    """make_app(**config) -> another app on the test database (e.g. with CSRF on); its engine
    is disposed afterwards, so no connection outlives the test."""
    apps = []

    def _make(**overrides):
        other = create_app(make_config(**overrides))
        other.test_client_class = PortalTestClient
        apps.append(other)
        return other

    yield _make
    for other in apps:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def org(app):
    """The standard organisation (same as the demo): users by username."""
    from tests.factories import standard_org

    return standard_org()


class Auth:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = "demo"):
        return self._client.post("/login", data={"username": username, "password": password})

    def as_user(self, user) -> None:
        """Log in without the form (fast path for access tests)."""
        from portal.auth import sessions

        with self._client.session_transaction() as session:
            sessions.stamp(session, user)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login(client, org):
    """login("employee") logs the test client in as that standard user and returns it."""
    auth = Auth(client)

    def _login(username: str):
        auth.as_user(org[username])
        return org[username]

    return _login


# --- browsers: Debian's Chromium for pytest-playwright (no browser download) ---


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "accept_downloads": True,
    }


@pytest.fixture(scope="session")
def base_url():
    """Overrides pytest-base-url's fixture, whose instance-method form pytest 9 deprecates;
    tests build absolute URLs from `live_server`."""
    return None


# --- statement counting: the query budget of a page (tests/perf/) ---

_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@pytest.fixture
def count_queries(app):
    """`with count_queries() as seen:` collects the SQL statements run inside the block
    (transaction control such as SQLite's explicit BEGIN left out: PostgreSQL's driver sends it
    outside the cursor). The worker's kept pages are forgotten first, so a page's statements are
    those of rendering it; `count_queries(kept=True)` leaves them (core/pagecache.py)."""
    from sqlalchemy import event

    from portal.core import pagecache

    @contextmanager
    def _count(kept: bool = False) -> Iterator[list[str]]:
        seen: list[str] = []
        if not kept:
            pagecache.clear(app)

        def record(_conn, _cursor, statement, *_):
            if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return _count


# Tests whose outcome cannot depend on the kind of database: pure text functions (the importer,
# Markdown), and renderers and writers of data already read (PDF, XLSX, CSV, the static export and
# its offline search). CI runs the suite on SQLite and again on PostgreSQL; these run on the
# SQLite pass only, which keeps the PostgreSQL pass within its time (the browser tests likewise,
# tests/e2e/conftest.py). Paths relative to tests/, as fnmatch patterns.
ONCE = (
    "procedures/test_importer_*.py",
    "procedures/test_markdown.py",
    "procedures/test_export_static.py",
    "procedures/test_static_search.py",
    "procedures/test_pdf_procedure.py",
    "search/test_offline_ranking.py",
    "pdf/test_*.py",
    "perf/test_register_pdf.py",
    "core/test_csv_safety.py",
    "core/test_xlsx.py",
)


def pytest_collection_modifyitems(config, items):
    if not DATABASE_URL.startswith("postgresql"):
        return
    from fnmatch import fnmatch

    tests = Path(__file__).resolve().parent

    def once(item) -> bool:
        where = Path(str(item.path)).resolve()
        return where.is_relative_to(tests) and any(
            fnmatch(where.relative_to(tests).as_posix(), pattern) for pattern in ONCE
        )

    skipped = [item for item in items if once(item)]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if not once(item)]
