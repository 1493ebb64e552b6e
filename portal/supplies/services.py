"""Supplies services: predicates, loaders, named queries and writes (each flushes; the view or
CLI command commits once). Status changes go through the engine; stock changes go through
`ledger.post`."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.auth.models import Department, RoleCode, users_with_role
from portal.core import audit
from portal.core.clock import local_now, local_zone, now
from portal.extensions import db
from portal.supplies.flow import (
    gm_limit_fen,
    next_issue_day,
)
from portal.supplies.ledger import StockError, post
from portal.supplies.models import (
    Forecast,
    LedgerEntry,
    PlanLine,
    PurchaseLine,
    PurchasePlan,
    PurchaseRequest,
    Requisition,
    RequisitionLine,
    StockBalance,
    SupplyItem,
    qty_text,
)
from portal.workflow import access, engine
from portal.workflow.models import Instance, Status

ITEM_FIELDS = ("code", "name", "spec", "unit", "fractional", "category", "reorder_level",
               "max_per_line", "supplier", "price_fen", "active")  # fmt: skip


# --- predicates ---------------------------------------------------------------------------------


def can_manage(user) -> bool:
    """The catalogue, receipts, counts and forecasts: 行政办 and the system administrator."""
    return bool(
        user.is_authenticated
        and user.has_role(RoleCode.ADMIN_STAFF, RoleCode.ADMIN_HEAD, RoleCode.SYSADMIN)
    )


def can_post_movement(user, kind: str) -> bool:
    """Receipts and returns: 行政办. A count also the GM, who posts a difference above the limit
    himself (第二十三条)."""
    return can_manage(user) or (
        kind == "count" and user.is_authenticated and user.has_role(RoleCode.GM)
    )


def can_set_forecast(user, department: Department) -> bool:
    return can_manage(user) or (user.is_authenticated and department.head_id == user.id)


# --- loaders and named queries -------------------------------------------------------------------


def get_department_or_404(department_id: int) -> Department:
    return db.get_or_404(Department, department_id)


def get_item_or_404(item_id: int) -> SupplyItem:
    return db.get_or_404(SupplyItem, item_id)


def catalogue(include_inactive: bool = True):
    query = select(SupplyItem).options(selectinload(SupplyItem.balance))
    if not include_inactive:
        query = query.where(SupplyItem.active.is_(True))
    return query.order_by(SupplyItem.active.desc(), SupplyItem.code)


def active_items() -> list[SupplyItem]:
    return list(db.session.scalars(catalogue(include_inactive=False)))


def find_items(text: str, limit: int = 8) -> list[SupplyItem]:
    """The type-ahead: active items whose code, name or spec contains `text`."""
    pattern = f"%{text.strip()}%"
    query = catalogue(include_inactive=False).where(
        or_(SupplyItem.code.ilike(pattern), SupplyItem.name.ilike(pattern),
            SupplyItem.spec.ilike(pattern))
    )  # fmt: skip
    return list(db.session.scalars(query.limit(limit)))


def item_by_code(code: str) -> SupplyItem | None:
    return db.session.scalar(select(SupplyItem).where(SupplyItem.code == code.strip().upper()))


def items_by_id(ids) -> dict[int, SupplyItem]:
    rows = db.session.scalars(select(SupplyItem).where(SupplyItem.id.in_(list(ids))))
    return {item.id: item for item in rows}


def below_reorder():
    """Active items at or below their reorder level (the plan's second source, 第二十四条)."""
    on_hand = func.coalesce(StockBalance.quantity, 0)
    return (
        select(SupplyItem)
        .outerjoin(StockBalance, StockBalance.item_id == SupplyItem.id)
        .where(SupplyItem.active.is_(True), SupplyItem.reorder_level > 0,
               on_hand <= SupplyItem.reorder_level)
        .order_by(SupplyItem.code)
    )  # fmt: skip


def ledger(item: SupplyItem | None = None):
    query = select(LedgerEntry).options(selectinload(LedgerEntry.item))
    if item is not None:
        query = query.where(LedgerEntry.item_id == item.id)
    return query.order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc())


