"""Complaint pages: register, intake, record, stage pages, returns, claims, PDFs, report."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.core import registers as core_registers
from portal.core.clock import local_now
from portal.core.htmx import see_other
from portal.extensions import db
from portal.workflow.engine import WorkflowError

from . import pages, registers, report, services
from .forms import ClaimForm, ComplaintForm, ReturnForm, initial
from .services import StageRefused
from .stages import PAGES

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


# --- registers and report ------------------------------------------------------------------------


@bp.route("/")
def index():
    return registers.render("complaints", request.args, current_user, "complaints/index.html")


@bp.route("/register.<any(csv, xlsx, pdf):fmt>")
def register_export(fmt: str):
    return core_registers.export(registers.COMPLAINTS, fmt, request.args)


@bp.route("/returns/")
def returns():
    return registers.render("returns", request.args, current_user, "complaints/returns.html")


@bp.route("/returns/register.<any(csv, xlsx, pdf):fmt>")
def returns_export(fmt: str):
    return core_registers.export(registers.RETURNS, fmt, request.args)


@bp.route("/claims/")
def claims():
    return registers.render("claims", request.args, current_user, "complaints/claims.html")


@bp.route("/claims/register.<any(csv, xlsx, pdf):fmt>")
def claims_export(fmt: str):
    return core_registers.export(registers.CLAIMS, fmt, request.args)


@bp.route("/report")
@bp.route("/report.<any(pdf, xlsx):fmt>")
def monthly_report(fmt: str | None = None):
    require(services.can_view_report)
    month = request.args.get("month", "")
    try:
        year, number = report.parse_month(month)
    except report.MonthError as exc:
        return render_template("complaints/report.html", error=str(exc), month=month), 422
    data = report.build(year, number)
    if fmt is not None:
        return pages.report_download(data, fmt)
    return render_template(
        "complaints/report.html", report=data, month=data.key, **pages.report_context(data)
    )


# --- intake and record ---------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(services.can_register)
    form = ComplaintForm(data=initial({"received_at": local_now().replace(tzinfo=None, second=0)}))
    if "_validate" in request.form:
        form.validate()
        return pages.render_intake(form, None, inline=True)
    duplicates = pages.duplicates_for(form) if form.is_submitted() else []
    if form.validate_on_submit() and (not duplicates or form.confirm_duplicate.data):
        complaint = services.register_complaint(form.data, form.attachments.checked, current_user)
        db.session.commit()
        flash(f"投诉已登记，编号 {complaint.number}，已通知品质部初步分析。", "success")
        return see_other(url_for("complaints.detail", id=complaint.id))
    return pages.render_intake(form, None, duplicates=duplicates)


@bp.route("/<int:id>")
def detail(id: int):
    complaint = services.get_complaint_or_404(id)
    require(services.can_view, complaint)
    return render_template("complaints/detail.html", **pages.complaint_context(complaint))


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
def edit(id: int):
    complaint = services.get_complaint_or_404(id)
    require(services.can_edit, complaint)
    form = ComplaintForm(data=initial(pages.intake_data(complaint)))
    if "_validate" in request.form:
        form.validate()
        return pages.render_intake(form, complaint, inline=True)
    if form.validate_on_submit():
        services.update_complaint(complaint, form.data, form.attachments.checked, current_user)
        db.session.commit()
        flash("已保存。请在页面下方重新提交。", "success")
        return see_other(url_for("complaints.detail", id=complaint.id))
    return pages.render_intake(form, complaint)


@bp.route("/<int:id>/pdf")
def pdf(id: int):
    complaint = services.get_complaint_or_404(id)
    require(services.can_view, complaint)
    return pages.pdf_response(complaint, pages.complaint_pdf(complaint))


# --- stage pages: one view, registered once per stage endpoint ------------------------------------


STAGE_RULES = {
    "analysis": "/<int:id>/analysis",
    "clarify": "/<int:id>/clarify",
    "containment": "/<int:id>/containment",
    "reply": "/<int:id>/reply",
    "reply_send": "/<int:id>/reply-send",
    "capa": "/<int:id>/capa",
    "verify": "/<int:id>/verify",
    "close": "/<int:id>/close",
    "follow_up": "/<int:id>/follow-up",
    "second_follow_up": "/<int:id>/second-follow-up",
    "return_disposition": "/returns/<int:id>/disposition",
    "return_rework": "/returns/<int:id>/rework",
    "claim_write_off": "/claims/<int:id>/write-off",
}


def stage(id: int, page_key: str):
    page = PAGES[page_key]
    record = services.get_record_or_404(page.model, id)
    require(services.can_act, record, page.step)
    form = page.form(record)
    if form.validate_on_submit():
        try:
            message = page.save(record, form, current_user, request.form.get("button", "complete"))
        except (StageRefused, WorkflowError) as exc:
            db.session.rollback()
            pages.attach_error(form, exc)
        else:
            db.session.commit()
            flash(f"{record.number}：{message}", "success")
            return see_other(pages.record_url(record))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "complaints/stage.html", **pages.stage_context(page, record, form)
    ), status


for _key, _rule in STAGE_RULES.items():
    bp.add_url_rule(
        _rule, endpoint=_key, view_func=stage, methods=["GET", "POST"], defaults={"page_key": _key}
    )


# --- returns -------------------------------------------------------------------------------------


@bp.route("/<int:id>/returns/new", methods=["GET", "POST"])
def return_new(id: int):
    complaint = services.get_complaint_or_404(id)
    require(services.can_add_subrecord, complaint)
    form = ReturnForm(data=initial({"model": complaint.model, "batch": complaint.batch}))
    if form.validate_on_submit():
        record = services.register_return(complaint, form.data, current_user)
        db.session.commit()
        flash(
            f"退货已签收登记，编号 {record.number}；品质部须在 12 小时内出具处置方案。", "success"
        )
        return see_other(url_for("complaints.return_detail", id=record.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "complaints/sub_new.html", form=form, complaint=complaint, kind="return"
    ), status


@bp.route("/returns/<int:id>")
def return_detail(id: int):
    record = services.get_return_or_404(id)
    require(services.can_view, record)
    return render_template("complaints/return_detail.html", **pages.sub_context(record))


@bp.route("/returns/<int:id>/pdf")
def return_pdf(id: int):
    record = services.get_return_or_404(id)
    require(services.can_view, record)
    return pages.pdf_response(record, pages.return_pdf(record))


# --- claims --------------------------------------------------------------------------------------


@bp.route("/<int:id>/claims/new", methods=["GET", "POST"])
def claim_new(id: int):
    complaint = services.get_complaint_or_404(id)
    require(services.can_add_subrecord, complaint)
    form = pages.claim_form(ClaimForm, complaint)
    if form.validate_on_submit():
        record = services.register_claim(
            complaint, form.data, form.attachments.checked, current_user
        )
        db.session.commit()
        flash(f"索赔已提交会签，编号 {record.number}。", "success")
        return see_other(url_for("complaints.claim_detail", id=record.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "complaints/sub_new.html", form=form, complaint=complaint, kind="claim"
    ), status


@bp.route("/claims/<int:id>")
def claim_detail(id: int):
    record = services.get_claim_or_404(id)
    require(services.can_view, record)
    return render_template("complaints/claim_detail.html", **pages.sub_context(record))


@bp.route("/claims/<int:id>/edit", methods=["GET", "POST"])
def claim_edit(id: int):
    record = services.get_claim_or_404(id)
    require(services.can_edit, record)
    form = pages.claim_form(ClaimForm, record.complaint, record)
    if form.validate_on_submit():
        services.update_claim(record, form.data, form.attachments.checked, current_user)
        db.session.commit()
        flash("已保存。请在页面下方重新提交。", "success")
        return see_other(url_for("complaints.claim_detail", id=record.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "complaints/sub_new.html",
        form=form,
        complaint=record.complaint,
        kind="claim",
        record=record,
    ), status


@bp.route("/claims/<int:id>/pdf")
def claim_pdf(id: int):
    record = services.get_claim_or_404(id)
    require(services.can_view, record)
    return pages.pdf_response(record, pages.claim_pdf(record))
