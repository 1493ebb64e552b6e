"""The complaint flow and its two sub-flows (退货, 索赔), with the stage clocks of QP-CS-01.

Clocks are read in one place, `read_clocks()`, from the front matter of the bundled procedure
客户投诉处理程序 (QP-CS-01) and copied onto each record when it is registered: a change to the
procedure changes the clocks of new cases, and every case keeps the figures it was run under.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from portal.auth.models import Department, RoleCode, User
from portal.core.clock import local_zone
from portal.extensions import db
from portal.files.services import attachments_of
from portal.workflow.access import participates, record_visible
from portal.workflow.flow import (
    ALL,
    KEEP,
    Deadline,
    DepartmentHead,
    Flow,
    FromRecord,
    HasRole,
    Numbering,
    Step,
)
from portal.workflow.models import Instance, Status

from .models import Complaint, ComplaintClaim, ComplaintReturn

PROCEDURE = "QP-CS-01"
INTAKE_CLAUSE = "s-4-1-2"
# The front matter of QP-CS-01 A/0; used as is when the procedure is not loaded.
FALLBACK_CLOCKS = {
    "initial_analysis": {"hours": 12},
    "containment": {"hours": 24},
    "reply": {"hours": 48},
    "follow_up": {"days": 7},
    "return_disposition": {"hours": 12},
    "return_rework": {"hours": 24},
}
# Limits the procedure states only in its text: 4.6.3 (CAPA report within 5 working days of
# registration) and 4.8.2 (a score of 2 or less is re-checked within 2 working days).
TEXT_CLOCKS = {"capa": {"workdays": 5}, "second_follow_up": {"workdays": 2}}
DUE_SOON = timedelta(hours=4)  # 4.2.3: remind when less than 4 hours are left
SAMPLE_PERCENT = 10  # 4.8.3: the service manager re-visits at least 10 % of closed cases


# --- clocks -----------------------------------------------------------------------------------


def _clean(spec) -> dict | None:
    """A front-matter figure such as {"hours": 12} or {"days": 7, "business": true}."""
    if not isinstance(spec, dict):
        return None
    out = {}
    for unit in ("hours", "days", "workdays"):
        value = spec.get(unit)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            out[unit] = value
    if out and spec.get("business") is True:
        out["business"] = True
    return out or None


def read_clocks() -> tuple[dict, str]:
    """The clocks of QP-CS-01 in force now, and where they came from (shown on the record)."""
    from portal.procedures import services as procedures

    figures = procedures.procedure_deadlines(PROCEDURE)
    clocks = {**FALLBACK_CLOCKS, **TEXT_CLOCKS}
    for key, spec in figures.items():
        clean = _clean(spec)
        if clean:
            clocks[key] = clean
    revision = procedures.get_current_revision(PROCEDURE) if figures else None
    if revision is not None:
        return clocks, f"{PROCEDURE} {revision.label}".strip()
    return clocks, f"{PROCEDURE}（程序未加载，按内置时限）"


def _spec(record, key: str) -> dict:
    clocks = record.clocks or {}
    return clocks.get(key) or FALLBACK_CLOCKS.get(key) or TEXT_CLOCKS[key]


def clock(key: str):
    """A Deadline.resolve for the record's clock `key` (hours, days or working days); the engine
    counts it from the step's anchor."""

    def resolve(record):
        spec = _spec(record, key)
        return Deadline(
            hours=spec.get("hours"), days=spec.get("days"), workdays=spec.get("workdays"),
            business=bool(spec.get("business")),
        )  # fmt: skip

    return resolve


def clock_label(spec: dict | None) -> str:
    if not spec:
        return ""
    kind = "工作" if spec.get("business") else ""
    if "workdays" in spec:
        return f"{spec['workdays']:g} 个工作日"
    if "days" in spec:
        return f"{spec['days']:g} {kind or '自然'}日"
    return f"{spec['hours']:g} {kind or '自然'}小时"


def _capa_due(record) -> datetime | None:
    """The CAPA owner's own due date, at the end of that working day."""
    if record.capa_due is None:
        return None
    end = time.fromisoformat(current_app.config.get("WORK_END", "17:30"))
    return datetime.combine(record.capa_due, end, local_zone())


def _deadline(key: str, anchor: str = "submit", pausable: bool = True) -> Deadline:
    return Deadline(anchor=anchor, resolve=clock(key), remind_before=DUE_SOON, pausable=pausable)


# --- who ---------------------------------------------------------------------------------------


def _head(code: str) -> User | None:
    department = db.session.scalar(select(Department).where(Department.code == code))
    return department.head if department is not None else None


