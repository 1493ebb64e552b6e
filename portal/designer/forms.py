"""The designer's own forms: a new form type, one field, one step, the settings, the source
(the whole definition as YAML), an imported file; each turns into definition data."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import PortalForm, line
from portal.designer.definition import ASSIGNEES
from portal.designer.fields import KINDS


def _s(field) -> str:
    """A text field's value stripped ("" when it was not posted)."""
    return (field.data or "").strip()


def _choices(mapping: dict) -> list:
    return [SelectChoice(k, v) for k, v in mapping.items()]


class NewTypeForm(PortalForm):
    key = line("表单代码", "请填写表单代码。", max_len=16, description="小写字母开头，如 visitor")
    name = line("表单名称", "请填写表单名称。", max_len=60)
    source = SelectField("从何处开始", choices=[SelectChoice("", "空白表单")], validate_choice=True)


class FieldForm(PortalForm):
    original = StringField()  # the key of the field being edited ("" for a new one)
    key = line("字段代码", "请填写字段代码。", max_len=30, description="小写字母开头，如 amount")
    label = line("字段名称", "请填写字段名称。", max_len=40)
    kind = SelectField("类型", choices=_choices(KINDS))
    required = BooleanField("必填")
    help = line("填写说明", max_len=200)
    options = TextAreaField("选项（每行一个）", [Length(max=2000)])
    minimum = line("最小值", max_len=20)
    maximum = line("最大值", max_len=20)
    unit = line("单位", max_len=10)
    places = line("小数位数", max_len=1)
    max_length = line("最多字数", max_len=5)
    expr = line("公式（计算字段）", max_len=500, description="如 price * qty，只能引用前面的字段")
    text = TextAreaField("说明文字", [Length(max=2000)])
    columns = TextAreaField(
        "明细的列（每行：代码 名称 类型 [必填]）", [Length(max=2000)],
        description="类型可用 text、number、money、date、choice",
    )  # fmt: skip

    def spec(self) -> dict:
        """The definition field this form describes."""
        spec = {"key": _s(self.key), "label": _s(self.label),
                "kind": self.kind.data}  # fmt: skip
        if self.required.data:
            spec["required"] = True
        if _s(self.help):
            spec["help"] = _s(self.help)
        lines = [x.strip() for x in (self.options.data or "").splitlines() if x.strip()]
        if spec["kind"] in ("choice", "multichoice"):
            spec["options"] = lines
        for name, key in (("minimum", "min"), ("maximum", "max")):
            raw = _s(getattr(self, name))
            if raw:
                spec[key] = _number(raw)
        if _s(self.unit):
            spec["unit"] = _s(self.unit)
        if _s(self.places).isdigit():
            spec["places"] = int(_s(self.places))
        if _s(self.max_length).isdigit():
            spec["max_length"] = int(_s(self.max_length))
        if spec["kind"] == "computed":
            spec["expr"] = _s(self.expr)
        if spec["kind"] == "note":
            spec["text"] = (self.text.data or "").strip()
        if spec["kind"] == "items":
            spec["fields"] = [
                _column(x) for x in (self.columns.data or "").splitlines() if x.strip()
            ]
        return spec

    def fill(self, spec: dict) -> None:
        self.original.data = spec["key"]
        self.key.data, self.label.data, self.kind.data = spec["key"], spec["label"], spec["kind"]
        self.required.data = bool(spec.get("required"))
        self.help.data = spec.get("help", "")
        self.options.data = "\n".join(spec.get("options", []))
        self.minimum.data = str(spec.get("min", "") if spec.get("min") is not None else "")
        self.maximum.data = str(spec.get("max", "") if spec.get("max") is not None else "")
        self.unit.data = spec.get("unit", "")
        self.places.data = str(spec.get("places", ""))
        self.max_length.data = str(spec.get("max_length", ""))
        self.expr.data, self.text.data = spec.get("expr", ""), spec.get("text", "")
        self.columns.data = "\n".join(
            f"{c['key']} {c['label']} {c['kind']}{' 必填' if c.get('required') else ''}"
            for c in spec.get("fields", [])
        )


