"""Forms for seal-use requests, the keeper's pages and the seal catalogue.

One form class serves the page, the draft save, the submit and the htmx inline check of a
single field, so the three can never disagree about what is valid.
"""

from __future__ import annotations

from datetime import timedelta

from flask import request
from wtforms import (
    BooleanField,
    FieldList,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth.models import ROLE_NAMES
from portal.core.forms import (
    CLOCK_SLACK,
    NOW,
    CountField,
    DraftForm,
    LocalDateTimeField,
    PortalForm,
    local_now_minute,
)
from portal.files.forms import CheckedUploads
from portal.seals import services
from portal.seals.models import (
    DOCUMENT_TYPES,
    MAX_COPIES,
    REQUIRED_TO_SUBMIT,
    SEAL_KINDS,
    SEAL_STATUSES,
    SealKind,
    SealStatus,
)

# How far ahead a take-out may be planned: the procedure names no limit, so a month.
TAKE_OUT_LIMIT = timedelta(days=30)


class SealRequestForm(DraftForm):
    REQUIRED_TO_SUBMIT = REQUIRED_TO_SUBMIT

    seal_ids = SelectMultipleField(
        "使用印章",
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description="可多选。财务专用章、法定代表人名章另经财务部负责人审核。",
    )
    document_name = StringField("文件名称", [Length(max=200, message="文件名称最多 200 字。")])
    document_type = SelectField(
        "文件类型", choices={"": "请选择", **DOCUMENT_TYPES}, validate_choice=False
    )
    purpose = TextAreaField("用印事由", [Length(max=1000, message="用印事由最多 1000 字。")])
    receiving_party = StringField(
        "文件送达单位", [Length(max=200, message="送达单位最多 200 字。")]
    )
    copies = CountField("份数", description=f"1–{MAX_COPIES} 份")
    urgent = BooleanField("加急")
    take_out = BooleanField(
        "携带外出", description="印章原则上不得带离公司；携带外出须经总经理特批。"
    )
    destination = StringField("外出地点", [Length(max=200, message="外出地点最多 200 字。")])
    carrier = StringField(
        "携带人", [Length(max=60, message="携带人最多 60 字。")], description="留空即申请人本人。"
    )
    expected_return_at = LocalDateTimeField(
        "预计归还时间", earliest=NOW, latest=TAKE_OUT_LIMIT,
        future_message="预计归还时间必须晚于现在。",
        description="携带外出最长 30 天；逾期未还将提醒保管人并上报行政办主任。",
    )  # fmt: skip
    attachments = MultipleFileField(
        "待盖章文件",
        [CheckedUploads()],
        description="PDF、图片或 Office 文档，单个文件不超过 20 MB。",
    )
    remarks = TextAreaField("备注", [Length(max=1000, message="备注最多 1000 字。")])

    def __init__(self, *args, seal_choices=(), disabled_seal_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.seal_ids.choices = list(seal_choices)
        self.disabled_seal_ids = set(disabled_seal_ids)

    def validate_seal_ids(self, field):
        known = {value for value, _ in field.choices}
        if any(value not in known for value in field.data or []):
            raise ValidationError("所选印章不存在或已停用。")
        if self.submitting and self.disabled_seal_ids & set(field.data or []):
            raise ValidationError("所选印章中有已停用的印章，请改选其他印章。")

    def validate_document_type(self, field):
        if field.data and field.data not in DOCUMENT_TYPES:
            raise ValidationError("请选择文件类型。")

    def validate_copies(self, field):
        if field.data is not None and not 1 <= field.data <= MAX_COPIES:
            raise ValidationError(f"份数应在 1 到 {MAX_COPIES} 之间。")

    def validate_destination(self, field):
        if self.submitting and self.take_out.data and not (field.data or "").strip():
            raise ValidationError("携带外出须填写外出地点。")

    def validate_expected_return_at(self, field):
        if not self.take_out.data:
            return
        if field.data is None and self.submitting:
            raise ValidationError("携带外出须填写预计归还时间。")

    def request_data(self) -> dict:
        """The record's fields as plain values for the service."""
        data = self.cleaned(*services.REQUEST_FIELDS)
        data["seal_ids"] = list(dict.fromkeys(self.seal_ids.data or []))
        data["urgent"], data["take_out"] = bool(data["urgent"]), bool(data["take_out"])
        if not data["take_out"]:
            data.update(destination="", carrier="", expected_return_at=None)
        return data


class TakeOutApprovalForm(PortalForm):
    confirm = BooleanField(
        "我已核实外出事由、地点和预计归还时间，特批该印章携带外出",
        [DataRequired("请勾选确认后再特批携带外出。")],
    )
    comment = TextAreaField("意见", [Length(max=1000, message="意见最多 1000 字。")])


def _stamped_copies(form, field):
    if field.data is None:
        raise ValidationError("请填写实盖份数。")
    if not 1 <= field.data <= form.requested:
        raise ValidationError(
            f"实盖份数应在 1 到 {form.requested} 之间（申请 {form.requested} 份）。"
        )


class StampForm(PortalForm):
    """The keeper's page: stamp (copies per seal, when, hand-over) or refuse with a reason; the
    two halves post to the same page, each validated on its own."""

    copies = FieldList(CountField("实盖份数", [_stamped_copies]), min_entries=0)
    stamped_at = LocalDateTimeField(
        "用印时间", [DataRequired("请填写用印时间。")], earliest=-timedelta(days=7), latest=NOW
    )
    handed_over_at = LocalDateTimeField(
        "交出时间（携带外出）", earliest=-timedelta(days=7), latest=NOW
    )
    comment = TextAreaField("备注", [Length(max=1000, message="备注最多 1000 字。")])
    reason = TextAreaField(
        "拒绝原因",
        [DataRequired("请写明拒绝用印的原因。"), Length(max=1000, message="原因最多 1000 字。")],
        description="例如：待盖章文件的名称、份数或内容与申请不一致（QP-ADM-01 第十七条）。",
    )

    def __init__(self, *args, items=(), requested: int = 0, take_out: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.requested = requested
        self.take_out = take_out
        self.refusing = request.form.get("button") == "refuse"
        if not self.is_submitted():
            self.stamped_at.data = local_now_minute()
            self.handed_over_at.data = local_now_minute() if take_out else None
        if not self.copies.entries:
            for _ in self.items:
                self.copies.append_entry(requested)
        for entry, item in zip(self.copies, self.items, strict=False):
            entry.label.text = f"{item.seal.name} 实盖份数"
            entry.flags.required = True

    def validate(self, extra_validators=None) -> bool:
        if self.refusing:
            return self.validate_only("reason")
        self.reason.validators = []  # the refusal's reason is not asked for when stamping
        return super().validate(extra_validators)

    def validate_copies(self, field):
        if len(field.entries) != len(self.items):
            raise ValidationError("请为每枚印章填写实盖份数。")

    def stamped_copies(self) -> list[int]:
        return [entry.data for entry in self.copies]

    def validate_handed_over_at(self, field):
        if self.take_out and field.data is None:
            raise ValidationError("携带外出须填写交出时间。")


class ReturnForm(PortalForm):
    returned_at = LocalDateTimeField(
        "实际归还时间", [DataRequired("请填写归还时间。")], earliest=-timedelta(days=60),
        latest=NOW,
    )  # fmt: skip
    intact = BooleanField("印章完好", [DataRequired("请检查印章完好后勾选。")])
    comment = TextAreaField(
        "外出期间用印情况",
        [Length(max=1000, message="最多 1000 字。")],
        description="携带人报告的外出期间用印文件名称和份数（第二十四条）。",
    )

    def __init__(self, *args, handed_over_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.handed_over_at = handed_over_at
        if not self.is_submitted():
            self.returned_at.data = local_now_minute()

    def validate_returned_at(self, field):
        if self.handed_over_at is not None and field.data < self.handed_over_at - CLOCK_SLACK:
            raise ValidationError("归还时间不能早于交出时间。")


class SealForm(PortalForm):
    name = StringField(
        "印章名称", [DataRequired("请填写印章名称。"), Length(max=80, message="最多 80 字。")]
    )
    kind = SelectField("种类", choices=dict(SEAL_KINDS))
    department_id = SelectField("所属部门（部门章）", coerce=int)
    keeper_id = SelectField("保管人", coerce=int)
    keeper_role = SelectField(
        "或按角色保管", description="未指定保管人时，由该角色的第一位在职人员保管。"
    )
    status = SelectField("状态")
    remarks = TextAreaField("备注", [Length(max=1000, message="最多 1000 字。")])

    def __init__(self, *args, seal=None, departments=(), users=(), **kwargs):
        super().__init__(*args, obj=seal, **kwargs)
        self.seal = seal
        current_status = seal.status if seal is not None else None
        self.department_id.choices = [(0, "（无）"), *departments]
        self.keeper_id.choices = [(0, "（按角色）"), *users]
        self.keeper_role.choices = [("", "（无）"), *ROLE_NAMES.items()]
        # 外借中 is set and cleared by the requests; it is offered only while it holds.
        statuses = [SealStatus.IN_STOCK, SealStatus.DISABLED]
        if current_status == SealStatus.OUT:
            statuses.insert(1, SealStatus.OUT)
        self.status.choices = [(s, SEAL_STATUSES[s]) for s in statuses]

    def validate_name(self, field):
        if services.seal_name_taken(field.data, self.seal):
            raise ValidationError("已有同名印章。")

    def validate_department_id(self, field):
        if self.kind.data == SealKind.DEPARTMENT and not field.data:
            raise ValidationError("部门章须选择所属部门。")

    def validate_keeper_role(self, field):
        if not self.keeper_id.data and not field.data:
            raise ValidationError("请指定保管人或保管角色。")

    def seal_data(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "kind": self.kind.data,
            "department_id": self.department_id.data or None,
            "keeper_id": self.keeper_id.data or None,
            "keeper_role": "" if self.keeper_id.data else self.keeper_role.data,
            "status": self.status.data,
            "remarks": (self.remarks.data or "").strip(),
        }