def _managers(record) -> list[User]:
    """4.2.3: overdue stages are reported to the department heads and the service manager."""
    return [u for u in (_head("QA"), _head("CS")) if u is not None]


def _capa_owner(record) -> list[User]:
    return [record.capa_person] if record.capa_person is not None else []


def _capa_escalation(record) -> list[User]:
    department = record.capa_department
    people = [department.head] if department is not None and department.head else []
    return people + _managers(record)


def _countersigners(record: ComplaintClaim) -> list[User]:
    heads = [_head(code) for code in record.countersign_codes]
    return list(dict.fromkeys(h for h in heads if h is not None))


SEES_ALL_ROLES = (RoleCode.SERVICE, RoleCode.QUALITY, RoleCode.GM)
SEES_ALL_DEPARTMENTS = ("CS", "QA")


def sees_all(user) -> bool:
    """客服、品质部 and the GM read every complaint (and every return)."""
    if not user.is_authenticated:
        return False
    if user.has_role(*SEES_ALL_ROLES, RoleCode.SYSADMIN):
        return True
    return user.department is not None and user.department.code in SEES_ALL_DEPARTMENTS


def complaint_readers(user: User, inst):
    """Other departments read a complaint only where they are assigned: the CAPA owner or
    department, or a task on one of its returns or claims (rework, countersign)."""
    # Aliases throughout: the outer query may select Complaint itself (a register).
    case = aliased(Complaint)
    assigned = [case.capa_person_id == user.id]
    if user.department_id is not None:
        assigned.append(case.capa_department_id == user.department_id)
    subs = ((ComplaintReturn, "complaint_returns"), (ComplaintClaim, "complaint_claims"))
    for model, key in subs:
        sub, row = aliased(Instance), aliased(model)
        assigned.append(
            exists().where(
                row.complaint_id == case.id,
                sub.id == row.instance_id,
                participates(user, key, sub),
            )
        )
    return exists().where(case.instance_id == inst.id, or_(*assigned))


def return_readers(user: User, inst):
    """A return is read by whoever reads its complaint."""
    row = aliased(ComplaintReturn)
    complaint = record_visible(user, "complaints", row.complaint_id)
    return exists().where(row.instance_id == inst.id, complaint)


# --- what each stage page must have recorded before the step can be completed ------------------


def _needs(*checks):
    def requires(record):
        for ok, message in checks:
            if not ok(record):
                return message
        return None

    return requires


def has_confirmation(record: Complaint) -> bool:
    if record.instance_id is None:
        return False
    return (
        db.session.scalar(attachments_of(record.instance_id, "confirmation").limit(1)) is not None
    )


def open_subrecords(record: Complaint) -> list[str]:
    """Numbers of returns and claims still being handled (4.7.3: they block closing)."""
    subs = [*record.returns, *record.claims]
    return [
        s.number for s in subs if s.instance is not None and s.instance.status == Status.IN_PROGRESS
    ]


def _close_blocker(record) -> str | None:
    pending = open_subrecords(record)
    if pending:
        return f"相关退货/索赔尚未处理完毕（{'、'.join(pending)}），暂不能结案。"
    return None if record.closing_note else "请在“结案”页面填写结案意见。"


def needs_second_follow_up(record: Complaint) -> bool:
    return bool(record.second_reason)


