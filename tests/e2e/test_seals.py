"""A seal-use request end to end in Chromium, with and without JavaScript: the employee submits
with an attachment, the head approves, the deputy approves while delegated for the GM, the
keeper stamps, the register shows the row with 代, and the PDF reads back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.auth.models import User
from portal.core.clock import local_now
from portal.procedures import services as procedures
from portal.seals import demo
from portal.seals.models import Seal
from tests.pdftext import pdftotext

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def portal(live_server, e2e_db):
    """The seal catalogue and the bundled procedures on the live server's database."""
    if e2e_db.session.scalar(select(Seal.id).where(Seal.name == "公章")) is None:
        demo.build_catalogue({u.username: u for u in e2e_db.session.scalars(select(User))})
        procedures.load_markdown_dir()
        e2e_db.session.commit()
    return live_server


def open_as(browser, live_server: str, username: str, js: bool = True, width: int = 1280) -> Page:
    context = browser.new_context(
        java_script_enabled=js,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/")
    return page


def delegate_gm_to_deputy(browser, live_server: str, js: bool) -> None:
    page = open_as(browser, live_server, "gm", js)
    page.goto(f"{live_server}/delegations")
    today = local_now().date().isoformat()
    page.select_option("select[name=delegate_id]", label="李副总（deputy）")
    page.fill("input[name=starts_on]", today)
    page.fill("input[name=ends_on]", today)
    page.select_option("select[name=form_type]", label="用印申请")
    page.fill("input[name=reason]", "总经理出差")
    page.get_by_role("button", name="设置委托").click()
    expect(page.locator(".flash")).to_contain_text("委托已设置")
    page.context.close()


def submit_request(page: Page, live_server: str, document: str, attachment, js: bool) -> str:
    page.goto(f"{live_server}/seals/new")
    page.get_by_label(re.compile("^公章")).check()
    page.fill("input[name=document_name]", document)
    page.select_option("select[name=document_type]", label="合同")
    page.fill("input[name=copies]", "0")
    if js:  # checked as the user types, before any submit
        page.locator("input[name=copies]").blur()
        expect(page.locator("#field-copies .error")).to_have_text("份数应在 1 到 999 之间。")
    page.fill("input[name=copies]", "3")
    if js:
        page.locator("input[name=copies]").blur()
        expect(page.locator("#field-copies .error")).to_have_count(0)
    page.fill("textarea[name=purpose]", "签订年度经销合同")
    page.fill("input[name=receiving_party]", "杭州华东贸易有限公司")
    page.set_input_files("input[name=attachments]", str(attachment))
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator(".flash-success")).to_contain_text("已提交审批")
    expect(page).to_have_url(re.compile(rf"{live_server}/seals/\d+$"))
    expect(page.locator("h1")).to_contain_text("YY-")
    expect(page.get_by_role("link", name=attachment.name)).to_be_visible()
    return page.url


def approve(browser, live_server: str, url: str, username: str, js: bool, note: str = "") -> None:
    page = open_as(browser, live_server, username, js)
    page.goto(url)
    if note:
        expect(page.locator("#wf-actions")).to_contain_text(note)
    page.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("已同意")
    page.context.close()


def stamp(browser, live_server: str, url: str, js: bool) -> Page:
    page = open_as(browser, live_server, "adminoffice", js)
    page.goto(url)
    page.get_by_role("link", name="登记用印").click()
    expect(page.locator("h1")).to_contain_text("登记用印")
    expect(page.locator("input[name=copies-0]")).to_have_value("3")
    page.get_by_role("button", name="确认已用印").click()
    expect(page.locator(".flash-success")).to_contain_text("已登记用印")
    expect(page.locator("h1")).to_contain_text("已完成")
    return page


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_request_approved_by_deputy_stamped_registered_and_printed(browser, portal, tmp_path, js):
    document = f"年度经销合同（{'JS' if js else '无JS'}）"
    attachment = tmp_path / "经销合同.pdf"
    attachment.write_bytes(PDF)
    delegate_gm_to_deputy(browser, portal, js)

    employee = open_as(browser, portal, "employee", js)
    url = submit_request(employee, portal, document, attachment, js)
    number = re.search(r"YY-\d{6}-\d{4}", employee.locator("h1").inner_text()).group(0)
    expect(employee.locator(".seal-clauses")).to_contain_text("第十三条")

    approve(browser, portal, url, "head", js)
    approve(browser, portal, url, "deputy", js, note="您正在以受托人身份代 王总 处理")
    keeper = stamp(browser, portal, url, js)
    expect(keeper.locator("#wf-panel")).to_contain_text("李副总（代 王总）")

    keeper.goto(f"{portal}/seals/")
    row = keeper.locator("table.register tr", has_text=number)
    expect(row).to_contain_text("李副总（代 王总）")
    expect(row).to_contain_text(document)
    expect(row).to_contain_text("周助理")

    employee.goto(url)
    with employee.expect_download() as download:
        employee.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename == f"{number}.pdf"
    text = pdftotext(download.value.path())
    for expected in [number, document.replace(" ", ""), "部门负责人审核", "赵经理",
                     "李副总（代王总）", "已用印：公章实盖3份", "总经理（受托人）签字"]:  # fmt: skip
        assert expected in text, expected
    employee.context.close()
    keeper.context.close()


def test_bad_input_without_javascript_keeps_values(browser, portal):
    page = open_as(browser, portal, "employee", js=False)
    page.goto(f"{portal}/seals/new")
    page.fill("input[name=document_name]", "投标文件")
    page.fill("input[name=copies]", "1000")
    page.check("input[name=take_out]")
    page.fill("input[name=destination]", "交易中心")
    page.fill("input[name=expected_return_at]", "2020-01-01T10:00")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("#field-copies .error")).to_have_text("份数应在 1 到 999 之间。")
    expect(page.locator("#field-seal_ids .error")).to_have_text("请至少选择一枚印章。")
    expect(page.locator("#field-expected_return_at .error")).to_have_text(
        "预计归还时间必须晚于现在。"
    )
    expect(page.locator("input[name=document_name]")).to_have_value("投标文件")
    expect(page.locator("input[name=destination]")).to_have_value("交易中心")
    expect(page.locator("input[name=take_out]")).to_be_checked()
    page.context.close()


def test_phone_width_form_and_register_fit(browser, portal):
    page = open_as(browser, portal, "employee", width=375)
    for path in ["/seals/new", "/seals/", "/seals/catalogue"]:
        page.goto(f"{portal}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    page.context.close()
