"""The 印章使用登记表: one row per stamping event (each seal used on a request), as the paper
register kept beside the seals: when, which seal, on what document, how many copies, who
applied and approved, who stamped, and the take-out and return. Requests never stamped are not
in it (they are on 我的申请 and in the inbox). Also the home panel of the seals 外借中.

Rows are `SealRequestItem`s with a stamping time, joined to their request and instance (the
visibility rule is the instances'); sorting and the date filter use the items' stamping index.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from portal.auth.models import User
from portal.core.clock import format_local
from portal.core.registers import Column, Register
from portal.extensions import db
from portal.home.services import Panel
from portal.seals.models import Seal, SealRequest, SealRequestItem
from portal.seals.services import FORM_TYPE, keeps_a_seal, seals_out
from portal.workflow import access
from portal.workflow import services as workflow
from portal.workflow.flow import get_flow
from portal.workflow.models import STATUS_LABELS, Instance, Status
from portal.workflow.naming import actor_label


def register_query(user: User):
    """Stamping events of the requests the user may read, with what the rows show loaded.

    For those who read every request the rows are the stamping index alone: the count walks
    `ix_seal_request_items_stamped (stamped_at, id)` without touching the requests (a join of
    every row costs 100-400 ms at 100,000 requests on SQLite), and a page is a range of it from
    the previous page's last row (core.registers.fetch_page). Others' rows join their instance for
    the visibility rule. Filters on a request's fields are correlated lookups (`_of_request`).
    """
    query = select(SealRequestItem).where(SealRequestItem.stamped_at.is_not(None))
    condition = access.visible_to(user, FORM_TYPE)
    if condition is not None:
        query = (
            query.join(SealRequest, SealRequestItem.request_id == SealRequest.id)
            .join(Instance, SealRequest.instance_id == Instance.id)
            .where(condition)
        )
    # A page's requests, instances and seals join the page's rows (one row each); the tasks
    # (for the approvers) are one more query, the people named one more (core.registers).
    return query.options(
        joinedload(SealRequestItem.seal),
        joinedload(SealRequestItem.request)
        .joinedload(SealRequest.instance)
        .selectinload(Instance.tasks),
    )


_request, _instance = aliased(SealRequest), aliased(Instance)


def _of_request(column, *joined):
    """A column of the event's request or instance (`_request`, `_instance`), or of a table
    joined to them on `joined` (the applicant), correlated to the event row: filters, sorting
    and the keyword search without a join of every row."""
    query = (
        select(column).select_from(_request).join(_instance, _request.instance_id == _instance.id)
    )
    if joined:
        query = query.join(column.class_, *joined)
    return query.where(_request.id == SealRequestItem.request_id).scalar_subquery()


def _take_out(item: SealRequestItem) -> str:
    request = item.request
    if not request.take_out:
        return ""
    parts = [request.destination or "外出"]
    if item.handed_over_at:
        parts.append(f"{format_local(item.handed_over_at, '%m-%d %H:%M')} 交出")
    if request.expected_return_at:
        parts.append(f"预计 {format_local(request.expected_return_at, '%m-%d %H:%M')} 归还")
    return "，".join(parts)


def _returned(item: SealRequestItem) -> str:
    if item.returned_at:
        receiver = f" {item.returned_to.display_name} 收" if item.returned_to else ""
        return f"{format_local(item.returned_at)}{receiver}"
    if not item.request.take_out:
        return ""
    return "逾期未还" if item.request.overdue() else ("未还" if item.handed_over_at else "")


REGISTER_COLUMNS = (
    Column("stamped_at", "用印时间", lambda e: e.stamped_at, SealRequestItem.stamped_at, 17),
    Column("number", "编号", lambda e: e.request.instance.number, _of_request(_instance.number), 17),
    Column("seal", "印章", lambda e: e.seal.name, None, 12),
    Column("document", "文件名称", lambda e: e.request.document_name, _of_request(_instance.title), 24),
    Column("copies", "份数", lambda e: e.copies_stamped, SealRequestItem.copies_stamped, 6),
    Column("receiving_party", "送达单位", lambda e: e.request.receiving_party, None, 16),
    Column("department", "部门", lambda e: e.request.instance.department.name
           if e.request.instance.department else "", None, 9),
    Column("applicant", "申请人", lambda e: e.request.instance.applicant.display_name, None, 8),
    Column("approvers", "审批人", lambda e: workflow.approvers(e.request.instance), None, 18),
    Column("keeper", "盖章人", lambda e: actor_label(e.stamped_by, e.on_behalf_of)
           if e.stamped_by else "", None, 10),
    Column("take_out", "携带外出", _take_out, None, 22),
    Column("returned", "归还", _returned, SealRequestItem.returned_at, 17),
)  # fmt: skip

REGISTER = Register(
    key=FORM_TYPE,
    title="印章使用登记表",
    columns=REGISTER_COLUMNS,
    base_query=register_query,
    date_column=SealRequestItem.stamped_at,
    department_column=_of_request(_instance.department_id),
    status_column=_of_request(_instance.status),
    status_choices=tuple((k, v) for k, v in STATUS_LABELS.items() if k != Status.DRAFT),
    search_hint="编号、文件名称、印章、送达单位、申请人…",
    text_columns=(
        _of_request(_instance.number),
        _of_request(_instance.title),  # the document name
        select(Seal.name).where(Seal.id == SealRequestItem.seal_id).scalar_subquery(),
        _of_request(_request.receiving_party),
        _of_request(User.display_name, User.id == _instance.applicant_id),
    ),
    row_class=lambda e: "overdue" if e.request.overdue() and not e.returned_at else "",
    row_url=lambda e: url_for("seals.detail", id=e.request_id),
    link_column="number",
    tiebreak=SealRequestItem.id,  # the seals of one request are stamped at one time
)


def seals_out_panel(user: User) -> Panel | None:
    """Home page: the seals 外借中, for the admin office, the GM and the keepers."""
    if not (access.reads_all(user, get_flow(FORM_TYPE)) or keeps_a_seal(user)):
        return None
    query = seals_out().options(
        joinedload(SealRequestItem.seal),
        contains_eager(SealRequestItem.request).joinedload(SealRequest.instance),
    )
    rows = db.session.scalars(query.limit(8)).all()
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
