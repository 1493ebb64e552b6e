"""Supplies test helpers: a small catalogue with stock, and a requisition factory. Used by
tests/supplies and by the access table tests/access/supplies.py."""

from __future__ import annotations

from decimal import Decimal

from portal.extensions import db
from portal.supplies import services

ITEMS = {
    # key: code, name, unit, price (分), stock, fractional
    "A4": ("OF-001", "复印纸", "包", 2450, 20, False),
    "PEN": ("OF-003", "中性笔", "支", 180, 100, False),
    "TONER": ("OF-021", "硒鼓", "个", 32000, 1, False),
    "TAPE": ("OF-028", "打包带", "米", 20, 50, True),
}


def catalogue(org, stock: bool = True) -> dict:
    items = {}
    for key, (code, name, unit, price, quantity, fractional) in ITEMS.items():
        item = services.save_item(None, {
            "code": code, "name": name, "spec": "", "unit": unit, "fractional": fractional,
            "category": "consumable", "reorder_level": Decimal(2), "max_per_line": Decimal(50),
            "supplier": "文海办公", "price_fen": price, "active": True,
        }, org["admin"])  # fmt: skip
        if stock and quantity:
            services.receive(item, Decimal(quantity), price, org["adminoffice"], "文海办公")
        items[key] = item
    db.session.commit()
    return items


def requisition(org, items, applicant="employee", lines=(("A4", 2), ("PEN", 5)), submit=True,
                urgent=False):  # fmt: skip
    data = {
        "purpose": "部门日常办公", "urgent": urgent, "urgent_reason": "客户来访" if urgent else "",
        "lines": [{"item_id": items[k].id, "quantity": Decimal(q), "purpose": ""} for k, q in lines],
    }  # fmt: skip
    record = services.save_requisition(None, data, org[applicant], submit=submit)
    db.session.commit()
    return record
