"""The search form: read from the query string (GET), so a search is a link like any other."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = SearchField(
        "关键词",
        validators=[Optional(), Length(max=200, message="关键词最多 200 个字符。")],
        description="多个词用空格分隔（须同时出现）；用引号搜索整个短语；也可输入记录编号。",
    )
    category = SelectField("类别", choices=[SelectChoice("", "全部类别")], validate_choice=False)
    department = SelectField(
        "归口部门", choices=[SelectChoice("", "全部部门")], validate_choice=False
    )
    superseded = BooleanField("包括已作废的修订")

    def set_choices(self, categories: list[str], departments: list[tuple[str, str]]) -> None:
        self.category.choices = [SelectChoice("", "全部类别")]
        self.category.choices += [SelectChoice(c, c) for c in categories]
        self.department.choices = [SelectChoice("", "全部部门")]
        self.department.choices += [SelectChoice(code, name) for code, name in departments]