def visible(user, form_type: str):
    return access.visible_records(user, form_type).where(Instance.submitted_at.is_not(None))


# --- the catalogue -----------------------------------------------------------------------------


def save_item(item: SupplyItem | None, data: dict, user) -> SupplyItem:
    if item is None:
        item = SupplyItem()
        db.session.add(item)
    changed = [k for k in ITEM_FIELDS if getattr(item, k, None) != data[k]]
    for key in ITEM_FIELDS:
        setattr(item, key, data[key])
    db.session.flush()
    audit.record("supply_item", item.id, "update" if changed else "create", user,
                 comment="、".join(changed))  # fmt: skip
    return item


def code_taken(code: str, item: SupplyItem | None) -> bool:
    query = select(SupplyItem.id).where(SupplyItem.code == code.strip().upper())
    if item is not None:
        query = query.where(SupplyItem.id != item.id)
    return db.session.scalar(query) is not None


# --- forecasts ---------------------------------------------------------------------------------


def month_key(day: date | datetime | None = None) -> str:
    day = day or local_now()
    return f"{day:%Y-%m}"


def forecast_for(department_id: int, month: str) -> int | None:
    """The department's forecast for `month`: its own, or else the latest earlier one (a
    forecast is copied forward until it is changed)."""
    row = db.session.scalar(
        select(Forecast)
        .where(Forecast.department_id == department_id, Forecast.month <= month)
        .order_by(Forecast.month.desc())
        .limit(1)
    )
    return row.amount_fen if row is not None else None


def set_forecast(department: Department, month: str, amount_fen: int, user) -> Forecast:
    row = db.session.scalar(
        select(Forecast).where(Forecast.department_id == department.id, Forecast.month == month)
    )
    if row is None:
        row = Forecast(department_id=department.id, month=month, set_by_id=user.id, amount_fen=0)
        db.session.add(row)
    row.amount_fen, row.set_by_id, row.set_at = amount_fen, user.id, now()
    db.session.flush()
    comment = f"{department.name} {month} 预算 {amount_fen / 100:.2f} 元"
    audit.record("supply_forecast", row.id, "update", user, comment=comment)
    return row


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    year, number = (int(p) for p in month.split("-"))
    start = datetime.combine(date(year, number, 1), time(0), local_zone())
    following = date(year + (number == 12), number % 12 + 1, 1)
    return start, datetime.combine(following, time(0), local_zone())


def month_use_fen(department_id: int, month: str) -> int:
    """What the department drew this month: issues (at cost) less returns."""
    start, end = _month_bounds(month)
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
            LedgerEntry.department_id == department_id,
            LedgerEntry.kind.in_(("issue", "return")),
            LedgerEntry.at >= start,
            LedgerEntry.at < end,
        )
    )
    return -int(total)


def month_use_by_department(month: str) -> dict[int, int]:
    """month_use_fen() of every department that drew something in `month`, in one query."""
    start, end = _month_bounds(month)
    rows = db.session.execute(
        select(LedgerEntry.department_id, func.sum(LedgerEntry.amount_fen))
        .where(
            LedgerEntry.department_id.is_not(None),
            LedgerEntry.kind.in_(("issue", "return")),
            LedgerEntry.at >= start,
            LedgerEntry.at < end,
        )
        .group_by(LedgerEntry.department_id)
    )
    return {department_id: -int(total) for department_id, total in rows}


def forecasts_for(month: str) -> dict[int, int]:
    """forecast_for() of every department that has one, in one query."""
    rows = db.session.execute(
        select(Forecast.department_id, Forecast.amount_fen)
        .where(Forecast.month <= month)
        .order_by(Forecast.month)
    )
    # A later month's forecast replaces an earlier one.
    return dict(rows.all())


def use_against_forecast(department_id: int, extra_fen: int = 0) -> dict:
    month = month_key()
    used = month_use_fen(department_id, month)
    forecast = forecast_for(department_id, month)
    after = used + extra_fen
    return {"month": month, "used_fen": used, "forecast_fen": forecast, "after_fen": after,
            "over": forecast is not None and after > forecast}  # fmt: skip


