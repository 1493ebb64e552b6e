"""/search without JavaScript (the results page with filters), the header box's live dropdown
(htmx), escaping of clause text in snippets, and jumping to a record by its number."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portal.core import clock
from portal.extensions import db
from portal.procedures import services
from portal.search import views
from portal.workflow import engine
from portal.workflow.flow import register_flow
from tests.workflow.demo_form import DEMO_FLOW, DemoRequest

HTMX = {"HX-Request": "true"}


@pytest.fixture
def library(app):
    services.load_markdown_dir()
    db.session.commit()


def body(response) -> str:
    return response.get_data(as_text=True)


def test_every_page_has_the_header_search_box(client, login, library):
    login("employee")
    for url in ("/", "/procedures/", "/procedures/QP-ADM-01", "/search"):
        page = body(client.get(url))
        box = re.search(r'<input id="header-q"[^>]*>', page, re.S)
        assert box, url
        assert 'hx-get="/search"' in box.group()
        assert 'hx-trigger="input changed delay:300ms, search"' in box.group()
        assert 'hx-target="#search-dropdown"' in box.group()
        assert 'action="/search"' in page  # Enter, or no JavaScript: the results page


def test_results_page_works_without_javascript(client, login, library):
    login("employee")
    response = client.get("/search?q=客户+投诉")
    assert response.status_code == 200
    page = body(response)
    assert "<html" in page and 'name="q"' in page and 'value="客户 投诉"' in page
    assert re.search(r"共 \d+ 条结果。", page)
    assert '<h2><a href="/procedures/QP-CS-01" hx-boost="false">客户投诉处理程序</a>' in page
    assert 'href="/procedures/QP-CS-01#s-1-1"' in page
    assert "<mark>客户投诉</mark>" in page
    assert '<option value="CS">客服部</option>' in page  # the owner department filter
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]


def test_filters_and_superseded_revisions(client, login, library):
    login("employee")
    page = body(client.get("/search?q=客户&category=行政管理"))
    assert "QP-ADM-" in page and "/procedures/QP-CS-01" not in page
    page = body(client.get("/search?q=客户&department=CS"))
    assert "/procedures/QP-CS-01" in page and "/procedures/QP-ADM-" not in page
    text = services.export_markdown(services.get_current_revision("QP-ADM-01"))
    old_id = services.get_current_revision("QP-ADM-01").id
    services.load_markdown(text.replace("revision: A/0", "revision: A/1").replace("印章", "图章"))
    db.session.commit()
    assert "QP-ADM-01" not in body(client.get("/search?q=印章&department=ADM"))
    page = body(client.get("/search?q=印章&department=ADM&superseded=y"))
    assert f"/procedures/QP-ADM-01/revisions/{old_id}#art-1" in page
    assert "已作废" in page


def test_long_results_say_how_many_are_shown(client, login, library, monkeypatch):
    login("employee")
    monkeypatch.setattr(views, "PAGE_LIMIT", 3)
    page = body(client.get("/search?q=印章"))
    assert re.search(r"共 \d+ 条结果，显示前 3 条。", page)
    assert page.count('class="search-label"') == 3


def test_empty_and_too_long_queries(client, login, library):
    login("employee")
    assert "输入要查找的词语" in body(client.get("/search"))
    response = client.get("/search?q=" + "长" * 201)
    assert response.status_code == 422 and "最多 200 个字符" in body(response)
    assert "没有找到包含“不存在的词”的制度或条款" in body(client.get("/search?q=不存在的词"))


def test_htmx_gets_the_dropdown_partial(client, login, library):
    login("employee")
    response = client.get("/search?q=印章", headers=HTMX)
    part = body(response)
    assert response.status_code == 200 and "<html" not in part
    assert part.startswith('<div class="search-panel">')
    assert part.count('class="search-label"') == views.DROPDOWN_LIMIT
    # The procedure named by the query leads (制度), then the best clauses of it (条款).
    assert part.index('href="/procedures/QP-ADM-01"') < part.index('href="/procedures/QP-ADM-01#')
    assert 'href="/search?q=%E5%8D%B0%E7%AB%A0" tabindex="-1">查看全部结果' in part
    assert body(client.get("/search?q=", headers=HTMX)) == ""
    assert body(client.get("/search?q=%20%20", headers=HTMX)) == ""
    assert "没有找到" in body(client.get("/search?q=不存在的词", headers=HTMX))
    # A boosted navigation (Enter in the header box) wants the whole page.
    boosted = body(client.get("/search?q=印章", headers={**HTMX, "HX-Boosted": "true"}))
    assert "<html" in boosted


def test_clause_text_is_escaped_in_snippets(client, login, app):
    services.import_legacy_files(
        [
            (
                "x.txt",
                "样品办法\n\n第一条 样品<script>alert(1)</script>放在<b>指定</b>位置。\n".encode(),
            )
        ],
        issue=True,  # in force, hence searchable
    )
    db.session.commit()
    login("employee")
    for headers in ({}, HTMX):
        page = body(client.get("/search?q=指定", headers=headers))
        assert "<script>alert(1)" not in page and "<b>指定" not in page
        assert "&lt;b&gt;<mark>指定</mark>&lt;/b&gt;" in page


@pytest.fixture
def record(app, org):
    """A submitted request of the test-only demo form (number TS-202611-0001)."""
    register_flow(app, DEMO_FLOW)
    request = DemoRequest(title="测试事项")
    db.session.add(request)
    db.session.flush()
    instance = engine.start("demo", request, org["employee"])
    with clock.frozen(datetime(2026, 11, 23, 2, 0, tzinfo=UTC)):
        engine.transition(instance, "submit", org["employee"], "")
    db.session.commit()
    return instance


def test_a_record_number_jumps_to_the_record(client, login, record):
    assert record.number == "TS-202611-0001"
    login("employee")
    response = client.get("/search?q=ts-202611-0001")
    assert response.status_code == 303
    assert response.headers["Location"] == engine.record_url(record)
    part = body(client.get("/search?q=TS-202611-0001", headers=HTMX))
    assert part.index("跳转到记录") < part.index("TS-202611-0001") < len(part)
    assert f'href="{engine.record_url(record)}"' in part


def test_no_jump_to_a_record_the_user_may_not_see(client, login, record):
    login("finance")
    response = client.get("/search?q=TS-202611-0001")
    assert response.status_code == 200 and "跳转到记录" not in body(response)
    assert "跳转到记录" not in body(client.get("/search?q=TS-202611-0001", headers=HTMX))
    login("head")  # the applicant's department head may
    assert client.get("/search?q=TS-202611-0001").status_code == 303
