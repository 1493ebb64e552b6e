"""Benchmark the offline static search over the seed corpus.

Prints ``name value unit`` lines. The corpus (seed pages split into paragraphs)
and the query list are taken from tests/procedures/test_static_search.py so the
benchmark measures exactly what the test checks. Query times are measured
inside Chromium (file://) around ``PortalSearch.query``: "cold" opens a fresh
context per query, so it includes loading meta.js and the shards it needs;
"warm" repeats the query on the same page.

``search.offline_mrr`` and ``search.offline_p_at_3`` score the offline ranking on the judged
set (tests/search/judged.yaml) over the seed library's static index, in Chromium;
``search.offline_files_median`` is the median number of index files a query of the list loads.

Run: .venv/bin/python bench/bench_static_search.py
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from playwright.sync_api import sync_playwright  # noqa: E402

from portal.search.static import build_static_index  # noqa: E402

BUILD_RUNS = 5
QUERY_JS = """async (q) => {
    const t0 = performance.now();
    const results = await PortalSearch.query(q);
    return {ms: performance.now() - t0,
            ids: results.filter(r => r.kind === "clause").map(r => r.id),
            files: PortalSearch.loadedFiles()};
}"""


def _load_test_module():
    path = ROOT / "tests" / "procedures" / "test_static_search.py"
    spec = importlib.util.spec_from_file_location("bench_static_search_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _build_ms(entries: list[dict], scratch: Path) -> float:
    timings = []
    for run in range(BUILD_RUNS):
        start = time.perf_counter()
        build_static_index(entries, scratch / f"build-{run}")
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _measure_queries(cases, site: Path, queries: list[str]) -> list[dict]:
    """One fresh context per query (cold), then the same query again (warm)."""
    measured = []
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=cases.CHROMIUM, args=cases.CHROMIUM_ARGS
        )
        for query in queries:
            context = browser.new_context()
            page = context.new_page()
            page.goto((site / "index.html").as_uri())
            cold = page.evaluate(QUERY_JS, query)
            warm = page.evaluate(QUERY_JS, query)
            cold["warm_ms"] = warm["ms"]
            cold["query"] = query
            measured.append(cold)
            context.close()
        browser.close()
    finally:
        playwright.stop()
    return measured


def _accuracy(cases, entries: list[dict], measured: list[dict]) -> tuple[float, float]:
    """Micro-averaged recall and precision of the browser against the oracle."""
    relevant = found = correct = 0
    for row in measured:
        expected = set(cases.oracle(entries, row["query"]))
        got = set(row["ids"])
        relevant, found, correct = (
            relevant + len(expected),
            found + len(got),
            correct + len(expected & got),
        )
    return correct / relevant, correct / found


def offline_judged(cases, scratch: Path) -> tuple[float, float] | None:
    """MRR and precision at 3 of the offline search on the judged set (None without seeds)."""
    from bench._common import database, make_app
    from portal.extensions import db
    from tests.search import corpus, judged, offline

    if not sorted(corpus.SEEDS.glob("*.txt")):
        return None
    with database("sqlite") as url:
        app = make_app(url)
        with app.app_context(), app.test_request_context():
            db.create_all()
            for hook in app.extensions.get("portal_schema_hooks", []):
                hook()
            corpus.load_library()
            offline.library_site(scratch / "library")
            db.session.remove()
            db.engine.dispose()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=cases.CHROMIUM, args=cases.CHROMIUM_ARGS
        )
        got = offline.ranked_offline(browser, scratch / "library", [j.q for j in judged.load()])
        browser.close()
    finally:
        playwright.stop()
    mrr, p3, _ = judged.evaluate(got.__getitem__)
    return mrr, p3


def main() -> None:
    cases = _load_test_module()
    entries = cases.seed_entries()
    if not entries:
        sys.exit(f"no seed corpus in {cases.SEED_DIR}")
    queries = cases.FIXED_QUERIES + cases.run_time_queries(entries)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        build_ms = _build_ms(entries, scratch)
        stats = cases.make_site(scratch / "site", entries)
        measured = _measure_queries(cases, scratch / "site", queries)
        sizes = {p.name: p.stat().st_size for p in (scratch / "site" / "search").iterdir()}
        figures = offline_judged(cases, scratch)
    recall, precision = _accuracy(cases, entries, measured)
    files_per_query = [len(row["files"]) for row in measured]
    kb_per_query = [sum(sizes[name] for name in row["files"]) / 1024 for row in measured]
    print(f"static_search.index_kb {stats['bytes'] / 1024:.1f} KiB")
    print(f"static_search.files {stats['files']} files")
    print(f"static_search.largest_file_kb {stats['largest_file_bytes'] / 1024:.1f} KiB")
    print(f"static_search.build_ms {build_ms:.1f} ms")
    print(f"static_search.queries {len(queries)} queries")
    print(f"static_search.query_p95_ms {_p95([r['ms'] for r in measured]):.1f} ms")
    print(f"static_search.query_p50_ms {statistics.median(r['ms'] for r in measured):.1f} ms")
    print(f"static_search.query_warm_p95_ms {_p95([r['warm_ms'] for r in measured]):.2f} ms")
    print(f"static_search.query_files_median {statistics.median(files_per_query):.0f} files")
    print(f"static_search.query_kb_median {statistics.median(kb_per_query):.1f} KiB")
    print(f"static_search.recall {recall:.3f} ratio")
    print(f"static_search.precision {precision:.3f} ratio")
    print(f"search.offline_files_median {statistics.median(files_per_query):.0f} files")
    if figures:
        print(f"search.offline_mrr {figures[0]:.3f} ratio")
        print(f"search.offline_p_at_3 {figures[1]:.3f} ratio")


if __name__ == "__main__":
    main()
