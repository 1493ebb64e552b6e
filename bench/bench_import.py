"""Benchmark the legacy import: speed over the seed pages, and the scorer's figures.

Prints ``name value unit`` lines: ``import.seeds_s`` (wall time to parse, store and commit all
seed pages; target under 2 s on SQLite), ``import.documents`` and ``import.clauses``; then the
scorer's figures (see ``portal/procedures/importer/score.py``) on the fixture corpus
(``import.corpus.*``: titles, metadata, noise, clause precision, recall and nesting) and on the
documents written apart from the importer's fixes (``import.holdout.*``,
``tests/procedures/holdout``; ``import.holdout2.*``, a second such batch in
``tests/procedures/holdout2``, scored before any fix), on the seed pages (``import.seeds.*``: documents, titles, codes and noise, checked against the tables
of ``tests/procedures/test_importer_seeds.py``), and ``import.seeds.precision``, ``.recall`` and
``.nesting``: the clause figures against the seeds' full expected outlines
(``tests/procedures/seeds_expected``, scored as ``test_importer_seed_outline.py`` does).
Each speed run uses a new database; the best of a few runs is reported.

Run: .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import importlib.util
import sys
import time

from _common import ROOT, database, emit, make_app

SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS = ROOT / "tests" / "procedures" / "corpus"
HOLDOUT = ROOT / "tests" / "procedures" / "holdout"
HOLDOUT2 = ROOT / "tests" / "procedures" / "holdout2"
SEED_TABLES = ROOT / "tests" / "procedures" / "test_importer_seeds.py"
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


def emit_score(prefix: str, score) -> None:
    for name, value, _unit in score.figures():
        if name.startswith(("clause_", "nesting")) and not score.clauses_expected:
            continue  # no expected outline: the clause figures would be meaningless ones
        unit = "ratio" if isinstance(value, float) else "count"
        emit(f"{prefix}.{name}", value, unit)
    emit(f"{prefix}.documents_expected", score.documents_expected, "count")


def corpus_score(folder=CORPUS):
    from portal.procedures.importer.score import score_directory

    return score_directory(folder)


def seeds_score():
    """The seed test's own tables (titles, codes, noise) as expectations, one page at a time."""
    from portal.procedures.importer import parse_page
    from portal.procedures.importer.score import Expected, ExpectedDocument, Score, score_documents

    spec = importlib.util.spec_from_file_location("seed_tables", SEED_TABLES)
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    total = Score()
    for key, name in tables.FILES.items():
        wanted = []
        for index, title in enumerate(tables.TITLES[key]):
            code, revision, date = tables.CODES.get((key, index), (None, None, None))
            metadata = {"code": code, "revision": revision, "effective_date": date}
            wanted.append(ExpectedDocument(title, {k: v for k, v in metadata.items() if v}))
        expected = Expected(wanted, list(tables.NOISE), ("code", "revision", "effective_date"))
        docs = parse_page((SEEDS / name).read_text("utf-8"), name)
        total.add(score_documents(docs, expected, name))
    return total


def seeds_outline_score():
    """Clause precision, recall and nesting against tests/procedures/seeds_expected."""
    from tests.procedures.test_importer_seed_outline import score_seeds

    score, _wrong = score_seeds(SEEDS)
    return score


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
    emit_score("import.corpus", corpus_score())
    emit_score("import.holdout", corpus_score(HOLDOUT))
    emit_score("import.holdout2", corpus_score(HOLDOUT2))
    emit_score("import.seeds", seeds_score())
    outline = seeds_outline_score()
    emit("import.seeds.precision", round(outline.precision, 4), "ratio")
    emit("import.seeds.recall", round(outline.recall, 4), "ratio")
    emit("import.seeds.nesting", round(outline.nesting, 4), "ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
