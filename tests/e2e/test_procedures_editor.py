"""The form editor in Chromium, with and without JavaScript: a new document is drafted from the
library index without any YAML, a missing field comes back beside it with the body kept, the
preview shows the clause outline (live as the author types, or by the 预览 button), and the
saved draft offers 提交审核."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.procedures.models import Procedure, RevisionStatus

BODY = "本办法规定钥匙的管理。\n\n第一条 钥匙由行政部统一保管。\n\n第二条 借用钥匙须登记。\n"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_draft_a_new_document_in_the_form_editor(browser, live_server, e2e_db, js):
    code = f"QP-ADM-{80 + js}"
    context = browser.new_context(java_script_enabled=js, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/")

    page.goto(f"{live_server}/procedures/")
    page.get_by_role("link", name="新建文件").click()
    expect(page.locator("h1")).to_have_text("新建文件")
    page.fill("input[name=code]", code)
    page.fill("input[name=category]", "行政管理")
    page.select_option("select[name=owner_department]", label="行政部")
    page.fill("input[name=revision]", "A/0")
    page.fill("input[name=effective_date]", "2026-12-20")
    page.get_by_label("品质部").first.check()
    page.get_by_label("员工").check()
    page.fill("textarea[name=body]", BODY)
    preview = page.locator("#edit-preview")
    if js:  # the live preview follows the typing
        expect(preview).to_contain_text("共 2 个条款")
    else:
        page.get_by_role("button", name="预览").click()
        expect(page.locator("#edit-preview")).to_contain_text("共 2 个条款")
    expect(page.locator("#edit-preview .clause-outline")).to_contain_text("第二条")

    # The title was left out: the form comes back with the message and the body kept.
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#field-title .error")).to_have_text("请填写标题。")
    expect(page.locator("textarea[name=body]")).to_have_value(BODY)
    expect(page.locator("input[name=code]")).to_have_value(code)

    page.fill("input[name=title]", "钥匙管理办法")
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(f"{live_server}/procedures/{code}/edit")
    expect(page.locator(".flash")).to_contain_text("草稿已保存")
    expect(page.locator("#submit")).to_contain_text("提交审核")
    expect(page.locator("textarea[name=body]")).to_have_value(BODY.strip() + "\n")
    context.close()

    e2e_db.session.expire_all()
    procedure = e2e_db.session.scalar(select(Procedure).where(Procedure.code == code))
    assert procedure.owner_department == "ADM" and procedure.required_roles == ["employee"]
    assert procedure.draft_revision.status == RevisionStatus.DRAFT
    assert [c.number for c in procedure.draft_revision.clauses] == ["第一条", "第二条"]
