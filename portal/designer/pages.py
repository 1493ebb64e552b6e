"""What a designed record's page and PDF show, always from the record's own version: the
sections and values (hiding what the viewer's step hides), the PDF layout chosen in the
designer (two-column table like the paper form, line items as tables, signature lines)."""

from __future__ import annotations

from portal.designer import definition as definitions
from portal.designer import fields, services
from portal.designer.flow import editable
from portal.designer.forms import FieldForm, SettingsForm, SourceForm, StepForm
from portal.designer.models import DesignedRecord, FormType, FormVersion
from portal.workflow import access, records
from portal.workflow.pages import citations


def clauses(definition: dict) -> list[dict]:
    """The governing clause (or the procedure, while the library does not hold the clause)."""
    procedure = definition.get("procedure")
    if not procedure:
        return []
    anchors = [definition["clause"]] if definition.get("clause") else []
    return citations(procedure, anchors, definition.get("procedure_title") or procedure)


def hidden_for(record: DesignedRecord, user) -> set[str]:
    """Fields the open step hides from whoever acts on it (not from the applicant or readers
    of every record)."""
    instance = record.instance
    if instance is None or instance.step_key is None or user.id == instance.applicant_id:
        return set()
    if not access.can_act(user, instance, instance.step_key):
        return set()
    for step in record.version.definition.get("steps", []):
        if step["key"] == instance.step_key:
            return {k for k, mode in (step.get("fields") or {}).items() if mode == "hidden"}
    return set()


def sections(version: FormVersion, values: dict, hidden: set[str] = frozenset()) -> list[dict]:
    """[{title, rows: [{spec, label, text, rows?}]}] for the record page."""
    shown = []
    for section in version.definition.get("sections", []):
        rows = []
        for spec in section.get("fields", []):
            if spec["key"] in hidden:
                continue
            value = values.get(spec["key"])
            row = {"spec": spec, "label": spec["label"], "text": fields.display(spec, value)}
            if spec["kind"] == "items":
                subs = spec.get("fields", [])
                row["columns"] = [s["label"] for s in subs]
                row["rows"] = [[fields.display(s, r.get(s["key"])) for s in subs]
                               for r in value or []]  # fmt: skip
            rows.append(row)
        shown.append({"title": section.get("title", ""), "rows": rows})
    return shown


def _printed_fields(version: FormVersion, hidden: set[str]) -> list[dict]:
    definition = version.definition
    specs = {s["key"]: s for s in fields.all_fields(definition)}
    keys = (definition.get("pdf") or {}).get("fields") or list(specs)
    return [
        specs[k]
        for k in keys
        if k in specs and k not in hidden and specs[k]["kind"] != "attachment"
    ]


def record_pdf(record: DesignedRecord, user=None) -> bytes:
    """The record's PDF through the common record template (CJK font, trail, hash, QR),
    without the fields the open step hides from `user` (as the record page does)."""
    version, instance = record.version, record.instance
    hidden = hidden_for(record, user) if user is not None else set()
    cells = [
        {"label": "申请人", "value": instance.applicant.display_name},
        {"label": "部门", "value": instance.department.name if instance.department else ""},
    ]
    tables = []
    for spec in _printed_fields(version, hidden):
        value = record.values.get(spec["key"])
        if spec["kind"] == "items":
            subs = spec.get("fields", [])
            rows = [[fields.display(s, r.get(s["key"])) for s in subs] for r in value or []]
            tables.append({"title": spec["label"], "columns": [s["label"] for s in subs],
                           "rows": rows})  # fmt: skip
        elif spec["kind"] in ("textarea", "note"):
            cells.append({"label": spec["label"], "value": fields.display(spec, value), "span": 2})
        else:
            cells.append({"label": spec["label"], "value": fields.display(spec, value)})
    rows, pending = [], []
    for cell in cells:  # two columns; a wide cell takes a row of its own
        if cell.get("span"):
            if pending:
                rows.append(pending)
                pending = []
            rows.append([cell])
        else:
            pending.append(cell)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
    if pending:
        rows.append(pending)
    signatures = (version.definition.get("pdf") or {}).get("signatures") or ["申请人签字"]
    title = f"{version.definition['name']}（第 {version.number} 版）"
    return records.record_pdf(instance, "pdf/base_record.html", title, rows, sections=tables,
                              signatures=list(signatures))  # fmt: skip


