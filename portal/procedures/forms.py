"""Forms of the procedure library: legacy upload, Markdown edit (preview / draft / publish)."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.core.forms import PortalForm
from portal.procedures import markdown as md


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
            ("editorial", "编辑性修改（不影响执行，已阅读记录保留）"),
            ("substantive", "实质性修改（须重新阅读确认）"),
        ],
        validate_choice=False,
    )
    cosign = SelectMultipleField("会签部门", choices=[], validate_choice=False,
                                 description="需要其他部门负责人会签时选择；可不选。")  # fmt: skip
