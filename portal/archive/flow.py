"""The three archive flows, following the bundled 档案管理制度 (QP-ADM-03):

- 存档登记表 (第八、九、十条): the department head signs → the archivist checks every item against
  the list (逐件核对), returns what is incomplete with a reason and accepts the rest, which get
  their archive numbers `DA-<year>-<category>-<seq>` (gapless per category and year, 第五条).
  A department that keeps its items (technical archives) registers them all the same: the
  record is marked 备案, the archivist is copied in at once and checks the list.
- 档案借阅 (第十五至十九条): the borrower's department head → the GM for 秘密 and 机密 → the
  archivist hands the item over → the archivist takes it back with its condition; reminded the
  day before it is due, escalated to the borrower and their head once overdue. 机密 is read in
  the archive room only. An electronic item is lent as a download link until the due date.
  Renewal is an action of the flow: once, approved again by the head and the GM for 秘密 and up.
- 档案销毁 (第二十二至二十四条): the archivist proposes → each owning department's head → the GM
  → destruction recorded with its date, method and two witnesses.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app

from portal.archive.models import (
    CATEGORIES,
    ArchiveBatch,
    ArchiveDisposal,
    ArchiveLoan,
)
from portal.auth.models import RoleCode, User
from portal.core.clock import format_local, local_zone
from portal.extensions import db
from portal.notifications.services import notify
from portal.workflow import engine
from portal.workflow.engine import ActionSpec
from portal.workflow.flow import (
    ALL,
    KEEP,
    AnyOf,
    Applicant,
    ApplicantHead,
    Deadline,
    Flow,
    FromRecord,
    HasRole,
    Numbering,
    Step,
    applicant_is_gm,
)
from portal.workflow.models import Status
from portal.workflow.naming import headline, record_url

PROCEDURE = "QP-ADM-03"
ARCHIVE_PREFIX = "DA"
GM = HasRole(RoleCode.GM, "总经理")
ARCHIVIST = HasRole(RoleCode.ARCHIVIST, "档案管理员")
DEFAULT_LOAN_DAYS = 7  # when the procedure is not loaded (its `deadlines: borrow_period`)
MAX_LOAN_DAYS = 30  # (`deadlines: borrow_max`), also the longest renewal


def _days(key: str, default: int) -> int:
    from portal.procedures.services import procedure_deadlines

    spec = procedure_deadlines(PROCEDURE).get(key)
    days = spec.get("days") if isinstance(spec, dict) else None
    return int(days) if days else default


def loan_days() -> int:
    """第十六条: the default loan, read from the procedure's front matter."""
    return _days("borrow_period", DEFAULT_LOAN_DAYS)


def max_loan_days() -> int:
    return _days("borrow_max", MAX_LOAN_DAYS)


# --- the 存档登记表 ------------------------------------------------------------------------------


def batch_title(batch: ArchiveBatch) -> str:
    titles = [item.title for item in batch.items]
    head = "、".join(titles[:2]) + (" 等" if len(titles) > 2 else "")
    return f"{head or '（未填写档案）'}（{len(titles)} 件）"


def batch_problems(batch: ArchiveBatch) -> str | None:
    """The engine's own check at submit (the form checks each field first)."""
    if not batch.items:
        return "请至少登记一件档案。"
    for item in batch.items:
        if item.pages <= 0 or item.copies <= 0 or item.volumes <= 0:
            return f"“{item.title}”的卷数、页数和份数都必须大于 0。"
    return None


def batch_canonical(batch: ArchiveBatch) -> dict:
    return {
        "custody": batch.custody_label,
        "note": batch.note,
        "items": [
            [i.seq, i.number or "", i.status, i.title, i.category, str(i.document_date), i.volumes,
             i.pages, i.copies, i.original, i.secrecy, i.retention, i.location, i.reference,
             i.file_sha256, i.return_reason]
            for i in batch.items
        ],
    }  # fmt: skip