def sampled(number: str) -> bool:
    """The deterministic 10 % sample: the first 8 hex digits of SHA-256(number) mod 100 < 10.
    Stable across runs and machines, so the service manager and the tests see the same set."""
    digest = hashlib.sha256(number.encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < SAMPLE_PERCENT


def _second_due(record) -> Deadline | None:
    """4.8.2: a low score is re-checked within 2 working days; the monthly 10 % sample has no
    clock of its own."""
    if record.second_reason != "low_score":
        return None
    return clock("second_follow_up")(record)


def _valid(record) -> bool | None:
    return record.valid  # None while the analysis is open: the valid path may still apply


def _invalid(record) -> bool | None:
    return None if record.valid is None else not record.valid


MANAGERS = FromRecord(_managers, "品质部经理、客服部经理")
VALID_ONLY = "判定为有效投诉时"
QA = HasRole(RoleCode.QUALITY, "品质部")
CS = HasRole(RoleCode.SERVICE, "客服部")

STEPS = (
    Step("analysis", "初步分析", QA, kind="stage", deadline=_deadline("initial_analysis"),
         escalate_to=MANAGERS, on_applicant=KEEP, action_label="填写初步分析",
         page="complaints.analysis", can_send_back=False, clause="s-4-3-2",
         requires=_needs((lambda r: r.valid is not None and r.analysis, "请先在“初步分析”页面作出判定。"))),
    Step("clarify", "澄清确认", CS, kind="stage", when=_invalid, when_label="判定为无效投诉时", on_applicant=KEEP,
         action_label="澄清并结案", page="complaints.clarify", clause="s-4-3-3",
         requires=_needs((has_confirmation, "无效投诉须上传客户的书面确认后才能结案。"),
                         (lambda r: r.clarification, "请填写向客户澄清的内容。"))),
    Step("containment", "围堵措施", QA, kind="stage", when=_valid, when_label=VALID_ONLY,
         deadline=_deadline("containment", pausable=False), escalate_to=MANAGERS,
         on_applicant=KEEP, action_label="填写围堵措施", page="complaints.containment",
         clause="s-4-4-1", requires=_needs((lambda r: r.containment_actions, "请先填写围堵措施。"))),
    Step("reply", "答复拟定", QA, kind="stage", when=_valid, when_label=VALID_ONLY, deadline=_deadline("reply"),
         escalate_to=MANAGERS, on_applicant=KEEP, action_label="拟定答复", page="complaints.reply",
         clause="s-4-5-1", requires=_needs((lambda r: r.reply_text, "请先拟定答复内容。"))),
    Step("reply_approval", "答复审批", DepartmentHead("QA"), when=_valid, when_label=VALID_ONLY,
         deadline=_deadline("reply"), escalate_to=MANAGERS, action_label="批准答复",
         clause="s-4-5-1"),
    Step("reply_send", "答复客户", CS, kind="stage", when=_valid, when_label=VALID_ONLY, deadline=_deadline("reply"),
         escalate_to=MANAGERS, on_applicant=KEEP, action_label="登记答复发送",
         page="complaints.reply_send", clause="s-4-5-2",
         requires=_needs((lambda r: r.reply_sent_at, "请登记答复的发送方式和时间。"))),
    Step("capa", "原因分析与纠正预防", QA, kind="stage", when=_valid, when_label=VALID_ONLY,
         deadline=_deadline("capa", pausable=False), escalate_to=MANAGERS, on_applicant=KEEP,
         action_label="填写纠正预防措施", page="complaints.capa", clause="s-4-6-2",
         requires=_needs((lambda r: r.root_cause and r.corrective_action, "请填写根本原因和纠正措施。"),
                         (lambda r: r.capa_person_id and r.capa_due, "请指定责任人和完成日期。"))),
    Step("capa_action", "措施实施", FromRecord(_capa_owner, "纠正预防责任人"), kind="stage",
         when=_valid, when_label=VALID_ONLY, deadline=Deadline(resolve=_capa_due, remind_before=DUE_SOON, pausable=False),
         escalate_to=FromRecord(_capa_escalation, "责任部门负责人、品质部经理、客服部经理"),
         on_applicant=KEEP, action_label="措施已完成", clause="s-4-6-4"),
    # 4.7.1: the effect is verified by someone other than the CAPA's owner.
    Step("verify", "效果验证", QA, kind="stage", when=_valid, when_label=VALID_ONLY, on_applicant=KEEP,
         action_label="验证效果", page="complaints.verify", clause="s-4-7-1",
         distinct_from=("capa_action",),
         requires=_needs((lambda r: r.effective is True, "效果验证有效后才能进入结案。"))),
    Step("close", "结案", QA, kind="stage", when=_valid, when_label=VALID_ONLY, on_applicant=KEEP, action_label="结案",
         page="complaints.close", clause="s-4-7-3", requires=_close_blocker),
    Step("follow_up", "结案回访", CS, kind="stage",
         deadline=_deadline("follow_up", anchor="step", pausable=False), escalate_to=MANAGERS,
         on_applicant=KEEP, action_label="登记回访", page="complaints.follow_up", clause="s-4-8-1",
         requires=_needs((lambda r: r.satisfaction, "请登记客户评分。"))),
    # 4.8.3: the manager's second call checks the first, so it is made by someone else.
    # When the service manager made the first call, the quality manager makes the second.
    Step("second_follow_up", "经理复访", DepartmentHead("CS"), kind="stage",
         when=needs_second_follow_up, when_label="回访评分 2 分及以下或被抽中复访时", escalate_to=DepartmentHead("QA"),
         deadline=Deadline(anchor="step", resolve=_second_due, remind_before=DUE_SOON,
                           pausable=False),
         on_applicant=KEEP, action_label="登记复访", page="complaints.second_follow_up",
         clause="s-4-8-3", distinct_from=("follow_up",),
         requires=_needs((lambda r: r.second_result, "请填写复访结果。"))),
)  # fmt: skip


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _fields(record, skip: tuple[str, ...]) -> dict:
    names = [c.name for c in type(record).__table__.columns if c.name not in skip]
    data = {name: _plain(getattr(record, name)) for name in names}
    files = db.session.scalars(attachments_of(record.instance_id)) if record.instance_id else []
    data["attachments"] = [[a.original_name, a.sha256] for a in files]
    return data


def canonical(record: Complaint) -> dict:
    """The record's fields as plain data: what the PDF's hash and /verify cover."""
    return _fields(record, ("id", "instance_id"))


def sub_canonical(record) -> dict:
    data = _fields(record, ("id", "instance_id", "complaint_id"))
    data["complaint"] = record.complaint.number
    return data


# A complaint or a return is handled, not approved: one word on every page and report.
HANDLING = {Status.IN_PROGRESS: "处理中"}

COMPLAINT_FLOW = Flow(
    key="complaints",
    name="客户投诉",
    numbering=Numbering("KS"),
    model=Complaint,
    steps=STEPS,
    detail_endpoint="complaints.detail",
    title=lambda r: f"{r.customer_company} · {r.product}",
    viewer_roles=SEES_ALL_ROLES,
    reads_all=sees_all,
    readers=complaint_readers,
    pausable=True,
    pause_roles=(RoleCode.SERVICE, RoleCode.QUALITY),
    canonical=canonical,
    procedure=PROCEDURE,
    due_soon=DUE_SOON,
    status_labels=HANDLING,
)


def _needs_rework(record: ComplaintReturn) -> bool | None:
    return record.disposition in ("rework", "sort") if record.disposition else None


RETURN_FLOW = Flow(
    key="complaint_returns",
    name="客户退货",
    numbering=Numbering("TH"),
    model=ComplaintReturn,
    steps=(
        Step("disposition", "检验与处置", QA, kind="stage",
             deadline=_deadline("return_disposition", pausable=False), escalate_to=MANAGERS,
             on_applicant=KEEP, action_label="出具处置方案",
             page="complaints.return_disposition", can_send_back=False, clause="s-4-9-3",
             requires=_needs((lambda r: r.disposition, "请先出具处置方案。"))),
        Step("rework", "返工", DepartmentHead("PRD"), kind="stage", when=_needs_rework, when_label="处置方式为返工或挑选时",
             deadline=_deadline("return_rework", anchor="step", pausable=False),
             escalate_to=MANAGERS, on_applicant=KEEP, action_label="登记返工结果",
             page="complaints.return_rework", clause="s-4-9-4",
             requires=_needs((lambda r: r.qty_reworked is not None, "请登记返工数量和报废数量。"))),
    ),
    detail_endpoint="complaints.return_detail",
    title=lambda r: f"{r.complaint.number} 退货 {r.qty_received} 件",
    viewer_roles=SEES_ALL_ROLES,
    reads_all=sees_all,
    readers=return_readers,
    canonical=sub_canonical,
    procedure=PROCEDURE,
    due_soon=DUE_SOON,
    status_labels=HANDLING,
)  # fmt: skip

CLAIM_FLOW = Flow(
    key="complaint_claims",
    name="客户索赔",
    numbering=Numbering("SP"),
    model=ComplaintClaim,
    steps=(
        Step("countersign", "相关部门会签", FromRecord(_countersigners, "会签部门负责人"),
             mode=ALL, action_label="会签同意", clause="s-4-10-3"),
        Step("gm", "总经理审批", HasRole(RoleCode.GM, "总经理"), action_label="批准",
             clause="s-4-10-3"),
        Step("write_off", "财务核销", HasRole(RoleCode.FINANCE, "财务部"), kind="stage",
             action_label="登记核销", page="complaints.claim_write_off", clause="s-4-10-4",
             execution=True, requires=_needs((lambda r: r.written_off_on, "请登记核销金额和日期。"))),
    ),
    detail_endpoint="complaints.claim_detail",
    title=lambda r: f"{r.complaint.number} 索赔",
    viewer_roles=(*SEES_ALL_ROLES, RoleCode.FINANCE),
    canonical=sub_canonical,
    procedure=PROCEDURE,
    due_soon=DUE_SOON,
)  # fmt: skip

FLOWS = (COMPLAINT_FLOW, RETURN_FLOW, CLAIM_FLOW)
