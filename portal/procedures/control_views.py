"""Document control pages on the procedures blueprint: required-reading reports (page and XLSX),
periodic review, controlled copies. Each guard is the predicate its service module defines, and
the templates show the buttons with the same predicates (`procedure_control`)."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.core.downloads import XLSX, download, pdf_response
from portal.core.htmx import page_or_partial, see_other
from portal.extensions import db
from portal.procedures import copies, periodic, reading, services
from portal.procedures.control_forms import CopyForm, RecallForm, ReviewConfirmForm
from portal.procedures.views import bp


def _issued_procedure_or_404(code: str):
    procedure = services.get_procedure_or_404(code)
    if procedure.current_revision is None:
        abort(404)
    return procedure


# -- required reading ----------------------------------------------------------------------------


@bp.route("/<path:code>/readers")
def readers(code: str):
    procedure = services.get_procedure_or_404(code)
    require(reading.can_see_reading_report, procedure)
    report = reading.readers_report(
        procedure, current_user, request.args.get("department", ""), request.args.get("status", "")
    )
    if request.args.get("format") == "xlsx":
        name = f"{procedure.code}-阅读情况.xlsx"
        return download(reading.readers_xlsx(report), XLSX, name)
    return page_or_partial("procedures/readers.html", "procedures/_readers.html", report=report)


@bp.route("/reading-report")
def reading_report():
    require(reading.can_see_reading_report)
    choices = reading.report_departments(current_user)
    department = request.args.get("department") or _own_department(choices)
    report = reading.department_report(department, current_user)
    if request.args.get("format") == "xlsx" and report.department_name:
        name = f"{report.department_name}-应读制度阅读情况.xlsx"
        return download(reading.department_xlsx(report), XLSX, name)
    return render_template("procedures/reading_report.html", report=report)


def _own_department(choices: list[tuple[str, str]]) -> str:
    own = current_user.department.code if current_user.department is not None else ""
    codes = [code for code, _ in choices]
    return own if own in codes else (codes[0] if codes else "")


# -- periodic review -----------------------------------------------------------------------------


@bp.route("/reviews-due")
def reviews_due():
    due = periodic.reviews_due(current_user)
    return render_template("procedures/reviews_due.html", due=due)


@bp.route("/<path:code>/periodic-review", methods=["GET", "POST"])
def review_confirm(code: str):
    procedure = _issued_procedure_or_404(code)
    require(periodic.can_review, procedure)
    form = ReviewConfirmForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        history = db.session.scalars(periodic.reviews_of(procedure)).all()
        context = {"procedure": procedure, "form": form, "history": history}
        context["state"] = periodic.review_state(current_user, procedure)
        context["due_on"] = periodic.review_due_on(procedure, procedure.current_revision)
        return page_or_partial(
            "procedures/review_confirm.html", "procedures/_review_form.html", status, **context
        )
    periodic.confirm_review(procedure, current_user, form.cleaned("note")["note"])
    db.session.commit()
    flash("已记录定期评审：继续有效。", "success")
    return see_other(url_for("procedures.detail", code=procedure.code))


# -- controlled copies ---------------------------------------------------------------------------


@bp.route("/<path:code>/copies", endpoint="copies")
def copies_list(code: str):
    procedure = services.get_procedure_or_404(code)
    require(copies.can_manage_copies, procedure)
    return _copies_page(procedure)


def _copies_page(procedure, errors: dict | None = None, status: int = 200):
    rows = db.session.scalars(copies.copies_of(procedure)).all()
    html = render_template(
        "procedures/copies.html",
        procedure=procedure,
        copies=rows,
        to_recall=copies.to_recall,
        departments=services.department_names(),
        errors=errors or {},
    )
    return html, status


@bp.route("/<path:code>/copies/new", methods=["GET", "POST"])
def copy_new(code: str):
    procedure = services.get_procedure_or_404(code)
    require(copies.can_manage_copies, procedure)
    form = CopyForm()
    if form.validate_on_submit():
        try:
            copy = copies.issue_copy(
                procedure, current_user, form.holder.data, form.holder_department.data
            )
        except copies.CopyError as exc:
            form.form_errors.append(str(exc))
        else:
            return _copy_pdf(procedure, copy)
    status = 422 if request.method == "POST" else 200
    html = render_template("procedures/copy_new.html", procedure=procedure, form=form)
    return html, status


def _copy_pdf(procedure, copy):
    """Rendered before the commit: a copy number is only kept with its PDF."""
    from portal.procedures.pdf import pdf_filename, procedure_pdf

    data = procedure_pdf(copy.revision, copy)
    db.session.commit()
    name = pdf_filename(procedure.code, f"{copy.revision.label}-copy-{copy.copy_no:03d}")
    return pdf_response(data, name)


@bp.route("/<path:code>/copies/<int:copy_id>/recall", methods=["POST"])
def copy_recall(code: str, copy_id: int):
    procedure = services.get_procedure_or_404(code)
    require(copies.can_manage_copies, procedure)
    copy = copies.get_copy_or_none(procedure, copy_id)
    if copy is None:
        abort(404)
    form = RecallForm()
    if form.validate_on_submit():
        try:
            copies.recall_copy(copy, current_user, form.cleaned("note")["note"])
        except copies.CopyError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"已回收{copies.copy_label(copy.copy_no)}。", "success")
            return see_other(url_for("procedures.copies", code=procedure.code))
    errors = form.messages + form.note.errors
    return _copies_page(procedure, {copy.id: errors}, 422)


# -- on the procedure page -----------------------------------------------------------------------


@bp.app_template_global()
def procedure_control(procedure) -> dict:
    """What a procedure page shows of document control to the current user
    (`periodic.control_state`)."""
    return periodic.control_state(current_user, procedure)


@bp.app_template_global()
def revise_url(procedure) -> str | None:
    """需要修订: the editor's page, once the editor is there."""
    if "procedures.edit" not in current_app.view_functions:
        return None
    return url_for("procedures.edit", code=procedure.code)
