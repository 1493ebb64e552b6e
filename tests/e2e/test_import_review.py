"""Import review in a real browser: an administrator imports a page with an uncertain OCR
confusion, sees it offered as a suggestion, clicks 采纳 and the draft's text is corrected —
with JavaScript (htmx swaps the result row) and without it (a plain form POST)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.procedures.models import Procedure
from tests.e2e.test_seals import open_as

# Invented pages: 曰 after 于 makes no word either way, so the importer only suggests 日.
PAGES = {
    True: ("duty-js.txt", "值班记录管理规定"),
    False: ("duty-plain.txt", "交班记录管理规定"),
}


def page_text(title: str) -> str:
    return f"{title}\n第一条 值班人员应于曰后补交值班记录，并由部门负责人签字确认。\n第二条 本规定自发布之日起施行。\n"


def draft_text(e2e_db, title: str) -> str:
    e2e_db.session.rollback()  # a new read transaction: the server has committed since
    procedure = e2e_db.session.scalar(select(Procedure).where(Procedure.title == title))
    revision = procedure.draft_revision
    return "\n".join(clause.text for clause in revision.clauses)


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_accept_a_suggestion_with_one_click(browser, live_server, e2e_db, js):
    name, title = PAGES[js]
    page = open_as(browser, live_server, "admin", js)
    page.goto(f"{live_server}/procedures/import")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": name, "mimeType": "text/plain", "buffer": page_text(title).encode()}],
    )
    page.get_by_role("button", name="开始导入").click()
    row = page.locator("#import-results tr.import-result").filter(has_text=name)
    expect(row).to_contain_text("发现 1 份文档")
    suggestion = row.locator(".import-suggestions li")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("疑似识别错误 曰→日")
    expect(suggestion).to_contain_text("员应于曰后补交")
    assert "于曰后补交" in draft_text(e2e_db, title)

    suggestion.get_by_role("button", name="采纳").click()
    row = page.locator("#import-results tr.import-result").filter(has_text=name)
    expect(row).to_contain_text("新修订")
    expect(row.locator(".import-suggestions")).to_have_count(0)  # nothing left to accept
    if js:  # htmx swapped the row in place
        expect(page).to_have_url(f"{live_server}/procedures/import")
    else:  # the form posted and the server answered with the import page
        expect(page).to_have_url(f"{live_server}/procedures/import/suggestion")
    text = draft_text(e2e_db, title)
    assert "于日后补交" in text and "于曰后" not in text

    # The draft shows the corrected text.
    row.get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator("main")).to_contain_text("值班人员应于日后补交值班记录")
    page.context.close()
