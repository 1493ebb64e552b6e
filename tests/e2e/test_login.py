"""Log in, see the home page, log out — in a real browser, with and without JavaScript."""

from __future__ import annotations

from playwright.sync_api import expect


def test_login_home_logout(page, live_server, browser_login):
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=/")
    page.fill("input[name=username]", "employee")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".field .error")).to_have_text("用户名或密码错误。")
    expect(page.locator("input[name=username]")).to_have_value("employee")

    browser_login("employee")
    expect(page.locator("h1")).to_contain_text("张三")
    expect(page.locator(".site-nav")).to_contain_text("首页")
    page.click("text=退出")
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator(".flash")).to_contain_text("您已退出登录")


def test_phone_width_menu(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    nav = page.locator(".site-nav")
    expect(nav).to_be_hidden()
    page.click("summary")
    expect(nav).to_be_visible()
    expect(nav).to_contain_text("管理")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_login_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "head")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("h1")).to_contain_text("赵经理")
    context.close()
