"""Test data for document control's reading side: procedures and revisions with their status
fields set directly (issuing is publishing's business and is tested there)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from portal.extensions import db
from portal.procedures.models import Procedure, Revision, RevisionStatus
from portal.procedures.services import content_hash

_seq = itertools.count(1)


def procedure(code: str | None = None, owner: str = "QA", **fields) -> Procedure:
    n = next(_seq)
    doc = Procedure(
        code=code or f"QP-RD-{n:02d}", title=fields.pop("title", f"应读制度{n}"),
        owner_department=owner, category="质量管理", **fields,
    )  # fmt: skip
    db.session.add(doc)
    db.session.flush()
    return doc


def revision(
    doc: Procedure,
    label: str = "A/0",
    status: str = RevisionStatus.CURRENT,
    significance: str = "substantive",
    issued: datetime | date | None = None,
) -> Revision:
    """A revision of `doc`; a current one supersedes the previous current revision."""
    if isinstance(issued, date) and not isinstance(issued, datetime):
        issued = datetime(issued.year, issued.month, issued.day, 2, tzinfo=UTC)
    text = f"第一条 {doc.title} {label}"
    if status == RevisionStatus.CURRENT:
        for old in doc.revisions:
            if old.status == RevisionStatus.CURRENT:
                old.status = RevisionStatus.SUPERSEDED
    rev = Revision(
        procedure=doc, label=label, title=doc.title, status=status, significance=significance,
        source_format="markdown", source_text=text, content_hash=content_hash(text),
        issued_at=issued if status != RevisionStatus.DRAFT else None,
        effective_date=issued.date() if issued else None,
    )  # fmt: skip
    db.session.add(rev)
    db.session.flush()
    return rev
