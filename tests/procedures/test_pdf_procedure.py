"""The controlled-copy PDF of a procedure, read back with poppler: title, clause numbers and
text; running header from page 2; footer with page N of M, the controlled-copy notice and the
print time; a CJK font embedded as a subset (WeasyPrint prints tofu without a word otherwise);
a bookmark outline from the clause tree."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import UTC, datetime

import pytest

from portal.core import clock
from portal.extensions import db
from portal.procedures import services

TOOLS = ("pdftotext", "pdffonts", "pdfinfo")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS), reason="poppler-utils not installed"
)
PRINTED = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def run(tool: str, *args) -> str:
    done = subprocess.run([tool, *map(str, args)], capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def squash(text: str) -> str:
    return "".join(text.split())


def outline_titles(pdf: bytes) -> list[str]:
    """Bookmark titles: WeasyPrint packs the outline dictionaries into Flate object streams."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    titles = re.findall(rb"/Title\s*<([0-9A-Fa-f]+)>", b"\n".join(parts))
    return [bytes.fromhex(t.decode()).decode("utf-16-be").lstrip("\ufeff") for t in titles]


@pytest.fixture
def pdf_file(client, login, tmp_path):
    services.load_markdown_dir()
    db.session.commit()
    login("employee")
    with clock.frozen(PRINTED):
        response = client.get("/procedures/QP-CS-01/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="qp-cs-01-a-0.pdf"'
    path = tmp_path / "qp-cs-01.pdf"
    path.write_bytes(response.data)
    return path


def test_title_clause_numbers_and_text_come_back(pdf_file):
    text = squash(run("pdftotext", pdf_file, "-"))
    assert "客户投诉处理程序" in text and "非受控" in text
    assert "文件编号QP-CS-01" in text and "修订A/0" in text and "生效日期2026-01-01" in text
    revision = services.get_current_revision("QP-CS-01")
    missing = [
        clause.number
        for clause in revision.clauses
        if squash(f"{clause.number}{clause.heading}") not in text
        or squash(clause.text)[:20] not in text
    ]
    assert not missing, missing
    assert "4.2.1除另有规定外" in text


def test_header_and_footer_on_every_page(pdf_file):
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", pdf_file))[1])
    assert pages >= 3
    first = squash(run("pdftotext", "-f", "1", "-l", "1", pdf_file, "-"))
    assert "QP-CS-01·客户投诉处理程序·修订A/0" not in first  # page 1 carries the title block
    for number in range(1, pages + 1):
        page = squash(run("pdftotext", "-f", number, "-l", number, pdf_file, "-"))
        assert f"第{number}页/共{pages}页" in page
        assert "非受控·打印日期" in page  # an uncontrolled print: controlled copies are numbered
        assert "打印时间：2026-11-2409:30" in page
        if number > 1:
            assert "QP-CS-01·客户投诉处理程序·修订A/0" in page


def test_a_cjk_font_is_embedded_as_a_subset(pdf_file):
    rows = [line.split() for line in run("pdffonts", pdf_file).splitlines()[2:]]
    cjk = [r for r in rows if "PortalSansSC" in r[0] or "Portal-Sans-SC" in r[0] or "CJK" in r[0]]
    assert cjk, rows
    for row in cjk:
        assert row[0][6] == "+"  # ABCDEF+Name: a subset
        assert row[-5:-2] == ["yes", "yes", "yes"]  # emb sub uni
    # Every character of the text comes back: nothing fell to a font without the glyph.
    text = run("pdftotext", pdf_file, "-")
    revision = services.get_current_revision("QP-CS-01")
    wanted = {ch for c in revision.clauses for ch in c.text if not ch.isspace()}
    assert not wanted - set(text)


def test_bookmarks_follow_the_clause_tree(pdf_file):
    titles = outline_titles(pdf_file.read_bytes())
    assert "客户投诉处理程序" in titles
    for heading in ("1 目的", "4 工作程序", "4.2 时限与计时", "6 记录"):
        assert heading in titles, titles
    assert any(t.startswith("4.2.1 除另有规定外") for t in titles)
    assert titles.index("4.2 时限与计时") < titles.index("4.3 初步分析")


def test_pdf_of_an_unknown_procedure_is_404(client, login):
    login("employee")
    assert client.get("/procedures/QP-NONE-01/pdf").status_code == 404


def test_detail_page_links_the_pdf(client, login):
    services.load_markdown_dir()
    db.session.commit()
    login("employee")
    page = client.get("/procedures/QP-CS-01").get_data(as_text=True)
    assert 'href="/procedures/QP-CS-01/pdf" hx-boost="false">PDF（非受控打印）</a>' in page
