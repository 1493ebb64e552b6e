"""Forms of the procedure library: legacy upload, Markdown edit (preview / draft / publish)."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.forms import A_YEAR, CountField, LocalDateField, PickField, PortalForm
from portal.extensions import db
from portal.procedures import markdown as md
from portal.procedures.models import ISSUED, Procedure


class ImportForm(PortalForm):
    files = MultipleFileField(
        "文本文件",
        validators=[DataRequired("请选择至少一个文件。")],
        description="可一次选择多个 .txt 文件（UTF-8 或 GBK 编码，每个不超过 5 MB）。",
    )

    def validate_files(self, field):
        if not [f for f in field.data or [] if getattr(f, "filename", "")]:
            raise ValidationError("请选择至少一个文件。")


class EditForm(PortalForm):
    """Markdown of the next revision; the text must parse and keep the procedure's code."""

    text = TextAreaField(
        "Markdown 文本",
        validators=[DataRequired("请输入文本。"), Length(max=2_000_000, message="文本过长。")],
        description="前置信息（--- 之间的 YAML）中的编号须保持不变；修订号须为新的修订号。",
    )
    change_note = StringField(
        "修订说明",
        validators=[Length(max=500, message="修订说明最多 500 个字符。")],
        description="留空则使用前置信息中的 change_note。",
    )

    def __init__(self, *args, procedure=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._procedure = procedure

    def validate_text(self, field):
        try:
            doc = md.parse_markdown(field.data or "")
        except md.MarkdownError as exc:
            raise ValidationError(str(exc)) from exc
        if self._procedure is None:
            return
        if doc.meta["code"] != self._procedure.code:
            raise ValidationError(f"文件编号须保持为 {self._procedure.code}。")
        used = {r.label for r in self._procedure.revisions if r.status != "draft"}
        if doc.meta["revision"] in used:
            raise ValidationError(f"修订号 {doc.meta['revision']} 已使用，请填写新的修订号。")


class SubmitForm(PortalForm):
    """Submit a draft for review (提交审核): what changed, how much, who co-signs. The rules
    (required note and significance, the approver, the effective date) are
    `publishing.validate_submission`'s, whose messages go beside these fields."""

    change_note = TextAreaField(
        "修订说明",
        validators=[Length(max=500, message="修订说明最多 500 个字符。")],
        description="本次修订改了什么、为什么改；将写入修订历史。",
    )
    significance = RadioField(
        "修订性质",
        choices=[
            SelectChoice("editorial", "编辑性修改（不影响执行，已阅读记录保留）"),
            SelectChoice("substantive", "实质性修改（须重新阅读确认）"),
        ],
        validate_choice=False,
    )
    cosign = SelectMultipleField("会签部门", choices=[], validate_choice=False,
                                 description="需要其他部门负责人会签时选择；可不选。")  # fmt: skip


class _Checkboxes(SelectMultipleField):
    """A list of checkboxes (ListWidget of CheckboxInput): 应读部门, 应读角色."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProcedureDraftForm(PortalForm):
    """The form editor (procedures.new / procedures.edit): the document's fields and its body in
    Markdown. The code is asked only while the document was never issued; the effective date
    may not be before the current revision's; a revision label is used once."""

    code = StringField(
        "文件编号",
        validators=[Length(max=40, message="文件编号最多 40 个字符。")],
        description="如 QP-ADM-01：大写字母和数字，以连字符分段。发布后不能修改。",
    )
    title = StringField(
        "标题",
        validators=[DataRequired("请填写标题。"), Length(max=200, message="标题最多 200 个字符。")],
    )
    category = StringField(
        "类别",
        validators=[DataRequired("请填写类别。"), Length(max=60, message="类别最多 60 个字符。")],
        description="可从已有类别中选择，也可输入新类别。",
    )
    owner_department = PickField(
        "归口部门",
        validators=[DataRequired("请选择归口部门。")],
        coerce=str,
        placeholder="请选择部门",
    )
    revision = StringField(
        "版本",
        validators=[DataRequired("请填写版本。"), Length(max=40, message="版本最多 40 个字符。")],
        description="如 A/0、A/1。",
    )
    # A paper procedure brought in keeps its old date; an issue is planned at most five years out.
    effective_date = LocalDateField(
        "生效日期",
        validators=[InputRequired("请填写生效日期。")],
        earliest=-30 * A_YEAR,
        latest=5 * A_YEAR,
    )
    review_cycle_months = CountField(
        "评审周期（月）", required="请填写评审周期。", minimum=1, maximum=120
    )
    required_departments = _Checkboxes("应读部门", choices=[], validate_choice=True)
    required_roles = _Checkboxes("应读角色", choices=[], validate_choice=True)
    body = TextAreaField(
        "正文（Markdown）",
        validators=[DataRequired("请填写正文。"), Length(max=2_000_000, message="正文过长。")],
        description="每段一条，以条款编号开头（如“第一条”“4.1”）；“## 4 工作程序”为章节标题。",
    )

    def __init__(self, *args, procedure=None, issued: bool = False, departments=(), roles=(),
                 preview_url: str = "", **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self._procedure, self.issued = procedure, issued
        self.category.render_kw = {"list": "category-choices", "autocomplete": "off"}
        # The live preview: the body is posted (with the form) as the author pauses typing.
        self.body.render_kw = {
            "hx-post": preview_url, "hx-trigger": "input changed delay:600ms",
            "hx-target": "#edit-preview", "hx-swap": "outerHTML", "hx-sync": "this:replace",
        }  # fmt: skip
        self.owner_department.choices = [SelectChoice(c, n) for c, n in departments]
        self.required_departments.choices = [SelectChoice(c, n) for c, n in departments]
        self.required_roles.choices = [SelectChoice(c, n) for c, n in roles]
        self.code.flags.required = not issued
        if issued:
            self.code.render_kw = {"readonly": True}

    def validate_code(self, field):
        if self.issued:
            field.data = self._procedure.code  # fixed once issued, whatever was posted
            return
        value = (field.data or "").strip().upper()
        if not value:
            raise ValidationError("请填写文件编号。")
        if not md.CODE_RE.match(value):
            raise ValidationError(f"文件编号格式不正确：{value}（应如 QP-ADM-01）。")
        taken = select(Procedure.id).where(Procedure.code == value)
        if self._procedure is not None:
            taken = taken.where(Procedure.id != self._procedure.id)
        if db.session.scalar(taken) is not None:
            raise ValidationError("文件编号已存在。")
        field.data = value

    def validate_revision(self, field):
        if self._procedure is None:
            return
        label = (field.data or "").strip()
        used = {r.label for r in self._procedure.revisions if r.status in ISSUED}
        if label in used:
            raise ValidationError(f"版本 {label} 已使用，请填写新的版本号。")

    def validate_effective_date(self, field):
        current = self._procedure.current_revision if self._procedure is not None else None
        if current is None or current.effective_date is None or field.data is None:
            return
        if field.data < current.effective_date:
            raise ValidationError(
                f"生效日期不能早于现行版本（{current.label}）的生效日期 "
                f"{current.effective_date.isoformat()}。"
            )

    def add_error(self, name: str, message: str) -> None:
        """A refusal from the service, beside its field (the body when it names no field)."""
        target = self[name] if name in self._fields else self.body
        target.errors = [*target.errors, message]

    def fields_data(self) -> dict:
        """The values for authoring.save_draft."""
        data = self.cleaned("code", "title", "category", "owner_department", "revision")
        data.update(
            effective_date=self.effective_date.data,
            review_cycle_months=self.review_cycle_months.data,
            required_departments=list(self.required_departments.data or []),
            required_roles=list(self.required_roles.data or []),
        )
        return data


class WithdrawForm(PortalForm):
    """废止 a document: its current revision becomes 已作废 with no replacement."""

    reason = StringField(
        "废止原因",
        validators=[Length(max=500, message="废止原因最多 500 个字符。")],
        description="将显示在文件页面的已作废横幅上。",
    )
