"""Migrations create exactly the schema the models describe (on SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import make_config, scratch_database


@pytest.fixture
def fresh_database_url(tmp_path):
    with scratch_database(tmp_path, "migrated") as url:
        yield url


def _not_test_only(obj, name, type_, reflected, compare_to):
    """Test-only tables (prefix `test_`, e.g. the engine's demo form) have no migration."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return not (table is not None and table.name.startswith("test_"))


def test_migrations_match_models(fresh_database_url):
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=fresh_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            # Domains may hide hand-made objects (e.g. the search index's FTS tables) from
            # autogenerate; the comparison honours the same filter.
            domain_filter = app.extensions["migrate"].configure_args.get("include_object")

            def include(*args):
                return _not_test_only(*args) and (domain_filter is None or domain_filter(*args))

            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include}
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
