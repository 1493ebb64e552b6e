"""A form definition (the JSON a version stores): what it holds, how it is checked before it is
published, and how it travels as a YAML or JSON file.

    key, name, group, description, procedure, clause   the form and its governing clause
    numbering: {prefix, period}                         e.g. LF-202612-0001
    starters: {departments: [code], roles: [code]}      empty: everyone may start it
    title: field key                                    the record's title in lists
    sections: [{title, fields: [{key, label, kind, required, help, ...bounds}]}]
    steps: [{key, name, assignee: {kind, ...}, mode, kind, when, branch, cc, deadline_hours,
             business, fields: {field key: hidden | read | edit}, clause}]
    register: [field keys]                              columns after 编号/申请人/日期
    pdf: {fields: [field keys], signatures: [labels]}   two-column table like the paper form
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import yaml

from portal.designer import expr
from portal.designer.fields import KINDS, NO_INPUT, ROW_KINDS, all_fields

KEY = re.compile(r"[a-z][a-z0-9_]{0,29}")
TYPE_KEY = re.compile(r"[a-z][a-z0-9_]{1,15}")
PREFIX = re.compile(r"[A-Z]{1,6}")
RESERVED = {"new", "import", "start"}
# Whole-number settings of a field, with their bounds.
WHOLE = {
    "min_length": (0, 4000), "max_length": (1, 4000), "places": (0, 6), "max_days": (1, 3660),
    "max_files": (1, 20), "min_rows": (0, 200), "max_rows": (1, 200), "least": (0, 100),
    "most": (1, 100), "earliest_days": (-3660, 3660), "latest_days": (-3660, 3660),
}  # fmt: skip
WHOLE_LABELS = {
    "min_length": "最少字数", "max_length": "最多字数", "places": "小数位数",
    "max_days": "最长天数", "max_files": "最多文件数", "min_rows": "最少行数", "max_rows": "最多行数",
    "least": "最少选择", "most": "最多选择", "earliest_days": "最早（天）", "latest_days": "最晚（天）",
}  # fmt: skip  # the designer's own URLs (/designer/new)
ASSIGNEES = {
    "applicant_head": "申请人部门负责人",
    "department_head": "指定部门负责人",
    "role": "角色",
    "user": "指定人员",
    "applicant": "申请人",
}
ACCESS = ("hidden", "read", "edit")


def blank(key: str = "", name: str = "") -> dict:
    """A new form type: one section, no field, one approval by the applicant's head."""
    return {
        "key": key,
        "name": name,
        "group": "其他",
        "numbering": {"prefix": "BD", "period": "month"},
        "sections": [{"title": "基本信息", "fields": []}],
        "steps": [
            {"key": "head", "name": "部门负责人审批", "assignee": {"kind": "applicant_head"}}
        ],
        "register": [],
        "pdf": {"fields": [], "signatures": ["申请人签字", "审批人签字"]},
    }


def _is(value, kind) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def shape(definition) -> list[str]:
    """Whether the definition has the structure the designer and pages rely on (lists of
    mappings with text keys); checked before anything else, also for a draft."""
    if not isinstance(definition, dict):
        return ["定义应为一个映射（键: 值）。"]
    errors = []
    scalars = (str, int, float, type(None))
    for name in ("key", "name", "group", "description", "procedure", "clause", "title"):
        if not isinstance(definition.get(name, ""), scalars):
            errors.append(f"“{name}”应为文字。")
    sections = definition.get("sections", [])
    if not _is(sections, list) or not all(_is(x, dict) for x in sections):
        return [*errors, "“sections”应为分组的列表。"]
    for section in sections:
        items = section.get("fields", [])
        if not _is(items, list) or not all(_is(f, dict) for f in items):
            errors.append("每个分组的“fields”应为字段的列表。")
            continue
        for spec in items:
            errors += _shape_field(spec)
            for sub in spec.get("fields") or [] if spec.get("kind") == "items" else []:
                errors += _shape_field(sub) if _is(sub, dict) else ["明细的列应为字段。"]
    steps = definition.get("steps", [])
    if not _is(steps, list) or not all(_is(x, dict) for x in steps):
        return [*errors, "“steps”应为步骤的列表。"]
    for step in steps:
        for name in ("key", "name", "when", "branch", "kind", "mode", "clause"):
            if not isinstance(step.get(name, ""), scalars):
                errors.append(f"步骤的“{name}”应为文字。")
        for name in ("assignee", "cc"):
            if step.get(name) is not None and not _is(step[name], dict):
                errors.append(f"步骤的“{name}”应为映射。")
        if step.get("fields") is not None and not _is(step["fields"], dict):
            errors.append("步骤的“fields”应为 字段: 权限 的映射。")
    for name in ("numbering", "starters", "pdf"):
        if definition.get(name) is not None and not _is(definition[name], dict):
            errors.append(f"“{name}”应为映射。")
    lists = [definition.get("register") or [], *(
        (definition.get(n) or {}).get(k) or [] for n, k in
        (("starters", "departments"), ("starters", "roles"), ("pdf", "fields"), ("pdf", "signatures"))
        if _is(definition.get(n) or {}, dict)
    )]  # fmt: skip
    if not all(_is(x, list) and all(_is(v, str) for v in x) for x in lists):
        errors.append("登记表列、发起人、PDF 字段和签字栏应为文字的列表。")
    return errors


