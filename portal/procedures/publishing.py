"""Document control (ISO 9001 7.5): who sees which revision, and every change of a revision's
state. A revision is the record of the engine's "procedures" flow (`procedures/flow.py`):

draft (草稿) --submit_for_review--> review (审核中) --last approval--> approved (待发布)
--issue (at its effective date, `issue_due` on every tick)--> current (现行) --a newer one is
issued--> superseded (已作废); current --withdraw--> withdrawn (已作废, no replacement).
Sent back or withdrawn on the engine, a revision under review becomes a draft again.

`Revision.status` changes only here, and each change writes an audit row
("procedure_revision", revision id). Functions flush; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape
from sqlalchemy import select

from portal.auth.models import Department, RoleCode, User, users_with_role
from portal.core import audit
from portal.core.clock import local_now, now
from portal.extensions import db
from portal.procedures.models import (
    ISSUED,
    SIGNIFICANCE_NAMES,
    UNISSUED,
    Procedure,
    Revision,
    RevisionStatus,
)
from portal.search import index as search
from portal.workflow.models import Instance, Status, Task

SUBJECT = "procedure_revision"
FLOW_KEY = "procedures"
# Categories of the quality management system: their documents are approved by the
# management representative (管理者代表); every other document by the general manager.
QUALITY_CATEGORIES = ("质量", "品质", "控制程序", "质量手册", "程序文件", "管理体系")

for _key, _label in {
    "draft": "保存草稿",
    "import": "导入为草稿",
    "submit_document": "提交审核",
    "return_document": "退回修改",
    "approve_document": "批准",
    "issue": "发布",
    "supersede": "作废（被新版本替代）",
    "withdraw_document": "废止",
}.items():
    audit.ACTION_LABELS.setdefault(_key, _label)


class DocumentError(Exception):
    """Bad input for a document-control action: `message` is shown next to the form's `field`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# -- who sees and who writes ----------------------------------------------------------------


def is_issued(revision: Revision) -> bool:
    return revision.status in ISSUED


def _member_of_owner(user, procedure: Procedure | None) -> bool:
    if procedure is None or not procedure.owner_department:
        return False
    department = user.department
    return department is not None and department.code == procedure.owner_department


def _takes_part(user, revision: Revision) -> bool:
    """Someone with a task on the revision's change request (reviewer, co-signer, approver)."""
    if revision.instance_id is None:
        return False
    task = select(Task.id).where(
        Task.instance_id == revision.instance_id,
        (Task.assignee_id == user.id) | (Task.actor_id == user.id),
    )
    return db.session.scalar(task.limit(1)) is not None


def can_view_revision(user, revision: Revision) -> bool:
    """THE visibility rule of every procedures page, PDF, diff and list: an issued revision
    (current, superseded, withdrawn) is read by everyone logged in; an unissued one (draft,
    review, approved) by system administrators, members of the owning department, its author
    and the people with a task on its change request."""
    if user is None or not user.is_authenticated:
        return False
    if revision.status in ISSUED:
        return True
    if user.is_sysadmin or _member_of_owner(user, revision.procedure):
        return True
    if revision.created_by_id == user.id:
        return True
    return _takes_part(user, revision)


def sees_unissued(user, procedure: Procedure) -> bool:
    """May `user` see the unissued revisions of `procedure` in lists (without the task check)?"""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_sysadmin or _member_of_owner(user, procedure))


