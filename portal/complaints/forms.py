"""Forms: intake (客户投诉登记), one form per stage page, returns and claims.

Fields that take part in a cross-field check have no `Optional()` validator, because Optional
stops the chain before `validate_<field>` runs.
"""

from __future__ import annotations

import re

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.forms import (
    A_YEAR,
    MAX_AMOUNT,
    MAX_COUNT,
    NOW,
    LocalDateField,
    LocalDateTimeField,
    MoneyField,
    PickField,
    PortalForm,
    clean,
    line,
    text,
)
from portal.files.forms import CheckedUploads

from .models import (
    CATEGORIES,
    CHANNELS,
    CLAIM_TYPES,
    DISPOSITIONS,
    FOLLOW_UP_METHODS,
    REPLY_METHODS,
    SATISFACTION,
    SEVERITIES,
)

PHONE = re.compile(r"^[0-9+()\- 转]{5,40}$")
FILES_HELP = "照片、邮件（另存为 PDF 或截图）等，PDF、图片或 Office 文档，单个不超过 20 MB。"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ComplaintForm(PortalForm):
    channel = PickField(
        "投诉渠道", [DataRequired("请选择投诉渠道。")], choices=dict(CHANNELS), coerce=str
    )
    received_at = LocalDateTimeField(
        "接收时间", [DataRequired("请填写接收时间（格式 YYYY-MM-DD HH:MM）。")],
        earliest=-A_YEAR, latest=NOW,
        description="客户提出投诉的时间；时限从登记时刻起算（QP-CS-01 4.2.1）。",
    )  # fmt: skip
    customer_company = line("客户名称", "请填写客户名称。")
    contact_person = line("联系人", max_len=60)
    phone = line("联系电话", max_len=40, description="电话、E-mail、地址至少填写一项。")
    email = StringField(
        "E-mail",
        validators=[
            Optional(),
            Email("E-mail 格式不正确。"),
            Length(max=120, message="最多 120 字。"),
        ],
    )
    address = line("地址", max_len=200)
    product = line("产品名称", "请填写产品名称。")
    model = line("型号", max_len=80)
    batch = line("批号", max_len=80)
    qty_delivered = IntegerField(
        "交付数量",
        validators=[
            Optional(),
            NumberRange(min=0, message="数量不能为负数。"),
            NumberRange(max=MAX_COUNT, message=f"数量不能超过 {MAX_COUNT}。"),
        ],
    )
    qty_defective = IntegerField(
        "不良数量",
        validators=[
            Optional(),
            NumberRange(min=0, message="数量不能为负数。"),
            NumberRange(max=MAX_COUNT, message=f"数量不能超过 {MAX_COUNT}。"),
        ],
    )
    description = text(
        "问题描述", "请描述客户反映的问题。", description="现象、发现时间和地点、客户的要求。"
    )
    category = PickField(
        "投诉类别", [DataRequired("请选择类别。")], choices=dict(CATEGORIES), coerce=str
    )
    severity = SelectField(
        "严重程度", choices=dict(SEVERITIES), default="normal",
        description="重大：涉及人身安全、批量质量问题、客户停线、索赔超过5万元或可能引起媒体关注（2.3）。",
    )  # fmt: skip
    returned_goods = BooleanField("客户要求退货（有退货）")
    attachments = MultipleFileField("附件", validators=[CheckedUploads(10)], description=FILES_HELP)
    confirm_duplicate = BooleanField("我已核对上述未结投诉，确认这是另一问题，仍然登记")

    def validate_phone(self, field):
        phone = (field.data or "").strip()
        if phone and not PHONE.match(phone):
            raise ValidationError("电话号码只能包含数字、空格和 + - ( )。")
        if not (phone or (self.email.data or "").strip() or (self.address.data or "").strip()):
            raise ValidationError("请至少填写一种联系方式：电话、E-mail 或地址。")

    def validate_qty_defective(self, field):
        delivered = self.qty_delivered.data
        if delivered is not None and field.data is not None and field.data > delivered:
            raise ValidationError(f"不良数量（{field.data}）不能大于交付数量（{delivered}）。")


