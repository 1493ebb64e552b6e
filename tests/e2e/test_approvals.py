"""Approving like DingTalk, in Chromium with and without JavaScript: the approval path with the
current step marked and steps that do not apply greyed, 加签 before me, after me and beside me,
催办 and its limit, 转交, 评论 with an @mention, 退回 to a chosen earlier step (reason required),
撤回 by the applicant, 批量同意 in the inbox, notifications that name the record; and at 375 px
every action button is inside the viewport (record page with and without JavaScript, inbox, the
keeper's stamping page). With PORTAL_DOC_SHOTS=1 the tests also save the screenshots that
docs/workflow.md shows (docs/images/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.seals import services as seal_services
from portal.workflow import engine
from tests.e2e.test_seals import open_as
from tests.seals.conftest import valid_data

DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"


def shot(page, name: str, selector: str | None = None) -> None:
    if os.environ.get("PORTAL_DOC_SHOTS"):
        DOCS.mkdir(exist_ok=True)
        target = page.locator(selector) if selector else page
        target.screenshot(path=str(DOCS / f"{name}.png"))


def new_request(live_server, e2e_db, names=("公章",), approved_by=(), **fields):
    """A request by 张三, submitted, and approved by `approved_by` (usernames, in order) through
    the engine: (record page URL, number, record id)."""
    from portal.seals import demo
    from portal.seals.models import Seal

    users = {u.username: u for u in e2e_db.session.scalars(select(User))}
    seals = {s.name: s for s in e2e_db.session.scalars(select(Seal))} or demo.build_catalogue(users)
    data = valid_data(seals, names, **{"document_name": "2027年度采购合同", **fields})
    record = seal_services.save_request(None, users["employee"], data, submit=True)
    for username in approved_by:
        engine.transition(record.instance, "approve", users[username], "同意")
    e2e_db.session.commit()
    return f"{live_server}/seals/{record.id}", record.instance.number, record.id


@pytest.fixture
def request_url(live_server, e2e_db):
    """A fresh 公章 request by 张三, at the department head."""
    url, number, _ = new_request(live_server, e2e_db)
    return url, number


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
    shot(employee, "approval-remind", "#wf-panel")
    # 转交: the GM hands the approval to the deputy.
    gm = open_as(browser, live_server, "gm", js)
    gm.goto(url)
    click_in(gm.locator("#wf-actions"), "转交")
    form = gm.locator("#wf-actions form", has=gm.locator("input[value=transfer]"))
    form.locator("select[name=target_id]").select_option(label="李副总（deputy）")
    form.locator("textarea[name=comment]").fill("本周出差，请李副总审批")
    form.get_by_role("button", name="转交").click()
    expect(gm.locator(".wf-path .node-current")).to_contain_text("李副总")
    expect(gm.locator(".wf-path .node-current")).to_contain_text("转交")
    shot(gm, "approval-transfer", "#wf-panel")
    # 评论 with an @mention of a participant (the department head).
    employee.goto(url)
    click_in(employee.locator("#wf-actions"), "评论")
    form = employee.locator("#wf-actions form", has=employee.locator("input[value=comment]"))
    form.locator("textarea[name=comment]").fill("合同原件已放在行政部")
    form.locator("select[name=mentions]").select_option(label="赵经理（head）")
    shot(employee, "approval-comment", "#wf-actions")
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


def send_back_without_reason(browser, live_server, e2e_db, js):
    """A 财务专用章 request at the GM (head and finance have approved): the GM picks the
    department head, skipping the finance head, and sends it back without a reason. Returns the
    GM's page, showing the refusal, the record URL and the 退回 form."""
    url, _, _ = new_request(
        live_server, e2e_db, names=("财务专用章",), approved_by=("head", "finance")
    )
    gm = open_as(browser, live_server, "gm", js)
    gm.goto(url)
    expect(gm.locator(".wf-path .node-current")).to_contain_text("总经理审批")
    click_in(gm.locator("#wf-actions"), "退回到某一步")
    form = gm.locator("#wf-actions form", has=gm.locator("input[value=send_back]"))
    expect(form.get_by_label("退回到")).to_contain_text("财务部负责人审核")  # decided this round
    form.get_by_label("退回到").select_option(label="部门负责人审核")
    form.get_by_role("button", name="退回").click()
    actions = gm.locator("#wf-actions")
    expect(actions.get_by_role("alert")).to_contain_text("请填写意见")
    form = actions.locator("form", has=gm.locator("input[value=send_back]"))
    expect(form).to_be_visible()  # the 退回 form stays open
    return gm, url, form


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_send_back_to_a_chosen_earlier_step_needs_a_reason(browser, live_server, e2e_db, js):
    gm, url, form = send_back_without_reason(browser, live_server, e2e_db, js)
    form.get_by_label("退回到").select_option(label="部门负责人审核")
    form.get_by_label("退回理由").fill("合同金额与部门预算不符，请部门负责人重新审核")
    form.get_by_role("button", name="退回").click()
    expect(gm.locator(".flash-success")).to_contain_text("已退回上一步")
    gm.goto(url)
    current = gm.locator(".wf-path .node-current")
    expect(current).to_contain_text("部门负责人审核")
    expect(current).to_contain_text("赵经理")
    expect(gm.locator("#wf-panel")).to_contain_text("退回到“部门负责人审核”")
    shot(gm, "approval-send-back", "#wf-panel")
    head = open_as(browser, live_server, "head", js)
    head.goto(url)
    expect(head.locator("#wf-actions").get_by_role("button", name="同意")).to_be_visible()
    for page in (gm, head):
        page.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_send_back_keeps_the_chosen_step_after_a_refusal(browser, live_server, e2e_db, js):
    gm, _, form = send_back_without_reason(browser, live_server, e2e_db, js)
    try:
        expect(form.get_by_label("退回到")).to_have_value("head", timeout=1000)
    finally:
        gm.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_applicant_withdraws_before_anyone_acts(browser, live_server, request_url, js):
    url, number = request_url
    employee = open_as(browser, live_server, "employee", js)
    employee.goto(url)
    employee.locator("#wf-actions").get_by_role("button", name="撤回", exact=True).click()
    expect(employee.locator(".flash-success")).to_contain_text(f"已撤回：{number}")
    expect(employee.locator("#wf-panel h2")).to_contain_text("已撤回")
    expect(employee.locator(".wf-path .node-current")).to_have_count(0)
    head = open_as(browser, live_server, "head", js)
    head.goto(f"{live_server}/inbox")
    expect(head.locator("main h1")).to_be_visible()
    expect(head.locator("main")).not_to_contain_text(number)
    head.goto(url)  # they may still comment, but no longer decide
    expect(head.locator("#wf-actions summary", has_text="评论")).to_be_visible()
    expect(head.locator("#wf-actions").get_by_role("button", name="同意")).to_have_count(0)
    for page in (employee, head):
        page.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_batch_approve_in_the_inbox(browser, live_server, e2e_db, js):
    """The head ticks two of three new requests in 待我审批 and approves them together; the
    third stays."""
    made = [new_request(live_server, e2e_db, document_name=f"批量合同{i}") for i in range(3)]
    (url, first, _), (_, second, _), (_, third, _) = made
    head = open_as(browser, live_server, "head", js)
    head.goto(f"{live_server}/inbox")
    for number in (first, second):
        head.get_by_role("checkbox", name=f"选择 {number}").check()
    head.get_by_role("button", name="批量同意所选").click()
    expect(head).to_have_url(f"{live_server}/inbox")
    expect(head.locator(".flash-success")).to_contain_text("已同意 2 件")
    for number in (first, second):
        expect(head.locator(".flash-success")).to_contain_text(number)
        expect(head.locator("table.inbox")).not_to_contain_text(number)
    expect(head.get_by_role("checkbox", name=f"选择 {third}")).not_to_be_checked()
    head.goto(url)
    expect(head.locator(".wf-path .node-current")).to_contain_text("总经理审批")
    expect(head.locator("#wf-panel")).to_contain_text("同意（批量）")
    head.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize(
    ("position", "tag", "mode"),
    [("after", "后加签", "依次：加签人后审"), ("parallel", "并加签", "全部：与加签人会签")],
    ids=["after", "parallel"],
)
def test_add_signer_after_me_or_beside_me(
    browser, live_server, request_url, position, tag, mode, js
):
    """加签 after me: the quality manager decides once the head has; beside me (会签): both
    decide, in any order. Either way the request then goes to the GM."""
    url, _ = request_url
    head = open_as(browser, live_server, "head", js)
    head.goto(url)
    click_in(head.locator("#wf-actions"), "加签")
    form = head.locator("#wf-actions form", has=head.locator("input[value=add_signer]"))
    form.get_by_label("加签人").select_option(label="吴经理（quality）")
    form.locator(f"input[name=position][value={position}]").check()
    form.get_by_label("加签理由").fill("请品质部一并确认合同质量条款")
    form.get_by_role("button", name="加签").click()
    current = head.locator(".wf-path .node-current")
    expect(current).to_contain_text(tag)
    expect(current).to_contain_text(mode)
    quality = open_as(browser, live_server, "quality", js)
    quality.goto(url)
    approve_quality = quality.locator("#wf-actions").get_by_role("button", name="同意")
    if position == "after":  # not before the head has decided
        expect(approve_quality).to_have_count(0)
    else:  # 会签: the added signer may decide first
        approve_quality.click()
        expect(quality.locator(".flash-success")).to_contain_text("已同意")
        expect(quality.locator(".wf-path .node-current")).to_contain_text("部门负责人审核")
    head.goto(url)
    head.locator("#wf-actions").get_by_role("button", name="同意").click()
    expect(head.locator(".flash-success")).to_contain_text("已同意")
    if position == "after":
        expect(head.locator(".wf-path .node-current")).to_contain_text("部门负责人审核")
        quality.goto(url)
        approve_quality.click()
        expect(quality.locator(".flash-success")).to_contain_text("已同意")
    quality.goto(url)
    expect(quality.locator(".wf-path .node-current")).to_contain_text("总经理审批")
    for page in (head, quality):
        page.context.close()