def can_author(user, procedure: Procedure | None) -> bool:
    """Write drafts and submit them: system administrators, members of the owning department
    (for a new document, anyone with a department: they choose theirs as its owner)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_sysadmin:
        return True
    if procedure is None or not procedure.owner_department:
        return user.department is not None
    return _member_of_owner(user, procedure)


# -- the approver of a category --------------------------------------------------------------


def approver_role(category: str) -> str:
    """管理者代表 for documents of the quality management system, else 总经理."""
    if any(word in (category or "") for word in QUALITY_CATEGORIES):
        return RoleCode.MGMT_REP
    return RoleCode.GM


def approvers(revision: Revision) -> list[User]:
    return list(db.session.scalars(users_with_role(approver_role(revision.procedure.category))))


def owning_department(procedure: Procedure) -> Department | None:
    if not procedure.owner_department:
        return None
    return db.session.scalar(
        select(Department).where(Department.code == procedure.owner_department)
    )


def cosign_heads(revision: Revision) -> list[User]:
    """Heads of the departments the author asked to co-sign (会签), the owner left out."""
    codes = [
        c for c in revision.cosign_departments or [] if c != revision.procedure.owner_department
    ]
    if not codes:
        return []
    rows = db.session.scalars(select(Department).where(Department.code.in_(codes)))
    return [d.head for d in rows if d.head is not None]


# -- state changes ---------------------------------------------------------------------------


def _record(revision: Revision, action: str, actor, before: str, comment: str = "", **data):
    audit.record(
        SUBJECT,
        revision.id,
        action,
        actor,
        from_status=before,
        to_status=revision.status,
        comment=comment,
        data={"procedure": revision.procedure.code, "label": revision.label, **data},
    )


def record_import(revision: Revision, user, source_name: str) -> None:
    """An import stored (or replaced) a draft: an audit row names the page."""
    _record(revision, "import", user, revision.status, f"导入自 {source_name}")


def _today() -> date:
    return local_now().date()


def check_code(code: str, procedure: Procedure | None = None) -> str:
    """A document code for a new document (or a renamed one): normalised, and not another
    document's. Raises DocumentError("code", ...)."""
    value = (code or "").strip().upper()
    if not value:
        raise DocumentError("code", "请填写文件编号。")
    query = select(Procedure.id).where(Procedure.code == value)
    if procedure is not None and procedure.id is not None:
        query = query.where(Procedure.id != procedure.id)
    if db.session.scalar(query) is not None:
        raise DocumentError("code", f"文件编号已存在：{value}。")
    return value


def validate_submission(
    revision: Revision, user, change_note: str, significance: str, cosign: list[str]
) -> None:
    """Raise DocumentError for the first bad field (checked before the engine is involved)."""
    procedure = revision.procedure
    if revision.status != RevisionStatus.DRAFT:
        raise DocumentError(
            "revision", f"只有草稿可以提交审核（当前状态：{revision.status_name}）。"
        )
    if not can_author(user, procedure):
        raise DocumentError("revision", "只有文件所属部门的人员或系统管理员可以提交审核。")
    if not (change_note or "").strip():
        raise DocumentError("change_note", "请填写修订说明。")
    if significance not in SIGNIFICANCE_NAMES:
        raise DocumentError("significance", "请选择修订性质（编辑性修改或实质性修改）。")
    if not procedure.owner_department or owning_department(procedure) is None:
        raise DocumentError("owner_department", "请先为文件指定所属部门。")
    current = procedure.current_revision
    if revision.effective_date is None:
        raise DocumentError("effective_date", "请填写生效日期。")
    if (
        current is not None
        and current.effective_date
        and revision.effective_date < (current.effective_date)
    ):
        raise DocumentError(
            "effective_date",
            f"生效日期不能早于现行版本的生效日期（{current.effective_date.isoformat()}）。",
        )
    known = {d.code for d in db.session.scalars(select(Department))}
    unknown = [c for c in cosign if c not in known]
    if unknown:
        raise DocumentError("cosign", f"未知的会签部门：{'、'.join(unknown)}。")
    people = [u for u in approvers(revision) if u.id != user.id]
    if not people:
        role = "管理者代表" if approver_role(procedure.category) == RoleCode.MGMT_REP else "总经理"
        raise DocumentError(
            "approver",
            f"批准人（{role}）不能是编写人本人，且系统中没有其他{role}：请联系系统管理员指定批准人。",
        )


