"""The URL fetcher serves only our static files and data: URIs; hashes and QR codes."""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from decimal import Decimal

import pytest

from portal.pdf import SafeURLFetcher, URLRefusedError, content_hash, html_to_pdf, qr_svg_data_uri
from tests.pdf.samples import REPO, make_pdf_app

# A valid 1x1 PNG: the render test needs something WeasyPrint would really embed.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def fetcher():
    static = REPO / "static"
    return SafeURLFetcher({"static:": static, "/static/": static})


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.png",
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "static:/../pyproject.toml",
        "static:///etc/passwd",
        "/etc/passwd",
        "ftp://example.com/x",
        "css/print.css",
        "/static/",
    ],
)
def test_fetcher_refuses_everything_but_our_static_files(fetcher, url):
    with pytest.raises(URLRefusedError):
        fetcher.fetch(url)


@pytest.mark.parametrize(
    "url", ["static:/css/print.css", "static:css/print.css", "/static/css/print.css"]
)
def test_fetcher_serves_static_files(fetcher, url):
    response = fetcher.fetch(url)
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_fetcher_serves_data_uris(fetcher):
    response = fetcher.fetch("data:text/plain;base64," + base64.b64encode(b"ok").decode())
    assert response.read() == b"ok"


def test_refused_resources_never_reach_the_pdf(tmp_path):
    """Same image: embedded from our static folder, dropped from file:// and outside paths."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "dot.png").write_bytes(PNG_1X1)
    (tmp_path / "secret.png").write_bytes(PNG_1X1)
    app = make_pdf_app(PDF_FONT_DIR=str(tmp_path / "fonts"))
    app.static_folder = str(tmp_path / "static")

    def pdf_with(src: str) -> bytes:
        return html_to_pdf(f'<html lang="zh-CN"><img src="{src}"></html>')

    with app.app_context():
        assert b"/Image" in pdf_with("/static/dot.png")
        for src in (
            f"file://{tmp_path}/secret.png",
            "/static/../secret.png",
            "http://127.0.0.1:9/x.png",
        ):
            assert b"/Image" not in pdf_with(src), src


def test_content_hash_is_stable_and_canonical():
    a = {
        "number": "YY-202611-0001",
        "申请人": "王小明",
        "at": datetime(2026, 11, 20, 9, 12),
        "day": date(2026, 11, 20),
        "amount": Decimal("128000.00"),
        "rows": [[1, "a"]],
    }
    b = dict(reversed(list(a.items())))
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) == content_hash(
        {**a, "at": "2026-11-20T09:12:00", "day": "2026-11-20", "amount": "128000.00"}
    )
    assert content_hash(a) != content_hash({**a, "申请人": "王小红"})
    assert len(content_hash(a)) == 64 and int(content_hash(a), 16) >= 0
    # The canonical form is fixed: a change here would invalidate every printed record.
    assert (
        content_hash({"b": 1, "a": "中"}) == hashlib.sha256('{"a":"中","b":1}'.encode()).hexdigest()
    )


def test_content_hash_refuses_rich_objects():
    with pytest.raises(TypeError):
        content_hash({"user": object()})


def test_qr_svg_data_uri():
    uri = qr_svg_data_uri("https://portal.example.cn/verify/YY-202611-0001")
    assert uri.startswith("data:image/svg+xml")
    assert "svg" in uri
