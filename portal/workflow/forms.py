"""Forms for workflow actions, CC and delegations."""

from __future__ import annotations

from wtforms import (
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.core.forms import A_YEAR, NOW, LocalDateField, PickField, PortalForm
from portal.files.forms import CheckedUploads


class ActionForm(PortalForm):
    """Any action on a record: the comment, and what some actions need besides (the person for
    转交 and 加签, where 加签 goes, the step 退回 goes back to, @mentions and files of a 评论)."""

    action = StringField(validators=[DataRequired()])
    comment = TextAreaField(
        "意见", validators=[Optional(), Length(max=1000, message="意见最多 1000 字。")]
    )
    target_id = SelectField("处理人", coerce=int, default=0, validate_choice=False)
    task_id = SelectField("任务", coerce=int, default=0, validate_choice=False)
    position = RadioField("加签方式", default="before", validate_choice=False,
                          choices={"before": "在我之前", "after": "在我之后", "parallel": "与我会签"})  # fmt: skip
    target_step = StringField("退回到")
    mentions = SelectMultipleField("提到", coerce=int, validate_choice=False)
    files = MultipleFileField("附件", [CheckedUploads(5)])

    def extras(self) -> dict:
        """What `transition()` gets besides the comment, as model objects."""
        from portal.auth.models import User
        from portal.extensions import db

        target = db.session.get(User, self.target_id.data) if self.target_id.data else None
        mentioned = [db.session.get(User, uid) for uid in self.mentions.data or []]
        return {
            "target": target, "position": self.position.data or "",
            "target_step": self.target_step.data or None, "task_id": self.task_id.data or None,
            "mentions": mentioned, "uploads": getattr(self.files, "checked", []),
        }  # fmt: skip


class CCForm(PortalForm):
    users = SelectMultipleField("抄送给", coerce=int, validators=[DataRequired("请选择抄送人。")])


class DelegationForm(PortalForm):
    principal_id = SelectField("委托人", coerce=int)
    delegate_id = PickField(
        "受托人", [DataRequired("请选择受托人。")], placeholder="请选择受托人",
        invalid_message="所选受托人不在可选名单中，请重新选择。",
    )  # fmt: skip
    starts_on = LocalDateField(
        "开始日期", [DataRequired("请填写开始日期。")], earliest=NOW, latest=A_YEAR,
        future_message="开始日期不能早于今天。",
    )  # fmt: skip
    ends_on = LocalDateField(
        "结束日期", [DataRequired("请填写结束日期。")], earliest=NOW, latest=A_YEAR,
        future_message="结束日期不能早于今天。",
    )  # fmt: skip
    form_type = SelectField("适用范围", default="")
    reason = StringField(
        "原因", validators=[Optional(), Length(max=200, message="原因最多 200 字。")]
    )

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError("结束日期不能早于开始日期。")

    def validate_delegate_id(self, field):
        if field.data == self.principal_id.data:
            raise ValidationError("不能委托给自己。")
