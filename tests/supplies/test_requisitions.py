"""Requisitions: the issue day (1st and 15th, moved past holidays), routes (head, then 行政办主任
when urgent or over the forecast), issuing with a backorder, the backorder filled after a
receipt, the requester's signature, and every bad line refused beside its field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.core import clock
from portal.core.calendar import save_holiday
from portal.extensions import db
from portal.supplies import services
from portal.supplies.flow import next_issue_day
from portal.workflow import engine
from portal.workflow.models import Status
from tests.supplies.helpers import requisition

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 23 Nov 2026, 10:00 in Shanghai


@pytest.mark.parametrize(
    ("submitted", "issued_on"),
    [
        (date(2026, 11, 23), date(2026, 12, 1)),  # Tue 1 Dec
        (date(2026, 11, 30), date(2026, 12, 1)),  # the working day before: still in time
        (date(2026, 12, 1), date(2026, 12, 15)),  # on the day: the next one
        (date(2026, 12, 10), date(2026, 12, 15)),
        (date(2026, 12, 25), date(2027, 1, 4)),  # 1 Jan 2027 is a Friday holiday: Mon 4 Jan
        (date(2026, 11, 10), date(2026, 11, 16)),  # Sun 15 Nov moves to Mon 16 Nov
    ],
)
def test_issue_day_is_the_1st_or_15th_moved_to_a_working_day(app, submitted, issued_on):
    save_holiday(date(2027, 1, 1), "元旦", workday=False)
    assert next_issue_day(submitted) == issued_on


def test_a_requisition_from_submit_to_signature_with_a_backorder(items, org):
    with clock.frozen(MONDAY):
        record = requisition(org, items, lines=(("A4", 2), ("TONER", 3)))
    assert record.issue_day == date(2026, 12, 1) and record.instance.step_key == "head"
    engine.transition(record.instance, "approve", org["head"])
    assert record.instance.step_key == "issue"
    # Only one toner is in stock: the assistant issues it and the rest waits.
    quantities = {
        x.id: (Decimal(1) if x.item.code == "OF-021" else x.quantity) for x in record.lines
    }
    comment = services.issue(record, quantities, org["adminoffice"])
    engine.transition(
        record.instance, "complete", org["adminoffice"], comment, page="supplies.issue"
    )
    db.session.commit()
    assert "欠发：硒鼓 2个" in comment
    assert [x.item.code for x in record.backorder] == ["OF-021"]
    assert items["TONER"].on_hand == 0 and items["A4"].on_hand == 18
    assert record.instance.step_key == "receive"
    # The backorder action waits for stock, then fills it after a receipt.
    with pytest.raises(engine.WorkflowError, match="仍无库存"):
        engine.transition(record.instance, "issue_backorder", org["adminoffice"])
    db.session.rollback()
    services.receive(items["TONER"], Decimal(5), 31000, org["adminoffice"], "华信耗材")
    engine.transition(record.instance, "issue_backorder", org["adminoffice"], "到货补发")
    db.session.commit()
    assert record.backorder == [] and items["TONER"].on_hand == 3
    # The requester signs for it.
    engine.transition(record.instance, "complete", org["employee"], page="supplies.receive")
    db.session.commit()
    assert record.instance.status == Status.COMPLETED


def test_urgent_and_over_forecast_requisitions_need_the_admin_head(items, org):
    department = org["employee"].department
    services.set_forecast(department, services.month_key(), 5000, org["admin"])  # 50 元
    db.session.commit()
    small = requisition(org, items, lines=(("PEN", 5),))  # 9 元: within the forecast
    engine.transition(small.instance, "approve", org["head"])
    assert small.instance.step_key == "issue" and not small.over_forecast
    big = requisition(org, items, lines=(("A4", 3),))  # 73.50 元: over
    assert big.over_forecast and big.forecast_fen == 5000
    engine.transition(big.instance, "approve", org["head"])
    assert big.instance.step_key == "admin_head"
    urgent = requisition(org, items, lines=(("PEN", 1),), urgent=True)
    assert urgent.issue_day == clock.local_now().date()
    engine.transition(urgent.instance, "approve", org["head"])
    assert urgent.instance.step_key == "admin_head"
    engine.transition(urgent.instance, "approve", org["adminhead"])
    assert urgent.instance.step_key == "issue"


def test_a_head_applying_goes_up_to_the_gm(items, org):
    record = requisition(org, items, applicant="head", lines=(("PEN", 2),))
    assert [t.assignee.username for t in record.instance.open_tasks] == ["gm"]


def test_an_issue_cannot_exceed_the_request_or_the_stock(items, org):
    record = requisition(org, items, lines=(("A4", 2),))
    engine.transition(record.instance, "approve", org["head"])
    line = record.lines[0]
    with pytest.raises(Exception, match="发放数量应在 0 到 2 之间"):
        services.issue(record, {line.id: Decimal(3)}, org["adminoffice"])
    db.session.rollback()
    assert items["A4"].on_hand == 20


# --- the form: every bad line gets its message, nothing is saved -----------------------------------


def post(client, **fields):
    data = {"purpose": "日常办公", "intent": "submit", **fields}
    return client.post("/supplies/new", data=data)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"lines-0-item": "OF-001", "lines-0-quantity": "0"}, "数量必须大于 0"),
        ({"lines-0-item": "OF-001", "lines-0-quantity": "-2"}, "数量必须大于 0"),
        ({"lines-0-item": "OF-001", "lines-0-quantity": "1.5"}, "按包计，数量须为整数"),
        ({"lines-0-item": "OF-001", "lines-0-quantity": "51"}, "每行最多 50包"),
        ({"lines-0-item": "OF-001", "lines-0-quantity": "两包"}, "数量须为数字"),
        ({"lines-0-item": "OF-999", "lines-0-quantity": "1"}, "目录中没有这个物品"),
        ({"lines-0-item": "", "lines-0-quantity": ""}, "请至少填写 1 行"),
    ],
)
def test_bad_lines_are_refused_beside_the_field(items, client, login, line, message):
    login("employee")
    response = post(client, **line)
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(db.select(db.func.count(services.Requisition.id))) == 0


def test_inactive_items_and_duplicates(items, client, login, org):
    items["PEN"].active = False
    db.session.commit()
    login("employee")
    response = post(client, **{"lines-0-item": "OF-003", "lines-0-quantity": "2"})
    assert "已停用，不能领用" in response.text
    twice = {"lines-0-item": "OF-001", "lines-0-quantity": "2", "lines-1-item": "OF-001 复印纸",
             "lines-1-quantity": "3"}  # fmt: skip
    response = post(client, **twice)
    assert response.status_code == 422 and "同一物品出现在多行（第 1 行、第 2 行）" in response.text
    assert "合并相同物品" in response.text
    merged = client.post("/supplies/new", data={**twice, "purpose": "x", "_rows": "lines:merge"})
    assert merged.status_code == 200 and 'name="lines-1-item"' not in merged.text
    assert 'value="5"' in merged.text


def test_the_form_says_before_submit_that_the_forecast_is_exceeded(items, client, login, org):
    services.set_forecast(org["employee"].department, services.month_key(), 5000, org["admin"])
    db.session.commit()
    login("employee")
    page = client.post("/supplies/new", data={"purpose": "x", "lines-0-item": "OF-001",
                                              "lines-0-quantity": "3", "_rows": "lines:add"})  # fmt: skip
    assert "本单将超出部门月度预算，提交后须经行政办主任审批" in page.text
    done = post(client, **{"lines-0-item": "OF-001", "lines-0-quantity": "3"})
    assert done.status_code == 303


def test_the_issue_page_refuses_more_than_asked_or_in_stock(items, client, login, org):
    record = requisition(org, items, lines=(("A4", 2), ("TONER", 3)))
    engine.transition(record.instance, "approve", org["head"])
    db.session.commit()
    login("adminoffice")
    page = client.get(f"/supplies/{record.id}/issue").text
    assert 'name="quantities-1" type="text" value="1"' in page  # proposes what is in stock
    response = client.post(
        f"/supplies/{record.id}/issue", data={"quantities-0": "3", "quantities-1": "2"}
    )
    assert response.status_code == 422
    assert "应在 0 到 2 之间" in response.text and "库存只有 1个" in response.text
    assert items["A4"].on_hand == 20 and record.instance.step_key == "issue"


def test_a_receipt_needs_its_price_and_a_return_its_reason(items, client, login):
    login("adminoffice")
    response = client.post("/supplies/stock/receive", data={"item": "OF-001", "quantity": "5"})
    assert response.status_code == 422 and "请填写入库单价" in response.text
    response = client.post("/supplies/stock/return", data={"item": "OF-001", "quantity": "1"})
    assert response.status_code == 422 and "请写明退库原因" in response.text
    db.session.rollback()
    assert items["A4"].on_hand == 20


def test_a_forecast_is_copied_forward_until_it_is_changed(org):
    department, admin = org["employee"].department, org["admin"]
    assert services.forecast_for(department.id, "2026-10") is None
    services.set_forecast(department, "2026-10", 50000, admin)
    services.set_forecast(department, "2027-01", 80000, admin)
    db.session.commit()
    assert services.forecast_for(department.id, "2026-09") is None  # nothing before the first
    assert services.forecast_for(department.id, "2026-10") == 50000
    assert services.forecast_for(department.id, "2026-11") == 50000  # copied forward
    assert services.forecast_for(department.id, "2026-12") == 50000
    assert services.forecast_for(department.id, "2027-01") == 80000  # changed
    assert services.forecast_for(department.id, "2027-06") == 80000
    other = org["finance"].department
    assert other.id != department.id
    assert services.forecast_for(other.id, "2026-11") is None  # each department its own
