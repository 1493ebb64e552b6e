"""Controlled copies (受控副本): a numbered print of the current revision for a named holder,
recalled when the revision is superseded. The plain PDF is an uncontrolled print (非受控).

Copy numbers run per procedure without gaps: the procedure's row is locked while the next
number is taken (`core.locking.lock_row`: FOR UPDATE on PostgreSQL, the write lock on SQLite),
and the unique constraint (procedure_id, copy_no) is the backstop.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.auth.models import RoleCode
from portal.core import audit
from portal.core.clock import now
from portal.core.locking import Busy, lock_row
from portal.extensions import db
from portal.procedures.models import ControlledCopy, Procedure, Revision, RevisionStatus
from portal.procedures.publishing import SUBJECT

audit.ACTION_LABELS.setdefault("print_copy", "打印受控副本")
audit.ACTION_LABELS.setdefault("recall_copy", "回收受控副本")


class CopyError(Exception):
    """A refusal with a Chinese message for the person who asked."""


def copy_label(copy_no: int) -> str:
    return f"受控副本 No. {copy_no:03d}"


def can_manage_copies(user, procedure: Procedure) -> bool:
    """The one rule for controlled copies (issue, list, recall): sysadmin, the quality role and
    members of the owning department."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_sysadmin or user.has_role(RoleCode.QUALITY):
        return True
    department = user.department
    return department is not None and department.code == procedure.owner_department != ""


def issue_copy(
    procedure: Procedure, user, holder: str, holder_department: str = ""
) -> ControlledCopy:
    """Number and record a controlled copy of the current revision (the caller renders it)."""
    revision = procedure.current_revision
    if revision is None:
        raise CopyError("该制度没有现行版本，不能打印受控副本。")
    try:
        lock_row(Procedure, procedure.id)
    except Busy as exc:
        raise CopyError("另一份受控副本正在登记，请稍后重试。") from exc
    last = db.session.scalar(
        select(func.max(ControlledCopy.copy_no)).where(ControlledCopy.procedure_id == procedure.id)
    )
    copy = ControlledCopy(
        procedure_id=procedure.id,
        revision_id=revision.id,
        copy_no=(last or 0) + 1,
        holder=holder.strip(),
        holder_department=holder_department,
        issued_by_id=user.id,
        issued_at=now(),
    )
    db.session.add(copy)
    db.session.flush()
    audit.record(
        SUBJECT,
        revision.id,
        "print_copy",
        user,
        comment=f"{copy_label(copy.copy_no)}，修订 {revision.label or '—'}，持有人：{copy.holder}",
        data={"copy_id": copy.id, "copy_no": copy.copy_no, "revision_id": revision.id},
    )
    return copy


def to_recall(copy: ControlledCopy) -> bool:
    """待回收: handed out, not returned, and its revision is no longer current."""
    return copy.recalled_at is None and copy.revision.status != RevisionStatus.CURRENT


def recall_copy(copy: ControlledCopy, user, note: str = "") -> ControlledCopy:
    if copy.recalled_at is not None:
        raise CopyError(f"{copy_label(copy.copy_no)} 已于此前回收。")
    copy.recalled_at = now()
    copy.recalled_by_id = user.id
    copy.recall_note = note
    db.session.flush()
    audit.record(
        SUBJECT,
        copy.revision_id,
        "recall_copy",
        user,
        comment=f"回收{copy_label(copy.copy_no)}（持有人：{copy.holder}）{'：' + note if note else ''}",
        data={"copy_id": copy.id, "copy_no": copy.copy_no},
    )
    return copy


def copies_of(procedure: Procedure):
    """The procedure's copies, newest first, with their revision and people loaded."""
    return (
        select(ControlledCopy)
        .where(ControlledCopy.procedure_id == procedure.id)
        .options(
            joinedload(ControlledCopy.revision),
            joinedload(ControlledCopy.issued_by),
            joinedload(ControlledCopy.recalled_by),
        )
        .order_by(ControlledCopy.copy_no.desc())
    )


def get_copy_or_none(procedure: Procedure, copy_id: int) -> ControlledCopy | None:
    copy = db.session.get(ControlledCopy, copy_id)
    return copy if copy is not None and copy.procedure_id == procedure.id else None


def recall_count(procedure: Procedure) -> int:
    """How many copies of the procedure wait to be recalled (one statement)."""
    return db.session.scalar(
        select(func.count(ControlledCopy.id))
        .join(Revision, Revision.id == ControlledCopy.revision_id)
        .where(
            ControlledCopy.procedure_id == procedure.id,
            ControlledCopy.recalled_at.is_(None),
            Revision.status != RevisionStatus.CURRENT,
        )
    )


def pdf_mark(
    revision: Revision, copy: ControlledCopy | None, printed_on: str, holder_dept: str = ""
) -> dict:
    """The marking printed on every page of a procedure PDF."""
    if revision.status in (RevisionStatus.SUPERSEDED, RevisionStatus.WITHDRAWN):
        return {"kind": "void", "badge": "已作废", "text": f"已作废 · 打印日期 {printed_on}"}
    if copy is not None:
        holder = f"{holder_dept} {copy.holder}".strip()
        label = copy_label(copy.copy_no)
        return {"kind": "controlled", "badge": label, "text": f"{label} · 持有人：{holder}"}
    return {"kind": "uncontrolled", "badge": "非受控", "text": f"非受控 · 打印日期 {printed_on}"}
