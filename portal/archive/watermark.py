"""The watermark of an electronic loan: one line (借阅人, 日期, loan number) laid over every page
of the archived PDF. The line is typeset by WeasyPrint with the portal's CJK font on a page of
the same size (so it reads in any viewer and extracts as text), then merged with pypdf
(decision 010)."""

from __future__ import annotations

import io

from markupsafe import escape
from pypdf import PdfReader, PdfWriter


class WatermarkError(ValueError):
    """The archived file is not a PDF that can be read."""


def _overlay(line: str, width: float, height: float):
    from portal.pdf.render import html_to_pdf

    html = (
        "<!doctype html><html><head><style>"
        f"@page {{ size: {width:.2f}pt {height:.2f}pt; margin: 0 }}"
        "body { margin: 0 }"
        ".mark { position: absolute; left: 18pt; right: 18pt; bottom: 10pt; font-size: 9pt;"
        " color: #b00020; opacity: .75; border-top: .5pt solid #b00020; padding-top: 2pt }"
        ".diag { position: absolute; top: 45%; left: 0; right: 0; text-align: center;"
        " font-size: 28pt; color: #b00020; opacity: .12; transform: rotate(-30deg) }"
        f"</style></head><body><div class='diag'>{escape(line)}</div>"
        f"<div class='mark'>{escape(line)}</div></body></html>"
    )
    return PdfReader(io.BytesIO(html_to_pdf(html))).pages[0]


def stamp(data: bytes, line: str) -> bytes:
    """`data` (a PDF) with `line` on every page; WatermarkError when it cannot be read."""
    try:
        writer = PdfWriter(clone_from=io.BytesIO(data))
        pages = list(writer.pages)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise WatermarkError("电子档案不是可读取的 PDF 文件。") from exc
    overlays: dict[tuple[float, float], object] = {}
    for page in pages:
        box = page.mediabox
        size = (round(float(box.width), 2), round(float(box.height), 2))
        if size not in overlays:
            overlays[size] = _overlay(line, *size)
        page.merge_page(overlays[size])
    writer.add_metadata({"/Subject": line})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
