"""Supplies forms: the requisition with its lines, the assistant's issue and receipt pages, the
purchase request, the plan's receiving, the catalogue, stock movements and forecasts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from flask import has_request_context, request
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import html_params

from portal.core.forms import (
    MAX_AMOUNT,
    DraftForm,
    LineItemsField,
    LocalDateField,
    MoneyField,
    PortalForm,
    RowForm,
    finite_decimal,
    line,
    text,
)
from portal.supplies import services
from portal.supplies.models import CATEGORIES, DECISIONS, UNITS, qty_text

# The largest quantity a line, a movement or a catalogue limit may name.
MAX_QUANTITY = Decimal("999999.99")


class QuantityField(StringField):
    """A quantity with up to two decimals; data is a Decimal (None when blank)."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        self.data = None
        value = finite_decimal(raw.replace("，", "").replace(",", ""), "数量须为数字。")
        if abs(value) > MAX_QUANTITY:  # stored in hundredths in an INTEGER column
            raise ValueError(f"数量不能超过 {qty_text(MAX_QUANTITY)}。")
        self.data = value
        if self.data != self.data.quantize(Decimal("0.01")):
            self.data = None
            raise ValueError("数量最多两位小数。")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return qty_text(self.data) if self.data is not None else ""


def check_quantity(item, quantity: Decimal | None) -> str | None:
    """Why `quantity` of `item` cannot be asked for, or None (the rules of every line)."""
    if quantity is None:
        return "请填写数量。"
    if quantity <= 0:
        return "数量必须大于 0。"
    if not item.fractional and quantity != quantity.to_integral():
        return f"按{item.unit}计，数量须为整数。"
    if quantity > item.max_per_line:
        return f"每行最多 {qty_text(item.max_per_line, item.unit)}。"
    return None


def resolve_item(value: str):
    """The catalogue item a line names: "OF-001", "OF-001 A4 复印纸" or the exact name."""
    value = (value or "").strip()
    if not value:
        return None
    item = services.item_by_code(value.split()[0])
    if item is None:
        matches = [i for i in services.find_items(value, 2) if i.name == value]
        item = matches[0] if len(matches) == 1 else None
    return item


