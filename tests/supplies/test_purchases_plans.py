"""Purchase requests (head → 行政办 decides transfer or purchase → the GM above 2000 元) and the
monthly plan (built on the 25th by the tick, once; reviewed, approved; goods received into the
ledger against it); the registers, exports and PDFs read back in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from portal.core import clock
from portal.extensions import db
from portal.supplies import services
from portal.supplies.models import PurchasePlan
from portal.workflow import engine
from portal.workflow.models import Status
from portal.workflow.tick import tick
from tests.pdftext import pdftotext
from tests.supplies.helpers import requisition


def purchase(org, price_fen: int, quantity: int = 1, name: str = "移动白板"):
    line = {"item_id": None, "name": name, "spec": "", "unit": "个",
            "quantity": Decimal(quantity), "price_fen": price_fen}  # fmt: skip
    record = services.save_purchase({"reason": "会议室需要", "needed_by": None, "lines": [line]},
                                    org["employee"])  # fmt: skip
    db.session.commit()
    return record


def decide(record, org, decision: str):
    record.decision, record.decision_note = decision, "已核查库存"
    engine.transition(
        record.instance, "complete", org["adminhead"], decision, page="supplies.decide"
    )
    db.session.commit()


def test_transfer_ends_without_purchase_and_big_purchases_go_to_the_gm(items, org):
    small, big, moved = purchase(org, 50000), purchase(org, 300000), purchase(org, 300000)
    for record in (small, big, moved):
        engine.transition(record.instance, "approve", org["head"])
    decide(small, org, "purchase")
    decide(moved, org, "transfer")
    decide(big, org, "purchase")
    assert small.instance.status == Status.COMPLETED  # 500 元: 行政办主任 is enough
    assert moved.instance.status == Status.COMPLETED  # transferred from stock: nothing to buy
    assert big.instance.step_key == "gm"  # 3000 元 > 2000 元
    engine.transition(big.instance, "approve", org["gm"])
    db.session.commit()
    assert {r.id for r in db.session.scalars(services.planned_requests())} == {small.id, big.id}


def test_the_plan_is_built_on_the_25th_once_and_received_into_the_ledger(items, org, client, login):
    record = purchase(org, 30000)  # with 5 toners at 320 元: 1900 元, 行政办主任 alone approves
    engine.transition(record.instance, "approve", org["head"])
    decide(record, org, "purchase")
    items["TONER"].reorder_level = Decimal(3)  # 1 in stock: below its reorder level
    db.session.commit()
    with clock.frozen(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)):
        assert tick().jobs == []  # not before the 25th
    with clock.frozen(datetime(2026, 11, 25, 2, 0, tzinfo=UTC)):
        first, second = tick(), tick()
        db.session.commit()
    assert len(first.jobs) == 1 and second.jobs == []
    plan = db.session.scalar(db.select(PurchasePlan))
    assert plan.month == "2026-12" and record.plan_id == plan.id
    sources = {(line.name, line.source) for line in plan.lines}
    assert ("移动白板", record.number) in sources and ("硒鼓", "低于安全库存") in sources
    toner = next(x for x in plan.lines if x.name == "硒鼓")
    assert toner.quantity == 5  # brought up to twice the reorder level (6) from 1
    engine.transition(plan.instance, "approve", org["adminhead"])
    db.session.commit()
    assert plan.instance.step_key == "receive"
    login("adminoffice")
    rows = {x.name: n for n, x in enumerate(plan.lines)}
    data = {f"quantities-{n}": "0" for n in range(len(plan.lines))}
    data |= {f"prices-{n}": "1" for n in range(len(plan.lines))}
    data |= {
        f"quantities-{rows['硒鼓']}": "5",
        f"prices-{rows['硒鼓']}": "310",
        "button": "partial",
    }
    response = client.post(f"/supplies/plans/{plan.id}/receive", data=data)
    assert response.status_code == 303
    assert items["TONER"].on_hand == 6 and plan.instance.step_key == "receive"
    # The whiteboard is not in the catalogue: it cannot be received until it is.
    data |= {
        f"quantities-{rows['硒鼓']}": "0",
        f"quantities-{rows['移动白板']}": "1",
        "button": "complete",
    }
    response = client.post(f"/supplies/plans/{plan.id}/receive", data=data)
    assert response.status_code == 422 and "不在目录中" in response.text
    text = pdftotext(client.get(f"/supplies/plans/{plan.id}/pdf").data)
    assert "月度采购计划单" in text and "硒鼓" in text and "低于安全库存" in text


def test_requisition_register_exports_and_slip(items, org, client, login):
    record = requisition(org, items, lines=(("A4", 2), ("TONER", 3)))
    engine.transition(record.instance, "approve", org["head"])
    quantities = {x.id: min(x.quantity, x.item.on_hand) for x in record.lines}
    services.issue(record, quantities, org["adminoffice"])
    engine.transition(record.instance, "complete", org["adminoffice"], page="supplies.issue")
    db.session.commit()
    login("employee")
    csv = client.get("/supplies/register.csv").get_data(as_text=True)
    assert record.number in csv and "欠发：硒鼓 2个" in csv
    text = pdftotext(client.get(f"/supplies/{record.id}/pdf").data)
    for words in ("办公用品领用单", "复印纸", "硒鼓", "欠发", "领用人签收", "行政助理发放"):
        assert words in text, words
    login("adminoffice")
    ledger = client.get("/supplies/ledger.csv").get_data(as_text=True)
    assert ledger.count(record.number) == 2  # two issue rows
    stock = client.get("/supplies/stock").get_data(as_text=True)
    assert "待补发" in stock and record.number in stock


def test_the_build_button_builds_the_plan_once(items, org, client, login):
    items["TONER"].reorder_level = Decimal(3)  # 1 in stock: below its reorder level
    db.session.commit()
    login("adminoffice")
    first = client.post("/supplies/plans/build")
    assert first.status_code == 303
    plan = db.session.scalar(db.select(PurchasePlan))
    assert plan.month == services.next_month() and first.location.endswith(
        f"/supplies/plans/{plan.id}"
    )
    assert [(x.name, x.quantity) for x in plan.lines] == [("硒鼓", 5)]
    assert plan.instance.step_key == "review"
    second = client.post("/supplies/plans/build")
    assert second.status_code == 303 and second.location.endswith(f"/supplies/plans/{plan.id}")
    assert db.session.scalar(db.select(db.func.count(PurchasePlan.id))) == 1


def test_the_build_button_says_when_there_is_nothing_to_buy(items, client, login):
    for item in items.values():
        item.reorder_level = Decimal(0)
    db.session.commit()
    login("adminoffice")
    response = client.post("/supplies/plans/build", follow_redirects=True)
    assert response.request.path == "/supplies/plans/"
    assert "没有需要采购的物品，未生成计划" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(PurchasePlan.id))) == 0


def test_the_purchase_request_pdf_reads_back(items, org, client, login):
    record = purchase(org, 300000, quantity=2, name="碎纸机")  # 6,000 元: the GM approves
    engine.transition(record.instance, "approve", org["head"])
    decide(record, org, "purchase")
    engine.transition(record.instance, "approve", org["gm"], "同意采购")
    db.session.commit()
    assert record.instance.status == Status.COMPLETED
    login("employee")
    response = client.get(f"/supplies/purchases/{record.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data)
    for words in ("办公用品申购单", record.number, "碎纸机", "6,000.00", "会议室需要", "采购",
                  "已核查库存", org["head"].display_name, org["adminhead"].display_name,
                  org["gm"].display_name, "同意采购", "总经理"):  # fmt: skip
        assert "".join(words.split()) in text, words
