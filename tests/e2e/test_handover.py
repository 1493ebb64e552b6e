"""Handing over the tasks of a user who has left, in Chromium without JavaScript: the
administrator deactivates 赵经理, is led to his open tasks, is told beside the field when no new
holder is chosen, then hands the seal request over to 吴经理, who finds it in 待我审批 with the
转交 in its trail."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.seals import services as seal_services
from tests.e2e.test_seals import open_as
from tests.seals.conftest import valid_data


def test_an_administrator_hands_over_the_tasks_of_a_leaver(browser, live_server, e2e_db):
    from portal.seals import demo
    from portal.seals.models import Seal

    users = {u.username: u for u in e2e_db.session.scalars(select(User))}
    seals = {s.name: s for s in e2e_db.session.scalars(select(Seal))} or demo.build_catalogue(users)
    data = valid_data(seals, document_name="2027年度经销合同")
    record = seal_services.save_request(None, users["employee"], data, submit=True)
    e2e_db.session.commit()
    number, url = record.instance.number, f"{live_server}/seals/{record.id}"

    admin = open_as(browser, live_server, "admin", js=False)
    admin.goto(f"{live_server}/admin/users")
    row = admin.locator("tr", has_text="赵经理")
    expect(row.get_by_role("link", name="1 项")).to_be_visible()
    row.get_by_role("link", name="编辑").click()
    admin.get_by_label("启用").uncheck()
    admin.get_by_role("button", name="保存").click()
    # deactivated while holding a task: straight to the hand-over
    expect(admin.locator("h1")).to_contain_text("待办任务：赵经理")
    expect(admin.locator(".flash-warning")).to_contain_text("仍有 1 项待办任务")
    task_row = admin.locator("#handover-form tr", has_text=number)
    expect(task_row).to_contain_text("2027年度经销合同")
    expect(task_row).to_contain_text("用印申请")
    expect(task_row.locator("input[type=checkbox]")).to_be_checked()
    # no new holder: told beside the field, the reason kept
    admin.fill("textarea[name=reason]", "赵经理已离职")
    admin.get_by_role("button", name="转交所选任务").click()
    expect(admin.locator("#field-target_id .error")).to_have_text("请选择接手人。")
    expect(admin.locator("textarea[name=reason]")).to_have_value("赵经理已离职")
    admin.select_option("select[name=target_id]", label="吴经理（quality）")
    admin.get_by_role("button", name="转交所选任务").click()
    expect(admin.locator(".flash-success")).to_contain_text(f"转交给 吴经理：{number}")
    expect(admin.locator("main")).to_contain_text("当前没有待处理的任务")

    quality = open_as(browser, live_server, "quality", js=False)
    quality.goto(f"{live_server}/inbox")
    expect(quality.locator("table.inbox")).to_contain_text(number)
    quality.goto(url)
    expect(quality.locator("#wf-panel")).to_contain_text("已转交")
    expect(quality.locator("#wf-panel")).to_contain_text("赵经理已离职")
