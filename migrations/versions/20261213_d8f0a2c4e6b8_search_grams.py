"""search grams: on PostgreSQL, a GIN index over each clause body's characters and pairs

pg_trgm cannot narrow 1–2 character terms, so they scanned search_clauses. The function and the
expression index are not ORM objects (`search.include_object` skips the index); the SQL is copied
here on purpose, as in the search index migration. Nothing changes on SQLite.

Revision ID: d8f0a2c4e6b8
Revises: c4e6a8d0f2b4
Create Date: 2026-12-13 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd8f0a2c4e6b8'
down_revision = 'c4e6a8d0f2b4'
branch_labels = None
depends_on = None

UPGRADE = (
    "CREATE OR REPLACE FUNCTION search_grams(body text) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_agg(DISTINCT g), '{}') FROM ("
    "SELECT substr(body, i, 1) FROM generate_series(1, char_length(body)) AS i UNION "
    "SELECT substr(body, i, 2) FROM generate_series(1, char_length(body) - 1) AS i"
    ") AS grams(g) $$",
    "CREATE INDEX IF NOT EXISTS ix_search_clauses_body_grams ON search_clauses "
    "USING gin (search_grams(body))",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_clauses_body_grams")
        op.execute("DROP FUNCTION IF EXISTS search_grams(text)")