# --- requisitions -------------------------------------------------------------------------------


def _apply_requisition(record: Requisition, data: dict) -> None:
    record.purpose = data["purpose"]
    record.urgent = bool(data["urgent"])
    record.urgent_reason = data["urgent_reason"] if record.urgent else ""
    items = items_by_id(row["item_id"] for row in data["lines"])
    record.lines = [
        RequisitionLine(item=items[row["item_id"]], quantity=row["quantity"],
                        purpose=row.get("purpose") or "")
        for row in data["lines"]
    ]  # fmt: skip


def save_requisition(record: Requisition | None, data: dict, user, submit: bool) -> Requisition:
    """Create or update a draft requisition, then submit it when asked: the issue day and the
    department's use against its forecast are fixed at submit (they decide the route)."""
    if record is None:
        record = Requisition()
        db.session.add(record)
        _apply_requisition(record, data)
        db.session.flush()
        record.instance = engine.start("supplies", record, user)
    else:
        engine.lock(record.instance)
        _apply_requisition(record, data)
        engine.refresh_title(record.instance, record)
    db.session.flush()
    if submit:
        submit_requisition(record, user)
    return record


def submit_requisition(record: Requisition, user) -> None:
    today = local_now().date()
    record.issue_day = today if record.urgent else next_issue_day(today)
    department_id = record.instance.department_id
    check = use_against_forecast(department_id, record.value_fen) if department_id else None
    record.over_forecast = bool(check and check["over"])
    record.month_use_fen = check["after_fen"] if check else record.value_fen
    record.forecast_fen = check["forecast_fen"] if check else None
    engine.transition(record.instance, "submit", user)


def issue(record: Requisition, quantities: dict[int, Decimal], user, note: str = "") -> str:
    """第六条(三)(四): issue each line (at most what was asked for), post the ledger and move
    the requisition to the requester's signature; what is short stays as a backorder."""
    engine.require_task(record.instance, user, "issue")
    department_id = record.instance.department_id
    for line in record.lines:
        quantity = quantities.get(line.id, Decimal(0))
        if quantity < 0 or quantity > line.quantity:
            raise StockError(
                f"“{line.item.name}”的发放数量应在 0 到 {qty_text(line.quantity)} 之间。"
            )
        if quantity > 0:
            post(line.item, "issue", -quantity, user, department_id=department_id,
                 line_id=line.id, reference=record.number, note=note)  # fmt: skip
        line.issued = quantity
    record.issued_at = now()
    parts = [f"{x.item.name} {qty_text(x.issued, x.item.unit)}" for x in record.lines if x.issued]
    short = [f"{x.item.name} {qty_text(x.outstanding, x.item.unit)}" for x in record.lines
             if x.outstanding > 0]  # fmt: skip
    text = f"已发放：{'、'.join(parts) or '无'}"
    if short:
        text += f"；欠发：{'、'.join(short)}（到货后补发）"
    return f"{text}。{note}".strip()


def confirm_receipt(record: Requisition, user, note: str = "") -> str:
    record.received_at = now()
    record.receipt_note = note[:200]
    who = (
        "领用人" if user.id == record.instance.applicant_id else f"{user.display_name}（登记签字）"
    )
    return f"{who}确认签收。{note}".strip()


def backorders():
    """Requisition lines issued short and not yet made up, oldest first (the receipt page and
    the stock page show them: a receipt can fill them)."""
    return (
        select(RequisitionLine)
        .join(Requisition)
        .join(Instance, Requisition.instance_id == Instance.id)
        .where(Requisition.issued_at.is_not(None), RequisitionLine.issued < RequisitionLine.quantity,
               Instance.status.in_((Status.IN_PROGRESS, Status.COMPLETED)))
        .options(selectinload(RequisitionLine.item), selectinload(RequisitionLine.requisition))
        .order_by(Requisition.issued_at)
    )  # fmt: skip


