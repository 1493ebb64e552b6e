"""Designer pages (administrators; department heads for their department's forms): the list,
a new form type, the designer (settings, fields, steps, source, preview, publish), export and
import; and the pages of designed records: start one, the record, its step page, its PDF, the
register and its exports. Every form posts and redirects without JavaScript."""

from __future__ import annotations

import copy
from pathlib import Path

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.auth.permissions import require
from portal.core import registers
from portal.core.downloads import download, pdf_response
from portal.core.forms import change_rows, csrf_in_form
from portal.core.htmx import done
from portal.designer import definition as definitions
from portal.designer import fields, pages, services
from portal.designer.flow import editable
from portal.designer.forms import (
    FieldForm,
    ImportForm,
    NewTypeForm,
    SettingsForm,
    SourceForm,
    StepForm,
)
from portal.designer.models import DesignedRecord, FormType
from portal.designer.registers import register_of
from portal.designer.services import DesignError
from portal.extensions import db
from portal.workflow import access
from portal.workflow import services as workflow
from portal.workflow.engine import WorkflowError
from portal.workflow.path import approval_path

bp = Blueprint("designer", __name__, url_prefix="/designer")
DEFINITIONS = Path(__file__).resolve().parent / "definitions"
TEMPLATES = {"visitor": "visitor.yaml", "repair": "repair.yaml"}  # definitions/ shipped
TEMPLATE_NAMES = {"visitor": "来访登记", "repair": "报修单"}


@bp.url_defaults
def _keep_key(endpoint, values):
    """Links from a form type's pages (the register's exports and filters) keep its key."""
    args = request.view_args or {}
    if "key" in args and "key" not in values and endpoint.startswith("designer.register"):
        values["key"] = args["key"]


def _type(key: str) -> FormType:
    form_type = services.get_type_or_404(key)
    require(services.can_design, form_type)
    return form_type


# --- the list, a new type, import -------------------------------------------------------------


@bp.route("/")
def index():
    require(services.can_design)
    types = db.session.scalars(services.designable(current_user)).all()
    return render_template("designer/index.html", types=types, count=services.record_count)


@bp.route("/start")
def start():
    """发起申请: the designed forms this user may start, by the groups the designer set."""
    groups: dict[str, list] = {}
    for version in services.startable(current_user):
        groups.setdefault(version.definition.get("group") or "其他", []).append(version)
    return render_template("designer/start.html", groups=groups,
                           can_design=services.can_design(current_user))  # fmt: skip


def _sources() -> list:
    types = db.session.scalars(services.designable(current_user)).all()
    return [
        SelectChoice("", "空白表单"),
        *[SelectChoice(f"template:{k}", f"模板：{name}") for k, name in TEMPLATE_NAMES.items()],
        *[SelectChoice(f"copy:{t.key}", f"复制：{t.name}") for t in types],
    ]


def _base(source: str) -> dict | None:
    kind, _, name = source.partition(":")
    if kind == "template" and name in TEMPLATES:
        return definitions.load((DEFINITIONS / TEMPLATES[name]).read_text(encoding="utf-8"))
    if kind == "copy":
        other = _type(name)
        return other.current.definition if other.current else other.draft
    return None


@bp.route("/new", methods=["GET", "POST"])
@csrf_in_form
def create():
    require(services.can_design)
    form = NewTypeForm()
    form.source.choices = _sources()
    if form.validate_on_submit():
        try:
            base = _base(form.source.data)
            form_type = services.create_type(form.key.data.strip(), form.name.data.strip(),
                                             current_user, base)  # fmt: skip
        except DesignError as exc:
            db.session.rollback()
            form.key.errors = [*form.key.errors, *exc.errors]
        else:
            return done("已创建表单草稿。", url_for("designer.edit", key=form_type.key))
    status = 422 if form.errors or form.messages else 200
    return render_template("designer/create.html", form=form), status


@bp.route("/import", methods=["GET", "POST"])
@csrf_in_form
def import_file():
    require(services.can_design)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        text = upload.read(200_000).decode("utf-8", "replace") if upload else form.source.data
        try:
            form_type = services.import_definition(text or "", current_user)
        except DesignError as exc:
            db.session.rollback()
            form.source.errors = list(exc.errors)
        else:
            return done("已导入并发布。", url_for("designer.edit", key=form_type.key))
    status = 422 if form.errors or form.messages else 200
    return render_template("designer/import.html", form=form), status


# --- the designer --------------------------------------------------------------------------------


def _designer(form_type: FormType, status: int = 200, **forms):
    page = pages.designer_page(
        form_type, forms, request.args.get("field"), request.args.get("step")
    )
    return render_template("designer/edit.html", **page), status


@bp.route("/<key>/")
def edit(key: str):
    return _designer(_type(key))


@bp.route("/<key>/settings", methods=["POST"])
@csrf_in_form
def settings(key: str):
    form_type = _type(key)
    form = SettingsForm()
    if not form.validate():
        return _designer(form_type, 422, settings=form)
    services.save_draft(form_type, form.apply(form_type.draft), current_user)
    return done("设置已保存（草稿）。", url_for("designer.edit", key=key))