def _shape_field(spec: dict) -> list[str]:
    errors = []
    for name in ("key", "label", "kind", "help", "text", "expr", "unit", "required_when"):
        if not isinstance(spec.get(name, ""), str | int | float | type(None)):
            errors.append(f"字段的“{name}”应为文字。")
    options = spec.get("options", [])
    if not _is(options, list) or not all(_is(o, str) for o in options):
        errors.append(f"字段“{spec.get('key', '')}”的选项应为文字的列表。")
    if spec.get("fields") is not None and not _is(spec["fields"], list):
        errors.append(f"字段“{spec.get('key', '')}”的列应为列表。")
    return errors


def check(definition: dict, *, roles=None, departments=None, users=None) -> list[str]:
    """What is wrong with `definition`, as Chinese messages (empty: it may be published).
    `roles`, `departments`, `users`: the codes and user names that exist (None: not checked)."""
    structure = shape(definition)
    if structure:
        return structure
    errors: list[str] = []
    if not TYPE_KEY.fullmatch(str(definition.get("key", ""))):
        errors.append("表单代码应为 2–16 位小写字母、数字或下划线，以字母开头。")
    elif definition["key"] in RESERVED:
        errors.append(f"表单代码“{definition['key']}”是保留字，请换一个。")
    if not str(definition.get("name", "")).strip():
        errors.append("请填写表单名称。")
    prefix = str((definition.get("numbering") or {}).get("prefix", ""))
    if not PREFIX.fullmatch(prefix):
        errors.append("编号前缀应为 1–6 位大写字母。")
    specs = all_fields(definition)
    if not [s for s in specs if s.get("kind") not in NO_INPUT]:
        errors.append("表单至少需要一个填写字段。")
    seen: set[str] = set()
    names: set[str] = set()  # what expressions may read: fields, and sums of line-item columns
    for spec in specs:
        errors += _check_field(spec, seen, names=names)
        seen.add(spec.get("key", ""))
        names.add(spec.get("key", ""))
        for sub in spec.get("fields") or [] if spec.get("kind") == "items" else []:
            if sub.get("kind") in ("number", "money"):
                names.add(f"{spec.get('key')}_{sub.get('key')}")
    steps = definition.get("steps") or []
    if not steps:
        errors.append("流程至少需要一个审批步骤。")
    step_keys: set[str] = set()
    for step in steps:
        errors += _check_step(step, step_keys, names, roles, departments, users)
        step_keys.add(step.get("key", ""))
    errors += _check_branches(steps)
    for key in definition.get("register") or []:
        if key not in seen:
            errors.append(f"登记表列引用了不存在的字段“{key}”。")
    for key in (definition.get("pdf") or {}).get("fields") or []:
        if key not in seen:
            errors.append(f"PDF 版式引用了不存在的字段“{key}”。")
    title = definition.get("title")
    if title and title not in seen:
        errors.append(f"标题字段“{title}”不存在。")
    return errors


def check_fields(definition: dict) -> list[str]:
    """The problems of the definition's fields alone (the designer's live preview)."""
    seen: set[str] = set()
    errors = []
    for spec in all_fields(definition):
        errors += _check_field(spec, seen, names=seen | {spec.get("key", "")})
        seen.add(spec.get("key", ""))
    return errors


