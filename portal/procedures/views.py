"""Procedure library pages: list, read, old revisions, diffs, read receipts; for system
administrators also legacy import, source view, Markdown export, edit, preview and publish."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, render_template, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from portal.auth.permissions import require
from portal.core.downloads import download, pdf_response
from portal.core.forms import csrf_in_form, initial
from portal.core.htmx import done, is_htmx, page_or_partial, see_other
from portal.extensions import db
from portal.procedures import (
    authoring,
    caching,
    import_review,
    publishing,
    reading,
    reading_cache,
    services,
)
from portal.procedures.forms import (
    EditForm,
    ImportForm,
    ProcedureDraftForm,
    SubmitForm,
    WithdrawForm,
)

bp = Blueprint("procedures", __name__, url_prefix="/procedures")


@bp.route("/")
def index():
    args = request.args
    library = services.library_index(
        current_user,
        group_by=args.get("group", "category"),
        category=args.get("category", ""),
        department=args.get("department", ""),
        show_hidden=args.get("hidden") == "1",
    )
    return page_or_partial("procedures/index.html", "procedures/_list.html", library=library)


@bp.route("/<path:code>")
def detail(code: str):
    procedure = services.get_procedure_or_404(code)
    revision = services.get_shown_revision_or_404(procedure, current_user)
    view = services.reading_view(revision, current_user)
    # Not current (withdrawn, or a draft its owners see): the revision page, with its banner.
    template = (
        "procedures/detail.html" if revision.status == "current" else "procedures/revision.html"
    )
    return _reading_page(template, view)


@bp.route("/<path:code>/revisions/<int:revision_id>")
def revision(code: str, revision_id: int):
    procedure = services.get_procedure_or_404(code)
    revision = services.get_revision_or_404(procedure, revision_id)
    require(services.can_view_revision, revision)
    view = services.reading_view(revision, current_user)
    return _reading_page("procedures/revision.html", view)


def _reading_page(template: str, view):
    """A reading page: 304 when the browser's copy is current (caching.page_etag), else the
    page with the revision's text rendered once per process (reading_cache)."""
    tag = caching.page_etag(view, current_user)
    if tag is not None and tag in request.if_none_match:
        return caching.not_modified(tag)
    body = reading_cache.cached(
        ("body", *view.cache_key),
        lambda: Markup(render_template("procedures/_body.html", view=view)),
    )
    return caching.revalidated(make_response(render_template(template, view=view, body=body)), tag)


@bp.route("/<path:code>/diff")
def diff(code: str):
    procedure = services.get_procedure_or_404(code)
    old, new = services.diff_pair(
        procedure, request.args.get("from", type=int), request.args.get("to", type=int)
    )
    require(services.can_view_revision, old)
    require(services.can_view_revision, new)
    view = services.revision_diff(old, new, current_user)
    return render_template("procedures/diff.html", view=view)


@bp.route("/<path:code>/read", methods=["POST"])
def acknowledge(code: str):
    procedure = services.get_procedure_or_404(code)
    revision = procedure.current_revision
    if revision is None:
        abort(404)
    reading.acknowledge(current_user, revision)
    db.session.commit()
    if is_htmx():
        acks = services.acknowledgements(revision, current_user)
        return render_template("procedures/_ack.html", procedure=procedure, acks=acks)
    flash("已记录：您已阅读并理解本制度的现行版本。", "success")
    return see_other(url_for("procedures.detail", code=procedure.code))


@bp.route("/import", methods=["GET", "POST"])
@csrf_in_form
def import_files():
    require(services.can_manage)
    form = ImportForm()
    results = []
    if form.validate_on_submit():
        files = [(f.filename, f.read()) for f in form.files.data if f.filename]
        results = services.import_legacy_files(files, current_user)
        db.session.commit()
    status = 422 if form.errors or any(not r.ok for r in results) else 200
    return render_template("procedures/import.html", form=form, results=results), status


