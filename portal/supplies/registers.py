"""The supplies registers on `core.registers` (filters, paging, CSV/XLSX/PDF exports): 领用登记表,
申购登记表, 出入库台账, stock on hand, monthly use by department against forecast (with its
chart) and the monthly purchase plans; and the home panel of items below their reorder level."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from flask import url_for
from sqlalchemy import and_, func, select
from sqlalchemy.orm import contains_eager, selectinload

from portal.auth.models import Department
from portal.core.charts import bar_chart
from portal.core.registers import Column, Register, filter_carrier
from portal.core.values import Measure, Percent, fen, percent
from portal.extensions import db
from portal.home.services import Panel
from portal.supplies import services
from portal.supplies.models import (
    CATEGORIES,
    LEDGER_KINDS,
    LedgerEntry,
    PurchasePlan,
    PurchaseRequest,
    Requisition,
    RequisitionLine,
    StockBalance,
    SupplyItem,
    qty_text,
)
from portal.workflow.models import STATUS_LABELS, Instance, Status
from portal.workflow.services import last_approver

STATUS_CHOICES = tuple((k, v) for k, v in STATUS_LABELS.items() if k != Status.DRAFT)


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
        selectinload(Requisition.lines).joinedload(RequisitionLine.item),  # one statement for both
        contains_eager(Requisition.instance).selectinload(Instance.tasks),
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
    tiebreak=Instance.id,  # one instance a record: date order as the instances' index has it
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
    tiebreak=Instance.id,
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
    tiebreak=LedgerEntry.id,
    text_columns=(LedgerEntry.reference, LedgerEntry.note,
                  select(SupplyItem.name).where(SupplyItem.id == LedgerEntry.item_id).scalar_subquery(),
                  select(SupplyItem.code).where(SupplyItem.id == LedgerEntry.item_id).scalar_subquery()),
)  # fmt: skip


# --- the report registers: stock on hand, monthly use, the purchase plans --------------------------
# Their filters beyond the shared ones (category, below reorder level, month) are read from the
# request by the register's base query, which is why these registers are built per request; the
# register title names them, so an export says what it holds.

REPORT_FILTERS = {
    # page endpoint -> (export endpoint, the query arguments its export links carry along)
    "supplies.stock": ("supplies.stock_export", ("category", "low")),
    "supplies.forecasts": ("supplies.usage_export", ("month",)),
    "supplies.plans": ("supplies.plans_export", ("month",)),
}
MONTH = re.compile(r"20\d\d-(0[1-9]|1[0-2])")
carry_filters = filter_carrier(REPORT_FILTERS)


def report_args(args):
    """A list of items or departments reads in code order, and has no date to filter on."""
    args = args.copy()
    args.setdefault("dir", "asc")
    args.pop("date_from", None)
    args.pop("date_to", None)
    return args


def _titled(title: str, notes: list[str]) -> str:
    return f"{title}（{'，'.join(notes)}）" if notes else title


# --- stock on hand ------------------------------------------------------------------------------

ON_HAND = func.coalesce(StockBalance.quantity, 0)
STOCK_VALUE = func.coalesce(StockBalance.value_fen, 0)
BELOW_REORDER = and_(
    SupplyItem.active.is_(True), SupplyItem.reorder_level > 0, SupplyItem.reorder_level >= ON_HAND
)


def is_low(item: SupplyItem) -> bool:
    return item.active and item.reorder_level > 0 and item.on_hand <= item.reorder_level


def stock_status(item: SupplyItem) -> str:
    if not item.active:
        return "停用"
    return "低于安全库存" if is_low(item) else "正常"


def _stock(user):
    return (
        select(SupplyItem)
        .outerjoin(StockBalance, StockBalance.item_id == SupplyItem.id)
        .options(contains_eager(SupplyItem.balance))
    )


STOCK = Register(
    key="supplies-stock",
    title="办公用品库存",
    columns=(
        Column("code", "编号", lambda i: i.code, SupplyItem.code, 10),
        Column("name", "品名", lambda i: i.name, SupplyItem.name, 18),
        Column("spec", "规格", lambda i: i.spec, None, 14),
        Column("unit", "单位", lambda i: i.unit, None, 6),
        Column("category", "类别", lambda i: i.category_label, SupplyItem.category, 8),
        Column("on_hand", "结存", lambda i: Measure(i.on_hand, i.unit), ON_HAND, 10),
        Column("value", "金额（元）", lambda i: fen(i.balance.value_fen if i.balance else 0), STOCK_VALUE, 12),
        Column("reorder_level", "安全库存", lambda i: Measure(i.reorder_level, i.unit), SupplyItem.reorder_level, 10),
        Column("status", "状态", stock_status, None, 12, custom=True),
    ),
    base_query=_stock,
    date_column=SupplyItem.created_at,
    default_sort=SupplyItem.code,
    tiebreak=SupplyItem.id,
    search_hint="编号或名称…",
    text_columns=(SupplyItem.code, SupplyItem.name),
    row_class=lambda i: "overdue" if is_low(i) else "",
)  # fmt: skip


@dataclass(frozen=True)
class StockFilters:
    category: str = ""
    low: bool = False


def stock_filters(args) -> StockFilters:
    category = args.get("category", "")
    return StockFilters(category if category in CATEGORIES else "", args.get("low") == "1")


def stock_register(args) -> Register:
    """STOCK narrowed to a category and to the items at or below their reorder level."""
    chosen = stock_filters(args)

    def query(user):
        rows = _stock(user)
        if chosen.category:
            rows = rows.where(SupplyItem.category == chosen.category)
        return rows.where(BELOW_REORDER) if chosen.low else rows

    notes = [CATEGORIES[chosen.category]] if chosen.category else []
    notes += ["低于安全库存"] if chosen.low else []
    return replace(STOCK, base_query=query, title=_titled(STOCK.title, notes))


def stock_total_fen() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(StockBalance.value_fen), 0))))


# --- monthly use against forecast ---------------------------------------------------------------


def report_month(args) -> str:
    month = (args.get("month") or "").strip()
    return month if MONTH.fullmatch(month) else services.month_key()


@dataclass(frozen=True)
class Usage:
    """Each department's use in one month and its forecast (two queries for all of them)."""

    month: str
    used: dict[int, int]
    forecasts: dict[int, int]

    def used_fen(self, department: Department) -> int:
        return self.used.get(department.id, 0)

    def forecast_fen(self, department: Department) -> int | None:
        return self.forecasts.get(department.id)

    def share(self, department: Department) -> Percent | None:
        forecast = self.forecast_fen(department)
        return percent(self.used_fen(department) * 100 / forecast) if forecast else None


