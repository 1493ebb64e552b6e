"""Archive pages: the 存档登记表 of items and its registration form, the registration records,
an item's page, borrowing (request, record, renewal, the electronic download), the inventory
by location, the retention list with the disposal proposal and the 档案销毁清册. The check,
hand-over, return and destruction pages are step pages (pages.py), served by the kit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from portal.archive import forms, pages, services
from portal.archive.models import (
    CATEGORIES,
    CATEGORY_LIST,
    RETENTIONS,
    SECRECY,
    ArchiveBatch,
    ArchiveDisposal,
    ArchiveLoan,
)
from portal.archive.registers import (
    BATCHES,
    DESTROYED,
    carry_filters,
    inventory_register,
    item_filters,
    items_register,
    loans_register,
    rooms,
)
from portal.auth.permissions import require
from portal.core import registers
from portal.core.downloads import download, pdf_response
from portal.core.forms import change_rows, csrf_in_form
from portal.core.htmx import done, see_other
from portal.extensions import db
from portal.files import services as files
from portal.workflow import engine
from portal.workflow.access import can_view_record, get_record_or_404
from portal.workflow.pages import add_step_pages

bp = Blueprint("archive", __name__, url_prefix="/archive")
add_step_pages(bp, pages.STEP_PAGES)
bp.url_defaults(carry_filters)


@bp.context_processor
def _manager():
    return {"archive_manager": services.can_manage(current_user)}


def _item_context(args) -> dict:
    return {"chosen": item_filters(args), "categories": CATEGORIES, "secrecy": SECRECY}


# --- the 存档登记表 of items ----------------------------------------------------------------------


@bp.route("/")
def index():
    return registers.render(items_register(request.args), request.args, "archive/index.html",
                            export_endpoint="archive.index_export",
                            **_item_context(request.args))  # fmt: skip


@bp.route("/register.<any(csv, xlsx, pdf):fmt>")
def index_export(fmt: str):
    return registers.export(items_register(request.args), fmt, request.args)


@bp.route("/items/<int:id>")
def item(id: int):
    record = services.get_item_or_404(id)
    require(services.can_view_item, record)
    return render_template("archive/item.html", **pages.item_page(record, current_user))


@bp.route("/items/<int:id>/file")
def item_file(id: int):
    record = services.get_item_or_404(id)
    require(services.can_download_file, record)
    return files_download(record.file)


def files_download(attachment):
    from flask import send_file

    response = send_file(files.file_path(attachment), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.original_name, max_age=0)  # fmt: skip
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/items/<int:id>/queue", methods=["POST"])
def queue(id: int):
    record = services.get_item_or_404(id)
    require(services.can_view_item, record)
    if services.join_queue(record, current_user):
        return done(f"已排队等候 {record.number}，归还后通知您。", url_for("archive.item", id=id))
    flash("您已在排队名单中。", "info")
    return see_other(url_for("archive.item", id=id))


# --- registration ---------------------------------------------------------------------------------


@bp.route("/batches/")
def batches():
    return registers.render(BATCHES, request.args, "archive/batches.html",
                            export_endpoint="archive.batches_export")  # fmt: skip


@bp.route("/batches/register.<any(csv, xlsx, pdf):fmt>")
def batches_export(fmt: str):
    return registers.export(BATCHES, fmt, request.args)


@bp.route("/new", methods=["GET", "POST"])
@csrf_in_form
def new():
    form = forms.batch_form(current_user)
    if not change_rows(form) and form.validate_on_submit():
        try:
            batch = services.register_batch(form.batch_data(), current_user)
        except (services.ArchiveError, engine.WorkflowError) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            return done(f"存档登记表已提交：{batch.number}", url_for("archive.detail", id=batch.id))
    status = 422 if form.errors or form.messages else 200
    return render_template(
        "archive/form.html",
        form=form,
        categories=CATEGORY_LIST,
        retentions=RETENTIONS,
        clauses=pages.clauses(["art-4", "art-8", "art-10", "art-21"]),
    ), status


@bp.route("/batches/<int:id>")
def detail(id: int):
    batch = get_record_or_404(ArchiveBatch, id)
    require(can_view_record, batch)
    return render_template(
        "archive/detail.html", **pages.record_page(batch, current_user, pages.batch_page)
    )


@bp.route("/batches/<int:id>/pdf")
def pdf(id: int):
    batch = get_record_or_404(ArchiveBatch, id)
    require(can_view_record, batch)
    return pdf_response(*pages.batch_pdf(batch))


# --- borrowing -----------------------------------------------------------------------------------------


@bp.route("/loans/")
def loans():
    return registers.render(loans_register(request.args), request.args, "archive/loans.html",
                            export_endpoint="archive.loans_export",
                            overdue_only=request.args.get("overdue") == "1")  # fmt: skip


@bp.route("/loans/register.<any(csv, xlsx, pdf):fmt>")
def loans_export(fmt: str):
    return registers.export(loans_register(request.args), fmt, request.args)


@bp.route("/loans/new", methods=["GET", "POST"])
@csrf_in_form
def loan_new():
    defaults = None
    if request.method == "GET":
        defaults = pages.loan_defaults(current_user, request.args.get("item", type=int))
    form = forms.LoanForm(data=defaults)
    offer_queue = None
    if form.validate_on_submit():
        data = form.loan_data()
        problem = services.borrow_problem(data["item"], data["mode"])
        if problem and services.on_loan(data["item"]) and form.queue.data:
            services.join_queue(data["item"], current_user)
            return done(f"已排队等候 {data['item'].number}，归还后通知您。",
                        url_for("archive.item", id=data["item"].id))  # fmt: skip
        if problem:
            form[problem[0]].errors = [*form[problem[0]].errors, problem[1]]
            offer_queue = data["item"] if services.on_loan(data["item"]) else None
        else:
            loan = services.request_loan(data, current_user)
            return done(
                f"借阅申请已提交：{loan.number}", url_for("archive.loan_detail", id=loan.id)
            )
    status = 422 if form.errors or form.messages else 200
    return render_template("archive/loan_form.html", form=form, offer_queue=offer_queue,
                           clauses=pages.clauses(["art-14", "art-15", "art-16"])), status  # fmt: skip


@bp.route("/loans/<int:id>")
def loan_detail(id: int):
    loan = get_record_or_404(ArchiveLoan, id)
    require(can_view_record, loan)
    page = pages.record_page(loan, current_user, pages.loan_page)
    return render_template("archive/loan_detail.html", **page)


@bp.route("/loans/<int:id>/pdf")
def loan_pdf(id: int):
    loan = get_record_or_404(ArchiveLoan, id)
    require(can_view_record, loan)
    return pdf_response(*pages.loan_pdf(loan))


@bp.route("/loans/<int:id>/renew", methods=["POST"])
@csrf_in_form
def renew(id: int):
    loan = get_record_or_404(ArchiveLoan, id)
    require(can_view_record, loan)
    form = forms.RenewForm()
    if form.validate_on_submit():
        try:
            engine.transition(loan.instance, "renew", current_user, form.comment.data or "",
                              due=form.due.data)  # fmt: skip
        except engine.WorkflowError as exc:
            db.session.rollback()
            target = form.due if exc.field == "due" else None
            if target is not None:
                target.errors = [*target.errors, str(exc)]
            else:
                form.form_errors.append(str(exc))
        else:
            message = (
                "续借申请已提交审批。" if loan.renewal_stage else f"已续借至 {loan.due_date}。"
            )
            return done(message, url_for("archive.loan_detail", id=id))
    page = pages.record_page(loan, current_user, pages.loan_page)
    page["renew_form"] = form
    return render_template("archive/loan_detail.html", **page), 422


@bp.route("/loans/<int:id>/download/<token>")
def loan_download(id: int, token: str):
    loan = get_record_or_404(ArchiveLoan, id)
    require(can_view_record, loan)
    why = services.link_valid(loan, token[:64], current_user)
    if why:
        abort(403, description=why)
    from portal.archive.watermark import WatermarkError

    try:
        data = services.watermarked(loan)
    except WatermarkError as exc:
        abort(409, description=str(exc))
    db.session.commit()
    return download(data, "application/pdf", f"{loan.item.number}-{loan.number}.pdf")


# --- inventory, retention, disposal --------------------------------------------------------------------


@bp.route("/inventory")
def inventory():
    require(services.reads_all_items)
    return registers.render(inventory_register(request.args), request.args,
                            "archive/inventory.html", export_endpoint="archive.inventory_export",
                            rooms=rooms(), **_item_context(request.args))  # fmt: skip


@bp.route("/inventory.<any(csv, xlsx, pdf):fmt>")
def inventory_export(fmt: str):
    require(services.reads_all_items)
    return registers.export(inventory_register(request.args), fmt, request.args)


@bp.route("/retention", methods=["GET", "POST"])
@csrf_in_form
def retention():
    require(services.can_manage)
    due = db.session.scalars(services.retention_due()).all()
    form = forms.DisposalForm()
    form.items.choices = [(i.id, i.number) for i in due]
    if form.validate_on_submit():
        chosen = [i for i in due if i.id in set(form.items.data)]
        try:
            disposal = services.propose_disposal(chosen, form.reason.data.strip(), current_user)
        except services.ArchiveError as exc:
            db.session.rollback()
            form.items.errors = [*form.items.errors, str(exc)]
        else:
            return done(f"销毁申请已提交：{disposal.number}",
                        url_for("archive.disposal_detail", id=disposal.id))  # fmt: skip
    status = 422 if form.errors or form.messages else 200
    return render_template("archive/retention.html", items=due, form=form,
                           clauses=pages.clauses(["art-21", "art-22", "art-23", "art-25"])), status  # fmt: skip


@bp.route("/disposals/")
def disposals():
    require(services.reads_all_items)
    return registers.render(DESTROYED, request.args, "archive/disposals.html",
                            export_endpoint="archive.disposals_export")  # fmt: skip


@bp.route("/disposals/register.<any(csv, xlsx, pdf):fmt>")
def disposals_export(fmt: str):
    require(services.reads_all_items)
    return registers.export(DESTROYED, fmt, request.args)


@bp.route("/disposals/<int:id>")
def disposal_detail(id: int):
    disposal = get_record_or_404(ArchiveDisposal, id)
    require(can_view_record, disposal)
    return render_template(
        "archive/disposal_detail.html",
        **pages.record_page(disposal, current_user, pages.disposal_page),
    )


@bp.route("/disposals/<int:id>/pdf")
def disposal_pdf(id: int):
    disposal = get_record_or_404(ArchiveDisposal, id)
    require(can_view_record, disposal)
    return pdf_response(*pages.disposal_pdf(disposal))