def submit_for_review(
    revision: Revision,
    user,
    change_note: str,
    significance: str,
    cosign_departments: list[str] | None = None,
) -> Instance:
    """Put a draft on the engine: its change request is started (once) and submitted; the
    engine's hook (`on_engine_status`) moves the revision to review."""
    from portal.workflow import engine

    cosign = [c for c in dict.fromkeys(cosign_departments or []) if c]
    validate_submission(revision, user, change_note, significance, cosign)
    revision.change_note = change_note.strip()[:500]
    revision.significance = significance
    revision.cosign_departments = cosign
    if revision.created_by_id is None:
        revision.created_by = user
    instance = revision.instance
    department = owning_department(revision.procedure)
    if instance is None:
        db.session.flush()
        instance = engine.start(FLOW_KEY, revision, user, department)
        revision.instance = instance
    else:
        instance.department = department
        engine.refresh_title(instance, revision)
    db.session.flush()
    try:
        engine.transition(instance, "submit", user, revision.change_note)
    except engine.WorkflowError as exc:
        raise DocumentError(exc.field or "revision", str(exc)) from exc
    return instance


def on_engine_status(ctx, before: str) -> None:
    """The flow's hook after a transition changed the instance's status."""
    revision, after = ctx.record, ctx.instance.status
    if after == Status.IN_PROGRESS and revision.status == RevisionStatus.DRAFT:
        _set(revision, RevisionStatus.REVIEW, "submit_document", ctx.actor, revision.change_note)
    elif after == Status.COMPLETED and revision.status == RevisionStatus.REVIEW:
        approve(revision, ctx.actor)
    elif after in (Status.RETURNED, Status.WITHDRAWN, Status.VOIDED) and (
        revision.status == RevisionStatus.REVIEW
    ):
        _set(revision, RevisionStatus.DRAFT, "return_document", ctx.actor)


def _set(revision: Revision, status: str, action: str, actor, comment: str = "", **data) -> None:
    before = revision.status
    revision.status = status
    db.session.flush()
    _record(revision, action, actor, before, comment, **data)


def approve(revision: Revision, actor) -> Revision:
    """The last approval is in: 待发布, issued at once when its effective date has come."""
    revision.approved_by = actor
    revision.approved_at = now()
    _set(revision, RevisionStatus.APPROVED, "approve_document", actor)
    if revision.effective_date is None or revision.effective_date <= _today():
        issue(revision, actor)
    return revision


def issue(revision: Revision, actor=None, note: str = "") -> Revision:
    """Make `revision` current: the previous current revision is superseded in the same
    transaction, the search index follows, the required-reading hook runs."""
    procedure = revision.procedure
    for old in procedure.revisions:
        if old.status == RevisionStatus.CURRENT and old is not revision:
            old.superseded_at = now()
            _set(old, RevisionStatus.SUPERSEDED, "supersede", actor, f"被 {revision.label} 替代")
    revision.issued_at = now()
    procedure.reviewed = True  # kept for old readers of the column: issued means reviewed
    if revision.title:
        procedure.title = revision.title
    _apply_front_matter(procedure, revision)
    _set(revision, RevisionStatus.CURRENT, "issue", actor, note)
    db.session.flush()
    search.remove(revision=revision)
    search.index_revision(revision)
    search.sync_procedure(procedure)
    return revision


def _apply_front_matter(procedure: Procedure, revision: Revision) -> None:
    """A Markdown revision's front matter (title, category, owner, review cycle, required
    readers, forms, deadlines) takes effect with the revision, not while it is a draft of an
    issued document (`Procedure.apply_front_matter`)."""
    meta = revision.front_matter
    if not meta:
        return
    for key, kind in (("forms", list), ("deadlines", dict)):
        if isinstance(meta.get(key), kind):
            setattr(procedure, key, meta[key])
    procedure.apply_front_matter(meta)


