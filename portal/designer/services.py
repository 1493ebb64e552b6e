"""Designed forms: loaders, who may design and start, the designer's writes (draft, publish,
copy, import), submitting a record through the engine, and the named queries of registers."""

from __future__ import annotations

import copy

from flask import abort, g, has_request_context
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from portal.auth.models import Department, Role, RoleCode, User
from portal.core import audit
from portal.designer import definition as definitions
from portal.designer import fields
from portal.designer.flow import STEP_PAGE, Published, current_versions
from portal.designer.models import DesignedRecord, FormType, FormVersion
from portal.extensions import db
from portal.workflow import access, engine
from portal.workflow.models import Instance


class DesignError(ValueError):
    """A definition the designer refuses; `errors` lists every problem."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


# --- loaders and predicates ------------------------------------------------------------------


def get_type_or_404(key: str) -> FormType:
    form_type = db.session.scalar(select(FormType).where(FormType.key == key))
    if form_type is None:
        abort(404)
    return form_type


def headed_department(user) -> Department | None:
    return db.session.scalar(
        select(Department).where(Department.head_id == user.id).order_by(Department.id)
    )


def can_design(user, form_type: FormType | None = None) -> bool:
    """System administrators design every form; a department head designs the forms of the
    department they head (`form_type` None: may they design at all)."""
    if not user.is_authenticated:
        return False
    if user.has_role(RoleCode.SYSADMIN):
        return True
    headed = headed_department(user)
    if headed is None:
        return False
    return form_type is None or form_type.owner_department_id == headed.id


def designable(user) -> Select:
    """The form types `user` designs, oldest first."""
    query = select(FormType).order_by(FormType.id)
    if user.has_role(RoleCode.SYSADMIN):
        return query
    headed = headed_department(user)
    return query.where(FormType.owner_department_id == (headed.id if headed else -1))


def can_start(user, definition: dict) -> bool:
    """Everyone, unless the definition names departments or roles that may start it."""
    if not user.is_authenticated:
        return False
    starters = definition.get("starters") or {}
    departments, roles = starters.get("departments") or [], starters.get("roles") or []
    if not departments and not roles:
        return True
    department = user.department
    return bool(
        (department is not None and department.code in departments)
        or (roles and user.has_role(*roles))
    )


def startable(user) -> list[Published]:
    """The current version of every designed form `user` may start (发起申请)."""
    return [v for v in current_versions() if can_start(user, v.definition)]


def procedure_forms(code: str) -> list[tuple[str, str]]:
    """(name, url) of the designed forms governed by procedure `code`: the name the procedure
    gives the form (`procedure_form_name`, else the form's own) links to its page."""
    from flask import url_for

    found = []
    for current in current_versions():
        definition = current.definition
        if definition.get("procedure") == code:
            name = definition.get("procedure_form_name") or definition["name"]
            found.append((name, url_for("designer.new", key=current.type_key)))
    return found


def known_codes() -> dict:
    return {
        "roles": set(db.session.scalars(select(Role.code))),
        "departments": set(db.session.scalars(select(Department.code))),
        "users": set(db.session.scalars(select(User.username))),
    }


def choices() -> tuple[list, list]:
    """(id, name) of active users and of departments, for person and department fields; read
    once per request."""
    cached = g.get("_designer_choices") if has_request_context() else None
    if cached is None:
        people = db.session.execute(select(User.id, User.display_name)
                                    .where(User.active.is_(True)).order_by(User.id)).all()  # fmt: skip
        departments = db.session.execute(select(Department.id, Department.name)
                                         .order_by(Department.id)).all()  # fmt: skip
        cached = ([tuple(p) for p in people], [tuple(d) for d in departments])
        if has_request_context():
            g._designer_choices = cached
    return cached


# --- the designer ------------------------------------------------------------------------------


def create_type(key: str, name: str, user, base: dict | None = None) -> FormType:
    """A new form type from scratch (`base` None), a template or a copy of another's
    definition; nothing is published yet."""
    draft = copy.deepcopy(base) if base else definitions.blank()
    structure = definitions.shape(draft)
    if structure:
        raise DesignError(structure)
    draft.update(key=key, name=name)
    if db.session.scalar(select(FormType.id).where(FormType.key == key)):
        raise DesignError([f"表单代码“{key}”已被使用。"])
    problems = [e for e in definitions.check({**draft, "steps": draft.get("steps") or [{}]})
                if e.startswith(("表单代码", "请填写表单名称"))]  # fmt: skip
    if problems:
        raise DesignError(problems)
    headed = None if user.has_role(RoleCode.SYSADMIN) else headed_department(user)
    form_type = FormType(key=key, name=name, draft=draft, created_by=user,
                         owner_department_id=headed.id if headed else None)  # fmt: skip
    db.session.add(form_type)
    db.session.flush()
    audit.record("designer", form_type.id, "create", user, comment=name)
    return form_type


def save_draft(form_type: FormType, draft: dict, user) -> None:
    """Store the designer's working copy (any state: it is checked when published)."""
    structure = definitions.shape(draft)
    if structure:
        raise DesignError(structure)
    if draft.get("key") != form_type.key:
        raise DesignError(["表单代码创建后不能修改。"])
    form_type.draft = copy.deepcopy(draft)
    form_type.name = str(draft.get("name") or form_type.name)[:60]
    db.session.flush()


def publish(form_type: FormType, user) -> FormVersion:
    """Publish the draft as the next version; records keep the version they were submitted
    under. Refused with every problem of the draft."""
    errors = definitions.check(form_type.draft, **known_codes())
    if errors:
        raise DesignError(errors)
    current = form_type.current
    if current is not None and current.definition == form_type.draft:
        raise DesignError(["草稿与当前版本相同，无需发布。"])
    version = FormVersion(
        form_type=form_type,
        number=(current.number if current else 0) + 1,
        definition=copy.deepcopy(form_type.draft),
        published_by=user,
    )
    db.session.add(version)
    db.session.flush()
    audit.record("designer", form_type.id, "publish", user, comment=f"第 {version.number} 版")
    return version


def import_definition(text: str, user, publish_now: bool = True) -> FormType:
    """Create or update a form type from a YAML or JSON file; publish it when asked."""
    try:
        data = definitions.load(text)
    except ValueError as exc:
        raise DesignError([str(exc)]) from exc
    key = str(data.get("key", ""))
    form_type = db.session.scalar(select(FormType).where(FormType.key == key))
    if form_type is None:
        form_type = create_type(key, str(data.get("name", "")), user, data)
    elif not can_design(user, form_type):
        raise DesignError([f"您不能修改表单“{form_type.name}”。"])
    else:
        save_draft(form_type, data, user)
    if publish_now:
        current = form_type.current
        if current is None or current.definition != form_type.draft:
            publish(form_type, user)
    return form_type


def export_definition(form_type: FormType, fmt: str = "yaml") -> str:
    current = form_type.current
    return definitions.dump(current.definition if current else form_type.draft, fmt)


# --- records -------------------------------------------------------------------------------------


def record_values(version: FormVersion, form, only: set[str] | None = None) -> dict:
    people, departments = choices()
    values = {}
    for spec in fields.all_fields(version.definition):
        if only is None or spec["key"] in only:
            values[spec["key"]] = fields.stored_value(spec, form[spec["key"]], people, departments)
    return values


def required_when_met(version: FormVersion, form) -> bool:
    """Fields required only in some cases (`required_when`, an expression over the values):
    put the message beside each one missing; True when none is."""
    from portal.designer import expr

    definition = version.definition
    values = fields.compute(definition, record_values(version, form))
    names = fields.env(definition, values)
    ok = True
    for spec in fields.all_fields(definition):
        rule = spec.get("required_when")
        if not rule or form[spec["key"]].errors:
            continue
        if not expr.evaluate(expr.parse(rule), names):
            continue
        if spec["kind"] == "attachment":
            present = bool(getattr(form[spec["key"]], "checked", []))
        else:
            present = values.get(spec["key"]) not in (None, "", [])
        if not present:
            verb = "上传" if spec["kind"] == "attachment" else "填写"
            form[spec["key"]].errors = [f"请{verb}{spec['label']}（本单此项必填）。"]
            ok = False
    return ok


def _store_files(version: FormVersion, form, record: DesignedRecord, user, only=None) -> None:
    from portal.files import services as files

    for spec in fields.all_fields(version.definition):
        if spec["kind"] == "attachment" and (only is None or spec["key"] in only):
            stored = files.store_all(getattr(form[spec["key"]], "checked", []),
                                     record.instance_id, user, purpose=spec["key"])  # fmt: skip
            record.values = {**record.values, spec["key"]: [a.id for a in stored]}


def submit_record(version: FormVersion, form, user) -> DesignedRecord:
    """Store the validated values under `version` and submit through the engine."""
    return submit_values(version, record_values(version, form), user, form)


def submit_values(version: FormVersion, values: dict, user, form=None) -> DesignedRecord:
    """Submit stored-form values (already valid: from a form, or demo data) under `version`."""
    values = fields.compute(version.definition, values)
    record = DesignedRecord(version=version, form_type_id=version.form_type_id, values=values)
    db.session.add(record)
    db.session.flush()
    record.instance = engine.start(version.flow_key, record, user)
    if form is not None:
        _store_files(version, form, record, user)
    engine.transition(record.instance, "submit", user)
    return record


def save_step_values(record: DesignedRecord, form, keys: set[str], user) -> None:
    """What a step's editable fields recorded (the step page; the lock is already held)."""
    version = record.version
    values = {**record.values, **record_values(version, form, keys)}
    record.values = fields.compute(version.definition, values)
    _store_files(version, form, record, user, keys)
    engine.refresh_title(record.instance, record)
    db.session.flush()


def complete_step(record: DesignedRecord, spec: dict, form, keys: set[str], user) -> None:
    """The step page's submit: under the instance's lock, while `user` still acts on the open
    step, record its fields and complete (a task) or approve it."""
    engine.lock(record.instance)
    if not access.can_act(user, record.instance, spec["key"]):
        raise engine.WorkflowError("该步骤已由他人处理或已变更，请返回记录页查看。")
    save_step_values(record, form, keys, user)
    action = "complete" if spec.get("kind") == "task" else "approve"
    engine.transition(record.instance, action, user, page=STEP_PAGE)


def version_keys(form_type: FormType) -> list[str]:
    return [v.flow_key for v in form_type.versions]


def visible_records(user, form_type: FormType) -> Select:
    """The submitted records of every version of `form_type` that `user` may read: the kit's
    one rule, per version's flow."""
    query = (
        select(DesignedRecord)
        .join(Instance, DesignedRecord.instance_id == Instance.id)
        .where(DesignedRecord.form_type_id == form_type.id, Instance.submitted_at.is_not(None))
        .options(
            contains_eager(DesignedRecord.instance).selectinload(Instance.applicant),
            contains_eager(DesignedRecord.instance).selectinload(Instance.department),
            selectinload(DesignedRecord.version),
        )
    )
    conditions = [
        (Instance.form_type == key) if (c := access.visible_to(user, key)) is None
        else (Instance.form_type == key) & c
        for key in version_keys(form_type)
    ]  # fmt: skip
    return query.where(or_(*conditions)) if conditions else query.where(False)


def record_count(form_type: FormType) -> int:
    return db.session.scalar(
        select(func.count(DesignedRecord.id)).where(DesignedRecord.form_type_id == form_type.id)
    )
