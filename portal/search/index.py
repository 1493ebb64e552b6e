"""Procedure search: the one façade over the clause index, whatever the database.

Write side (called by `services` wherever revisions are stored): `index_revision`,
`sync_procedure`, `reindex_procedure`, `remove`, `reindex_all`. Read side: `query` (the live
search) and `export_entries` (what the static export's offline index is built from).

A clause matches when `search_text.normalize(number heading text)` — stored in
`search_clauses.body` — contains every query term as a substring (`search_text.matches`). The
backends only find candidates quickly; every candidate is then checked with a plain substring
test on `body`, so results equal the substring oracle exactly (docs/decisions/005-search.md):

* SQLite: an FTS5 `trigram` table when every term has 3+ characters, else an FTS5 `unicode61`
  table in which every character is a token (SQLite 3.40's trigram table silently finds nothing
  for shorter patterns); then `instr(body, term) > 0` for every term.
* PostgreSQL: `pg_trgm` GIN index for `body LIKE '%term%'` (3+ characters), a GIN index over
  `search_grams(body)` (its distinct characters and character pairs) for 1–2 character terms;
  `strpos(body, term) > 0` for every term.

The FTS tables are not ORM tables: the migration creates them, and `create_schema_objects` (a
`portal_schema_hooks` entry, for tests and `create_all` databases) creates them too. Without
them (a database made by `create_all` alone) the search still answers, by scanning.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import bindparam, column, func, insert, select, table, text, update
from sqlalchemy.orm import Session

from portal.auth.models import Department
from portal.core.htmx import path_for
from portal.extensions import db
from portal.procedures.markdown import MarkdownError, split_front_matter
from portal.procedures.models import (
    ISSUED,
    Clause,
    Procedure,
    Revision,
    RevisionStatus,
    SearchClause,
    SearchDocument,
    SourceFormat,
    current_procedures,
)
from portal.search import ranking, segment
from portal.search.text import normalize, parse_query

TRIGRAM_TABLE = "search_fts_trigram"
CHARS_TABLE = "search_fts_chars"
DELETE_TRIGGER = "search_clauses_fts_delete"
PG_TRGM_INDEX = "ix_search_clauses_body_trgm"
# pg_trgm cannot narrow 1–2 character patterns, so PostgreSQL also indexes each body's distinct
# characters and character pairs (an expression GIN index over this function's array): a short
# term is one of them, as in SQLite's one-token-per-character table.
PG_GRAMS_FUNCTION = "search_grams"
PG_GRAMS_INDEX = "ix_search_clauses_body_grams"
# In the one-token-per-character table a space of the text becomes this private-use character,
# so that "ab" cannot match "a b" there (the substring check would drop it anyway).
SPACE_TOKEN = "\ue000"
# unicode61 with every category but the separators (Z*) as token characters: each character,
# punctuation included, is then its own token, and a phrase of tokens is a substring.
CHARS_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* P* S* M* C*'"
SNIPPET_CHARS = 60  # as static/js/offline-search.js
SNIPPET_LEAD = 20
INDEX_BATCH = 2000
# Matches are counted up to this many: an exact count of a term found in half the library would
# cost a pass over half the library, and "more than 200" tells a reader as much.
COUNT_LIMIT = 200
# Matches ranked for a page: all of them up to this many; past it, these first in listing order
# plus the matches inside the procedures the query names (docs/decisions/012-search-ranking.md).
RANK_POOL = COUNT_LIMIT
RANK_NAMED = 60  # of the procedures named, at most this many matches more
# Procedures shown as hits themselves, best first (a title word like 客户 names hundreds).
DOCUMENT_LIMIT = 10
NAMED_REVISIONS = 5  # the best procedures named, whose matches join a capped pool
# Candidates whose word boundaries are looked at (the best by the other fields).
ALIGN_TOP = 50
PATH_SEPARATOR = " › "

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TRIGRAM_TABLE} USING fts5(body, "
    "content='search_clauses', content_rowid='clause_id', "
    "tokenize='trigram case_sensitive 1')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {CHARS_TABLE} USING fts5(body, "
    f'tokenize="{CHARS_TOKENIZER}", columnsize=0)',
    # Rows leave the index with their clause, however they are deleted (cascades, cleanups).
    f"CREATE TRIGGER IF NOT EXISTS {DELETE_TRIGGER} AFTER DELETE ON search_clauses BEGIN "
    f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}, rowid, body) "
    "VALUES ('delete', old.clause_id, old.body); "
    f"DELETE FROM {CHARS_TABLE} WHERE rowid = old.clause_id; END",
)
POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_TRGM_INDEX} ON search_clauses USING gin (body gin_trgm_ops)",
    f"CREATE OR REPLACE FUNCTION {PG_GRAMS_FUNCTION}(body text) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_agg(DISTINCT g), '{}') FROM ("
    "SELECT substr(body, i, 1) FROM generate_series(1, char_length(body)) AS i UNION "
    "SELECT substr(body, i, 2) FROM generate_series(1, char_length(body) - 1) AS i"
    ") AS grams(g) $$",
    f"CREATE INDEX IF NOT EXISTS {PG_GRAMS_INDEX} ON search_clauses "
    f"USING gin ({PG_GRAMS_FUNCTION}(body))",
)


# -- text --------------------------------------------------------------------------------------


def clause_text(number: str, heading: str, text_: str) -> str:
    """What a clause is searched and shown by: number, heading and text, whitespace collapsed
    (original case kept, for display). `normalize()` of it is the stored `body`."""
    return " ".join(" ".join((number or "", heading or "", text_ or "")).split())


def clause_label(citation: str, number: str, heading: str) -> str:
    return " ".join(part for part in (citation or number, heading) if part)[:120]


def spaced(body: str) -> str:
    """The body as the one-token-per-character table indexes it."""
    return " ".join(SPACE_TOKEN if ch == " " else ch for ch in body)


def _phrase(tokens: str) -> str:
    return '"' + tokens.replace('"', '""') + '"'


# -- schema ------------------------------------------------------------------------------------


def _dialect(session: Session | None = None) -> str:
    return (session or db.session).get_bind().dialect.name


# Engines known to have the FTS tables (only a positive answer is kept: they may be created
# after the first look, never dropped while the app runs).
_fts_engines: weakref.WeakSet = weakref.WeakSet()


def _has_fts(session: Session) -> bool:
    engine = session.get_bind()
    if engine in _fts_engines:
        return True
    found = session.execute(
        text("SELECT count(*) FROM sqlite_master WHERE name IN (:a, :b)"),
        {"a": TRIGRAM_TABLE, "b": CHARS_TABLE},
    ).scalar_one()
    if found == 2:
        _fts_engines.add(engine)
    return found == 2


def create_schema_objects() -> None:
    """Create the backend's index objects (idempotent) and fill them if they lag behind."""
    dialect = _dialect()
    if dialect == "sqlite":
        for statement in SQLITE_DDL:
            db.session.execute(text(statement))
        rows = db.session.scalar(select(func.count()).select_from(SearchClause))
        indexed = db.session.scalar(text(f"SELECT count(*) FROM {CHARS_TABLE}"))
        if rows != indexed:
            _rebuild_fts(db.session)
    elif dialect == "postgresql":
        for statement in POSTGRESQL_DDL:
            db.session.execute(text(statement))
    db.session.commit()


