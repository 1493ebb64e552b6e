"""Admin forms for users, departments, holidays and the hand-over of a user's tasks."""

from __future__ import annotations

from sqlalchemy import select
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth.models import Department, User
from portal.core.forms import A_YEAR, LocalDateField, PickField, PortalForm
from portal.extensions import db


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_id(value):
    return int(value) if value not in (None, "", "0", 0) else None


class UserForm(PortalForm):
    username = StringField(
        "用户名",
        validators=[
            DataRequired("请输入用户名。"),
            Length(max=40, message="用户名最多 40 个字符。"),
            Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能包含字母、数字、下划线、点和连字符。"),
        ],
    )
    display_name = StringField(
        "姓名", validators=[DataRequired("请输入姓名。"), Length(max=60, message="姓名过长。")]
    )
    department_id = SelectField("部门", coerce=_optional_id, validate_choice=False)
    email = StringField("电子邮件", validators=[Optional(), Email("电子邮件格式不正确。")])
    phone = StringField("电话", validators=[Optional(), Length(max=40, message="电话过长。")])
    roles = MultiCheckboxField("角色", validate_choice=True)
    active = BooleanField("启用", default=True)
    password = PasswordField(
        "密码",
        validators=[Optional(), Length(min=8, max=128, message="密码长度须为 8 到 128 个字符。")],
        description="新建用户时必填；编辑时留空则不修改。",
    )

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user
        if user is not None:
            self.username.render_kw = {"readonly": True}

    def validate_username(self, field):
        if self._user is not None:
            field.data = self._user.username
            return
        if db.session.scalar(select(User.id).where(User.username == field.data)):
            raise ValidationError("该用户名已被使用。")

    def validate(self, extra_validators=None) -> bool:
        # Optional() on the password stops its chain, so the "required when new" rule lives here.
        valid = super().validate(extra_validators)
        if self._user is None and not self.password.data:
            self.password.errors = [*self.password.errors, "新建用户时必须设置密码。"]
            valid = False
        return valid

    def validate_department_id(self, field):
        if field.data is not None and db.session.get(Department, field.data) is None:
            raise ValidationError("请选择有效的部门。")


class DepartmentForm(PortalForm):
    code = StringField(
        "部门代码",
        validators=[
            DataRequired("请输入部门代码。"),
            Regexp(
                r"^[A-Za-z0-9_-]{1,20}$", message="部门代码只能包含字母、数字、下划线和连字符。"
            ),
        ],
    )
    name = StringField(
        "部门名称",
        validators=[DataRequired("请输入部门名称。"), Length(max=80, message="名称过长。")],
    )
    parent_id = SelectField("上级部门", coerce=_optional_id, validate_choice=False)
    head_id = SelectField("部门负责人", coerce=_optional_id, validate_choice=False)

    def __init__(self, *args, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._department = department

    def validate_code(self, field):
        code = field.data.strip().upper()
        clash = db.session.scalar(select(Department).where(Department.code == code))
        if clash is not None and clash is not self._department:
            raise ValidationError("该部门代码已被使用。")

    def validate_parent_id(self, field):
        if self._department is None or field.data is None:
            return
        node = db.session.get(Department, field.data)
        while node is not None:
            if node is self._department:
                raise ValidationError("上级部门不能是本部门或其下级部门。")
            node = node.parent


class HolidayForm(PortalForm):
    # Last year's calendar (for deadlines still running) to the year after next.
    day = LocalDateField(
        "日期", [DataRequired("请填写日期。")], earliest=-A_YEAR, latest=2 * A_YEAR
    )
    name = StringField(
        "名称", validators=[DataRequired("请填写名称，例如：国庆节。"), Length(max=60)]
    )
    workday = BooleanField("调休上班日（周末上班）")


class HandoverForm(PortalForm):
    """转交 a user's open tasks to another active user: which tasks, to whom, why. The choices
    of `task_ids` are the tasks the user holds now; `target_id` offers active users but accepts
    any id, so that an inactive or unknown person gets a message that says so."""

    task_ids = MultiCheckboxField("要转交的任务", coerce=int, validate_choice=False)
    target_id = PickField("接手人", placeholder="请选择接手人", validate_choice=False)
    reason = TextAreaField(
        "转交理由",
        validators=[
            DataRequired("请填写转交理由。"),
            Length(max=1000, message="转交理由最多 1000 字。"),
        ],
        description="写入每条记录的审批轨迹，并通知接手人。",
    )

    def __init__(self, *args, leaver: User, **kwargs):
        super().__init__(*args, **kwargs)
        self._leaver = leaver

    def validate_task_ids(self, field):
        if not field.data:
            raise ValidationError("请至少勾选一项要转交的任务。")
        offered = {value for value, _ in field.choices}
        if not set(field.data) <= offered:
            raise ValidationError("所选任务中有已被处理或不属于该用户的，请刷新页面后重新选择。")

    def validate_target_id(self, field):
        from portal.workflow.handover import target_problem

        target = db.session.get(User, field.data) if field.data else None
        if field.data and target is None:
            raise ValidationError("请从列表中选择接手人。")
        problem = target_problem(self._leaver, target)
        if problem:
            raise ValidationError(problem)
