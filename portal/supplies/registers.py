"""The supplies registers (办公用品领用登记表, 申购登记表, 出入库台账) on `core.registers`, the
stock-on-hand table, monthly use by department against forecast (with its chart), and the home
panel of items below their reorder level."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.auth.models import Department
from portal.core.charts import bar_chart
from portal.core.registers import Column, Register
from portal.core.values import Measure, fen
from portal.extensions import db
from portal.home.services import Panel
from portal.supplies import services
from portal.supplies.models import (
    LEDGER_KINDS,
    LedgerEntry,
    PurchaseRequest,
    Requisition,
    RequisitionLine,
    SupplyItem,
    qty_text,
)
from portal.workflow.models import STATUS_LABELS, Instance, Status
from portal.workflow.services import last_approver

STATUS_CHOICES = tuple((k, v) for k, v in STATUS_LABELS.items() if k != Status.DRAFT)


def yuan(fen: int | None) -> str:
    return "" if fen is None else f"{fen / 100:,.2f}"


def _lines(record) -> str:
    return "；".join(f"{x.item.name} {qty_text(x.quantity, x.item.unit)}" for x in record.lines)


def _purchase_lines(record) -> str:
    return "；".join(f"{x.name} {qty_text(x.quantity, x.unit)}" for x in record.lines)


def _issued(record: Requisition) -> str:
    if record.issued_at is None:
        return ""
    short = "、".join(
        f"{x.item.name} {qty_text(x.outstanding, x.item.unit)}" for x in record.backorder
    )
    return f"欠发：{short}" if short else "已全部发放"


def requisitions(user):
    return services.visible(user, "supplies").options(
        selectinload(Requisition.lines).selectinload(RequisitionLine.item),
        selectinload(Requisition.instance).selectinload(Instance.tasks),
    )


REQUISITIONS = Register(
    key="supplies",
    title="办公用品领用登记表",
    columns=(
        Column("date", "日期", lambda r: r.instance.submitted_at, Instance.submitted_at, 16),
        Column("number", "编号", lambda r: r.number, Instance.number, 16),
        Column("department", "部门", lambda r: r.instance.department.name if r.instance.department else "", None, 10),
        Column("applicant", "领用人", lambda r: r.instance.applicant.display_name, None, 8),
        Column("lines", "物品及数量", _lines, None, 36),
        Column("value", "金额（元）", lambda r: fen(r.value_fen), None, 10),
        Column("approver", "审批人", lambda r: last_approver(r.instance), None, 12),
        Column("issue_day", "发放日", lambda r: r.issue_day, Requisition.issue_day, 11),
        Column("issued", "发放", _issued, None, 20),
        Column("received", "签收时间", lambda r: r.received_at, None, 16),
        Column("status", "状态", lambda r: r.instance.status_label, None, 8),
    ),
    base_query=requisitions,
    date_column=Instance.submitted_at,
    department_column=Instance.department_id,
    status_column=Instance.status,
    status_choices=STATUS_CHOICES,
    search_hint="编号、物品、用途…",
    text_columns=(Instance.number, Instance.title, Requisition.purpose),
    row_class=lambda r: "overdue" if r.backorder else "",
    row_url=lambda r: url_for("supplies.detail", id=r.id),
)  # fmt: skip

PURCHASES = Register(
    key="supplies-purchases",
    title="办公用品申购登记表",
    columns=(
        Column("date", "日期", lambda r: r.instance.submitted_at, Instance.submitted_at, 16),
        Column("number", "编号", lambda r: r.number, Instance.number, 16),
        Column("department", "部门", lambda r: r.instance.department.name if r.instance.department else "", None, 10),
        Column("applicant", "申购人", lambda r: r.instance.applicant.display_name, None, 8),
        Column("lines", "物品及数量", lambda r: _purchase_lines(r), None, 30),
        Column("total", "金额（元）", lambda r: fen(r.total_fen), None, 10),
        Column("decision", "行政办处理", lambda r: {"transfer": "库存调拨", "purchase": "采购"}.get(r.decision, ""), None, 10),
        Column("status", "状态", lambda r: r.instance.status_label, None, 8),
    ),
    base_query=lambda user: services.visible(user, "supply_purchases").options(
        selectinload(PurchaseRequest.lines)),
    date_column=Instance.submitted_at,
    department_column=Instance.department_id,
    status_column=Instance.status,
    status_choices=STATUS_CHOICES,
    search_hint="编号、物品、申购理由…",
    text_columns=(Instance.number, Instance.title, PurchaseRequest.reason),
    row_url=lambda r: url_for("supplies.purchase_detail", id=r.id),
)  # fmt: skip


def _ledger(user):
    return services.ledger().options(selectinload(LedgerEntry.department),
                                     selectinload(LedgerEntry.actor))  # fmt: skip


LEDGER = Register(
    key="supplies-ledger",
    title="办公用品出入库台账",
    columns=(
        Column("at", "时间", lambda e: e.at, LedgerEntry.at, 16),
        Column("code", "编号", lambda e: e.item.code, None, 9),
        Column("name", "品名", lambda e: e.item.name, None, 16),
        Column("kind", "类型", lambda e: e.kind_label, None, 8),
        Column("quantity", "数量", lambda e: Measure(e.quantity, e.item.unit), None, 9),
        Column("price", "单价（元）", lambda e: fen(e.unit_price_fen), None, 9),
        Column("amount", "金额（元）", lambda e: fen(e.amount_fen), None, 10),
        Column("balance", "结存", lambda e: Measure(e.balance_after, e.item.unit), None, 9),
        Column("department", "部门", lambda e: e.department.name if e.department else "", None, 9),
        Column("reference", "单据/供应商", lambda e: e.reference, None, 16),
        Column("actor", "经手人", lambda e: e.actor.display_name, None, 8),
        Column("note", "说明", lambda e: e.note, None, 16),
    ),
    base_query=_ledger,
    date_column=LedgerEntry.at,
    department_column=LedgerEntry.department_id,
    status_column=LedgerEntry.kind,
    status_choices=tuple(LEDGER_KINDS.items()),
    search_hint="单据号、物品名称或编码、备注…",
    text_columns=(LedgerEntry.reference, LedgerEntry.note,
                  select(SupplyItem.name).where(SupplyItem.id == LedgerEntry.item_id).scalar_subquery(),
                  select(SupplyItem.code).where(SupplyItem.id == LedgerEntry.item_id).scalar_subquery()),
)  # fmt: skip


# --- stock on hand ------------------------------------------------------------------------------

STOCK_HEADER = ["编号", "品名", "规格", "单位", "类别", "结存", "金额（元）", "安全库存", "状态"]


def stock_rows() -> list[dict]:
    rows = []
    for item in db.session.scalars(services.catalogue()):
        value = item.balance.value_fen if item.balance else 0
        low = item.active and item.reorder_level > 0 and item.on_hand <= item.reorder_level
        rows.append({"item": item, "on_hand": qty_text(item.on_hand, item.unit),
                     "value": yuan(value), "value_fen": value, "low": low,
                     "status": "停用" if not item.active else ("低于安全库存" if low else "正常")})  # fmt: skip
    return rows


def stock_table() -> tuple[list[str], list[list]]:
    rows = [[r["item"].code, r["item"].name, r["item"].spec, r["item"].unit,
             r["item"].category_label, r["item"].on_hand, fen(r["value_fen"]),
             r["item"].reorder_level, r["status"]] for r in stock_rows()]  # fmt: skip
    return STOCK_HEADER, rows


def stock_total_fen() -> int:
    from portal.supplies.models import StockBalance

    return int(db.session.scalar(select(func.coalesce(func.sum(StockBalance.value_fen), 0))))


# --- monthly use against forecast ---------------------------------------------------------------


@dataclass
class UseRow:
    department: str
    used_fen: int
    forecast_fen: int | None

    @property
    def percent(self) -> float | None:
        if not self.forecast_fen:
            return None
        return self.used_fen * 100 / self.forecast_fen


def usage(month: str) -> list[UseRow]:
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    return [UseRow(d.name, services.month_use_fen(d.id, month), services.forecast_for(d.id, month))
            for d in departments]  # fmt: skip


def usage_chart(rows: list[UseRow], month: str):
    data = [(r.department, round(r.percent, 1) if r.percent is not None else None) for r in rows]
    return bar_chart(
        data,
        f"{month} 各部门领用占月度预算",
        unit="%",
        scale=max([100.0, *[v for _, v in data if v is not None]]),
        target=100,
    )


def low_stock_panel(user) -> Panel | None:
    """Home: items at or below their reorder level, for 行政办."""
    if not services.can_manage(user):
        return None
    items = db.session.scalars(services.below_reorder().limit(8)).all()
    entries = [{"label": f"{i.code} {i.name}", "url": url_for("supplies.stock"),
                "meta": f"结存 {qty_text(i.on_hand, i.unit)}，安全库存 {qty_text(i.reorder_level)}",
                "overdue": i.on_hand <= 0} for i in items]  # fmt: skip
    return Panel("低于安全库存的办公用品", entries, "库存均高于安全库存。", url_for("supplies.stock"),
                 order=35)  # fmt: skip
