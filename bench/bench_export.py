"""Benchmark the static export of 1,000 generated procedures (bench/corpus.py, ~30 MB): every page
rendered from the reading templates, the offline search index built, the assets copied.

Run: .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import emit  # noqa: E402
from bench.corpus import corpus_app  # noqa: E402


def main() -> None:
    from portal.procedures.export import export_static

    app = corpus_app()
    scratch = Path(tempfile.mkdtemp(prefix="portal-bench-export-"))
    try:
        with app.app_context():
            start = time.perf_counter()
            result = export_static(scratch / "site")
            seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    emit("export.static_1000_s", seconds, "s")
    emit("export.static_1000_procedures", result.procedures, "count")
    emit("export.static_1000_files", result.files, "count")
    emit("export.static_1000_mb", result.bytes / 1e6, "MB")
    emit("export.static_1000_index_mb", result.index["bytes"] / 1e6, "MB")
    emit("export.static_1000_index_largest_kb", result.index["largest_file_bytes"] / 1024, "KB")


if __name__ == "__main__":
    main()
