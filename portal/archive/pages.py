"""What the archive pages show: the step pages (the archivist's 逐件核对, hand-over and return of
a loan, the destruction), record-page data and the record PDFs (存档登记表 with the numbers given,
档案借阅单, 档案销毁清册)."""

from __future__ import annotations

from portal.archive import forms, services
from portal.archive.flow import PROCEDURE, due_end
from portal.archive.models import (
    ArchiveBatch,
    ArchiveDisposal,
    ArchiveItem,
    ArchiveLoan,
)
from portal.auth.models import User
from portal.core.clock import format_local, local_now
from portal.extensions import db
from portal.workflow import records
from portal.workflow import services as workflow
from portal.workflow.pages import Outcome, StepPage, StepRefused, citations

TITLE = "档案管理制度"


def clauses(anchors: list[str]) -> list[dict]:
    return citations(PROCEDURE, anchors, TITLE)


def record_page(record, user, build) -> dict:
    return {**workflow.record_context(record, user), **build(record, user)}


# --- the 存档登记表 ------------------------------------------------------------------------------


def item_rows(batch: ArchiveBatch) -> list[list[str]]:
    return [
        [str(i.seq), i.number or "", i.title, i.category_label, str(i.document_date),
         f"{i.volumes}/{i.pages}/{i.copies}", "原件" if i.original else "复印件", i.secrecy_label,
         i.retention_label, i.location or ("电子文件" if i.file_id else ""),
         i.status_label + (f"：{i.return_reason}" if i.return_reason else "")]
        for i in batch.items
    ]  # fmt: skip


ITEM_COLUMNS = ["序号", "档号", "题名", "类别", "形成日期", "卷/页/份", "原件", "密级", "保管期限",
                "存放位置", "核对结果"]  # fmt: skip


def batch_page(batch: ArchiveBatch, user) -> dict:
    return {
        "record": batch,
        "scans": {i.id: services.scans_of(batch, i) for i in batch.items},
        "can_download": {i.id: services.can_download_file(user, i) for i in batch.items},
        "clauses": clauses(["art-8", "art-9", "art-10"]),
    }


def batch_pdf(batch: ArchiveBatch) -> tuple[bytes, str]:
    """The handing department's copy of the 存档登记表, with the numbers given."""
    instance = batch.instance
    fields = [
        [{"label": "归档部门", "value": instance.department.name if instance.department else ""},
         {"label": "登记人", "value": instance.applicant.display_name}],
        [{"label": "保管方式", "value": batch.custody_label + ("（备案）" if batch.filing else "")},
         {"label": "件数", "value": f"共 {len(batch.items)} 件，接收 {len(batch.accepted)} 件，"
                                     f"退回 {len(batch.returned)} 件"}],
        [{"label": "核对", "value": f"{batch.checked_by.display_name if batch.checked_by else ''} "
                                    f"{format_local(batch.checked_at)}".strip()},
         {"label": "备注", "value": batch.note}],
    ]  # fmt: skip
    section = {"title": "档案明细", "rows": item_rows(batch), "columns": ITEM_COLUMNS}
    data = records.record_pdf(
        instance, "pdf/base_record.html", "存档登记表", fields, sections=[section],
        signatures=["移交人", "部门负责人", "档案管理员签收"],
    )  # fmt: skip
    return data, f"{instance.number or f'archive-{batch.id}'}.pdf"


def _check_form(batch: ArchiveBatch, user):
    return forms.CheckForm(items=batch.items)


def _save_check(batch: ArchiveBatch, form, user, button: str) -> Outcome:
    try:
        comment = services.check_batch(batch, form.decisions(), user)
    except services.ArchiveError as exc:
        raise StepRefused(str(exc)) from exc
    accepted = len(batch.accepted)
    message = f"已核对：接收 {accepted} 件" + (f"，退回 {len(batch.returned)} 件。" if batch.returned
                                              else "。")  # fmt: skip
    return Outcome(message, comment=comment,
                   data={"numbers": [i.number for i in batch.accepted]})  # fmt: skip


# --- loans ----------------------------------------------------------------------------------------