@bp.route("/import/file", methods=["POST"])
def import_file():
    """One file per request, so the page can show each result as soon as it is ready."""
    require(services.can_manage)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        result = services.FileResult("", error="请选择文件。")
    else:
        result = services.import_legacy_files([(upload.filename, upload.read())], current_user)[0]
        db.session.commit()
    html = render_template("procedures/_import_result.html", result=result)
    return html, 200 if result.ok else 422


@bp.route("/import/suggestion", methods=["POST"])
def accept_suggestion():
    """One click on a repair the importer only suggested: the page is imported again with it."""
    require(services.can_manage)
    procedure = services.get_procedure_or_404(request.form.get("code", ""))
    keys = ("line", "column", "from", "to", "context")
    try:
        suggestion = {key: request.form.get(key, "") for key in keys}
        result = import_review.accept_suggestion(procedure, suggestion, current_user)
    except ValueError as exc:  # SuggestionError, or a line/column that is not a number
        message = str(exc) if isinstance(exc, import_review.SuggestionError) else "建议无效。"
        result = services.FileResult(procedure.source_name, error=message)
    db.session.commit()
    status = 200 if result.ok else 422
    if is_htmx():
        return render_template("procedures/_import_result.html", result=result), status
    return render_template("procedures/import.html", form=ImportForm(), results=[result]), status


@bp.route("/<path:code>/source")
def source(code: str):
    require(services.can_manage)
    procedure = services.get_procedure_or_404(code)
    revision = services.get_revision_or_current(procedure, request.args.get("revision", type=int))
    revision = revision or services.get_shown_revision_or_404(procedure, current_user)
    form = EditForm(procedure=procedure, text=services.edit_start_text(procedure))
    return _source_page(revision, form)


def _source_page(revision, form: EditForm, status: int = 200):
    view = services.reading_view(revision, current_user)
    excerpt = import_review.source_excerpt(revision)
    html = render_template("procedures/source.html", view=view, form=form, excerpt=excerpt)
    return html, status


@bp.route("/<path:code>/export.md")
def export(code: str):
    require(services.can_manage)
    procedure = services.get_procedure_or_404(code)
    revision = services.get_revision_or_current(procedure, request.args.get("revision", type=int))
    revision = revision or services.get_shown_revision_or_404(procedure, current_user)
    text = services.export_markdown(revision).encode("utf-8")
    return download(text, "text/markdown; charset=utf-8", services.export_filename(procedure))


@bp.route("/<path:code>/pdf")
def pdf(code: str):
    """An uncontrolled print (非受控, dated) of the current revision, or with ?revision= of a
    superseded or withdrawn one (已作废). Controlled copies: control_views.copy_new."""
    from portal.procedures.pdf import pdf_filename, procedure_pdf

    procedure = services.get_procedure_or_404(code)
    revision_id = request.args.get("revision", type=int)
    if revision_id is None:
        revision = procedure.current_revision
    else:
        revision = services.get_revision_or_404(procedure, revision_id)
    if revision is None or not publishing.is_issued(revision):  # drafts are never printed
        abort(404)
    tag = caching.pdf_etag(revision)
    if tag in request.if_none_match:
        return caching.not_modified(tag)
    name = pdf_filename(procedure.code, revision.label)
    return caching.revalidated(pdf_response(procedure_pdf(revision), name, inline=True), tag)


@bp.route("/<path:code>/publish", methods=["POST"])
@csrf_in_form
def publish(code: str):
    """Save the edited Markdown as the procedure's draft. Nothing is issued from here: a draft
    goes through the change request (`procedures.change`, `procedures.submit`)."""
    require(services.can_manage)
    procedure = services.get_procedure_or_404(code)
    form = EditForm(procedure=procedure)
    if not form.validate_on_submit():
        shown = services.get_shown_revision_or_404(procedure, current_user)
        return _source_page(shown, form, 422)
    revision = services.publish_revision(
        procedure, form.text.data, current_user, form.change_note.data, draft=True
    )
    db.session.commit()
    flash("草稿已保存。提交审核并经批准后才会发布。", "success")
    return see_other(url_for("procedures.change", code=procedure.code, revision_id=revision.id))