def _check_field(spec: dict, seen: set[str], row: bool = False, names=()) -> list[str]:
    key, label, kind = spec.get("key", ""), str(spec.get("label", "")).strip(), spec.get("kind")
    where = f"字段“{label or key}”"
    errors = []
    if not KEY.fullmatch(str(key)):
        errors.append(f"{where}的代码应为小写字母开头的字母、数字或下划线。")
    elif key in seen:
        errors.append(f"字段代码“{key}”重复。")
    if not label:
        errors.append(f"字段“{key}”缺少名称。")
    if kind not in (ROW_KINDS if row else KINDS):
        errors.append(f"{where}的类型“{kind}”不可用。")
        return errors
    low, high = spec.get("min"), spec.get("max")
    try:
        bounds = [Decimal(str(v)) for v in (low, high) if v is not None]
        if not all(b.is_finite() and abs(b) < 10**12 for b in bounds):
            raise ValueError
        if low is not None and high is not None and bounds[0] > bounds[1]:
            errors.append(f"{where}的最小值大于最大值。")
    except (ArithmeticError, TypeError, ValueError):
        errors.append(f"{where}的上下限应为数字。")
    for name, (least, most) in WHOLE.items():
        value = spec.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            errors.append(f"{where}的“{WHOLE_LABELS[name]}”应为 {least} 到 {most} 的整数。")
    if kind in ("choice", "multichoice") and not spec.get("options"):
        errors.append(f"{where}至少需要一个选项。")
    if kind == "items":
        sub_seen: set[str] = set()
        if not spec.get("fields"):
            errors.append(f"{where}至少需要一列。")
        for sub in spec.get("fields") or []:
            errors += _check_field(sub, sub_seen, row=True)
            sub_seen.add(sub.get("key", ""))
    if spec.get("required_when"):
        errors += _check_expr(spec["required_when"], set(names), f"{where}的必填条件")
    if kind == "computed":
        errors += _check_expr(spec.get("expr", ""), set(names), f"{where}的公式")
    return errors


def _check_expr(source: str, known: set[str], where: str) -> list[str]:
    try:
        tree = expr.parse(source)
    except expr.ExprError as exc:
        return [f"{where}：{exc}"]
    missing = sorted(expr.names(tree) - known)
    return [f"{where}引用了不存在的字段“{n}”。" for n in missing]


def _check_step(step, step_keys, fields_seen, roles, departments, users) -> list[str]:
    key, name = step.get("key", ""), str(step.get("name", "")).strip()
    where = f"步骤“{name or key}”"
    errors = []
    if not KEY.fullmatch(str(key)):
        errors.append(f"{where}的代码应为小写字母开头的字母、数字或下划线。")
    elif key in step_keys:
        errors.append(f"步骤代码“{key}”重复。")
    if not name:
        errors.append(f"步骤“{key}”缺少名称。")
    for label, rule in (("审批人", step.get("assignee")), ("抄送", step.get("cc"))):
        if rule is None and label == "抄送":
            continue
        errors += _check_assignee(rule or {}, f"{where}的{label}", roles, departments, users)
    if step.get("mode", "any") not in ("any", "all"):
        errors.append(f"{where}的审批方式应为或签或会签。")
    if step.get("when"):
        errors += _check_expr(step["when"], fields_seen, f"{where}的条件")
    for field_key, mode in (step.get("fields") or {}).items():
        if field_key not in fields_seen:
            errors.append(f"{where}的字段权限引用了不存在的字段“{field_key}”。")
        elif mode not in ACCESS:
            errors.append(f"{where}的字段权限应为隐藏、只读或可编辑。")
    hours = step.get("deadline_hours")
    if hours not in (None, "") and not (isinstance(hours, int | float) and 0 < hours <= 2000):
        errors.append(f"{where}的时限应为 1–2000 小时。")
    return errors


def _check_assignee(rule: dict, where: str, roles, departments, users) -> list[str]:
    kind = rule.get("kind")
    if kind not in ASSIGNEES:
        return [f"{where}未设置。"]
    if kind == "role" and (
        not rule.get("role") or (roles is not None and rule["role"] not in roles)
    ):
        return [f"{where}：角色“{rule.get('role', '')}”不存在。"]
    if kind == "department_head" and (
        not rule.get("department")
        or (departments is not None and rule["department"] not in departments)
    ):
        return [f"{where}：部门“{rule.get('department', '')}”不存在。"]
    if kind == "user" and (
        not rule.get("username") or (users is not None and rule["username"] not in users)
    ):
        return [f"{where}：人员“{rule.get('username', '')}”不存在。"]
    return []


def _check_branches(steps: list[dict]) -> list[str]:
    """Steps of one branch group: conditions in priority order, at most one default (no
    condition), which comes last."""
    errors, groups = [], {}
    for step in steps:
        if step.get("branch"):
            groups.setdefault(step["branch"], []).append(step)
    for name, members in groups.items():
        defaults = [s for s in members if not s.get("when")]
        if len(defaults) > 1:
            errors.append(f"分支“{name}”只能有一个默认分支。")
        elif defaults and members[-1] is not defaults[0]:
            errors.append(f"分支“{name}”的默认分支应排在最后。")
    return errors


# --- files ---------------------------------------------------------------------------------------


def dump(definition: dict, fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(definition, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=100)


def load(text: str) -> dict:
    """A definition from YAML or JSON text (JSON is YAML); ValueError with a message."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"文件格式有误：{str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise ValueError("文件内容应为一个表单定义。")
    return data