def issue_directly(revision: Revision, actor=None, note: str = "") -> Revision:
    """Issue without the change request: bundled procedures and bulk loads of documents already
    in force on paper. The audit row says which (`note`)."""
    if revision.status not in UNISSUED:
        return revision
    revision.approved_at = revision.approved_at or now()
    return issue(revision, actor, note)


def issue_due(today: date | None = None) -> list[Revision]:
    """Issue every approved revision whose effective date has come (the tick job)."""
    day = today or _today()
    due = db.session.scalars(
        select(Revision)
        .where(Revision.status == RevisionStatus.APPROVED, Revision.effective_date <= day)
        .order_by(Revision.effective_date, Revision.id)
    ).all()
    return [issue(r, None, f"生效日期 {r.effective_date.isoformat()} 已到，自动发布") for r in due]


def tick_job() -> list[str]:
    issued = issue_due()
    if not issued:
        return []
    names = "、".join(f"{r.procedure.code} {r.label}".strip() for r in issued)
    return [f"procedures: issued {len(issued)} approved revision(s): {names}"]


def withdraw(procedure: Procedure, user, reason: str) -> Revision:
    """废止: the current revision becomes 已作废 without a replacement."""
    if not (reason or "").strip():
        raise DocumentError("reason", "请填写废止原因。")
    if not can_author(user, procedure):
        raise DocumentError("reason", "只有文件所属部门的人员或系统管理员可以废止文件。")
    current = procedure.current_revision
    if current is None:
        raise DocumentError("reason", "该文件没有现行版本。")
    current.withdrawn_reason = reason.strip()[:500]
    current.superseded_at = now()
    _set(current, RevisionStatus.WITHDRAWN, "withdraw_document", user, current.withdrawn_reason)
    search.sync_procedure(procedure)
    return current


# -- lists -----------------------------------------------------------------------------------


@dataclass
class ChangeState:
    """What the change request page shows about the revision besides the engine's panel."""

    revision: Revision
    approver_label: str
    cosign_names: list[str]


def change_state(revision: Revision) -> ChangeState:
    role = approver_role(revision.procedure.category)
    label = "管理者代表" if role == RoleCode.MGMT_REP else "总经理"
    codes = revision.cosign_departments or []
    names = dict(db.session.execute(select(Department.code, Department.name)).all())
    return ChangeState(revision, label, [names.get(c, c) for c in codes])


CLAUSE_REF = re.compile(r"【([^【】]{1,40})】")


def link_clauses(comment: str, revision: Revision) -> Markup:
    """A reviewer's comment with its clause references (【第五条】, 【4.2】) linked to that
    clause of the revision's text on the change request page."""
    anchors = {}
    for clause in revision.clauses:
        for name in (clause.citation, clause.number.strip(), clause.path):
            if name:
                anchors.setdefault(name, clause.anchor)

    def link(match: re.Match) -> str:
        anchor = anchors.get(match.group(1).strip())
        text = escape(match.group(0))
        return f'<a href="#{escape(anchor)}">{text}</a>' if anchor else str(text)

    parts, last = [], 0
    for match in CLAUSE_REF.finditer(comment or ""):
        parts.append(str(escape(comment[last : match.start()])))
        parts.append(link(match))
        last = match.end()
    parts.append(str(escape((comment or "")[last:])))
    return Markup("".join(parts))


@dataclass
class ChangeComment:
    who: str
    step: str
    html: Markup


def change_comments(revision: Revision) -> list[ChangeComment]:
    """The decisions with a comment on the revision's change request, clause references linked."""
    instance = revision.instance
    if instance is None:
        return []
    return [
        ChangeComment(t.actor.display_name if t.actor else "", t.step_name,
                      link_clauses(t.comment, revision))
        for t in instance.tasks
        if t.comment and t.actor is not None
    ]  # fmt: skip
