"""The register of a designed form type: 编号, 申请人, 部门, 提交时间, the columns chosen in the
designer, 状态; every version's records, each cell read with its record's own version."""

from __future__ import annotations

from flask import url_for

from portal.core import registers
from portal.designer import fields, services
from portal.designer.models import DesignedRecord, FormType
from portal.workflow.models import STATUS_LABELS, Instance


def _cell(key: str):
    def value(record: DesignedRecord):
        specs = {s["key"]: s for s in fields.all_fields(record.version.definition)}
        spec = specs.get(key)
        return fields.display(spec, record.values.get(key)) if spec else ""

    return value


def register_of(form_type: FormType) -> registers.Register:
    definition = form_type.current.definition if form_type.current else form_type.draft
    specs = {s["key"]: s for s in fields.all_fields(definition)}
    chosen = [k for k in definition.get("register") or [] if k in specs]
    columns = (
        registers.Column("number", "编号", lambda r: r.number, Instance.number, 16),
        registers.Column("applicant", "申请人", lambda r: r.instance.applicant.display_name),
        registers.Column("department", "部门",
                         lambda r: r.instance.department.name if r.instance.department else ""),
        registers.Column("submitted", "提交时间", lambda r: r.instance.submitted_at,
                         Instance.submitted_at, 18),
        *[registers.Column(k, specs[k]["label"], _cell(k), None, 16) for k in chosen],
        registers.Column("status", "状态", lambda r: r.instance.status_label),
    )  # fmt: skip
    return registers.Register(
        key="designer",
        title=f"{form_type.name}登记表",
        columns=columns,
        base_query=lambda user: services.visible_records(user, form_type),
        date_column=Instance.submitted_at,
        department_column=Instance.department_id,
        status_column=Instance.status,
        status_choices=tuple((k, v) for k, v in STATUS_LABELS.items() if k != "draft"),
        text_columns=(Instance.number, Instance.title),
        search_hint="编号、标题…",
        tiebreak=Instance.id,  # one instance a record: date order as the instances' index has it
        row_url=lambda r: url_for("designer.detail", id=r.id),
    )