BATCH_FLOW = Flow(
    key="archive",
    name="存档登记",
    numbering=Numbering("CD"),
    model=ArchiveBatch,
    steps=(
        Step("head", "部门负责人签字", ApplicantHead(), clause="art-8"),
        Step("check", "档案管理员逐件核对", ARCHIVIST, kind="stage", page="archive.check",
             on_applicant=KEEP, action_label="逐件核对", can_send_back=False, clause="art-9",
             deadline=Deadline(workdays=3), escalate_to=HasRole(RoleCode.ADMIN_HEAD, "行政办主任")),
    ),
    detail_endpoint="archive.detail",
    title=batch_title,
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.ARCHIVIST, RoleCode.ADMIN_HEAD, RoleCode.GM),
    void_roles=(RoleCode.SYSADMIN, RoleCode.ARCHIVIST),
    canonical=batch_canonical,
    submit_check=batch_problems,
    procedure=PROCEDURE,
)  # fmt: skip


def archive_number(category: str) -> str:
    """The next archive number of `category` this year: DA-2026-HT-0001 (gapless)."""
    from portal.core.numbering import next_in_series

    if category not in CATEGORIES:
        raise ValueError(category)
    return next_in_series(ARCHIVE_PREFIX, "year", category)


# --- borrowing ----------------------------------------------------------------------------------


def needs_gm(loan: ArchiveLoan) -> bool:
    return loan.item.classified


def physical(loan: ArchiveLoan) -> bool:
    return loan.physical


def due_end(day: date) -> datetime:
    """A loan is due back by the end of the working day of its due date."""
    end = time.fromisoformat(current_app.config.get("WORK_END", "17:30"))
    return datetime.combine(day, end, local_zone())


def loan_due(loan: ArchiveLoan) -> datetime:
    return due_end(loan.due_date)


def loan_canonical(loan: ArchiveLoan) -> dict:
    return {
        "item": [loan.item.number, loan.item.title, loan.item.secrecy],
        "mode": loan.mode_label,
        "purpose": loan.purpose,
        "dates": [str(loan.start_date), str(loan.due_date), loan.renewed],
        "hand_over": [format_local(loan.handed_over_at), loan.condition_out],
        "return": [format_local(loan.returned_at), loan.condition_in, loan.return_note],
    }


def _renewal_deciders(loan: ArchiveLoan) -> list[User]:
    instance = loan.instance
    if loan.renewal_stage == "head":
        head = instance.department.head if instance.department else None
        return [head] if head is not None and head.id != instance.applicant_id else []
    if loan.renewal_stage == "gm":
        from sqlalchemy import select

        from portal.auth.models import Role

        query = select(User).join(User.roles).where(Role.code == RoleCode.GM, User.active)
        return [u for u in db.session.scalars(query) if u.id != instance.applicant_id]
    return []


def _refuse_renew(ctx) -> str | None:
    loan = ctx.record
    if ctx.instance.status != Status.IN_PROGRESS or ctx.instance.step_key != "give_back":
        return "只有已借出、尚未归还的档案可以续借。"
    if ctx.actor.id != ctx.instance.applicant_id:
        return "只有借阅人可以申请续借。"
    if loan.renewed:
        return "续借以一次为限，该借阅已续借过。"
    if loan.renewal_stage:
        return "续借申请正在审批中。"
    return None


def renewal_limit(loan: ArchiveLoan) -> date:
    return loan.due_date + timedelta(days=max_loan_days())


