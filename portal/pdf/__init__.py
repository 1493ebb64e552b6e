"""PDF output: render_pdf(template, data) -> bytes, the project fonts and a safe URL fetcher.

Names are loaded on first use so that `python -m portal.pdf.fonts` (run at setup) neither
imports WeasyPrint nor finds its own module imported twice.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.pdf.fonts import build_fonts
    from portal.pdf.render import (
        SafeURLFetcher,
        URLRefusedError,
        content_hash,
        html_to_pdf,
        qr_svg_data_uri,
        render_pdf,
    )

_EXPORTS = {
    "build_fonts": "portal.pdf.fonts",
    "SafeURLFetcher": "portal.pdf.render",
    "URLRefusedError": "portal.pdf.render",
    "content_hash": "portal.pdf.render",
    "html_to_pdf": "portal.pdf.render",
    "qr_svg_data_uri": "portal.pdf.render",
    "render_pdf": "portal.pdf.render",
}

__all__ = [
    "SafeURLFetcher",
    "URLRefusedError",
    "build_fonts",
    "content_hash",
    "html_to_pdf",
    "qr_svg_data_uri",
    "render_pdf",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
