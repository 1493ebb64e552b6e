"""On PostgreSQL the judged queries give the same items in the same order as on SQLite (run
with scripts/with-postgres.sh; skipped on SQLite, where there is nothing to compare)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.procedures import search
from tests.conftest import DATABASE_URL, make_config
from tests.search import judged
from tests.search.corpus import library_app, load_library, needs_seeds

pytestmark = [
    needs_seeds,
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgresql"), reason="compares PostgreSQL with SQLite"
    ),
]


def ranked_on_sqlite(tmp_path) -> dict[str, list[str]]:
    from portal import create_app

    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'lite.db'}"))
    with app.app_context(), app.test_request_context():
        db.create_all()
        for hook in app.extensions.get("portal_schema_hooks", []):
            hook()
        load_library()
        ranked = {j.q: judged.item_keys(search.query(j.q)) for j in judged.load()}
        db.session.remove()
        db.engine.dispose()
    return ranked


def test_the_judged_queries_rank_alike_on_both_databases(_schema, tmp_path):
    expected = ranked_on_sqlite(tmp_path)
    with library_app() as app, app.test_request_context():
        assert db.engine.dialect.name == "postgresql"
        got = {j.q: judged.item_keys(search.query(j.q)) for j in judged.load()}
        mrr, p3, _ = judged.evaluate(lambda q: judged.item_keys(search.query(q)))
    different = [q for q in expected if got[q] != expected[q]]
    assert not different, [(q, got[q][:5], expected[q][:5]) for q in different]
    assert mrr >= 0.9 and p3 >= 0.8
