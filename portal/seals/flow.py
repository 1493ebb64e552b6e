"""The 用印申请 flow as data, following the bundled 印章管理制度 (QP-ADM-01):

department head (第十三条) → finance head for the finance and legal-representative seals
(第十四条) → 总经理 or the 受托人 acting for them (第十三条(三)); a department seal alone needs only
its department head (第十六条), and the GM when the head applies; taking a seal out always
needs the GM's special approval (第二十条) → each keeper stamps (第十七条, 第十八条) → on a
take-out, each keeper records the return, reminded before the expected time and escalated to
行政办主任 after it (第二十二、二十三条).

Stamping is an execution step: a request reaches it only after an independent approval, except
the GM's own request, which has no one above it (the trail and the PDF say so).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from portal.auth.models import RoleCode, User
from portal.core.clock import format_local, now
from portal.extensions import db
from portal.files.services import attachments_of
from portal.procedures.services import procedure_deadlines
from portal.seals.models import (
    DOCUMENT_TYPES,
    FINANCE_KINDS,
    MAX_COPIES,
    REQUIRED_TO_SUBMIT,
    Seal,
    SealKind,
    SealRequest,
    SealRequestItem,
)
from portal.workflow.flow import (
    ALL,
    KEEP,
    ApplicantHead,
    Deadline,
    DepartmentHead,
    Flow,
    FromRecord,
    HasRole,
    Numbering,
    Step,
)
from portal.workflow.naming import actor_label

PROCEDURE = "QP-ADM-01"
DEFAULT_REMINDER = timedelta(hours=2)  # 第二十三条, when the procedure is not loaded
GM = HasRole(RoleCode.GM, "总经理（或受托人）")


def approval_time(record: SealRequest) -> Deadline:
    """How long an approver has: the procedure's front matter (`deadlines: approval`), else
    one working day."""
    spec = procedure_deadlines(PROCEDURE).get("approval") or {}
    hours = spec.get("hours") if isinstance(spec, dict) else None
    return Deadline(
        hours=float(hours or 8),
        business=bool(spec.get("business", True)) if isinstance(spec, dict) else True,
    )


APPROVAL = Deadline(resolve=approval_time, remind_before=timedelta(hours=2))


def keepers(record: SealRequest) -> list[User]:
    """One responsible keeper per chosen seal (a keeper of two seals appears once)."""
    people = [item.seal.responsible_keeper() for item in record.items]
    return list(dict.fromkeys(u for u in people if u is not None))


def uses_finance_seal(record: SealRequest) -> bool:
    return any(item.seal.kind in FINANCE_KINDS for item in record.items)


def department_seals_only(record: SealRequest) -> bool:
    return bool(record.items) and all(i.seal.kind == SealKind.DEPARTMENT for i in record.items)


def _head_applies(record: SealRequest) -> bool:
    instance = record.instance
    department = instance.department if instance is not None else None
    return department is not None and department.head_id == instance.applicant_id


def needs_gm(record: SealRequest) -> bool:
    """The GM's ordinary approval; a take-out goes to the special-approval step instead. A
    department seal alone needs only its head (第十六条), so a head's own request goes up."""
    if record.take_out:
        return False
    return not department_seals_only(record) or _head_applies(record)


def takes_out(record: SealRequest) -> bool:
    return record.take_out


def reminder_lead(record: SealRequest) -> timedelta:
    """How long before the expected return the keeper is reminded: the procedure's front
    matter (`deadlines: take_out_reminder: {hours: 2}`), read when the reminder is due."""
    setting = procedure_deadlines(PROCEDURE).get("take_out_reminder") or {}
    hours = setting.get("hours") if isinstance(setting, dict) else None
    return timedelta(hours=float(hours)) if hours else DEFAULT_REMINDER


def expected_return(record: SealRequest):
    return record.expected_return_at


def kept_by(user: User):
    """SQL: the seals `user` keeps, in person or through the keeping role (`Seal.kept_by`)."""
    return or_(
        Seal.keeper_id == user.id,
        and_(Seal.keeper_id.is_(None), Seal.keeper_role.in_(sorted(user.role_codes))),
    )


def keeper_readers(user: User, inst):
    """The keepers of the chosen seals read the request (they check it before stamping)."""
    request, item = aliased(SealRequest), aliased(SealRequestItem)
    return exists().where(
        request.instance_id == inst.id,
        item.request_id == request.id,
        item.seal_id.in_(select(Seal.id).where(kept_by(user))),
    )


