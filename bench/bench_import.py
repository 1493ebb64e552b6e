"""Benchmark the legacy import over the seed pages: parse and store into a fresh database.

Prints ``name value unit`` lines: ``import.seeds_s`` (wall time to parse, store and commit all
seed pages; target under 2 s on SQLite), ``import.documents`` and ``import.clauses``. Each run
uses a new database; the best of a few runs is reported so a cold cache does not decide it.

Run: .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import sys
import time

from _common import ROOT, database, emit, make_app

SEEDS = ROOT.parent / "shared" / "seeds"
RUNS = 3


def one_run(files: list[tuple[str, bytes]]) -> tuple[float, int, int]:
    from portal.extensions import db
    from portal.procedures.services import import_legacy_files

    with database("sqlite") as url:
        app = make_app(url)
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            results = import_legacy_files(files)
            db.session.commit()
            elapsed = time.perf_counter() - started
            documents = [d for r in results for d in r.documents]
            clauses = sum(d.clause_count for d in documents)
            db.session.remove()
            db.engine.dispose()
    return elapsed, len(documents), clauses


def main() -> int:
    paths = sorted(SEEDS.glob("*.txt"))
    if not paths:
        print(f"no seed pages in {SEEDS}", file=sys.stderr)
        return 1
    files = [(p.name, p.read_bytes()) for p in paths]
    elapsed, documents, clauses = min(one_run(files) for _ in range(RUNS))
    emit("import.seeds_s", elapsed, "s")
    emit("import.documents", documents, "count")
    emit("import.clauses", clauses, "count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