def usage(month: str) -> Usage:
    return Usage(month, services.month_use_by_department(month), services.forecasts_for(month))


def usage_register(figures: Usage) -> Register:
    return Register(
        key="supplies-usage",
        title=f"{figures.month} 各部门办公用品领用",
        columns=(
            Column("department", "部门", lambda d: d.name, Department.code, 16),
            Column("used", "领用金额（元）", lambda d: fen(figures.used_fen(d)), None, 14),
            # No forecast: an empty cell (the page says 未设定), never text in a money column.
            Column("forecast", "月度预算（元）", lambda d: fen(figures.forecast_fen(d)), None, 14,
                   custom=True),
            Column("share", "占预算", figures.share, None, 10),
        ),
        base_query=lambda user: select(Department),
        date_column=Department.id,  # never filtered: report_args() drops the dates
        department_column=Department.id,
        default_sort=Department.code,
        tiebreak=Department.id,
        search_hint="部门名称…",
        text_columns=(Department.name,),
        row_class=lambda d: "overdue" if (figures.share(d) or 0) > 100 else "",
    )  # fmt: skip


def usage_report(args) -> tuple[Register, Usage]:
    """The monthly-use register of the month in `args` (this month by default), with its figures."""
    figures = usage(report_month(args))
    return usage_register(figures), figures


def usage_chart(figures: Usage, departments: list[Department]):
    data = [(d.name, round(float(s), 1) if (s := figures.share(d)) is not None else None)
            for d in departments]  # fmt: skip
    return bar_chart(
        data,
        f"{figures.month} 各部门领用占月度预算",
        unit="%",
        scale=max([100.0, *[v for _, v in data if v is not None]]),
        target=100,
    )


# --- monthly purchase plans ---------------------------------------------------------------------------


def _plans(user):
    return services.visible(user, "supply_plans").options(
        contains_eager(PurchasePlan.instance), selectinload(PurchasePlan.lines)
    )


PLANS = Register(
    key="supplies-plans",
    title="办公用品月度采购计划",
    columns=(
        Column("number", "编号", lambda p: p.number, Instance.number, 16),
        Column("month", "计划月份", lambda p: p.month, PurchasePlan.month, 10),
        Column("date", "生成时间", lambda p: p.instance.submitted_at, Instance.submitted_at, 16),
        Column("lines", "条目", lambda p: len(p.lines), None, 6),
        Column("total", "金额（元）", lambda p: fen(p.total_fen), None, 12),
        Column("status", "状态", lambda p: p.instance.status_label, None, 8),
    ),
    base_query=_plans,
    date_column=Instance.submitted_at,
    status_column=Instance.status,
    status_choices=STATUS_CHOICES,
    default_sort=PurchasePlan.month,
    tiebreak=PurchasePlan.id,
    search_hint="编号…",
    text_columns=(Instance.number,),
    row_url=lambda p: url_for("supplies.plan_detail", id=p.id),
)  # fmt: skip


def plan_month(args) -> tuple[str, str | None]:
    """The month filter of the plans list: (YYYY-MM or "", an error message)."""
    month = (args.get("month") or "").strip()
    if month and not MONTH.fullmatch(month):
        return "", "月份格式应为 YYYY-MM。"
    return month, None


def plans_register(args) -> Register:
    month, _ = plan_month(args)
    if not month:
        return PLANS
    return replace(PLANS, base_query=lambda user: _plans(user).where(PurchasePlan.month == month),
                   title=_titled(PLANS.title, [month]))  # fmt: skip


def low_stock_panel(user) -> Panel | None:
    """Home: items at or below their reorder level, for 行政办."""
    if not services.can_manage(user):
        return None
    query = services.below_reorder().options(contains_eager(SupplyItem.balance))
    items = db.session.scalars(query.limit(8)).all()
    entries = [{"label": f"{i.code} {i.name}", "url": url_for("supplies.stock", low=1),
                "meta": f"结存 {qty_text(i.on_hand, i.unit)}，安全库存 {qty_text(i.reorder_level)}",
                "overdue": i.on_hand <= 0} for i in items]  # fmt: skip
    return Panel("低于安全库存的办公用品", entries, "库存均高于安全库存。", url_for("supplies.stock", low=1),
                 order=35)  # fmt: skip