def _number(raw: str):
    try:
        value = Decimal(raw)
    except ArithmeticError:
        return raw  # the definition check says it is not a number
    return int(value) if value == value.to_integral_value() else str(value)


def _column(line_text: str) -> dict:
    parts = line_text.split()
    column = {"key": parts[0], "label": parts[1] if len(parts) > 1 else "",
              "kind": parts[2] if len(parts) > 2 else "text"}  # fmt: skip
    if "必填" in parts[3:]:
        column["required"] = True
    return column


# Which key of an assignee rule holds what the 代码 box names, by the rule's kind.
SLOT = {"role": "role", "department_head": "department", "user": "username"}


class StepForm(PortalForm):
    original = StringField()
    key = line("步骤代码", "请填写步骤代码。", max_len=30)
    name = line("步骤名称", "请填写步骤名称。", max_len=40)
    assignee = SelectField("审批人", choices=_choices(ASSIGNEES))
    target = line("角色代码 / 部门代码 / 用户名", max_len=40,
                  description="审批人为角色、指定部门负责人或指定人员时填写")  # fmt: skip
    mode = SelectField("多人审批", choices=[SelectChoice("any", "或签（一人同意即可）"),
                                           SelectChoice("all", "会签（全部同意）")])  # fmt: skip
    kind = SelectField("步骤类型", choices=[SelectChoice("approval", "审批（同意/退回）"),
                                           SelectChoice("task", "办理（完成）")])  # fmt: skip
    when = line("条件", max_len=500, description="如 amount > 5000；空：总是经过")
    branch = line("条件分支组", max_len=20,
                  description="同组步骤按顺序取第一个条件成立的；组内无条件的为默认分支")  # fmt: skip
    cc = SelectField("抄送", choices=[SelectChoice("", "不抄送"), *_choices(ASSIGNEES)], default="")
    cc_target = line("抄送：角色代码 / 部门代码 / 用户名", max_len=40,
                     description="抄送角色、指定部门负责人或指定人员时填写")  # fmt: skip
    deadline_hours = line("时限（工作小时）", max_len=4)
    fields = TextAreaField("字段权限（每行：字段代码 hidden/read/edit）", [Length(max=2000)])

    def spec(self) -> dict:
        step = {"key": _s(self.key), "name": _s(self.name),
                "assignee": {"kind": self.assignee.data}}  # fmt: skip
        if self.assignee.data in SLOT:
            step["assignee"][SLOT[self.assignee.data]] = _s(self.target)
        if self.mode.data == "all":
            step["mode"] = "all"
        if self.kind.data == "task":
            step["kind"] = "task"
        for name in ("when", "branch"):
            if _s(getattr(self, name)):
                step[name] = _s(getattr(self, name))
        if self.cc.data:
            step["cc"] = {"kind": self.cc.data}
            if self.cc.data in SLOT:
                step["cc"][SLOT[self.cc.data]] = _s(self.cc_target)
        hours = _s(self.deadline_hours)
        if hours:
            step["deadline_hours"] = int(hours) if hours.isdigit() else hours
        perms = {}
        for row in (self.fields.data or "").splitlines():
            parts = row.split()
            if len(parts) == 2:
                perms[parts[0]] = parts[1]
        if perms:
            step["fields"] = perms
        return step

    def fill(self, step: dict) -> None:
        self.original.data = step["key"]
        self.key.data, self.name.data = step["key"], step["name"]
        rule = step.get("assignee") or {}
        self.assignee.data = rule.get("kind", "applicant_head")
        self.target.data = rule.get("role") or rule.get("department") or rule.get("username") or ""
        self.mode.data, self.kind.data = step.get("mode", "any"), step.get("kind", "approval")
        self.when.data, self.branch.data = step.get("when", ""), step.get("branch", "")
        cc = step.get("cc") or {}
        self.cc.data = cc.get("kind", "")
        self.cc_target.data = cc.get("role") or cc.get("department") or cc.get("username") or ""
        self.deadline_hours.data = str(step.get("deadline_hours", "") or "")
        self.fields.data = "\n".join(f"{k} {v}" for k, v in (step.get("fields") or {}).items())


