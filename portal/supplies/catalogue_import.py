"""Importing the catalogue from an XLSX sheet: every row is checked first and reported with
its row number; nothing is saved unless every row is good (no half import)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from portal.supplies import services
from portal.supplies.models import CATEGORIES, FRACTIONAL_UNITS, UNITS

# The sheet's header row, in this order (the export of the catalogue page uses the same).
COLUMNS = [
    "编号",
    "名称",
    "规格",
    "单位",
    "类别",
    "安全库存",
    "每单最多",
    "常用供应商",
    "参考单价",
    "在用",
]
CATEGORY_NAMES = {v: k for k, v in CATEGORIES.items()}


@dataclass
class Report:
    rows: int = 0
    saved: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)

    @property
    def ok(self) -> bool:
        return not self.errors and self.rows > 0


def _decimal(value, name: str, row: int, errors: list) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        errors.append((row, f"{name}“{value}”不是数字。"))
        return None


def _row(values: list, number: int, seen: set[str], errors: list) -> dict | None:
    cells = [("" if v is None else str(v).strip()) for v in values[: len(COLUMNS)]]
    cells += [""] * (len(COLUMNS) - len(cells))
    code, name, spec, unit, category, reorder, maximum, supplier, price, active = cells
    before = len(errors)
    if not code:
        errors.append((number, "缺少编号。"))
    elif code.upper() in seen:
        errors.append((number, f"编号 {code} 在表中重复。"))
    if not name:
        errors.append((number, "缺少名称。"))
    if unit not in UNITS:
        errors.append((number, f"单位“{unit}”不在可选单位中（{'、'.join(UNITS)}）。"))
    if category and category not in CATEGORY_NAMES:
        errors.append((number, f"类别应为“消耗品”或“耐用品”，不是“{category}”。"))
    price_value = _decimal(price, "参考单价", number, errors)
    if price_value is None and len(errors) == before:
        errors.append((number, "缺少参考单价。"))
    reorder_value = _decimal(reorder, "安全库存", number, errors) or Decimal(0)
    maximum_value = _decimal(maximum, "每单最多", number, errors) or Decimal(50)
    if len(errors) > before:
        return None
    seen.add(code.upper())
    return {
        "code": code.upper(), "name": name, "spec": spec, "unit": unit,
        "fractional": unit in FRACTIONAL_UNITS, "category": CATEGORY_NAMES.get(category, "consumable"),
        "reorder_level": reorder_value, "max_per_line": maximum_value, "supplier": supplier,
        "price_fen": int(price_value * 100), "active": active not in ("否", "停用", "0"),
    }  # fmt: skip


def import_xlsx(data: bytes, user) -> Report:
    from openpyxl import load_workbook

    report = Report()
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    except Exception:  # openpyxl raises many kinds for a file that is not an XLSX
        report.errors.append((0, "无法读取文件：请上传 Excel 2007 及以上版本的 .xlsx 文件。"))
        return report
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or [str(c or "").strip() for c in rows[0][: len(COLUMNS)]] != COLUMNS:
        report.errors.append((1, f"第一行应为表头：{'、'.join(COLUMNS)}。"))
        return report
    seen: set[str] = set()
    good = []
    for number, values in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in values):
            continue
        report.rows += 1
        parsed = _row(list(values), number, seen, report.errors)
        if parsed:
            good.append(parsed)
    if report.errors or not good:
        if not good and not report.errors:
            report.errors.append((2, "表中没有物品。"))
        return report
    for data_row in good:
        services.save_item(services.item_by_code(data_row["code"]), data_row, user)
        report.saved += 1
    return report
