"""Revisions of a procedure: storing a revision and its clause tree, Markdown procedures (load,
export, preview, the raw-text publish route's draft), and the clause-by-clause diff of two
revisions. Functions flush; the caller commits."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import abort, url_for
from markupsafe import escape
from sqlalchemy import insert, select, update
from sqlalchemy.orm import contains_eager, joinedload

from portal.auth.models import User
from portal.core.clock import local_now
from portal.extensions import db
from portal.procedures import markdown as md
from portal.procedures import publishing
from portal.procedures.models import (
    ISSUED,
    Clause,
    Procedure,
    Revision,
    RevisionStatus,
    SourceFormat,
)
from portal.search import index as search

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "procedures"
# Numbering styles that identify a clause on their own; items below them ("(一)", "a)") are
# cited together with their parent: "第五条(一)", "4.3.2 a".
SELF_CITING_STYLES = {"chapter", "section", "article", "decimal", "appendix"}


# -- loaders and named queries ----------------------------------------------------------------


def get_procedure(code: str) -> Procedure | None:
    return db.session.scalar(select(Procedure).where(Procedure.code == code.strip().upper()))


def get_procedure_or_404(code: str) -> Procedure:
    """A procedure that has a revision (a draft-only one included: the pages then check the
    revision they show with `can_view_revision`), with its revisions, their authors and
    approvers (the page's 修订历史) in the same statement."""
    revisions = joinedload(Procedure.revisions)
    procedure = (
        db.session.scalars(
            select(Procedure)
            .where(Procedure.code == code.strip().upper())
            .options(
                revisions.joinedload(Revision.created_by),
                revisions.joinedload(Revision.approved_by),
            )
        )
        .unique()
        .first()
    )
    if procedure is None or not procedure.revisions:
        abort(404)
    return procedure


def shown_revision(procedure: Procedure, user) -> Revision | None:
    """What the procedure's page shows `user`: the current revision; without one, the newest
    revision they may see (a withdrawn one under its banner, a draft for its owners)."""
    if procedure.current_revision is not None:
        return procedure.current_revision
    for revision in reversed(procedure.revisions):
        if publishing.can_view_revision(user, revision):
            return revision
    return None


def get_shown_revision_or_404(procedure: Procedure, user) -> Revision:
    revision = shown_revision(procedure, user)
    if revision is None:
        abort(404)
    return revision


def get_revision_or_404(procedure: Procedure, revision_id: int | None) -> Revision:
    revision = db.session.get(Revision, revision_id) if revision_id else None
    if revision is None or revision.procedure_id != procedure.id:
        abort(404)
    return revision


def get_revision_or_current(procedure: Procedure, revision_id: int | None) -> Revision:
    if not revision_id:
        return procedure.current_revision
    return get_revision_or_404(procedure, revision_id)


# -- API for other domains --------------------------------------------------------------------


def get_current_revision(code: str) -> Revision | None:
    """The revision in force for a procedure code, or None."""
    return db.session.scalar(
        select(Revision)
        .join(Procedure)
        .where(Procedure.code == code.strip().upper(), Revision.status == RevisionStatus.CURRENT)
    )


def procedure_deadlines(code: str) -> dict:
    """The `deadlines` front matter of a procedure, e.g. {"reply": {"hours": 48}}; {} if none."""
    procedure = get_procedure(code)
    return dict(procedure.deadlines or {}) if procedure else {}


def clause_url(code: str, anchor: str, **kwargs) -> str:
    """Link to a clause of the current revision (`/procedures/QP-CS-01#c4-2-1`)."""
    return url_for("procedures.detail", code=code.strip().upper(), _anchor=anchor, **kwargs)


def find_clauses(code: str, *anchors: str) -> list[Clause]:
    """Clauses of the current revision by anchor, in the order asked; unknown anchors skipped.
    One statement (a form's page cites its procedure's clauses)."""
    if not anchors:
        return []
    rows = db.session.scalars(
        select(Clause)
        .join(Revision, Revision.id == Clause.revision_id)
        .join(Procedure, Procedure.id == Revision.procedure_id)
        .where(
            Procedure.code == code.strip().upper(),
            Revision.status == RevisionStatus.CURRENT,
            Clause.anchor.in_(anchors),
        )
    )
    by_anchor = {clause.anchor: clause for clause in rows}
    return [by_anchor[a] for a in anchors if a in by_anchor]


def recently_revised(limit: int = 5) -> list[Revision]:
    """Current revisions of visible procedures, most recently issued first."""
    return list(db.session.scalars(recently_revised_query(limit)))


def recently_revised_query(limit: int = 5):
    """`recently_revised` as a select() of revisions with their procedures, for callers that
    add columns."""
    return (
        select(Revision)
        .join(Procedure)
        .where(
            Revision.status == RevisionStatus.CURRENT,
            Procedure.duplicate_of_id.is_(None),
            Procedure.truncated.is_(False),
        )
        .order_by(Revision.issued_at.desc(), Revision.id.desc())
        .limit(limit)
        .options(contains_eager(Revision.procedure))
    )


def citation_text(revision: Revision, clause_citation: str) -> str:
    """`《档案管理制度》（QP-ADM-03 A/0）第十六条`: what "复制引用" copies."""
    procedure = revision.procedure
    ref = f"{procedure.code} {revision.label}".strip()
    return f"《{revision.title or procedure.title}》（{ref}）{clause_citation}"


# -- storing revisions ------------------------------------------------------------------------


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class StoreResult:
    procedure: Procedure
    revision: Revision
    status: str  # "created" (new procedure), "revised" (new revision), "unchanged"

    @property
    def clause_count(self) -> int:
        return len(self.revision.clauses)


# Chinese citations write brackets full width: 第五条（一）, not 第五条(一).
FULL_WIDTH_BRACKETS = str.maketrans({"(": "（", ")": "）"})


def _cite(number: str, style: str, parent: str | None) -> str:
    own = number.strip().rstrip(".．、").translate(FULL_WIDTH_BRACKETS)
    if parent is None or style in SELF_CITING_STYLES or not parent:
        return own
    if not own:
        return parent
    gap = " " if parent[-1].isalnum() and own[0].isalnum() else ""
    return f"{parent}{gap}{own}"


def clause_rows(nodes) -> list[dict]:
    """A parsed clause tree (importer ParsedClause or alike) as rows in document order, each with
    its rendered HTML, its citation and `parent` (the index of its parent row, or None)."""
    rows: list[dict] = []

    def visit(node, parent: int | None, depth: int) -> None:
        index = len(rows)
        parent_citation = rows[parent]["citation"] if parent is not None else None
        text = node.text or ""
        citation = _cite(node.number, node.style, parent_citation) or (node.heading or "")
        # Clipped to the column sizes: scraped pages produce odd lengths, and PostgreSQL refuses
        # an over-long value where SQLite would store it.
        rows.append(
            {
                "position": index,
                "depth": depth,
                "number": node.number[:60],
                "style": (node.style or "")[:20],
                "path": ".".join(str(n) for n in node.path or ())[:80],
                "anchor": node.anchor,
                "citation": citation[:120],
                "heading": (node.heading or "")[:300],
                "text": text,
                "html": md.render_text(text),
                "parent": parent,
            }
        )
        for child in node.children:
            visit(child, index, depth + 1)

    for node in nodes:
        visit(node, None, 0)
    return rows


def _insert_clauses(revision: Revision, rows: list[dict]) -> None:
    """Two executemany statements per revision: the rows, then their parent links. Letting the
    unit of work insert a self-referential tree costs a round trip per level and row batch."""
    if not rows:
        return
    payload = [
        {k: v for k, v in row.items() if k != "parent"} | {"revision_id": revision.id}
        for row in rows
    ]
    ids = db.session.scalars(
        insert(Clause).returning(Clause.id, sort_by_parameter_order=True), payload
    ).all()
    links = [
        {"id": ids[i], "parent_id": ids[row["parent"]]}
        for i, row in enumerate(rows)
        if row["parent"] is not None
    ]
    if links:
        db.session.execute(update(Clause), links)
    db.session.expire(revision, ["clauses"])


def _document_html(rows, with_ids: bool = True) -> str:
    """The whole revision as one sanitised HTML fragment, in the reading page's clause markup
    (the preview leaves out the ids, which the page beside it already uses)."""
    parts: list[str] = []
    depth_open: list[int] = []
    for row in rows:
        while depth_open and depth_open[-1] >= row["depth"]:
            parts.append("</section>")
            depth_open.pop()
        ident = f' id="{escape(row["anchor"])}"' if with_ids else ""
        number = f'<span class="clause-number">{escape(row["number"])}</span>'
        text = f'<div class="clause-text">{row["html"]}</div>' if row["html"] else ""
        parts.append(f'<section class="clause depth-{row["depth"]}"{ident}>')
        if row["heading"]:
            level = min(row["depth"] + 2, 6)
            heading = escape(row["heading"])
            parts.append(f'<h{level} class="clause-heading">{number} {heading}</h{level}>{text}')
        else:
            parts.append(f'<div class="clause-line">{number}{text}</div>')
        depth_open.append(row["depth"])
    parts.extend("</section>" for _ in depth_open)
    return "".join(parts)


@dataclass
class RevisionData:
    """What a new revision is made of, whatever its source."""

    source_format: str
    source_text: str
    title: str
    label: str
    effective_date: date | None
    change_note: str
    nodes: list
    preamble: str = ""
    warnings: list[str] = field(default_factory=list)


def store_revision(
    procedure: Procedure,
    data: RevisionData,
    user: User | None = None,
    *,
    draft: bool = False,
    note: str = "",
) -> Revision:
    """Add a revision: a draft, or (`draft=False`, for documents approved outside the change
    request: the bundled set, paper documents in force) issued at once through
    `publishing.issue_directly`, the audit row saying why (`note`)."""
    revision = Revision(
        source_format=data.source_format,
        source_text=data.source_text,
        content_hash=content_hash(data.source_text),
        title=data.title,
        label=data.label,
        effective_date=data.effective_date,
        change_note=data.change_note,
        warnings=list(data.warnings),
        preamble=data.preamble,
        preamble_html=md.render_text(data.preamble),
        status=RevisionStatus.DRAFT,
        created_by=user,
    )
    rows = clause_rows(data.nodes)
    revision.rendered_html = _document_html(rows)
    procedure.revisions.append(revision)
    db.session.flush()
    _insert_clauses(revision, rows)
    if not draft:
        publishing.issue_directly(revision, user, note)
    return revision


def _known_text(procedure: Procedure | None, text: str, *, any_revision: bool) -> Revision | None:
    """The current revision when `text` needs no new one: it equals the current text, or (with
    `any_revision`, for legacy pages) any published revision's text, so importing a page again
    after an administrator published an edited version of it does not undo the edit."""
    if procedure is None or procedure.current_revision is None:
        return None
    digest = content_hash(text)
    candidates = (
        [r for r in procedure.revisions if r.status in ISSUED]
        if any_revision
        else [procedure.current_revision]
    )
    if any(r.content_hash == digest for r in candidates):
        return procedure.current_revision
    return None


# -- Markdown procedures ----------------------------------------------------------------------


def _apply_meta(procedure: Procedure, meta: dict) -> None:
    procedure.title = meta["title"]
    procedure.category = meta["category"]
    procedure.owner_department = meta["owner_department"]
    procedure.forms = meta["forms"]
    procedure.deadlines = meta["deadlines"]
    procedure.reviewed = True
    # Optional keys (the form editor writes them too): review cycle and required readers.
    optional = ("review_cycle_months", "required_departments", "required_roles")
    procedure.apply_front_matter({key: meta[key] for key in optional if key in meta})


def _markdown_data(doc: md.MarkdownDocument, text: str) -> RevisionData:
    meta = doc.meta
    return RevisionData(
        source_format=SourceFormat.MARKDOWN,
        source_text=text,
        title=meta["title"],
        label=meta["revision"],
        effective_date=meta["effective_date"],
        change_note=meta["change_note"],
        nodes=doc.clauses,
        preamble=doc.preamble,
        warnings=doc.warnings,
    )


def load_markdown(text: str, source_name: str = "", user: User | None = None) -> StoreResult:
    """Load one Markdown procedure (raises MarkdownError). Identical text changes nothing."""
    doc = md.parse_markdown(text)
    procedure = get_procedure(doc.meta["code"])
    known = _known_text(procedure, text, any_revision=False)
    if known is not None:
        return StoreResult(procedure, known, "unchanged")
    status = "revised"
    if procedure is None:
        procedure = Procedure(code=doc.meta["code"], source_name=source_name)
        db.session.add(procedure)
        status = "created"
    _apply_meta(procedure, doc.meta)
    note = f"随附的公司批准文件{f'（{source_name}）' if source_name else ''}，直接发布"
    revision = store_revision(procedure, _markdown_data(doc, text), user, note=note)
    return StoreResult(procedure, revision, status)


def load_markdown_dir(directory: Path | str = DOCS_DIR, user: User | None = None):
    """Load every `*.md` procedure of a folder (README.md excepted), in file-name order."""
    results = []
    for path in sorted(Path(directory).glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        try:
            results.append(load_markdown(path.read_text(encoding="utf-8"), path.name, user))
        except md.MarkdownError as exc:
            raise md.MarkdownError(f"{path.name}：{exc}") from exc
    return results


# -- Markdown export, edit, preview and publish -----------------------------------------------


@dataclass
class _Node:
    number: str
    style: str
    heading: str
    text: str
    children: list


def clause_tree(revision: Revision) -> list[_Node]:
    """The stored clauses of a revision as a tree, built in one pass (no lazy loads)."""
    nodes: dict[int, _Node] = {}
    roots: list[_Node] = []
    for clause in revision.clauses:
        node = _Node(clause.number, clause.style, clause.heading, clause.text, [])
        nodes[clause.id] = node
        (nodes[clause.parent_id].children if clause.parent_id else roots).append(node)
    return roots


def export_markdown(revision: Revision) -> str:
    """A revision as Markdown with front matter; a legacy one gets proposed values to check."""
    procedure = revision.procedure
    meta = {
        "code": procedure.code,
        "title": revision.title or procedure.title,
        "category": procedure.category,
        "owner_department": procedure.owner_department,
        "revision": revision.label or "A/0",
        "effective_date": revision.effective_date or local_now().date(),
        "change_note": revision.change_note,
        "forms": procedure.forms or [],
        "deadlines": procedure.deadlines or {},
    }
    aliases = search.aliases_of(revision)
    if aliases:  # kept through an edit: the search names the procedure by them
        meta["aliases"] = aliases
    return md.document_markdown(meta, clause_tree(revision), revision.preamble)


def export_filename(procedure: Procedure) -> str:
    """ASCII file name for the download (legacy codes may hold "/", spaces or Chinese)."""
    return re.sub(r"[^a-z0-9._-]+", "-", procedure.code.lower()).strip("-") + ".md"


def edit_start_text(procedure: Procedure) -> str:
    """What the editor starts from: the saved draft, else the current revision as Markdown."""
    draft = procedure.draft_revision
    if draft is not None:
        return draft.source_text
    return export_markdown(procedure.current_revision or procedure.revisions[-1])


@dataclass
class Preview:
    html: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clause_count: int = 0


def preview_markdown(text: str) -> Preview:
    """Parse and render an edit without storing it."""
    try:
        doc = md.parse_markdown(text)
    except md.MarkdownError as exc:
        return Preview(errors=[str(exc)])
    rows = clause_rows(doc.clauses)
    html = md.render_text(doc.preamble) + _document_html(rows, with_ids=False)
    return Preview(html=html, warnings=doc.warnings, clause_count=len(rows))


def publish_revision(
    procedure: Procedure, text: str, user: User, change_note: str = "", *, draft: bool = False
) -> Revision:
    """Publish edited Markdown as the next revision (or keep it as the one draft)."""
    doc = md.parse_markdown(text)
    if doc.meta["code"] != procedure.code:
        raise md.MarkdownError(f"文件编号须保持为 {procedure.code}。")
    data = _markdown_data(doc, text)
    data.change_note = (change_note or "").strip() or data.change_note
    old_draft = procedure.draft_revision
    if old_draft is not None:
        procedure.revisions.remove(old_draft)
    if not draft or procedure.current_revision is None:
        # A document nobody reads yet takes its new fields at once (its owner decides who may
        # see and submit the draft); an issued one keeps its own until the revision is issued.
        _apply_meta(procedure, doc.meta)
    return store_revision(procedure, data, user, draft=draft)


# -- diffs ------------------------------------------------------------------------------------


def diff_pair(procedure: Procedure, from_id: int | None, to_id: int | None):
    """(old, new) revisions to compare: by id, else the current one and the one before it."""
    new = get_revision_or_404(procedure, to_id) if to_id else procedure.current_revision
    if new is None:
        abort(404)
    if from_id:
        return get_revision_or_404(procedure, from_id), new
    older = [r for r in procedure.revisions if r.id < new.id and r.status in ISSUED]
    return (older[-1] if older else new), new


@dataclass
class DiffView:
    procedure: Procedure
    old: Revision
    new: Revision
    rows: list
    counts: dict[str, int]
    choices: list[Revision]


def revision_diff(old: Revision, new: Revision, user: User) -> DiffView:
    from portal.procedures import diff

    def texts(revision):
        return [
            diff.ClauseText(c.anchor, c.citation or c.number, c.heading, c.text, c.depth)
            for c in revision.clauses
        ]

    rows = diff.diff_clauses(texts(old), texts(new))
    procedure = new.procedure
    choices = [r for r in reversed(procedure.revisions) if publishing.can_view_revision(user, r)]
    return DiffView(procedure, old, new, rows, diff.summary(rows), choices)