def _rebuild_fts(session: Session) -> None:
    session.execute(text(f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}) VALUES ('rebuild')"))
    session.execute(text(f"DELETE FROM {CHARS_TABLE}"))
    ids = session.execute(select(SearchClause.clause_id, SearchClause.body))
    for batch in _batched(ids, INDEX_BATCH):
        session.execute(
            text(f"INSERT INTO {CHARS_TABLE}(rowid, body) VALUES (:id, :body)"),
            [{"id": clause_id, "body": spaced(body)} for clause_id, body in batch],
        )


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: the FTS tables (and their shadow tables) and the pg_trgm index are made by
    hand in the search migration, so autogenerate must neither drop nor compare them."""
    if reflected and compare_to is None:
        if type_ == "table" and name.startswith("search_fts_"):
            return False
        if type_ == "index" and name in (PG_TRGM_INDEX, PG_GRAMS_INDEX):
            return False
    return True


# -- writing -----------------------------------------------------------------------------------


def _source():
    """Published clauses with what the index stores about them, in document order."""
    return (
        select(
            Clause.id,
            Clause.revision_id,
            Revision.procedure_id,
            Revision.status,
            Procedure.code,
            Procedure.title,
            Procedure.category,
            Procedure.owner_department,
            Procedure.duplicate_of_id,
            Procedure.truncated,
            Clause.position,
            Clause.anchor,
            Clause.citation,
            Clause.number,
            Clause.heading,
            Clause.text,
        )
        .join(Revision, Clause.revision_id == Revision.id)
        .join(Procedure, Revision.procedure_id == Procedure.id)
        .where(Revision.status.in_(ISSUED))
        .order_by(Clause.revision_id, Clause.position)
    )


def _row(r) -> dict:
    return {
        "clause_id": r.id,
        "revision_id": r.revision_id,
        "procedure_id": r.procedure_id,
        "code": r.code,
        "title": r.title,
        "category": r.category or "",
        "owner_department": r.owner_department or "",
        "is_current": r.status == RevisionStatus.CURRENT,
        "hidden": r.duplicate_of_id is not None or bool(r.truncated),
        "position": r.position,
        "anchor": r.anchor,
        "label": clause_label(r.citation, r.number, r.heading),
        "body": normalize(clause_text(r.number, r.heading, r.text)),
    }


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(session: Session, source) -> int:
    """Insert the index rows for the clauses `source` selects; returns how many."""
    fts = _dialect(session) == "sqlite" and _has_fts(session)
    count = 0
    # Streamed in batches so that a whole-library reindex never holds 30 MB of rows at once.
    result = session.execute(source.execution_options(yield_per=INDEX_BATCH))
    for batch in result.partitions():
        rows = [_row(r) for r in batch]
        session.execute(insert(SearchClause), rows)
        if fts:
            session.execute(
                text(f"INSERT INTO {TRIGRAM_TABLE}(rowid, body) VALUES (:clause_id, :body)"),
                [{"clause_id": r["clause_id"], "body": r["body"]} for r in rows],
            )
            session.execute(
                text(f"INSERT INTO {CHARS_TABLE}(rowid, body) VALUES (:clause_id, :body)"),
                [{"clause_id": r["clause_id"], "body": spaced(r["body"])} for r in rows],
            )
        count += len(rows)
    return count


def aliases_of(revision: Revision) -> list[str]:
    """The `aliases:` of a Markdown revision's front matter (用印, 盖章 for the seal procedure)."""
    if revision.source_format != SourceFormat.MARKDOWN or not revision.source_text:
        return []
    try:
        meta, _ = split_front_matter(revision.source_text)
    except MarkdownError:
        return []
    raw = meta.get("aliases") or []
    if isinstance(raw, str):
        raw = raw.replace("，", ",").split(",")
    if not isinstance(raw, list):
        return []
    return [" ".join(str(alias).split()) for alias in raw if str(alias).strip()]