# --- receipts, returns, counts --------------------------------------------------------------------


def receive(item: SupplyItem, quantity: Decimal, unit_price_fen: int, user, supplier: str = "",
            note: str = "") -> LedgerEntry:  # fmt: skip
    """入库 (第十九条): goods checked in at their unit price."""
    if quantity <= 0:
        raise StockError("入库数量必须大于 0。")
    return post(item, "receipt", quantity, user, unit_price_fen=unit_price_fen,
                reference=supplier or item.supplier, note=note)  # fmt: skip


def return_stock(item: SupplyItem, quantity: Decimal, user, department_id: int | None,
                 reason: str) -> LedgerEntry:  # fmt: skip
    """退库: a leaver's 交接清单 or an unused item (第九条); counts against the department's use."""
    if quantity <= 0:
        raise StockError("退库数量必须大于 0。")
    return post(item, "return", quantity, user, department_id=department_id, note=reason)


class BookChanged(StockError):
    """The book moved between the counter reading it and posting the count; `book` is the new
    book quantity (the form carries it forward for the recount)."""

    def __init__(self, message: str, book: Decimal):
        super().__init__(message)
        self.book = book


def issuing_now(item: SupplyItem) -> str | None:
    """The number of a requisition with `item` at the issue step and due (its issue day is
    today or past): its goods may be off the shelf but not yet booked out."""
    return db.session.scalar(
        select(Instance.number)
        .select_from(RequisitionLine)
        .join(Requisition, RequisitionLine.requisition_id == Requisition.id)
        .join(Instance, Requisition.instance_id == Instance.id)
        .where(RequisitionLine.item_id == item.id, Instance.status == Status.IN_PROGRESS,
               Instance.step_key == "issue", Requisition.issue_day <= local_now().date())
        .order_by(Requisition.issue_day)
        .limit(1)
    )  # fmt: skip


def count(item: SupplyItem, counted: Decimal, user, reason: str,
          book: Decimal | None = None) -> LedgerEntry | None:  # fmt: skip
    """盘点 (第二十三条): the shelf count against the book; the difference is posted with its
    reason. `book` is the book quantity the counter saw: when a movement changed it since (or a
    requisition of the item is being issued), the count is refused and must be redone. A
    difference above the GM limit is posted only by the GM, and the entry says he approved it."""
    from portal.supplies.ledger import average_cost, lock_balance

    number = issuing_now(item)
    if number is not None:
        raise StockError(f"领用单 {number} 正在发放“{item.name}”，请发放登记完成后再清点登记。")
    balance = lock_balance(item)
    if book is not None and balance.quantity != book:
        raise BookChanged(
            f"盘点期间该物品有出入库（账面 {qty_text(book, item.unit)} → "
            f"{qty_text(balance.quantity, item.unit)}），请重新清点后再登记。",
            balance.quantity,
        )
    difference = counted - balance.quantity
    if difference == 0:
        return None
    if not reason.strip():
        raise StockError("请写明盘盈或盘亏的原因。")
    value = abs(difference * average_cost(balance, item))
    limit = gm_limit_fen()
    note = reason.strip()
    if value > limit:
        if not user.has_role(RoleCode.GM):
            raise StockError(
                f"盘点差异金额 {value / 100:.2f} 元超过 {limit / 100:.0f} 元，"
                "须经总经理审批，由总经理本人登记调整（第二十三条）。"
            )
        note = f"{note}（差异金额 {value / 100:.2f} 元，超过 {limit / 100:.0f} 元，经总经理审批）"
    return post(item, "adjust", difference, user, note=note, reference="盘点")


# --- purchase requests and the monthly plan -------------------------------------------------------


