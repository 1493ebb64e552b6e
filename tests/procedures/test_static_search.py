"""The offline static search must return exactly the live search's results.

Builds the index over the seed corpus (five seed pages split into paragraphs on
blank lines, one entry per paragraph, standing in for clauses), opens a tiny
page in Debian's Chromium via file:// and via a local http.server, and compares
the browser's result ids with the Python oracle for every query.
"""

from __future__ import annotations

import functools
import re
import shutil
import threading
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portal.search.static import build_static_index
from portal.search.text import matches, normalize, parse_query

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "static" / "js" / "offline-search.js"
SEED_DIR = Path("/work/shared/seeds")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAX_INDEX_BYTES = 1024 * 1024

ONE_CHAR = ["章", "表", "单", "退", "修", "车", "客", "印"]
TWO_CHARS = ["客户", "投诉", "印章", "回访", "档案", "用品", "审批", "质量", "售后"]
THREE_TO_FIVE = ["客户投诉", "售后服务", "办公用品", "总经理", "品质部"]
THREE_TO_FIVE += ["满意度", "回访记录", "客户档案", "服务质量", "保修期"]
MIXED = ["客户 投诉", "客户\u3000投诉", "售后 维修", "ssp", "SSP", "丰田SSP标准", "不存在的词语xyz"]
FIXED_QUERIES = ONE_CHAR + TWO_CHARS + THREE_TO_FIVE + MIXED
NO_MATCH_QUERY = "不存在的词语xyz"
PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>离线搜索</title>
<script src="static/js/offline-search.js" data-search-base="search/"></script></head>
<body><input id="offline-q" type="search"><div id="offline-results"></div></body></html>
"""


# ---- corpus and site -------------------------------------------------------


def seed_entries(seed_dir: Path = SEED_DIR) -> list[dict]:
    """One entry per blank-line separated paragraph of each seed page."""
    entries = []
    for path in sorted(seed_dir.glob("*.txt")):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", path.read_text("utf-8"))]
        paragraphs = [p for p in paragraphs if p]
        code = f"SEED-{path.stem[:3]}"
        title = paragraphs[0].splitlines()[0][:40]
        for number, text in enumerate(paragraphs, 1):
            entries.append(
                {
                    "id": f"{code}-p{number}",
                    "url": f"{code.lower()}.html#p-{number}",
                    "code": code,
                    "title": title,
                    "label": f"第 {number} 段",
                    "text": text,
                }
            )
    return entries


def make_site(site: Path, entries: list[dict]) -> dict:
    """A static site: the index in search/, the script, and one search page."""
    stats = build_static_index(entries, site / "search")
    (site / "static" / "js").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCRIPT, site / "static" / "js" / "offline-search.js")
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    return stats


def _phrase(text: str, length: int = 7) -> str | None:
    """The first run of ``length`` characters from a third of the way in."""
    for start in range(len(text) // 3, len(text) - length + 1):
        phrase = text[start : start + length]
        if not re.search(r'[\s"“”]', phrase):
            return phrase
    return None


def run_time_queries(entries: list[dict]) -> list[str]:
    """Phrases of 7 characters cut from the seed text, plus quoted phrases.

    One phrase from the 1st, 101st, 201st ... paragraph (or the next one
    long enough), so the queries follow the seed text when it changes.
    """
    texts = [normalize(e["text"]) for e in entries]
    queries = []
    for index in range(0, len(texts), 100):
        phrase = next(filter(None, map(_phrase, texts[index:])), None)
        if phrase and phrase not in queries:
            queries.append(phrase)
    spaced = next(m for t in texts if (m := re.search(r'[^\s"“”]{2,4} [^\s"“”]{2,4}', t)))
    phrase = spaced.group()
    queries += [f'"{phrase}"', f"“{phrase}”", phrase]
    return queries


def oracle(entries: list[dict], query: str) -> list[str]:
    terms = parse_query(query)
    return [e["id"] for e in entries if matches(normalize(e["text"]), terms)]


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    if not sorted(SEED_DIR.glob("*.txt")):
        pytest.skip(f"seed corpus not found in {SEED_DIR}")
    return seed_entries()


@pytest.fixture(scope="module")
def seed_site(entries, tmp_path_factory):
    site = tmp_path_factory.mktemp("offline-site")
    return site, make_site(site, entries)


@pytest.fixture(scope="module")
def queries(entries) -> list[str]:
    return FIXED_QUERIES + run_time_queries(entries)


# ---- browser and server ----------------------------------------------------


@pytest.fixture(scope="module")
def chromium(browser):
    """pytest-playwright's session browser (Debian's Chromium, see tests/conftest.py): a second
    sync_playwright() in the same process would clash with its event loop."""
    return browser


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def http_origin(seed_site):
    handler = functools.partial(_QuietHandler, directory=str(seed_site[0]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


class OpenedPage:
    """A fresh browser context on one page, recording every request made."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url)

    def search_ids(self, queries: list[str]) -> dict[str, list[str]]:
        return self.page.evaluate(
            """async (qs) => {
                const out = {};
                for (const q of qs) out[q] = (await PortalSearch.query(q))
                    .filter(r => r.kind === "clause").map(r => r.id);
                return out;
            }""",
            queries,
        )

    def loaded_files(self) -> list[str]:
        return self.page.evaluate("PortalSearch.loadedFiles()")

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(chromium):
    pages = []

    def opener(url: str) -> OpenedPage:
        pages.append(OpenedPage(chromium, url))
        return pages[-1]

    yield opener
    for page in pages:
        page.close()


