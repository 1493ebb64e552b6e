"""What the supplies pages show: the step pages (issue, sign for receipt, the 行政办 decision
on a purchase request, receiving against the plan), record-page data and the record PDFs
(办公用品领用单 as the issue slip, 申购单, 采购计划单)."""

from __future__ import annotations

from decimal import Decimal

from portal.supplies import forms, services
from portal.supplies.flow import PROCEDURE
from portal.supplies.ledger import StockError
from portal.supplies.models import (
    CATEGORIES,
    DECISIONS,
    PurchasePlan,
    PurchaseRequest,
    Requisition,
    qty_text,
)
from portal.workflow import records
from portal.workflow import services as workflow
from portal.workflow.pages import Outcome, StepPage, StepRefused, citations


def yuan(fen: int | None) -> str:
    return "" if fen is None else f"{fen / 100:,.2f}"


def clauses(anchors: list[str]) -> list[dict]:
    return citations(PROCEDURE, anchors, "办公用品管理办法")


# --- the requisition ------------------------------------------------------------------------------


def line_rows(record: Requisition) -> list[dict]:
    return [
        {
            "item": x.item, "quantity": qty_text(x.quantity, x.item.unit), "purpose": x.purpose,
            "issued": qty_text(x.issued, x.item.unit) if record.issued_at else "",
            "outstanding": qty_text(x.outstanding, x.item.unit) if record.issued_at else "",
            "on_hand": qty_text(x.item.on_hand, x.item.unit), "value": yuan(x.value_fen),
        }
        for x in record.lines
    ]  # fmt: skip


def requisition_page(record: Requisition, user) -> dict:
    return {
        "record": record,
        "rows": line_rows(record),
        "value": yuan(record.value_fen),
        "forecast": yuan(record.forecast_fen) if record.forecast_fen is not None else "未设定",
        "month_use": yuan(record.month_use_fen),
        "clauses": clauses(["art-5", "art-6", "art-7", "art-12"]),
    }


def form_page(record: Requisition | None, user, form) -> dict:
    """The requisition form: the catalogue for the type-ahead, the next issue day, the
    department's use against its forecast with what this form adds."""
    from portal.supplies.flow import next_issue_day

    items = services.active_items()
    adding = 0
    for entry in form.lines.entries:
        item = forms.resolve_item(entry.form.item.data)
        if item is not None and entry.form.quantity.data and entry.form.quantity.data > 0:
            adding += int(entry.form.quantity.data * item.price_fen)

    department = user.department
    budget = services.use_against_forecast(department.id, adding) if department else None
    return {
        "record": record,
        "items": items,
        "issue_day": next_issue_day(),
        "budget": budget,
        "yuan": yuan,
        "duplicates": getattr(form, "duplicates", {}),
        "clauses": clauses(["art-5", "art-6", "art-7", "art-12"]),
    }


def requisition_pdf(record: Requisition) -> tuple[bytes, str]:
    instance = record.instance
    fields = [
        [{"label": "领用人", "value": instance.applicant.display_name},
         {"label": "部门", "value": instance.department.name if instance.department else ""}],
        [{"label": "发放日", "value": str(record.issue_day or "")},
         {"label": "紧急", "value": f"是：{record.urgent_reason}" if record.urgent else "否"}],
        [{"label": "领用事由", "value": record.purpose, "span": 2}],
        [{"label": "本单金额（元）", "value": yuan(record.value_fen)},
         {"label": "本月部门用量/预算（元）", "value": f"{yuan(record.month_use_fen)} / "
                                                f"{yuan(record.forecast_fen) or '未设定'}"}],
    ]  # fmt: skip
    rows = [[r["item"].code, r["item"].name, r["item"].spec, r["quantity"], r["issued"],
             r["outstanding"], r["purpose"]] for r in line_rows(record)]  # fmt: skip
    section = {"title": "领用明细", "rows": rows,
               "columns": ["编号", "品名", "规格", "申领", "实发", "欠发", "用途"]}  # fmt: skip
    data = records.record_pdf(
        instance, "pdf/base_record.html", "办公用品领用单", fields, sections=[section],
        signatures=["领用人签收", "部门负责人", "行政办主任（紧急/超预算）", "行政助理发放"],
    )  # fmt: skip
    return data, f"{instance.number or f'requisition-{record.id}'}.pdf"


