"""Forms of document control's reading side: a controlled copy's holder, a recall, a periodic
review's confirmation."""

from __future__ import annotations

from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.auth.models import Department
from portal.core.forms import PortalForm
from portal.extensions import db


class CopyForm(PortalForm):
    holder = StringField(
        "持有人",
        validators=[DataRequired("请填写持有人。"), Length(max=100, message="最多 100 个字符。")],
        description="领取并保管这份受控副本的人或岗位。",
    )
    holder_department = SelectField("持有部门", choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = db.session.execute(select(Department.code, Department.name).order_by(Department.id))
        self.holder_department.choices = [("", "（不指定）")] + [(c, n) for c, n in rows]


class RecallForm(PortalForm):
    note = StringField("回收说明", validators=[Length(max=300, message="最多 300 个字符。")])


class ReviewConfirmForm(PortalForm):
    note = TextAreaField(
        "评审意见",
        validators=[Length(max=500, message="最多 500 个字符。")],
        description="例如：经评审，本文件内容仍适用，继续有效。",
    )