def loan_defaults(user, item_id: int | None) -> dict:
    """The borrowing form's first values, with the item a link names when `user` may see it."""
    item = db.session.get(ArchiveItem, item_id) if item_id else None
    if item is not None and not services.can_view_item(user, item):
        item = None
    return forms.loan_defaults(item)


def loan_page(loan: ArchiveLoan, user) -> dict:
    link = None
    if user.id == loan.instance.applicant_id:
        link = services.download_link(loan)
    return {
        "record": loan,
        "item": loan.item,
        "link": link,
        "due_at": due_end(loan.due_date),
        "overdue": services.overdue_days(loan),
        "renew_form": forms.RenewForm(formdata=None) if _may_renew(loan, user) else None,
        "clauses": clauses(["art-14", "art-15", "art-16", "art-17", "art-19"]),
    }


def _may_renew(loan: ArchiveLoan, user) -> bool:
    from portal.workflow.engine import Ctx
    from portal.workflow.flow import get_flow

    flow = get_flow("archive_loans")
    return (
        loan.instance is not None
        and flow.actions[0].refusal(Ctx(flow, loan.instance, loan, user)) is None
    )


def loan_pdf(loan: ArchiveLoan) -> tuple[bytes, str]:
    instance, item = loan.instance, loan.item
    fields = [
        [{"label": "借阅人", "value": instance.applicant.display_name},
         {"label": "部门", "value": instance.department.name if instance.department else ""}],
        [{"label": "档号", "value": item.number or ""}, {"label": "题名", "value": item.title}],
        [{"label": "密级", "value": item.secrecy_label}, {"label": "借阅方式", "value": loan.mode_label}],
        [{"label": "借阅日期", "value": str(loan.start_date)},
         {"label": "归还日期", "value": f"{loan.due_date}{'（已续借）' if loan.renewed else ''}"}],
        [{"label": "借阅用途", "value": loan.purpose, "span": 2}],
        [{"label": "借出", "value": f"{format_local(loan.handed_over_at)} {loan.condition_out}".strip()},
         {"label": "归还", "value": f"{format_local(loan.returned_at)} {loan.condition_label} "
                                    f"{loan.return_note}".strip()}],
    ]  # fmt: skip
    data = records.record_pdf(
        instance, "pdf/base_record.html", "档案借阅登记表", fields,
        signatures=["借阅人签字", "部门负责人", "档案管理员"],
    )  # fmt: skip
    return data, f"{instance.number or f'loan-{loan.id}'}.pdf"


def _hand_over_form(loan: ArchiveLoan, user):
    form = forms.HandOverForm()
    if not form.is_submitted():
        form.handed_over_at.data = local_now().replace(second=0, microsecond=0)
        form.condition.data = "完好"
    return form


def _save_hand_over(loan: ArchiveLoan, form, user, button: str) -> Outcome:
    try:
        comment = services.hand_over(loan, form.handed_over_at.data,
                                     (form.condition.data or "").strip(), user)  # fmt: skip
    except services.ArchiveError as exc:
        raise StepRefused(str(exc), exc.field) from exc
    return Outcome(f"已借出，应于 {loan.due_date} 归还。", comment=comment)


def _take_back_form(loan: ArchiveLoan, user):
    form = forms.TakeBackForm()
    if not form.is_submitted():
        form.returned_at.data = local_now().replace(second=0, microsecond=0)
    return form


def _save_take_back(loan: ArchiveLoan, form, user, button: str) -> Outcome:
    try:
        comment = services.take_back(loan, form.returned_at.data, form.condition.data,
                                     form.note.data or "", user)  # fmt: skip
    except services.ArchiveError as exc:
        raise StepRefused(str(exc), exc.field) from exc
    return Outcome("已登记归还。", comment=comment)


def _loan_context(loan, user) -> dict:
    return loan_page(loan, user)


# --- disposal -------------------------------------------------------------------------------------


def disposal_page(disposal: ArchiveDisposal, user) -> dict:
    return {"record": disposal, "clauses": clauses(["art-22", "art-23", "art-24", "art-25"])}


DISPOSAL_COLUMNS = ["档号", "题名", "类别", "形成部门", "形成日期", "保管期限", "期满年度", "状态"]


