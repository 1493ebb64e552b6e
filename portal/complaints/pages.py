"""What the complaint pages show: template contexts, the intake form's computed hints, the
record PDFs (客户投诉处理单, 退货处置单, 索赔审批单) and the report downloads. Views stay thin
by calling one function here after their one service call."""

from __future__ import annotations

from flask import Response, render_template, url_for
from flask_login import current_user

from portal.core.clock import format_local, local_now, to_local
from portal.workflow import records
from portal.workflow import services as workflow

from . import report as monthly
from . import services
from .clocks import StageClock, intake_clock, stage_clocks
from .flow import CLAUSES, PROCEDURE, clock_label, has_confirmation, open_subrecords
from .forms import initial
from .models import (
    CATEGORIES,
    CHANNELS,
    CLAIM_TYPES,
    DISPOSITIONS,
    FOLLOW_UP_METHODS,
    REPLY_METHODS,
    SEVERITIES,
    Complaint,
    ComplaintClaim,
    ComplaintReturn,
    label,
    yuan,
)
from .services import StageRefused

PURPOSES = {"evidence": "投诉资料", "confirmation": "客户书面确认", "claim": "索赔依据"}


def record_url(record) -> str:
    endpoint = {
        Complaint: "complaints.detail",
        ComplaintReturn: "complaints.return_detail",
        ComplaintClaim: "complaints.claim_detail",
    }[type(record)]
    return url_for(endpoint, id=record.id)


def clause_links() -> dict[str, str]:
    """Step key -> link to its clause of QP-CS-01, when the procedure is in the library."""
    from portal.procedures import services as procedures

    present = {c.anchor for c in procedures.find_clauses(PROCEDURE, *set(CLAUSES.values()))}
    return {
        key: procedures.clause_url(PROCEDURE, anchor)
        for key, anchor in CLAUSES.items()
        if anchor in present
    }


def clause_number(anchor: str) -> str:
    return anchor.removeprefix("s-").replace("-", ".")


# --- intake --------------------------------------------------------------------------------------


def duplicates_for(form, exclude_id: int | None = None) -> list[Complaint]:
    return services.open_duplicates(
        form.customer_company.data or "", form.product.data or "", exclude_id
    )


def intake_data(complaint: Complaint) -> dict:
    data = {name: getattr(complaint, name) for name in services.INTAKE_FIELDS}
    local = to_local(complaint.received_at)
    data["received_at"] = local.replace(tzinfo=None) if local else None
    return data


def _hints(form, complaint: Complaint | None) -> None:
    """Computed help under the fields: the defect rate, and open complaints of the same
    customer and product (a warning, not a refusal)."""
    rate = services.defect_rate_text(form.qty_delivered.data, form.qty_defective.data)
    if rate and not form.qty_defective.errors:
        form.qty_defective.description = f"不良率 {rate}"
    found = duplicates_for(form, complaint.id if complaint else None)
    if found:
        numbers = "、".join(d.number for d in found)
        form.product.description = (
            f"注意：该客户此产品已有未结投诉 {numbers}；同一问题请在原投诉下补充记录（4.1.6）。"
        )


def render_intake(form, complaint, duplicates=None, inline: bool = False):
    _hints(form, complaint)
    context = {
        "form": form,
        "complaint": complaint,
        "duplicates": duplicates or [],
        "clauses": clause_links(),
    }
    if inline:  # htmx field validation: the same markup, the field is picked out by hx-select
        return render_template("complaints/_intake_form.html", **context)
    status = 422 if form.is_submitted() else 200
    return render_template("complaints/new.html", **context), status


# --- record pages ------------------------------------------------------------------------------


def _attachments(record) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for attachment in services.attachments(record):
        grouped.setdefault(PURPOSES.get(attachment.purpose, "附件"), []).append(attachment)
    return grouped


def complaint_context(complaint: Complaint) -> dict:
    instance = complaint.instance
    return {
        "complaint": complaint,
        "panel": workflow.panel(instance, current_user),
        "clocks": [intake_clock(instance), *stage_clocks(instance, complaint)],
        "attachments": _attachments(complaint),
        "clauses": clause_links(),
        "can_add_sub": services.can_add_subrecord(current_user, complaint),
        "can_edit": services.can_edit(current_user, complaint),
        "open_subs": open_subrecords(complaint),
        "confirmed": has_confirmation(complaint),
        "clock_rows": _clock_rows(complaint),
        "labels": LABELS,
    }


