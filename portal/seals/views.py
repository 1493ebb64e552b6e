"""Seal-use request pages (申请、详情、PDF), the keeper's pages (用印、归还), the GM's take-out
approval, the register (印章使用登记表) and the seal catalogue.

Each view loads (404), checks a predicate (403), validates a form, calls one service and then
commits once and redirects (303), or renders the form again with the user's values (422).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_login import current_user

from portal.auth import services as auth_services
from portal.auth.permissions import require
from portal.core import registers
from portal.core.htmx import see_other
from portal.extensions import csrf, db
from portal.files.models import Attachment
from portal.seals import services
from portal.seals.forms import (
    RefuseForm,
    ReturnForm,
    SealForm,
    SealRequestForm,
    StampForm,
    TakeOutApprovalForm,
)
from portal.seals.models import SEAL_STATUSES
from portal.seals.registers import REGISTER
from portal.workflow.engine import WorkflowError

bp = Blueprint("seals", __name__, url_prefix="/seals")


def csrf_in_form(view):
    """Let the view's FlaskForm check the CSRF token instead of the global check before the
    request, so a stale or missing token comes back beside the form with the user's values
    kept. Only for views that validate their form before they change anything."""
    csrf.exempt(view)
    return view


def _done(record, message: str):
    db.session.commit()
    flash(message, "success")
    return see_other(url_for("seals.detail", id=record.id))


def _attempt(action, *args) -> str | None:
    """Run one service call; on a refusal roll back and return the message to show."""
    try:
        action(*args)
    except WorkflowError as exc:
        db.session.rollback()
        return str(exc)
    return None


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
    if "_validate" in request.form:
        form.validate()
        name = request.form["_validate"]
        if name not in form._fields:
            abort(400)
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
            return _done(record, "已提交审批。" if form.submitting else "草稿已保存。")
    context = services.form_page(record)
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
    require(services.can_edit, record)
    return _save(_request_form(record), record)


@bp.route("/<int:id>/attachments/<int:attachment_id>/remove", methods=["POST"])
def remove_attachment(id: int, attachment_id: int):
    record = services.get_request_or_404(id)
    require(services.can_edit, record)
    services.remove_attachment(record, db.get_or_404(Attachment, attachment_id), current_user)
    db.session.commit()
    flash("附件已删除。", "success")
    return see_other(url_for("seals.edit", id=record.id))


# --- reading ----------------------------------------------------------------------------------


@bp.route("/<int:id>")
def detail(id: int):
    record = services.get_request_or_404(id)
    require(services.can_view, record)
    return render_template("seals/detail.html", **services.detail_page(record, current_user))


@bp.route("/<int:id>/pdf")
def pdf(id: int):
    record = services.get_request_or_404(id)
    require(services.can_view, record)
    data, filename = services.request_pdf(record)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the GM's take-out approval, the keeper's stamping, refusal and return ---------------------


@bp.route("/<int:id>/approve", methods=["GET", "POST"])
def approve(id: int):
    record = services.get_request_or_404(id)
    require(services.can_approve_take_out, record)
    form = TakeOutApprovalForm()
    error = None
    if form.validate_on_submit():
        error = _attempt(services.approve_take_out, record, current_user, form.comment.data or "")
        if error is None:
            return _done(record, "已特批携带外出。")
    page = services.step_page(record, current_user)
    status = 422 if form.errors or error else 200
    return render_template("seals/approve.html", form=form, error=error, **page), status


def _stamp_options(record) -> dict:
    items = services.stamping_items(record, current_user)
    return {"items": items, "requested": record.copies or 0, "take_out": record.take_out}


@bp.route("/<int:id>/stamp", methods=["GET", "POST"])
def stamp(id: int):
    record = services.get_request_or_404(id)
    require(services.can_stamp, record)
    form, error = StampForm(**_stamp_options(record)), None
    if form.validate_on_submit():
        data = (form.stamped_copies(), form.stamped_at.data, form.handed_over_at.data)
        error = _attempt(services.stamp, record, current_user, *data, form.comment.data or "")
        if error is None:
            return _done(record, "已登记用印。")
    return _stamp_page(record, form, RefuseForm(formdata=None), error)


@bp.route("/<int:id>/refuse", methods=["POST"])
def refuse(id: int):
    record = services.get_request_or_404(id)
    require(services.can_stamp, record)
    form = RefuseForm()
    if form.validate_on_submit():
        error = _attempt(services.refuse, record, current_user, form.reason.data)
        if error is None:
            return _done(record, "已拒绝用印，申请已退回申请人。")
        form.reason.errors = [error]
    return _stamp_page(record, StampForm(formdata=None, **_stamp_options(record)), form, None)


def _stamp_page(record, form: StampForm, refuse_form: RefuseForm, error: str | None):
    page = services.step_page(record, current_user)
    status = 422 if form.errors or refuse_form.errors or error else 200
    return render_template(
        "seals/stamp.html", form=form, refuse_form=refuse_form, error=error, **page
    ), status


@bp.route("/<int:id>/return", methods=["GET", "POST"])
def return_seal(id: int):
    record = services.get_request_or_404(id)
    require(services.can_record_return, record)
    form, error = ReturnForm(handed_over_at=record.handed_over_at), None
    if form.validate_on_submit():
        error = _attempt(
            services.record_return,
            record,
            current_user,
            form.returned_at.data,
            form.comment.data or "",
        )
        if error is None:
            return _done(record, "已登记归还，印章在库。")
    page = services.step_page(record, current_user)
    status = 422 if form.errors or error else 200
    return render_template("seals/return.html", form=form, error=error, **page), status


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
        db.session.commit()
        flash(f"已保存印章 {seal.name}。", "success")
        return see_other(url_for("seals.seal_detail", seal_id=seal.id))
    status = 422 if form.errors else 200
    return render_template("seals/seal_form.html", form=form, seal=seal), status
