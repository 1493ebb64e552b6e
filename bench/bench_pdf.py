"""Benchmark the PDF renderer on the sample one-page 用印申请单.

Prints `name value unit` lines: pdf.record_median_ms (target < 150 ms), pdf.record_kb
(target < 40 KB, 1 KB = 1024 bytes) and pdf.fonts_build_s when the fonts had to be built.
Run: python bench/bench_pdf.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere, like the tests import the repo

from portal.pdf import render_pdf  # noqa: E402
from portal.pdf.fonts import DEFAULT_FONT_DIR, build_fonts, fonts_up_to_date  # noqa: E402
from tests.pdf.samples import make_pdf_app, seal_request_record  # noqa: E402

WARMUPS = 3
RUNS = 20


def main() -> int:
    if not fonts_up_to_date(DEFAULT_FONT_DIR):
        started = time.perf_counter()
        build_fonts(DEFAULT_FONT_DIR)
        print(f"pdf.fonts_build_s {time.perf_counter() - started:.1f} s")
    # The same bare app as tests/pdf until create_app() renders PDFs.
    app = make_pdf_app(PDF_FONT_DIR=str(DEFAULT_FONT_DIR))
    record = seal_request_record()
    with app.app_context():
        for _ in range(WARMUPS):
            pdf = render_pdf("pdf/base_record.html", record)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            pdf = render_pdf("pdf/base_record.html", record)
            timings.append((time.perf_counter() - started) * 1000)
    print(f"pdf.record_median_ms {statistics.median(timings):.1f} ms")
    print(f"pdf.record_kb {len(pdf) / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
