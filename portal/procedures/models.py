"""Procedure library models: procedures, their revisions, the clause tree and read receipts.

A Procedure is the controlled document (its code never changes); each Revision is one edition of
its text; Clauses are that edition's parsed tree. Document control (ISO 9001 7.5): a revision is a
`draft` (草稿, also every legacy import) → `review` (审核中, on the engine's "procedures" flow) →
`approved` (待发布, waiting for its effective date) → `current` (现行; at most one per procedure)
→ `superseded` or `withdrawn` (已作废, still readable under a banner). Only current and
superseded/withdrawn revisions are issued: employees, search, PDFs marked 受控 and the static
export see nothing else.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.core.clock import now
from portal.core.types import UTCDateTime
from portal.extensions import db
from portal.workflow.models import Instance


class RevisionStatus:
    """Revision statuses (lower-case strings, one place)."""

    DRAFT = "draft"
    REVIEW = "review"
    APPROVED = "approved"
    CURRENT = "current"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


STATUS_NAMES = {
    RevisionStatus.DRAFT: "草稿",
    RevisionStatus.REVIEW: "审核中",
    RevisionStatus.APPROVED: "待发布",
    RevisionStatus.CURRENT: "现行",
    RevisionStatus.SUPERSEDED: "已作废",
    RevisionStatus.WITHDRAWN: "已作废",
}
# Revisions that were issued: what employees, search, controlled PDFs and the export may show.
ISSUED = (RevisionStatus.CURRENT, RevisionStatus.SUPERSEDED, RevisionStatus.WITHDRAWN)
# Revisions still being prepared: the owning department and administrators only.
UNISSUED = (RevisionStatus.DRAFT, RevisionStatus.REVIEW, RevisionStatus.APPROVED)


class Significance:
    """How much a revision changes (修订性质): a substantive one resets required reading."""

    EDITORIAL = "editorial"
    SUBSTANTIVE = "substantive"


SIGNIFICANCE_NAMES = {Significance.EDITORIAL: "编辑性修改", Significance.SUBSTANTIVE: "实质性修改"}
DEFAULT_REVIEW_CYCLE_MONTHS = 24
DEFAULT_READING_DAYS = 14


class SourceFormat:
    MARKDOWN = "markdown"
    LEGACY = "legacy-text"


class Procedure(db.Model):
    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), default="")
    owner_department: Mapped[str] = mapped_column(String(20), default="")  # a Department code
    # From the front matter: [{"name", "endpoint"?}] and {stage: {"hours"|"days": N, ...}}.
    forms: Mapped[list] = mapped_column(JSON, default=list)
    deadlines: Mapped[dict] = mapped_column(JSON, default=dict)
    # Legacy imports start unreviewed; duplicates and truncated previews are hidden by default.
    reviewed: Mapped[bool] = mapped_column(default=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    truncated: Mapped[bool] = mapped_column(default=False)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Periodic review (定期评审): every `review_cycle_months` from the last issue or review.
    review_cycle_months: Mapped[int] = mapped_column(default=DEFAULT_REVIEW_CYCLE_MONTHS)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    # Required reading (应读): department codes and role codes whose members must acknowledge
    # each substantive revision within `reading_days` of its issue.
    required_departments: Mapped[list] = mapped_column(JSON, default=list)
    required_roles: Mapped[list] = mapped_column(JSON, default=list)
    reading_days: Mapped[int] = mapped_column(default=DEFAULT_READING_DAYS)

    duplicate_of: Mapped[Procedure | None] = relationship(remote_side=[id])
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="procedure", order_by="Revision.id", cascade="all, delete-orphan"
    )

    @property
    def current_revision(self) -> Revision | None:
        return next((r for r in self.revisions if r.status == RevisionStatus.CURRENT), None)

    @property
    def draft_revision(self) -> Revision | None:
        return next((r for r in self.revisions if r.status == RevisionStatus.DRAFT), None)

    @property
    def is_legacy(self) -> bool:
        return any(r.source_format == SourceFormat.LEGACY for r in self.revisions)

    def apply_front_matter(self, meta: dict) -> None:
        """Take the metadata a revision's front matter names (title, category, owner, review
        cycle, required readers; what is missing or malformed is left as it is)."""
        for key in ("title", "category"):
            if meta.get(key):
                setattr(self, key, str(meta[key]).strip())
        if meta.get("owner_department"):
            self.owner_department = str(meta["owner_department"]).strip().upper()
        if meta.get("review_cycle_months"):
            with contextlib.suppress(TypeError, ValueError):
                self.review_cycle_months = max(1, int(meta["review_cycle_months"]))
        for key in ("required_departments", "required_roles"):
            if isinstance(meta.get(key), list):
                setattr(self, key, [str(v) for v in meta[key]])

    @property
    def hidden(self) -> bool:
        """Hidden from the default list: a duplicate copy or a truncated preview."""
        return self.duplicate_of_id is not None or self.truncated

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


class Revision(db.Model):
    __tablename__ = "procedure_revisions"
    __table_args__ = (Index("ix_procedure_revisions_procedure_status", "procedure_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40), default="")  # e.g. "A/0"
    # The title as this revision states it, so citations of an old revision stay exact.
    title: Mapped[str] = mapped_column(String(200), default="")
    effective_date: Mapped[date | None] = mapped_column(Date)
    source_format: Mapped[str] = mapped_column(String(20))
    source_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of source_text
    rendered_html: Mapped[str] = mapped_column(Text, default="")
    preamble: Mapped[str] = mapped_column(Text, default="")  # unnumbered text before clause 1
    preamble_html: Mapped[str] = mapped_column(Text, default="")
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=RevisionStatus.CURRENT)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Document control: the change request on the engine ("procedures" flow), its significance,
    # the departments asked to co-sign (会签), who approved it and when it was issued.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    significance: Mapped[str] = mapped_column(String(20), default="")
    cosign_departments: Mapped[list] = mapped_column(JSON, default=list)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(String(500), default="")

    procedure: Mapped[Procedure] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    instance: Mapped[Instance | None] = relationship()
    clauses: Mapped[list[Clause]] = relationship(
        back_populates="revision", order_by="Clause.position", cascade="all, delete-orphan"
    )

    @property
    def front_matter(self) -> dict:
        """The front matter of a Markdown revision as written ({} when there is none)."""
        from portal.procedures import markdown as md

        if self.source_format != SourceFormat.MARKDOWN:
            return {}
        try:
            return md.split_front_matter(self.source_text)[0]
        except md.MarkdownError:
            return {}

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)

    @property
    def root_clauses(self) -> list[Clause]:
        return [c for c in self.clauses if c.parent_id is None]

    def __repr__(self) -> str:
        return f"<Revision {self.procedure_id} {self.label} {self.status}>"


class Clause(db.Model):
    __tablename__ = "procedure_clauses"
    __table_args__ = (UniqueConstraint("revision_id", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_revisions.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_clauses.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0)  # document order within the revision
    depth: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(String(60), default="")  # as written: "第五条", "4.3.1"
    style: Mapped[str] = mapped_column(String(20), default="")
    path: Mapped[str] = mapped_column(String(80), default="")  # normalized, e.g. "4.3.1"
    anchor: Mapped[str] = mapped_column(String(120))  # ASCII, unique per revision
    citation: Mapped[str] = mapped_column(String(120), default="")  # e.g. "第五条（一）"
    heading: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")  # sanitised; form links added when shown

    revision: Mapped[Revision] = relationship(back_populates="clauses")
    parent: Mapped[Clause | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Clause]] = relationship(
        back_populates="parent", order_by="Clause.position"
    )

    def __repr__(self) -> str:
        return f"<Clause {self.anchor}>"


class ProcedureRead(db.Model):
    """A read acknowledgement ("我已阅读") of one revision by one user."""

    __tablename__ = "procedure_reads"
    __table_args__ = (UniqueConstraint("user_id", "revision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_revisions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship()
    revision: Mapped[Revision] = relationship()


class ControlledCopy(db.Model):
    """A printed controlled copy (受控副本) of an issued revision: its number is printed on every
    page; when the revision is superseded the copy is listed for recall until recalled."""

    __tablename__ = "procedure_copies"
    __table_args__ = (UniqueConstraint("procedure_id", "copy_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_revisions.id", ondelete="CASCADE"), index=True
    )
    copy_no: Mapped[int] = mapped_column()  # 受控副本 No. 003, per procedure
    holder: Mapped[str] = mapped_column(String(100))  # the person or place that holds it
    holder_department: Mapped[str] = mapped_column(String(20), default="")  # a Department code
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recalled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recall_note: Mapped[str] = mapped_column(String(300), default="")

    procedure: Mapped[Procedure] = relationship()
    revision: Mapped[Revision] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    recalled_by: Mapped[User | None] = relationship(foreign_keys=[recalled_by_id])


class ProcedureReview(db.Model):
    """A periodic review of a procedure by its owner: "no change" (继续有效) or "revise"."""

    __tablename__ = "procedure_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_revisions.id", ondelete="SET NULL")
    )
    outcome: Mapped[str] = mapped_column(String(20))  # "no_change" | "revise"
    note: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    procedure: Mapped[Procedure] = relationship()
    reviewed_by: Mapped[User | None] = relationship()


def current_procedures(show_hidden: bool = False):
    """Procedures that have a current revision, as a select() (hidden ones on request)."""
    query = (
        select(Procedure, Revision)
        .join(Revision, Revision.procedure_id == Procedure.id)
        .where(Revision.status == RevisionStatus.CURRENT)
        .order_by(Procedure.category, Procedure.code)
    )
    if not show_hidden:
        query = query.where(Procedure.duplicate_of_id.is_(None), Procedure.truncated.is_(False))
    return query


class SearchClause(db.Model):
    """One clause of a published revision in the search index (`portal.search.index`).

    A copy made for searching, written only by that module: the procedure's fields are repeated
    so a query filters without joins, and `body` is `search_text.normalize` of the clause's
    number, heading and text, which is what a term must be a substring of. Drafts are never
    indexed; superseded revisions are, with `is_current` false.
    """

    __tablename__ = "search_clauses"

    clause_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_clauses.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_revisions.id", ondelete="CASCADE"), index=True
    )
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), default="")
    owner_department: Mapped[str] = mapped_column(String(20), default="")
    is_current: Mapped[bool] = mapped_column(default=True)
    # Duplicate copies and truncated previews: left out of searches, as the library hides them.
    hidden: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    anchor: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(120), default="")  # the clause's citation
    body: Mapped[str] = mapped_column(Text, default="")


class SearchDocument(db.Model):
    """One published revision as a whole in the search index: the fields a person names a
    procedure by (code, title, aliases from the front matter, preamble), written only by
    `portal.search.index`. `body` is `search_text.normalize` of all of them, which is what
    a term must be a substring of for the procedure itself to be a hit."""

    __tablename__ = "search_documents"

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_revisions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), default="")
    owner_department: Mapped[str] = mapped_column(String(20), default="")
    is_current: Mapped[bool] = mapped_column(default=True)
    hidden: Mapped[bool] = mapped_column(default=False)
    aliases: Mapped[str] = mapped_column(Text, default="")  # one per line, as written
    preamble: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