# --- purchase requests and plans ------------------------------------------------------------------


def purchase_page(record: PurchaseRequest, user) -> dict:
    return {"record": record, "decision": DECISIONS.get(record.decision, ""), "yuan": yuan,
            "clauses": clauses(["art-14", "art-15"])}  # fmt: skip


def purchase_pdf(record: PurchaseRequest) -> tuple[bytes, str]:
    instance = record.instance
    fields = [
        [{"label": "申购人", "value": instance.applicant.display_name},
         {"label": "部门", "value": instance.department.name if instance.department else ""}],
        [{"label": "需用日期", "value": str(record.needed_by or "")},
         {"label": "合计（元）", "value": yuan(record.total_fen)}],
        [{"label": "申购理由", "value": record.reason, "span": 2}],
        [{"label": "行政办处理", "value": DECISIONS.get(record.decision, "")},
         {"label": "核查意见", "value": record.decision_note}],
    ]  # fmt: skip
    rows = [[x.name, x.spec, x.unit, qty_text(x.quantity), yuan(x.price_fen), yuan(x.amount_fen)]
            for x in record.lines]  # fmt: skip
    section = {"title": "申购明细", "rows": rows,
               "columns": ["品名", "规格", "单位", "数量", "预计单价", "金额"]}  # fmt: skip
    data = records.record_pdf(instance, "pdf/base_record.html", "办公用品申购单", fields,
                              sections=[section], signatures=["申购人", "部门主管", "行政办", "总经理"])  # fmt: skip
    return data, f"{instance.number}.pdf"


def plan_page(plan: PurchasePlan, user) -> dict:
    return {"plan": plan, "yuan": yuan, "qty": qty_text, "clauses": clauses(["art-16", "art-19"])}


def plan_pdf(plan: PurchasePlan) -> tuple[bytes, str]:
    fields = [[{"label": "计划月份", "value": plan.month},
               {"label": "合计（元）", "value": yuan(plan.total_fen)}]]  # fmt: skip
    rows = [[x.name, x.unit, qty_text(x.quantity), yuan(x.price_fen), yuan(x.amount_fen),
             x.source, qty_text(x.received)] for x in plan.lines]  # fmt: skip
    section = {"title": "采购明细", "rows": rows,
               "columns": ["品名", "单位", "数量", "单价", "金额", "来源", "已到货"]}  # fmt: skip
    data = records.record_pdf(plan.instance, "pdf/base_record.html", "月度采购计划单", fields,
                              sections=[section], signatures=["行政办编制", "行政办主任审核", "总经理审批"])  # fmt: skip
    return data, f"{plan.number}.pdf"


def record_page(record, user, build) -> dict:
    return {**workflow.record_context(record, user), **build(record, user)}


# --- step pages ----------------------------------------------------------------------------------


def _issue_form(record: Requisition, user):
    return forms.IssueForm(lines=record.lines)


def _save_issue(record: Requisition, form, user, button: str) -> Outcome:
    try:
        comment = services.issue(record, form.issued(), user, form.note.data or "")
    except StockError as exc:
        raise StepRefused(str(exc)) from exc
    short = record.backorder
    message = "已发放，欠发部分到货后补发。" if short else "已按单发放。"
    return Outcome(
        message,
        comment=comment,
        data={"issued": {x.item.code: str(x.issued) for x in record.lines}},
    )


def _receive_form(record: Requisition, user):
    return forms.ReceiptConfirmForm()


def _save_receive(record: Requisition, form, user, button: str) -> Outcome:
    return Outcome("已签收。", comment=services.confirm_receipt(record, user, form.note.data or ""))


