"""PDF rendering: text and fonts come back from the PDF, sizes stay small, layout renders."""

from __future__ import annotations

import logging
import re
import zlib

import pytest

from portal.pdf import html_to_pdf, render_pdf
from portal.pdf import render as render_module
from tests.pdf.samples import make_pdf_app, register_data, seal_request_record

KB = 1024


@pytest.fixture
def record_pdf(pdf_app, tmp_path):
    path = tmp_path / "record.pdf"
    path.write_bytes(render_pdf("pdf/base_record.html", seal_request_record()))
    return path


def pdf_text(poppler, path, *args: str) -> str:
    """pdftotext output without whitespace: spaced titles and page counters come back spaced."""
    return "".join(poppler("pdftotext", *args, path, "-").split())


def squash(text: str) -> str:
    return "".join(text.split())


def fonts_table(poppler, path) -> list[dict]:
    """pdffonts as dicts: name, type, emb, sub (columns are fixed width after the header)."""
    lines = poppler("pdffonts", path).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name, type words..., encoding, emb, sub, uni, object id, generation
        rows.append(
            {"name": parts[0], "type": " ".join(parts[1:-6]), "emb": parts[-5], "sub": parts[-4]}
        )
    return rows


def test_record_text_comes_back(record_pdf, poppler):
    text = pdf_text(poppler, record_pdf)
    for expected in (
        "用印申请单",
        "浙江示例实业有限公司",
        "YY-202611-0001",
        "王小明",
        "综合管理部",
        "合同编号 HT-2026-118",
        "李四（代 张三）",
        "赵敏",
        "审批记录",
        "扫码核验",
        "第 1 页 / 共 1 页",
        "打印时间：2026-11-23 16:05",
        "申请人签字",
        "——",
    ):
        assert squash(expected) in text, expected
    record = seal_request_record()
    assert record["content_hash"] in text
    assert f"校验码{record['content_hash'][:16]}" in text
    assert text.count("打印时间") == 1  # the hidden page-strings are not drawn


def test_record_embeds_project_fonts_as_subsets(record_pdf, poppler):
    fonts = fonts_table(poppler, record_pdf)
    names = [f["name"].split("+", 1)[-1] for f in fonts]
    assert "Portal-Sans-SC" in names and "Portal-Sans-SC-Bold" in names
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts), fonts
    assert not any("Type 3" in f["type"] for f in fonts), fonts
    # The system Noto (CFF, ~240 KB a page) must not be needed for an ordinary record.
    assert not any("Noto" in name for name in names), names


def test_record_is_small(record_pdf):
    assert record_pdf.stat().st_size < 40 * KB


def test_record_page_renders_to_png(record_pdf, poppler, tmp_path):
    poppler("pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", record_pdf, tmp_path / "page")
    png = tmp_path / "page-1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10 * KB  # a blank A4 page at 80 dpi is far smaller


def test_draft_record_has_no_number(pdf_app, poppler, tmp_path):
    record = {**seal_request_record(), "number": None, "status_label": "草稿", "trail": []}
    path = tmp_path / "draft.pdf"
    path.write_bytes(render_pdf("pdf/base_record.html", record))
    text = pdf_text(poppler, path)
    assert "草稿（未编号）" in text and "审批记录" not in text


def test_record_sections_render_line_items(pdf_app, poppler, tmp_path):
    record = seal_request_record()
    record["sections"] = [
        {
            "title": "领用明细",
            "columns": ["品名", {"label": "数量", "align": "right"}, "单位"],
            "rows": [["A4 复印纸", 5, "包"], ["中性笔", 20, "支"]],
        },
        {"title": "补充信息", "rows": [[{"label": "预算科目", "value": "办公费"}]]},
    ]
    path = tmp_path / "sections.pdf"
    path.write_bytes(render_pdf("pdf/base_record.html", record))
    text = pdf_text(poppler, path)
    assert all(squash(s) in text for s in ("领用明细", "A4 复印纸", "中性笔", "补充信息", "办公费"))


