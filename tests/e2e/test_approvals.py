"""Approving like DingTalk, in Chromium with and without JavaScript: the approval path with the
current step marked and steps that do not apply greyed, 加签 before me, 催办 and its limit, 转交,
评论 with an @mention, notifications that name the record; and at 375 px every action button is
inside the viewport. With PORTAL_DOC_SHOTS=1 the test also saves the screenshots that
docs/workflow.md shows (docs/images/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.seals import services as seal_services
from tests.e2e.test_seals import open_as
from tests.seals.conftest import valid_data

DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"


def shot(page, name: str, selector: str | None = None) -> None:
    if os.environ.get("PORTAL_DOC_SHOTS"):
        DOCS.mkdir(exist_ok=True)
        target = page.locator(selector) if selector else page
        target.screenshot(path=str(DOCS / f"{name}.png"))


@pytest.fixture
def request_url(live_server, e2e_db):
    """A fresh 公章 request by 张三, at the department head."""
    from portal.seals import demo
    from portal.seals.models import Seal

    users = {u.username: u for u in e2e_db.session.scalars(select(User))}
    seals = {s.name: s for s in e2e_db.session.scalars(select(Seal))} or demo.build_catalogue(users)
    data = valid_data(seals, document_name="2027年度采购合同")
    record = seal_services.save_request(None, users["employee"], data, submit=True)
    e2e_db.session.commit()
    return f"{live_server}/seals/{record.id}", record.instance.number


def click_in(panel, summary: str):
    panel.locator("summary", has_text=summary).click()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_path_add_signer_remind_transfer_and_comment(browser, live_server, request_url, js):
    url, number = request_url
    head = open_as(browser, live_server, "head", js)
    head.goto(url)
    path = head.locator(".wf-path")
    expect(path.locator(".node-current")).to_contain_text("部门负责人审核")
    expect(path.locator(".node-current")).to_contain_text("赵经理")
    expect(path.locator(".node-na").first).to_contain_text("财务部负责人审核")  # a 公章 request
    expect(path).to_contain_text("周助理")  # the keeper, by name
    shot(head, "approval-path", "#wf-panel")
    # 加签 before me: 品质部 decides first, then it comes back.
    click_in(head.locator("#wf-actions"), "加签")
    form = head.locator("#wf-actions form", has=head.locator("input[value=add_signer]"))
    form.locator("select[name=target_id]").select_option(label="吴经理（quality）")
    form.locator("textarea[name=comment]").fill("请品质部先确认合同条款")
    form.get_by_role("button", name="加签").click()
    expect(head.locator(".wf-path .node-current")).to_contain_text("前加签")
    shot(head, "approval-add-signer", "#wf-panel")
    quality = open_as(browser, live_server, "quality", js)
    quality.goto(url)
    quality.locator("#wf-actions").get_by_role("button", name="同意").click()
    expect(quality.locator(".flash-success")).to_contain_text("已同意")
    expect(quality.locator(".wf-path .node-current")).to_contain_text("赵经理")
    head.goto(url)
    head.locator("#wf-actions").get_by_role("button", name="同意").click()
    expect(head.locator(".wf-path .node-current")).to_contain_text("总经理审批")
    # 催办 by the applicant, then the button says when it can be used again.
    employee = open_as(browser, live_server, "employee", js)
    employee.goto(url)
    employee.locator("#wf-actions").get_by_role("button", name="催办").click()
    expect(employee.locator(".flash-success")).to_contain_text("已催办")
    employee.goto(url)
    expect(employee.locator("#wf-actions")).to_contain_text("已催办，可在")
    # 转交: the GM hands the approval to the deputy.
    gm = open_as(browser, live_server, "gm", js)
    gm.goto(url)
    click_in(gm.locator("#wf-actions"), "转交")
    form = gm.locator("#wf-actions form", has=gm.locator("input[value=transfer]"))
    form.locator("select[name=target_id]").select_option(label="李副总（deputy）")
    form.locator("textarea[name=comment]").fill("本周出差，请李副总审批")
    form.get_by_role("button", name="转交").click()
    expect(gm.locator(".wf-path .node-current")).to_contain_text("李副总")
    # 评论 with an @mention of a participant (the department head).
    employee.goto(url)
    click_in(employee.locator("#wf-actions"), "评论")
    form = employee.locator("#wf-actions form", has=employee.locator("input[value=comment]"))
    form.locator("textarea[name=comment]").fill("合同原件已放在行政部")
    form.locator("select[name=mentions]").select_option(label="赵经理（head）")
    form.get_by_role("button", name="发表评论").click()
    expect(employee.locator(".flash-success")).to_contain_text("已评论")
    expect(employee.locator(".wf-timeline")).to_contain_text("@赵经理 合同原件已放在行政部")
    employee.goto(f"{live_server}/notifications/")
    expect(employee.locator("main")).to_contain_text(
        f"{number}《2027年度采购合同》用印申请：赵经理已同意"
    )
    head.goto(f"{live_server}/notifications/")
    expect(head.locator("main")).to_contain_text("张三在评论中提到了您")
    for page in (head, quality, employee, gm):
        page.context.close()


def _outside(page) -> list[str]:
    """Visible buttons and links of the actions and the inbox that stick out of the viewport."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '#wf-actions button, #wf-actions .button, #wf-actions summary, table.inbox .button, #batch-form button')]
        .filter(e => e.offsetParent !== null)
        .filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
        .map(e => e.textContent.trim())""")


def test_every_action_button_fits_a_375px_screen(browser, live_server, request_url):
    url, _ = request_url
    head = open_as(browser, live_server, "head", True, width=375)
    head.goto(url)
    for summary in ("加签", "转交", "评论", "退回到某一步"):
        summaries = head.locator("#wf-actions summary", has_text=summary)
        if summaries.count():
            summaries.click()
    assert _outside(head) == []
    assert head.evaluate("document.documentElement.scrollWidth") <= 375
    shot(head, "approval-actions-375")
    head.goto(f"{live_server}/inbox")
    expect(head.locator("table.inbox")).to_be_visible()
    assert _outside(head) == []
    assert head.evaluate("document.documentElement.scrollWidth") <= 375
    shot(head, "inbox-375")
    head.context.close()
