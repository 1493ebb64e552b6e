"""The registers: 客户投诉登记追踪表 (with each stage's clock), 退货登记表, 索赔登记表.

They use the generic register machinery (filters, sorting, CSV/XLSX/PDF export); the pages
render a table partial of their own so that stage cells carry their status colour.
"""

from __future__ import annotations

from flask import url_for

from portal.core.calendar import holiday_overrides
from portal.core.registers import Column, Register
from portal.core.registers import render as core_render
from portal.core.values import fen
from portal.workflow.clocks import stage_map
from portal.workflow.flow import get_flow
from portal.workflow.models import STATUS_LABELS, Instance, Status

from . import services
from .flow import HANDLING
from .models import (
    CATEGORIES,
    CLAIM_TYPES,
    DISPOSITIONS,
    SEVERITIES,
    Complaint,
    ComplaintClaim,
    ComplaintReturn,
    label,
)

STATUS_CHOICES = tuple((k, v) for k, v in STATUS_LABELS.items() if k != Status.DRAFT)
# Complaints and returns are 处理中 (their flows' status_labels), claims 审批中.
HANDLING_CHOICES = tuple((k, HANDLING.get(k, v)) for k, v in STATUS_CHOICES)


def _current_step(record) -> str:
    instance = record.instance
    if instance.status != Status.IN_PROGRESS or not instance.step_key:
        return instance.status_label
    name = get_flow(instance.form_type).step(instance.step_key).name
    return f"{name}（已暂停）" if instance.paused_at else name


def _stage(key: str):
    """A column value: the stage's clock as text (exports), `.state` used by the page."""

    def value(record) -> str:
        clock = stage_map(record.instance, record).get(key)
        return clock.text() if clock else ""

    return value


def _valid_label(record: Complaint) -> str:
    return {True: "有效", False: "无效"}.get(record.valid, "待判定")


def _overdue_class(record) -> str:
    clocks = stage_map(record.instance, record).values()
    return "overdue" if any(c.state == "overdue" for c in clocks) else ""


STAGE_COLUMNS = {
    "analysis": "初步分析",
    "containment": "围堵",
    "reply_send": "答复客户",
    "capa": "纠正预防",
    "follow_up": "回访",
}

COMPLAINTS = Register(
    key="complaints",
    title="客户投诉登记追踪表",
    # What a handler needs first (who has it, for which customer, since when); the stage
    # clocks and the rest scroll.
    columns=(
        Column("number", "投诉编号", lambda r: r.number, Instance.number, 16),
        Column("current", "当前环节", _current_step, None, 16),
        Column("customer", "客户", lambda r: r.customer_company, Complaint.customer_company, 20),
        Column("product", "产品/型号", lambda r: " ".join(filter(None, [r.product, r.model])), None, 20),
        Column("registered", "受理时间", lambda r: r.registered_at, Instance.submitted_at, 17),
        Column("valid", "判定", _valid_label, None, 8),
        Column("department", "责任部门",
               lambda r: r.capa_department.name if r.capa_department else "", None, 12),
        Column("category", "类别", lambda r: label(CATEGORIES, r.category), Complaint.category, 8),
        Column("severity", "严重程度", lambda r: label(SEVERITIES, r.severity), None, 8),
        *[Column(f"stage_{k}", name, _stage(k), None, 30, custom=True) for k, name in STAGE_COLUMNS.items()],
        Column("closed", "结案时间", lambda r: r.closed_at, Complaint.closed_at, 17),
        Column("satisfaction", "回访评分", lambda r: r.satisfaction, Complaint.satisfaction, 8),
    ),
    base_query=services.visible_complaints,
    date_column=Instance.submitted_at,
    department_column=Complaint.capa_department_id,
    status_column=Instance.status,
    status_choices=HANDLING_CHOICES,
    search_hint="编号、客户、产品、型号、批号、联系人…",
    text_columns=(Instance.number, Complaint.customer_company, Complaint.product, Complaint.model,
                  Complaint.batch, Complaint.contact_person),
    default_sort=Instance.submitted_at,
    row_class=_overdue_class,
    row_url=lambda r: url_for("complaints.detail", id=r.id),
    tiebreak=Instance.id,  # one instance a record: date order as the instances' index has it
)  # fmt: skip

