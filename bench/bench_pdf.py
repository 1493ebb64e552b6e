"""Benchmark the PDF renderer on the sample one-page 用印申请单 and on registers.

Prints `name value unit` lines: pdf.record_median_ms (target < 150 ms), pdf.record_kb
(target < 40 KB, 1 KB = 1024 bytes), pdf.fonts_build_s when the fonts had to be built;
pdf.register_500_ms (a 印章使用登记表 of 500 rows, target < 3,000 ms: issue 18) beside
pdf.reference_10_rows_ms (the same register at 10 rows, in the same run), its CPU time
pdf.register_500_cpu_ms (steadier than wall time on a shared machine), pdf.register_500_kb,
pdf.register_500_pages, and pdf.register_500_weasyprint_ms (the same 500 rows through the
template and WeasyPrint, what portal.pdf.grid replaced; BENCH_PDF_WEASYPRINT=0 skips it).
Run: python bench/bench_pdf.py
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere, like the tests import the repo

from flask import render_template  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from portal.pdf import html_to_pdf, render_pdf  # noqa: E402
from portal.pdf.fonts import DEFAULT_FONT_DIR, build_fonts, fonts_up_to_date  # noqa: E402
from tests.pdf.samples import make_pdf_app, seal_register_data, seal_request_record  # noqa: E402

WARMUPS = 3
RUNS = 20
REGISTER_RUNS = 5


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
    with app.app_context():
        registers(seal_register_data(500), seal_register_data(10))
    return 0


def median_ms(render, runs: int) -> tuple[float, bytes]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        pdf = render()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), pdf


def registers(big: dict, small: dict) -> None:
    """The 500-row register and, interleaved, the 10-row one: the machine may be shared, the
    ratio of the two says more than either alone."""
    render_pdf("pdf/register.html", small)  # warm-up: fonts loaded
    big_ms, small_ms, big_cpu = [], [], []
    for _ in range(REGISTER_RUNS):
        cpu = time.process_time()
        ms, pdf = median_ms(lambda: render_pdf("pdf/register.html", big), 1)
        big_cpu.append((time.process_time() - cpu) * 1000)
        big_ms.append(ms)
        small_ms.append(median_ms(lambda: render_pdf("pdf/register.html", small), 1)[0])
    print(f"pdf.register_500_ms {statistics.median(big_ms):.0f} ms")
    print(f"pdf.register_500_cpu_ms {statistics.median(big_cpu):.0f} ms")
    print(f"pdf.reference_10_rows_ms {statistics.median(small_ms):.0f} ms")
    print(f"pdf.register_500_kb {len(pdf) / 1024:.1f} KB")
    print(f"pdf.register_500_pages {len(PdfReader(io.BytesIO(pdf)).pages)} pages")
    if os.environ.get("BENCH_PDF_WEASYPRINT", "1") != "0":
        html = render_template("pdf/register.html", **big)
        ms, _ = median_ms(lambda: html_to_pdf(html), 1)
        print(f"pdf.register_500_weasyprint_ms {ms:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
