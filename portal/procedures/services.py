"""Procedure library services: load Markdown, import legacy text, publish, read, acknowledge.

Services flush; the caller (a view or a CLI command) commits once. Other domains use the small
API at the top: `get_current_revision`, `procedure_deadlines`, `clause_url`, `find_clauses`,
`recently_revised`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import abort, current_app, has_request_context, request, url_for
from markupsafe import escape
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import contains_eager

from portal.auth.models import Department, User
from portal.core.clock import local_now, now
from portal.extensions import db
from portal.procedures import markdown as md
from portal.procedures import publishing, reading_cache, search
from portal.procedures.importer import SourceError, document_to_dict, parse_page, read_source
from portal.procedures.models import (
    ISSUED,
    UNISSUED,
    Clause,
    Procedure,
    ProcedureRead,
    Revision,
    RevisionStatus,
    SourceFormat,
    current_procedures,
)

log = logging.getLogger(__name__)

LEGACY_CATEGORY = "历史导入"
DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "procedures"
# Numbering styles that identify a clause on their own; items below them ("(一)", "a)") are
# cited together with their parent: "第五条(一)", "4.3.2 a".
SELF_CITING_STYLES = {"chapter", "section", "article", "decimal", "appendix"}


# -- permissions (predicates shared by views and templates) -----------------------------------


def can_manage(user) -> bool:
    """Import, view source, edit and publish: system administrators only."""
    return bool(user and user.is_authenticated and user.is_sysadmin)


def can_view_revision(user, revision: Revision) -> bool:
    """The one visibility rule (`publishing.can_view_revision`)."""
    return publishing.can_view_revision(user, revision)


# -- loaders and named queries ----------------------------------------------------------------


def get_procedure(code: str) -> Procedure | None:
    return db.session.scalar(select(Procedure).where(Procedure.code == code.strip().upper()))


def get_procedure_or_404(code: str) -> Procedure:
    """A procedure that has a revision (a draft-only one included: the pages then check the
    revision they show with `can_view_revision`)."""
    procedure = get_procedure(code)
    if procedure is None or not procedure.revisions:
        abort(404)
    return procedure


def shown_revision(procedure: Procedure, user) -> Revision | None:
    """What the procedure's page shows `user`: the current revision; without one, the newest
    revision they may see (a withdrawn one under its banner, a draft for its owners)."""
    if procedure.current_revision is not None:
        return procedure.current_revision
    for revision in reversed(procedure.revisions):
        if can_view_revision(user, revision):
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


def _departments() -> list:
    """(code, name, head id) of every department, read once per request (a page may ask for
    names in its text and for heads in its permission checks)."""
    cache = request.environ if has_request_context() else {}
    if "portal.departments" not in cache:
        query = select(Department.code, Department.name, Department.head_id)
        cache["portal.departments"] = db.session.execute(query).all()
    return cache["portal.departments"]


def department_names() -> dict[str, str]:
    return {code: name for code, name, _ in _departments()}


def department_heads() -> dict[str, int | None]:
    """{department code: the head's user id}."""
    return {code: head for code, _, head in _departments()}


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
    """Clauses of the current revision by anchor, in the order asked; unknown anchors skipped."""
    revision = get_current_revision(code)
    if revision is None or not anchors:
        return []
    rows = db.session.scalars(
        select(Clause).where(Clause.revision_id == revision.id, Clause.anchor.in_(anchors))
    )
    by_anchor = {clause.anchor: clause for clause in rows}
    return [by_anchor[a] for a in anchors if a in by_anchor]


def recently_revised(limit: int = 5) -> list[Revision]:
    """Current revisions of visible procedures, most recently issued first."""
    query = (
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
    return list(db.session.scalars(query))


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
    if str(meta.get("review_cycle_months") or "").isdigit():
        procedure.review_cycle_months = max(1, int(meta["review_cycle_months"]))
    for key in ("required_departments", "required_roles"):
        if isinstance(meta.get(key), list):
            setattr(procedure, key, [str(v) for v in meta[key]])


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


# -- legacy text ------------------------------------------------------------------------------


def derive_code(source_name: str, title: str) -> str:
    """A stable code for a legacy document that states none: LEG- + 8 hex of sha1(name, title).

    The file name is part of it so two pages carrying different texts under one title stay
    apart; the same file imported again gets the same code, hence a revision, not a copy."""
    digest = hashlib.sha1(f"{os.path.basename(source_name)}\n{title}".encode()).hexdigest()
    return f"LEG-{digest[:8].upper()}"


@dataclass
class FileResult:
    name: str
    error: str | None = None
    text: str = ""
    documents: list[StoreResult] = field(default_factory=list)
    parsed: list = field(default_factory=list)  # importer ParsedDocument

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def warning_count(self) -> int:
        return sum(len(doc.warnings) for doc in self.parsed)


def parse_legacy(name: str, data: bytes) -> FileResult:
    """Decode and parse one uploaded page; a bad file gives an error and no documents."""
    result = FileResult(name)
    try:
        text = read_source(data, name)
        result.parsed = parse_page(text, source=name)
    except SourceError as exc:
        result.error = str(exc)
        return result
    except Exception:  # a parser bug must not take the other files (or the page) down
        log.exception("legacy import: parsing %s failed", name)
        result.error = f"文件“{name}”无法解析（内部错误，已记录）。没有导入任何内容。"
        return result
    if not result.parsed:
        result.error = f"文件“{name}”中没有找到规程文档。没有导入任何内容。"
    result.text = text
    return result


def _legacy_data(doc, name: str, text: str) -> RevisionData:
    effective = None
    if doc.effective_date:
        try:
            effective = date.fromisoformat(doc.effective_date)
        except ValueError:
            effective = None
    return RevisionData(
        source_format=SourceFormat.LEGACY,
        source_text=text,
        title=doc.title[:200],
        label=(doc.revision or "")[:40],
        effective_date=effective,
        change_note=f"导入自 {name}"[:500],
        nodes=doc.clauses,
        preamble=doc.preamble or "",
        warnings=list(doc.warnings),
    )


def legacy_code(doc, name: str, codes: set[str]) -> str:
    """The code a legacy document is stored under; `codes` holds those of the page so far."""
    stated = (doc.code or "").strip().upper()
    # A stated number too long for the column (or a URL) is kept in the text, not as the code.
    code = stated if 0 < len(stated) <= 30 else derive_code(name, doc.title)
    base, n = code, 2
    while code in codes:  # the same title twice in one page: keep both, apart
        code, n = f"{base}-{n}", n + 1
    codes.add(code)
    return code


def _replace_draft(draft: Revision, data: RevisionData) -> Revision:
    """Import the page again over its draft: the draft's text and clauses become the new ones
    (its change request, if it was sent back, stays attached)."""
    rows = clause_rows(data.nodes)
    draft.source_text, draft.content_hash = data.source_text, content_hash(data.source_text)
    draft.title, draft.label, draft.effective_date = data.title, data.label, data.effective_date
    draft.change_note, draft.warnings = data.change_note, list(data.warnings)
    draft.preamble, draft.preamble_html = data.preamble, md.render_text(data.preamble)
    draft.rendered_html = _document_html(rows)
    db.session.execute(Clause.__table__.delete().where(Clause.revision_id == draft.id))
    db.session.expire(draft, ["clauses"])
    _insert_clauses(draft, rows)
    return draft


LEGACY_ISSUE_NOTE = "批量导入现行纸质文件（{name}），按已批准文件直接发布"


def _store_legacy_document(
    doc, name, text, user, codes: set[str], titles: dict, issue: bool = False
) -> StoreResult:
    code = legacy_code(doc, name, codes)
    procedure = get_procedure(code)
    known = _known_text(procedure, text, any_revision=True)
    if known is not None:
        return StoreResult(procedure, known, "unchanged")
    pending = _pending_revision(procedure)
    # Under review or approved: the change request decides; the same draft text: nothing new
    # (unless it is to be issued now).
    if pending is not None and pending.status != RevisionStatus.DRAFT:
        return StoreResult(procedure, pending, "unchanged")
    if pending is not None and pending.content_hash == content_hash(text) and not issue:
        return StoreResult(procedure, pending, "unchanged")
    edited = pending or (procedure.current_revision if procedure is not None else None)
    if edited is not None and edited.source_format != SourceFormat.LEGACY:
        # The imported text was edited into a document (a draft, or issued): importing the old
        # page again does not undo the edit.
        return StoreResult(procedure, edited, "unchanged")
    status = "revised"
    if procedure is None:
        procedure = Procedure(code=code, title=doc.title[:200], category=LEGACY_CATEGORY)
        db.session.add(procedure)
        status = "created"
    procedure.title, procedure.source_name = doc.title[:200], name[-255:]
    procedure.truncated = bool(doc.truncated)
    if procedure.current_revision is None:
        procedure.reviewed = False
    original = titles.get(doc.duplicate_of) if doc.duplicate_of else None
    if doc.duplicate_of and original is None:
        original = db.session.scalar(
            select(Procedure)
            .where(Procedure.title == doc.duplicate_of, Procedure.duplicate_of_id.is_(None))
            .order_by(Procedure.id)
        )
    procedure.duplicate_of = original if original is not procedure else None
    data = _legacy_data(doc, name, text)
    if pending is not None and pending.status == RevisionStatus.DRAFT:
        revision = _replace_draft(pending, data)
        if issue:
            publishing.issue_directly(revision, user, LEGACY_ISSUE_NOTE.format(name=name))
    else:
        revision = store_revision(
            procedure, data, user, draft=not issue, note=LEGACY_ISSUE_NOTE.format(name=name)
        )
    if not issue:
        publishing.record_import(revision, user, name)
    titles.setdefault(doc.title, procedure)
    return StoreResult(procedure, revision, status)


def _pending_revision(procedure: Procedure | None) -> Revision | None:
    """The one unissued revision of a procedure (draft, under review or approved), if any."""
    if procedure is None:
        return None
    return next((r for r in procedure.revisions if r.status not in ISSUED), None)


def store_legacy_file(
    parsed: FileResult, user: User | None = None, issue: bool = False
) -> FileResult:
    """Store the documents of one parsed page (nothing at all when it had an error)."""
    if not parsed.ok:
        return parsed
    codes: set[str] = set()
    titles: dict[str, Procedure] = {}
    for doc in parsed.parsed:
        parsed.documents.append(
            _store_legacy_document(doc, parsed.name, parsed.text, user, codes, titles, issue)
        )
    return parsed


def import_legacy_files(
    files: Iterable[tuple[str, bytes]],
    user: User | None = None,
    progress: Callable[[FileResult], None] | None = None,
    issue: bool = False,
) -> list[FileResult]:
    """Import pages given as (name, bytes). Every file is parsed before anything is stored, so
    a bad file stores nothing and the good ones are unaffected. The documents land as drafts
    (草稿, seen by administrators and the owning department only); `issue=True` bulk-loads
    documents already in force on paper and issues them at once, with an audit row saying so."""
    results = []
    for name, data in files:
        result = store_legacy_file(parse_legacy(name, data), user, issue)
        results.append(result)
        if progress:
            progress(result)
    return results


def dry_run(files: Iterable[tuple[str, bytes]]) -> dict:
    """The `--dry-run --json` report: parsed documents, no database access."""
    documents, errors = [], []
    for name, data in files:
        result = parse_legacy(name, data)
        if result.ok:
            documents.extend(document_to_dict(doc) for doc in result.parsed)
        else:
            errors.append({"file": name, "error": result.error})
    report = {"documents": documents}
    if errors:
        report["errors"] = errors
    return report


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


# -- reading ----------------------------------------------------------------------------------


@dataclass
class ClauseNode:
    anchor: str
    number: str
    heading: str
    html: str
    citation: str  # what "复制引用" copies
    depth: int
    children: list[ClauseNode] = field(default_factory=list)

    @property
    def toc_label(self) -> str:
        return f"{self.number} {self.heading}".strip()


def name_links(
    procedure: Procedure, page_url: Callable[[str], str] | None = None
) -> tuple[dict[str, str], set[str]]:
    """Names to link when showing a procedure: its forms (when their page exists) and the
    titles of the other procedures. Returns (name → url, names also linked without 《》).
    `page_url(code)` gives another procedure's URL in the static export, which has no forms."""
    links: dict[str, str] = {}
    # Only issued procedures are link targets: a draft (an imported page, say) that happens to
    # share a title must not capture the references to the real procedure.
    others = db.session.execute(
        current_procedures().with_only_columns(Procedure.title, Procedure.code)
    ).all()
    for title, code in others:
        if code != procedure.code:
            url = page_url(code) if page_url else url_for("procedures.detail", code=code)
            links.setdefault(title, url)
    bare: set[str] = set()
    if page_url is not None:
        return links, bare
    views = current_app.view_functions
    for form in procedure.forms or []:
        endpoint = form.get("endpoint")
        if endpoint and endpoint in views:
            links[form["name"]] = url_for(endpoint)
            bare.add(form["name"])
    # Forms that are data (designed forms): each source gives (name, url) for this procedure.
    for source in current_app.extensions.get("portal_procedure_forms", []):
        for name, url in source(procedure.code):
            links.setdefault(name, url)
            bare.add(name)
    return links, bare


def clause_nodes(
    revision: Revision, page_url: Callable[[str], str] | None = None
) -> list[ClauseNode]:
    """The revision's clauses as a tree for the template, names linked, citations ready.
    Computed once per revision and set of link targets (procedures/reading_cache.py), except
    for the static export."""
    return _linked_nodes(revision, page_url, *name_links(revision.procedure, page_url))


def _linked_nodes(
    revision: Revision, page_url: Callable[[str], str] | None, links: dict[str, str], bare: set
) -> list[ClauseNode]:
    procedure = revision.procedure

    def build() -> list[ClauseNode]:
        link = md.name_linker(links, bare, also=[procedure.title])
        nodes: dict[int, ClauseNode] = {}
        roots: list[ClauseNode] = []
        for clause in revision.clauses:
            node = ClauseNode(
                anchor=clause.anchor,
                number=clause.number,
                heading=clause.heading,
                html=link(clause.html),
                citation=citation_text(revision, clause.citation or clause.number),
                depth=clause.depth,
            )
            nodes[clause.id] = node
            (nodes[clause.parent_id].children if clause.parent_id else roots).append(node)
        return roots

    if page_url is not None:
        return build()
    return reading_cache.cached(("nodes", *reading_key(revision, links, bare)), build)


def reading_key(revision: Revision, links: dict[str, str], bare: set[str]) -> tuple:
    """What a revision's rendered text depends on: the revision (never changed once stored),
    the procedure's code and title (in citations) and the names linked in the text."""
    procedure = revision.procedure
    fingerprint = reading_cache.links_fingerprint(links, bare)
    return (revision.id, revision.content_hash, procedure.code, procedure.title, fingerprint)


def toc_entries(nodes: list[ClauseNode]) -> list[ClauseNode]:
    """TOC: the headed clauses (chapters, sections), or the top level when none has a heading."""
    headed = [n for n in nodes if n.heading]
    return headed or nodes


@dataclass
class Acknowledgements:
    has_read: bool
    read_at: object | None
    colleagues_read: list[str]
    colleagues_total: int
    # Required reading (procedures/reading.py): must this user read it, by when, and is it late?
    required: bool = False
    due: date | None = None
    overdue: bool = False


def acknowledgements(revision: Revision, user: User) -> Acknowledgements:
    """Whether the user holds an acknowledgement of the procedure that still counts (an
    editorial revision keeps it, a substantive one resets it: procedures/reading.py), and who
    in their department does."""
    from portal.procedures import reading

    state = reading.reading_state(user, revision.procedure)
    valid = list(state.valid_ids) if state is not None else [revision.id]
    names: list[str] = []
    total = 0
    if user.department_id is not None:
        members = select(User).where(User.department_id == user.department_id, User.active)
        total = db.session.scalar(select(func.count()).select_from(members.subquery()))
        names = list(
            db.session.scalars(
                select(User.display_name)
                .join(ProcedureRead, ProcedureRead.user_id == User.id)
                .where(ProcedureRead.revision_id.in_(valid))
                .where(User.department_id == user.department_id, User.active)
                .group_by(User.id, User.display_name)
                .order_by(func.min(ProcedureRead.at))
            )
        )
    if state is None:
        return Acknowledgements(False, None, names, total)
    return Acknowledgements(
        state.read_at is not None,
        state.read_at,
        names,
        total,
        required=state.required,
        due=state.due,
        overdue=state.overdue,
    )


def acknowledge(user: User, revision: Revision) -> ProcedureRead:
    """Record "我已阅读" for a revision (once; a second click changes nothing)."""
    existing = db.session.scalar(
        select(ProcedureRead).where(
            ProcedureRead.revision_id == revision.id, ProcedureRead.user_id == user.id
        )
    )
    if existing is not None:
        return existing
    read = ProcedureRead(user_id=user.id, revision_id=revision.id, at=now())
    db.session.add(read)
    db.session.flush()
    return read


def read_revision_ids(user: User, revision_ids: Iterable[int]) -> set[int]:
    ids = list(revision_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ProcedureRead.revision_id).where(
                ProcedureRead.user_id == user.id, ProcedureRead.revision_id.in_(ids)
            )
        )
    )