def sub_context(record) -> dict:
    instance = record.instance
    return {
        "record": record,
        "complaint": record.complaint,
        "panel": workflow.panel(instance, current_user),
        "clocks": stage_clocks(instance, record),
        "attachments": _attachments(record),
        "clauses": clause_links(),
        "can_edit": services.can_edit(current_user, record),
        "labels": LABELS,
    }


def stage_context(page, record, form) -> dict:
    complaint = record if isinstance(record, Complaint) else record.complaint
    return {
        "page": page,
        "record": record,
        "complaint": complaint,
        "form": form,
        "clock": next((c for c in stage_clocks(record.instance, record) if c.key == page.step), None),
        "clauses": clause_links(),
        "labels": LABELS,
        "open_subs": open_subrecords(complaint) if page.endpoint == "close" else [],
        "record_url": record_url(record),
    }  # fmt: skip


def attach_error(form, exc: Exception) -> None:
    """A refusal from a stage page or the engine, shown beside its field or above the form."""
    field = getattr(exc, "field", None) if isinstance(exc, StageRefused) else None
    if field and field in form:
        form[field].errors = [*form[field].errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def claim_form(form_class, complaint: Complaint, record: ComplaintClaim | None = None):
    if record is not None:
        data = {"claim_type": record.claim_type, "amount": record.amount_fen / 100,
                "customer_ref": record.customer_ref, "items": record.items,
                "countersign": record.countersign_codes}  # fmt: skip
    else:
        claim_type = "delivery" if complaint.category == "delivery" else "quality"
        data = {"claim_type": claim_type, "countersign": services.default_countersign(claim_type)}
    form = form_class(data=initial(data))
    form.countersign.choices = {d.code: d.name for d in services.departments()}
    return form


def _clock_rows(complaint: Complaint) -> list[tuple[str, str]]:
    clocks = complaint.clocks or {}
    names = {
        "initial_analysis": "初步分析", "containment": "围堵措施", "reply": "答复客户",
        "capa": "纠正预防报告", "follow_up": "结案回访", "return_disposition": "退货处置",
        "return_rework": "退货返工",
    }  # fmt: skip
    return [(name, clock_label(clocks.get(key))) for key, name in names.items() if key in clocks]


LABELS = {
    "channel": lambda v: label(CHANNELS, v),
    "category": lambda v: label(CATEGORIES, v),
    "severity": lambda v: label(SEVERITIES, v),
    "reply_method": lambda v: label(REPLY_METHODS, v),
    "follow_up_method": lambda v: label(FOLLOW_UP_METHODS, v),
    "disposition": lambda v: label(DISPOSITIONS, v),
    "claim_type": lambda v: label(CLAIM_TYPES, v),
    "yuan": yuan,
    "rate": services.defect_rate_text,
    "clause_number": clause_number,
    "departments": services.department_names,
}


# --- PDFs --------------------------------------------------------------------------------------


def pdf_response(record, data: bytes) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{record.number}.pdf"'
    return response


def _cell(label_: str, value, span: int = 1) -> dict:
    return {"label": label_, "value": "" if value is None else str(value), "span": span}


def _yes(value: bool | None, yes: str = "是", no: str = "否") -> str:
    return "" if value is None else (yes if value else no)


def _clock_table(clocks: list[StageClock]) -> dict:
    """The timeline of stages: who, due, done, on time or late, and the clause of QP-CS-01."""
    return {
        "title": "处理时限与签核",
        "columns": [{"label": "环节", "width": "17%"}, {"label": "处理人", "width": "15%"},
                    {"label": "期限", "width": "21%"}, {"label": "完成时间", "width": "21%"},
                    {"label": "结果", "width": "14%"}, {"label": "条款", "width": "12%"}],
        "rows": [[c.name, c.actor or c.owner, format_local(c.due_at), format_local(c.done_at),
                  c.label, clause_number(c.clause) if c.clause else ""]
                 for c in clocks],
    }  # fmt: skip


def _intake_fields(c: Complaint) -> list[list[dict]]:
    return [
        [_cell("投诉渠道", label(CHANNELS, c.channel)), _cell("接收时间", format_local(c.received_at)),
         _cell("登记时间", format_local(c.registered_at))],
        [_cell("客户名称", c.customer_company, 2), _cell("联系人", c.contact_person)],
        [_cell("电话", c.phone), _cell("E-mail", c.email), _cell("地址", c.address)],
        [_cell("产品", c.product), _cell("型号", c.model), _cell("批号", c.batch)],
        [_cell("交付数量", c.qty_delivered), _cell("不良数量", c.qty_defective),
         _cell("不良率", services.defect_rate_text(c.qty_delivered, c.qty_defective))],
        [_cell("类别", label(CATEGORIES, c.category)), _cell("严重程度", label(SEVERITIES, c.severity)),
         _cell("退货", _yes(c.returned_goods))],
        [_cell("问题描述", c.description, 3)],
        [_cell("时限依据", f"{c.clock_source}：" + "；".join(f"{n} {v}" for n, v in _clock_rows(c)), 3)],
    ]  # fmt: skip


def _section(title: str, *rows: list[dict]) -> dict:
    return {"title": title, "rows": list(rows)}


def _valid_sections(c: Complaint) -> list[dict]:
    """Containment, reply, CAPA, verification and closing (valid complaints)."""
    department = c.capa_department.name if c.capa_department else ""
    person = c.capa_person.display_name if c.capa_person else ""
    return [
        _section("围堵措施", [_cell("措施", c.containment_actions, 3)],
                 [_cell("库存清查", _yes(c.stock_checked, "已清查", "未清查")),
                  _cell("清查结果", c.stock_result, 2)],
                 [_cell("停线", _yes(c.line_stop)), _cell("停线范围", c.line_stop_note, 2)]),
        _section("答复客户", [_cell("答复内容", c.reply_text, 3)],
                 [_cell("发送方式", label(REPLY_METHODS, c.reply_method)),
                  _cell("发送时间", format_local(c.reply_sent_at), 2)]),
        _section("原因分析与纠正预防措施（CAPA）", [_cell("根本原因", c.root_cause, 3)],
                 [_cell("纠正措施", c.corrective_action, 3)],
                 [_cell("预防措施", c.preventive_action, 3)],
                 [_cell("责任部门", department), _cell("责任人", person),
                  _cell("完成日期", c.capa_due)]),
        _section("效果验证与结案",
                 [_cell("验证结论", _yes(c.effective, "有效", "无效")),
                  _cell("结案时间", format_local(c.closed_at), 2)],
                 [_cell("验证记录", c.verification, 3)], [_cell("结案意见", c.closing_note, 3)]),
    ]  # fmt: skip


def _handling_sections(c: Complaint) -> list[dict]:
    verdict = _yes(c.valid, "有效投诉", "无效投诉") or "待判定"
    sections = [_section("初步分析", [_cell("判定", verdict)], [_cell("分析与依据", c.analysis)])]
    if c.valid is False:
        confirmed = "已附" if has_confirmation(c) else "未附"
        sections.append(_section("澄清确认", [_cell("澄清内容", c.clarification)],
                                 [_cell("客户书面确认", confirmed)]))  # fmt: skip
    else:
        sections += _valid_sections(c)
    second = c.second_result or ("待复访" if c.second_reason else "不需要")
    sections.append(_section(
        "结案回访",
        [_cell("客户评分", f"{c.satisfaction} 分" if c.satisfaction else ""),
         _cell("回访方式", label(FOLLOW_UP_METHODS, c.follow_up_method)),
         _cell("回访时间", format_local(c.followed_up_at))],
        [_cell("客户意见", c.follow_up_comment, 3)], [_cell("经理复访", second, 3)],
    ))  # fmt: skip
    return sections


def _subs_table(c: Complaint) -> dict:
    rows = [
        [
            r.number,
            "退货",
            f"{r.qty_received} 件，{label(DISPOSITIONS, r.disposition) or '待处置'}",
            r.instance.status_label,
        ]
        for r in c.returns
    ]
    rows += [
        [
            r.number,
            label(CLAIM_TYPES, r.claim_type),
            f"{yuan(r.amount_fen)} 元",
            r.instance.status_label,
        ]
        for r in c.claims
    ]
    return {"title": "退货与索赔", "columns": ["编号", "类型", "内容", "状态"], "rows": rows}  # fmt: skip


def _attachment_table(record) -> dict:
    rows = [
        [
            a.original_name,
            PURPOSES.get(a.purpose, "附件"),
            a.uploaded_by.display_name,
            format_local(a.uploaded_at),
        ]
        for a in services.attachments(record)
    ]
    return {"title": "附件", "columns": ["文件名", "用途", "上传人", "时间"], "rows": rows}  # fmt: skip


def complaint_pdf(c: Complaint) -> bytes:
    clocks = [intake_clock(c.instance), *stage_clocks(c.instance, c)]
    sections = [_clock_table(clocks), *_handling_sections(c), _subs_table(c), _attachment_table(c)]
    return records.record_pdf(
        c.instance, "complaints/pdf.html", "客户投诉处理单", _intake_fields(c),
        sections=sections, signatures=["客服部受理", "品质部经理审批", "结案确认"],
    )  # fmt: skip


def return_pdf(r: ComplaintReturn) -> bytes:
    fields = [
        [_cell("投诉编号", r.complaint.number), _cell("客户", r.complaint.customer_company, 2)],
        [_cell("型号", r.model), _cell("批号", r.batch), _cell("客户退货单号", r.return_note_no)],
        [_cell("退货数量", r.qty_received), _cell("签收时间", format_local(r.instance.submitted_at)),
         _cell("需要补货", _yes(r.replacement_needed))],
        [_cell("退货原因", r.reason, 3)],
        [_cell("检验分析结果", r.inspection_result, 3)],
        [_cell("处置方式", label(DISPOSITIONS, r.disposition)), _cell("处置要求", r.disposition_note, 2)],
        [_cell("返工合格", r.qty_reworked), _cell("报废数量", r.qty_scrapped),
         _cell("返工说明", r.rework_note)],
    ]  # fmt: skip
    return records.record_pdf(
        r.instance, "complaints/pdf.html", "客户退货处置单", fields,
        sections=[_clock_table(stage_clocks(r.instance, r))],
        signatures=["客服部签收", "品质部处置", "生产部返工"],
    )  # fmt: skip


def claim_pdf(r: ComplaintClaim) -> bytes:
    fields = [
        [_cell("投诉编号", r.complaint.number), _cell("客户", r.complaint.customer_company, 2)],
        [_cell("索赔类型", label(CLAIM_TYPES, r.claim_type)), _cell("索赔金额（元）", yuan(r.amount_fen)),
         _cell("客户索赔函", r.customer_ref)],
        [_cell("索赔项目及依据", r.items, 3)],
        [_cell("会签部门", services.department_names(r.countersign_codes), 3)],
        [_cell("核销金额（元）", yuan(r.written_off_fen)), _cell("扣款单号", r.deduction_ref),
         _cell("核销日期", r.written_off_on)],
        [_cell("核销说明", r.write_off_note, 3)],
    ]  # fmt: skip
    return records.record_pdf(
        r.instance, "complaints/pdf.html", "客户索赔审批单", fields,
        sections=[_attachment_table(r)], signatures=["客服部", "会签部门", "总经理", "财务部"],
    )  # fmt: skip


# --- report --------------------------------------------------------------------------------------


def report_context(data: monthly.Report) -> dict:
    return {
        "summary": monthly.summary(data),
        "charts": monthly.charts(data),
        "percent": monthly.percent,
    }


def report_download(data: monthly.Report, fmt: str) -> Response:
    from portal.pdf import render_pdf

    if fmt == "xlsx":
        body = monthly.xlsx(data)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = render_pdf("complaints/report_pdf.html", monthly.pdf_data(data))
        mimetype = "application/pdf"
    response = Response(body, mimetype=mimetype)
    name = f"complaints-report-{data.key}-{local_now():%Y%m%d-%H%M}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
