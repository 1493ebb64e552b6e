"""Authoring procedures without YAML: the editor's fields and Markdown body become THE one
draft revision of a procedure (from scratch, from a copy of the current revision, or from a
legacy import), its live preview with the clause outline, and the revision history table.

The draft's source text is Markdown with front matter built here from the fields (the author
never sees YAML); the front matter also carries the metadata the procedure takes when the draft
is issued (`pending_meta`, applied by `apply_pending_meta`). A procedure that was never issued
takes its metadata at once: nobody but its owners sees it yet, and the owning department
decides who may write and review it. Functions flush; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from portal.auth.models import ROLE_NAMES, Department, RoleCode, User
from portal.core import audit
from portal.core.clock import local_zone
from portal.core.prefetch import keep
from portal.extensions import db
from portal.procedures import markdown as md
from portal.procedures import publishing, revisions
from portal.procedures.legacy import LEGACY_CATEGORY
from portal.procedures.models import (
    DEFAULT_REVIEW_CYCLE_MONTHS,
    ISSUED,
    Procedure,
    Revision,
    RevisionStatus,
    SourceFormat,
)

# Front matter keys beyond markdown.REQUIRED_KEYS that the editor writes and issue applies.
PENDING_KEYS = ("review_cycle_months", "required_departments", "required_roles")
FIELD_NAMES = (
    "code", "title", "category", "owner_department", "revision", "effective_date",
    "review_cycle_months", "required_departments", "required_roles",
)  # fmt: skip


def has_issued(procedure: Procedure | None) -> bool:
    return procedure is not None and any(r.status in ISSUED for r in procedure.revisions)


def in_progress(procedure: Procedure | None) -> Revision | None:
    """A revision under review (审核中) or approved and waiting for its date (待发布): while
    there is one, no other draft is started (it would be issued over it)."""
    if procedure is None:
        return None
    waiting = (RevisionStatus.REVIEW, RevisionStatus.APPROVED)
    return next((r for r in procedure.revisions if r.status in waiting), None)


# -- choices ----------------------------------------------------------------------------------


def department_choices() -> list[tuple[str, str]]:
    query = select(Department.code, Department.name).order_by(Department.code)
    return [(code, name) for code, name in db.session.execute(query)]


def role_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in ROLE_NAMES.items() if code != RoleCode.SYSADMIN]


def category_choices() -> list[str]:
    """The library's categories, for the editor's list of suggestions."""
    rows = db.session.scalars(select(Procedure.category).distinct().where(Procedure.category != ""))
    return sorted(c for c in rows if c != LEGACY_CATEGORY)


# -- what the form starts from ------------------------------------------------------------------


@dataclass
class Start:
    """The editor's first values: fields (FIELD_NAMES) and the body, and where they came from
    ("draft", "import", "copy" or "new")."""

    fields: dict
    body: str
    origin: str


def next_label(label: str) -> str:
    """The revision after `label`: A/0 → A/1, B → C, 3 → 4; "" when there is no pattern."""
    match = re.search(r"(\d+)$", label or "")
    if match:
        return f"{label[: match.start()]}{int(match.group(1)) + 1}"
    if label and label[-1].isalpha() and label[-1] not in "Zz":
        return label[:-1] + chr(ord(label[-1]) + 1)
    return ""


def _body_of(revision: Revision) -> str:
    """A revision's body as Markdown without front matter."""
    if revision.source_format == SourceFormat.MARKDOWN:
        try:
            return md.split_front_matter(revision.source_text)[1].strip() + "\n"
        except md.MarkdownError:
            return revision.source_text
    blocks = [revision.preamble.strip()] if revision.preamble.strip() else []
    blocks.extend(md.clauses_to_markdown(revisions.clause_tree(revision)))
    return "\n\n".join(blocks) + "\n"