def _apply_renew(ctx, comment: str, due: date | None = None, **_) -> None:
    loan = ctx.record
    new_due = due or loan.due_date + timedelta(days=loan_days())
    if new_due <= loan.due_date:
        raise engine.WorkflowError("续借后的归还日期必须晚于原归还日期。", field="due")
    if new_due > renewal_limit(loan):
        raise engine.WorkflowError(
            f"续借期限最长 {max_loan_days()} 天（至 {renewal_limit(loan)}）。", field="due"
        )
    status = ctx.instance.status
    if loan.item.classified:
        loan.renewal_due = new_due
        loan.renewal_stage = "head"
        if not _renewal_deciders(loan):
            loan.renewal_stage = "gm"
        engine.log(ctx, "renew", status, status, f"申请续借至 {new_due}，待审批。{comment}")
        _notify_renewal(ctx, loan)
        return
    _extend(ctx, loan, new_due)
    engine.log(ctx, "renew", status, status, f"续借至 {new_due}。{comment}")


def _extend(ctx, loan: ArchiveLoan, new_due: date) -> None:
    """The new due date, and the return step's deadline with it (reminders start again)."""
    loan.due_date = new_due
    loan.renewed = True
    loan.renewal_due, loan.renewal_stage = None, ""
    for task in ctx.instance.open_tasks:
        if task.step_key == "give_back":
            task.due_at = loan_due(loan)
            task.reminded_at = task.escalated_at = None
    db.session.flush()


def _notify_renewal(ctx, loan: ArchiveLoan) -> None:
    notify(_renewal_deciders(loan), f"{headline(ctx.instance)}：续借申请待您审批",
           kind="task", url=record_url(ctx.instance), instance_id=ctx.instance.id)  # fmt: skip


def _refuse_renewal_decision(ctx) -> str | None:
    loan = ctx.record
    if ctx.instance.status != Status.IN_PROGRESS or not loan.renewal_stage:
        return "没有待审批的续借申请。"
    if ctx.actor.id not in {u.id for u in _renewal_deciders(loan)}:
        return "您不是该续借申请的审批人。"
    return None


def _apply_approve_renewal(ctx, comment: str, **_) -> None:
    loan = ctx.record
    status = ctx.instance.status
    if loan.renewal_stage == "head":
        loan.renewal_stage = "gm"
        if _renewal_deciders(loan):
            engine.log(ctx, "approve_renewal", status, status, f"部门负责人同意续借。{comment}")
            _notify_renewal(ctx, loan)
            return
    new_due = loan.renewal_due
    _extend(ctx, loan, new_due)
    engine.log(ctx, "approve_renewal", status, status, f"同意续借至 {new_due}。{comment}")
    notify([ctx.instance.applicant], f"{headline(ctx.instance)}：续借已批准，归还日期 {new_due}",
           kind="result", url=record_url(ctx.instance), instance_id=ctx.instance.id)  # fmt: skip


def _apply_refuse_renewal(ctx, comment: str, **_) -> None:
    loan = ctx.record
    loan.renewal_due, loan.renewal_stage = None, ""
    status = ctx.instance.status
    engine.log(ctx, "refuse_renewal", status, status, f"不同意续借：{comment}")
    notify([ctx.instance.applicant], f"{headline(ctx.instance)}：续借未获批准：{comment}",
           kind="result", url=record_url(ctx.instance), instance_id=ctx.instance.id)  # fmt: skip


RENEW = ActionSpec("renew", "续借（延长 7 天）", _refuse_renew, _apply_renew, trail="续借")
APPROVE_RENEWAL = ActionSpec("approve_renewal", "同意续借", _refuse_renewal_decision,
                             _apply_approve_renewal, style="primary", trail="同意续借")  # fmt: skip
REFUSE_RENEWAL = ActionSpec("refuse_renewal", "不同意续借", _refuse_renewal_decision,
                            _apply_refuse_renewal, needs_comment=True, trail="不同意续借")  # fmt: skip


def loan_title(loan: ArchiveLoan) -> str:
    item = loan.item
    return f"{item.number or ''} {item.title}（{loan.mode_label}）".strip()


def _borrow_check(loan: ArchiveLoan) -> str | None:
    if loan.item.status != "archived":
        return "只有已归档的档案可以借阅。"
    if loan.mode == "take_out" and loan.item.secrecy == "confidential":
        return "机密档案不得借出，只能在档案室查阅。"
    return None


