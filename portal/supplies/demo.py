"""Demo supplies for `flask demo load`: a catalogue of 40 items, three months of ledger history
(receipts, issues to departments, a return, a count), forecasts for every department, and
requisitions in every state (draft, at the head, at 行政办主任 because over forecast, waiting for
the issue day, issued with a backorder, waiting for the signature, completed, returned), a
purchase request at each step and next month's plan. Idempotent: nothing is added when the
catalogue holds OF-001. Everything goes through the same services and engine as the pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.auth.models import Department, User
from portal.core import clock
from portal.extensions import db
from portal.supplies import services
from portal.supplies.ledger import post
from portal.supplies.models import FRACTIONAL_UNITS, SupplyItem
from portal.workflow import engine

MARKER = "OF-001"
# code, name, spec, unit, category, price (元), reorder level, supplier
ITEMS = [
    ("OF-001", "复印纸", "A4 70g 500张/包", "包", "consumable", 24.5, 40, "文海办公"),
    ("OF-002", "复印纸", "A3 70g 500张/包", "包", "consumable", 48.0, 10, "文海办公"),
    ("OF-003", "中性笔", "0.5mm 黑色", "支", "consumable", 1.8, 100, "文海办公"),
    ("OF-004", "中性笔芯", "0.5mm 黑色", "支", "consumable", 0.8, 100, "文海办公"),
    ("OF-005", "圆珠笔", "0.7mm 蓝色", "支", "consumable", 1.5, 50, "文海办公"),
    ("OF-006", "记号笔", "双头 黑色", "支", "consumable", 3.2, 30, "文海办公"),
    ("OF-007", "白板笔", "可擦 黑/红/蓝", "支", "consumable", 2.8, 30, "文海办公"),
    ("OF-008", "荧光笔", "黄色", "支", "consumable", 2.5, 20, "文海办公"),
    ("OF-009", "铅笔", "HB 带橡皮", "支", "consumable", 0.9, 30, "文海办公"),
    ("OF-010", "笔记本", "B5 60页", "本", "consumable", 6.5, 40, "文海办公"),
    ("OF-011", "便利贴", "76×76mm 100张", "本", "consumable", 3.0, 40, "文海办公"),
    ("OF-012", "文件夹", "A4 单强力夹", "个", "consumable", 6.0, 30, "文海办公"),
    ("OF-013", "档案盒", "A4 背宽55mm", "个", "consumable", 5.5, 40, "文海办公"),
    ("OF-014", "拉链袋", "A4 透明", "个", "consumable", 1.2, 50, "文海办公"),
    ("OF-015", "长尾夹", "25mm 12只/盒", "盒", "consumable", 4.5, 20, "文海办公"),
    ("OF-016", "回形针", "29mm 100只/盒", "盒", "consumable", 2.0, 20, "文海办公"),
    ("OF-017", "订书钉", "24/6 1000枚/盒", "盒", "consumable", 1.5, 30, "文海办公"),
    ("OF-018", "胶水", "固体胶 21g", "支", "consumable", 2.5, 20, "文海办公"),
    ("OF-019", "透明胶带", "18mm×30m", "卷", "consumable", 1.8, 30, "文海办公"),
    ("OF-020", "封箱胶带", "48mm×100m", "卷", "consumable", 6.0, 20, "文海办公"),
    ("OF-021", "硒鼓", "HP 88A", "个", "consumable", 320.0, 3, "华信耗材"),
    ("OF-022", "墨盒", "Canon PG-845 黑色", "个", "consumable", 118.0, 3, "华信耗材"),
    ("OF-023", "碳粉", "Brother TN-2325", "瓶", "consumable", 95.0, 2, "华信耗材"),
    ("OF-024", "电池", "5号 碱性 4节/卡", "卡", "consumable", 9.0, 10, "文海办公"),
    ("OF-025", "电池", "7号 碱性 4节/卡", "卡", "consumable", 9.0, 10, "文海办公"),
    ("OF-026", "信封", "牛皮纸 DL", "个", "consumable", 0.5, 100, "文海办公"),
    ("OF-027", "快递袋", "中号", "个", "consumable", 0.8, 50, "文海办公"),
    ("OF-028", "打包带", "PP 15mm", "米", "consumable", 0.2, 200, "华信耗材"),
    ("OF-029", "标签纸", "A4 24格", "张", "consumable", 0.6, 100, "文海办公"),
    ("OF-030", "纸杯", "250ml 50只/袋", "袋", "consumable", 6.5, 20, "福美日用"),
    ("OF-031", "抽纸", "3层 100抽", "包", "consumable", 2.8, 40, "福美日用"),
    ("OF-032", "垃圾袋", "45×50cm 30只/卷", "卷", "consumable", 3.5, 20, "福美日用"),
    ("OF-033", "订书机", "12号 可订20页", "个", "durable", 18.0, 5, "文海办公"),
    ("OF-034", "计算器", "12位 太阳能", "个", "durable", 35.0, 3, "文海办公"),
    ("OF-035", "剪刀", "不锈钢 17cm", "把", "durable", 8.5, 5, "文海办公"),
    ("OF-036", "美工刀", "18mm 大号", "把", "durable", 6.0, 5, "文海办公"),
    ("OF-037", "打孔器", "双孔 可打10页", "个", "durable", 22.0, 2, "文海办公"),
    ("OF-038", "文件柜标签架", "桌面 三层", "个", "durable", 45.0, 2, "文海办公"),
    ("OF-039", "台灯", "LED 护眼", "台", "durable", 128.0, 1, "福美日用"),
    ("OF-040", "U盘", "32GB USB3.0", "个", "durable", 39.0, 3, "华信耗材"),
]
FORECASTS = {"GMO": 600, "ADM": 1200, "SAL": 900, "FIN": 500, "QA": 700, "CS": 500, "PRD": 1500}


def _at(days_ago: int, hour: int = 10) -> datetime:
    day = clock.local_now().date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), clock.local_zone())


def load() -> list[str]:
    if db.session.scalar(select(SupplyItem.id).where(SupplyItem.code == MARKER)) is not None:
        return ["supplies: demo data already present"]
    users = {u.username: u for u in db.session.scalars(select(User))}
    admin, assistant = users["admin"], users["adminoffice"]
    items = {}
    for code, name, spec, unit, category, price, reorder, supplier in ITEMS:
        items[code] = services.save_item(None, {
            "code": code, "name": name, "spec": spec, "unit": unit, "category": category,
            "fractional": unit in FRACTIONAL_UNITS, "reorder_level": Decimal(reorder),
            "max_per_line": Decimal(500 if unit == "米" else 50), "supplier": supplier,
            "price_fen": int(price * 100), "active": True,
        }, admin)  # fmt: skip
    with clock.frozen(clock.now()):
        count = _history(items, users, assistant)
        requisitions = _requisitions(items, users)
        purchases = _purchases(users)
    return [f"supplies: {len(items)} items, {count} ledger rows, {requisitions} requisitions, "
            f"{purchases} purchase requests"]  # fmt: skip


def _history(items, users, assistant) -> int:
    """Three months back: an opening receipt of everything, monthly issues to departments, a
    return from a leaver and a count; a few items are left under their reorder level."""
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    rows = 0
    with clock.frozen(_at(95)):
        for code, item in items.items():
            low = code in ("OF-021", "OF-013", "OF-031")
            quantity = item.reorder_level * (Decimal(1) if low else Decimal(4)) + 2
            services.receive(item, quantity, item.price_fen, assistant, item.supplier, "期初入库")
            rows += 1
    for month_back, day in ((2, 62), (1, 32), (0, 3)):
        for n, (code, dept) in enumerate(departments.items()):
            with clock.frozen(_at(day - n % 3, 11)):
                for item_code in (
                    "OF-001",
                    "OF-003",
                    "OF-010",
                    "OF-013" if month_back else "OF-031",
                ):
                    item = items[item_code]
                    quantity = min(Decimal(2 + (n + month_back) % 4), item.on_hand - 1)
                    if quantity > 0:
                        post(item, "issue", -quantity, assistant, department_id=dept.id,
                             reference=f"{dept.name}月度领用")  # fmt: skip
                        rows += 1
            services.set_forecast(dept, services.month_key(_at(day)), FORECASTS.get(code, 600) * 100,
                                  users["admin"])  # fmt: skip
    with clock.frozen(_at(20, 15)):
        services.return_stock(items["OF-034"], Decimal(1), assistant, departments["SAL"].id,
                              "离职交接清单：销售部员工交回计算器")  # fmt: skip
        services.count(
            items["OF-003"],
            items["OF-003"].on_hand - 2,
            assistant,
            "月末盘点：盘亏 2 支，领用未登记",
        )
        rows += 2
    return rows


def _requisition(user, lines, items, purpose, urgent=False, submit=True):
    data = {"purpose": purpose, "urgent": urgent, "urgent_reason": "客户来访急用" if urgent else "",
            "lines": [{"item_id": items[c].id, "quantity": Decimal(q), "purpose": ""} for c, q in lines]}  # fmt: skip
    return services.save_requisition(None, data, user, submit=submit)


def _requisitions(items, users) -> int:
    """One in each state, each acted on at its own time."""
    u = users
    with clock.frozen(_at(30)):  # completed
        done = _requisition(u["employee"], [("OF-001", 2), ("OF-003", 5)], items, "部门日常办公")
        _approve(done, u)
    with clock.frozen(_at(29)):
        services.issue(done, {x.id: x.quantity for x in done.lines}, u["adminoffice"])
        _complete(done, u["adminoffice"], "已发放")
    with clock.frozen(_at(29, 15)):
        services.confirm_receipt(done, u["employee"])
        _complete(done, u["employee"], "领用人确认签收")
    with clock.frozen(_at(8)):  # issued with a backorder, waiting for the signature
        short = _requisition(
            # six toners against five in stock, over 品质部's forecast: one stays on backorder
            u["inspector"],
            [("OF-021", 6), ("OF-011", 3)],
            items,
            "检验室打印机换鼓",
        )
        _approve(short, u)
    with clock.frozen(_at(6)):
        issued = {x.id: min(x.quantity, x.item.on_hand) for x in short.lines}
        comment = services.issue(short, issued, u["adminoffice"])
        _complete(short, u["adminoffice"], comment)
    with clock.frozen(_at(2)):  # waiting for the issue day
        _waiting = _requisition(u["employee"], [("OF-010", 3), ("OF-015", 2)], items, "新员工配发")
        _approve(_waiting, u)
    with clock.frozen(_at(1)):  # at 行政办主任: urgent
        _requisition(u["service"], [("OF-030", 4)], items, "客户来访接待", urgent=True)
    with clock.frozen(_at(1, 14)):  # at the department head
        _requisition(u["employee"], [("OF-020", 2), ("OF-027", 20)], items, "寄送样品")
    with clock.frozen(_at(3)):  # returned
        back = _requisition(u["employee"], [("OF-039", 2)], items, "办公照明")
        engine.transition(back.instance, "reject", u["head"], "台灯属耐用品，请以旧换新（第八条）")
    _requisition(u["employee"], [("OF-001", 1)], items, "", submit=False)  # a draft
    return 7


APPROVERS = ("head", "admin_head")


def _approve(record, users) -> None:
    """Approve up to the issue step: the department head, then 行政办主任 when it applies."""
    while record.instance.step_key in APPROVERS:
        task = record.instance.open_tasks[0]
        engine.transition(record.instance, "approve", task.assignee, "同意")


def _complete(record, user, comment: str) -> None:
    engine.transition(
        record.instance, "complete", user, comment, page=engine.current_page(record.instance)
    )


def _purchases(users) -> int:
    u = users
    lines = [{"item_id": None, "name": "移动白板", "spec": "120×90cm 带支架", "unit": "个",
              "quantity": Decimal(1), "price_fen": 68000}]  # fmt: skip
    with clock.frozen(_at(10)):
        bought = services.save_purchase({"reason": "销售部周例会需要移动白板，现有会议室白板已损坏。",
                                         "needed_by": None, "lines": lines}, u["employee"])  # fmt: skip
        engine.transition(bought.instance, "approve", u["head"], "同意")
    with clock.frozen(_at(9)):
        bought.decision, bought.decision_note = "purchase", "库存和各部门均无闲置白板，转入采购。"
        engine.transition(bought.instance, "complete", u["adminhead"], "采购",
                          page=engine.current_page(bought.instance))  # fmt: skip
    with clock.frozen(_at(2)):  # at the department head
        services.save_purchase({"reason": "品质部新增检验工位需要台灯。", "needed_by": None,
                                          "lines": [{**lines[0], "name": "台灯", "spec": "LED 护眼",
                                                     "price_fen": 12800, "quantity": Decimal(2)}]},
                                         u["inspector"])  # fmt: skip
    services.build_plan(u["adminoffice"])
    return 2