def _procedure_fields(procedure: Procedure) -> dict:
    category = procedure.category if procedure.category != LEGACY_CATEGORY else ""
    return {
        "code": procedure.code,
        "title": procedure.title,
        "category": category,
        "owner_department": procedure.owner_department,
        "review_cycle_months": procedure.review_cycle_months or DEFAULT_REVIEW_CYCLE_MONTHS,
        "required_departments": list(procedure.required_departments or []),
        "required_roles": list(procedure.required_roles or []),
    }


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def start(procedure: Procedure | None, user) -> Start:
    """The saved draft (an import's draft with the importer's proposed values), else a copy of
    the current revision (新修订), else a new document (新建文件)."""
    if procedure is None:
        department = getattr(user, "department", None)
        fields = {
            "code": "", "title": "", "category": "", "revision": "A/0", "effective_date": None,
            "owner_department": department.code if department is not None else "",
            "review_cycle_months": DEFAULT_REVIEW_CYCLE_MONTHS,
            "required_departments": [], "required_roles": [],
        }  # fmt: skip
        return Start(fields, "", "new")
    fields = _procedure_fields(procedure)
    department = getattr(user, "department", None)
    if not fields["owner_department"] and department is not None:
        fields["owner_department"] = department.code  # an import names none: propose theirs
    draft = procedure.draft_revision
    if draft is not None and draft.source_format == SourceFormat.MARKDOWN:
        meta = pending_meta(draft)
        fields.update({k: meta[k] for k in FIELD_NAMES if k in meta and k != "code"})
        fields["effective_date"] = _date(meta.get("effective_date"))
        fields["title"] = draft.title or fields["title"]
        return Start(fields, _body_of(draft), "draft")
    if draft is not None:  # a legacy import: the importer's proposals, to check
        fields.update(
            title=draft.title or procedure.title,
            revision=draft.label or "A/0",
            effective_date=draft.effective_date,
        )
        return Start(fields, _body_of(draft), "import")
    current = procedure.current_revision or procedure.revisions[-1]
    fields.update(
        title=current.title or procedure.title,
        revision=next_label(current.label),
        effective_date=None,
    )
    return Start(fields, _body_of(current), "copy")


# -- the draft ----------------------------------------------------------------------------------


def pending_meta(revision: Revision) -> dict:
    """The front matter of a Markdown revision as written ({} when there is none)."""
    return revision.front_matter


def draft_markdown(code: str, fields: dict, body: str, procedure: Procedure | None = None) -> str:
    """The draft's source text: front matter from the fields, then the body as typed."""
    effective = fields.get("effective_date")
    meta = {
        "code": code,
        "title": fields.get("title") or "",
        "category": fields.get("category") or "",
        "owner_department": fields.get("owner_department") or "",
        "revision": fields.get("revision") or "",
        "effective_date": effective,
        "forms": (procedure.forms if procedure else None) or [],
        "deadlines": (procedure.deadlines if procedure else None) or {},
        "review_cycle_months": int(fields.get("review_cycle_months") or 0)
        or DEFAULT_REVIEW_CYCLE_MONTHS,
        "required_departments": list(fields.get("required_departments") or []),
        "required_roles": list(fields.get("required_roles") or []),
    }
    current = procedure.current_revision if procedure else None
    if current is not None:
        from portal.search import index as search

        aliases = search.aliases_of(current)
        if aliases:  # kept through an edit: the search names the procedure by them
            meta["aliases"] = aliases
    return md.front_matter(meta) + "\n\n" + (body or "").strip() + "\n"


def save_draft(procedure: Procedure | None, fields: dict, body_markdown: str, user) -> Revision:
    """Create or update THE one draft of a procedure (a new procedure when `procedure` is None).

    Raises publishing.DocumentError(field, message) for a taken code or a body that has no
    numbered clause. A procedure never issued takes the fields at once; an issued one keeps its
    metadata until the draft is issued (the fields wait in the draft's front matter)."""
    created = procedure is None
    if procedure is None:
        code = publishing.check_code(fields.get("code", ""))
        procedure = Procedure(code=code, title=fields["title"], reviewed=False)
        db.session.add(procedure)
    elif not has_issued(procedure) and fields.get("code"):
        procedure.code = publishing.check_code(fields["code"], procedure)
    text = draft_markdown(procedure.code, fields, body_markdown, procedure)
    try:
        doc = md.parse_markdown(text)
    except md.MarkdownError as exc:
        if created:
            db.session.expunge(procedure)
        raise publishing.DocumentError(_error_field(str(exc)), str(exc)) from exc
    if not has_issued(procedure):
        apply_pending_meta(procedure, doc.meta)
    data = revisions._markdown_data(doc, text)
    draft = procedure.draft_revision
    if draft is None:
        draft = revisions.store_revision(procedure, data, user, draft=True)
    else:
        _rewrite(draft, data)
    audit.record(
        publishing.SUBJECT,
        draft.id,
        "draft",
        user,
        from_status=RevisionStatus.DRAFT,
        to_status=RevisionStatus.DRAFT,
        data={"procedure": procedure.code, "label": draft.label},
    )
    return draft