LOAN_FLOW = Flow(
    key="archive_loans",
    name="档案借阅",
    numbering=Numbering("JY"),
    model=ArchiveLoan,
    steps=(
        Step("head", "借阅人部门负责人审批", ApplicantHead(), on_applicant=GM, clause="art-15"),
        Step("gm", "总经理审批（秘密、机密）", GM, when=needs_gm, clause="art-15",
             when_label="借阅秘密或机密档案时"),
        Step("hand_over", "档案管理员办理借出", ARCHIVIST, kind="stage", page="archive.hand_over",
             when=physical, when_label="纸质档案", on_applicant=KEEP, execution=True,
             action_label="办理借出", can_send_back=False, clause="art-15"),
        Step("give_back", "归还", ARCHIVIST, kind="stage", page="archive.take_back",
             when=physical, when_label="纸质档案", on_applicant=KEEP, execution=True,
             action_label="登记归还", can_send_back=False, done_label="已归还", clause="art-19",
             deadline=Deadline(resolve=loan_due, remind_before=timedelta(days=1)),
             escalate_to=AnyOf((Applicant(), ApplicantHead()), "借阅人及其部门负责人")),
    ),
    detail_endpoint="archive.loan_detail",
    title=loan_title,
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.ARCHIVIST, RoleCode.ADMIN_HEAD),
    void_roles=(RoleCode.SYSADMIN, RoleCode.ARCHIVIST),
    canonical=loan_canonical,
    submit_check=_borrow_check,
    unapproved_note=applicant_is_gm,
    actions=(RENEW, APPROVE_RENEWAL, REFUSE_RENEWAL),
    procedure=PROCEDURE,
)  # fmt: skip


# --- disposal -----------------------------------------------------------------------------------


def owner_heads(disposal: ArchiveDisposal) -> list[User]:
    heads = [i.department.head for i in disposal.items if i.department is not None]
    return list(dict.fromkeys(h for h in heads if h is not None))


def disposal_canonical(disposal: ArchiveDisposal) -> dict:
    return {
        "reason": disposal.reason,
        "items": [[i.number, i.title, i.retention, i.status] for i in disposal.items],
        "destroyed": [str(disposal.destroyed_on or ""), disposal.method_label,
                      disposal.witness1.display_name if disposal.witness1 else "",
                      disposal.witness2.display_name if disposal.witness2 else "", disposal.note],
    }  # fmt: skip


def disposal_title(disposal: ArchiveDisposal) -> str:
    return f"档案销毁（{len(disposal.items)} 件）"


DISPOSAL_FLOW = Flow(
    key="archive_disposals",
    name="档案销毁",
    numbering=Numbering("XH", period="year"),
    model=ArchiveDisposal,
    steps=(
        Step("owners", "形成部门负责人审核", FromRecord(owner_heads, "档案形成部门负责人"),
             mode=ALL, clause="art-23"),
        Step("gm", "总经理审批", GM, clause="art-23"),
        Step("destroy", "监督销毁", ARCHIVIST, kind="stage", page="archive.destroy",
             on_applicant=KEEP, execution=True, action_label="登记销毁", can_send_back=False,
             done_label="已销毁", clause="art-24"),
    ),
    detail_endpoint="archive.disposal_detail",
    title=disposal_title,
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.ARCHIVIST, RoleCode.ADMIN_HEAD, RoleCode.GM),
    void_roles=(RoleCode.SYSADMIN, RoleCode.ARCHIVIST),
    canonical=disposal_canonical,
    submit_check=lambda d: None if d.items else "请至少列入一件档案。",
    procedure=PROCEDURE,
)  # fmt: skip

FLOWS = (BATCH_FLOW, LOAN_FLOW, DISPOSAL_FLOW)
