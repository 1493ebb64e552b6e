"""Benchmark the controlled-copy PDF of a 20-page procedure (/procedures/<code>/pdf).

The procedure is generated from the seed vocabulary (bench/corpus.py): chapters and articles,
about 30,000 characters. Figures: the render time (median of RUNS after one warm-up render,
which pays for the font setup; the cold render is reported too), the file size and the pages.

Run: .venv/bin/python bench/bench_procedure_pdf.py
"""

from __future__ import annotations

import re
import statistics
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import database, emit, make_app  # noqa: E402

RUNS = 3
# Bytes of clause text (UTF-8) that lay out as about 20 A4 pages in templates/procedures/pdf.html.
TARGET_BYTES = 84_000


def page_count(pdf: bytes) -> int:
    """Page objects, counted in the inflated object streams (WeasyPrint compresses them)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", b"\n".join(parts)))


def main() -> None:
    from bench.corpus import _insert
    from portal.demo import load_organisation
    from portal.extensions import db
    from portal.procedures.models import Revision
    from portal.procedures.pdf import procedure_pdf

    with database() as url:
        app = make_app(url)
        with app.app_context():
            db.create_all()
            for hook in app.extensions.get("portal_schema_hooks", []):
                hook()
            load_organisation()
            _insert(1, TARGET_BYTES)
            revision = db.session.get(Revision, 1)
            start = time.perf_counter()
            pdf = procedure_pdf(revision)
            cold = time.perf_counter() - start
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                pdf = procedure_pdf(revision)
                times.append(time.perf_counter() - start)
            chars = sum(len(c.text) for c in revision.clauses)
            db.engine.dispose()
    emit("pdf.procedure_20p_s", statistics.median(times), "s")
    emit("pdf.procedure_20p_cold_s", cold, "s")
    emit("pdf.procedure_20p_kb", len(pdf) / 1024, "KB")
    emit("pdf.procedure_20p_pages", page_count(pdf), "pages")
    emit("pdf.procedure_20p_chars", chars, "count")


if __name__ == "__main__":
    main()