def _decide_form(record: PurchaseRequest, user):
    return forms.DecideForm()


def _save_decide(record: PurchaseRequest, form, user, button: str) -> Outcome:
    record.decision = form.decision.data
    record.decision_note = (form.decision_note.data or "").strip()
    label = DECISIONS[record.decision]
    return Outcome(f"已决定：{label}。", comment=f"{label}：{record.decision_note}")


def _plan_receive_form(plan: PurchasePlan, user):
    return forms.PlanReceiveForm(lines=plan.lines)


def _save_plan_receive(plan: PurchasePlan, form, user, button: str) -> Outcome:
    quantities, prices = form.received()
    try:
        comment = services.receive_plan(plan, quantities, prices, user)
    except StockError as exc:
        raise StepRefused(str(exc)) from exc
    done = all(x.received >= x.quantity for x in plan.lines)
    if button == "partial" and not done:
        return Outcome("已入库，其余到货后再登记。", action=None)
    return Outcome("已验收入库，采购计划办结。", comment=comment)


def _requisition_context(record, user) -> dict:
    return requisition_page(record, user)


STEP_PAGES = (
    StepPage("supplies.issue", "supplies", "/<int:id>/issue", "按单发放", _issue_form, _save_issue,
             template="supplies/issue.html", buttons=(("issue", "确认发放"),),
             context=_requisition_context, intro="按单备货，当面清点；库存不足的行按实发数量登记，欠发部分到货后补发（第六条）。"),
    StepPage("supplies.receive", "supplies", "/<int:id>/receive", "领用签收", _receive_form,
             _save_receive, template="supplies/issue.html", buttons=(("receive", "确认签收"),),
             context=_requisition_context, intro="领用人当面清点无误后签收；行政助理也可凭签字的领用单登记。"),
    StepPage("supplies.decide", "supply_purchases", "/purchases/<int:id>/decide", "行政办核查",
             _decide_form, _save_decide, buttons=(("decide", "提交"),), context=purchase_page,
             template="supplies/decide.html",
             intro="核查现有库存和其他部门的闲置物品：能满足的办理调拨，不再采购（第十五条（三））。"),
    StepPage("supplies.plan_receive", "supply_plans", "/plans/<int:id>/receive", "到货验收入库",
             _plan_receive_form, _save_plan_receive, template="supplies/plan_receive.html",
             buttons=(("partial", "部分到货，先行入库"), ("complete", "全部到货，办结")),
             context=plan_page, intro="按采购单核对品名、规格、数量和质量，合格的办理入库登记（第十九条）。"),
)  # fmt: skip


# --- forms' first values ----------------------------------------------------------------------------


def requisition_form_data(record: Requisition) -> dict:
    lines = [
        {"item": x.item.label, "quantity": x.quantity, "purpose": x.purpose} for x in record.lines
    ]
    return {"purpose": record.purpose, "urgent": record.urgent,
            "urgent_reason": record.urgent_reason, "lines": lines or [{}]}  # fmt: skip


def item_form_data(item) -> dict | None:
    if item is None:
        return {"active": True, "max_per_line": 50}
    return {
        "code": item.code, "name": item.name, "spec": item.spec, "unit": item.unit,
        "category": item.category, "reorder_level": item.reorder_level,
        "max_per_line": item.max_per_line, "supplier": item.supplier,
        "price": item.price_fen / 100, "active": item.active,
    }  # fmt: skip


# --- stock and movements ----------------------------------------------------------------------------

MOVEMENTS = {
    "receive": ("入库登记", "到货验收合格的物品登记入库，单价按发票或采购单（第十九条）。", ["art-19", "art-22"]),
    "return": ("退库登记", "离职、调岗交回的耐用品（交接清单）或未用的物品退回库房（第九条）。", ["art-9", "art-22"]),
    "count": ("盘点", "按实物清点的数量登记，差异注明原因；盘点期间有出入库的须重新清点；差异金额超过 2000 元的须经总经理审批，由总经理登记（第二十三条）。", ["art-22", "art-23"]),
}  # fmt: skip


