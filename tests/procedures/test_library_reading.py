"""Reading the library: the list, a procedure with its contents and citations, form links, old
revisions with their banner, diffs, read acknowledgements and the home panel."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.extensions import db
from portal.procedures import services

DOCS = Path(__file__).resolve().parents[2] / "docs" / "procedures"

TEMPLATE = """---
code: QP-TST-01
title: 测试管理制度
category: 测试类别
owner_department: QA
revision: {revision}
effective_date: 2026-03-01
change_note: {note}
forms:
  - name: 测试申请表
    endpoint: testforms.new
  - name: 测试登记表
deadlines: {{}}
---

## 第一章 总则

第一条 {first}

第二条 填写《测试申请表》后交品质部，登记到《测试登记表》；另见《客户投诉处理程序》。

## 第二章 附则

第三条 本制度自发布之日起施行。
"""


def markdown(revision="A/0", first="为规范测试工作，制定本制度。", note="首次发布"):
    return TEMPLATE.format(revision=revision, first=first, note=note)


@pytest.fixture
def library(app):
    services.load_markdown_dir(DOCS)
    services.load_markdown(markdown())
    db.session.commit()


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def test_index_groups_by_category_and_department(client, login, library):
    login("employee")
    page = client.get("/procedures/").get_data(as_text=True)
    assert "行政管理" in page and "客户服务" in page and "测试类别" in page
    assert "QP-CS-01" in page and "客户投诉处理程序" in page and "A/0" in page
    assert "2026-01-01" in page
    assert "未读" in page
    by_department = client.get("/procedures/?group=department").get_data(as_text=True)
    assert "客服部" in by_department and "品质部" in by_department


def test_index_filters_return_the_partial_to_htmx(client, login, library):
    login("employee")
    response = client.get("/procedures/?category=测试类别", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and 'id="procedure-list"' in html
    assert "QP-TST-01" in html and "QP-CS-01" not in html
    by_dept = client.get("/procedures/?department=CS", headers={"HX-Request": "true"})
    assert "QP-CS-02" in by_dept.get_data(as_text=True)
    assert "QP-ADM-01" not in by_dept.get_data(as_text=True)


def test_detail_has_title_block_contents_anchors_and_citations(client, login, library):
    login("employee")
    html = client.get("/procedures/QP-CS-01").get_data(as_text=True)
    assert "<h1>客户投诉处理程序" in html
    assert "QP-CS-01" in html and "A/0" in html and "2026-01-01" in html and "客服部" in html
    assert 'class="toc toc-desktop"' in html and 'class="toc toc-mobile"' in html
    assert 'href="#s-4-2"' in html and 'id="s-4-2-1"' in html
    assert 'data-copy="《客户投诉处理程序》（QP-CS-01 A/0）4.2.1"' in html
    assert 'data-copy="《客户投诉处理程序》（QP-CS-01 A/0）4.2.1 a"' in html
    ids = [attrs["id"] for _, attrs in elements(html) if "id" in attrs]
    assert len(ids) == len(set(ids))
    articles = client.get("/procedures/QP-ADM-01").get_data(as_text=True)
    assert 'data-copy="《印章管理制度》（QP-ADM-01 A/0）第二十三条"' in articles


def test_unknown_procedure_is_404(client, login, library):
    login("employee")
    assert client.get("/procedures/QP-NONE-01").status_code == 404


def test_form_names_stay_plain_text_while_the_form_has_no_page(client, login, library):
    login("employee")
    html = client.get("/procedures/QP-TST-01").get_data(as_text=True)
    assert "《测试申请表》" in html and "/testforms/new" not in html
    # Procedure titles link to the procedure (reviewed ones only).
    assert '<a class="ref-link" href="/procedures/QP-CS-01">《客户投诉处理程序》</a>' in html


def test_form_names_link_once_the_form_exists(app, client, login, library):
    # Links are made when the page is shown: a form page added later needs no re-import.
    app.add_url_rule("/testforms/new", endpoint="testforms.new", view_func=lambda: "")
    login("employee")
    html = client.get("/procedures/QP-TST-01").get_data(as_text=True)
    assert '<a class="ref-link" href="/testforms/new">《测试申请表》</a>' in html
    assert "《测试登记表》" in html and 'href="/testforms/new">《测试登记表》' not in html


def test_old_revision_stays_readable_with_a_banner(client, login, library):
    old = services.get_current_revision("QP-TST-01")
    services.load_markdown(markdown("A/1", "为规范全部测试工作，制定本制度。", "扩大范围"))
    db.session.commit()
    login("employee")
    current = client.get("/procedures/QP-TST-01").get_data(as_text=True)
    assert "为规范全部测试工作" in current and "已作废" not in current.split("修订历史")[0]
    assert f"/procedures/QP-TST-01/revisions/{old.id}" in current
    page = client.get(f"/procedures/QP-TST-01/revisions/{old.id}").get_data(as_text=True)
    assert "banner-superseded" in page and "已作废" in page
    assert "为规范测试工作" in page
    assert 'data-copy="《测试管理制度》（QP-TST-01 A/0）第一条"' in page


def test_diff_is_aligned_by_anchor_with_inline_marks(client, login, library):
    old = services.get_current_revision("QP-TST-01")
    services.load_markdown(markdown("A/1", "为规范全部测试工作，制定本制度。", "扩大范围"))
    new = services.get_current_revision("QP-TST-01")
    db.session.commit()
    login("employee")
    html = client.get(f"/procedures/QP-TST-01/diff?from={old.id}&to={new.id}").get_data(
        as_text=True
    )
    assert "<ins>全部</ins>" in html
    assert "修改 1" in html and "新增 0" in html and "删除 0" in html
    assert "第三条" not in html  # unchanged clauses are folded away by default
    assert "第三条" in client.get("/procedures/QP-TST-01/diff?all=1").get_data(as_text=True)


def test_diff_defaults_and_foreign_revisions(client, login, library):
    other = services.get_current_revision("QP-CS-01")
    login("employee")
    assert client.get("/procedures/QP-TST-01/diff").status_code == 200
    assert client.get(f"/procedures/QP-TST-01/diff?from={other.id}").status_code == 404


def test_rendered_pages_are_sanitised(client, login, library):
    hostile = markdown(
        "A/1",
        '正文<script>alert("x")</script><img src=x onerror="alert(1)">'
        '[点我](javascript:alert(2))<a href="javascript:alert(3)" onmouseover="x()">链接</a>',
    )
    services.load_markdown(hostile)
    db.session.commit()
    login("employee")
    html = client.get("/procedures/QP-TST-01").get_data(as_text=True)
    body = html.split('<div class="procedure-body card">')[1]
    assert "<script" not in body.lower() and 'alert("x")' not in body
    for tag, attrs in elements(body):
        assert tag not in {"script", "img", "iframe"}
        assert not [a for a in attrs if a.startswith("on")], attrs
        assert not (attrs.get("href") or "").lower().startswith("javascript"), attrs


def test_acknowledge_and_department_list(client, login, org, library):
    login("employee")
    page = client.get("/procedures/QP-CS-01").get_data(as_text=True)
    assert "已阅读并理解" in page and "本部门已阅读（0/2）" in page
    response = client.post("/procedures/QP-CS-01/read", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "已阅读" in fragment and "本部门已阅读（1/2）：张三" in fragment
    login("head")
    page = client.get("/procedures/QP-CS-01").get_data(as_text=True)
    assert "已阅读并理解" in page and "张三" in page
    response = client.post("/procedures/QP-CS-01/read")
    assert response.status_code == 303
    page = client.get("/procedures/QP-CS-01").get_data(as_text=True)
    assert "本部门已阅读（2/2）：张三、赵经理" in page


def test_home_panel_marks_unread_revisions(client, login, library):
    login("employee")
    home = client.get("/").get_data(as_text=True)
    assert "最近修订的制度" in home
    panel = home.split("最近修订的制度")[1].split("</section>")[0]
    assert panel.count("未读") == len(re.findall(r"<li", panel)) > 0
    client.post("/procedures/QP-TST-01/read")
    home = client.get("/").get_data(as_text=True)
    panel = home.split("最近修订的制度")[1].split("</section>")[0]
    line = next(li for li in panel.split("<li")[1:] if "QP-TST-01" in li)
    assert "未读" not in line
    assert panel.count("未读") == len(re.findall(r"<li", panel)) - 1