def _document_row(revision: Revision) -> dict:
    procedure = revision.procedure
    aliases = aliases_of(revision)
    preamble = " ".join((revision.preamble or "").split())
    fields = (procedure.code, procedure.title, *aliases, preamble)
    return {
        "revision_id": revision.id,
        "procedure_id": procedure.id,
        "code": procedure.code,
        "title": procedure.title,
        "category": procedure.category or "",
        "owner_department": procedure.owner_department or "",
        "is_current": revision.status == RevisionStatus.CURRENT,
        "hidden": procedure.hidden,
        "aliases": "\n".join(aliases),
        "preamble": preamble,
        "body": normalize(" ".join(part for part in fields if part)),
    }


def _write_documents(revisions: Iterable[Revision]) -> None:
    rows = [_document_row(r) for r in revisions if r.status in ISSUED]
    if rows:
        db.session.execute(insert(SearchDocument), rows)


def index_revision(revision: Revision) -> int:
    """Add a stored revision's clauses (a draft has none in the index); then `sync_procedure`
    marks which revision is current."""
    if revision.status not in ISSUED:
        return 0
    db.session.flush()
    count = _write(db.session, _source().where(Clause.revision_id == revision.id))
    _write_documents([revision])
    sync_procedure(revision.procedure)
    return count


