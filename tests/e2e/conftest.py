"""Browser tests: Debian's Chromium driven by pytest-playwright against a live server.

The server runs the real app (CSRF on) in a thread on a free loopback port, on its own
database (a SQLite file). They are skipped when DATABASE_URL is PostgreSQL (see below).
"""

from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import PortalTestClient, clear_database, make_config, scratch_database

# The browser tests run once, on SQLite: they test pages, and what the database does under them
# is tested on both databases by the rest of the suite. (CI's PostgreSQL pass would otherwise
# spend several of its 20 minutes clicking the same pages again.)
if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory):
    with scratch_database(tmp_path_factory.mktemp("e2e"), "e2e") as url:
        yield url


@pytest.fixture(scope="session")
def e2e_app(e2e_database_url, tmp_path_factory):
    app = create_app(
        make_config(
            TESTING=False,
            WTF_CSRF_ENABLED=True,
            SQLALCHEMY_DATABASE_URI=e2e_database_url,
            UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
        )
    )
    app.test_client_class = PortalTestClient
    with app.app_context():
        db.create_all()
        for hook in app.extensions.get("portal_schema_hooks", []):
            hook()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(e2e_app):
    """A fresh demo organisation per test module, served on a free port."""
    from tests.factories import standard_org

    with e2e_app.app_context():
        clear_database()
        standard_org()
        db.session.remove()
    server = make_server("127.0.0.1", 0, _buffered(e2e_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _buffered(app):
    """The app with each response read and closed before the server writes it.

    Werkzeug's development server skips closing a response (an open static file) when the
    browser resets the connection while the server drains the request; the file is then
    closed by the garbage collector, and its ResourceWarning fails a later test at random.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture
def e2e_db(e2e_app):
    """An app context on the live server's database, for setting up and checking data."""
    with e2e_app.app_context():
        yield db
        db.session.remove()


@pytest.fixture
def browser_login(page, live_server):
    def _login(username: str, password: str = "demo"):
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        return page

    return _login