class StockOnHand:
    """The widget of `StockField`: an <output> for the item's input, announced when it changes."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        attrs = html_params(for_=field.row.item.id, aria_live="polite", **kwargs)
        return Markup(f"<output {attrs}>{escape(field.text())}</output>")


class StockField(Field):
    """Not an input: the stock on hand of the item its row names ("20包"), drawn in the row
    whenever the form is drawn (a no-JS re-render) and swapped in alone after htmx's check of
    the line when an item is picked. Nothing is posted for it, so a row is still blank without
    an item."""

    widget = StockOnHand()
    row = None  # the row form, set by it

    def process_formdata(self, valuelist):
        self.data = None

    def text(self) -> str:
        typed = (self.row.item.data or "").strip()
        if not typed:
            return ""
        item = getattr(self.row, "resolved", None) or resolve_item(typed)
        if item is None:
            return "不在目录中"
        if item.on_hand <= 0:
            return f"无库存（0{item.unit}）"
        wanted = self.row.quantity.data
        short = "，不足" if wanted is not None and wanted > item.on_hand else ""
        return f"{qty_text(item.on_hand, item.unit)}{short}"


class RequisitionLineForm(RowForm):
    item = StringField(
        "物品（编号或名称）", render_kw={"list": "supply-items", "autocomplete": "off"}
    )
    stock = StockField("库存")
    quantity = QuantityField("数量")
    purpose = StringField("用途", [Length(max=200, message="最多 200 字。")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stock.row = self
        if has_request_context():
            # The line check: picking an item posts the form (`_validate`, as checked_field
            # expects) and swaps in just this row's stock cell from the page drawn again.
            target = f"#{self.stock.id}"
            self.item.render_kw = {
                **self.item.render_kw, "hx-post": request.path, "hx-trigger": "change",
                "hx-vals": '{"_validate": "lines"}', "hx-include": "closest form",
                "hx-target": target, "hx-select": target, "hx-swap": "outerHTML",
            }  # fmt: skip

    def validate_item(self, field):
        item = resolve_item(field.data)
        if item is None:
            raise ValidationError("目录中没有这个物品，请从列表中选择。")
        if not item.active:
            raise ValidationError(f"“{item.name}”已停用，不能领用。")
        self.resolved = item

    def validate_quantity(self, field):
        item = getattr(self, "resolved", None) or resolve_item(self.item.data)
        if item is not None:
            message = check_quantity(item, field.data)
            if message:
                raise ValidationError(message)


class RequisitionForm(DraftForm):
    REQUIRED_TO_SUBMIT: ClassVar[dict[str, str]] = {"purpose": "请填写领用事由。"}

    purpose = text(
        "领用事由", max_len=500, description="例如：部门日常办公、新员工配发、项目用品。"
    )
    lines = LineItemsField(RequisitionLineForm, "领用明细", min_rows=1, max_rows=30,
                           description="每种物品一行；可输入编号或名称，从列表中选择。")  # fmt: skip
    urgent = BooleanField(
        "紧急领用（发放日以外）", description="须经行政办主任签字确认（第七条）。"
    )
    urgent_reason = line("紧急原因", max_len=200)

    def validate_urgent_reason(self, field):
        if self.urgent.data and not (field.data or "").strip():
            raise ValidationError("紧急领用须写明原因（第七条）。")

    def validate_lines(self, field):
        seen: dict[int, list[int]] = {}
        for number, entry in enumerate(field.entries, start=1):
            item = getattr(entry.form, "resolved", None)
            if item is not None:
                seen.setdefault(item.id, []).append(number)
        twice = {k: v for k, v in seen.items() if len(v) > 1}
        if twice:
            self.duplicates = twice
            rows = "；".join("、".join(f"第 {n} 行" for n in v) for v in twice.values())
            raise ValidationError(f"同一物品出现在多行（{rows}），请合并为一行。")

    def requisition_data(self) -> dict:
        rows = []
        for entry in self.lines.entries:
            item = getattr(entry.form, "resolved", None)
            if item is not None:
                rows.append({"item_id": item.id, "quantity": entry.form.quantity.data,
                             "purpose": (entry.form.purpose.data or "").strip()})  # fmt: skip
        return {**self.cleaned("purpose", "urgent", "urgent_reason"), "lines": rows}


def merge_duplicates(form: RequisitionForm) -> bool:
    """The 合并 button: lines of the same item become one with the quantities added."""
    if request.form.get("_rows") != "lines:merge":
        return False
    kept: dict[str, object] = {}
    for entry in list(form.lines.entries):
        item = resolve_item(entry.form.item.data)
        if item is None:
            continue
        first = kept.get(item.code)
        if first is None:
            kept[item.code] = entry
            continue
        total = (first.form.quantity.data or 0) + (entry.form.quantity.data or 0)
        first.form.quantity.data, first.form.quantity.raw_data = total, [qty_text(total)]
        form.lines.entries.remove(entry)
    return True


class IssueForm(PortalForm):
    quantities = FieldList(QuantityField("实发数量"), min_entries=0)
    note = line("备注", max_len=200)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(lines)
        if not self.quantities.entries:
            for item_line in self.rows:
                suggested = min(item_line.quantity, max(item_line.item.on_hand, Decimal(0)))
                if not item_line.item.fractional:
                    suggested = suggested.to_integral_value(rounding="ROUND_FLOOR")
                self.quantities.append_entry(suggested)
        for entry, item_line in zip(self.quantities, self.rows, strict=False):
            entry.label.text = f"{item_line.item.name} 实发数量"

    def validate_quantities(self, field):
        if len(field.entries) != len(self.rows):
            raise ValidationError("请为每一行填写实发数量。")
        for entry, item_line in zip(field.entries, self.rows, strict=True):
            if entry.data is None:
                entry.errors = ["请填写实发数量（没有发放填 0）。"]
            elif entry.data < 0 or entry.data > item_line.quantity:
                entry.errors = [f"应在 0 到 {qty_text(item_line.quantity)} 之间。"]
            elif entry.data > item_line.item.on_hand:
                entry.errors = [
                    f"库存只有 {qty_text(item_line.item.on_hand, item_line.item.unit)}。"
                ]
        if any(entry.errors for entry in field.entries):
            raise ValidationError("实发数量有误，请查看标红的行。")

    def issued(self) -> dict[int, Decimal]:
        return {x.id: entry.data for x, entry in zip(self.rows, self.quantities, strict=True)}


class ReceiptConfirmForm(PortalForm):
    confirm = BooleanField("我已当面清点，领到的物品与发放数量一致",
                           [DataRequired("请清点后勾选确认。")])  # fmt: skip
    note = line("备注", max_len=200)


class PurchaseLineForm(RowForm):
    name = line("品名", "请填写品名。", max_len=80)
    spec = line("规格", max_len=80)
    unit = SelectField("单位", choices={u: u for u in UNITS})
    quantity = QuantityField("数量")
    price = MoneyField("预计单价（元）", maximum=MAX_AMOUNT)

    def validate_quantity(self, field):
        if field.data is None or field.data <= 0:
            raise ValidationError("数量必须大于 0。")

    def validate_price(self, field):
        if field.data is None:
            raise ValidationError("请填写预计单价。")


class PurchaseForm(PortalForm):
    reason = text("申购理由", "请写明申购理由（第十五条：具体、充分）。", max_len=1000)
    needed_by = LocalDateField("需用日期", earliest=timedelta(0), latest=timedelta(days=180))
    lines = LineItemsField(PurchaseLineForm, "申购明细", min_rows=1, max_rows=20)

    def purchase_data(self) -> dict:
        rows = []
        for entry in self.lines.entries:
            data = entry.form.data
            if data["name"]:
                item = resolve_item(data["name"])
                rows.append({**data, "item_id": item.id if item else None,
                             "price_fen": entry.form.price.fen})  # fmt: skip
        return {"reason": (self.reason.data or "").strip(), "needed_by": self.needed_by.data,
                "lines": rows}  # fmt: skip


class DecideForm(PortalForm):
    decision = RadioField("处理方式", choices=dict(DECISIONS),
                          validators=[DataRequired("请选择调拨或采购。")])  # fmt: skip
    decision_note = text("核查意见", "请写明核查库存和闲置物品的结果。", max_len=1000)


class PlanReceiveForm(PortalForm):
    quantities = FieldList(QuantityField("到货数量"), min_entries=0)
    prices = FieldList(MoneyField("实际单价（元）", minimum="0", maximum=MAX_AMOUNT), min_entries=0)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(lines)
        if not self.quantities.entries:
            for plan_line in self.rows:
                self.quantities.append_entry(plan_line.quantity - plan_line.received)
                self.prices.append_entry(Decimal(plan_line.price_fen) / 100)

    def validate_quantities(self, field):
        for entry in field.entries:
            if entry.data is not None and entry.data < 0:
                entry.errors = ["数量不能为负数。"]
        if any(entry.errors for entry in field.entries):
            raise ValidationError("到货数量有误。")

    def received(self) -> tuple[dict, dict]:
        quantities = {
            x.id: e.data or Decimal(0) for x, e in zip(self.rows, self.quantities, strict=True)
        }
        prices = {
            x.id: e.fen for x, e in zip(self.rows, self.prices, strict=True) if e.fen is not None
        }
        return quantities, prices


class ItemForm(PortalForm):
    code = line("编号", "请填写编号。", max_len=20, description="例如 OF-001，保存时转为大写。")
    name = line("名称", "请填写名称。", max_len=80)
    spec = line("规格", max_len=80)
    unit = SelectField("单位", choices={u: u for u in UNITS})
    category = SelectField("类别", choices=dict(CATEGORIES))
    reorder_level = QuantityField("安全库存", description="低于或等于时列入月度采购计划。")
    max_per_line = QuantityField("每单最多")
    supplier = line("常用供应商", max_len=80)
    price = MoneyField(
        "参考单价（元）", [InputRequired("请填写参考单价。")], minimum="0", maximum=MAX_AMOUNT
    )
    active = BooleanField("在用", default=True)

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def validate_code(self, field):
        if services.code_taken(field.data, self.item):
            raise ValidationError("编号已被其他物品使用。")

    def item_data(self) -> dict:
        from portal.supplies.models import FRACTIONAL_UNITS

        return {
            **self.cleaned("name", "spec", "unit", "category", "supplier"),
            "code": self.code.data.strip().upper(),
            "fractional": self.unit.data in FRACTIONAL_UNITS,
            "reorder_level": self.reorder_level.data or Decimal(0),
            "max_per_line": self.max_per_line.data or Decimal(50),
            "price_fen": self.price.fen,
            "active": bool(self.active.data),
        }


class MovementForm(PortalForm):
    """入库 / 退库 / 盘点 of one item (which one the page's `kind` decides)."""

    item = StringField("物品（编号或名称）", [DataRequired("请选择物品。")],
                       render_kw={"list": "supply-items", "autocomplete": "off"})  # fmt: skip
    quantity = QuantityField("数量")
    price = MoneyField("单价（元）", minimum="0", maximum=MAX_AMOUNT)
    supplier = line("供应商", max_len=60)
    department_id = SelectField(
        "退库部门", coerce=int, choices=[], default=0, validate_choice=False
    )
    note = line("说明", max_len=200)
    # 盘点: the book quantity the counter saw, and of which item (a count is refused when the
    # book has moved since).
    book = HiddenField()
    book_code = HiddenField()

    def validate_item(self, field):
        self.resolved = resolve_item(field.data)
        if self.resolved is None:
            raise ValidationError("目录中没有这个物品。")

    def validate_quantity(self, field):
        if field.data is None:
            raise ValidationError("请填写数量。")

    def seen_book(self) -> Decimal | None:
        """The book quantity shown to the counter for the chosen item (None: not shown yet)."""
        item = getattr(self, "resolved", None)
        if item is None or (self.book_code.data or "") != item.code:
            return None
        try:
            return Decimal((self.book.data or "").strip())
        except InvalidOperation:
            return None

    def show_book(self, item, quantity: Decimal) -> None:
        self.book.data, self.book_code.data = qty_text(quantity), item.code


class ForecastForm(PortalForm):
    department_id = SelectField("部门", coerce=int)
    month = StringField("月份", [DataRequired("请填写月份。")], description="YYYY-MM")
    amount = MoneyField(
        "月度预算（元）", [InputRequired("请填写预算金额。")], minimum="0", maximum=MAX_AMOUNT
    )

    def validate_month(self, field):
        import re

        if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", (field.data or "").strip()):
            raise ValidationError("月份格式应为 YYYY-MM，例如 2026-12。")


class ImportForm(PortalForm):
    file = FileField("目录文件（XLSX）", [DataRequired("请选择 XLSX 文件。")])