def sync_procedure(procedure: Procedure) -> None:
    """Copy the procedure's fields (title, category, owner, hidden) to its index rows and mark
    the current revision's clauses current and the others superseded."""
    current = procedure.current_revision
    for model in (SearchClause, SearchDocument):
        db.session.execute(
            update(model)
            .where(model.procedure_id == procedure.id)
            .values(
                code=procedure.code,
                title=procedure.title,
                category=procedure.category or "",
                owner_department=procedure.owner_department or "",
                hidden=procedure.hidden,
                is_current=model.revision_id == (current.id if current else -1),
            )
            .execution_options(synchronize_session=False)
        )


def remove(*, procedure: Procedure | None = None, revision: Revision | None = None) -> None:
    """Drop a procedure's or a revision's clauses from the index."""
    if revision is None and procedure is None:
        raise ValueError("remove() needs a procedure or a revision")
    for model in (SearchClause, SearchDocument):
        stmt = model.__table__.delete()
        if revision is not None:
            stmt = stmt.where(model.revision_id == revision.id)
        else:
            stmt = stmt.where(model.procedure_id == procedure.id)
        db.session.execute(stmt)


def reindex_procedure(procedure: Procedure) -> int:
    """Index every published revision of a procedure again, from scratch."""
    db.session.flush()
    remove(procedure=procedure)
    count = _write(db.session, _source().where(Revision.procedure_id == procedure.id))
    _write_documents(procedure.revisions)
    sync_procedure(procedure)
    return count


def reindex_all() -> int:
    """Rebuild the whole index from the clause tables (after a restore, or to repair it)."""
    db.session.flush()
    db.session.execute(SearchClause.__table__.delete())
    db.session.execute(SearchDocument.__table__.delete())
    count = _write(db.session, _source())
    revisions = select(Revision).where(Revision.status.in_(ISSUED))
    for batch in _batched(db.session.scalars(revisions), INDEX_BATCH):
        _write_documents(batch)
    if _dialect() == "sqlite" and _has_fts(db.session):
        db.session.execute(
            text(f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}) VALUES ('optimize')")
        )
        db.session.execute(text(f"INSERT INTO {CHARS_TABLE}({CHARS_TABLE}) VALUES ('optimize')"))
    return count


# -- reading -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Hit:
    """A matching clause, or (`clause_id` None) the procedure itself, named by its code, title,
    aliases or preamble."""

    clause_id: int | None
    anchor: str
    label: str
    url: str
    snippet: list[tuple[str, bool]]  # (text, highlighted) segments; the template escapes them
    position: int = 0
    score: float = 0.0
    path: list[str] = field(default_factory=list)  # ["QP-CS-02", "4.2"]: shown once, › between

    @property
    def snippet_text(self) -> str:
        return "".join(part for part, _ in self.snippet)

    @property
    def path_text(self) -> str:
        return PATH_SEPARATOR.join(self.path)


@dataclass
class Group:
    """The hits in one revision of one procedure, best first; `document` when the procedure
    itself matched (it is shown first)."""

    code: str
    title: str
    revision_label: str
    is_current: bool
    url: str
    hits: list[Hit] = field(default_factory=list)
    document: Hit | None = None
    score: float = 0.0


@dataclass
class SearchResult:
    q: str
    terms: list[str]
    groups: list[Group]
    total: int  # every matching clause, also those past the limit (up to COUNT_LIMIT)
    limit: int | None
    total_exact: bool = True  # False: there are more than COUNT_LIMIT matches
    shown_terms: list[str] = field(default_factory=list)  # the terms as typed (case kept)

    @property
    def truncated(self) -> bool:
        return self.limit is not None and self.total > self.limit

    @property
    def shown(self) -> int:
        return sum(len(g.hits) for g in self.groups)

    @property
    def hits(self) -> list[Hit]:
        """The matching clauses, in the order shown."""
        return [hit for group in self.groups for hit in group.hits]

    @property
    def ranked(self) -> list[Hit]:
        """Everything shown, in order: each group's procedure hit, then its clauses."""
        out: list[Hit] = []
        for group in self.groups:
            if group.document is not None:
                out.append(group.document)
            out.extend(group.hits)
        return out

    @property
    def documents(self) -> int:
        return sum(group.document is not None for group in self.groups)


