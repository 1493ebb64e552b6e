"""The designer in Chromium, without JavaScript (every designer form is a plain form): an
administrator builds a form type from scratch (five fields, line items, a two-step conditional
flow) and publishes it; `employee` submits a record, `head` approves it, the PDF prints and reads
back; the form is changed and published again, and the old record still renders with its
original version. Then a look at the designer with JavaScript at 375 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.core.clock import local_now
from tests.pdftext import pdftotext


def login(browser, base: str, username: str, js: bool = False, width: int = 1200):
    context = browser.new_context(java_script_enabled=js, viewport={"width": width, "height": 900},
                                  locale="zh-CN", accept_downloads=True)  # fmt: skip
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return context, page


def add_field(page, **values):
    form = page.locator("#field-form")
    for name, value in values.items():
        if name == "kind":
            form.locator("select[name=f-kind]").select_option(value)
        elif name == "required":
            form.locator("input[name=f-required]").check()
        else:
            form.locator(f"[name=f-{name}]").fill(value)
    form.get_by_role("button", name="保存字段").click()
    expect(page.locator(".flash-success")).to_contain_text("已保存字段")


@pytest.fixture(scope="module")
def base(live_server):
    return live_server


def test_build_publish_submit_approve_print_and_change(browser, base):
    admin, page = login(browser, base, "admin")
    page.goto(f"{base}/designer/new")
    page.fill("input[name=key]", "trip")
    page.fill("input[name=name]", "出差申请")
    page.get_by_role("button", name="创建草稿").click()
    expect(page.locator("h1")).to_have_text("设计：出差申请")
    add_field(page, key="city", label="目的地", kind="text", required=True)
    add_field(page, key="days", label="天数", kind="number", minimum="1", maximum="30", unit="天")
    add_field(page, key="budget", label="预算", kind="money", required=True)
    add_field(page, key="leave", label="出发日期", kind="date")
    add_field(page, key="reason", label="事由", kind="textarea", required=True)
    add_field(page, key="lines", label="费用明细", kind="items",
              columns="item 项目 text 必填\nprice 金额 money")  # fmt: skip
    # A duplicate key is refused beside the key, with what was typed kept.
    form = page.locator("#field-form")
    form.locator("[name=f-key]").fill("city")
    form.locator("[name=f-label]").fill("城市")
    form.get_by_role("button", name="保存字段").click()
    expect(page.locator("#field-form")).to_contain_text("字段代码“city”重复。")
    expect(page.locator("#field-form [name=f-label]")).to_have_value("城市")
    # The second step applies only above 5,000 元; a condition on a missing field is refused.
    steps = page.locator("#step-form")
    steps.locator("[name=s-key]").fill("gm")
    steps.locator("[name=s-name]").fill("总经理审批")
    steps.locator("select[name=s-assignee]").select_option("role")
    steps.locator("[name=s-target]").fill("gm")
    steps.locator("[name=s-when]").fill("amount > 5000")
    steps.get_by_role("button", name="保存步骤").click()
    expect(page.locator("#step-form")).to_contain_text("引用了不存在的字段“amount”")
    page.locator("#step-form [name=s-when]").fill("budget > 5000")
    page.locator("#step-form").get_by_role("button", name="保存步骤").click()
    expect(page.locator("#designer-flow")).to_contain_text("部门负责人审批")
    expect(page.locator("#designer-flow")).to_contain_text("条件：budget > 5000")
    page.get_by_role("button", name="发布为第 1 版").click()
    expect(page.locator(".flash-success")).to_contain_text("已发布第 1 版")

    employee, page = login(browser, base, "employee")
    page.goto(f"{base}/")
    page.get_by_role("link", name="出差申请").click()
    page.fill("input[name=city]", "上海")
    page.fill("input[name=days]", "31")
    page.fill("input[name=budget]", "1200")
    page.fill("textarea[name=reason]", "客户拜访")
    page.fill("input[name=lines-0-item]", "高铁")
    page.fill("input[name=lines-0-price]", "553")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#field-days")).to_contain_text("天数（天）应在 1 到 30天 之间。")
    expect(page.locator("input[name=city]")).to_have_value("上海")
    page.fill("input[name=days]", "3")
    page.fill("input[name=leave]", f"{local_now():%Y-%m-%d}")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("h1")).to_contain_text("出差申请 BD-")
    record_url = page.url
    expect(page.locator("#wf-panel")).to_contain_text("总经理审批")  # shown as 不适用
    employee.close()

    head, page = login(browser, base, "head")
    page.goto(record_url)
    page.locator("#wf-actions").get_by_role("button", name="同意").click()
    expect(page.locator("h1")).to_contain_text("已完成")
    pdf = page.request.get(f"{record_url}/pdf")
    text = pdftotext(pdf.body())
    assert "出差申请（第1版）" in text and "上海" in text and "高铁" in text and "553.00" in text
    head.close()

    page = admin.pages[0]
    page.goto(f"{base}/designer/trip/?field=city")
    page.locator("#field-form [name=f-label]").fill("目的地城市")
    page.locator("#field-form").get_by_role("button", name="保存字段").click()
    page.get_by_role("button", name="发布为第 2 版").click()
    expect(page.locator(".flash-success")).to_contain_text("已发布第 2 版")
    page.goto(record_url)
    expect(page.locator(".designed-values")).to_contain_text("目的地")
    expect(page.locator(".designed-values")).not_to_contain_text("目的地城市")
    expect(page.locator(".toolbar")).to_contain_text("按第 1 版填写")
    page.goto(f"{base}/designer/trip/apply")
    expect(page.locator("#designed-form")).to_contain_text("目的地城市")
    admin.close()


def test_designer_with_javascript_at_375(browser, base):
    context, page = login(browser, base, "admin", js=True, width=375)
    page.goto(f"{base}/designer/new")
    page.fill("input[name=key]", "visit")
    page.fill("input[name=name]", "来访")
    page.locator("select[name=source]").select_option("template:visitor")
    page.get_by_role("button", name="创建草稿").click()
    expect(page.locator("#designer-fields")).to_contain_text("来访人姓名")
    expect(page.locator("iframe.preview-phone")).to_have_attribute("width", "375")
    frame = page.frame_locator("iframe.preview-phone")
    expect(frame.locator("body")).to_contain_text("来访人姓名")
    # htmx: the field being designed is previewed as it is typed, before it is saved.
    form = page.locator("#field-form")
    form.locator("[name=f-key]").fill("days")
    form.locator("[name=f-label]").fill("停留天数")
    form.locator("select[name=f-kind]").select_option("number")
    expect(page.locator("#field-preview")).to_contain_text("停留天数")
    expect(page.locator("#field-preview input[name=days]")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    context.close()
