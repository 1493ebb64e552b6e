"""The 印章使用登记表: a `core.registers.Register` over the submitted requests a user may read,
and the home panel of the seals 外借中.

The rows are workflow instances, so that sorting, the filters, the count and deep pages are
answered from the instances' register index without a join; each page then loads its 50
requests, their seals and approvals in three more queries.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.models import User
from portal.core.clock import format_local
from portal.core.registers import Column, Register
from portal.extensions import db
from portal.home.services import Panel
from portal.seals.models import SealRequest
from portal.seals.services import (
    FORM_TYPE,
    keeper_label,
    keeps_a_seal,
    seals_out,
)
from portal.workflow import access
from portal.workflow import services as workflow
from portal.workflow.flow import get_flow
from portal.workflow.models import STATUS_LABELS, Instance, Status


def register_query(user: User):
    """Submitted seal requests the user may read, with what the rows show loaded in bulk."""
    # Submitted (drafts never are): a range of the register index, cheaper than status != draft.
    query = access.visible_instances(user, FORM_TYPE).where(Instance.submitted_at.is_not(None))
    # Users, departments and seals are few: after the first row they come from the session's
    # identity map, so only the per-row collections are loaded eagerly.
    return query.options(
        selectinload(Instance.seal_request).selectinload(SealRequest.items),
        selectinload(Instance.tasks),
    )


def _record_text(column):
    """A request's column, correlated to the instance row (for the keyword search)."""
    return select(column).where(SealRequest.instance_id == Instance.id).scalar_subquery()


def _returned(i: Instance) -> str:
    record = i.seal_request
    if record.returned_at:
        return format_local(record.returned_at)
    return "逾期未还" if record.overdue() else ("未还" if record.handed_over_at else "")


def _copies(i: Instance) -> int | None:
    record = i.seal_request
    return record.stamped_copies if record.stamped_copies is not None else record.copies


REGISTER_COLUMNS = (
    Column("date", "日期", lambda i: format_local(i.submitted_at, "%Y-%m-%d"), Instance.submitted_at, 14),
    Column("number", "编号", lambda i: i.number, Instance.number, 20),
    Column("department", "部门", lambda i: i.department.name if i.department else "", None, 9),
    Column("applicant", "申请人", lambda i: i.applicant.display_name, None, 8),
    Column("document", "文件名称", lambda i: i.seal_request.document_name, Instance.title, 26),
    Column("seals", "印章", lambda i: i.seal_request.seal_names, None, 14),
    Column("copies", "份数", _copies, None, 5),
    Column("approver", "审批人", lambda i: workflow.last_approver(i), None, 15),
    Column("keeper", "保管人", lambda i: keeper_label(i.seal_request), None, 9),
    Column("stamped_at", "用印时间", lambda i: i.seal_request.stamped_at, None, 14),
    Column("handed_over_at", "外带交出", lambda i: i.seal_request.handed_over_at, None, 14),
    Column("returned_at", "归还时间", _returned, None, 14),
    Column("status", "状态", lambda i: i.status_label, None, 9),
)  # fmt: skip

REGISTER = Register(
    key=FORM_TYPE,
    title="印章使用登记表",
    columns=REGISTER_COLUMNS,
    base_query=register_query,
    date_column=Instance.submitted_at,
    department_column=Instance.department_id,
    status_column=Instance.status,
    status_choices=tuple((k, v) for k, v in STATUS_LABELS.items() if k != Status.DRAFT),
    search_hint="编号、文件名称、印章、送达单位、申请人…",
    text_columns=(
        Instance.number,
        Instance.title,  # the document name
        _record_text(SealRequest.seal_names),
        _record_text(SealRequest.receiving_party),
        select(User.display_name).where(User.id == Instance.applicant_id).scalar_subquery(),
    ),
    row_class=lambda i: "overdue" if i.seal_request.overdue() else "",
    row_url=lambda i: url_for("seals.detail", id=i.record_id),
)


def seals_out_panel(user: User) -> Panel | None:
    """Home page: the seals 外借中, for the admin office, the GM and the keepers."""
    if not (access.reads_all(user, get_flow(FORM_TYPE)) or keeps_a_seal(user)):
        return None
    rows = db.session.scalars(seals_out().limit(8)).all()
    items = [
        {
            "label": f"{item.seal.name} · {item.request.instance.number} {item.request.document_name}",
            "url": url_for("seals.detail", id=item.request_id),
            "meta": f"预计 {format_local(item.request.expected_return_at)} 归还",
            "overdue": item.request.overdue(),
        }
        for item in rows
    ]
    return Panel("外借中的印章", items, "印章均已在库。", url_for("seals.catalogue"), order=30)
