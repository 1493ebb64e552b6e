"""Archive forms: the 存档登记表 with one row per item (line items from the kit, each row with
its own electronic file and scans), the archivist's 逐件核对, a loan request, hand-over and
return, renewal, a disposal proposal and the destruction record."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, ValidationError

from portal.archive import services
from portal.archive.flow import MAX_LOAN_DAYS, loan_days, max_loan_days
from portal.archive.models import (
    CATEGORIES,
    CONDITIONS,
    CUSTODY,
    DISPOSAL_METHODS,
    FILE_FORMATS,
    LOAN_MODES,
    ORIGINAL,
    RETENTIONS,
    SECRECY,
)
from portal.core.forms import (
    A_YEAR,
    MAX_COUNT,
    NOW,
    CountField,
    LineItemsField,
    LocalDateField,
    LocalDateTimeField,
    PickField,
    PortalForm,
    RowForm,
    line,
    text,
    today,
)
from portal.files.forms import CheckedUploads
from portal.files.services import UploadError, check_upload

SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class RowFileField(FileField):
    """A file input inside a line-items row: a browser posts an empty part for an empty input,
    which must not make the row count as filled (the kit reads `raw_data` for that)."""

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if self.raw_data:
            self.raw_data = [v for v in self.raw_data if getattr(v, "filename", v)]


class RowFilesField(MultipleFileField):
    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if self.raw_data:
            self.raw_data = [v for v in self.raw_data if getattr(v, "filename", v)]


def _category_choices():
    return {c.code: f"{c.name}（{c.code}）" for c in CATEGORIES.values()}


def _count(label: str, required: str):
    return CountField(label, required=required, render_kw={"inputmode": "numeric"})


class ItemRowForm(RowForm):
    """One item of the 存档登记表 (第八条)."""

    title = line("档案题名", max_len=200)
    category = PickField("类别", choices=_category_choices(), coerce=str,
                         invalid_message="请从列表中选择类别。")  # fmt: skip
    # Old papers are archived too: back to the portal's earliest year (core.forms.EARLIEST_YEAR).
    document_date = LocalDateField("形成日期", earliest=-timedelta(days=366 * 30), latest=NOW)
    volumes = _count("卷数", "请填写卷数。")
    pages = _count("页数", "请填写页数。")
    copies = _count("份数", "请填写份数。")
    original = SelectField("原件/复印件", choices=dict(ORIGINAL), default="original")
    secrecy = SelectField("密级", choices=dict(SECRECY), default="normal")
    retention = SelectField("保管期限", choices={"": "按类别", **RETENTIONS},
                            default="")  # fmt: skip
    room = line("库房", max_len=40)
    cabinet = line("柜", max_len=20)
    shelf = line("架", max_len=20)
    box = line("盒", max_len=20)
    reference = line("相关合同/项目编号", max_len=60)
    file_format = SelectField("电子文件格式", default="",
                              choices={"": "（无电子文件）", **{k: v[0] for k, v in FILE_FORMATS.items()}})  # fmt: skip
    file = RowFileField("电子文件")
    sha256 = line("SHA-256（可选，用于核对）", max_len=64)
    scans = RowFilesField("扫描件", [CheckedUploads(5)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "category", "document_date"):  # the * beside the label
            self[name].flags.required = True

    def validate_title(self, field):
        if not (field.data or "").strip():
            raise ValidationError("请填写档案题名。")

    def validate_category(self, field):
        if not field.data:
            raise ValidationError("请选择类别。")

    def validate_document_date(self, field):
        if field.data is None and not field.errors:
            raise ValidationError("请填写形成日期。")

    def _positive(self, field, what: str):
        if field.data is not None and field.data <= 0:
            raise ValidationError(f"{what}必须大于 0。")
        if field.data is not None and field.data > MAX_COUNT:
            raise ValidationError(f"{what}不能超过 {MAX_COUNT}。")

    def validate_volumes(self, field):
        self._positive(field, "卷数")

    def validate_pages(self, field):
        self._positive(field, "页数")

    def validate_copies(self, field):
        self._positive(field, "份数")

    def validate_retention(self, field):
        category = CATEGORIES.get(self.category.data or "")
        if category is None or not field.data:
            return
        if not services.retention_ok(category.code, field.data):
            raise ValidationError(
                f"{category.name}的保管期限不能短于 {RETENTIONS[category.minimum]}（只能延长）。"
            )

    def validate_room(self, field):
        uploaded = self.file.data is not None and getattr(self.file.data, "filename", "")
        if not (field.data or "").strip() and not uploaded:
            raise ValidationError("请填写存放位置（库房），或上传电子文件。")

    def validate_file(self, field):
        """The file's type is read from its content; it must be the format chosen (or the one
        its name claims) and, when given, have the SHA-256 typed."""
        upload = field.data
        self.checked = None
        if upload is None or not getattr(upload, "filename", ""):
            if self.file_format.data:
                raise ValidationError("选择了电子文件格式，请上传电子文件。")
            return
        try:
            checked = check_upload(upload)
        except UploadError as exc:
            raise ValidationError(f"{exc}（文件内容须与其类型一致）") from exc
        wanted = self.file_format.data
        if wanted and FILE_FORMATS[wanted][1] != checked.content_type:
            raise ValidationError(
                f"文件内容与所选格式（{FILE_FORMATS[wanted][0]}）不符，请核对后重新上传。"
            )
        if not wanted:
            found = [k for k, v in FILE_FORMATS.items() if v[1] == checked.content_type]
            if not found:
                raise ValidationError("电子档案只接受 PDF、DOCX、XLSX、JPG、PNG 格式。")
            self.file_format.data = found[0]
        typed = (self.sha256.data or "").strip()
        digest = hashlib.sha256(checked.data).hexdigest()
        if typed and typed.lower() != digest:
            raise ValidationError(f"文件的 SHA-256 与填写的不一致（实际为 {digest}）。")
        self.checked = checked

    def validate_sha256(self, field):
        typed = (field.data or "").strip()
        if typed and not SHA256.fullmatch(typed):
            raise ValidationError("SHA-256 应为 64 位十六进制字符。")

    def item_data(self) -> dict:
        category = self.category.data
        return {
            "title": self.title.data.strip(), "category": category,
            "document_date": self.document_date.data, "volumes": self.volumes.data,
            "pages": self.pages.data, "copies": self.copies.data,
            "original": self.original.data == "original", "secrecy": self.secrecy.data,
            "retention": self.retention.data or CATEGORIES[category].minimum,
            "room": (self.room.data or "").strip(), "cabinet": (self.cabinet.data or "").strip(),
            "shelf": (self.shelf.data or "").strip(), "box": (self.box.data or "").strip(),
            "reference": (self.reference.data or "").strip(),
            "file": getattr(self, "checked", None), "file_format": self.file_format.data or "",
            "scans": getattr(self.scans, "checked", []),
        }  # fmt: skip


class BatchForm(PortalForm):
    """The 存档登记表: the department, where the items are kept, and one row per item."""

    department_id = PickField("归档部门", [DataRequired("请选择归档部门。")])
    custody = RadioField("保管方式", choices=dict(CUSTODY), default="archive",
                         validators=[DataRequired("请选择保管方式。")])  # fmt: skip
    items = LineItemsField(ItemRowForm, "档案明细", min_rows=1, max_rows=30,
                           description="每件档案一栏（一件可含多卷）；纸质档案填写存放位置，电子档案上传文件。")  # fmt: skip
    note = text("备注", max_len=500)

    def batch_data(self) -> dict:
        rows = [entry.form.item_data() for entry in self.items.entries if entry.data["title"]]
        return {"department_id": self.department_id.data, "custody": self.custody.data,
                "note": (self.note.data or "").strip(), "items": rows}  # fmt: skip


def batch_form(user, data=None):
    from sqlalchemy import select

    from portal.auth.models import Department
    from portal.auth.services import department_choices
    from portal.extensions import db

    form = BatchForm(data=data) if data is not None else BatchForm()
    choices = department_choices()
    if not services.reads_all_items(user):
        headed = db.session.scalars(select(Department.id).where(Department.head_id == user.id))
        own = {user.department_id, *headed}
        choices = [(i, n) for i, n in choices if i in own]
    form.department_id.choices = choices
    if not form.is_submitted() and form.department_id.data is None and user.department_id:
        form.department_id.data = user.department_id
    return form


# --- the archivist's check ----------------------------------------------------------------------


class CheckRowForm(RowForm):
    decision = RadioField("核对结果", choices={"accept": "接收", "return": "退回"},
                          default="accept")  # fmt: skip
    reason = line("退回原因", max_len=200)
    room = line("库房", max_len=40)
    cabinet = line("柜", max_len=20)
    shelf = line("架", max_len=20)
    box = line("盒", max_len=20)

    def validate_reason(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError("退回须写明原因（如缺页、签章不全）。")


class CheckForm(PortalForm):
    rows = FieldList(FormField(CheckRowForm), min_entries=0)
    confirm = BooleanField("我已当面清点，实物与登记表逐件核对",
                           [DataRequired("请逐件核对后勾选确认。")])  # fmt: skip

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items_ = [i for i in items if i.status == "pending"]
        if not self.rows.entries:
            for item in self.items_:
                self.rows.append_entry({"decision": "accept", "room": item.room,
                                        "cabinet": item.cabinet, "shelf": item.shelf,
                                        "box": item.box})  # fmt: skip

    def validate_rows(self, field):
        if len(field.entries) != len(self.items_):
            raise ValidationError("核对的件数与登记表不一致，请刷新页面后重新核对。")

    def decisions(self) -> dict[int, dict]:
        out = {}
        for item, entry in zip(self.items_, self.rows.entries, strict=True):
            row = entry.form
            out[item.id] = {
                "accept": row.decision.data == "accept",
                "reason": (row.reason.data or "").strip(),
                **{k: (row[k].data or "").strip() for k in ("room", "cabinet", "shelf", "box")},
            }
        return out


# --- borrowing ----------------------------------------------------------------------------------


class LoanForm(PortalForm):
    item = line(
        "档号", max_len=30, description="例如 DA-2026-HT-0001，可在档案总目录中点“借阅”带入。"
    )
    mode = RadioField("借阅方式", choices=dict(LOAN_MODES), default="onsite",
                      validators=[DataRequired("请选择借阅方式。")])  # fmt: skip
    purpose = text("借阅用途", "请写明借阅用途。", max_len=500)
    start_date = LocalDateField("借阅日期", [DataRequired("请填写借阅日期。")], earliest=NOW,
                                latest=timedelta(days=MAX_LOAN_DAYS))  # fmt: skip
    due_date = LocalDateField("归还日期", earliest=NOW, latest=timedelta(days=2 * MAX_LOAN_DAYS),
                              description="默认借阅 7 天，最长 30 天（第十六条）。")  # fmt: skip
    queue = BooleanField("档案已借出时排队等候")

    def validate_item(self, field):
        self.resolved = services.item_by_number(field.data or "")
        if not (field.data or "").strip():
            raise ValidationError("请填写档号。")
        if self.resolved is None:
            raise ValidationError("没有这个档号的档案，请核对档号。")

    def validate_due_date(self, field):
        start = self.start_date.data
        if field.data is None:
            if not field.errors:
                raise ValidationError("请填写归还日期。")
            return
        if start is None:
            return
        if field.data < start:
            raise ValidationError("归还日期不能早于借阅日期。")
        longest = max_loan_days()
        if (field.data - start).days > longest:
            raise ValidationError(
                f"借阅期限最长 {longest} 天（至 {start + timedelta(days=longest)}）。"
            )

    def loan_data(self) -> dict:
        return {"item": self.resolved, "mode": self.mode.data,
                "purpose": self.purpose.data.strip(), "start_date": self.start_date.data,
                "due_date": self.due_date.data}  # fmt: skip


def loan_defaults(item=None) -> dict:
    start = today()
    return {"item": item.number if item else "", "start_date": start,
            "due_date": start + timedelta(days=loan_days()), "mode": "onsite"}  # fmt: skip


class HandOverForm(PortalForm):
    handed_over_at = LocalDateTimeField("借出时间", [DataRequired("请填写借出时间。")],
                                        earliest=-timedelta(days=MAX_LOAN_DAYS), latest=NOW)  # fmt: skip
    condition = line("借出时档案状况", max_len=200, description="例如：完好，共 3 卷 128 页。")


class TakeBackForm(PortalForm):
    returned_at = LocalDateTimeField("归还时间", [DataRequired("请填写归还时间。")],
                                     earliest=-A_YEAR, latest=NOW)  # fmt: skip
    condition = RadioField("归还时档案状况", choices=dict(CONDITIONS), default="good")
    note = line("说明", max_len=200, description="有破损或缺失的写明情况（第十九条）。")


class RenewForm(PortalForm):
    due = LocalDateField("续借至", [DataRequired("请填写续借后的归还日期。")], earliest=NOW,
                         latest=timedelta(days=3 * MAX_LOAN_DAYS))  # fmt: skip
    comment = line("续借理由", max_len=200)


# --- disposal -----------------------------------------------------------------------------------


class DisposalForm(PortalForm):
    items = SelectMultipleField("拟销毁的档案", coerce=int,
                                validators=[DataRequired("请至少选择一件档案。")])  # fmt: skip
    reason = text("销毁理由", "请写明鉴定意见和销毁理由。", max_len=1000)


class DestroyForm(PortalForm):
    destroyed_on = LocalDateField("销毁日期", [DataRequired("请填写销毁日期。")], earliest=-A_YEAR,
                                  latest=NOW)  # fmt: skip
    method = RadioField("销毁方式", choices=dict(DISPOSAL_METHODS), default="shred",
                        validators=[DataRequired("请选择销毁方式。")])  # fmt: skip
    witness1 = PickField("监销人一", [DataRequired("请选择监销人。")])
    witness2 = PickField("监销人二", [DataRequired("请选择第二名监销人。")])
    note = line("说明", max_len=200)

    def validate_witness2(self, field):
        if field.data is not None and field.data == self.witness1.data:
            raise ValidationError("两名监销人不能是同一人。")
