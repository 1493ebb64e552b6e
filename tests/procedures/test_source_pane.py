"""The import review's 原文 pane shows the reviewed document's own part of its source page, not
the page from its start (a page holds a main document and several related ones)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.procedures import import_review, services
from portal.procedures.importer import parse_page
from portal.procedures.models import Procedure
from tests.conftest import SEEDS

# Invented page: a main document, then two related ones, each a title and one long line.
FILLER = "，并按规定做好记录和归档工作" * 12
PAGE = "\n".join(
    [
        "当前位置:文档之家› 设备点检规定",
        "",
        "设备点检规定",
        "",
        "第一条 为规范设备点检，制定本规定。",
        "",
        "第二条 本规定自发布之日起施行。",
        "",
        "来访登记办法(3篇)",
        "",
        f"来访登记办法 一、目的 为规范来访登记{FILLER}。 二、范围 适用于公司各部门{FILLER}。",
        "",
        "钥匙管理办法",
        "",
        f"钥匙管理办法 一、目的 为规范钥匙管理{FILLER}。 二、范围 适用于公司各部门{FILLER}。",
        "",
    ]
)


def _procedure(title: str) -> Procedure:
    return db.session.scalar(select(Procedure).where(Procedure.title == title))


def _source_pane(client, procedure: Procedure) -> str:
    revision = procedure.revisions[-1]
    url = f"/procedures/{procedure.code}/source?revision={revision.id}"
    html = client.get(url).get_data(as_text=True)
    return html.split('<pre class="source-text">', 1)[1].split("</pre>", 1)[0]


def test_parsed_documents_know_their_source_lines():
    docs = parse_page(PAGE, source="p.txt")
    assert [d.title for d in docs] == ["设备点检规定", "来访登记办法", "钥匙管理办法"]
    assert [d.source_lines for d in docs] == [(1, 7), (9, 11), (13, 15)]


def test_the_source_pane_shows_the_documents_own_lines(client, login):
    services.import_legacy_files([("p.txt", PAGE.encode())])
    db.session.commit()
    login("admin")
    visits = _source_pane(client, _procedure("来访登记办法"))
    assert visits.startswith("来访登记办法(3篇)") and "为规范来访登记" in visits
    assert "设备点检" not in visits and "钥匙管理" not in visits
    main = _source_pane(client, _procedure("设备点检规定"))
    assert main.startswith("当前位置") and "第二条" in main and "来访登记" not in main


def test_an_unknown_span_shows_the_whole_page(app):
    services.import_legacy_files([("p.txt", PAGE.encode())])
    procedure = _procedure("钥匙管理办法")
    revision = procedure.revisions[-1]
    revision.title = "改过的标题"
    procedure.code = "QP-X-01"
    excerpt = import_review.source_excerpt(revision)
    assert excerpt.whole and excerpt.text == revision.source_text


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed pages not present")
def test_a_related_document_of_a_seed_page(client, login):
    page = sorted(SEEDS.glob("000_*.txt"))[0]
    services.import_legacy_files([(page.name, page.read_bytes())])
    db.session.commit()
    login("admin")
    pane = _source_pane(client, _procedure("客户回访制度"))
    assert pane.startswith("客户回访制度") and len(pane) < 3000
    assert "售后服务工作细则" not in pane


def test_a_suggestion_after_an_edit_in_the_form_editor_is_refused(app, org):
    from portal.procedures import authoring

    page = "值班管理规定\n第一条 值班人员应于曰后补交记录。\n第二条 本规定自发布之日起施行。\n"
    result = services.import_legacy_files([("duty.txt", page.encode())])[0]
    procedure = _procedure("值班管理规定")
    start = authoring.start(procedure, org["admin"])
    fields = {**start.fields, "category": "行政管理", "effective_date": date(2026, 12, 1)}
    authoring.save_draft(procedure, fields, start.body, org["admin"])
    suggestion = {k: str(v) for k, v in result.parsed[0].suggestions[0].items()}
    with pytest.raises(import_review.SuggestionError, match="已在编辑器中修改"):
        import_review.accept_suggestion(procedure, suggestion, org["admin"])