def assert_equals_oracle(found: dict[str, list[str]], entries: list[dict], queries: list[str]):
    """The same clauses as the oracle, each once, grouped by procedure (ranked, not in document
    order: the order itself is checked against the judged set in tests/search)."""
    code = {e["id"]: e["code"] for e in entries}
    for query in queries:
        expected, got = oracle(entries, query), found[query]
        assert set(got) == set(expected), f"{query!r}: {len(got)} found, {len(expected)} expected"
        assert len(got) == len(set(got)), f"{query!r}: a clause twice"
        runs = [c for n, c in enumerate(map(code.get, got)) if n == 0 or code[got[n - 1]] != c]
        assert len(runs) == len(set(runs)), f"{query!r}: a procedure's clauses not together"


# ---- tests -------------------------------------------------------------------


def test_query_list_is_meaningful(entries, queries):
    assert len(run_time_queries(entries)) == 8 + 3
    for query in queries:
        hits = oracle(entries, query)
        assert (query == NO_MATCH_QUERY) == (not hits), query
    assert oracle(entries, "ssp") == oracle(entries, "SSP")


def test_index_is_small_and_sharded(seed_site, entries):
    site, stats = seed_site
    files = sorted((site / "search").iterdir())
    assert stats["docs"] == len(entries)
    assert stats["files"] == len(files)
    assert stats["bytes"] == sum(f.stat().st_size for f in files)
    assert stats["bytes"] < MAX_INDEX_BYTES
    assert (site / "search" / "meta.js").stat().st_size < 8 * 1024
    assert stats["largest_file_bytes"] < 160 * 1024
    assert min(stats["shards"].values()) >= 2


def test_build_is_deterministic_and_removes_stale_shards(seed_site, entries, tmp_path):
    site, stats = seed_site
    outdir = tmp_path / "search"
    outdir.mkdir()
    (outdir / "b-fff.js").write_text("stale", encoding="utf-8")
    (outdir / "README.txt").write_text("not ours", encoding="utf-8")
    again = build_static_index(entries, outdir)
    assert again == stats
    assert not (outdir / "b-fff.js").exists()
    assert (outdir / "README.txt").exists()
    for original in (site / "search").iterdir():
        assert (outdir / original.name).read_bytes() == original.read_bytes()