def _apply_field(draft: dict, spec: dict, original: str) -> dict:
    draft = copy.deepcopy(draft)
    sections = draft.setdefault("sections", [{"title": "基本信息", "fields": []}])
    for section in sections:
        for i, existing in enumerate(section["fields"]):
            if original and existing["key"] == original:
                section["fields"][i] = spec
                return draft
    sections[-1]["fields"].append(spec)
    return draft


@bp.route("/<key>/fields", methods=["POST"])
@csrf_in_form
def field_save(key: str):
    form_type = _type(key)
    form = FieldForm(prefix="f")
    if form.validate():
        spec = form.spec()
        draft = _apply_field(form_type.draft, spec, form.original.data or "")
        problems = [e for e in definitions.check(draft) if _about_field(e, spec)]
        if not problems:
            services.save_draft(form_type, draft, current_user)
            return done(f"已保存字段“{spec['label']}”（草稿）。", url_for("designer.edit", key=key))
        _place(form, problems, {"代码": "key", "公式": "expr", "选项": "options",
                                "上下限": "minimum", "最小值": "minimum", "列": "columns"})  # fmt: skip
    return _designer(form_type, 422, field=form)


@bp.route("/<key>/fields/preview", methods=["POST"])
def field_preview(key: str):
    """htmx, as the designer types: the field as an applicant will see it, or what is wrong
    with it (the partial the designer page swaps into #field-preview)."""
    _type(key)
    form = FieldForm(prefix="f")
    spec = form.spec() if form.validate() else None
    problems = [] if spec else [e for errors in form.errors.values() for e in errors]
    preview = None
    if spec:
        draft = {"sections": [{"title": "", "fields": [spec]}]}
        problems = definitions.check_fields(draft)
        if not problems:
            people, departments = services.choices()
            preview = fields.form_class(draft, people, departments)(formdata=None)
    return render_template("designer/_field_preview.html", preview=preview, spec=spec,
                           problems=problems, definition={"sections": [{"fields": [spec]}]}
                           if spec else {})  # fmt: skip


def _about_field(message: str, spec: dict) -> bool:
    return f"“{spec['label']}”" in message or f"“{spec['key']}”" in message


def _place(form, problems: list[str], where: dict[str, str]) -> None:
    for message in problems:
        name = next((f for word, f in where.items() if word in message), None)
        if name:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


def _move(items: list, key: str, verb: str) -> list:
    items = list(items)
    index = next((i for i, x in enumerate(items) if x["key"] == key), None)
    if index is None:
        abort(404)
    if verb == "delete":
        items.pop(index)
    elif verb == "up" and index > 0:
        items[index - 1], items[index] = items[index], items[index - 1]
    elif verb == "down" and index < len(items) - 1:
        items[index + 1], items[index] = items[index], items[index + 1]
    return items


@bp.route("/<key>/fields/<name>/<any(up, down, delete):verb>", methods=["POST"])
def field_move(key: str, name: str, verb: str):
    form_type = _type(key)
    draft = copy.deepcopy(form_type.draft)
    for section in draft.get("sections", []):
        if any(f["key"] == name for f in section["fields"]):
            section["fields"] = _move(section["fields"], name, verb)
            break
    else:
        abort(404)
    services.save_draft(form_type, draft, current_user)
    return done("字段已" + {"up": "上移", "down": "下移", "delete": "删除"}[verb] + "。",
                url_for("designer.edit", key=key))  # fmt: skip


@bp.route("/<key>/steps", methods=["POST"])
@csrf_in_form
def step_save(key: str):
    form_type = _type(key)
    form = StepForm(prefix="s")
    if form.validate():
        step = form.spec()
        draft = copy.deepcopy(form_type.draft)
        steps = draft.setdefault("steps", [])
        original = form.original.data or ""
        index = next((i for i, s in enumerate(steps) if original and s["key"] == original), None)
        if index is None:
            steps.append(step)
        else:
            steps[index] = step
        problems = [e for e in definitions.check(draft, **services.known_codes())
                    if e.startswith(f"步骤“{step['name']}”") or f"“{step['key']}”" in e
                    or e.startswith("分支")]  # fmt: skip
        if not problems:
            services.save_draft(form_type, draft, current_user)
            return done(f"已保存步骤“{step['name']}”（草稿）。", url_for("designer.edit", key=key))
        _place(form, problems, {"代码": "key", "条件": "when", "审批人": "target", "抄送": "cc_target",
                                "分支": "branch", "权限": "fields", "时限": "deadline_hours"})  # fmt: skip
    return _designer(form_type, 422, step=form)


@bp.route("/<key>/steps/<name>/<any(up, down, delete):verb>", methods=["POST"])
def step_move(key: str, name: str, verb: str):
    form_type = _type(key)
    draft = copy.deepcopy(form_type.draft)
    draft["steps"] = _move(draft.get("steps", []), name, verb)
    services.save_draft(form_type, draft, current_user)
    return done("步骤已" + {"up": "上移", "down": "下移", "delete": "删除"}[verb] + "。",
                url_for("designer.edit", key=key))  # fmt: skip