@bp.route("/preview", methods=["POST"], defaults={"code": ""})
@bp.route("/<path:code>/preview", methods=["POST"])
def preview(code: str):
    """The editor's live preview of the body (`body`, with its clause outline), or of a whole
    Markdown text with front matter (`text`). Nothing is stored."""
    procedure = services.get_procedure_or_404(code) if code else None
    require(publishing.can_author, procedure)
    if "body" in request.form:
        result = authoring.preview_body(request.form.get("body", ""))
        return render_template("procedures/_edit_preview.html", preview=result)
    result = services.preview_markdown(request.form.get("text", ""))
    return render_template("procedures/_preview.html", preview=result)


# -- the form editor (procedures/authoring.py) ------------------------------------------------


def _editor(procedure):
    """new and edit: show the form (from the draft, a copy or an import), preview it without
    JavaScript (action=preview), or save THE draft and 303 to the editor again."""
    require(publishing.can_author, procedure)
    pending = authoring.in_progress(procedure)
    if pending is not None:
        flash(f"修订 {pending.label} {pending.status_name}，完成后才能再起草新修订。", "warning")
        return see_other(url_for("procedures.change", code=procedure.code, revision_id=pending.id))
    start = authoring.start(procedure, current_user)
    form = _draft_form(procedure, start)
    preview = None
    if request.method == "POST" and request.form.get("action") == "preview":
        preview = authoring.preview_body(form.body.data or "")
    elif form.validate_on_submit():
        fields, body = form.fields_data(), form.body.data
        try:
            draft = authoring.save_draft(procedure, fields, body, current_user)
        except publishing.DocumentError as exc:
            db.session.rollback()
            form.add_error(exc.field, exc.message)
        else:
            return done("草稿已保存。", url_for("procedures.edit", code=draft.procedure.code))
    return _editor_page(procedure, form, start.origin, preview)


def _editor_page(procedure, form, origin: str, preview):
    return render_template(
        "procedures/edit.html", form=form, procedure=procedure, origin=origin,
        preview=preview, categories=authoring.category_choices(),
        submit_form=_submit_form(procedure),
    ), 422 if form.errors else 200  # fmt: skip


def _draft_form(procedure, start) -> ProcedureDraftForm:
    return ProcedureDraftForm(
        data=initial({**start.fields, "body": start.body}),
        procedure=procedure,
        issued=authoring.has_issued(procedure),
        departments=authoring.department_choices(),
        roles=authoring.role_choices(),
        preview_url=url_for("procedures.preview", code=procedure.code if procedure else ""),
    )


def _submit_form(procedure):
    """The 提交审核 form beside a saved draft (posted to procedures.submit)."""
    draft = procedure.draft_revision if procedure is not None else None
    if draft is None:
        return None
    form = SubmitForm(formdata=None, change_note=draft.change_note,
                      significance=draft.significance or None,
                      cosign=list(draft.cosign_departments or []))  # fmt: skip
    form.cosign.choices = [SelectChoice(c, n) for c, n in services.department_names().items()
                           if c != procedure.owner_department]  # fmt: skip
    return form


@bp.route("/new", methods=["GET", "POST"])
@csrf_in_form
def new():
    return _editor(None)


@bp.route("/<path:code>/edit", methods=["GET", "POST"])
@csrf_in_form
def edit(code: str):
    return _editor(services.get_procedure_or_404(code))


# -- the change request (document control on the engine) ------------------------------------