class AnalysisForm(PortalForm):
    valid = RadioField(
        "判定", choices={"yes": "有效投诉", "no": "无效投诉"},
        validators=[DataRequired("请判定投诉是否有效。")],
        description="有效：问题存在且属于公司责任或责任暂未排除（2.3）。",
    )  # fmt: skip
    analysis = text("分析与判定依据", "请写明分析过程和判定依据。")


class ClarifyForm(PortalForm):
    clarification = text("向客户澄清的内容", "请填写向客户澄清的内容和证据。")
    confirmation = MultipleFileField(
        "客户书面确认",
        validators=[CheckedUploads(5)],
        description="客户签字回函或邮件确认（PDF 或图片）。没有书面确认，无效投诉不能结案（4.3.3）。",
    )

    def __init__(self, *args, confirmed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.confirmed = confirmed  # a confirmation is already on file


class ContainmentForm(PortalForm):
    containment_actions = text(
        "围堵措施", "请填写围堵措施。",
        description="隔离可疑品、追溯在途和已发货产品、通知相关岗位等（4.4.1）。",
    )  # fmt: skip
    stock_checked = BooleanField("已清查仓库成品、在制品和待投产物料")
    stock_result = text("清查结果", description="清查和隔离的批次、数量及处置。")
    line_stop = BooleanField("开具停线通知单，暂停相关工序")
    line_stop_note = line("停线范围", max_len=200)

    def validate_stock_result(self, field):
        if self.stock_checked.data and not clean(field):
            raise ValidationError("已清查库存时请填写清查结果。")

    def validate_line_stop_note(self, field):
        if self.line_stop.data and not clean(field):
            raise ValidationError("停线时请写明停线的工序或产线。")


class ReplyForm(PortalForm):
    reply_text = text(
        "答复内容", "请拟定答复内容。", max_len=8000,
        description="问题确认、已采取的临时措施、原因分析的初步结论、后续改善计划及完成日期（4.5.1）。",
    )  # fmt: skip


class ReplySendForm(PortalForm):
    reply_method = SelectField("发送方式", choices=dict(REPLY_METHODS))
    reply_sent_at = LocalDateTimeField(
        "发送时间", [DataRequired("请填写发送时间。")], earliest=-A_YEAR, latest=NOW
    )


class CapaForm(PortalForm):
    root_cause = text(
        "根本原因", "请填写根本原因。", description="可用“五个为什么”、鱼骨图等方法（4.6.2）。"
    )
    corrective_action = text("纠正措施", "请填写纠正措施。")
    preventive_action = text(
        "预防措施", "请填写预防措施。", description="包括在同类产品、同类工序上的横向展开。"
    )
    capa_department_id = PickField("责任部门", [DataRequired("请选择责任部门。")])
    capa_person_id = PickField("责任人", [DataRequired("请选择责任人。")])
    capa_due = LocalDateField(
        "完成日期", [DataRequired("请填写完成日期（YYYY-MM-DD）。")], earliest=NOW,
        latest=A_YEAR, future_message="完成日期不能早于今天。",
    )  # fmt: skip

    def __init__(self, *args, members: dict[int, set[int]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members or {}  # department id -> user ids, for the cross check

    def validate_capa_person_id(self, field):
        department = self.capa_department_id.data
        if department and field.data not in self.members.get(department, set()):
            raise ValidationError("责任人应属于所选的责任部门。")


class VerifyForm(PortalForm):
    effective = RadioField(
        "验证结论", choices={"yes": "有效", "no": "无效，退回责任人重新整改"},
        validators=[DataRequired("请选择验证结论。")],
        description="跟踪后续生产批次、检验数据和客户反馈；连续三批或一个月内未再发生为有效（4.7.1）。",
    )  # fmt: skip
    verification = text("验证记录", "请填写验证依据。")


class CloseForm(PortalForm):
    closing_note = text(
        "结案意见", "请填写结案意见。",
        description="已正式答复客户、措施验证有效、相关退货和索赔已处理完毕、客户无异议（4.7.3）。",
    )  # fmt: skip


class FollowUpForm(PortalForm):
    satisfaction = RadioField(
        "客户评分", choices=dict(SATISFACTION), coerce=int,
        validators=[InputRequired("请选择客户评分（1–5 分）。")],
    )  # fmt: skip
    follow_up_method = SelectField("回访方式", choices=dict(FOLLOW_UP_METHODS))
    follow_up_comment = text("客户意见", max_len=2000)


class SecondFollowUpForm(PortalForm):
    second_result = text(
        "复访结果", "请填写复访结果。", description="核实回访记录的真实性和客户评价（4.8.3）。"
    )


class ReturnForm(PortalForm):
    model = line("型号", max_len=80)
    batch = line("批号", max_len=80)
    qty_received = IntegerField(
        "退货数量",
        validators=[
            InputRequired("请填写收到的退货数量。"),
            NumberRange(min=1, message="数量至少为 1。"),
            NumberRange(max=MAX_COUNT, message=f"数量不能超过 {MAX_COUNT}。"),
        ],
    )
    return_note_no = line("客户退货单号", max_len=60)
    reason = text("退货原因", "请填写退货原因。")
    replacement_needed = BooleanField("需要补货")


class DispositionForm(PortalForm):
    inspection_result = text("检验分析结果", "请填写检验分析结果。")
    disposition = SelectField("处置方式", choices={"": "请选择", **dict(DISPOSITIONS)},
                              validators=[DataRequired("请选择处置方式。")])  # fmt: skip
    disposition_note = text("处置要求", description="返工要求、责任工序、全数检验要求等。")


class ReworkForm(PortalForm):
    qty_reworked = IntegerField(
        "返工合格数量",
        validators=[
            InputRequired("请填写返工合格数量。"),
            NumberRange(min=0, message="数量不能为负数。"),
            NumberRange(max=MAX_COUNT, message=f"数量不能超过 {MAX_COUNT}。"),
        ],
    )
    qty_scrapped = IntegerField(
        "报废数量",
        validators=[
            InputRequired("请填写报废数量（没有填 0）。"),
            NumberRange(min=0, message="数量不能为负数。"),
            NumberRange(max=MAX_COUNT, message=f"数量不能超过 {MAX_COUNT}。"),
        ],
        description="返工中报废的退货板送 MRB 并标识“退货板报废”（4.9.5）。",
    )
    rework_note = text("返工说明", max_len=2000)

    def __init__(self, *args, received: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.received = received

    def validate_qty_scrapped(self, field):
        reworked = self.qty_reworked.data or 0
        if field.data is not None and reworked + field.data > self.received:
            raise ValidationError(
                f"返工合格数量与报废数量之和不能超过退货数量（{self.received}）。"
            )


class ClaimForm(PortalForm):
    claim_type = SelectField("索赔类型", choices=dict(CLAIM_TYPES))
    amount = MoneyField("索赔金额（元）", [InputRequired("请填写索赔金额。")], maximum=MAX_AMOUNT)
    customer_ref = line("客户索赔函编号", max_len=60)
    items = text("索赔项目及依据", "请填写索赔项目及依据。")
    countersign = MultiCheckboxField(
        "会签部门", validators=[DataRequired("请至少选择一个会签部门。")],
        description="质量索赔由品质部确认责任，交期索赔由生产部确认；销售部审核合理性（4.10.2）。",
    )  # fmt: skip
    attachments = MultipleFileField("附件", validators=[CheckedUploads(10)], description=FILES_HELP)


class WriteOffForm(PortalForm):
    written_off_amount = MoneyField(
        "核销金额（元）", [InputRequired("请填写核销金额。")], minimum="0", maximum=MAX_AMOUNT
    )
    deduction_ref = line("扣款通知/扣款单号", "请填写客户扣款通知或扣款单号。", max_len=60)
    written_off_on = LocalDateField(
        "核销日期", [DataRequired("请填写核销日期。")], earliest=-A_YEAR, latest=NOW
    )
    write_off_note = text("说明", max_len=2000)