def flow_preview(definition: dict) -> list[dict]:
    """The draft's steps as the record page's approval path draws them (workflow/_path.html's
    node shape): who acts, 或签/会签, and when a step applies."""
    from portal.designer.definition import ASSIGNEES
    from portal.designer.flow import assignee

    nodes = []
    for step in definition.get("steps") or []:
        rule = step.get("assignee") or {}
        try:
            built = assignee(rule)
            people = [u.display_name for u in built.resolve(None)] if rule.get("kind") in (
                "role", "department_head", "user") else [built.describe()]  # fmt: skip
        except (KeyError, AttributeError, TypeError):
            people = [ASSIGNEES.get(rule.get("kind"), "未设置")]
        if step.get("branch"):
            why = f"分支“{step['branch']}”：{step.get('when') or '其余情况（默认）'}"
        else:
            why = f"条件：{step['when']}" if step.get("when") else ""
        many = len(people) > 1
        nodes.append({
            "key": step.get("key", ""), "name": step.get("name", ""), "state": "future",
            "label": "办理" if step.get("kind") == "task" else "审批",
            "mode": ("全部" if step.get("mode") == "all" else "任一人") if many else "",
            "why": why, "people": people or ["（找不到审批人，将转系统管理员）"],
        })  # fmt: skip
    return nodes


def designer_page(form_type: FormType, given: dict, field_key: str | None, step_key: str | None):
    """The designer's context: the forms the request posted (`given`, with their errors) and the
    others filled from the draft, the field or step being edited when the URL names one."""
    draft = form_type.draft
    settings = given.get("settings") or SettingsForm(formdata=None)
    if "settings" not in given:
        settings.fill(draft)
    source = given.get("source") or SourceForm(formdata=None)
    if "source" not in given:
        source.source.data = definitions.dump(draft)
    field_form = given.get("field") or FieldForm(formdata=None, prefix="f")
    step_form = given.get("step") or StepForm(formdata=None, prefix="s")
    for spec in fields.all_fields(draft):
        if spec["key"] == field_key and "field" not in given:
            field_form.fill(spec)
    for step in draft.get("steps", []):
        if step["key"] == step_key and "step" not in given:
            step_form.fill(step)
    return {
        "form_type": form_type,
        "draft": draft,
        "settings": settings,
        "source": source,
        "field_form": field_form,
        "step_form": step_form,
        "problems": given.get("problems") or [],
        "flow_nodes": flow_preview(draft),
        "kinds": fields.KINDS,
        "assignees": definitions.ASSIGNEES,
    }


def step_form(record: DesignedRecord, spec: dict, fill: bool):
    """The open step's form and the keys of the fields it edits; filled from the record when
    `fill` (the GET), else from the request."""
    keys = set(editable(spec))
    people, departments = services.choices()
    cls = fields.form_class(record.version.definition, people, departments, only=keys)
    specs = {s["key"]: s for s in fields.all_fields(record.version.definition)}
    data = {k: fields.form_data(specs[k], record.values.get(k)) for k in keys}
    return (cls(data=data) if fill else cls()), keys


def step_sections(record: DesignedRecord, spec: dict, keys: set[str]) -> list[dict]:
    """The step page's read-only context: the record's sections without the fields the step
    edits or hides."""
    hidden = {k for k, mode in (spec.get("fields") or {}).items() if mode == "hidden"}
    return sections(record.version, record.values, hidden | keys)
