"""What the seal pages show: the request form's and the record page's data, the keeper's and the
GM's step pages (declared here, served by the kit's generic view), the 用印申请单 PDF and the
clauses of QP-ADM-01 that govern a request. Plain data for templates; views call one function.
"""

from __future__ import annotations

from portal.core.clock import format_local
from portal.core.forms import PortalForm
from portal.files import services as files
from portal.seals import forms, services
from portal.seals.flow import PROCEDURE, stamping_rows, submit_problems
from portal.seals.models import FINANCE_KINDS, SEAL_KINDS, SealKind, SealRequest
from portal.workflow import records
from portal.workflow import services as workflow
from portal.workflow.pages import Outcome, StepPage, citations


def take_out_text(record: SealRequest) -> str:
    if not record.take_out:
        return "否"
    carrier = record.carrier or record.instance.applicant.display_name
    return (
        f"是。地点：{record.destination or '—'}；携带人：{carrier}；"
        f"预计归还：{format_local(record.expected_return_at) or '—'}"
    )


def pdf_document(record: SealRequest) -> dict:
    """Fields, sections and signature lines of the 用印申请单 (plain data for the PDF)."""
    instance = record.instance
    kinds = {item.seal.kind for item in record.items}
    ticks = "　".join(f"{'☑' if k in kinds else '☐'} {label}" for k, label in SEAL_KINDS.items())
    fields = [
        [
            {"label": "申请人", "value": instance.applicant.display_name},
            {"label": "部门", "value": instance.department.name if instance.department else ""},
        ],
        [
            {
                "label": "申请日期",
                "value": format_local(instance.submitted_at or instance.created_at, "%Y-%m-%d"),
            },
            {"label": "加急", "value": "是" if record.urgent else "否"},
        ],
        [{"label": "印章种类", "value": ticks, "span": 2}],
        [{"label": "使用印章", "value": record.seal_names, "span": 2}],
        [{"label": "文件名称", "value": record.document_name, "span": 2}],
        [
            {"label": "文件类型", "value": record.document_type_label},
            {"label": "份数", "value": f"{record.copies} 份" if record.copies else ""},
        ],
        [{"label": "用印事由", "value": record.purpose, "span": 2}],
        [{"label": "文件送达单位", "value": record.receiving_party, "span": 2}],
        [{"label": "携带外出", "value": take_out_text(record), "span": 2}],
        [
            {
                "label": "附件",
                "value": "\n".join(a.original_name for a in files.of_record(record)) or "无",
                "span": 2,
            }
        ],
        [{"label": "备注", "value": record.remarks or "", "span": 2}],
    ]
    columns = ["印章", "保管人", "实盖份数", "用印人", "用印时间"]
    rows = [
        [r["seal"], r["keeper"], r["copies"], r["stamped_by"], r["stamped_at"]]
        for r in stamping_rows(record)
    ]
    if record.take_out:
        columns += ["交出时间", "归还时间"]
        rows = [
            [*row, r["handed_over_at"], r["returned_at"]]
            for row, r in zip(rows, stamping_rows(record), strict=True)
        ]
    signatures = ["经手人签字", "部门负责人签字"]
    if kinds & FINANCE_KINDS:
        signatures.append("财务部负责人签字")
    signatures += ["总经理（受托人）签字", "印章保管人签字"]
    if record.take_out:
        signatures.append("携带人签字")
    return {
        "fields": fields,
        "sections": [{"title": "用印登记", "columns": columns, "rows": rows}],
        "signatures": signatures,
    }


def governing_clauses(record: SealRequest | None) -> list[dict]:
    """The clauses of QP-ADM-01 that govern this request, as links to their anchors."""
    return citations(PROCEDURE, governing_anchors(record), "印章管理制度")


def governing_anchors(record: SealRequest | None) -> list[str]:
    kinds = {item.seal.kind for item in record.items} if record else set()
    take_out = bool(record and record.take_out)
    anchors = ["art-16"] if kinds == {SealKind.DEPARTMENT} else ["art-13"]
    if kinds & FINANCE_KINDS:
        anchors.append("art-14")
    if SealKind.CONTRACT in kinds:
        anchors.append("art-15")
    anchors += ["art-17", "art-18"]
    if take_out or record is None:
        anchors += ["art-20", "art-22", "art-23"]
    return anchors


# --- what the pages show ----------------------------------------------------------------------


def form_page(record: SealRequest | None) -> dict:
    return {
        "record": record,
        "attachments": files.of_record(record),
        "clauses": governing_clauses(record),
    }


def step_page(record: SealRequest, user) -> dict:
    """The keeper's and the GM's pages: the request at a glance (the kit adds the rest)."""
    return {
        **form_page(record),
        "stamping": stamping_rows(record),
        "take_out": take_out_text(record),
    }


def detail_page(record: SealRequest, user) -> dict:
    shared = workflow.record_context(record, user)
    problems = submit_problems(record) if shared["can_edit"] else {}
    return {**step_page(record, user), **shared, "problems": problems}


def request_pdf(record: SealRequest) -> tuple[bytes, str]:
    """The 用印申请单 as it would be printed, and its file name."""
    instance = record.instance
    document = pdf_document(record)
    data = records.record_pdf(
        instance, "seals/pdf.html", "用印申请单", document.pop("fields"), **document
    )
    return data, f"{instance.number or f'seal-request-{record.id}'}.pdf"


# --- the GM's and the keepers' step pages ------------------------------------------------------


def _take_out_form(record: SealRequest, user) -> PortalForm:
    return forms.TakeOutApprovalForm()


def _save_take_out(record: SealRequest, form, user, button: str) -> Outcome:
    services.approve_take_out(record, user, form.comment.data or "")
    return Outcome("已特批携带外出。", action=None)


def _stamp_form(record: SealRequest, user) -> PortalForm:
    items = services.stamping_items(record, user)
    return forms.StampForm(items=items, requested=record.copies or 0, take_out=record.take_out)


def _save_stamp(record: SealRequest, form, user, button: str) -> Outcome:
    if button == "refuse":
        services.refuse(record, user, form.reason.data)
        return Outcome("已拒绝用印，申请已退回申请人。", action=None)
    data = (form.stamped_copies(), form.stamped_at.data, form.handed_over_at.data)
    services.stamp(record, user, *data, form.comment.data or "")
    return Outcome("已登记用印。", action=None)


def _return_form(record: SealRequest, user) -> PortalForm:
    return forms.ReturnForm(handed_over_at=record.handed_over_at)


def _save_return(record: SealRequest, form, user, button: str) -> Outcome:
    services.record_return(record, user, form.returned_at.data, form.comment.data or "")
    return Outcome("已登记归还，印章在库。", action=None)


STEP_PAGES = (
    StepPage("seals.approve", "seals", "/<int:id>/approve", "总经理特批（携带外出）",
             _take_out_form, _save_take_out, template="seals/approve.html",
             buttons=(("approve", "特批携带外出"),), context=step_page),
    StepPage("seals.stamp", "seals", "/<int:id>/stamp", "登记用印", _stamp_form, _save_stamp,
             template="seals/stamp.html", context=step_page,
             buttons=(("stamp", "确认已用印"), ("refuse", "拒绝用印并退回申请人"))),
    StepPage("seals.return_seal", "seals", "/<int:id>/return", "登记归还", _return_form,
             _save_return, template="seals/return.html", buttons=(("return", "登记归还"),),
             context=step_page),
)  # fmt: skip
