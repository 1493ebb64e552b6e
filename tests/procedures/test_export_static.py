"""`flask procedures export-static`: the seed library as a static site. Every internal link
resolves (crawled), every page says it is an offline copy, nothing is fetched from elsewhere,
and the offline search in Chromium finds exactly what the live search finds (file:// and http).
"""

from __future__ import annotations

import functools
import re
import threading
import zipfile
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from portal.core.clock import local_now
from portal.procedures.export import export_static, page_names
from portal.search import index as search
from tests.search.corpus import FIXED_QUERIES, library_app, needs_seeds, sample_terms

pytestmark = needs_seeds
MAX_INDEX_BYTES = 1024 * 1024


class Links(HTMLParser):
    """hrefs, srcs and element ids of one page."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src", "action") and value is not None:
                self.links.append((tag, name, value))


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(_schema, tmp_path_factory):
    """The exported seed library, the live search's answers, and the export date."""
    outdir = tmp_path_factory.mktemp("export") / "site"
    with library_app() as app:
        result = export_static(outdir, make_zip=True)
        queries = FIXED_QUERIES + sample_terms()
        live = {q: [str(h.clause_id) for h in search.query(q, limit=None).hits] for q in queries}
        yield {
            "dir": outdir,
            "result": result,
            "live": live,
            "date": local_now().date().isoformat(),
            "app": app,
        }


def test_every_internal_link_resolves(site):
    root = site["dir"]
    pages = sorted(root.rglob("*.html"))
    seen, queue, broken = set(), [root / "index.html"], []
    while queue:
        page = queue.pop()
        if page in seen:
            continue
        seen.add(page)
        for tag, attribute, url in parse(page).links:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto"):
                assert tag == "a", f"{page.name}: {tag} {attribute}={url} loads from elsewhere"
                continue
            assert not parts.scheme and not url.startswith("/"), f"{page.name}: {url}"
            path, fragment = urldefrag(url)
            target = (page.parent / unquote(path)).resolve() if path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(root)}: {url}")
                continue
            if fragment and fragment not in parse(target).ids:
                broken.append(f"{page.relative_to(root)}: {url} (no #{fragment})")
            if target.suffix == ".html":
                queue.append(target)
    assert not broken, "\n".join(broken[:20])
    assert set(pages) == seen, "every page is reachable from index.html"
    assert len(pages) == site["result"].procedures + 2


def test_pages_say_they_are_an_offline_copy(site):
    root = site["dir"]
    for page in root.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert f"离线副本 · 导出日期 {site['date']}" in html, page.name
        assert 'lang="zh-CN"' in html and "hx-" not in html and "csrf" not in html
    qp = (root / "procedures" / "qp-cs-01.html").read_text(encoding="utf-8")
    assert "本文件修订 A/0" in qp


def test_pages_come_from_the_reading_templates(site):
    client = site["app"].test_client()
    from tests.conftest import Auth
    from tests.factories import standard_org

    org = standard_org()
    Auth(client).as_user(org["employee"])
    live = client.get("/procedures/QP-CS-01").get_data(as_text=True)
    exported = (site["dir"] / "procedures" / "qp-cs-01.html").read_text(encoding="utf-8")
    anchors = re.findall(r'<section class="clause depth-\d+" id="([^"]+)"', live)
    assert anchors and re.findall(r'<section class="clause depth-\d+" id="([^"]+)"', exported) == (
        anchors
    )
    assert 'class="toc toc-desktop"' in exported and "复制引用" in exported
    assert "我已阅读" not in exported and "原文与编辑" not in exported
    assert "PDF" not in exported  # live-only controls are left out


def test_index_is_small_and_zip_holds_the_site(site):
    result = site["result"]
    assert result.index["bytes"] < MAX_INDEX_BYTES
    assert result.index["docs"] == len(search.export_entries(str)) > 1000
    with zipfile.ZipFile(result.archive) as zf:
        names = set(zf.namelist())
    assert {"site/index.html", "site/search.html", "site/search/meta.js"} <= names
    assert "site/static/js/offline-search.js" in names
    assert len(names) == result.files


def test_page_names_are_ascii_and_unique():
    names = page_names(["QP-CS-01", "QP/CS 01", "qp-cs-01x", "规程一", "规程二", "A.B"])
    assert len(set(names.values())) == 6
    assert all(re.fullmatch(r"procedures/[a-z0-9._-]+\.html", n) for n in names.values())
    assert names["QP-CS-01"] == "procedures/qp-cs-01.html"


# ---- the offline search in Chromium ------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def http_site(site):
    handler = functools.partial(_Quiet, directory=str(site["dir"]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def offline_ids(browser, url: str, queries: list[str]):
    context = browser.new_context()
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    found = page.evaluate(
        """async (qs) => {
            const out = {};
            for (const q of qs) {
                const hits = await PortalSearch.query(q);
                out[q] = hits.filter(r => r.kind === "clause").map(r => r.id);
            }
            return out;
        }""",
        queries,
    )
    context.close()
    return found, requests, errors


@pytest.mark.parametrize("origin", ["file", "http"])
def test_offline_search_finds_what_the_live_search_finds(site, http_site, browser, origin):
    base = site["dir"].as_uri() if origin == "file" else http_site
    live = site["live"]
    found, requests, errors = offline_ids(browser, f"{base}/search.html", list(live))
    # The same clauses (the offline copy lists them in document order; the live search ranks).
    mismatched = [q for q in live if sorted(found[q]) != sorted(live[q])]
    assert not mismatched, [(q, len(found[q]), len(live[q])) for q in mismatched]
    assert sum(map(len, live.values())) > 3000
    assert errors == []
    assert requests and all(url.startswith(base + "/") for url in requests), requests


def test_offline_snippets_show_the_path_once_without_the_number(site, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto((site["dir"] / "search.html").as_uri())
    results = page.evaluate("async () => await PortalSearch.query('结案回访')")
    context.close()
    [hit] = [r for r in results if r["url"].endswith("#s-4-2-1-4")]
    assert hit["label"] == "QP-CS-01 › 4.2.1 d"
    assert hit["snippet"] == "结案回访：结案后7天内完成；"
    assert hit["marks"] == [[0, 4]]
    for result in results:  # no snippet starts with its clause's number again
        number = result["label"].split(" › ")[-1].split()[-1]
        assert not result["snippet"].lstrip("…").startswith(number + " "), result


def test_offline_search_page_from_the_header_box(site, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto((site["dir"] / "procedures" / "qp-adm-01.html").as_uri())
    page.fill("#header-q", "客户投诉")
    page.press("#header-q", "Enter")
    page.wait_for_selector("#offline-results .offline-search-status")
    count = page.locator(".offline-search-result").count()
    assert count == len(site["live"]["客户投诉"])
    first = page.locator(".offline-search-result a").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_load_state()
    assert page.url == href and "#" in href
    anchor = href.split("#", 1)[1]
    assert page.locator(f"[id='{anchor}']").count() == 1
    context.close()
