"""Seal-use request pages (申请、详情、PDF), the register (印章使用登记表) and the seal
catalogue; the GM's take-out approval and the keeper's stamping and return pages are step pages
(declared in pages.py, served by the kit's generic view).

Each view loads (404), checks a predicate (403), validates a form, calls one service and then
commits once and redirects (303), or renders the form again with the user's values (422).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from portal.auth import services as auth_services
from portal.auth.permissions import require
from portal.core import registers
from portal.core.downloads import pdf_response
from portal.core.forms import checked_field, csrf_in_form
from portal.core.htmx import done
from portal.extensions import db
from portal.files import services as files
from portal.files.models import Attachment
from portal.seals import pages, services
from portal.seals.forms import SealForm, SealRequestForm
from portal.seals.models import SEAL_STATUSES
from portal.seals.registers import REGISTER
from portal.workflow.access import can_edit_record, can_view_record
from portal.workflow.engine import WorkflowError
from portal.workflow.pages import add_step_pages

bp = Blueprint("seals", __name__, url_prefix="/seals")
add_step_pages(bp, pages.STEP_PAGES)


# --- register ----------------------------------------------------------------------------------


@bp.route("/")
def index():
    return registers.render(REGISTER, request.args, "seals/index.html")


@bp.route("/register.<any(csv, xlsx, pdf):fmt>")
def register_export(fmt: str):
    return registers.export(REGISTER, fmt, request.args)


# --- the applicant's form ------------------------------------------------------------------------


def _request_form(record=None) -> SealRequestForm:
    choices, disabled = services.seal_choices(record)
    return SealRequestForm(obj=record, seal_choices=choices, disabled_seal_ids=disabled)


def _save(form: SealRequestForm, record):
    """new and edit: the htmx check of one field, a draft save, or a submit."""
    name = checked_field(form)
    if name is not None:
        return render_template("seals/_field.html", form=form, name=name)
    error = None
    if form.validate_on_submit():
        try:
            record = services.save_request(
                record, current_user, form.request_data(), form.attachments.checked, form.submitting
            )
        except WorkflowError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            message = "已提交审批。" if form.submitting else "草稿已保存。"
            return done(message, url_for("seals.detail", id=record.id))
    context = pages.form_page(record)
    status = 422 if form.errors or error else 200
    return render_template("seals/form.html", form=form, error=error, **context), status


@bp.route("/new", methods=["GET", "POST"])
@csrf_in_form
def new():
    return _save(_request_form(), None)


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
@csrf_in_form
def edit(id: int):
    record = services.get_request_or_404(id)
    require(can_edit_record, record)
    return _save(_request_form(record), record)


@bp.route("/<int:id>/attachments/<int:attachment_id>/remove", methods=["POST"])
def remove_attachment(id: int, attachment_id: int):
    record = services.get_request_or_404(id)
    require(can_edit_record, record)
    if not files.remove_from_record(record, db.get_or_404(Attachment, attachment_id), current_user):
        abort(404)
    return done("附件已删除。", url_for("seals.edit", id=record.id))


# --- reading ----------------------------------------------------------------------------------


@bp.route("/<int:id>")
def detail(id: int):
    record = services.get_request_or_404(id)
    require(can_view_record, record)
    return render_template("seals/detail.html", **pages.detail_page(record, current_user))


@bp.route("/<int:id>/pdf")
def pdf(id: int):
    record = services.get_request_or_404(id)
    require(can_view_record, record)
    return pdf_response(*pages.request_pdf(record))


# --- the seal catalogue ------------------------------------------------------------------------


@bp.route("/catalogue")
def catalogue():
    seals = db.session.scalars(services.catalogue()).all()
    can_manage = services.can_manage_seals(current_user)
    return render_template("seals/catalogue.html", seals=seals, can_manage=can_manage)


@bp.route("/catalogue/<int:seal_id>")
def seal_detail(seal_id: int):
    seal = services.get_seal_or_404(seal_id)
    history = db.session.scalars(services.seal_history(seal)).all()
    return render_template(
        "seals/seal_detail.html",
        seal=seal,
        history=history,
        labels=services.SEAL_EVENT_LABELS,
        statuses=SEAL_STATUSES,
        can_manage=services.can_manage_seals(current_user),
    )


@bp.route("/catalogue/new", methods=["GET", "POST"])
@bp.route("/catalogue/<int:seal_id>/edit", methods=["GET", "POST"])
def seal_edit(seal_id: int | None = None):
    seal = services.get_seal_or_404(seal_id) if seal_id else None
    require(services.can_manage_seals)
    form = SealForm(
        seal=seal,
        departments=auth_services.department_choices(),
        users=auth_services.user_choices(),
    )
    if form.validate_on_submit():
        seal = services.save_seal(seal, form.seal_data(), current_user)
        return done(f"已保存印章 {seal.name}。", url_for("seals.seal_detail", seal_id=seal.id))
    status = 422 if form.errors else 200
    return render_template("seals/seal_form.html", form=form, seal=seal), status