def disposal_rows(disposal: ArchiveDisposal) -> list[list[str]]:
    return [
        [i.number or "", i.title, i.category_label, i.department.name if i.department else "",
         str(i.document_date), i.retention_label, str(i.retention_end_year or ""), i.status_label]
        for i in disposal.items
    ]  # fmt: skip


def disposal_pdf(disposal: ArchiveDisposal) -> tuple[bytes, str]:
    instance = disposal.instance
    fields = [
        [{"label": "编制人", "value": instance.applicant.display_name},
         {"label": "件数", "value": str(len(disposal.items))}],
        [{"label": "鉴定意见和销毁理由", "value": disposal.reason, "span": 2}],
        [{"label": "销毁日期", "value": str(disposal.destroyed_on or "")},
         {"label": "销毁方式", "value": disposal.method_label}],
        [{"label": "监销人", "value": "、".join(w.display_name for w in (disposal.witness1,
                                                                     disposal.witness2) if w)},
         {"label": "说明", "value": disposal.note}],
    ]  # fmt: skip
    section = {"title": "销毁清册", "rows": disposal_rows(disposal), "columns": DISPOSAL_COLUMNS}
    data = records.record_pdf(
        instance, "pdf/base_record.html", "档案销毁清册", fields, sections=[section],
        signatures=["档案管理员", "形成部门负责人", "总经理", "监销人", "监销人"],
    )  # fmt: skip
    return data, f"{instance.number or f'disposal-{disposal.id}'}.pdf"


def _destroy_form(disposal: ArchiveDisposal, user):
    form = forms.DestroyForm()
    people = [(u.id, f"{u.display_name}（{u.department.name if u.department else ''}）")
              for u in services.witnesses()]  # fmt: skip
    form.witness1.choices = form.witness2.choices = people
    if not form.is_submitted():
        form.destroyed_on.data = local_now().date()
    return form


def _save_destroy(disposal: ArchiveDisposal, form, user, button: str) -> Outcome:
    data = {
        "destroyed_on": form.destroyed_on.data, "method": form.method.data,
        "witness1": db.session.get(User, form.witness1.data),
        "witness2": db.session.get(User, form.witness2.data), "note": form.note.data or "",
    }  # fmt: skip
    try:
        comment = services.destroy(disposal, data, user)
    except services.ArchiveError as exc:
        raise StepRefused(str(exc), exc.field) from exc
    return Outcome("已登记销毁，档案销毁清册已生成。", comment=comment)


STEP_PAGES = (
    StepPage("archive.check", "archive", "/batches/<int:id>/check", "逐件核对", _check_form,
             _save_check, template="archive/check.html", buttons=(("check", "核对完成"),),
             context=batch_page,
             intro="当面清点实物，与存档登记表逐件核对：缺件、缺页或签章不全的退回并写明原因，其余接收；接收时给出档号（第九条）。"),
    StepPage("archive.hand_over", "archive_loans", "/loans/<int:id>/hand-over", "办理借出",
             _hand_over_form, _save_hand_over, template="archive/loan_step.html",
             buttons=(("hand_over", "确认借出"),), context=_loan_context,
             intro="核对审批手续后办理借出，借阅人当面签字领取（第十五条）。"),
    StepPage("archive.take_back", "archive_loans", "/loans/<int:id>/return", "登记归还",
             _take_back_form, _save_take_back, template="archive/loan_step.html",
             buttons=(("return", "确认归还"),), context=_loan_context,
             intro="当面检查档案的完整情况，无误后注销借阅（第十九条）。"),
    StepPage("archive.destroy", "archive_disposals", "/disposals/<int:id>/destroy", "登记销毁",
             _destroy_form, _save_destroy, template="archive/disposal_step.html",
             buttons=(("destroy", "确认已销毁"),), context=disposal_page,
             intro="由两名以上监销人监督销毁，监销人在档案销毁清册上签字（第二十四条）。"),
)  # fmt: skip


def item_page(item: ArchiveItem, user) -> dict:
    loan = services.current_loan(item)
    return {
        "item": item,
        "loan": loan,
        "loans": [x for x in services.loans_of(item) if services.access.can_view_record(user, x)],
        "queue": services.queue_of(item),
        "can_download": services.can_download_file(user, item),
        "end_year": item.retention_end_year,
    }