def test_file_url_results_equal_oracle(seed_site, entries, queries, open_page):
    site, _ = seed_site
    opened = open_page((site / "index.html").as_uri())
    assert_equals_oracle(opened.search_ids(queries), entries, queries)
    assert opened.errors == []
    assert opened.requests
    assert all(url.startswith("file://") for url in opened.requests), opened.requests


def test_http_results_equal_oracle(http_origin, entries, queries, open_page):
    opened = open_page(f"{http_origin}/index.html")
    assert_equals_oracle(opened.search_ids(queries), entries, queries)
    assert opened.errors == []
    assert all(url.startswith(f"{http_origin}/") for url in opened.requests), opened.requests


def test_short_query_loads_few_small_files(seed_site, entries, open_page):
    site, _ = seed_site
    opened = open_page((site / "index.html").as_uri())
    assert sorted(opened.search_ids(["印章"])["印章"]) == sorted(oracle(entries, "印章"))
    loaded = opened.loaded_files()
    assert loaded[0] == "meta.js"
    assert len(loaded) <= 1 + 1 + len(oracle(entries, "印章"))
    assert sum((site / "search" / name).stat().st_size for name in loaded) < 320 * 1024
    opened.search_ids([NO_MATCH_QUERY])
    new = opened.loaded_files()[len(loaded) :]
    assert new and not [name for name in new if name.startswith("t-")]


def test_ui_groups_results_and_marks_terms(seed_site, entries, open_page):
    site, _ = seed_site
    opened = open_page((site / "index.html").as_uri())
    page = opened.page
    page.fill("#offline-q", "客户投诉")
    page.wait_for_selector("#offline-results .offline-search-status")
    expected = oracle(entries, "客户投诉")
    assert page.locator(".offline-search-result").count() == len(expected)
    codes = {e["code"] for e in entries if e["id"] in expected}
    assert page.locator(".offline-search-group h3").count() == len(codes)
    marks = page.locator(".offline-search-snippet mark").all_text_contents()
    assert "客户投诉" in marks
    assert all("客户投诉" in mark or mark in "客户投诉" for mark in marks)
    first_href = page.locator(".offline-search-result a").first.get_attribute("href")
    assert first_href.startswith(site.as_uri() + "/seed-")


# ---- parity of the JS mirror and edge cases ----------------------------------

TRICKY = [
    "  丰田SSP标准 ",
    "客户\u3000\u3000投诉\t维修\n",
    "a\u00a0b\x1cc\x85d\ufeffe\u2028f",
    "ΟΔΟΣ ΟΔΟΣ.",
    "İstanbul ＳＳＰ Ǆ",
    '"5、2  非质量" 章',
    '“售后 服务” ”客户意见处理表” 印章"使用 申请',
    'a"b c"d "" 章 章',
    "𠀀𠀁 x",
]


def test_js_normalize_and_parse_query_mirror_python(seed_site, open_page):
    site, _ = seed_site
    opened = open_page((site / "index.html").as_uri())
    got = opened.page.evaluate(
        "xs => xs.map(x => [PortalSearch.normalize(x), PortalSearch.parseQuery(x)])", TRICKY
    )
    assert got == [[normalize(x), parse_query(x)] for x in TRICKY]


def test_js_lower_case_agrees_with_python_on_assigned_characters(seed_site, open_page):
    site, _ = seed_site
    opened = open_page((site / "index.html").as_uri())
    changed_in_js = opened.page.evaluate(
        """() => {
            const out = {};
            for (let c = 0; c < 0x110000; c++) {
                if (c >= 0xd800 && c <= 0xdfff) continue;
                const s = String.fromCodePoint(c), n = PortalSearch.normalize(s);
                if (n !== s) out[c] = n;
            }
            return out;
        }"""
    )
    changed_in_python = {
        str(c): normalize(chr(c))
        for c in range(0x110000)
        if not 0xD800 <= c <= 0xDFFF and normalize(chr(c)) != chr(c)
    }
    differing = {
        int(c)
        for c in changed_in_js.keys() | changed_in_python.keys()
        if changed_in_js.get(c) != changed_in_python.get(c)
    }
    # Only characters newer than this Python's Unicode tables may differ
    # (Chromium 156 knows Unicode 16, Python 3.11 knows 14.0).
    assert len(changed_in_python) > 1400
    assert sorted(c for c in differing if unicodedata.category(chr(c)) != "Cn") == []


