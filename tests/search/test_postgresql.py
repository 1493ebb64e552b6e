"""On PostgreSQL the judged queries give the same items in the same order as on SQLite (run
with scripts/with-postgres.sh; skipped on SQLite, where there is nothing to compare)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.search import index as search
from portal.search.text import parse_query
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


def test_terms_of_any_length_can_use_an_index(_schema):
    """1–2 character terms through the character-pair index, longer ones through pg_trgm: with
    sequential and plain index scans priced out, the matching query's plan names the one."""
    plans = {}
    with library_app() as app, app.test_request_context():
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
        for q in ["章", "客户", "印章 审批", "客户投诉"]:
            stmt = search._matching(parse_query(q), search._filters(None, None, False))
            sql = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
            rows = connection.exec_driver_sql(f"EXPLAIN {sql}")
            plans[q] = "\n".join(row[0] for row in rows)
        db.session.rollback()
    for q, plan in plans.items():
        short = min(map(len, parse_query(q))) < 3
        assert (search.PG_GRAMS_INDEX if short else search.PG_TRGM_INDEX) in plan, plan
