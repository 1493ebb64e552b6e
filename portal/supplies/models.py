"""Office supplies (办公用品, QP-ADM-02): the catalogue, the stock ledger and the balance it
keeps per item, department forecasts, requisitions (领用单) with their lines, purchase requests
(申购单) and the monthly purchase plan (采购计划).

Stock on hand is never typed: every movement is a ledger row, and `StockBalance` holds each
item's quantity and value, updated in the same transaction as the row under the balance's row
lock, so concurrent issues cannot take stock below zero.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import Department, User
from portal.core.clock import now
from portal.core.types import Quantity, UTCDateTime
from portal.extensions import db
from portal.workflow.models import Instance, RecordMixin

CATEGORIES = {"consumable": "消耗品", "durable": "耐用品"}
UNITS = ("个", "支", "包", "盒", "箱", "台", "本", "卷", "瓶", "把", "张", "套", "袋", "卡",
         "米", "千克")  # fmt: skip
FRACTIONAL_UNITS = {"米", "千克"}
LEDGER_KINDS = {
    "receipt": "入库",
    "issue": "出库",
    "return": "退库",
    "adjust": "盘点调整",
}
DECISIONS = {"transfer": "库存调拨", "purchase": "采购"}


def qty_text(value: Decimal | None, unit: str = "") -> str:
    """Decimal("3.00") -> "3", Decimal("2.50") -> "2.5" (with the unit when given)."""
    if value is None:
        return ""
    text = f"{Decimal(value):.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


class SupplyItem(db.Model):
    """One catalogue entry (《办公用品目录》, 第四条)."""

    __tablename__ = "supply_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    spec: Mapped[str] = mapped_column(String(80), default="")
    unit: Mapped[str] = mapped_column(String(10))
    fractional: Mapped[bool] = mapped_column(default=False)  # may be issued in fractions (米)
    category: Mapped[str] = mapped_column(String(20), default="consumable")
    reorder_level: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    max_per_line: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(50))
    supplier: Mapped[str] = mapped_column(String(80), default="")
    price_fen: Mapped[int] = mapped_column(default=0)  # reference unit price
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    balance: Mapped[StockBalance | None] = relationship(back_populates="item", uselist=False)

    @property
    def label(self) -> str:
        spec = f"（{self.spec}）" if self.spec else ""
        return f"{self.code} {self.name}{spec}"

    @property
    def on_hand(self) -> Decimal:
        return self.balance.quantity if self.balance is not None else Decimal(0)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)


class StockBalance(db.Model):
    """The running balance of one item: what the ledger adds up to, kept in step with it."""

    __tablename__ = "supply_balances"

    item_id: Mapped[int] = mapped_column(ForeignKey("supply_items.id"), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    value_fen: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    item: Mapped[SupplyItem] = relationship(back_populates="balance")


class LedgerEntry(db.Model):
    """One stock movement (《办公用品出入库台账》, 第二十二条); never updated or deleted."""

    __tablename__ = "supply_ledger"
    __table_args__ = (
        Index("ix_supply_ledger_item_at", "item_id", "at"),
        Index("ix_supply_ledger_at", "at", "id"),  # the 出入库台账's order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("supply_items.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    kind: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # signed: + in, - out
    unit_price_fen: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[int] = mapped_column(default=0)  # signed value of the movement
    balance_after: Mapped[Decimal] = mapped_column(Quantity)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("supply_requisition_lines.id"))
    reference: Mapped[str] = mapped_column(String(60), default="")  # 领用单号, 采购计划号, 供应商
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    item: Mapped[SupplyItem] = relationship()
    department: Mapped[Department | None] = relationship()
    actor: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return LEDGER_KINDS.get(self.kind, self.kind)


class Forecast(db.Model):
    """A department's supplies budget for one month, in 分 (第十二条)."""

    __tablename__ = "supply_forecasts"
    __table_args__ = (UniqueConstraint("department_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-12"
    amount_fen: Mapped[int]
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    department: Mapped[Department] = relationship()


class Requisition(RecordMixin, db.Model):
    """A 办公用品领用单: what a person needs, issued on the next issue day (第五、六条), or at
    once when urgent (第七条)."""

    __tablename__ = "supply_requisitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    urgent: Mapped[bool] = mapped_column(default=False)
    urgent_reason: Mapped[str] = mapped_column(String(200), default="")
    issue_day: Mapped[date | None]
    # The department's use this month with this requisition, against its forecast, at submit.
    over_forecast: Mapped[bool] = mapped_column(default=False)
    month_use_fen: Mapped[int] = mapped_column(default=0)
    forecast_fen: Mapped[int | None]
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receipt_note: Mapped[str] = mapped_column(String(200), default="")

    instance: Mapped[Instance | None] = relationship()
    lines: Mapped[list[RequisitionLine]] = relationship(
        back_populates="requisition", order_by="RequisitionLine.id", cascade="all, delete-orphan"
    )

    @property
    def value_fen(self) -> int:
        return sum(line.value_fen for line in self.lines)

    @property
    def backorder(self) -> list[RequisitionLine]:
        return [line for line in self.lines if line.outstanding > 0 and self.issued_at]


class RequisitionLine(db.Model):
    __tablename__ = "supply_requisition_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("supply_requisitions.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("supply_items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    issued: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))

    requisition: Mapped[Requisition] = relationship(back_populates="lines")
    item: Mapped[SupplyItem] = relationship()

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity - (self.issued or Decimal(0)), Decimal(0))

    @property
    def value_fen(self) -> int:
        return int(self.quantity * self.item.price_fen)


class PurchaseRequest(RecordMixin, db.Model):
    """A 办公用品申购单 (第十四、十五条): head → 行政办 decides transfer or purchase → GM above the
    amount set by `SUPPLIES_GM_LIMIT_FEN`."""

    __tablename__ = "supply_purchase_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    needed_by: Mapped[date | None]
    decision: Mapped[str] = mapped_column(String(10), default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("supply_plans.id"))

    instance: Mapped[Instance | None] = relationship()
    lines: Mapped[list[PurchaseLine]] = relationship(
        order_by="PurchaseLine.id", cascade="all, delete-orphan"
    )

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


class PurchaseLine(db.Model):
    __tablename__ = "supply_purchase_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("supply_purchase_requests.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("supply_items.id"))
    name: Mapped[str] = mapped_column(String(80))  # an item outside the catalogue has only a name
    spec: Mapped[str] = mapped_column(String(80), default="")
    unit: Mapped[str] = mapped_column(String(10), default="个")
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    price_fen: Mapped[int]  # expected unit price

    item: Mapped[SupplyItem | None] = relationship()

    @property
    def amount_fen(self) -> int:
        return int(self.quantity * self.price_fen)


class PurchasePlan(RecordMixin, db.Model):
    """The monthly purchase plan (采购计划单, 第十六条): built on the 25th from approved purchase
    requests and the items below their reorder level; 行政办主任 reviews, the GM approves above
    the limit; goods received against it are written to the ledger."""

    __tablename__ = "supply_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # the month it buys for
    note: Mapped[str] = mapped_column(Text, default="")

    instance: Mapped[Instance | None] = relationship()
    lines: Mapped[list[PlanLine]] = relationship(
        back_populates="plan", order_by="PlanLine.id", cascade="all, delete-orphan"
    )

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


class PlanLine(db.Model):
    __tablename__ = "supply_plan_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("supply_plans.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("supply_items.id"))
    name: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(10), default="个")
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    price_fen: Mapped[int]
    source: Mapped[str] = mapped_column(String(60), default="")  # "低于安全库存" or 申购单号
    received: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))

    plan: Mapped[PurchasePlan] = relationship(back_populates="lines")
    item: Mapped[SupplyItem | None] = relationship()

    @property
    def amount_fen(self) -> int:
        return int(self.quantity * self.price_fen)
