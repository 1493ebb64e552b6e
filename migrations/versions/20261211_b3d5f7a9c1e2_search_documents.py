"""search documents: each published revision's code, title, aliases and preamble as a hit

Written by hand (see portal/procedures/search.py and docs/decisions/012-search-ranking.md). The
upgrade indexes the revisions already stored; the text rules are copied here on purpose, so
that this migration keeps doing what it did when search.py changes.

Revision ID: b3d5f7a9c1e2
Revises: 7b5cd728d3b0
Create Date: 2026-12-09 11:30:00

"""
import re

from alembic import op
import sqlalchemy as sa
import yaml


revision = 'b3d5f7a9c1e2'
down_revision = '7b5cd728d3b0'
branch_labels = None
depends_on = None

FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def upgrade():
    op.create_table('search_documents',
    sa.Column('revision_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('owner_department', sa.String(length=20), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('aliases', sa.Text(), nullable=False),
    sa.Column('preamble', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_search_documents_procedure_id_procedures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['procedure_revisions.id'], name=op.f('fk_search_documents_revision_id_procedure_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('revision_id', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_documents_procedure_id'), ['procedure_id'], unique=False)
    _index_existing_revisions(op.get_bind())


def _aliases(source_format, source_text):
    match = FRONT_MATTER.match(source_text or "") if source_format == "markdown" else None
    if not match:
        return []
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        return []
    raw = meta.get("aliases") if isinstance(meta, dict) else None
    if isinstance(raw, str):
        raw = raw.replace("，", ",").split(",")
    if not isinstance(raw, list):
        return []
    return [" ".join(str(a).split()) for a in raw if str(a).strip()]


def _index_existing_revisions(bind):
    rows = bind.execute(sa.text(
        "SELECT r.id, r.procedure_id, r.status, r.preamble, r.source_format, r.source_text, "
        "p.code, p.title, p.category, p.owner_department, p.duplicate_of_id, p.truncated "
        "FROM procedure_revisions r JOIN procedures p ON p.id = r.procedure_id "
        "WHERE r.status <> 'draft' ORDER BY r.id"
    )).all()
    if not rows:
        return
    table = sa.table('search_documents', *(sa.column(name) for name in (
        'revision_id', 'procedure_id', 'code', 'title', 'category', 'owner_department',
        'is_current', 'hidden', 'aliases', 'preamble', 'body')))
    values = []
    for r in rows:
        aliases = _aliases(r.source_format, r.source_text)
        preamble = " ".join((r.preamble or "").split())
        fields = [part for part in (r.code, r.title, *aliases, preamble) if part]
        values.append({
            'revision_id': r.id, 'procedure_id': r.procedure_id, 'code': r.code,
            'title': r.title, 'category': r.category or '',
            'owner_department': r.owner_department or '', 'is_current': r.status == 'current',
            'hidden': r.duplicate_of_id is not None or bool(r.truncated),
            'aliases': "\n".join(aliases), 'preamble': preamble,
            # search_text.normalize: lower-case, whitespace runs -> " ".
            'body': " ".join(" ".join(fields).lower().split()),
        })
    op.bulk_insert(table, values)


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_documents_procedure_id'))
    op.drop_table('search_documents')
