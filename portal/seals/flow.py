"""The 用印申请 flow as data, following the bundled 印章管理制度 (QP-ADM-01):

department head (第十三条) → finance head for the finance and legal-representative seals
(第十四条) → 总经理 or the 受托人 acting for them (第十三条(三)); a department seal alone needs only
its department head (第十六条); taking a seal out always needs the GM's special approval
(第二十条) → each keeper stamps (第十七条, 第十八条) → on a take-out, each keeper records the
return, reminded before the expected time and escalated to 行政办主任 after it (第二十二、二十三条).
"""

from __future__ import annotations

from datetime import timedelta

from portal.auth.models import RoleCode, User
from portal.procedures.services import procedure_deadlines
from portal.seals import services
from portal.seals.models import FINANCE_KINDS, SealKind, SealRequest
from portal.workflow.flow import (
    ALL,
    ApplicantHead,
    Deadline,
    DepartmentHead,
    Flow,
    FromRecord,
    HasRole,
    Step,
)

DEFAULT_REMINDER = timedelta(hours=2)  # 第二十三条, when the procedure is not loaded


def keepers(record: SealRequest) -> list[User]:
    """One responsible keeper per chosen seal (a keeper of two seals appears once)."""
    people = [item.seal.responsible_keeper() for item in record.items]
    return list(dict.fromkeys(u for u in people if u is not None))


def uses_finance_seal(record: SealRequest) -> bool:
    return any(item.seal.kind in FINANCE_KINDS for item in record.items)


def department_seals_only(record: SealRequest) -> bool:
    return bool(record.items) and all(i.seal.kind == SealKind.DEPARTMENT for i in record.items)


def needs_gm(record: SealRequest) -> bool:
    """The GM's ordinary approval; a take-out goes to the special-approval step instead."""
    return not record.take_out and not department_seals_only(record)


def takes_out(record: SealRequest) -> bool:
    return record.take_out


def reminder_lead(record: SealRequest) -> timedelta:
    """How long before the expected return the keeper is reminded: the procedure's front
    matter (`deadlines: take_out_reminder: {hours: 2}`), read when the reminder is due."""
    setting = procedure_deadlines(services.PROCEDURE).get("take_out_reminder") or {}
    hours = setting.get("hours") if isinstance(setting, dict) else None
    return timedelta(hours=float(hours)) if hours else DEFAULT_REMINDER


def expected_return(record: SealRequest):
    return record.expected_return_at


def keeper_can_view(user: User, record: SealRequest) -> bool:
    return any(item.seal.kept_by(user) for item in record.items)


def submit_check(record: SealRequest) -> str | None:
    problems = services.submit_problems(record)
    return "请先补全申请：" + "；".join(problems.values()) if problems else None


SEAL_FLOW = Flow(
    key="seals",
    name="用印申请",
    number_prefix="YY",
    model=SealRequest,
    steps=(
        Step("head", "部门负责人审核", ApplicantHead()),
        Step("finance", "财务部负责人审核", DepartmentHead("FIN"), when=uses_finance_seal),
        Step("gm", "总经理审批", HasRole(RoleCode.GM, "总经理（或受托人）"), when=needs_gm),
        Step(
            "gm_take_out",
            "总经理特批（携带外出）",
            HasRole(RoleCode.GM, "总经理（或受托人）"),
            when=takes_out,
            form_endpoint="seals.approve",
            action_label="特批携带外出",
        ),
        Step(
            "stamp",
            "保管人用印",
            FromRecord(keepers, "所选印章的保管人"),
            mode=ALL,  # one decision per keeper: each stamps their own seals
            # An approval step (not a stage) so that a keeper can refuse with a reason, which
            # returns the request to the applicant (第十七条).
            form_endpoint="seals.stamp",
            action_label="登记用印",
            skip_applicant=False,  # a keeper may apply for their own seal and still stamps it
            can_send_back=False,
        ),
        Step(
            "return",
            "印章归还",
            FromRecord(keepers, "所选印章的保管人"),
            mode=ALL,
            kind="stage",
            when=takes_out,
            deadline=Deadline(resolve=expected_return, remind_before=reminder_lead),
            escalate_to=HasRole(RoleCode.ADMIN_HEAD, "行政办主任"),
            form_endpoint="seals.return_seal",
            action_label="登记归还",
            skip_applicant=False,
            can_send_back=False,
        ),
    ),
    detail_endpoint="seals.detail",
    title=lambda r: r.document_name or "（未填写文件名称）",
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.GM, RoleCode.ADMIN_HEAD, RoleCode.ADMIN_STAFF),
    can_view=keeper_can_view,
    void_roles=(RoleCode.SYSADMIN, RoleCode.ADMIN_HEAD),
    canonical=services.canonical,
    submit_check=submit_check,
)