@bp.route("/<key>/source", methods=["POST"])
@csrf_in_form
def source(key: str):
    form_type = _type(key)
    form = SourceForm()
    if form.validate():
        try:
            services.save_draft(form_type, definitions.load(form.source.data), current_user)
        except (ValueError, DesignError) as exc:
            db.session.rollback()
            form.source.errors = list(getattr(exc, "errors", [str(exc)]))
        else:
            return done("定义已保存（草稿）。", url_for("designer.edit", key=key))
    return _designer(form_type, 422, source=form)


@bp.route("/<key>/publish", methods=["POST"])
def publish(key: str):
    form_type = _type(key)
    try:
        version = services.publish(form_type, current_user)
    except DesignError as exc:
        db.session.rollback()
        return _designer(form_type, 422, problems=exc.errors)
    return done(f"已发布第 {version.number} 版。", url_for("designer.edit", key=key))


@bp.route("/<key>/preview")
def preview(key: str):
    """The draft as an applicant would see it (the designer shows it at 375 px too)."""
    form_type = _type(key)
    people, departments = services.choices()
    try:
        form = fields.form_class(form_type.draft, people, departments)(formdata=None)
    except (KeyError, ValueError, TypeError, ArithmeticError):
        form = None  # the draft is checked when it is published; the page says so
    return render_template("designer/preview.html", form_type=form_type, form=form,
                           definition=form_type.draft)  # fmt: skip


@bp.route("/<key>/export.<any(yaml, json):fmt>")
def export(key: str, fmt: str):
    form_type = _type(key)
    text = services.export_definition(form_type, fmt)
    mimetype = "application/json" if fmt == "json" else "application/yaml"
    return download(text.encode("utf-8"), mimetype, f"form-{form_type.key}.{fmt}")


# --- designed records ------------------------------------------------------------------------------


def _startable(key: str):
    form_type = services.get_type_or_404(key)
    version = form_type.current
    if version is None:
        abort(404)
    require(lambda user: services.can_start(user, version.definition))
    return form_type, version


@bp.route("/<key>/apply", methods=["GET", "POST"])
@csrf_in_form
def new(key: str):
    _form_type, version = _startable(key)
    people, departments = services.choices()
    form = fields.form_class(version.definition, people, departments)()
    valid = not change_rows(form) and form.validate_on_submit()
    if valid and services.required_when_met(version, form):
        try:
            record = services.submit_record(version, form, current_user)
        except WorkflowError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            return done(f"已提交：{record.number}", url_for("designer.detail", id=record.id))
    status = 422 if form.errors or form.messages else 200
    return render_template("designer/new.html", form=form, version=version,
                           definition=version.definition,
                           clauses=pages.clauses(version.definition)), status  # fmt: skip


@bp.route("/r/<int:id>")
def detail(id: int):
    record = access.get_record_or_404(DesignedRecord, id)
    require(access.can_view_record, record)
    hidden = pages.hidden_for(record, current_user)
    return render_template(
        "designer/detail.html",
        record=record,
        version=record.version,
        sections=pages.sections(record.version, record.values, hidden),
        path=approval_path(record.instance),
        clauses=pages.clauses(record.version.definition),
        **workflow.record_context(record, current_user),
    )


def _open_step(record: DesignedRecord) -> dict | None:
    key = record.instance.step_key
    return next((s for s in record.version.definition["steps"] if s["key"] == key), None)


@bp.route("/r/<int:id>/step", methods=["GET", "POST"])
@csrf_in_form
def step(id: int):
    """The open step's page: the fields it may edit (e.g. 离开时间 by the front desk)."""
    record = access.get_record_or_404(DesignedRecord, id)
    spec = _open_step(record)
    if spec is None or not editable(spec):
        abort(404)
    require(lambda user: access.can_act(user, record.instance, spec["key"]))
    form, keys = pages.step_form(record, spec, fill=request.method == "GET")
    if not change_rows(form) and form.validate_on_submit():
        try:
            services.complete_step(record, spec, form, keys, current_user)
        except WorkflowError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            return done(f"{record.number}：已办理。", url_for("designer.detail", id=record.id))
    status = 422 if form.errors or form.messages else 200
    return render_template("designer/step.html", record=record, form=form, spec=spec,
                           definition=record.version.definition,
                           sections=pages.step_sections(record, spec, keys)), status  # fmt: skip


@bp.route("/r/<int:id>/pdf")
def pdf(id: int):
    record = access.get_record_or_404(DesignedRecord, id)
    require(access.can_view_record, record)
    return pdf_response(pages.record_pdf(record, current_user), f"{record.number}.pdf")


@bp.route("/<key>/register")
def register(key: str):
    form_type = services.get_type_or_404(key)
    return registers.render(register_of(form_type), request.args, "designer/register.html",
                            form_type=form_type,
                            export_endpoint="designer.register_export")  # fmt: skip


@bp.route("/<key>/register.<any(csv, xlsx, pdf):fmt>")
def register_export(key: str, fmt: str):
    form_type = services.get_type_or_404(key)
    return registers.export(register_of(form_type), fmt, request.args)
