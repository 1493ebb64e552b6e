"""/healthz (database reachable, migrations current) and /readyz (also the file storage) for a
load balancer: public, JSON, 200 or 503, never a 500 or a login redirect."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import stamp

from portal.config import BASE_DIR
from portal.extensions import db
from tests.conftest import scratch_database

HEAD = ScriptDirectory(str(BASE_DIR / "migrations")).get_current_head()
BEFORE_HEAD = ScriptDirectory(str(BASE_DIR / "migrations")).get_revision(HEAD).down_revision


@pytest.fixture
def node(make_app, tmp_path):
    """An app on an empty database of its own (the suite's is made by create_all, unstamped)."""
    with scratch_database(tmp_path, "health") as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "uploads"))
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def _get(app, url):
    with app.test_client() as client:
        response = client.get(url)
    return response.status_code, response.get_json(), response


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_current_migrations_answer_200(node, url):
    stamp(revision="head")
    status, body, response = _get(node, url)
    assert status == 200 and body["status"] == "ok", body
    assert body["database"] == "ok" and body["migrations"] == "current"
    assert body["revision"] == HEAD
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_unmigrated_or_behind_answers_503(node, url):
    status, body, _ = _get(node, url)
    assert (status, body["status"], body["migrations"]) == (503, "error", "not applied")
    stamp(revision=BEFORE_HEAD)
    status, body, _ = _get(node, url)
    assert (status, body["migrations"], body["revision"]) == (503, "behind", BEFORE_HEAD)


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_database_migrated_by_newer_code_keeps_the_node_in_service(node, url):
    """A rolling upgrade: `flask db upgrade` ran from a node with the next release; this node's
    older code still serves (migrations stay compatible one release back) and says so."""
    stamp(revision="head")
    db.session.execute(db.text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
    db.session.commit()
    status, body, _ = _get(node, url)
    assert (status, body["migrations"], body["revision"]) == (200, "ahead", "f00dfeedbeef")


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_unreachable_database_answers_503_not_500(make_app, url):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with app.app_context():
        status, body, _ = _get(app, url)
        db.engine.dispose()
    assert (status, body["status"], body["database"]) == (503, "error", "unreachable")
    assert "127.0.0.1" not in str(body)  # no connection details to an anonymous caller


def test_readyz_checks_the_file_storage(node, tmp_path):
    stamp(revision="head")
    upload_dir = tmp_path / "uploads"
    upload_dir.rmdir()
    upload_dir.write_text("not a folder")  # the shared mount is gone or replaced
    status, body, _ = _get(node, "/readyz")
    assert (status, body["storage"]) == (503, "unavailable"), body
    assert _get(node, "/healthz")[0] == 200  # the node itself is healthy


@pytest.mark.parametrize(
    ("query", "expected"),
    [("?database=down&status=ok", 200), ("?" + "a=1&" * 500, 200), ("?x=%00", 400)],
)
def test_query_strings_change_nothing(node, query, expected):
    """Junk is ignored; a NUL byte gets the portal's usual 400 (core/guards.py), never a 5xx."""
    stamp(revision="head")
    for url in ("/healthz", "/readyz"):
        with node.test_client() as client:
            response = client.get(url + query)
        assert response.status_code == expected, (url, query)