@dataclass
class ReadingView:
    procedure: Procedure
    revision: Revision
    owner_name: str
    nodes: list[ClauseNode]
    toc: list[ClauseNode]
    history: list[Revision]  # published revisions, newest first
    acks: Acknowledgements | None  # only on the current revision
    # The rendered text's key in procedures/reading_cache.py (None: not cached, the export).
    cache_key: tuple | None = None
    # 修订历史: authoring.HistoryRow of the issued revisions (版本 / 日期 / 修订内容 / 修订人 / 批准人).
    history_rows: list = field(default_factory=list)


def reading_view(
    revision: Revision, user: User | None, page_url: Callable[[str], str] | None = None
) -> ReadingView:
    """What the reading page shows. Without a user (the static export) there are no read
    acknowledgements; `page_url` is the export's link to another procedure's page."""
    from portal.procedures import authoring  # it builds on this module

    procedure = revision.procedure
    links, bare = name_links(procedure, page_url)
    nodes = _linked_nodes(revision, page_url, links, bare)
    history = [r for r in reversed(procedure.revisions) if r.status in ISSUED]
    is_current = revision.status == RevisionStatus.CURRENT
    owner = department_names().get(procedure.owner_department, procedure.owner_department)
    return ReadingView(
        procedure=procedure,
        revision=revision,
        owner_name=owner,
        nodes=nodes,
        toc=toc_entries(nodes),
        history=history,
        acks=acknowledgements(revision, user) if is_current and user is not None else None,
        cache_key=None if page_url else reading_key(revision, links, bare),
        history_rows=authoring.revision_history(procedure) if len(history) > 0 else [],
    )


