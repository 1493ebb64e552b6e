"""Benchmark the live search on 1,000 generated procedures (~30 MB of Chinese, bench/corpus.py)
against a naive LIKE scan of the same table, and its ranking on the judged query set.

Both sides answer the question the results page asks: the first 100 clauses with their
highlighted snippets, and how many match. Ours is `search.query()` (FTS5 candidates, every hit
checked by substring, ranked; matches counted up to COUNT_LIMIT); the scan is
`body LIKE '%term%'` for every term over every current clause (exact count, listing order).
Each query runs once to warm up, then RUNS times; a query's figure is its median, and p50/p95
are taken over the 20 queries (a third of them 1–2 characters). Our page must be matches of the
scan (all of them when there are no more than a page), so a fast wrong answer cannot pass.

`search.mrr` and `search.p_at_3` score the ranking on tests/search/judged.yaml over the seed
library (the bundled procedures and the legacy seed pages). With DATABASE_URL pointing at
PostgreSQL, the same figures come from a PostgreSQL database too (`search.pg_*`).

Run: .venv/bin/python bench/bench_search.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import database, emit, make_app, percentile, postgres_url  # noqa: E402
from bench.corpus import corpus_app  # noqa: E402

RUNS = 7
PAGE = 100
# 7 of 20 have 1–2 characters; then 3–7 characters, AND queries and a quoted phrase.
QUERIES = [
    "章", "印", "修", "客户", "印章", "回访", "档案",
    "售后服务", "客户投诉", "办公用品", "总经理", "满意度", "保修期", "服务质量",
    "回访记录", "“客户意见处理表”", "客户 投诉", "售后 维修", "质量问题 处理", "印章 审批",
]  # fmt: skip


def like_query(q: str):
    """The naive search: a LIKE scan of every current clause, then the same page building."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.procedures.models import SearchClause
    from portal.search import index as search
    from portal.search.text import parse_query

    terms = parse_query(q)
    stmt = select(SearchClause.clause_id).where(
        SearchClause.is_current.is_(True), SearchClause.hidden.is_(False)
    )
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(SearchClause.body.like(f"%{escaped}%", escape="\\"))
    ids = list(db.session.scalars(stmt.order_by(SearchClause.clause_id)))
    return ids, search._groups([(i, 0.0, -1) for i in ids[:PAGE]], terms, [])


def timed(fn, q: str) -> tuple[float, object]:
    fn(q)  # warm-up: the pages this query needs are read once before timing
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn(q)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.procedures.models import Procedure, SearchClause
    from portal.search import index as search

    app = corpus_app()
    with app.app_context(), app.test_request_context():
        procedures = db.session.scalar(select(func.count()).select_from(Procedure))
        chars = db.session.scalar(select(func.sum(func.length(SearchClause.body))))
        ours, naive = [], []
        for q in QUERIES:
            ms, result = timed(lambda q: search.query(q, limit=PAGE), q)
            like_ms, (ids, _) = timed(like_query, q)
            page = [h.clause_id for h in result.hits]
            if not set(page) <= set(ids) or len(page) != min(PAGE, len(ids)):
                raise SystemExit(f"search and LIKE disagree on {q!r}")
            if result.total != min(len(ids), search.COUNT_LIMIT) or not ids:
                raise SystemExit(f"bad count for {q!r}: {result.total} vs {len(ids)}")
            ours.append(ms)
            naive.append(like_ms)
            print(f"# {q}: {ms:.2f} ms, LIKE {like_ms:.1f} ms, {len(ids)} hits", file=sys.stderr)
    emit("search.corpus_procedures", procedures, "count")
    emit("search.corpus_chars", chars, "count")
    emit("search.p50_ms", percentile(ours, 50), "ms")
    emit("search.p95_ms", percentile(ours, 95), "ms")
    emit("search.like_p50_ms", percentile(naive, 50), "ms")
    emit("search.like_p95_ms", percentile(naive, 95), "ms")
    emit("search.speedup", percentile(naive, 95) / percentile(ours, 95), "x")
    judged_figures("sqlite", "search")
    if postgres_url():
        judged_figures("postgresql", "search.pg")
        postgresql_times()


def postgresql_times() -> None:
    """The same 20 queries over the same generated corpus, loaded into a fresh PostgreSQL
    database (bench/corpus.py's generator; this takes minutes)."""
    from bench.corpus import PROCEDURES, TARGET_BYTES, _insert
    from portal.demo import load_organisation
    from portal.extensions import db
    from portal.search import index as search

    with database("postgresql") as url:
        app = make_app(url)
        with app.app_context(), app.test_request_context():
            db.create_all()
            for hook in app.extensions.get("portal_schema_hooks", []):
                hook()
            load_organisation()
            _insert(PROCEDURES, TARGET_BYTES)
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            times = []
            for q in QUERIES:
                ms, result = timed(lambda q: search.query(q, limit=PAGE), q)
                if not result.total:
                    raise SystemExit(f"nothing found on PostgreSQL for {q!r}")
                times.append(ms)
                print(f"# pg {q}: {ms:.2f} ms", file=sys.stderr)
            db.session.remove()
            db.engine.dispose()
    emit("search.pg_p50_ms", percentile(times, 50), "ms")
    emit("search.pg_p95_ms", percentile(times, 95), "ms")


def judged_figures(kind: str, prefix: str) -> None:
    """MRR and precision at 3 on the judged set, over the seed library in a fresh database."""
    from portal.extensions import db
    from portal.search import index as search
    from tests.search import corpus, judged

    if not sorted(corpus.SEEDS.glob("*.txt")):
        print(f"# no seed pages in {corpus.SEEDS}: no judged figures", file=sys.stderr)
        return
    with database(kind) as url:
        app = make_app(url)
        with app.app_context(), app.test_request_context():
            db.create_all()
            for hook in app.extensions.get("portal_schema_hooks", []):
                hook()
            corpus.load_library()
            mrr, p3, _ = judged.evaluate(lambda q: judged.item_keys(search.query(q)))
            db.session.remove()
            db.engine.dispose()
    emit(f"{prefix}.mrr", mrr, "ratio")
    emit(f"{prefix}.p_at_3", p3, "ratio")


if __name__ == "__main__":
    main()