def _sqlite_match(terms: list[str]) -> tuple[str, str]:
    """The FTS table and MATCH expression that find candidates for all terms at once: the
    trigram table when every term has 3+ characters, else the one-token-per-character table
    (where a term of any length is a phrase of its characters)."""
    if all(len(term) >= 3 for term in terms):
        return TRIGRAM_TABLE, " AND ".join(_phrase(term) for term in terms)
    return CHARS_TABLE, " AND ".join(_phrase(spaced(term)) for term in terms)


_S = SearchClause.__table__.alias("s")
_FTS = {name: table(name, column("rowid")).alias("f") for name in (TRIGRAM_TABLE, CHARS_TABLE)}


def _matching(terms: list[str], filters: dict[str, object]):
    """A select of matching clause ids in listing order (clause id: publication order, then
    document order), with every term checked as a substring of `body` whatever found it."""
    dialect, s = _dialect(), _S
    conditions = [s.c[name] == value for name, value in filters.items()]
    if dialect == "sqlite" and _has_fts(db.session):
        name, match = _sqlite_match(terms)
        fts = _FTS[name]
        source = fts.join(s, s.c.clause_id == fts.c.rowid)
        conditions.append(text(f"f.{name} MATCH :match").bindparams(match=match))
        order = fts.c.rowid
    else:
        source, order = s, s.c.clause_id
    # The character-pair GIN index when no term can use pg_trgm (with one that can, that index
    # narrows enough, and a common pair would only add a large bitmap: 质量问题 处理 took 2.3 s).
    # One pair, the query's longest term: the planner estimates one element from its statistics,
    # while two common ones that go together (客户 投诉) it took for rare: 269 ms, against 42 ms.
    if dialect == "postgresql" and all(len(term) < 3 for term in terms):
        gram = max(terms, key=len)
        condition = f"{PG_GRAMS_FUNCTION}(s.body) @> ARRAY[CAST(:gram AS text)]"
        conditions.append(text(condition).bindparams(gram=gram))
    for term in terms:
        if dialect == "postgresql":
            if len(term) >= 3:  # what the pg_trgm GIN index can serve
                escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                conditions.append(s.c.body.like(f"%{escaped}%", escape="\\"))
            conditions.append(func.strpos(s.c.body, term) > 0)
        else:
            conditions.append(func.instr(s.c.body, term) > 0)
    return select(s.c.clause_id).select_from(source).where(*conditions).order_by(order)


def _filters(category, department, include_superseded) -> dict[str, object]:
    filters: dict[str, object] = {"hidden": False}
    if not include_superseded:
        filters["is_current"] = True
    if category:
        filters["category"] = category
    if department:
        filters["owner_department"] = department
    return filters


def _matching_documents(terms: list[str], filters: dict[str, object]):
    """The procedures (revisions) whose code, title, aliases and preamble contain every term:
    a scan of one row per revision, which is small."""
    d = SearchDocument
    conditions = [getattr(d, name) == value for name, value in filters.items()]
    check = func.strpos if _dialect() == "postgresql" else func.instr
    conditions += [check(d.body, term) > 0 for term in terms]
    return db.session.execute(
        select(
            d.revision_id,
            d.procedure_id,
            d.code,
            d.title,
            d.is_current,
            d.aliases,
            d.preamble,
            Revision.label,
            Procedure.reviewed,
        )
        .join(Revision, Revision.id == d.revision_id)
        .join(Procedure, Procedure.id == d.procedure_id)
        .where(*conditions)
        .order_by(d.revision_id)
    ).all()


def shown_terms(q: str, terms: list[str]) -> list[str]:
    """The terms as the user typed them (QP-ADM-01, not qp-adm-01), for messages."""
    typed = " ".join((q or "").split())
    lowered = typed.lower()
    out = []
    for term in terms:
        at = lowered.find(term) if len(lowered) == len(typed) else -1
        out.append(typed[at : at + len(term)] if at >= 0 else term)
    return out


