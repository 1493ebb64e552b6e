"""Complaint pages: register, intake, record, stage pages, returns, claims, PDFs, report."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.core import registers as core_registers
from portal.core.forms import checked_field, csrf_in_form, initial, local_now_minute
from portal.core.htmx import done
from portal.workflow.access import can_edit_record, can_view_record
from portal.workflow.pages import add_step_pages

from . import pages, registers, report, services
from .forms import ClaimForm, ComplaintForm, ReturnForm

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
add_step_pages(bp, pages.STEP_PAGES)


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
@csrf_in_form
def new():
    require(services.can_register)
    form = ComplaintForm(data=initial({"received_at": local_now_minute()}))
    if checked_field(form):
        return pages.render_intake(form, None, inline=True)
    duplicates = pages.duplicates_for(form) if form.is_submitted() else []
    if form.validate_on_submit() and (not duplicates or form.confirm_duplicate.data):
        complaint = services.register_complaint(form.data, form.attachments.checked, current_user)
        return done(
            f"投诉已登记，编号 {complaint.number}，已通知品质部初步分析。",
            url_for("complaints.detail", id=complaint.id),
        )
    return pages.render_intake(form, None, duplicates=duplicates)


@bp.route("/<int:id>")
def detail(id: int):
    complaint = services.get_complaint_or_404(id)
    require(can_view_record, complaint)
    return render_template("complaints/detail.html", **pages.complaint_context(complaint))


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
@csrf_in_form
def edit(id: int):
    complaint = services.get_complaint_or_404(id)
    require(can_edit_record, complaint)
    form = ComplaintForm(data=initial(pages.intake_data(complaint)))
    if checked_field(form):
        return pages.render_intake(form, complaint, inline=True)
    if form.validate_on_submit():
        services.update_complaint(complaint, form.data, form.attachments.checked, current_user)
        return done("已保存。请在页面下方重新提交。", url_for("complaints.detail", id=complaint.id))
    return pages.render_intake(form, complaint)


@bp.route("/<int:id>/pdf")
def pdf(id: int):
    complaint = services.get_complaint_or_404(id)
    require(can_view_record, complaint)
    return pages.pdf_response(complaint, pages.complaint_pdf(complaint))


# --- returns -------------------------------------------------------------------------------------


@bp.route("/<int:id>/returns/new", methods=["GET", "POST"])
@csrf_in_form
def return_new(id: int):
    complaint = services.get_complaint_or_404(id)
    require(services.can_add_subrecord, complaint)
    form = ReturnForm(data=initial({"model": complaint.model, "batch": complaint.batch}))
    if form.validate_on_submit():
        record = services.register_return(complaint, form.data, current_user)
        return done(
            f"退货已签收登记，编号 {record.number}；品质部须在 12 小时内出具处置方案。",
            url_for("complaints.return_detail", id=record.id),
        )
    status = 422 if form.is_submitted() else 200
    return render_template(
        "complaints/sub_new.html", form=form, complaint=complaint, kind="return"
    ), status


@bp.route("/returns/<int:id>")
def return_detail(id: int):
    record = services.get_return_or_404(id)
    require(can_view_record, record)
    return render_template("complaints/return_detail.html", **pages.sub_context(record))


@bp.route("/returns/<int:id>/pdf")
def return_pdf(id: int):
    record = services.get_return_or_404(id)
    require(can_view_record, record)
    return pages.pdf_response(record, pages.return_pdf(record))


# --- claims --------------------------------------------------------------------------------------


@bp.route("/<int:id>/claims/new", methods=["GET", "POST"])
@csrf_in_form
def claim_new(id: int):
    complaint = services.get_complaint_or_404(id)
    require(services.can_add_subrecord, complaint)
    form = pages.claim_form(ClaimForm, complaint)
    if form.validate_on_submit():
        record = services.register_claim(
            complaint, form.data, form.attachments.checked, current_user
        )
        return done(
            f"索赔已提交会签，编号 {record.number}。",
            url_for("complaints.claim_detail", id=record.id),
        )
    status = 422 if form.is_submitted() else 200
    return render_template(
        "complaints/sub_new.html", form=form, complaint=complaint, kind="claim"
    ), status


@bp.route("/claims/<int:id>")
def claim_detail(id: int):
    record = services.get_claim_or_404(id)
    require(can_view_record, record)
    return render_template("complaints/claim_detail.html", **pages.sub_context(record))


@bp.route("/claims/<int:id>/edit", methods=["GET", "POST"])
@csrf_in_form
def claim_edit(id: int):
    record = services.get_claim_or_404(id)
    require(can_edit_record, record)
    form = pages.claim_form(ClaimForm, record.complaint, record)
    if form.validate_on_submit():
        services.update_claim(record, form.data, form.attachments.checked, current_user)
        return done(
            "已保存。请在页面下方重新提交。", url_for("complaints.claim_detail", id=record.id)
        )
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
    require(can_view_record, record)
    return pages.pdf_response(record, pages.claim_pdf(record))
