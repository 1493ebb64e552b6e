"""Render Jinja templates to PDF with WeasyPrint: shared fonts, a URL fetcher that only serves our
own static files, QR codes for verification links and content hashes of record data.

Templates receive plain data (dicts, lists, strings), never ORM objects.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import mimetypes
import threading
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote
from uuid import UUID

import segno
from flask import current_app, has_app_context, has_request_context, render_template, request
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from portal.pdf import grid
from portal.pdf.fonts import DEFAULT_FONT_DIR, FAMILY, REPO_ROOT, STYLES, font_file_name

log = logging.getLogger(__name__)

# Relative URLs in templates (e.g. "/static/css/print.css") are joined to this base. urljoin
# leaves them untouched under an unknown scheme, so the fetcher sees exactly what was written.
BASE_URL = "static:/"
FONT_URL_PREFIX = "pdf-fonts:"
PRINT_CSS = "css/print.css"  # under the app's static folder
REGISTER_TEMPLATE = "pdf/register.html"
FONT_FACE_CSS = "\n".join(
    f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: {weight}; '
    f'src: url("{FONT_URL_PREFIX}{font_file_name(style)}") format("truetype"); }}'
    for style, weight in (("Regular", 400), ("Bold", 700))
)


class URLRefusedError(ValueError):
    """A template asked for a resource outside our static files (file://, http(s)://, ...)."""


class SafeURLFetcher(URLFetcher):
    """Serve `data:` URIs and files under the given mounts; refuse everything else.

    `mounts` maps a URL prefix (e.g. "static:" or "/static/") to a directory. Paths are joined
    with werkzeug's safe_join and resolved, so `..` and symlinks cannot leave the directory.
    """

    def __init__(self, mounts: dict[str, Path | str]):
        # allowed_protocols stops the base class from ever opening file:, http: or ftp:.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self.mounts = {prefix: Path(root).resolve() for prefix, root in mounts.items()}

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.resolve(url)
        if path is None:
            raise URLRefusedError(f"refused to fetch {url[:200]!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def resolve(self, url: str) -> Path | None:
        """The file a URL names under one of the mounts, or None when it is not allowed."""
        for prefix, root in self.mounts.items():
            if not url.startswith(prefix):
                continue
            relative = unquote(url[len(prefix) :].split("?", 1)[0].split("#", 1)[0])
            joined = safe_join(str(root), relative.lstrip("/"))
            if joined is None:
                return None
            path = Path(joined).resolve()
            if path.is_relative_to(root) and path.is_file():
                return path
            return None
        return None


@dataclass
class _FontSetup:
    config: FontConfiguration
    stylesheets: list[CSS]
    # (path, mtime) and the parsed print.css: parsing it costs ~20 ms, a sixth of a render.
    print_css: tuple[tuple[Path, int], CSS] | None = None


# One FontConfiguration per font directory (so one per process in practice): each one copies
# the @font-face files into its own temporary folder and builds a fontconfig set.
_setups: dict[Path, _FontSetup] = {}
# WeasyPrint's font configuration and Pango font map are not documented as thread-safe, and
# gunicorn's gthread workers render from several threads: renders take turns.
_lock = threading.Lock()


def render_pdf(template_name: str, data: dict) -> bytes:
    """Render a Jinja template with plain `data` and return the PDF bytes (needs an app context).

    A register (pdf/register.html) is drawn by portal.pdf.grid from the same data, ten times
    faster than through WeasyPrint; the template renders what grid does not draw."""
    if template_name == REGISTER_TEMPLATE:
        pdf = grid.render(data, _font_dir())
        if pdf is not None:
            return pdf
    return html_to_pdf(render_template(template_name, **data))


def html_to_pdf(html: str) -> bytes:
    """Turn an HTML string into PDF bytes with the project fonts, static/css/print.css and the
    safe URL fetcher. print.css is a user stylesheet: a template's own <style> overrides it."""
    static = _static_folder()
    fetcher = SafeURLFetcher({"static:": static, _static_url_prefix(): static})
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    with _lock:
        setup = _font_setup(_font_dir())
        print_css = static / PRINT_CSS
        if not print_css.is_file():  # an app with its own static folder still gets ours
            print_css = REPO_ROOT / "static" / PRINT_CSS
        stylesheets = [*setup.stylesheets, _print_stylesheet(setup, print_css, fetcher)]
        return document.write_pdf(font_config=setup.config, stylesheets=stylesheets)


def _print_stylesheet(setup: _FontSetup, path: Path, fetcher: SafeURLFetcher) -> CSS:
    """print.css parsed once, and again only when the file changes (e.g. in development)."""
    key = (path, path.stat().st_mtime_ns)
    if setup.print_css is None or setup.print_css[0] != key:
        css = CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=BASE_URL,
            url_fetcher=fetcher,
            font_config=setup.config,
        )
        setup.print_css = (key, css)
    return setup.print_css[1]


def _font_setup(font_dir: Path) -> _FontSetup:
    """The shared font configuration for this font directory, created on first use."""
    setup = _setups.get(font_dir)
    if setup is None:
        config = FontConfiguration()
        stylesheets = []
        if all((font_dir / font_file_name(style)).is_file() for style in STYLES):
            fetcher = SafeURLFetcher({FONT_URL_PREFIX: font_dir})
            stylesheets.append(CSS(string=FONT_FACE_CSS, url_fetcher=fetcher, font_config=config))
        else:
            # Still correct through the CSS font stack, only ~8x bigger files: warn, don't fail.
            log.warning(
                "PDF fonts missing in %s; using the system Noto Sans CJK SC (larger PDFs). "
                "Build them with: python -m portal.pdf.fonts %s",
                font_dir,
                font_dir,
            )
        setup = _setups[font_dir] = _FontSetup(config, stylesheets)
    return setup


@atexit.register
def _drop_font_setups() -> None:
    """Let each FontConfiguration delete its temporary font folder before the process exits."""
    _setups.clear()


def _font_dir() -> Path:
    configured = current_app.config.get("PDF_FONT_DIR") if has_app_context() else None
    return Path(configured or DEFAULT_FONT_DIR).resolve()


def _static_folder() -> Path:
    if has_app_context() and current_app.static_folder:
        return Path(current_app.static_folder)
    return REPO_ROOT / "static"


def _static_url_prefix() -> str:
    """The path under which the app serves static files, e.g. "/static/" (with script root)."""
    path = current_app.static_url_path if has_app_context() else "/static"
    root = request.script_root if has_request_context() else ""
    return f"{root}{path or ''}/"


def qr_svg_data_uri(url: str) -> str:
    """A QR code for `url` as an SVG data URI, for an <img> sized by CSS."""
    # Error level M survives a smudge or a staple hole; a 2-module quiet zone is plenty on the
    # white page margin around it and keeps the header compact.
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_data_uri(scale=1, border=2, dark="#000")


def content_hash(obj) -> str:
    """SHA-256 hex of a canonical JSON of plain data: equal data, equal hash, on any machine."""
    canonical = json.dumps(
        obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_default(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    # ORM objects and other rich types must be turned into plain data by the caller first.
    raise TypeError(f"content_hash() takes plain data, not {type(value).__name__}")
