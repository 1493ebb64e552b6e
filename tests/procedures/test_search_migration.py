"""The search migration: its downgrade removes every search object, and its upgrade indexes the
clauses already stored, giving the same index (and results) as indexing them one by one."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from portal import create_app
from portal.extensions import db
from portal.procedures import services
from portal.procedures.models import SearchClause
from portal.search import index as search
from tests.conftest import make_config
from tests.core.test_migrations import fresh_database_url  # noqa: F401  (a fixture)

BEFORE_SEARCH = "72283019af17"  # seals and complaints


def ids(q: str) -> list:
    return [(hit.clause_id, hit.url) for hit in search.query(q, limit=None).ranked]


def index_rows():
    return db.session.execute(select(SearchClause.__table__).order_by("clause_id")).all()


def test_upgrade_indexes_existing_clauses(fresh_database_url):  # noqa: F811
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        upgrade()
        services.load_markdown_dir()
        db.session.commit()
        indexed = index_rows()
        found = {q: ids(q) for q in ("客户 投诉", "章", "售后服务")}
        assert len(indexed) > 300 and all(found.values())
        db.session.remove()

        downgrade(revision=BEFORE_SEARCH)
        names = set(inspect(db.engine).get_table_names())
        assert not {n for n in names if n.startswith("search_")}

        upgrade()
        assert index_rows() == indexed
        assert {q: ids(q) for q in found} == found  # FTS tables filled too (SQLite)
        db.session.remove()
        db.engine.dispose()
