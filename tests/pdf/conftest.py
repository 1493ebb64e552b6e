"""Fixtures for the PDF tests: the built fonts (once per session) and a minimal Flask app.

`pdf_app` is a stand-in until create_app() exists for PDFs; keep it small.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from portal.pdf.fonts import DEFAULT_FONT_DIR, build_fonts
from tests.pdf.samples import make_pdf_app

POPPLER = ("pdftotext", "pdffonts", "pdfinfo", "pdftoppm")


@pytest.fixture(scope="session")
def pdf_fonts_dir() -> Path:
    """The fonts in instance/fonts, built there on first use (~45 s) and reused afterwards."""
    build_fonts(DEFAULT_FONT_DIR)
    return DEFAULT_FONT_DIR


@pytest.fixture
def pdf_app(pdf_fonts_dir):
    """A bare app that renders templates/pdf/ with the built fonts, inside an app context."""
    app = make_pdf_app(PDF_FONT_DIR=str(pdf_fonts_dir))
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def poppler():
    """Run a poppler tool and return its stdout; skip when poppler-utils is not installed."""
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"poppler-utils missing: {', '.join(missing)}")

    def run(tool: str, *args: str | Path) -> str:
        done = subprocess.run([tool, *map(str, args)], capture_output=True, check=True, timeout=60)
        return done.stdout.decode("utf-8")

    return run
