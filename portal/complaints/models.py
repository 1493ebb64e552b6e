"""Customer complaints (客户投诉) and their sub-records: returns (退货) and claims (索赔).

One row per complaint holds the intake data and what each stage page records; who acted and
when lives on the workflow tasks. Returns and claims are records of their own flows, linked to
their complaint.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import Department, User
from portal.core.types import UTCDateTime
from portal.extensions import db
from portal.workflow.models import Instance, RecordMixin

CHANNELS = [
    ("phone", "电话"),
    ("letter", "来函"),
    ("visit", "来访"),
    ("email", "E-mail"),
    ("other", "其他"),
]
CATEGORIES = [
    ("quality", "质量"),
    ("delivery", "交付"),
    ("service", "服务"),
    ("attitude", "人员态度"),
    ("other", "其他"),
]
SEVERITIES = [("normal", "一般"), ("major", "重大")]
REPLY_METHODS = [
    ("email", "E-mail"),
    ("letter", "书面函件"),
    ("phone", "电话"),
    ("visit", "面谈"),
    ("other", "其他"),
]
FOLLOW_UP_METHODS = [("phone", "电话"), ("email", "E-mail"), ("visit", "上门"), ("other", "其他")]
DISPOSITIONS = [("rework", "返工"), ("sort", "挑选"), ("scrap", "报废"), ("concession", "让步接收")]
CLAIM_TYPES = [("quality", "质量索赔"), ("delivery", "交期索赔")]
SATISFACTION = [(5, "5 分 非常满意"), (4, "4 分 满意"), (3, "3 分 一般"), (2, "2 分 不满意"), (1, "1 分 非常不满意")]  # fmt: skip


def label(choices, value) -> str:
    return dict(choices).get(value, value or "")


class Complaint(RecordMixin, db.Model):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_customer_product", "customer_company", "product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)

    # 受理 (intake)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_company: Mapped[str] = mapped_column(String(120))
    contact_person: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    product: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(80), default="")
    batch: Mapped[str] = mapped_column(String(80), default="")
    qty_delivered: Mapped[int | None]
    qty_defective: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10), default="normal")
    returned_goods: Mapped[bool] = mapped_column(default=False)
    duplicate_of: Mapped[str] = mapped_column(String(200), default="")  # open cases confirmed
    # The stage clocks read from QP-CS-01 at registration, and which revision they came from.
    clocks: Mapped[dict] = mapped_column(JSON, default=dict)
    clock_source: Mapped[str] = mapped_column(String(80), default="")

    # 初步分析
    valid: Mapped[bool | None]
    analysis: Mapped[str] = mapped_column(Text, default="")
    # 澄清 (invalid complaints)
    clarification: Mapped[str] = mapped_column(Text, default="")
    # 围堵
    containment_actions: Mapped[str] = mapped_column(Text, default="")
    stock_checked: Mapped[bool] = mapped_column(default=False)
    stock_result: Mapped[str] = mapped_column(Text, default="")
    line_stop: Mapped[bool] = mapped_column(default=False)
    line_stop_note: Mapped[str] = mapped_column(String(200), default="")
    # 答复客户
    reply_text: Mapped[str] = mapped_column(Text, default="")
    reply_method: Mapped[str] = mapped_column(String(20), default="")
    reply_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 原因分析与纠正预防
    root_cause: Mapped[str] = mapped_column(Text, default="")
    corrective_action: Mapped[str] = mapped_column(Text, default="")
    preventive_action: Mapped[str] = mapped_column(Text, default="")
    capa_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    capa_person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    capa_due: Mapped[date | None]
    # 效果验证 and 结案
    effective: Mapped[bool | None]
    verification: Mapped[str] = mapped_column(Text, default="")
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # 回访 and the service manager's second follow-up (复访)
    satisfaction: Mapped[int | None]
    follow_up_method: Mapped[str] = mapped_column(String(20), default="")
    follow_up_comment: Mapped[str] = mapped_column(Text, default="")
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    second_reason: Mapped[str] = mapped_column(String(40), default="")  # why it is offered
    second_result: Mapped[str] = mapped_column(Text, default="")

    instance: Mapped[Instance | None] = relationship()
    capa_department: Mapped[Department | None] = relationship()
    capa_person: Mapped[User | None] = relationship()
    returns: Mapped[list[ComplaintReturn]] = relationship(
        back_populates="complaint", order_by="ComplaintReturn.id"
    )
    claims: Mapped[list[ComplaintClaim]] = relationship(
        back_populates="complaint", order_by="ComplaintClaim.id"
    )

    @property
    def defect_rate(self) -> float | None:
        """Defective / delivered in per cent, when both are known."""
        if not self.qty_delivered or self.qty_defective is None:
            return None
        return self.qty_defective * 100 / self.qty_delivered

    @property
    def registered_at(self) -> datetime | None:
        return self.instance.submitted_at if self.instance else None

    @property
    def second_follow_up(self) -> bool:
        return bool(self.second_reason)


class ComplaintReturn(RecordMixin, db.Model):
    """退货: goods sent back under a complaint; registered when they arrive (the 12 h clock)."""

    __tablename__ = "complaint_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    model: Mapped[str] = mapped_column(String(80), default="")
    batch: Mapped[str] = mapped_column(String(80), default="")
    qty_received: Mapped[int]
    return_note_no: Mapped[str] = mapped_column(String(60), default="")  # the customer's 退货单
    reason: Mapped[str] = mapped_column(Text, default="")
    replacement_needed: Mapped[bool] = mapped_column(default=False)
    clocks: Mapped[dict] = mapped_column(JSON, default=dict)
    clock_source: Mapped[str] = mapped_column(String(80), default="")
    # 处置 (品质部)
    inspection_result: Mapped[str] = mapped_column(Text, default="")
    disposition: Mapped[str] = mapped_column(String(20), default="")
    disposition_note: Mapped[str] = mapped_column(Text, default="")
    # 返工 (生产部)
    qty_reworked: Mapped[int | None]
    qty_scrapped: Mapped[int | None]
    rework_note: Mapped[str] = mapped_column(Text, default="")

    instance: Mapped[Instance | None] = relationship()
    complaint: Mapped[Complaint] = relationship(back_populates="returns")


class ComplaintClaim(RecordMixin, db.Model):
    """索赔: a quality or delivery claim; related departments countersign, the GM approves,
    finance writes it off. Amounts are kept in fen (分) to stay exact on every database."""

    __tablename__ = "complaint_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    claim_type: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int]
    customer_ref: Mapped[str] = mapped_column(String(60), default="")
    items: Mapped[str] = mapped_column(Text, default="")
    countersign: Mapped[str] = mapped_column(String(100), default="")  # department codes, comma
    written_off_fen: Mapped[int | None]
    deduction_ref: Mapped[str] = mapped_column(String(60), default="")
    written_off_on: Mapped[date | None]
    write_off_note: Mapped[str] = mapped_column(Text, default="")

    instance: Mapped[Instance | None] = relationship()
    complaint: Mapped[Complaint] = relationship(back_populates="claims")

    @property
    def countersign_codes(self) -> list[str]:
        return [c for c in self.countersign.split(",") if c]


def yuan(fen: int | None) -> str:
    """12345 -> "123.45"; None -> ""."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