# -- the library index ------------------------------------------------------------------------


@dataclass
class IndexRow:
    procedure: Procedure
    revision: Revision
    owner_name: str
    unread: bool
    # 草稿 / 审核中 / 待发布: an unissued revision the user may see (owners, administrators)
    state: str = ""
    state_revision: Revision | None = None


@dataclass
class LibraryIndex:
    group_by: str  # "category" or "department"
    groups: list[tuple[str, list[IndexRow]]]
    categories: list[str]
    departments: list[tuple[str, str]]  # (code, name)
    hidden_count: int


def library_index(
    user: User | None,
    group_by: str = "category",
    category: str = "",
    department: str = "",
    show_hidden: bool = False,
) -> LibraryIndex:
    """Current procedures grouped by category or owner department, with the filter choices."""
    names = department_names()
    everything = db.session.execute(current_procedures(show_hidden=True)).all()
    pending = _unissued_for(user)
    current_ids = {p.id for p, _ in everything}
    everything += [(p, r) for p, r in pending.values() if p.id not in current_ids]
    visible = [(p, r) for p, r in everything if show_hidden or not p.hidden]
    rows = [
        (p, r)
        for p, r in visible
        if (not category or p.category == category)
        and (not department or p.owner_department == department)
    ]
    # No user (the static export): nothing is marked unread.
    read = read_revision_ids(user, (r.id for _, r in rows)) if user else {r.id for _, r in rows}
    groups: dict[str, list[IndexRow]] = {}
    for p, r in rows:
        owner = names.get(p.owner_department, p.owner_department) or "未指定部门"
        key = owner if group_by == "department" else (p.category or "未分类")
        row = IndexRow(p, r, owner, r.id not in read and r.status == RevisionStatus.CURRENT)
        if p.id in pending:
            row.state_revision = pending[p.id][1]
            row.state = row.state_revision.status_name
        groups.setdefault(key, []).append(row)
    return LibraryIndex(
        group_by="department" if group_by == "department" else "category",
        # Imported pages waiting for review come after the company's own procedures.
        groups=sorted(groups.items(), key=lambda g: (g[0] == LEGACY_CATEGORY, g[0])),
        categories=sorted({p.category for p, _ in everything if p.category}),
        departments=sorted(
            {
                (p.owner_department, names.get(p.owner_department, p.owner_department))
                for p, _ in everything
                if p.owner_department
            }
        ),
        hidden_count=sum(1 for p, _ in everything if p.hidden),
    )