ACTION_BUTTONS = (
    "#wf-actions button, #wf-actions .button, #wf-actions summary, table.inbox .button,"
    " #batch-form button"
)


def _outside(page, selector: str = ACTION_BUTTONS) -> list[str]:
    """Visible buttons and links matching `selector` (by default those of the actions and the
    inbox) that stick out of the viewport."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null)
        .filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
        .map(e => e.textContent.trim())""",
        selector,
    )


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_every_action_button_fits_a_375px_screen(browser, live_server, request_url, js):
    url, _ = request_url
    head = open_as(browser, live_server, "head", js, width=375)
    head.goto(url)
    for summary in ("加签", "转交", "评论", "退回到某一步"):
        summaries = head.locator("#wf-actions summary", has_text=summary)
        if summaries.count():
            summaries.click()
    expect(
        head.locator("#wf-actions form", has=head.locator("input[value=transfer]"))
    ).to_be_visible()
    assert _outside(head) == []
    assert head.evaluate("document.documentElement.scrollWidth") <= 375
    if js:
        shot(head, "approval-actions-375")
    head.goto(f"{live_server}/inbox")
    expect(head.locator("table.inbox")).to_be_visible()
    assert _outside(head) == []
    assert head.evaluate("document.documentElement.scrollWidth") <= 375
    if js:
        shot(head, "inbox-375")
    head.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_stamping_page_fits_a_375px_screen(browser, live_server, e2e_db, js):
    """A step page: the keeper's 登记用印 page of a request the head and the GM approved."""
    url, _, record_id = new_request(live_server, e2e_db, approved_by=("head", "gm"))
    keeper = open_as(browser, live_server, "adminoffice", js, width=375)
    keeper.goto(url)
    keeper.get_by_role("link", name="登记用印").click()
    expect(keeper).to_have_url(f"{live_server}/seals/{record_id}/stamp")
    expect(keeper.locator("#approvals")).to_contain_text("王总")
    expect(keeper.get_by_role("button", name="确认已用印")).to_be_visible()
    expect(keeper.get_by_role("button", name="拒绝用印并退回申请人")).to_be_visible()
    assert _outside(keeper, "main button, main .button, main summary") == []
    assert keeper.evaluate("document.documentElement.scrollWidth") <= 375
    keeper.context.close()