def test_register_landscape_pages_repeat_header(pdf_app, poppler, tmp_path):
    path = tmp_path / "register.pdf"
    path.write_bytes(render_pdf("pdf/register.html", register_data(60)))
    info = poppler("pdfinfo", path)
    pages = int(re.search(r"Pages:\s+(\d+)\n", info).group(1))
    assert 2 <= pages <= 3  # more than one page, at least 20 rows a page
    assert "841.89 x 595.2" in info  # A4 landscape
    for page in range(1, pages + 1):
        text = pdf_text(poppler, path, "-f", str(page), "-l", str(page))
        assert "编号" in text and "事由" in text and "状态" in text, page
        assert f"第{page}页/共{pages}页" in text
    text = pdf_text(poppler, path)
    assert "YY-202611-0001" in text and "YY-202611-0060" in text and "共60条" in text
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts_table(poppler, path))


def test_characters_outside_the_subset_fall_back_to_system_noto(pdf_app, poppler, tmp_path):
    # U+3400 (CJK Extension A) is not in Portal Sans SC; Noto Sans CJK SC has it.
    path = tmp_path / "rare.pdf"
    path.write_bytes(html_to_pdf('<html lang="zh-CN"><p>生僻字：㐀</p></html>'))
    assert "生僻字：㐀" in pdf_text(poppler, path)
    names = [f["name"] for f in fonts_table(poppler, path)]
    assert any("Portal-Sans-SC" in n for n in names) and any("Noto" in n for n in names)


def test_without_built_fonts_falls_back_and_warns_once(tmp_path, poppler, caplog):
    app = make_pdf_app(PDF_FONT_DIR=str(tmp_path / "no-fonts"))
    path = tmp_path / "fallback.pdf"
    with app.app_context(), caplog.at_level(logging.WARNING, logger=render_module.__name__):
        path.write_bytes(render_pdf("pdf/base_record.html", seal_request_record()))
        render_pdf("pdf/base_record.html", seal_request_record())
    assert len([r for r in caplog.records if "PDF fonts missing" in r.message]) == 1
    assert "李四（代张三）" in pdf_text(poppler, path)
    fonts = fonts_table(poppler, path)
    assert any("Noto-Sans-CJK-SC" in f["name"] for f in fonts)
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts)


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its Flate streams inflated: WeasyPrint packs dictionaries in object streams."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


DOCUMENT = """{% extends "pdf/base_document.html" %}
{% block running_header %}Q/SL 001-2026 {{ title }}{% endblock %}
{% block body %}<h1>{{ title }}</h1>
{% for n in range(1, 4) %}<h2>第{{ n }}章 总则</h2>
{% for _ in range(12) %}<p>{{ "本程序规定了用印申请、审批、登记和归档的要求。" * 6 }}</p>{% endfor %}
{% endfor %}{% endblock %}"""


def test_base_document_has_bookmarks_and_running_header(pdf_app, poppler, tmp_path):
    from flask import render_template_string

    html = render_template_string(
        DOCUMENT, title="用印管理程序", company="示例公司", printed_at="2026-11-23 16:05"
    )
    path = tmp_path / "doc.pdf"
    path.write_bytes(html_to_pdf(html))
    assert b"/Outlines" in pdf_objects(path.read_bytes())
    pages = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", path))[1])
    assert pages >= 2
    assert "Q/SL001-2026用印管理程序" not in pdf_text(poppler, path, "-f", "1", "-l", "1")
    assert "Q/SL001-2026用印管理程序" in pdf_text(poppler, path, "-f", "2", "-l", "2")


def gb2312_level1() -> str:
    """The 3,755 level-1 hanzi of GB 2312: what an unusually varied procedure might hold."""
    raw = bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for b in (hi, lo))
    return "".join(c for c in raw.decode("gb2312", errors="ignore") if "\u4e00" <= c <= "\u9fff")


def test_thousands_of_distinct_glyphs_still_subset(pdf_app, poppler, tmp_path, caplog):
    """HarfBuzz 6 gives up on TrueType CJK fonts with a full GDEF past ~900 glyphs and
    WeasyPrint then embeds the whole 6.7 MB font; ours has no GDEF."""
    chars = gb2312_level1()
    assert len(chars) == 3755
    paragraphs = "".join(f"<p>{chars[i : i + 40]}</p>" for i in range(0, len(chars), 40))
    html = f'<html lang="zh-CN"><body>{paragraphs}<p><b>{chars[:1200]}</b></p></body></html>'
    path = tmp_path / "many.pdf"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        path.write_bytes(html_to_pdf(html))
    assert not [r for r in caplog.records if "subset" in r.getMessage()]
    assert path.stat().st_size < 1500 * KB
    assert all(f["sub"] == "yes" for f in fonts_table(poppler, path))