def _unissued_for(user: User | None) -> dict[int, tuple[Procedure, Revision]]:
    """Procedure id -> (procedure, its unissued revision) for the ones `user` may see in the
    list: all for administrators, their department's for others, none for the export."""
    if user is None or not user.is_authenticated:
        return {}
    query = (
        select(Procedure, Revision)
        .join(Revision, Revision.procedure_id == Procedure.id)
        .where(Revision.status.in_(UNISSUED))
        .order_by(Revision.id)
    )
    if not user.is_sysadmin:
        department = user.department
        if department is None:
            return {}
        query = query.where(Procedure.owner_department == department.code)
    return {p.id: (p, r) for p, r in db.session.execute(query).all()}


# -- home panel and demo data -----------------------------------------------------------------


def recent_revisions_panel(user):
    """Home page panel "最近修订的制度", unread ones marked."""
    from portal.home.services import Panel

    revisions = recently_revised(6)
    read = read_revision_ids(user, (r.id for r in revisions))
    items = []
    for revision in revisions:
        procedure = revision.procedure
        meta = " · ".join(
            part
            for part in (
                revision.label,
                f"{revision.effective_date.isoformat()} 生效" if revision.effective_date else "",
            )
            if part
        )
        items.append(
            {
                "label": f"{procedure.title}（{procedure.code}）",
                "url": url_for("procedures.detail", code=procedure.code),
                "meta": meta,
                "tag": "" if revision.id in read else "未读",
            }
        )
    return Panel(
        title="最近修订的制度",
        items=items,
        empty="暂无制度。",
        more_url=url_for("procedures.index"),
        order=20,
    )


def demo_loader() -> list[str]:
    """`make run`: the bundled procedures, and the legacy seed pages when PORTAL_SEEDS is set."""
    results = load_markdown_dir(DOCS_DIR)
    changed = sum(1 for r in results if r.status != "unchanged")
    lines = [f"procedures: {len(results)} Markdown procedures ({changed} new or revised)"]
    seeds = os.environ.get("PORTAL_SEEDS", "")
    if seeds and Path(seeds).is_dir():
        paths = sorted(Path(seeds).glob("*.txt"))
        files = import_legacy_files((p.name, p.read_bytes()) for p in paths)
        documents = [d for f in files for d in f.documents]
        new = sum(1 for d in documents if d.status != "unchanged")
        errors = [f.error for f in files if f.error]
        lines.append(
            f"procedures: {len(paths)} legacy pages, {len(documents)} documents ({new} new or "
            f"revised){'; errors: ' + '; '.join(errors) if errors else ''}"
        )
    return lines


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
    choices = [r for r in reversed(procedure.revisions) if can_view_revision(user, r)]
    return DiffView(procedure, old, new, rows, diff.summary(rows), choices)
