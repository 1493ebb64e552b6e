"""Register PDFs (issue 18): landscape tables of at least 20 rows a page, numbers and dates
never wrapped (a date split over two lines reads as two values)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.perf.conftest import copy_records

DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?")


def pages(pdf: bytes) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def row_numbers(text: str) -> list[str]:
    """The records' numbers (KS-202611-0001, a copy's KS-202611-0001-73): one per row."""
    return re.findall(r"[A-Z]{2}-\d{6}-\d{4}(?:-\d+)?", text)


@pytest.mark.parametrize(
    ("form_type", "url"),
    [
        ("complaints", "/complaints/register.pdf"),
        ("seals", "/seals/register.pdf"),
        ("supplies", "/supplies/register.pdf"),
    ],
)
def test_a_register_pdf_fits_20_rows_a_page_without_wrapping_dates(
    demo, login, client, form_type, url
):
    login("admin")
    copy_records(form_type, 120)
    response = client.get(url)
    assert response.status_code == 200, url
    sheets = pages(response.data)
    rows = [row_numbers(page) for page in sheets]
    total = sum(len(r) for r in rows)
    assert total >= 40
    full = [len(r) for r in rows[:-1]]  # the last page holds what is left
    assert min(full) >= 20, full
    # Every date printed whole: as many whole dates per page as cells that hold one.
    text = "\n".join(sheets)
    assert not re.search(r"\d{4}-\d{2}-\n", text)
