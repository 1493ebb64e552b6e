"""The kit's line items in a real browser, with JavaScript (htmx swaps just the table) and
without (the whole form comes back), at desktop width and at 375 px: rows are added, filled,
removed and submitted, and a bad row is marked in its own cells. Runs on the test-only 差旅报销
form type (tests/kit/travel.py) on a server of its own."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal import create_app
from portal.core.clock import local_now
from portal.extensions import db
from tests.conftest import clear_database, make_config
from tests.kit import travel


@pytest.fixture(scope="module")
def kit_server(e2e_database_url, tmp_path_factory):
    app = create_app(
        make_config(TESTING=False, WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=e2e_database_url,
                    UPLOAD_DIR=str(tmp_path_factory.mktemp("kit-uploads")))
    )  # fmt: skip
    travel.install(app)
    with app.app_context():
        from tests.factories import standard_org

        db.create_all()
        clear_database()
        standard_org()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("width", [1200, 375])
def test_line_items_add_remove_and_submit(browser, kit_server, js, width):
    base, _app = kit_server
    context = browser.new_context(java_script_enabled=js, viewport={"width": width, "height": 800},
                                  locale="zh-CN")  # fmt: skip
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "employee")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/travel/new")
    today = f"{local_now():%Y-%m-%d}"
    page.fill("input[name=purpose]", "北京展会")
    page.fill("input[name=lines-0-day]", today)
    page.fill("input[name=lines-0-item]", "机票")
    page.fill("input[name=lines-0-amount]", "1200")
    page.get_by_role("button", name="添加一行").click()
    expect(page.locator("input[name=lines-1-item]")).to_be_visible()
    expect(page.locator("input[name=lines-0-item]")).to_have_value("机票")  # kept
    page.fill("input[name=lines-1-day]", today)
    page.fill("input[name=lines-1-item]", "出租车")
    page.fill("input[name=lines-1-amount]", "12.345")
    page.get_by_role("button", name="提交").click()
    row = page.locator(".line-items-table tbody tr").nth(1)
    expect(row.locator(".error")).to_have_text("金额最多两位小数。")
    page.get_by_role("button", name="添加一行").click()
    expect(page.locator(".line-items-table tbody tr")).to_have_count(3)
    page.locator(".line-items-table tbody tr").nth(1).get_by_role("button", name="删除").click()
    expect(page.locator(".line-items-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("h1")).to_contain_text("差旅报销 BX-")
    expect(page.locator("main")).to_contain_text("1,200.00")
    context.close()
