"""Legacy imports: pages of noisy text parsed by the importer and stored as draft revisions
(or issued at once for procedures already in force), the dry run. Functions flush."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.procedures import markdown as md
from portal.procedures import publishing
from portal.procedures.importer import SourceError, document_to_dict, parse_page, read_source
from portal.procedures.models import (
    ISSUED,
    Clause,
    Procedure,
    Revision,
    RevisionStatus,
    SourceFormat,
)
from portal.procedures.revisions import (
    RevisionData,
    StoreResult,
    _document_html,
    _insert_clauses,
    _known_text,
    clause_rows,
    content_hash,
    get_procedure,
    store_revision,
)

log = logging.getLogger(__name__)

LEGACY_CATEGORY = "历史导入"


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
    if issue:  # in force on paper, issued here without the portal's review: ranked below
        procedure.reviewed = False  # the procedures that went through it (search/ranking.py)
    else:
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