def _error_field(message: str) -> str:
    """Which field a MarkdownError is about: the code's format, else the body."""
    return "code" if "文件编号" in message else "body"


def _rewrite(draft: Revision, data: revisions.RevisionData) -> None:
    """The draft's text and clauses replaced in place: it keeps its id and change request."""
    draft.source_format = data.source_format
    draft.source_text = data.source_text
    draft.content_hash = revisions.content_hash(data.source_text)
    draft.title, draft.label, draft.effective_date = data.title, data.label, data.effective_date
    draft.warnings = list(data.warnings)
    draft.preamble = data.preamble
    draft.preamble_html = md.render_text(data.preamble)
    rows = revisions.clause_rows(data.nodes)
    draft.rendered_html = revisions._document_html(rows)
    draft.clauses.clear()
    db.session.flush()
    revisions._insert_clauses(draft, rows)


def apply_pending_meta(procedure: Procedure, meta: dict | None = None) -> None:
    """The procedure takes the metadata of a draft's front matter (`meta`, or that of its
    current revision): title, category, owner, review cycle and required readers. For issue
    (publishing.issue) and for procedures never issued."""
    if meta is None:
        current = procedure.current_revision
        meta = current.front_matter if current is not None else {}
    if meta:
        procedure.apply_front_matter(meta)


# -- preview ------------------------------------------------------------------------------------


@dataclass
class OutlineItem:
    number: str
    label: str
    depth: int


@dataclass
class BodyPreview:
    html: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outline: list[OutlineItem] = field(default_factory=list)

    @property
    def clause_count(self) -> int:
        return len(self.outline)


OUTLINE_TEXT = 24


def preview_body(body: str) -> BodyPreview:
    """The body rendered as the reading page shows it, and its clause outline, unsaved."""
    if not (body or "").strip():
        return BodyPreview(errors=["请输入正文。"])
    clauses, warnings, preamble = md.clause_tree(md.body_blocks(body))
    if not clauses:
        return BodyPreview(errors=["正文中没有找到任何带编号的条款（如“第一条”或“1.1”）。"])
    rows = revisions.clause_rows(clauses)
    outline = []
    for row in rows:
        label = row["heading"] or " ".join(row["text"].split())
        if len(label) > OUTLINE_TEXT:
            label = label[:OUTLINE_TEXT] + "…"
        outline.append(OutlineItem(row["number"], label, row["depth"]))
    html = md.render_text(preamble) + revisions._document_html(rows, with_ids=False)
    return BodyPreview(html=html, warnings=warnings, outline=outline)


# -- revision history ---------------------------------------------------------------------------


@dataclass
class HistoryRow:
    """One line of 修订历史: 版本 / 日期 / 修订内容 / 修订人 / 批准人."""

    revision_id: int
    label: str
    date: str
    change_note: str
    author: str
    approver: str
    status: str


def revision_history(procedure: Procedure) -> list[HistoryRow]:
    """The issued revisions, oldest first: the date is the revision's effective date (else the
    day it was issued), the author who wrote it, who approved it. From the procedure's
    revisions (loaded with them by `get_procedure_or_404`); people not in the session yet
    in one statement."""
    issued = [r for r in procedure.revisions if r.status in ISSUED]
    people = {i for r in issued for i in (r.created_by_id, r.approved_by_id) if i is not None}
    missing = [i for i in people if db.session.identity_map.get(identity_key(User, i)) is None]
    if missing:
        keep(db.session.scalars(select(User).where(User.id.in_(missing))).all())
    rows = []
    for revision in issued:
        author_name = revision.created_by.display_name if revision.created_by else None
        approver_name = revision.approved_by.display_name if revision.approved_by else None
        if revision.effective_date is not None:
            day = revision.effective_date.isoformat()
        elif revision.issued_at is not None:
            day = revision.issued_at.astimezone(local_zone()).date().isoformat()
        else:
            day = "—"
        rows.append(
            HistoryRow(
                revision_id=revision.id,
                label=revision.label or "—",
                date=day,
                change_note=revision.change_note or "",
                author=author_name or "—",
                approver=approver_name or "—",
                status=revision.status_name,
            )
        )
    return rows
