"""Login and password forms."""

from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.core.forms import PortalForm


class LoginForm(PortalForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")])
    next = HiddenField()


class ChangePasswordForm(PortalForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。")])
    new = PasswordField(
        "新密码",
        validators=[
            DataRequired("请输入新密码。"),
            Length(min=8, max=128, message="新密码长度须为 8 到 128 个字符。"),
        ],
    )
    confirm = PasswordField(
        "确认新密码", validators=[EqualTo("new", message="两次输入的新密码不一致。")]
    )