def submit_problems(record: SealRequest) -> dict[str, str]:
    """What stops this record from being submitted, by form field (empty when it may go)."""
    problems = {}
    if not record.items:
        problems["seal_ids"] = REQUIRED_TO_SUBMIT["seal_ids"]
    disabled = [i.seal.name for i in record.items if not i.seal.usable]
    if disabled:
        problems["seal_ids"] = f"印章“{'、'.join(disabled)}”已停用，请改选其他印章。"
    for name in ("document_name", "purpose", "receiving_party"):
        if not getattr(record, name).strip():
            problems[name] = REQUIRED_TO_SUBMIT[name]
    if record.document_type not in DOCUMENT_TYPES:
        problems["document_type"] = REQUIRED_TO_SUBMIT["document_type"]
    if record.copies is None:
        problems["copies"] = REQUIRED_TO_SUBMIT["copies"]
    elif not 1 <= record.copies <= MAX_COPIES:
        problems["copies"] = f"份数应在 1 到 {MAX_COPIES} 之间。"
    if record.take_out and not record.destination.strip():
        problems["destination"] = "携带外出须填写外出地点。"
    if record.take_out and (
        record.expected_return_at is None or record.expected_return_at <= now()
    ):
        problems["expected_return_at"] = "预计归还时间必须晚于现在。"
    return problems


def submit_check(record: SealRequest) -> str | None:
    problems = submit_problems(record)
    return "请先补全申请：" + "；".join(problems.values()) if problems else None


def gm_applies(record: SealRequest) -> str | None:
    """The GM's own request has no one above it to approve it (第十三条)."""
    instance = record.instance
    if instance is not None and instance.applicant.has_role(RoleCode.GM):
        return "申请人为总经理本人，制度未设更高审批人；由保管人按第十七条核对后用印。"
    return None


def stamping_rows(record: SealRequest) -> list[dict]:
    return [
        {
            "seal": item.seal.name,
            "keeper": item.seal.keeper_label,
            "copies": item.copies_stamped,
            "stamped_by": actor_label(item.stamped_by, item.on_behalf_of),
            "stamped_at": format_local(item.stamped_at),
            "handed_over_at": format_local(item.handed_over_at),
            "returned_at": format_local(item.returned_at),
        }
        for item in record.items
    ]


def canonical(record: SealRequest) -> dict:
    """The record's fields as plain data: what the PDF's hash and /verify cover."""
    files = db.session.scalars(attachments_of(record.instance_id)) if record.instance_id else []
    return {
        "seals": [item.seal.name for item in record.items],
        "document_name": record.document_name,
        "document_type": record.document_type_label,
        "purpose": record.purpose,
        "receiving_party": record.receiving_party,
        "copies": record.copies,
        "urgent": record.urgent,
        "take_out": record.take_out,
        "destination": record.destination,
        "carrier": record.carrier,
        "expected_return_at": format_local(record.expected_return_at),
        "remarks": record.remarks,
        "stamping": [
            [r["seal"], r["copies"], r["stamped_at"], r["handed_over_at"], r["returned_at"]]
            for r in stamping_rows(record)
        ],
        "attachments": [[a.original_name, a.sha256] for a in files],
    }


KEEPERS = FromRecord(keepers, "所选印章的保管人")

SEAL_FLOW = Flow(
    key="seals",
    name="用印申请",
    numbering=Numbering("YY"),
    model=SealRequest,
    steps=(
        Step("head", "部门负责人审核", ApplicantHead(), clause="art-13", deadline=APPROVAL),
        Step("finance", "财务部负责人审核", DepartmentHead("FIN"), when=uses_finance_seal,
             clause="art-14", deadline=APPROVAL, when_label="使用财务专用章或法定代表人名章时"),
        Step("gm", "总经理审批", GM, when=needs_gm, clause="art-13", deadline=APPROVAL,
             when_label="不携带外出、且不是只用部门章时（部门负责人本人申请除外）"),
        Step("gm_take_out", "总经理特批（携带外出）", GM, when=takes_out, page="seals.approve",
             action_label="特批携带外出", clause="art-20", deadline=APPROVAL,
             when_label="印章携带外出时"),

        # An approval step (not a stage) so that a keeper can refuse with a reason, which
        # returns the request to the applicant (第十七条); one decision per keeper.
        Step("stamp", "保管人用印", KEEPERS, mode=ALL, page="seals.stamp", action_label="登记用印",
             done_label="已用印",
             on_applicant=KEEP, can_send_back=False, execution=True, clause="art-18"),
        Step("return", "印章归还", KEEPERS, mode=ALL, kind="stage", when=takes_out,
             when_label="印章携带外出时", done_label="已归还",
             deadline=Deadline(resolve=expected_return, remind_before=reminder_lead),
             escalate_to=HasRole(RoleCode.ADMIN_HEAD, "行政办主任"), page="seals.return_seal",
             action_label="登记归还", on_applicant=KEEP, can_send_back=False, execution=True,
             clause="art-22"),
    ),
    detail_endpoint="seals.detail",
    title=lambda r: r.document_name or "（未填写文件名称）",
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.GM, RoleCode.ADMIN_HEAD, RoleCode.ADMIN_STAFF),
    readers=keeper_readers,
    void_roles=(RoleCode.SYSADMIN, RoleCode.ADMIN_HEAD),
    canonical=canonical,
    submit_check=submit_check,
    unapproved_note=gm_applies,
    procedure=PROCEDURE,
)  # fmt: skip