RETURNS = Register(
    key="complaint-returns",
    title="客户退货登记表",
    columns=(
        Column("number", "退货编号", lambda r: r.number, Instance.number, 16),
        Column("complaint", "投诉编号", lambda r: r.complaint.number, None, 16),
        Column("customer", "客户", lambda r: r.complaint.customer_company, None, 20),
        Column("received", "签收时间", lambda r: r.instance.submitted_at, Instance.submitted_at, 17),
        Column("model", "型号/批号", lambda r: " ".join(filter(None, [r.model, r.batch])), None, 16),
        Column("qty", "退货数量", lambda r: r.qty_received, ComplaintReturn.qty_received, 8),
        Column("disposition", "处置", lambda r: label(DISPOSITIONS, r.disposition), None, 8),
        Column("stage_disposition", "处置（12小时）", _stage("disposition"), None, 30, custom=True),
        Column("stage_rework", "返工（24小时）", _stage("rework"), None, 30, custom=True),
        Column("reworked", "返工合格", lambda r: r.qty_reworked, None, 8),
        Column("scrapped", "报废数量", lambda r: r.qty_scrapped, None, 8),
        Column("status", "状态", _current_step, None, 12),
    ),
    base_query=services.visible_returns,
    date_column=Instance.submitted_at,
    status_column=Instance.status,
    status_choices=HANDLING_CHOICES,
    search_hint="编号、型号、批号、退货单号…",
    text_columns=(Instance.number, ComplaintReturn.model, ComplaintReturn.batch,
                  ComplaintReturn.return_note_no),
    row_class=_overdue_class,
    row_url=lambda r: url_for("complaints.return_detail", id=r.id),
    tiebreak=Instance.id,
)  # fmt: skip

CLAIMS = Register(
    key="complaint-claims",
    title="客户索赔登记表",
    columns=(
        Column("number", "索赔编号", lambda r: r.number, Instance.number, 16),
        Column("complaint", "投诉编号", lambda r: r.complaint.number, None, 16),
        Column("customer", "客户", lambda r: r.complaint.customer_company, None, 20),
        Column("submitted", "提交时间", lambda r: r.instance.submitted_at, Instance.submitted_at, 17),
        Column("type", "类型", lambda r: label(CLAIM_TYPES, r.claim_type), None, 10),
        Column("amount", "索赔金额（元）", lambda r: fen(r.amount_fen), ComplaintClaim.amount_fen, 14),
        Column("countersign", "会签部门", lambda r: services.department_names(r.countersign_codes), None, 14),
        Column("written_off", "核销金额（元）", lambda r: fen(r.written_off_fen), None, 14),
        Column("written_off_on", "核销日期", lambda r: r.written_off_on, None, 12),
        Column("status", "状态", _current_step, None, 12),
    ),
    base_query=services.visible_claims,
    date_column=Instance.submitted_at,
    status_column=Instance.status,
    status_choices=STATUS_CHOICES,
    search_hint="编号、客户索赔单号、索赔项目…",
    text_columns=(Instance.number, ComplaintClaim.customer_ref, ComplaintClaim.items),
    row_url=lambda r: url_for("complaints.claim_detail", id=r.id),
    tiebreak=Instance.id,
)  # fmt: skip

REGISTERS = {"complaints": COMPLAINTS, "returns": RETURNS, "claims": CLAIMS}
EXPORTS = {"complaints": "complaints.register_export", "returns": "complaints.returns_export",
           "claims": "complaints.claims_export"}  # fmt: skip


def render(kind: str, args, user, page_template: str, **context):
    """core.registers.render with our table partial (stage cells coloured)."""
    # The stage clocks read the holiday table: once, whether or not a row's clock runs, so the
    # page runs the same statements whatever rows it shows.
    holiday_overrides()
    return core_render(
        REGISTERS[kind],
        args,
        page_template,
        partial="complaints/_register_table.html",
        export_endpoint=EXPORTS[kind],
        stage_map=stage_map,
        kind=kind,
        can_register=services.can_register(user),
        can_report=services.can_view_report(user),
        **context,
    )
