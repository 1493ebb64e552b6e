"""Supplies pages: requisitions (the form, the record, its slip), purchase requests, the monthly
plan, the catalogue (with XLSX import), stock on hand, the ledger, receipts, returns and counts,
forecasts and monthly use. The issue, receipt, decision and plan-receiving pages are step pages
(pages.py), served by the kit's generic view."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.core import registers
from portal.core.downloads import pdf_response
from portal.core.forms import change_rows, checked_field, csrf_in_form
from portal.core.htmx import done
from portal.extensions import db
from portal.supplies import catalogue_import, pages, services
from portal.supplies.forms import (
    ForecastForm,
    ImportForm,
    ItemForm,
    MovementForm,
    PurchaseForm,
    RequisitionForm,
    merge_duplicates,
)
from portal.supplies.ledger import StockError
from portal.supplies.models import PurchasePlan, PurchaseRequest, Requisition
from portal.supplies.registers import (
    LEDGER,
    PURCHASES,
    REQUISITIONS,
    carry_filters,
    plan_month,
    plans_register,
    report_args,
    stock_register,
    usage_report,
)
from portal.workflow.access import can_edit_record, can_view_record, get_record_or_404
from portal.workflow.engine import WorkflowError
from portal.workflow.pages import add_step_pages

bp = Blueprint("supplies", __name__, url_prefix="/supplies")
add_step_pages(bp, pages.STEP_PAGES)
bp.url_defaults(carry_filters)


@bp.context_processor
def _manager():
    return {"supplies_manager": services.can_manage(current_user)}


# --- requisitions -------------------------------------------------------------------------------


@bp.route("/")
def index():
    return registers.render(REQUISITIONS, request.args, "supplies/index.html")


@bp.route("/register.<any(csv, xlsx, pdf):fmt>")
def register_export(fmt: str):
    return registers.export(REQUISITIONS, fmt, request.args)


def _requisition(form: RequisitionForm, record: Requisition | None):
    """new and edit: rows added, removed or merged; a one-field check; a draft; a submit."""
    name = checked_field(form)
    if name is not None or change_rows(form) or merge_duplicates(form):
        return _form_page(form, record, 200)
    if form.validate_on_submit():
        try:
            record = services.save_requisition(record, form.requisition_data(), current_user,
                                               form.submitting)  # fmt: skip
        except WorkflowError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            message = "已提交审批。" if form.submitting else "草稿已保存。"
            return done(message, url_for("supplies.detail", id=record.id))
    return _form_page(form, record, 422 if form.is_submitted() else 200)


def _form_page(form, record, status: int):
    context = pages.form_page(record, current_user, form)
    return render_template("supplies/form.html", form=form, **context), status


@bp.route("/new", methods=["GET", "POST"])
@csrf_in_form
def new():
    return _requisition(RequisitionForm(), None)


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
@csrf_in_form
def edit(id: int):
    record = get_record_or_404(Requisition, id)
    require(can_edit_record, record)
    data = None if request.method == "POST" else pages.requisition_form_data(record)
    return _requisition(RequisitionForm(data=data), record)


@bp.route("/<int:id>")
def detail(id: int):
    record = get_record_or_404(Requisition, id)
    require(can_view_record, record)
    page = pages.record_page(record, current_user, pages.requisition_page)
    return render_template("supplies/detail.html", **page)


@bp.route("/<int:id>/pdf")
def pdf(id: int):
    record = get_record_or_404(Requisition, id)
    require(can_view_record, record)
    return pdf_response(*pages.requisition_pdf(record))


# --- purchase requests and plans --------------------------------------------------------------------


@bp.route("/purchases/")
def purchases():
    return registers.render(PURCHASES, request.args, "supplies/purchases.html",
                            export_endpoint="supplies.purchases_export")  # fmt: skip


@bp.route("/purchases/register.<any(csv, xlsx, pdf):fmt>")
def purchases_export(fmt: str):
    return registers.export(PURCHASES, fmt, request.args)


@bp.route("/purchases/new", methods=["GET", "POST"])
@csrf_in_form
def purchase_new():
    form = PurchaseForm()
    if not change_rows(form) and form.validate_on_submit():
        record = services.save_purchase(form.purchase_data(), current_user)
        return done(
            f"申购单已提交：{record.number}", url_for("supplies.purchase_detail", id=record.id)
        )
    status = 422 if form.errors or form.messages else 200
    return render_template("supplies/purchase_form.html", form=form), status


@bp.route("/purchases/<int:id>")
def purchase_detail(id: int):
    record = get_record_or_404(PurchaseRequest, id)
    require(can_view_record, record)
    page = pages.record_page(record, current_user, pages.purchase_page)
    return render_template("supplies/purchase_detail.html", **page)


@bp.route("/purchases/<int:id>/pdf")
def purchase_pdf(id: int):
    record = get_record_or_404(PurchaseRequest, id)
    require(can_view_record, record)
    return pdf_response(*pages.purchase_pdf(record))


@bp.route("/plans/")
def plans():
    month, error = plan_month(request.args)
    body, status = registers.render(
        plans_register(request.args), request.args, "supplies/plans.html",
        export_endpoint="supplies.plans_export", month=month, month_error=error,
        can_manage=services.can_manage(current_user),
    )  # fmt: skip
    return body, 422 if error else status


@bp.route("/plans/register.<any(csv, xlsx, pdf):fmt>")
def plans_export(fmt: str):
    return registers.export(plans_register(request.args), fmt, request.args)


@bp.route("/plans/build", methods=["POST"])
def plan_build():
    """第十六条: build next month's plan now (the 25th's tick does the same)."""
    require(services.can_manage)
    plan = services.build_plan(current_user)
    if plan is None:
        return done("没有需要采购的物品，未生成计划。", url_for("supplies.plans"))
    return done(f"已生成 {plan.month} 月度采购计划。", url_for("supplies.plan_detail", id=plan.id))


@bp.route("/plans/<int:id>")
def plan_detail(id: int):
    plan = get_record_or_404(PurchasePlan, id)
    require(can_view_record, plan)
    return render_template(
        "supplies/plan_detail.html", **pages.record_page(plan, current_user, pages.plan_page)
    )


@bp.route("/plans/<int:id>/pdf")
def plan_pdf(id: int):
    plan = get_record_or_404(PurchasePlan, id)
    require(can_view_record, plan)
    return pdf_response(*pages.plan_pdf(plan))


# --- the catalogue ---------------------------------------------------------------------------------


@bp.route("/catalogue")
def catalogue():
    items = db.session.scalars(services.catalogue()).all()
    return render_template("supplies/catalogue.html", items=items, yuan=pages.yuan,
                           can_manage=services.can_manage(current_user))  # fmt: skip


@bp.route("/catalogue/new", methods=["GET", "POST"])
@bp.route("/catalogue/<int:item_id>/edit", methods=["GET", "POST"])
@csrf_in_form
def item_edit(item_id: int | None = None):
    require(services.can_manage)
    item = services.get_item_or_404(item_id) if item_id else None
    form = ItemForm(data=pages.item_form_data(item) if request.method == "GET" else None, item=item)
    if form.validate_on_submit():
        item = services.save_item(item, form.item_data(), current_user)
        return done(f"已保存 {item.code} {item.name}。", url_for("supplies.catalogue"))
    status = 422 if form.errors or form.messages else 200
    return render_template("supplies/item_form.html", form=form, item=item), status


@bp.route("/catalogue/import", methods=["GET", "POST"])
@csrf_in_form
def catalogue_upload():
    require(services.can_manage)
    form, report = ImportForm(), None
    if form.validate_on_submit():
        report = catalogue_import.import_xlsx(form.file.data.read(), current_user)
        if report.ok:
            return done(f"已导入 {report.saved} 个物品。", url_for("supplies.catalogue"))
        db.session.rollback()
    status = 422 if form.errors or form.messages or report else 200
    return render_template("supplies/import.html", form=form, report=report), status


# --- stock, ledger, movements -----------------------------------------------------------------------


@bp.route("/stock")
def stock():
    require(services.can_manage)
    args = report_args(request.args)
    return registers.render(
        stock_register(args), args, "supplies/stock.html", "supplies/_stock_table.html",
        export_endpoint="supplies.stock_export", **pages.stock_page(args),
    )  # fmt: skip


@bp.route("/stock.<any(csv, xlsx, pdf):fmt>")
def stock_export(fmt: str):
    require(services.can_manage)
    args = report_args(request.args)
    return registers.export(stock_register(args), fmt, args)


@bp.route("/ledger")
def ledger():
    require(services.can_manage)
    return registers.render(LEDGER, request.args, "supplies/ledger.html",
                            export_endpoint="supplies.ledger_export")  # fmt: skip


@bp.route("/ledger.<any(csv, xlsx, pdf):fmt>")
def ledger_export(fmt: str):
    require(services.can_manage)
    return registers.export(LEDGER, fmt, request.args)


@bp.route("/stock/<any(receive, return, count):kind>", methods=["GET", "POST"])
@csrf_in_form
def movement(kind: str):
    require(services.can_post_movement, kind)
    form = pages.movement_form(MovementForm, kind, request.args)
    if form.validate_on_submit():
        try:
            entry = pages.post_movement(kind, form, current_user)
        except StockError as exc:
            db.session.rollback()
            form.quantity.errors = [*form.quantity.errors, str(exc)]
        else:
            return done(pages.movement_message(kind, entry), url_for("supplies.stock"))
    status = 422 if form.errors or form.messages else 200
    page = pages.movement_page(kind, form)
    return render_template("supplies/movement.html", form=form, **page), status


# --- forecasts and monthly use ------------------------------------------------------------------------


@bp.route("/forecasts", methods=["GET", "POST"])
@csrf_in_form
def forecasts():
    form = pages.forecast_form(ForecastForm, current_user)
    if form.validate_on_submit():
        department = services.get_department_or_404(form.department_id.data)
        require(services.can_set_forecast, department)
        services.set_forecast(department, form.month.data.strip(), form.amount.fen, current_user)
        return done(
            "月度预算已保存。", url_for("supplies.forecasts", month=form.month.data.strip())
        )
    args = report_args(request.args)
    register, figures = usage_report(args)
    body, _ = registers.render(
        register, args, "supplies/forecasts.html", "supplies/_usage_table.html",
        export_endpoint="supplies.usage_export", form=form,
        **pages.usage_page(register, figures, args),
    )  # fmt: skip
    return body, 422 if form.errors or form.messages else 200


@bp.route("/usage.<any(csv, xlsx, pdf):fmt>")
def usage_export(fmt: str):
    args = report_args(request.args)
    return registers.export(usage_report(args)[0], fmt, args)
