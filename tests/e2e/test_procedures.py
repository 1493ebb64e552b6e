"""Procedure library in a real browser: open a procedure, follow the contents, copy a citation,
acknowledge it; on a phone the contents fold; an administrator imports files one by one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.procedures import services

PAGE = (
    "样品保管办法\n\n第一条 为规范样品的保管工作，制定本办法。\n\n第二条 本办法自发布之日起施行。\n"
)


@pytest.fixture
def library(live_server, e2e_db):
    """The bundled procedures on the live server's database (after the module's reset)."""
    services.load_markdown_dir()
    e2e_db.session.commit()
    return live_server


def test_open_follow_contents_copy_citation_and_acknowledge(page, library, browser_login):
    browser_login("employee")
    page.click(".site-nav >> text=制度")  # a boosted navigation: the page's CSS must still load
    expect(page).to_have_url(f"{library}/procedures/")
    page.locator("#procedure-list").get_by_role("link", name="客户投诉处理程序").click()
    expect(page).to_have_url(f"{library}/procedures/QP-CS-01")
    expect(page.locator("h1")).to_contain_text("客户投诉处理程序")
    toc = page.locator(".toc-desktop")
    expect(toc).to_be_visible()
    # Mid-page the contents are still on screen (a computed `sticky` alone proved nothing: it
    # sat on an element only as tall as itself).
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    box = toc.bounding_box()
    assert page.evaluate("window.scrollY") > 500
    assert 0 <= box["y"] < page.viewport_size["height"], box

    toc.get_by_role("link", name="4.2 时限与计时").click()
    expect(page).to_have_url(re.compile(r"/procedures/QP-CS-01#s-4-2$"))
    expect(page.locator("#s-4-2")).to_be_in_viewport()

    button = page.locator("#s-4-2-1 > .clause-line .copy-cite")
    button.click()
    expect(button).to_have_attribute("data-copied", "《客户投诉处理程序》（QP-CS-01 A/0）4.2.1")
    toast = page.get_by_role("status").filter(has_text="已复制")
    expect(toast).to_have_text("已复制：《客户投诉处理程序》（QP-CS-01 A/0）4.2.1")
    expect(toast).to_be_hidden(timeout=5000)

    page.get_by_role("button", name="已阅读并理解").click()
    expect(page.locator("#ack")).to_contain_text("您已于")
    expect(page.locator("#ack")).to_contain_text("本部门已阅读（1/2）：张三")


def test_phone_contents_fold_and_nothing_overflows(browser, library):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{library}/login")
    page.fill("input[name=username]", "head")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{library}/")
    page.goto(f"{library}/procedures/QP-ADM-01")
    expect(page.locator(".toc-desktop")).to_be_hidden()
    contents = page.locator(".toc-mobile")
    expect(contents).to_be_visible()
    expect(contents.get_by_role("link", name="第二章 印章的种类与刻制")).to_be_hidden()
    contents.locator("summary").click()
    contents.get_by_role("link", name="第二章 印章的种类与刻制").click()
    expect(page).to_have_url(re.compile(r"#ch-2$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_admin_imports_files_and_sees_each_result(page, library, browser_login):
    browser_login("admin")
    page.goto(f"{library}/procedures/import")
    page.set_input_files(
        "input[type=file]",
        files=[
            {"name": "sample.txt", "mimeType": "text/plain", "buffer": PAGE.encode()},
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
        ],
    )
    page.get_by_role("button", name="开始导入").click()
    rows = page.locator("#import-results tr.import-result")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("sample.txt")
    expect(rows.nth(0)).to_contain_text("发现 1 份文档")
    expect(rows.nth(1)).to_contain_text("empty.txt")
    expect(rows.nth(1)).to_contain_text("是空的")
    expect(page).to_have_url(f"{library}/procedures/import")  # no page load: row by row
    rows.nth(0).get_by_role("link", name="样品保管办法").click()
    expect(page.locator("h1")).to_contain_text("样品保管办法")
    # an import is a draft: shown to the administrator under its banner, to nobody else
    expect(page.locator(".banner-draft")).to_contain_text("草稿")
