"""Reading PDFs back in tests: their text through poppler's pdftotext."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdftotext(pdf: bytes | str | Path) -> str:
    """The PDF's text with all white space removed (titles are letter-spaced).
    `pdf` is the document's bytes or a path to it."""
    if isinstance(pdf, bytes):
        args, data = ["pdftotext", "-", "-"], pdf
    else:
        args, data = ["pdftotext", str(pdf), "-"], None
    out = subprocess.run(args, input=data, capture_output=True, check=True).stdout
    return "".join(out.decode().split())


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text, white space removed (pdftotext ends each page with a form feed)."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    pages = out.stdout.decode().split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return ["".join(page.split()) for page in pages]