def query(
    q: str,
    *,
    category: str | None = None,
    department: str | None = None,
    include_superseded: bool = False,
    limit: int | None = 100,
) -> SearchResult:
    """Search the procedures and their clauses: space-separated terms are ANDed, "quoted
    phrases" kept whole; current revisions only unless asked. Which clauses match is the
    substring rule; their order is `portal.search.ranking`. Loads at most `limit` clause hits
    (None: all); `total` counts every matching clause up to COUNT_LIMIT (`total_exact` says
    whether it stopped there)."""
    terms = parse_query(q or "")
    if not terms:
        return SearchResult(q or "", terms, [], 0, limit)
    filters = _filters(category, department, include_superseded)
    documents = _rank_documents(_matching_documents(terms, filters), terms)
    stmt = _matching(terms, filters)
    pool = None if limit is None else max(limit, COUNT_LIMIT, RANK_POOL)
    ids = list(db.session.scalars(stmt if pool is None else stmt.limit(pool + 1)))
    exact = limit is None or len(ids) <= COUNT_LIMIT
    total = len(ids) if exact else COUNT_LIMIT
    if pool is not None and len(ids) > pool:
        # Too many to rank them all: the first ones, and those of the procedures named.
        ids = ids[:pool]
        named = [row.revision_id for row, score in documents if score >= ranking.DOC_NAMED]
        if named:
            seen = set(ids)
            ids += [i for i in _matching_in(named, terms, filters) if i not in seen]
    scored = _rank(ids, terms)
    page = scored if limit is None else scored[:limit]
    groups = _groups(page, terms, documents if limit is None else documents[:DOCUMENT_LIMIT])
    return SearchResult(q or "", terms, groups, total, limit, exact, shown_terms(q, terms))


def _matching_in(revision_ids: list[int], terms: list[str], filters: dict[str, object]):
    """Matching clauses of the given revisions, through the revision index (a few hundred rows
    each) rather than the FTS tables (all matches of a broad term)."""
    s = _S
    check = func.strpos if _dialect() == "postgresql" else func.instr
    stmt = (
        select(s.c.clause_id)
        .where(s.c.revision_id.in_(revision_ids[:NAMED_REVISIONS]))
        .where(*(s.c[name] == value for name, value in filters.items()))
        .where(*(check(s.c.body, term) > 0 for term in terms))
        .order_by(s.c.clause_id)
        .limit(RANK_NAMED)
    )
    return db.session.scalars(stmt)


