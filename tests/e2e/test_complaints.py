"""Customer complaints in a real browser: 客服 registers → 品质部 judges it valid → containment →
the quality manager approves the reply → 客服 sends it → CAPA → the owner implements →
verification → closing → follow-up; the register and the monthly report show it. Also: bad
input without JavaScript, and the register on a phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.complaints.flow import sampled
from portal.core import clock

START = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai


@pytest.fixture
def moving_clock():
    """The live server runs in this process: the test moves its clock forward by hand."""
    current = [START]
    clock.set_clock(lambda: current[0])

    def advance(hours: float) -> None:
        current[0] = current[0] + timedelta(hours=hours)

    yield advance
    clock.set_clock(None)


@pytest.fixture
def as_user(page, live_server):
    def _as(username: str):
        page.context.clear_cookies()
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        return page

    return _as


def open_complaint(page, live_server, number: str) -> None:
    page.goto(f"{live_server}/complaints/")
    page.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_contain_text(number)


def stage(page, link: str, button: str = "提交并完成本环节") -> None:
    page.locator("#wf-actions").get_by_role("link", name=link).click()
    expect(page.locator("#step-form")).to_be_visible()


def submit_stage(page, button: str = "提交并完成本环节") -> None:
    page.locator("#step-form").get_by_role("button", name=button).click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_complaint_from_intake_to_follow_up(page, live_server, as_user, moving_clock):
    as_user("service")
    page.goto(f"{live_server}/complaints/new")
    page.select_option("select[name=channel]", label="E-mail")
    page.select_option("select[name=category]", label="质量")
    page.fill("input[name=received_at]", "2026-11-23T09:00")
    page.fill("input[name=customer_company]", "苏州恒达汽车电子有限公司")
    page.fill("input[name=contact_person]", "李工")
    page.fill("input[name=email]", "qa@hengda.example")
    page.fill("input[name=product]", "汽车控制板")
    page.fill("input[name=qty_delivered]", "2000")
    page.fill("input[name=qty_defective]", "36")
    page.fill("textarea[name=description]", "来料检验发现虚焊，要求 48 小时内答复。")
    page.locator("input[name=qty_defective]").blur()
    expect(page.locator("#field-qty_defective")).to_contain_text("不良率 1.80%")
    page.get_by_role("button", name="登记并受理").click()
    expect(page.locator("h1")).to_contain_text("KS-202611-0001")
    number = "KS-202611-0001"
    expect(page.locator(".wf-path")).to_contain_text("初步分析")

    moving_clock(2)
    as_user("inspector")
    open_complaint(page, live_server, number)
    stage(page, "填写初步分析")
    page.check("input[name=valid][value=yes]")
    page.fill("textarea[name=analysis]", "留样复现虚焊，判定有效。")
    submit_stage(page)
    stage(page, "填写围堵措施")
    page.fill("textarea[name=containment_actions]", "隔离同批次库存和在制品，出货检验加严。")
    page.check("input[name=stock_checked]")
    page.fill("textarea[name=stock_result]", "成品库隔离 800 片。")
    submit_stage(page)
    stage(page, "拟定答复")
    page.fill("textarea[name=reply_text]", "已确认问题并隔离库存，7 日内提交改善报告。")
    submit_stage(page)

    moving_clock(2)
    as_user("quality")  # the quality manager approves the reply
    open_complaint(page, live_server, number)
    page.fill("#wf-comment", "同意发出")
    page.locator("#wf-actions").get_by_role("button", name="批准答复").click()
    expect(page.locator(".flash-success")).to_be_visible()

    as_user("service")
    open_complaint(page, live_server, number)
    stage(page, "登记答复发送")
    submit_stage(page)

    moving_clock(20)
    as_user("quality")
    open_complaint(page, live_server, number)
    stage(page, "填写纠正预防措施")
    page.fill("textarea[name=root_cause]", "回流焊温度曲线漂移。")
    page.fill("textarea[name=corrective_action]", "重新设定温度曲线，全检隔离品。")
    page.fill("textarea[name=preventive_action]", "每班首件测温，横向展开到二线。")
    page.select_option("select[name=capa_department_id]", label="生产部")
    # htmx swaps in the department's people: pick from the new list, not the full one.
    expect(page.locator("select[name=capa_person_id] optgroup")).to_have_count(0)
    page.select_option("select[name=capa_person_id]", label="刘厂长")
    page.fill("input[name=capa_due]", "2026-11-30")
    submit_stage(page)

    moving_clock(30)
    as_user("producer")  # the CAPA owner sees the complaint and reports the action done
    open_complaint(page, live_server, number)
    page.fill("#wf-comment", "温度曲线已重设，作业指导书已修订。")
    page.locator("#wf-actions").get_by_role("button", name="措施已完成").click()
    expect(page.locator(".flash-success")).to_be_visible()

    moving_clock(48)
    as_user("quality")
    open_complaint(page, live_server, number)
    stage(page, "验证效果")
    page.check("input[name=effective][value=yes]")
    page.fill("textarea[name=verification]", "后续三批未再发生虚焊。")
    submit_stage(page)
    stage(page, "结案")
    page.fill("textarea[name=closing_note]", "已答复客户，措施验证有效。")
    submit_stage(page)

    moving_clock(24)
    as_user("service")
    open_complaint(page, live_server, number)
    stage(page, "登记回访")
    page.check("input[name=satisfaction][value='5']")
    page.fill("textarea[name=follow_up_comment]", "客户满意。")
    submit_stage(page)
    expect(page.locator("#handling")).to_contain_text("5 分")
    status = "审批中" if sampled(number) else "已完成"  # a sampled case goes on to 经理复访
    expect(page.locator(".complaint-head")).to_contain_text(status)

    page.goto(f"{live_server}/complaints/")
    row = page.locator("tr", has=page.get_by_role("link", name=number))
    expect(row.locator(".tag-ok")).to_have_count(5)  # every stage done on time
    expect(row).to_contain_text("5")
    page.goto(f"{live_server}/complaints/report?month=2026-11")
    summary = page.locator("#report-summary")
    expect(summary).to_contain_text("本月登记投诉1 件")
    expect(summary).to_contain_text("5.00")
    expect(summary).to_contain_text("100.0%")
    expect(page.locator("svg.chart")).to_have_count(2)


def test_bad_intake_without_javascript_keeps_values(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "service")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/complaints/new")
    page.fill("input[name=customer_company]", "宁波海天通讯设备有限公司")
    page.fill("input[name=phone]", "")
    page.fill("input[name=product]", "射频模块板")
    page.fill("input[name=qty_delivered]", "100")
    page.fill("input[name=qty_defective]", "150")
    page.fill("textarea[name=description]", "批量不良。")
    page.get_by_role("button", name="登记并受理").click()
    expect(page.locator("#field-qty_defective .error")).to_contain_text("不能大于交付数量")
    expect(page.locator("#field-phone .error")).to_contain_text("请至少填写一种联系方式")
    expect(page.locator("input[name=customer_company]")).to_have_value("宁波海天通讯设备有限公司")
    expect(page.locator("input[name=qty_defective]")).to_have_value("150")
    context.close()


def test_register_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "quality")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    for path in ("/complaints/", "/complaints/report", "/complaints/1"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


def test_register_shows_the_current_stage_at_desktop_width(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "quality")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/complaints/")
    header = page.locator("thead th", has_text="当前环节")
    box = header.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280, box
    context.close()
