"""Forms for workflow actions, CC and delegations."""

from __future__ import annotations

from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.core.forms import PortalForm


class ActionForm(PortalForm):
    action = StringField(validators=[DataRequired()])
    comment = TextAreaField(
        "意见", validators=[Optional(), Length(max=1000, message="意见最多 1000 字。")]
    )


class CCForm(PortalForm):
    users = SelectMultipleField("抄送给", coerce=int, validators=[DataRequired("请选择抄送人。")])


class DelegationForm(PortalForm):
    principal_id = SelectField("委托人", coerce=int)
    delegate_id = SelectField("受托人", coerce=int, validators=[DataRequired("请选择受托人。")])
    starts_on = DateField("开始日期", validators=[DataRequired("请填写开始日期。")])
    ends_on = DateField("结束日期", validators=[DataRequired("请填写结束日期。")])
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
