"""A supplies requisition end to end in Chromium, with and without JavaScript: three lines →
the department head approves → the assistant issues on the issue day (injected clock) with one
line short → stock goes down and the backorder shows → a receipt, then the backorder is issued
→ the requester signs → the register row and the PDF slip read back."""

from __future__ import annotations

import re
from datetime import datetime, time
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.core import clock
from portal.supplies.models import Requisition, SupplyItem
from tests.e2e.test_seals import open_as
from tests.pdftext import pdftotext
from tests.supplies.helpers import catalogue


@pytest.fixture
def shop(live_server, e2e_db):
    if e2e_db.session.scalar(select(SupplyItem.id).where(SupplyItem.code == "OF-001")) is None:
        catalogue({u.username: u for u in e2e_db.session.scalars(select(User))})
    return live_server


def on_hand(db, code: str) -> Decimal:
    db.session.rollback()
    return db.session.scalar(select(SupplyItem).where(SupplyItem.code == code)).on_hand


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_requisition_issued_short_then_filled_signed_and_printed(browser, shop, e2e_db, js):
    toner_before = on_hand(e2e_db, "OF-021")
    employee = open_as(browser, shop, "employee", js)
    employee.goto(f"{shop}/supplies/new")
    employee.fill("textarea[name=purpose]", f"部门日常办公（{'JS' if js else '无JS'}）")
    short = str((toner_before + 1).normalize())  # one more toner than is in stock
    lines = [("OF-001 复印纸", "2"), ("OF-003", "5"), ("OF-021", short)]
    for n, (item, quantity) in enumerate(lines):
        if n:
            employee.get_by_role("button", name="添加一行").click()
            expect(employee.locator(f"input[name=lines-{n}-item]")).to_be_visible()
        employee.fill(f"input[name=lines-{n}-item]", item)
        employee.fill(f"input[name=lines-{n}-quantity]", quantity)
    employee.get_by_role("button", name="提交审批").click()
    expect(employee.locator("h1")).to_contain_text("审批中")
    number = re.search(r"LY-\d{6}-\d{4}", employee.locator("h1").inner_text()).group(0)
    url = employee.url

    head = open_as(browser, shop, "head", js)
    head.goto(url)
    head.locator("#wf-actions").get_by_role("button", name="同意").click()
    expect(head.locator("#wf-panel")).to_contain_text("行政助理发放")

    e2e_db.session.rollback()
    record = e2e_db.session.scalar(select(Requisition).order_by(Requisition.id.desc()))
    issue_day = datetime.combine(record.issue_day, time(10), clock.local_zone())
    assistant = open_as(browser, shop, "adminoffice", js)
    clock.set_clock(lambda: issue_day)  # the assistant works on the issue day
    try:
        assistant.goto(url)
        assistant.get_by_role("link", name="按单发放").click()
        expect(assistant.locator("h1")).to_contain_text("按单发放")
        toner = assistant.locator("input[name=quantities-2]")
        expect(toner).to_have_value(str(toner_before.normalize()))  # what is in stock
        assistant.get_by_role("button", name="确认发放").click()
        expect(assistant.locator(".flash-warning")).to_contain_text("欠发：硒鼓")
    finally:
        clock.set_clock(None)
    assert on_hand(e2e_db, "OF-021") == 0

    assistant.goto(f"{shop}/supplies/stock/receive")
    assistant.fill("input[name=item]", "OF-021")
    assistant.fill("input[name=quantity]", "3")
    assistant.fill("input[name=price]", "310")
    assistant.get_by_role("button", name="登记").click()
    expect(assistant.locator(".flash-success")).to_contain_text("已入库：硒鼓 3个")
    assistant.goto(url)
    assistant.get_by_role("button", name="补发欠发物品").click()
    expect(assistant.locator("#wf-panel")).to_contain_text("补发：硒鼓")
    expect(assistant.locator(".flash-warning")).to_have_count(0)

    employee.goto(url)
    employee.get_by_role("link", name="确认签收").click()
    employee.check("input[name=confirm]")
    employee.get_by_role("button", name="确认签收").click()
    expect(employee.locator("h1")).to_contain_text("已完成")

    employee.goto(f"{shop}/supplies/")
    row = employee.locator("table.register tr", has_text=number)
    expect(row).to_contain_text(f"硒鼓 {short}个")
    expect(row).to_contain_text("已全部发放")
    employee.goto(url)
    with employee.expect_download() as download:
        employee.get_by_role("link", name="下载领用单 PDF").click()
    text = pdftotext(download.value.path())
    for expected in (number, "办公用品领用单", "复印纸", "中性笔", "硒鼓", "领用人签收"):
        assert expected in text, expected
    for page in (employee, head, assistant):
        page.context.close()


def test_the_form_at_375px_keeps_its_lines_usable(browser, shop):
    page = open_as(browser, shop, "employee", True, width=375)
    page.goto(f"{shop}/supplies/new")
    page.get_by_role("button", name="添加一行").click()
    expect(page.locator(".line-items-table tbody tr")).to_have_count(2)
    # The page itself does not scroll sideways: only the lines' table does, inside its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    remove = page.locator(".line-items-table tbody tr").nth(1).get_by_role("button", name="删除")
    remove.scroll_into_view_if_needed()
    expect(remove).to_be_visible()
    remove.click()
    expect(page.locator(".line-items-table tbody tr")).to_have_count(1)
    page.context.close()
