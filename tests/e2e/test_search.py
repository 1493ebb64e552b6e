"""Search in a real browser: type in the header box, see live results grouped by kind with the
terms highlighted, click one and land on the clause; the combobox keys (↑ ↓ Enter Esc, "/");
the same search without JavaScript; the dropdown on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.procedures import services


@pytest.fixture
def library(live_server, e2e_db):
    services.load_markdown_dir()
    e2e_db.session.commit()
    return live_server


def test_type_see_live_results_click_and_land_on_the_clause(page, library, browser_login):
    browser_login("employee")
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/search?" in r.url else None)
    page.locator("#header-q").press_sequentially("回访 满意度", delay=60)  # typed, key by key
    dropdown = page.locator("#search-dropdown .search-panel")
    expect(dropdown).to_be_visible()
    expect(page).to_have_url(f"{library}/")  # live results, no navigation
    # Grouped by kind: the procedure named (QP-CS-02 客户回访管理规定), then the clauses.
    expect(dropdown.locator(".search-kind").first).to_have_text("制度")
    expect(dropdown.locator("[role=option]").first).to_contain_text("QP-CS-02")
    clauses = dropdown.locator("[aria-labelledby=search-kind-clauses]")
    marks = clauses.locator("mark").all_text_contents()
    assert marks and set(marks) <= {"回访", "满意度"}
    assert len(requests) == 1, requests  # debounced: one request for the whole phrase
    assert requests[0].endswith("/search?q=%E5%9B%9E%E8%AE%BF%20%E6%BB%A1%E6%84%8F%E5%BA%A6")

    hit = clauses.locator("[role=option] a").last
    href = hit.get_attribute("href")
    assert re.fullmatch(r"/procedures/QP-CS-0\d#[a-z0-9-]+", href)
    hit.click()
    expect(page).to_have_url(f"{library}{href}")
    anchor = href.split("#", 1)[1]
    clause = page.locator(f"[id='{anchor}']")
    expect(clause).to_be_in_viewport()
    assert clause.evaluate("e => e.matches(':target')")
    expect(page.locator("#search-dropdown .search-panel")).to_have_count(0)


def test_the_box_is_a_combobox(page, library, browser_login):
    browser_login("employee")
    # A full page load runs the deferred search.js before `load`. (After the boosted login the
    # body is swapped and its script runs later; polling with wait_for_function would need eval,
    # which the page's CSP refuses.)
    page.goto(f"{library}/")
    assert page.evaluate("window.PortalSearchBox === true")
    page.keyboard.press("/")  # anywhere on the page: focuses the box
    box = page.locator("#header-q")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("role", "combobox")
    # One input event, so one request: typed key by key on a loaded machine, the answer for 印
    # could arrive after the arrow key below and reset the choice.
    box.fill("印章")
    options = page.locator("#search-listbox [role=option]")
    expect(options.first).to_have_attribute("aria-selected", "true")  # the first is chosen
    expect(box).to_have_attribute("aria-expanded", "true")
    first_id = options.first.get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.first).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#search-dropdown")).to_be_hidden()
    page.keyboard.press("ArrowDown")  # opens again, at the first option
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    page.keyboard.press("ArrowUp")  # round to the last option: 查看全部结果
    expect(options.last).to_have_text("查看全部结果")
    expect(options.last).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=%E5%8D%B0%E7%AB%A0$"))
    # Enter on the chosen first option opens it: the procedure named by the query.
    page.fill("#header-q", "印章管理制度")
    expect(page.locator("#search-listbox [role=option]").first).to_have_attribute(
        "aria-selected", "true"
    )
    page.press("#header-q", "Enter")
    expect(page).to_have_url(f"{library}/procedures/QP-ADM-01")


def test_enter_opens_the_results_page_and_more_results(page, library, browser_login):
    browser_login("employee")
    page.goto(f"{library}/search?q=%E5%8D%B0%E7%AB%A0")
    expect(page).to_have_url(re.compile(r"/search\?q=%E5%8D%B0%E7%AB%A0$"))
    expect(page.locator("h1")).to_have_text("搜索制度条款")
    expect(page.locator(".search-status")).to_contain_text("条结果")
    page.select_option("#department", "ADM")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page).to_have_url(re.compile(r"department=ADM"))
    for heading in page.locator(".search-group h2 .search-code").all_text_contents():
        assert heading.startswith("QP-ADM-")


def test_search_works_without_javascript(browser, library):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{library}/login")
    page.fill("input[name=username]", "employee")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{library}/")
    page.fill("#header-q", "客户 投诉")
    page.press("#header-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    expect(page.locator(".search-status")).to_contain_text("条结果")
    expect(page.locator(".search-results mark").first).to_be_visible()
    link = page.locator(".search-hits a.search-label").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"{library}{href}")
    expect(page.locator(f"[id='{href.split('#', 1)[1]}']")).to_be_visible()
    context.close()


def test_dropdown_fits_a_phone(browser, library):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{library}/login")
    page.fill("input[name=username]", "service")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{library}/")
    page.fill("#header-q", "投诉")
    dropdown = page.locator("#search-dropdown .search-panel")
    expect(dropdown).to_be_visible()
    box = dropdown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