def _rank_documents(rows, terms: list[str]) -> list[tuple]:
    """The matching procedures with their scores, best first (ties: older revision first)."""
    scored = []
    for row in rows:
        aliases = [normalize(a) for a in (row.aliases or "").split("\n") if a]
        score = ranking.document_score(
            terms, normalize(row.code), normalize(row.title), aliases, row.reviewed, row.is_current
        )
        scored.append((row, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored


_POOL = (
    select(
        SearchClause.clause_id,
        SearchClause.revision_id,
        SearchClause.title,
        SearchClause.is_current,
        SearchClause.position,
        SearchClause.body,
        SearchClause.label,  # citation and heading: no need to read the clause table here
        SearchDocument.aliases,
        Procedure.reviewed,
    )
    .join(Procedure, Procedure.id == SearchClause.procedure_id)
    .outerjoin(SearchDocument, SearchDocument.revision_id == SearchClause.revision_id)
    .where(SearchClause.clause_id.in_(bindparam("ids", expanding=True)))
)


def _rank(ids: list[int], terms: list[str]) -> list[tuple[int, float, int]]:
    """(clause id, score, offset of the match to show) best first; ties in listing order."""
    if not ids:
        return []
    rows = db.session.connection().execute(_POOL, {"ids": ids}).all()
    order = {clause_id: n for n, clause_id in enumerate(ids)}
    first = {}  # revision -> position of its first matching clause
    for row in rows:
        if row.position < first.get(row.revision_id, row.position + 1):
            first[row.revision_id] = row.position
    scored, base = [], {}
    for clause_id, revision_id, title, is_current, position, body, label, aliases, reviewed in rows:
        if revision_id not in base:  # what the procedure gives, once per revision
            names = (normalize(title), normalize(aliases or ""))
            base[revision_id] = ranking.revision_score(terms, *names, is_current, reviewed)
        heading, first_mention = label.lower(), first[revision_id] == position
        part = ranking.clause_part(terms, body, heading, first_mention)
        scored.append([base[revision_id] + part, clause_id, body, heading, first_mention, -1])
    scored.sort(key=lambda row: (-row[0], order[row[1]]))
    # Word boundaries for the best candidates only: a few microseconds each, but not thousands.
    for row in scored[:ALIGN_TOP]:
        _, clause_id, body, heading, first_mention, _ = row
        aligned, show, show_aligned = {}, -1, False
        for term in terms:
            at, aligned[term] = segment.first_aligned(body, term)
            if at >= 0 and (show < 0 or (aligned[term] and not show_aligned)):
                show, show_aligned = at, aligned[term]
        if any(aligned.values()):
            row[0] += ranking.clause_part(terms, body, heading, first_mention, aligned)
            row[0] -= ranking.clause_part(terms, body, heading, first_mention)
        row[5] = show
    scored.sort(key=lambda row: (-row[0], order[row[1]]))
    return [(row[1], row[0], row[5]) for row in scored]


_HIT_COLUMNS = (
    SearchClause.clause_id,
    SearchClause.revision_id,
    SearchClause.code,
    SearchClause.title,
    SearchClause.is_current,
    SearchClause.position,
    SearchClause.anchor,
    SearchClause.label,
    SearchClause.body,
    Clause.citation,
    Clause.number,
    Clause.heading,
    Clause.text,
    Revision.label,
)
_HITS = (
    select(*_HIT_COLUMNS)
    .join(Clause, Clause.id == SearchClause.clause_id)
    .join(Revision, Revision.id == SearchClause.revision_id)
    .where(SearchClause.clause_id.in_(bindparam("ids", expanding=True)))
)


def _groups(scored: list[tuple[int, float, int]], terms: list[str], documents) -> list[Group]:
    """The hits with their paths and snippets, grouped by revision; groups best first."""
    ids = [clause_id for clause_id, _, _ in scored]
    # A Core execution on the session's connection: plain tuples, no ORM row machinery.
    by_id = {}
    if ids:
        by_id = {row[0]: row for row in db.session.connection().execute(_HITS, {"ids": ids})}
    groups: dict[int, Group] = {}
    for row, score in documents:
        group = groups[row.revision_id] = Group(
            row.code, row.title, row.label, row.is_current,
            _revision_url(row.code, row.revision_id, row.is_current),
        )  # fmt: skip
        group.document = _document_hit(row, group, terms, score)
        group.score = score
    for clause_id, score, at in scored:
        (_, revision_id, code, title, is_current, position, anchor, label, body, citation,
         number, heading, text_, revision_label) = by_id[clause_id]  # fmt: skip
        group = groups.get(revision_id)
        if group is None:
            url = _revision_url(code, revision_id, is_current)
            group = groups[revision_id] = Group(code, title, revision_label, is_current, url)
        group.score = max(group.score, score)
        path = [code, citation or number or label]
        display = clause_text("", heading, text_)
        group.hits.append(
            Hit(clause_id, anchor, label, f"{group.url}#{anchor}",
                snippet(display, normalize(display), terms, near=_shift(body, display, at)),
                position, score, [part for part in path if part])
        )  # fmt: skip
    ordered = sorted(groups.values(), key=lambda g: -g.score)  # stable: first seen first
    return ordered


def _shift(body: str, display: str, at: int) -> int:
    """`at`, an offset in the clause's body (number, heading, text), as one in `display` (heading
    and text): the number and its space come off the front."""
    if at < 0:
        return -1
    cut = len(body) - len(normalize(display))
    return max(0, at - cut)


def _document_hit(row, group: Group, terms: list[str], score: float) -> Hit:
    aliases = [alias for alias in (row.aliases or "").split("\n") if alias]
    named = " ".join((row.title, *aliases))
    if not all(term in normalize(f"{row.code} {named}") for term in terms) and row.preamble:
        shown = row.preamble  # found in the preamble: show where
    else:
        shown = "、".join(aliases) if aliases else row.title
    return Hit(None, "", row.title, group.url, snippet(shown, normalize(shown), terms), -1,
               score, [row.code])  # fmt: skip


def _revision_url(code: str, revision_id: int, is_current: bool) -> str:
    if is_current:
        return path_for("procedures.detail", code=code)
    return path_for("procedures.revision", code=code, revision_id=revision_id)


def snippet(display: str, body: str, terms: list[str], near: int = -1) -> list[tuple[str, bool]]:
    """About SNIPPET_CHARS characters from a little before the match at `near` (else the first
    match), cut where no word or character is split, in plain and highlighted segments (every
    occurrence of every term; overlapping ones merged)."""
    if len(display) != len(body):  # lower-casing changed a length (rare): show the body
        display = body
    found = [at for at in (body.find(t) for t in terms) if at >= 0]
    first = near if near >= 0 else (min(found) if found else 0)
    start = max(0, min(first - SNIPPET_LEAD, len(body) - SNIPPET_CHARS))
    start = segment.soft_start(body, start) if start else 0
    end = min(len(body), start + SNIPPET_CHARS)
    end = segment.soft_end(body, end) if end < len(body) else end
    ranges = []
    for term in terms:
        at = body.find(term, max(0, start - len(term) + 1))
        while 0 <= at < end:
            ranges.append((max(at, start), min(at + len(term), end)))
            at = body.find(term, at + 1)
    ranges.sort()
    parts: list[tuple[str, bool]] = [("…", False)] if start else []
    position = start
    for left, right in ranges:
        if right <= position:
            continue
        left = max(left, position)
        if left > position:
            parts.append((display[position:left], False))
        if parts and parts[-1][1]:  # touching or overlapping occurrences: one highlight
            parts[-1] = (parts[-1][0] + display[left:right], True)
        else:
            parts.append((display[left:right], True))
        position = right
    if position < end:
        parts.append((display[position:end], False))
    if end < len(body):
        parts.append(("…", False))
    return parts


def filter_choices() -> tuple[list[str], list[tuple[str, str]]]:
    """The categories and owner departments (code, name) of the procedures in force."""
    rows = db.session.execute(
        current_procedures(show_hidden=False)
        .with_only_columns(Procedure.category, Procedure.owner_department, Department.name)
        .outerjoin(Department, Department.code == Procedure.owner_department)
    ).all()
    categories = sorted({category for category, _, _ in rows if category})
    names = {owner: name or owner for _, owner, name in rows if owner}
    return categories, sorted(names.items())


# -- the static export -------------------------------------------------------------------------


def export_entries(url_for_procedure) -> list[dict]:
    """The current, listed clauses in listing order as `build_static_index` entries, with the
    same text the live search matches. `url_for_procedure(code)` gives the page's site URL. The
    label is the clause's path ("QP-CS-01 › 4.2.1 d") and `lead` skips the number in snippets,
    as the live search shows them."""
    rows = db.session.execute(
        select(SearchClause, Clause.citation, Clause.number, Clause.heading, Clause.text)
        .join(Clause, Clause.id == SearchClause.clause_id)
        .where(SearchClause.is_current.is_(True), SearchClause.hidden.is_(False))
        .order_by(SearchClause.clause_id)
    ).all()
    return [
        {
            "id": str(entry.clause_id),
            "url": f"{url_for_procedure(entry.code)}#{entry.anchor}",
            "code": entry.code,
            "title": entry.title,
            "label": PATH_SEPARATOR.join(p for p in (entry.code, citation or number) if p),
            "text": clause_text(number, heading, text_),
            "lead": _lead(number, heading, text_),
            "heading": heading or "",
        }
        for entry, citation, number, heading, text_ in rows
    ]


def _lead(number: str, heading: str, text_: str) -> int:
    """UTF-16 units of the normalized clause text taken by the number and its space."""
    number = normalize(number or "")
    if not number or not normalize(f"{heading or ''} {text_ or ''}"):
        return 0
    return len((number + " ").encode("utf-16-le")) // 2