def save_purchase(data: dict, user) -> PurchaseRequest:
    record = PurchaseRequest(reason=data["reason"], needed_by=data["needed_by"])
    items = items_by_id(r["item_id"] for r in data["lines"] if r.get("item_id"))
    for row in data["lines"]:
        item = items.get(row.get("item_id") or 0)
        record.lines.append(PurchaseLine(
            item=item, name=item.name if item else row["name"], spec=row.get("spec") or "",
            unit=item.unit if item else (row.get("unit") or "个"), quantity=row["quantity"],
            price_fen=row["price_fen"],
        ))  # fmt: skip
    db.session.add(record)
    db.session.flush()
    record.instance = engine.start("supply_purchases", record, user)
    engine.transition(record.instance, "submit", user)
    return record


def planned_requests():
    """Approved purchases not yet in a plan."""
    return (
        select(PurchaseRequest)
        .join(Instance, PurchaseRequest.instance_id == Instance.id)
        .where(Instance.status == Status.COMPLETED, PurchaseRequest.decision == "purchase",
               PurchaseRequest.plan_id.is_(None))
        .options(selectinload(PurchaseRequest.lines))
        .order_by(Instance.completed_at)
    )  # fmt: skip


def next_month(day: date | None = None) -> str:
    day = day or local_now().date()
    return f"{day.year + (day.month == 12)}-{day.month % 12 + 1:02d}"


def get_plan(month: str) -> PurchasePlan | None:
    return db.session.scalar(select(PurchasePlan).where(PurchasePlan.month == month))


def build_plan(user=None, month: str | None = None) -> PurchasePlan | None:
    """第十六条: next month's plan from the approved purchases and the items at or below their
    reorder level (brought up to twice that level); submitted to 行政办主任. Idempotent: a month
    that has a plan keeps it. Returns the plan, or None when there is nothing to buy."""
    month = month or next_month()
    existing = get_plan(month)
    if existing is not None:
        return existing
    user = user or db.session.scalar(users_with_role(RoleCode.ADMIN_STAFF).limit(1))
    plan = PurchasePlan(month=month)
    requests = list(db.session.scalars(planned_requests()))
    for request in requests:
        for line in request.lines:
            plan.lines.append(PlanLine(item_id=line.item_id, name=line.name, unit=line.unit,
                                       quantity=line.quantity, price_fen=line.price_fen,
                                       source=request.number))  # fmt: skip
    for item in db.session.scalars(below_reorder()):
        quantity = item.reorder_level * 2 - item.on_hand
        if quantity > 0:
            plan.lines.append(PlanLine(item_id=item.id, name=item.name, unit=item.unit,
                                       quantity=quantity, price_fen=item.price_fen,
                                       source="低于安全库存"))  # fmt: skip
    if not plan.lines or user is None:
        return None
    db.session.add(plan)
    db.session.flush()
    for request in requests:
        request.plan_id = plan.id
    plan.instance = engine.start("supply_plans", plan, user)
    engine.transition(plan.instance, "submit", user, "月度采购计划（按第十六条生成）")
    return plan


def receive_plan(plan: PurchasePlan, quantities: dict[int, Decimal], prices: dict[int, int],
                 user) -> str:  # fmt: skip
    """第十九条: goods received against the plan go into the ledger at the price paid."""
    engine.require_task(plan.instance, user, "receive")
    parts = []
    for line in plan.lines:
        quantity = quantities.get(line.id, Decimal(0))
        if quantity <= 0:
            continue
        if line.item is None:
            raise StockError(f"“{line.name}”不在目录中，请先在目录中建档后再入库。")
        receive(line.item, quantity, prices.get(line.id, line.price_fen), user,
                note=f"按采购计划 {plan.number} 入库")  # fmt: skip
        line.received += quantity
        parts.append(f"{line.name} {qty_text(quantity, line.unit)}")
    if not parts:
        raise StockError("请至少填写一行到货数量。")
    return "验收入库：" + "、".join(parts)


def plan_job() -> list[str]:
    """The tick's part (第十六条): from the 25th, next month's plan exists (built once)."""
    today = local_now().date()
    if today.day < 25 or get_plan(next_month(today)) is not None:
        return []
    plan = build_plan()
    return [f"supplies: {plan.month} 采购计划 {plan.number}"] if plan else []