def _change_page(procedure, revision, form: SubmitForm, errors: dict | None = None, status=200):
    from portal.workflow.services import record_context

    form.cosign.choices = [(c, n) for c, n in services.department_names().items()
                           if c != procedure.owner_department]  # fmt: skip
    for name, message in (errors or {}).items():
        if name in form._fields:
            form[name].errors = [*form[name].errors, message]
    context = record_context(revision, current_user) if revision.instance is not None else {}
    return render_template(
        "procedures/change.html",
        procedure=procedure,
        revision=revision,
        state=publishing.change_state(revision),
        comments=publishing.change_comments(revision),
        form=form,
        errors=errors or {},
        can_submit=revision.status == "draft" and publishing.can_author(current_user, procedure),
        **context,
    ), status


def _change_or_404(code: str, revision_id: int):
    procedure = services.get_procedure_or_404(code)
    revision = services.get_revision_or_404(procedure, revision_id)
    require(services.can_view_revision, revision)
    return procedure, revision


@bp.route("/<path:code>/changes/<int:revision_id>")
def change(code: str, revision_id: int):
    """The change request of a revision: its text, its state, the engine's path and trail, and
    the actions (submit for a draft; approve or send back for the step's holder)."""
    procedure, revision = _change_or_404(code, revision_id)
    form = SubmitForm(change_note=revision.change_note, significance=revision.significance or None,
                      cosign=list(revision.cosign_departments or []))  # fmt: skip
    return _change_page(procedure, revision, form)


@bp.route("/<path:code>/withdraw", methods=["GET", "POST"])
@csrf_in_form
def withdraw(code: str):
    """废止: the current revision becomes 已作废 without a replacement (owners only)."""
    procedure = services.get_procedure_or_404(code)
    require(publishing.can_author, procedure)
    if procedure.current_revision is None:
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            publishing.withdraw(procedure, current_user, form.reason.data or "")
        except publishing.DocumentError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, exc.message]
        else:
            db.session.commit()
            flash(f"《{procedure.title}》已废止。", "success")
            return see_other(url_for("procedures.detail", code=procedure.code))
    status = 422 if form.errors else 200
    return render_template("procedures/withdraw.html", procedure=procedure, form=form), status


@bp.route("/changes/<int:id>")
def change_record(id: int):
    """The engine's link to a change request (by its record id) leads to its page."""
    revision = db.get_or_404(services.Revision, id)
    require(services.can_view_revision, revision)
    return see_other(
        url_for("procedures.change", code=revision.procedure.code, revision_id=revision.id)
    )


@bp.route("/<path:code>/changes/<int:revision_id>/submit", methods=["POST"])
@csrf_in_form
def submit(code: str, revision_id: int):
    procedure, revision = _change_or_404(code, revision_id)
    require(publishing.can_author, procedure)
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            publishing.submit_for_review(revision, current_user, form.change_note.data or "",
                                         form.significance.data or "", form.cosign.data or [])  # fmt: skip
        except publishing.DocumentError as exc:
            db.session.rollback()
            return _change_page(procedure, revision, form, {exc.field: exc.message}, 422)
        db.session.commit()
        flash("已提交审核。", "success")
        return see_other(url_for("procedures.change", code=procedure.code, revision_id=revision.id))
    return _change_page(procedure, revision, form, status=422)


@bp.app_template_global()
@pass_context
def procedure_url(context, code: str, **values) -> str:
    """A procedure's page: the live one, or its file in the static export."""
    export = context.get("static_export")
    if export:
        return export.page_url(code)
    return url_for("procedures.detail", code=code, **values)


@bp.app_template_global()
def can_manage_procedures() -> bool:
    """Templates show the administrator's buttons with the same predicate the views check."""
    return services.can_manage(current_user)


@bp.app_template_global()
def can_author_procedure(procedure) -> bool:
    """The editor's buttons (新建文件, 修订, 从导入稿编辑) with the predicate its views check."""
    return publishing.can_author(current_user, procedure)
