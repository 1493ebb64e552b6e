"""Markdown procedures: front matter, clause trees of the bundled documents, sanitising, links,
and the Markdown export that administrators edit."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.procedures import markdown as md

DOCS = Path(__file__).resolve().parents[2] / "docs" / "procedures"
BUNDLED = sorted(p for p in DOCS.glob("*.md") if p.name != "README.md")

HOSTILE = """---
code: QP-TST-09
title: 恶意测试
category: 测试
owner_department: ADM
revision: A/0
effective_date: 2026-01-01
forms: []
deadlines: {}
---

## 第一章 总则

第一条 正文<script>alert("x")</script>继续。

第二条 图片<img src="x" onerror="alert(1)">与[链接](javascript:alert(1))以及<a href="javascript:alert(2)" onclick="alert(3)">另一个</a>。

第三条 <iframe src="https://evil.example"></iframe><style>body{display:none}</style>结束。
"""


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node.children)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_procedure_parses(path):
    doc = md.parse_markdown(path.read_text(encoding="utf-8"))
    meta = doc.meta
    assert meta["code"] == path.stem.upper()
    assert meta["title"] and meta["category"] and meta["owner_department"]
    assert meta["revision"] == "A/0"
    assert meta["effective_date"].isoformat() == "2026-01-01"
    clauses = list(walk(doc.clauses))
    assert len(clauses) > 20
    anchors = [c.anchor for c in clauses]
    assert len(anchors) == len(set(anchors)), "anchors must be unique"
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", a) for a in anchors), anchors
    # Every heading and numbered paragraph of the body became a clause (the importer may still
    # read an odd item such as "b) 300公里…" as running text of the one before).
    assert len(clauses) >= 0.95 * len(md.body_blocks(doc.body))


def test_anchors_are_stable_across_parses():
    text = BUNDLED[0].read_text(encoding="utf-8")
    first = [c.anchor for c in walk(md.parse_markdown(text).clauses)]
    second = [c.anchor for c in walk(md.parse_markdown(text).clauses)]
    assert first == second


def test_decimal_document_keeps_its_numbers():
    doc = md.parse_markdown((DOCS / "qp-cs-01.md").read_text(encoding="utf-8"))
    numbers = {c.number.rstrip("．.") for c in walk(doc.clauses)}
    assert {"4", "4.2", "4.2.1", "4.3.2"} <= numbers
    assert doc.meta["deadlines"]["reply"] == {"hours": 48}
    assert {"name": "客户投诉登记表", "endpoint": "complaints.new"} in doc.meta["forms"]


def test_body_blocks_split_headings_from_paragraphs():
    blocks = md.body_blocks("## 第一章 总则\n第一条 甲\n乙\n\n### 4.2 时限\n\n4.2.1 丙\n")
    assert blocks == ["第一章 总则", "第一条 甲\n乙", "4.2 时限", "4.2.1 丙"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("code: QP-TST-09", "code: bad code"), "文件编号格式不正确"),
        (("title: 恶意测试\n", ""), "缺少字段：title"),
        (("effective_date: 2026-01-01", "effective_date: 明年"), "生效日期格式不正确"),
        (("forms: []", "forms: 甲"), "forms 须为列表"),
        (("---\ncode", "code"), "缺少前置信息"),
    ],
)
def test_front_matter_errors_are_clear(change, message):
    with pytest.raises(md.MarkdownError, match=message):
        md.parse_markdown(HOSTILE.replace(*change, 1))


def test_document_without_clauses_is_refused():
    text = HOSTILE.split("## ")[0] + "只是一段没有编号的文字。\n"
    with pytest.raises(md.MarkdownError, match="没有找到任何带编号的条款"):
        md.parse_markdown(text)


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every element, to check what a browser would build."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_harmless(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag not in {"script", "style", "iframe", "img", "object", "embed"}, tag
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript"), attrs
    assert "<script" not in html.lower()


def test_rendering_strips_scripts_handlers_and_javascript_links():
    doc = md.parse_markdown(HOSTILE)
    html = "".join(md.render_text(c.text) for c in walk(doc.clauses))
    assert_harmless(html)
    lowered = html.lower()
    for bad in ("onerror", "onclick", 'href="javascript', "<iframe", "<style", 'alert("x")'):
        assert bad not in lowered, bad
    assert "正文" in html and "继续" in html and "另一个" in html


def test_sanitize_html_keeps_ordinary_markup():
    html = md.sanitize_html('<p>甲<strong>乙</strong><a href="https://example.com/x">丙</a></p>')
    assert "<strong>乙</strong>" in html
    assert 'href="https://example.com/x"' in html
    assert 'rel="noopener noreferrer"' in html


def test_link_names_links_forms_in_text_only():
    html = '<p>填写《印章使用申请表》后登记到印章使用登记表，<a href="/x">印章使用登记表</a>。</p>'
    links = {"印章使用申请表": "/seals/new", "印章使用登记表": "/seals/", "档案管理制度": "/p/3"}
    out = str(md.link_names(html, links, bare={"印章使用登记表"}))
    assert '<a class="ref-link" href="/seals/new">《印章使用申请表》</a>' in out
    assert '<a class="ref-link" href="/seals/">印章使用登记表</a>' in out
    # The existing link is left alone: no link inside a link.
    assert '<a href="/x">印章使用登记表</a>' in out
    assert out.count("<a ") == 3


def test_link_names_titles_only_in_brackets_and_escaped():
    out = str(
        md.link_names("<p>见《档案管理制度》。档案管理制度。</p>", {"档案管理制度": '/p?a="1"'})
    )
    assert out.count("ref-link") == 1
    assert 'href="/p?a=&#34;1&#34;"' in out


def test_markdown_export_round_trips():
    doc = md.parse_markdown((DOCS / "qp-adm-01.md").read_text(encoding="utf-8"))
    exported = md.document_markdown(doc.meta, doc.clauses, doc.preamble)
    again = md.parse_markdown(exported)
    assert again.meta["code"] == "QP-ADM-01"
    assert again.meta["forms"] == doc.meta["forms"]
    assert again.meta["deadlines"] == doc.meta["deadlines"]
    assert [c.anchor for c in walk(again.clauses)] == [c.anchor for c in walk(doc.clauses)]
    assert [c.text for c in walk(again.clauses)] == [c.text for c in walk(doc.clauses)]


SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed pages not present")
def test_legacy_documents_survive_the_markdown_export():
    """What an administrator exports from an imported page parses back to the same clauses
    (anchors, headings, text), so publishing it unedited keeps every link to a clause."""
    from portal.procedures.importer import parse_page, read_source

    meta = md.validate_meta(
        {"code": "LEG-00000000", "title": "x", "category": "x", "owner_department": "ADM",
         "revision": "A/0", "effective_date": "2026-01-01"}
    )  # fmt: skip
    total = kept = 0
    for path in sorted(SEEDS.glob("*.txt")):
        for doc in parse_page(read_source(path.read_bytes(), path.name), source=path.name):
            before = [(c.anchor, c.heading, c.text) for c in walk(doc.clauses)]
            exported = md.document_markdown({**meta, "title": doc.title}, doc.clauses, doc.preamble)
            after = {
                (c.anchor, c.heading, c.text) for c in walk(md.parse_markdown(exported).clauses)
            }
            total += len(before)
            kept += sum(1 for clause in before if clause in after)
    assert total > 1000
    assert kept >= 0.98 * total
