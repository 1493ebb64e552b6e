"""The archive end to end in Chromium, with and without JavaScript: a department registers three
items in one 存档登记表 → the head signs → the archivist returns one and accepts two → the
numbers are assigned → a 秘密 item is borrowed (the head and the GM approve) and handed over →
it runs overdue (injected clock) → the reminder and the escalation go out → it is returned →
the registers show the whole history, and the record PDFs read back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.archive.models import ArchiveLoan
from portal.core import clock
from portal.notifications.models import Notification
from portal.workflow.tick import tick
from tests.e2e.test_seals import open_as
from tests.pdftext import pdftotext

ITEMS = [
    ("采购合同（钢材）", "HT", "secret"),
    ("投标书（市政照明）", "TB", "normal"),
    ("会议通知", "TZ", "normal"),
]


def fill_item(page, n: int, title: str, category: str, secrecy: str, tag: str) -> None:
    page.fill(f"input[name=items-{n}-title]", f"{title}（{tag}）")
    page.select_option(f"select[name=items-{n}-category]", category)
    page.fill(f"input[name=items-{n}-document_date]", "2026-03-02")
    page.fill(f"input[name=items-{n}-volumes]", "1")
    page.fill(f"input[name=items-{n}-pages]", "12")
    page.fill(f"input[name=items-{n}-copies]", "1")
    page.select_option(f"select[name=items-{n}-secrecy]", secrecy)
    page.fill(f"input[name=items-{n}-room]", "档案室A")
    page.fill(f"input[name=items-{n}-cabinet]", "2")


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_register_check_borrow_overdue_return_and_print(browser, live_server, e2e_db, js):
    tag = "JS" if js else "无JS"
    employee = open_as(browser, live_server, "employee", js)
    employee.goto(f"{live_server}/archive/new")
    # A bad page count is refused beside its field first, nothing saved.
    fill_item(employee, 0, *ITEMS[0], tag)
    employee.fill("input[name=items-0-pages]", "0")
    employee.get_by_role("button", name="提交部门负责人签字").click()
    expect(employee.locator("#field-items-0-pages")).to_contain_text("页数必须大于 0")
    employee.fill("input[name=items-0-pages]", "12")
    for n in (1, 2):
        employee.get_by_role("button", name="添加一件").click()
        expect(employee.locator(f"input[name=items-{n}-title]")).to_be_visible()
        fill_item(employee, n, *ITEMS[n], tag)
    employee.get_by_role("button", name="提交部门负责人签字").click()
    expect(employee.locator("h1")).to_contain_text("审批中")
    batch_url = employee.url

    head = open_as(browser, live_server, "head", js)
    head.goto(batch_url)
    head.locator("#wf-actions").get_by_role("button", name="同意").click()
    # The path names every step from the start: wait for the approval itself.
    expect(head.locator("#wf-panel")).to_contain_text("赵经理 · 已同意")

    archivist = open_as(browser, live_server, "archivist", js)
    archivist.goto(batch_url)
    archivist.get_by_role("link", name="逐件核对").click()
    expect(archivist.locator("h1")).to_contain_text("逐件核对")
    archivist.locator("#check-3").get_by_label("退回", exact=True).check()
    archivist.fill("input[name=rows-2-reason]", "缺少签发人签字")
    archivist.check("input[name=confirm]")
    archivist.get_by_role("button", name="核对完成").click()
    expect(archivist.locator("h1")).to_contain_text("已完成")
    summary = archivist.locator("section.card").first
    year = clock.local_now().year
    expect(summary).to_contain_text(f"DA-{year}-HT-")
    expect(summary).to_contain_text(f"DA-{year}-TB-")
    expect(summary).to_contain_text("缺少签发人签字")
    number = re.search(rf"DA-{year}-HT-\d{{4}}", summary.inner_text()).group(0)

    # The 秘密 contract is borrowed: the head, then the GM approve; the archivist hands it over.
    employee.goto(f"{live_server}/archive/loans/new")
    employee.fill("input[name=item]", number)
    employee.get_by_label("借出", exact=True).check()
    employee.fill("textarea[name=purpose]", f"核对交货条款（{tag}）")
    employee.get_by_role("button", name="提交借阅申请").click()
    expect(employee.locator("h1")).to_contain_text("审批中")
    loan_url = employee.url
    head.goto(loan_url)
    head.locator("#wf-actions").get_by_role("button", name="同意").click()
    expect(head.locator("#wf-panel")).to_contain_text("赵经理 · 已同意")
    gm = open_as(browser, live_server, "gm", js)
    gm.goto(loan_url)
    gm.locator("#wf-actions").get_by_role("button", name="同意").click()
    expect(gm.locator("#wf-panel")).to_contain_text("王总 · 已同意")
    archivist.goto(loan_url)
    archivist.get_by_role("link", name="办理借出").click()
    archivist.get_by_role("button", name="确认借出").click()
    expect(archivist.locator("#wf-panel")).to_contain_text("登记归还")

    # Overdue: the tick reminds before the due date and escalates after it.
    e2e_db.session.rollback()
    loan = e2e_db.session.scalar(select(ArchiveLoan).order_by(ArchiveLoan.id.desc()))
    due = loan.instance.open_tasks[0].due_at
    with clock.frozen(due - timedelta(hours=12)):
        tick()
    late = due + timedelta(days=2)
    clock.set_clock(lambda: late)
    try:
        tick()
        e2e_db.session.rollback()
        kinds = {(n.user.username, n.kind) for n in e2e_db.session.scalars(
            select(Notification).where(Notification.instance_id == loan.instance_id))}  # fmt: skip
        assert {("employee", "reminder"), ("archivist", "reminder")} <= kinds
        assert {("employee", "escalation"), ("head", "escalation")} <= kinds
        archivist.goto(f"{live_server}/archive/loans/?overdue=1")
        expect(archivist.locator("table.register")).to_contain_text(number)
        expect(archivist.locator("table.register")).to_contain_text("逾期 2 天")
        archivist.goto(loan_url)
        archivist.get_by_role("link", name="登记归还").click()
        archivist.get_by_role("button", name="确认归还").click()
        expect(archivist.locator("h1")).to_contain_text("已完成")
    finally:
        clock.set_clock(None)

    # The registers show the whole history.
    employee.goto(f"{live_server}/archive/loans/")
    row = employee.locator("table.register tr", has_text=number)
    expect(row).to_contain_text("已完成")
    expect(row).to_contain_text("完好")
    employee.goto(f"{live_server}/archive/?category=HT")
    expect(employee.locator("table.register")).to_contain_text(number)
    employee.locator("table.register tr", has_text=number).get_by_role("link").first.click()
    expect(employee.locator("h1")).to_contain_text(number)
    expect(employee.locator("body")).to_contain_text("借阅记录")
    expect(employee.locator("body")).to_contain_text("张三")
    employee.goto(batch_url)
    with employee.expect_download() as download:
        employee.get_by_role("link", name="下载存档登记表 PDF").click()
    text = pdftotext(download.value.path())
    for expected in ("存档登记表", number, "缺少签发人签字", "档案管理员签收"):
        assert expected in text, expected
    employee.goto(loan_url)
    with employee.expect_download() as download:
        employee.get_by_role("link", name="下载借阅登记表 PDF").click()
    text = pdftotext(download.value.path())
    for expected in ("档案借阅登记表", number, "总经理审批", "完好"):
        assert expected in text, expected
    for page in (employee, head, archivist, gm):
        page.context.close()
