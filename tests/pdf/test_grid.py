"""Register PDFs drawn by portal.pdf.grid (issue 18): at 500 rows the text reads back in
Chinese in the project's font, at least 20 rows a page, dates whole, header and page numbers
on every page; the same page breaks as the template through WeasyPrint; and the template
still renders what the grid does not draw."""

from __future__ import annotations

import re

from flask import render_template

from portal.pdf import grid, html_to_pdf, render_pdf
from tests.pdf.samples import seal_register_data
from tests.pdf.test_render import fonts_table, pdf_text

NUMBER = re.compile(r"YY-202401-\d{4}")
STAMPED = re.compile(r"2024-01-\d{2} \d{2}:\d{2}")


def layout_pages(poppler, path) -> list[str]:
    pages = poppler("pdftotext", "-layout", path, "-").split("\f")
    return pages[:-1] if not pages[-1].strip() else pages


def test_a_500_row_register_reads_back_with_20_rows_a_page(pdf_app, poppler, tmp_path):
    path = tmp_path / "register.pdf"
    path.write_bytes(render_pdf("pdf/register.html", seal_register_data(500)))
    info = poppler("pdfinfo", path)
    assert "841.89 x 595.2" in info  # A4 landscape
    assert re.search(r"Creator:\s+规程门户", info)  # drawn by the grid, not WeasyPrint
    fonts = fonts_table(poppler, path)
    assert {f["name"].split("+")[1] for f in fonts} == {
        "PortalSansSC-Regular",
        "PortalSansSC-Bold",
    }
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts)

    pages = layout_pages(poppler, path)
    numbers = [NUMBER.findall(page) for page in pages]
    assert sorted(n for page in numbers for n in page) == [
        f"YY-202401-{i:04d}" for i in range(1, 501)
    ]
    assert min(len(n) for n in numbers[:-1]) >= 20, [len(n) for n in numbers]
    text = "\n".join(pages)
    assert len(STAMPED.findall(text)) >= 500  # every stamping time whole on its line
    assert not re.search(r"\d{4}-\d{2}-\s*\n", text)
    for number, page in enumerate(pages, 1):
        squashed = "".join(page.split())
        assert "用印时间" in squashed and "携带外出" in squashed, number
        assert f"第{number}页/共{len(pages)}页" in squashed
        assert "打印时间：2026-12-0618:40" in squashed
        if number > 1:
            assert "浙江示例实业有限公司·印章使用登记表" in squashed
    first = "".join(pages[0].split())
    assert "印章使用登记表" in first and "起始日期：2024-01-01" in first
    assert "共500条" in "".join(pages[-1].split())
    assert "杭州华东贸易有限公司，01-" in first  # Chinese punctuation comes back as written


def test_the_grid_breaks_pages_where_the_template_does(pdf_app, poppler, tmp_path):
    data = seal_register_data(120)
    drawn, laid_out = tmp_path / "grid.pdf", tmp_path / "weasyprint.pdf"
    drawn.write_bytes(render_pdf("pdf/register.html", data))
    laid_out.write_bytes(html_to_pdf(render_template("pdf/register.html", **data)))
    rows = [[len(NUMBER.findall(p)) for p in layout_pages(poppler, f)] for f in (drawn, laid_out)]
    assert rows[0] == rows[1]
    assert len(rows[0]) >= 2


def test_characters_outside_the_font_go_through_the_template(pdf_app, poppler, tmp_path):
    data = seal_register_data(3)
    data["rows"][0][3] = "生僻字㐀的文件"  # U+3400 is not in Portal Sans SC
    path = tmp_path / "rare.pdf"
    path.write_bytes(render_pdf("pdf/register.html", data))
    assert "生僻字㐀的文件" in pdf_text(poppler, path)
    assert any("Noto" in f["name"] for f in fonts_table(poppler, path))


def test_a_row_taller_than_a_page_goes_through_the_template(pdf_app, poppler, tmp_path):
    data = seal_register_data(3)
    data["rows"][1][3] = "很长的文件名称" * 300
    path = tmp_path / "tall.pdf"
    path.write_bytes(render_pdf("pdf/register.html", data))
    assert "WeasyPrint" in poppler("pdfinfo", path)
    assert "YY-202401-0003" in pdf_text(poppler, path)


def test_without_built_fonts_the_grid_declines(tmp_path):
    assert grid.render(seal_register_data(3), tmp_path) is None


def test_an_empty_register_and_odd_values(pdf_app, poppler, tmp_path):
    data = seal_register_data(2)
    data["rows"] = []
    data["summary"] = "共 0 条"
    path = tmp_path / "empty.pdf"
    path.write_bytes(render_pdf("pdf/register.html", data))
    text = pdf_text(poppler, path)
    assert "（无）" in text and "共0条" in text

    data = seal_register_data(2)
    data["columns"] = ["编号", {"label": "说明", "width": "20mm", "align": "right"}, "备注"]
    long_code = "KS-" + "0123456789" * 8  # longer than its column: broken anywhere
    data["rows"] = [[long_code, "第一行\n第二行\t（含制表符）", None], ["A", "", 3]]
    path.write_bytes(render_pdf("pdf/register.html", data))
    text = pdf_text(poppler, path)
    # The code's two lines read back around the next cell's first line.
    assert "KS-0123456789" in text and text.count("0123456789") >= 7
    assert "第一行第二行" in text and "（含制表符）" in text


def test_lines_break_around_chinese_and_spaces_never_inside_dates_or_codes():
    atoms = [
        piece
        for _, piece in grid._atoms("2026-12-07\u00a013:35 交出，预计（明天）归还 KS-202612-0002")
    ]
    assert atoms == [
        "2026-12-07\u00a013:35",
        "交",
        "出，",
        "预",
        "计",
        "（明",
        "天）",
        "归",
        "还",
        "KS-202612-0002",
    ]
    # The filters' separator, an ideographic space, is a character, not collapsible space.
    assert "\u3000" in [piece for _, piece in grid._atoms("起始日期：2024-01-01　截止")]