EDGE_ENTRIES = [
    ("x1", "qp-x.html#1", '<img src=x onerror="window.__xss=1"> 印章管理'),
    ("x2", "qp-x.html#2", "QP-ADM-01 规定 İstanbul ΟΔΟΣ"),
    ("x3", "javascript:window.__xss=2", "𠀀𠀁 生僻字 与 印章"),
    ("x4", "qp-y.html#4", "”客户意见处理表” 5、2  非质量  原因"),
    ("x5", "qp-y.html#5", ""),
]
EDGE_QUERIES = [
    "印章",
    "<img",
    "onerror",
    "qp-adm-01",
    "QP-ADM",
    "i\u0307stanbul",
    "οδος",
    "𠀀",
    "𠀀𠀁",
    "𠀁 生",
    "客户意见处理表",
    '"5、2 非质量 原因"',
    "章",
    " ",
]


def test_edge_entries_equal_oracle_and_render_safely(tmp_path, open_page):
    entries = [
        {"id": i, "url": url, "code": "QP-X", "title": "边界", "label": f"<b>{i}</b>", "text": t}
        for i, url, t in EDGE_ENTRIES
    ]
    make_site(tmp_path, entries)
    opened = open_page((tmp_path / "index.html").as_uri())
    assert_equals_oracle(opened.search_ids(EDGE_QUERIES), entries, EDGE_QUERIES)
    page = opened.page
    page.fill("#offline-q", "印章")
    page.wait_for_selector(".offline-search-status")
    assert page.locator(".offline-search-result").count() == 2
    assert page.locator("#offline-results img, #offline-results b").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.locator(".offline-search-result a").nth(1).get_attribute("href") is None
    page.fill("#offline-q", "qp-adm")
    page.wait_for_selector(".offline-search-status >> text=共 1 条结果")
    assert page.locator(".offline-search-snippet mark").all_text_contents() == ["QP-ADM"]
    [greek] = page.evaluate("PortalSearch.query('οδος')")
    # Original case is restored in snippets, except where lower-casing changed
    # the length (İ -> i̇), which stays lower-case.
    assert greek["snippet"] == "QP-ADM-01 规定 i\u0307stanbul ΟΔΟΣ"
    start, end = greek["marks"][0]
    assert greek["snippet"][start:end] == "ΟΔΟΣ"
    assert opened.errors == []


def test_missing_or_stale_shards_fail_loudly(tmp_path, open_page):
    def site_for(folder: Path, text: str) -> Path:
        entry = {"id": "a", "url": "a.html", "code": "C", "title": "T", "label": "L", "text": text}
        make_site(folder, [entry])
        return folder

    site = site_for(tmp_path / "site", "印章管理")
    other = site_for(tmp_path / "other", "印章管理办法")
    shutil.copyfile(other / "search" / "t-00.js", site / "search" / "t-00.js")
    outcome = """q => PortalSearch.query(q).then(r => "ok " + r.length, e => e.message)"""
    assert "from another build" in open_page((site / "index.html").as_uri()).page.evaluate(
        outcome, "印章"
    )
    for shard in (site / "search").glob("g-*.js"):
        shard.unlink()
    opened = open_page((site / "index.html").as_uri())
    assert "cannot load" in opened.page.evaluate(outcome, "章")
    opened.page.fill("#offline-q", "章")
    opened.page.wait_for_selector(".offline-search-error")
