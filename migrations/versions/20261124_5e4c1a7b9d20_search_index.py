"""search index: search_clauses, and per database its FTS5 tables or pg_trgm index

Written by hand (see portal/procedures/search.py and docs/decisions/005-search.md): the FTS5
virtual tables, their delete trigger and the pg_trgm GIN index are not ORM objects, so
autogenerate neither creates nor compares them (`search.include_object`). The upgrade also
indexes the clauses that already exist. The SQL and the text rules are copied here on purpose,
so that this migration keeps doing what it did when search.py changes.

Revision ID: 5e4c1a7b9d20
Revises: 72283019af17
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e4c1a7b9d20'
down_revision = '72283019af17'
branch_labels = None
depends_on = None

SQLITE_OBJECTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_trigram USING fts5(body, "
    "content='search_clauses', content_rowid='clause_id', tokenize='trigram case_sensitive 1')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_chars USING fts5(body, "
    "tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* P* S* M* C*'\", columnsize=0)",
    "CREATE TRIGGER IF NOT EXISTS search_clauses_fts_delete AFTER DELETE ON search_clauses BEGIN "
    "INSERT INTO search_fts_trigram(search_fts_trigram, rowid, body) "
    "VALUES ('delete', old.clause_id, old.body); "
    "DELETE FROM search_fts_chars WHERE rowid = old.clause_id; END",
)
POSTGRESQL_OBJECTS = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_search_clauses_body_trgm "
    "ON search_clauses USING gin (body gin_trgm_ops)",
)
SPACE_TOKEN = "\ue000"


def upgrade():
    op.create_table('search_clauses',
    sa.Column('clause_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('owner_department', sa.String(length=20), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.String(length=120), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['clause_id'], ['procedure_clauses.id'], name=op.f('fk_search_clauses_clause_id_procedure_clauses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_search_clauses_procedure_id_procedures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['procedure_revisions.id'], name=op.f('fk_search_clauses_revision_id_procedure_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clause_id', name=op.f('pk_search_clauses'))
    )
    with op.batch_alter_table('search_clauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_clauses_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_clauses_revision_id'), ['revision_id'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_OBJECTS, "postgresql": POSTGRESQL_OBJECTS}.get(dialect, ()):
        op.execute(statement)
    _index_existing_clauses(op.get_bind(), dialect)


def _index_existing_clauses(bind, dialect):
    """Fill the index from the clauses already stored (published revisions only)."""
    rows = bind.execute(sa.text(
        "SELECT c.id, c.revision_id, r.procedure_id, r.status, p.code, p.title, p.category, "
        "p.owner_department, p.duplicate_of_id, p.truncated, c.position, c.anchor, c.citation, "
        "c.number, c.heading, c.text FROM procedure_clauses c "
        "JOIN procedure_revisions r ON r.id = c.revision_id "
        "JOIN procedures p ON p.id = r.procedure_id "
        "WHERE r.status <> 'draft' ORDER BY c.id"
    )).all()
    if not rows:
        return
    table = sa.table('search_clauses', *(sa.column(name) for name in (
        'clause_id', 'revision_id', 'procedure_id', 'code', 'title', 'category',
        'owner_department', 'is_current', 'hidden', 'position', 'anchor', 'label', 'body')))
    values = []
    for r in rows:
        # search_text.normalize(number + heading + text): lower-case, whitespace runs -> " ".
        body = " ".join(" ".join((r.number or "", r.heading or "", r.text or "")).lower().split())
        label = " ".join(part for part in (r.citation or r.number, r.heading) if part)[:120]
        values.append({
            'clause_id': r.id, 'revision_id': r.revision_id, 'procedure_id': r.procedure_id,
            'code': r.code, 'title': r.title, 'category': r.category or '',
            'owner_department': r.owner_department or '', 'is_current': r.status == 'current',
            'hidden': r.duplicate_of_id is not None or bool(r.truncated),
            'position': r.position, 'anchor': r.anchor, 'label': label, 'body': body,
        })
    op.bulk_insert(table, values)
    if dialect == "sqlite":
        bind.execute(sa.text("INSERT INTO search_fts_trigram(search_fts_trigram) VALUES ('rebuild')"))
        bind.execute(
            sa.text("INSERT INTO search_fts_chars(rowid, body) VALUES (:id, :body)"),
            [{"id": v['clause_id'],
              "body": " ".join(SPACE_TOKEN if ch == " " else ch for ch in v['body'])}
             for v in values],
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_clauses_fts_delete")
        op.execute("DROP TABLE IF EXISTS search_fts_chars")
        op.execute("DROP TABLE IF EXISTS search_fts_trigram")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_clauses_body_trgm")
    with op.batch_alter_table('search_clauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_clauses_revision_id'))
        batch_op.drop_index(batch_op.f('ix_search_clauses_procedure_id'))

    op.drop_table('search_clauses')