class SettingsForm(PortalForm):
    name = line("表单名称", "请填写表单名称。", max_len=60)
    group = line("发起申请中的分组", max_len=20)
    description = line("简介", max_len=120)
    prefix = line("编号前缀", "请填写编号前缀。", max_len=6, description="如 LF：LF-202612-0001")
    period = SelectField("编号周期", choices=[SelectChoice("month", "按月"),
                                             SelectChoice("year", "按年"),
                                             SelectChoice("none", "不分期")])  # fmt: skip
    procedure = line("依据程序代码", max_len=40, description="如 QP-ADM-05")
    clause = line("依据条款锚点", max_len=60)
    starter_departments = line("可发起的部门代码（空格分隔；空：所有人）", max_len=200)
    starter_roles = line("可发起的角色代码（空格分隔）", max_len=200)
    title = line("标题字段代码", max_len=30)
    register = line("登记表列（字段代码，空格分隔）", max_len=400)
    pdf_fields = line("PDF 打印字段（按顺序，空格分隔；空：全部）", max_len=400)
    signatures = line("PDF 签字栏（空格分隔）", max_len=200)
    approve_once = BooleanField("同一人连续两步审批时只需审批一次")

    def apply(self, draft: dict) -> dict:
        words = lambda f: (f.data or "").split()  # noqa: E731
        draft = dict(draft)
        draft.update(name=_s(self.name), group=_s(self.group) or "其他",
                     description=_s(self.description),
                     numbering={"prefix": _s(self.prefix), "period": self.period.data},
                     procedure=_s(self.procedure), clause=_s(self.clause),
                     starters={"departments": words(self.starter_departments),
                               "roles": words(self.starter_roles)},
                     register=words(self.register),
                     pdf={"fields": words(self.pdf_fields), "signatures": words(self.signatures)})  # fmt: skip
        draft["approve_once"] = bool(self.approve_once.data)
        draft["title"] = _s(self.title) or None
        if draft["title"] is None:
            draft.pop("title")
        return draft

    def fill(self, draft: dict) -> None:
        self.name.data, self.group.data = draft.get("name", ""), draft.get("group", "")
        self.description.data = draft.get("description", "")
        numbering = draft.get("numbering") or {}
        self.prefix.data, self.period.data = (
            numbering.get("prefix", ""),
            numbering.get("period", "month"),
        )
        self.procedure.data, self.clause.data = draft.get("procedure", ""), draft.get("clause", "")
        starters = draft.get("starters") or {}
        self.starter_departments.data = " ".join(starters.get("departments") or [])
        self.starter_roles.data = " ".join(starters.get("roles") or [])
        self.title.data = draft.get("title") or ""
        self.register.data = " ".join(draft.get("register") or [])
        pdf = draft.get("pdf") or {}
        self.pdf_fields.data = " ".join(pdf.get("fields") or [])
        self.signatures.data = " ".join(pdf.get("signatures") or [])
        self.approve_once.data = bool(draft.get("approve_once"))


class SourceForm(PortalForm):
    source = TextAreaField("表单定义（YAML）", [DataRequired("请填写表单定义。"),
                                               Length(max=100_000, message="定义太长。")])  # fmt: skip


class ImportForm(PortalForm):
    file = FileField("表单定义文件（YAML 或 JSON）", [Optional()])
    source = TextAreaField("或粘贴定义", [Length(max=100_000, message="定义太长。")])
