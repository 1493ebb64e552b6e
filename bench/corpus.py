"""A large procedure corpus for the benchmarks: 1,000 procedures (~30 MB of Chinese) made from
the seed pages' vocabulary, written straight into a SQLite database with the search index.

The seed text is read at run time (../shared/seeds) and never copied into the repository. The
generator is deterministic: the same seeds give the same corpus. Rows are bulk-inserted with
explicit ids (no Markdown rendering per clause), then `search.reindex_all()` builds the index.
The database is cached in the temp folder, keyed by the seeds and this file's version, so the
search and export benchmarks share one build.

    from bench.corpus import corpus_app
    app = corpus_app()          # a Flask app on the cached corpus database
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from markupsafe import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT.parent / "shared" / "seeds"
VERSION = 5  # bump when the generator changes, so cached corpora are rebuilt
PROCEDURES = 1000
TARGET_BYTES = 30_000  # of clause text per procedure (UTF-8): 1,000 of them make ~30 MB
RANDOM_SEED = 20261124
CATEGORIES = ["行政管理", "客户服务", "质量管理", "生产管理", "财务管理", "人事管理", "安全管理"]
DEPARTMENTS = ["GMO", "ADM", "SAL", "FIN", "QA", "CS", "PRD"]
DIGITS = "零一二三四五六七八九"
TITLE_END = re.compile(r"(制度|办法|细则|程序|规定|流程|标准|规范|职责|要求)$")
HEADING = re.compile(r"^\s*\d+(?:[、.．]\d+)*[、.．]?\s*([\u4e00-\u9fff]{2,10})\s*$")


def chinese_number(n: int) -> str:
    """1..999 as written in 第N条: 十一, 二十, 一百零五."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    out = f"{DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("一" if hundreds else "") + "十" if tens == 1 else f"{DIGITS[tens]}十"
    elif hundreds and units:
        out += "零"
    if units:
        out += DIGITS[units]
    return out or DIGITS[0]


class Vocabulary:
    """Sentences, titles and headings cut from the seed pages."""

    def __init__(self, seeds: Path = SEEDS):
        paths = sorted(seeds.glob("*.txt"))
        if not paths:
            raise SystemExit(f"seed pages not found in {seeds}")
        text = "\n".join(p.read_text(encoding="utf-8") for p in paths)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        pieces = re.split(r"(?<=[。；！？])|\n", text)
        self.sentences = sorted(
            {s.strip() for s in pieces if 8 <= len(s.strip()) <= 120 and _mostly_chinese(s)}
        )
        self.titles = sorted({t for t in lines if 4 <= len(t) <= 16 and TITLE_END.search(t)})
        self.headings = sorted({m.group(1) for t in lines if (m := HEADING.match(t))})
        self.digest = hashlib.sha256(text.encode()).hexdigest()[:12]


def _mostly_chinese(text: str) -> bool:
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return cjk * 2 >= len(text)


def generate(vocab: Vocabulary, count: int = PROCEDURES, target: int = TARGET_BYTES):
    """Yield (procedure dict, [clause dict]) with chapters (第N章 heading) and articles."""
    rng = random.Random(RANDOM_SEED)
    for i in range(count):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        clauses, size, article, chapter = [], 0, 0, 0
        while size < target * rng.uniform(0.85, 1.15):
            chapter += 1
            heading = rng.choice(vocab.headings)
            clauses.append(_clause(f"第{chinese_number(chapter)}章", "chapter", heading, "", 0))
            clauses[-1]["anchor"] = f"ch-{chapter}"
            for _ in range(rng.randint(4, 12)):
                article += 1
                text = "".join(rng.choice(vocab.sentences) for _ in range(rng.randint(1, 4)))
                number = f"第{chinese_number(article)}条"
                clauses.append(_clause(number, "article", "", text, 1, f"art-{article}"))
                size += len(text.encode())
        procedure = {
            "code": f"BK-{department}-{i + 1:04d}",
            "title": f"{rng.choice(vocab.titles)}（{i + 1}）",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "owner_department": department,
        }
        yield procedure, clauses


def _clause(number, style, heading, text, depth, anchor=""):
    return {
        "number": number,
        "style": style,
        "heading": heading,
        "text": text,
        "depth": depth,
        "anchor": anchor,
        "citation": number,
        "html": f"<p>{escape(text)}</p>" if text else "",
    }


def _insert(count: int, target: int) -> dict:
    """Bulk-insert the generated corpus into the current app's database; returns statistics."""
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.procedures.models import Clause, Procedure, Revision
    from portal.search import index as search

    vocab = Vocabulary()
    procedures, revisions, clauses = [], [], []
    clause_id, chars = 0, 0
    for n, (procedure, rows) in enumerate(generate(vocab, count, target), 1):
        procedures.append({"id": n, **procedure, "forms": [], "deadlines": {}})
        revisions.append(
            {
                "id": n,
                "procedure_id": n,
                "label": "A/0",
                "title": procedure["title"],
                "effective_date": date(2026, 1, 1),
                "source_format": "markdown",
                "source_text": "",
                "content_hash": hashlib.sha256(str(n).encode()).hexdigest(),
            }
        )
        chapter_id = None
        for position, row in enumerate(rows):
            clause_id += 1
            chapter_id = clause_id if row["depth"] == 0 else chapter_id
            parent = None if row["depth"] == 0 else chapter_id
            clauses.append(
                {"id": clause_id, "revision_id": n, "parent_id": parent, "position": position} | row
            )
            chars += len(row["text"])
    db.session.execute(insert(Procedure), procedures)
    db.session.execute(insert(Revision), revisions)
    for start in range(0, len(clauses), 5000):
        db.session.execute(insert(Clause), clauses[start : start + 5000])
    indexed = search.reindex_all()
    db.session.commit()
    text_bytes = sum(len(c["text"].encode()) for c in clauses)
    return {"procedures": count, "clauses": indexed, "chars": chars, "bytes": text_bytes}


def corpus_path(count: int = PROCEDURES) -> Path:
    digest = Vocabulary().digest
    return Path(tempfile.gettempdir()) / f"portal-bench-corpus-v{VERSION}-{count}-{digest}.db"


def corpus_app(count: int = PROCEDURES, target: int = TARGET_BYTES, quiet: bool = False):
    """A Flask app on the cached corpus database, building it first when needed."""
    from bench._common import make_app
    from portal.demo import load_organisation
    from portal.extensions import db

    path = corpus_path(count)
    if not path.exists():
        building = path.with_suffix(f".{os.getpid()}.tmp")
        started = time.perf_counter()
        app = make_app(f"sqlite:///{building}")
        with app.app_context():
            db.create_all()
            for hook in app.extensions.get("portal_schema_hooks", []):
                hook()
            load_organisation()
            stats = _insert(count, target)
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.commit()
            db.engine.dispose()
        building.rename(path)
        for suffix in ("-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        if not quiet:
            print(
                f"# corpus: {stats['procedures']} procedures, {stats['clauses']} clauses, "
                f"{stats['bytes'] / 1e6:.1f} MB of clause text, built in "
                f"{time.perf_counter() - started:.0f} s ({path})",
                file=sys.stderr,
            )
    return make_app(f"sqlite:///{path}")


if __name__ == "__main__":
    corpus_app()
    print(corpus_path())