def stock_page(args) -> dict:
    """What the stock page shows beside its register: the filters of its own, the total value
    and the backorders."""
    from portal.supplies.registers import stock_filters, stock_total_fen

    backorders = services.db.session.scalars(services.backorders().limit(50)).all()
    return {"chosen": stock_filters(args), "categories": CATEGORIES,
            "total": yuan(stock_total_fen()), "backorders": backorders, "qty": qty_text}  # fmt: skip


def movement_form(form_class, kind: str, args=None):
    """The movement form; a count opened for one item (`?item=OF-001`) shows its book quantity
    and carries it in hidden fields."""
    from portal.auth.services import department_choices

    form = form_class()
    form.department_id.choices = [(0, "（不计入部门）"), *department_choices()]
    if kind == "count":
        form.quantity.label.text = "实盘数量"
        item = forms.resolve_item((args or {}).get("item", "")) if not form.is_submitted() else None
        if item is not None:
            form.item.data = item.label
            form.show_book(item, item.on_hand)
    return form


def movement_page(kind: str, form=None) -> dict:
    title, intro, anchors = MOVEMENTS[kind]
    book = None
    if kind == "count" and form is not None and form.book.data:
        item = services.item_by_code(form.book_code.data or "")
        if item is not None:
            book = f"{item.code} {item.name}：{qty_text(Decimal(form.book.data), item.unit)}"
    return {"kind": kind, "title": title, "intro": intro, "items": services.active_items(),
            "book": book, "clauses": clauses(anchors)}  # fmt: skip


def post_movement(kind: str, form, user):
    item, quantity = form.resolved, form.quantity.data
    note = (form.note.data or "").strip()
    if kind == "receive":
        if form.price.fen is None:
            raise StockError("请填写入库单价。")
        return services.receive(
            item, quantity, form.price.fen, user, (form.supplier.data or "").strip(), note
        )
    if kind == "return":
        if not note:
            raise StockError("请写明退库原因（如：离职交接清单、未用完退回）。")
        return services.return_stock(item, quantity, user, form.department_id.data or None, note)
    seen = form.seen_book()
    if seen is None:  # the counter has not seen this item's book yet: show it, save nothing
        form.show_book(item, item.on_hand)
        raise StockError(
            f"账面数量为 {qty_text(item.on_hand, item.unit)}，请核对实盘数量后再次提交。"
        )
    try:
        return services.count(item, quantity, user, note, book=seen)
    except services.BookChanged as exc:
        form.show_book(item, exc.book)
        raise


def movement_message(kind: str, entry) -> str:
    if entry is None:
        return "盘点数量与账面一致，无需调整。"
    verb = {"receive": "已入库", "return": "已退库", "count": "已按盘点调整"}[kind]
    return f"{verb}：{entry.item.name} {qty_text(entry.quantity, entry.item.unit)}，结存 {qty_text(entry.balance_after, entry.item.unit)}。"


# --- forecasts and monthly use -------------------------------------------------------------------------


def forecast_form(form_class, user):
    from portal.auth.services import department_choices

    form = form_class()
    choices = department_choices()
    if not services.can_manage(user):
        choices = [
            (i, n)
            for i, n in choices
            if services.can_set_forecast(user, services.get_department_or_404(i))
        ]
    form.department_id.choices = choices
    if not form.is_submitted():
        form.month.data = services.month_key()
    return form


def usage_page(register, figures, args) -> dict:
    """The chart beside the monthly-use register: the departments its filters leave."""
    from flask_login import current_user

    from portal.core.registers import build_query, parse_filters
    from portal.supplies.registers import usage_chart

    shown = services.db.session.scalars(
        build_query(register, parse_filters(args), current_user)
    ).all()
    return {"month": figures.month, "chart": usage_chart(figures, shown)}
