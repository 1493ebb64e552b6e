"""Stage pages: one form per step that records its own data. Saving a page stores the data
and completes the step through the engine in one go; each step's `requires` check (flow.py)
stops the generic “完成” action from skipping its page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask_wtf import FlaskForm

from portal.core.clock import format_local, local_now, now, to_local
from portal.extensions import db
from portal.workflow import engine

from . import forms
from .flow import has_confirmation, sampled
from .forms import clean
from .models import DISPOSITIONS, REPLY_METHODS, Complaint, ComplaintClaim, ComplaintReturn, label
from .services import StageRefused, active_users, aware, departments, fen, store_uploads

COMPLETE = ("complete", "提交并完成本环节")


@dataclass(frozen=True)
class StagePage:
    endpoint: str  # complaints.<endpoint>, also the Step.form_endpoint
    step: str
    model: type
    title: str
    form: Callable  # (record) -> FlaskForm, filled from the record on GET
    save: Callable  # (record, form, user, button) -> flash message
    buttons: tuple[tuple[str, str], ...] = (COMPLETE,)
    intro: str = ""


def _complete(record, user, comment: str, **data) -> None:
    engine.transition(record.instance, "complete", user, comment[:1000], data=data)


def _excerpt(value: str, size: int = 120) -> str:
    value = " ".join(value.split())
    return value if len(value) <= size else value[: size - 1] + "…"


def _local_input(value) -> object:
    """An aware datetime as the naive local value a datetime-local input shows."""
    local = to_local(value)
    return local.replace(tzinfo=None, second=0, microsecond=0) if local else None


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


# --- complaint stages ------------------------------------------------------------------------


def _save_analysis(record: Complaint, form, user, button) -> str:
    record.valid = form.valid.data == "yes"
    record.analysis = clean(form.analysis)
    verdict = "有效投诉" if record.valid else "无效投诉"
    _complete(record, user, f"{verdict}：{_excerpt(record.analysis)}", valid=record.valid)
    return f"已判定为{verdict}。"


def _clarify_form(record: Complaint) -> FlaskForm:
    return forms.ClarifyForm(
        data=forms.initial({"clarification": record.clarification}),
        confirmed=has_confirmation(record),
    )


def _save_clarify(record: Complaint, form, user, button) -> str:

    uploads = getattr(form.confirmation, "checked", [])
    if button == "complete" and not (form.confirmed or uploads):
        raise StageRefused(
            "请上传客户的书面确认（签字回函或邮件确认），否则无效投诉不能结案。", "confirmation"
        )
    record.clarification = clean(form.clarification)
    store_uploads(uploads, record.instance_id, user, "confirmation")
    if button != "complete":
        db.session.flush()
        return "已保存澄清内容。"
    record.closed_at = now()
    _complete(record, user, f"客户书面确认无效，结案：{_excerpt(record.clarification)}")
    return "无效投诉已凭客户书面确认结案，请在 7 天内回访。"


def _save_containment(record: Complaint, form, user, button) -> str:
    record.containment_actions = clean(form.containment_actions)
    record.stock_checked = form.stock_checked.data
    record.stock_result = clean(form.stock_result)
    record.line_stop = form.line_stop.data
    record.line_stop_note = clean(form.line_stop_note) if record.line_stop else ""
    note = "；已开具停线通知" if record.line_stop else ""
    _complete(record, user, f"{_excerpt(record.containment_actions)}{note}")
    return "围堵措施已登记。"


def _save_reply(record: Complaint, form, user, button) -> str:
    record.reply_text = clean(form.reply_text)
    _complete(record, user, f"答复拟稿：{_excerpt(record.reply_text)}")
    return "答复已提交品质部经理审批。"


def _reply_send_form(record: Complaint) -> FlaskForm:
    sent = record.reply_sent_at or now()
    return forms.ReplySendForm(
        data=forms.initial(
            {"reply_method": record.reply_method or "email", "reply_sent_at": _local_input(sent)}
        )
    )


def _save_reply_send(record: Complaint, form, user, button) -> str:
    record.reply_method = form.reply_method.data
    record.reply_sent_at = aware(form.reply_sent_at.data)
    method = label(REPLY_METHODS, record.reply_method)
    _complete(record, user, f"经{method}于 {format_local(record.reply_sent_at)} 答复客户")
    return "已登记答复发送。"


def _capa_form(record: Complaint) -> FlaskForm:
    people = active_users()
    members: dict[int, set[int]] = {}
    for person in people:
        if person.department_id is not None:
            members.setdefault(person.department_id, set()).add(person.id)
    form = forms.CapaForm(
        data=forms.initial({
            "root_cause": record.root_cause, "corrective_action": record.corrective_action,
            "preventive_action": record.preventive_action,
            "capa_department_id": record.capa_department_id, "capa_person_id": record.capa_person_id,
            "capa_due": record.capa_due,
        }),
        members=members,
    )  # fmt: skip
    form.capa_department_id.choices = {0: "请选择", **{d.id: d.name for d in departments()}}
    form.capa_person_id.choices = {
        0: "请选择",
        **{p.id: f"{p.display_name}（{p.department.name if p.department else '无部门'}）" for p in people},
    }  # fmt: skip
    return form


def _save_capa(record: Complaint, form, user, button) -> str:
    for name in ("root_cause", "corrective_action", "preventive_action"):
        setattr(record, name, clean(getattr(form, name)))
    record.capa_department_id = form.capa_department_id.data
    record.capa_person_id = form.capa_person_id.data
    record.capa_due = form.capa_due.data
    db.session.flush()
    db.session.refresh(record, ["capa_department", "capa_person"])
    comment = (
        f"责任部门 {record.capa_department.name}，责任人 {record.capa_person.display_name}，"
        f"完成日期 {record.capa_due:%Y-%m-%d}"
    )
    _complete(record, user, comment)
    return f"纠正预防措施已下达给 {record.capa_person.display_name}。"


def _save_verify(record: Complaint, form, user, button) -> str:
    record.effective = form.effective.data == "yes"
    record.verification = clean(form.verification)
    if record.effective:
        _complete(record, user, f"验证有效：{_excerpt(record.verification)}")
        return "效果验证有效，可以结案。"
    engine.transition(
        record.instance,
        "send_back",
        user,
        f"验证无效，退回重新整改：{_excerpt(record.verification)}",
    )
    return "验证无效，已退回责任人重新整改（4.7.2）。"


def _save_close(record: Complaint, form, user, button) -> str:
    record.closing_note = clean(form.closing_note)
    record.closed_at = now()
    _complete(record, user, f"结案：{_excerpt(record.closing_note)}")
    return "已结案，请客服部在 7 天内回访客户。"


def _save_follow_up(record: Complaint, form, user, button) -> str:
    record.satisfaction = form.satisfaction.data
    record.follow_up_method = form.follow_up_method.data
    record.follow_up_comment = clean(form.follow_up_comment)
    record.followed_up_at = now()
    # 4.8.2: a score of 2 or less is re-checked by the service manager; 4.8.3: so is a 10 % sample.
    if record.satisfaction <= 2:
        record.second_reason = "low_score"
    elif sampled(record.number):
        record.second_reason = "sample"
    else:
        record.second_reason = ""
    _complete(record, user, f"客户评分 {record.satisfaction} 分。{record.follow_up_comment}")
    if record.second_reason:
        return "回访已登记；本投诉需客服部经理复访。"
    return "回访已登记，投诉处理完毕。"


def _save_second(record: Complaint, form, user, button) -> str:
    record.second_result = clean(form.second_result)
    _complete(record, user, f"复访：{_excerpt(record.second_result)}")
    return "复访已登记。"


# --- returns and claims --------------------------------------------------------------------------


def _save_disposition(record: ComplaintReturn, form, user, button) -> str:
    record.inspection_result = clean(form.inspection_result)
    record.disposition = form.disposition.data
    record.disposition_note = clean(form.disposition_note)
    if record.disposition == "scrap":  # all of it goes to MRB as 退货板报废
        record.qty_reworked, record.qty_scrapped = 0, record.qty_received
    elif record.disposition == "concession":
        record.qty_reworked, record.qty_scrapped = None, 0
    method = dict(DISPOSITIONS)[record.disposition]
    _complete(record, user, f"处置：{method}。{_excerpt(record.disposition_note)}")
    return f"处置方案已下达：{method}。"


def _rework_form(record: ComplaintReturn) -> FlaskForm:
    return forms.ReworkForm(
        data=forms.initial({"qty_reworked": record.qty_reworked, "qty_scrapped": record.qty_scrapped,
                            "rework_note": record.rework_note}),
        received=record.qty_received,
    )  # fmt: skip


def _save_rework(record: ComplaintReturn, form, user, button) -> str:
    record.qty_reworked = form.qty_reworked.data
    record.qty_scrapped = form.qty_scrapped.data
    record.rework_note = clean(form.rework_note)
    _complete(record, user, f"返工合格 {record.qty_reworked}，报废 {record.qty_scrapped}")
    return "返工结果已登记。"


def _write_off_form(record: ComplaintClaim) -> FlaskForm:
    amount = Decimal(record.written_off_fen or record.amount_fen) / 100
    return forms.WriteOffForm(
        data=forms.initial({"written_off_amount": amount, "deduction_ref": record.deduction_ref,
                            "written_off_on": record.written_off_on or local_now().date(),
                            "write_off_note": record.write_off_note}),
    )  # fmt: skip


def _save_write_off(record: ComplaintClaim, form, user, button) -> str:
    record.written_off_fen = fen(form.written_off_amount.data)
    record.deduction_ref = clean(form.deduction_ref)
    record.written_off_on = form.written_off_on.data
    record.write_off_note = clean(form.write_off_note)
    _complete(
        record, user, f"核销 {form.written_off_amount.data} 元，扣款单 {record.deduction_ref}"
    )
    return "核销已登记，索赔办结。"


def _simple(form_class, *names):
    def build(record):
        return form_class(data=forms.initial({n: getattr(record, n) for n in names}))

    return build


def _analysis_form(record):
    data = {"valid": _yes_no(record.valid), "analysis": record.analysis}
    return forms.AnalysisForm(data=forms.initial(data))


def _verify_form(record):
    data = {"effective": _yes_no(record.effective), "verification": record.verification}
    return forms.VerifyForm(data=forms.initial(data))


PAGES = {
    page.endpoint: page
    for page in (
        StagePage("analysis", "analysis", Complaint, "初步分析", _analysis_form, _save_analysis,
                  intro="登记后 12 小时内判定投诉是否有效（4.3.2）。"),
        StagePage("clarify", "clarify", Complaint, "澄清确认", _clarify_form, _save_clarify,
                  buttons=(("save", "保存"), ("complete", "确认结案")),
                  intro="向客户解释澄清；取得客户书面确认后才能结案（4.3.3）。"),
        StagePage("containment", "containment", Complaint, "围堵措施",
                  _simple(forms.ContainmentForm, "containment_actions", "stock_checked",
                          "stock_result", "line_stop", "line_stop_note"),
                  _save_containment, intro="登记后 24 小时内完成；等待样品不暂停此时限（4.2.2、4.4）。"),
        StagePage("reply", "reply", Complaint, "答复拟定", _simple(forms.ReplyForm, "reply_text"),
                  _save_reply, intro="答复须经品质部经理审批，登记后 48 小时内发出（4.5）。"),
        StagePage("reply_send", "reply_send", Complaint, "答复客户", _reply_send_form,
                  _save_reply_send, intro="将经品质部经理批准的答复发送给客户，并记录方式和时间（4.5.2）。"),
        StagePage("capa", "capa", Complaint, "原因分析与纠正预防", _capa_form, _save_capa,
                  intro="登记后 5 个工作日内提交《纠正预防措施报告》（4.6）。"),
        StagePage("verify", "verify", Complaint, "效果验证", _verify_form, _save_verify,
                  intro="验证无效的，退回责任部门重新分析，原投诉不得结案（4.7.2）。"),
        StagePage("close", "close", Complaint, "结案", _simple(forms.CloseForm, "closing_note"),
                  _save_close, intro="品质部签署结案意见；相关退货和索赔须已处理完毕（4.7.3）。"),
        StagePage("follow_up", "follow_up", Complaint, "结案回访",
                  _simple(forms.FollowUpForm, "satisfaction", "follow_up_method",
                          "follow_up_comment"),
                  _save_follow_up, intro="结案后 7 天内回访，请客户按 1 至 5 分评分（4.8.1）。"),
        StagePage("second_follow_up", "second_follow_up", Complaint, "经理复访",
                  _simple(forms.SecondFollowUpForm, "second_result"), _save_second,
                  intro="客服部经理复访抽中的或评分 2 分及以下的投诉（4.8.2、4.8.3）。"),
        StagePage("return_disposition", "disposition", ComplaintReturn, "检验与处置",
                  _simple(forms.DispositionForm, "inspection_result", "disposition",
                          "disposition_note"),
                  _save_disposition, intro="收到退货后 12 小时内出具《不合格品处置单》（4.9.3）。"),
        StagePage("return_rework", "rework", ComplaintReturn, "返工", _rework_form, _save_rework,
                  intro="处置方案下达后 24 小时内完成返工，经品质部全数检验（4.9.4）。"),
        StagePage("claim_write_off", "write_off", ComplaintClaim, "财务核销", _write_off_form,
                  _save_write_off, intro="根据批准的索赔审批单和客户扣款通知核销（4.10.4）。"),
    )
}  # fmt: skip
