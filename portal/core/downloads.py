"""File responses: one way to send a PDF, XLSX or CSV, named so that Chinese file names survive
(RFC 6266 `filename*`, with an ASCII fallback) and never rendered as HTML by the browser."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def download(data: bytes, mimetype: str, filename: str, inline: bool = False) -> Response:
    # content_type, not mimetype: Werkzeug appends a charset to text/* mimetypes even when
    # the type names one (text/csv; charset=utf-8; charset=utf-8).
    response = Response(data, content_type=mimetype)
    fallback = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    disposition = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    response.headers["Content-Disposition"] = disposition
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_response(data: bytes, filename: str, inline: bool = False) -> Response:
    return download(data, PDF, filename, inline=inline)
