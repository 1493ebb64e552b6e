"""The judged set scored on the offline search: the library's export entries (with clause
headings) and procedures built into a static index, queried in Chromium, and the results turned
into judged items ("CODE" for a procedure, "CODE#anchor" for a clause). Shared by the test and
bench/bench_static_search.py."""

from __future__ import annotations

import shutil
from pathlib import Path

from portal.search import index as search
from portal.search.static import build_static_index, export_documents

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "static" / "js" / "offline-search.js"
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<script src="static/js/offline-search.js" data-search-base="search/"></script></head>
<body></body></html>
"""
QUERY_ALL_JS = """async (qs) => {
    const out = {};
    for (const q of qs) {
        out[q] = (await PortalSearch.query(q)).map(r => r.kind === "procedure"
            ? r.code : r.code + "#" + r.url.split("#")[1]);
    }
    return out;
}"""


def page_name(code: str) -> str:
    return f"procedures/{code.lower()}.html"


def library_site(site: Path) -> dict:
    """Build the offline index of the library in the current app context into `site`."""
    entries = search.export_entries(page_name)  # with each clause's heading
    stats = build_static_index(entries, site / "search", export_documents(page_name))
    (site / "static" / "js").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCRIPT, site / "static" / "js" / "offline-search.js")
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    return stats


def ranked_offline(browser, site: Path, queries: list[str]) -> dict[str, list[str]]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((site / "index.html").as_uri())
        return page.evaluate(QUERY_ALL_JS, queries)
    finally:
        context.close()
