"""Document control end to end in Chromium: a legacy page imported by the administrator stays a
draft nobody else reads (library, search, static export); its author fixes it in the form editor
and submits it; the owning department's head reviews it and the general manager approves it with
a future effective date; at that date (an injected clock) `flask workflow tick` makes it current;
a required reader sees 待阅读 and acknowledges; a substantive revision asks them again; a
controlled copy's PDF carries its copy number."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.core.clock import frozen, local_now, local_zone
from portal.procedures.models import Procedure, RevisionStatus
from tests.conftest import SEEDS
from tests.pdftext import pdftotext

SEED = SEEDS / "000_9e3918e2d7e96ac0.txt"
TITLE = "客户回访制度"

pytestmark = pytest.mark.skipif(not SEED.is_file(), reason="the seed pages are not here")


@pytest.fixture
def fresh(live_server, e2e_db):
    """A new organisation for each variant: the seed page is imported anew."""
    from tests.conftest import clear_database
    from tests.factories import standard_org

    clear_database()
    standard_org()
    e2e_db.session.commit()
    return live_server


def _login(browser, live_server, username: str, js: bool = True):
    context = browser.new_context(java_script_enabled=js, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/")
    return page


def _procedure(e2e_db) -> Procedure:
    e2e_db.session.expire_all()
    return e2e_db.session.scalar(select(Procedure).where(Procedure.title == TITLE))


def _tick(e2e_app, day) -> None:
    """`flask workflow tick` on the morning of `day` (the clock of the whole process)."""
    with frozen(datetime.combine(day, time(8, 30), local_zone())):
        result = e2e_app.test_cli_runner().invoke(args=["workflow", "tick"])
    assert result.exit_code == 0, result.output


def _act(browser, live_server, username: str, url: str, button: str, js: bool) -> None:
    page = _login(browser, live_server, username, js)
    page.goto(url)
    page.get_by_role("button", name=button, exact=True).first.click()
    expect(page.locator(".flash").first).to_be_visible()
    page.context.close()


def _submit(page, note: str, significance: str) -> None:
    submit = page.locator("#submit")
    submit.locator("textarea[name=change_note], input[name=change_note]").fill(note)
    submit.get_by_label(significance).check()
    submit.get_by_role("button", name="提交审核").click()
    expect(page.locator("h1 .tag")).to_have_text("审核中")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_import_review_approve_issue_read_revise_and_print_a_copy(
    browser, live_server, fresh, e2e_app, e2e_db, tmp_path, js
):
    from portal.procedures.export import export_static

    today = local_now().date()
    issue_day = today + timedelta(days=3)

    # 1. The administrator imports a legacy page: its documents are drafts.
    admin = _login(browser, live_server, "admin", js)
    admin.goto(f"{live_server}/procedures/import")
    admin.set_input_files("input[type=file]", str(SEED))
    admin.get_by_role("button", name="开始导入").click()
    expect(admin.locator("#import-results")).to_contain_text("发现")
    procedure = _procedure(e2e_db)
    code = procedure.code
    assert procedure.current_revision is None
    assert procedure.draft_revision.status == RevisionStatus.DRAFT

    # 2. Nobody else reads it: not in the library, not found, not exported.
    employee = _login(browser, live_server, "employee", js)
    employee.goto(f"{live_server}/procedures/")
    expect(employee.locator("main")).not_to_contain_text(TITLE)
    assert employee.goto(f"{live_server}/procedures/{code}").status in (403, 404)
    employee.goto(f"{live_server}/search?q={TITLE}")
    expect(employee.locator("main")).not_to_contain_text(f"/procedures/{code}")
    site = export_static(tmp_path / "site")
    exported = [p for p in site.outdir.rglob("*") if p.suffix in (".html", ".js", ".json")]
    assert exported and not any(TITLE in p.read_text(encoding="utf-8") for p in exported)

    # 3. The author fixes it in the form editor (no YAML) and submits it.
    admin.goto(f"{live_server}/procedures/{code}/edit")
    admin.select_option("select[name=owner_department]", label="行政部")
    admin.fill("input[name=category]", "行政管理")
    admin.fill("input[name=revision]", "A/0")
    admin.fill("input[name=effective_date]", issue_day.isoformat())
    admin.locator("#field-required_departments").get_by_label("销售部").check()
    admin.get_by_role("button", name="保存草稿").click()
    expect(admin.locator(".flash").first).to_contain_text("草稿已保存")
    _submit(admin, "首次纳入受控文件", "实质性修改")
    change_url = admin.url

    # 4. The owning department's head reviews, the general manager approves: 待发布.
    _act(browser, live_server, "adminhead", change_url, "审核通过", js)
    _act(browser, live_server, "gm", change_url, "批准", js)
    admin.goto(change_url)
    expect(admin.locator("h1 .tag")).to_have_text("待发布")
    assert employee.goto(f"{live_server}/procedures/{code}").status in (403, 404)

    # 5. At its effective date the tick issues it; the reader sees 待阅读 and acknowledges.
    _tick(e2e_app, issue_day)
    assert _procedure(e2e_db).current_revision.label == "A/0"
    employee.goto(f"{live_server}/")
    panel = employee.locator("section", has_text="待阅读")
    expect(panel.get_by_role("link", name=TITLE)).to_be_visible()
    panel.get_by_role("link", name=TITLE).click()
    expect(employee.locator("h1")).to_contain_text(TITLE)
    employee.get_by_role("button", name="已阅读并理解").click()
    expect(employee.locator("#ack")).to_contain_text("您已于")
    employee.goto(f"{live_server}/")
    expect(
        employee.locator("section", has_text="待阅读").get_by_role("link", name=TITLE)
    ).to_have_count(0)

    # 6. A substantive revision asks the reader again.
    admin.goto(f"{live_server}/procedures/{code}")
    admin.get_by_role("link", name="修订").first.click()
    admin.fill("input[name=revision]", "A/1")
    admin.fill("input[name=effective_date]", (issue_day + timedelta(days=1)).isoformat())
    body = admin.locator("textarea[name=body]")
    body.fill(body.input_value() + "\n\n第九十九条 本制度由行政部负责解释。\n")
    admin.get_by_role("button", name="保存草稿").click()
    expect(admin.locator(".flash").first).to_contain_text("草稿已保存")
    _submit(admin, "增加解释条款", "实质性修改")
    change_url = admin.url
    _act(browser, live_server, "adminhead", change_url, "审核通过", js)
    _act(browser, live_server, "gm", change_url, "批准", js)
    _tick(e2e_app, issue_day + timedelta(days=1))
    assert _procedure(e2e_db).current_revision.label == "A/1"
    employee.goto(f"{live_server}/")
    expect(
        employee.locator("section", has_text="待阅读").get_by_role("link", name=TITLE)
    ).to_be_visible()

    # 7. A controlled copy carries its number on every page.
    admin.goto(f"{live_server}/procedures/{code}/copies/new")
    admin.fill("input[name=holder]", "客服部前台")
    with admin.expect_download() as download:
        admin.get_by_role("button", name="登记并打印").click()
    text = pdftotext(download.value.path()).replace(" ", "")
    pages = text.count("页/共")
    assert pages >= 1 and text.count("受控副本No.001") >= pages and TITLE in text
    assert "增加解释条款" in text  # the revision history table
    for page in (admin, employee):
        page.context.close()
