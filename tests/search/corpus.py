"""The seed library for search tests: the bundled Markdown procedures plus the five legacy seed
pages (imported with the importer), the substring oracle, and a fixed list of queries.

The oracle reads the clause tables, not the search index, so it checks the index: a clause
matches when normalize(number + heading + text) contains every term (search_text.matches).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.procedures import services
from portal.procedures.models import ISSUED, Clause, Procedure, Revision, RevisionStatus
from portal.search.text import matches, normalize, parse_query

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(
    not sorted(SEEDS.glob("*.txt")), reason=f"seed pages not found in {SEEDS}"
)

# Terms of 1, 2, 3 and 5 characters (common, rare, punctuation, ASCII, absent), AND queries and
# quoted phrases. More terms are cut from the corpus itself (sample_terms).
FIXED_QUERIES = [
    "章", "表", "印", "修", "，", "、", "（", "z",
    "客户", "投诉", "印章", "回访", "档案", "审批", "售后", "5、", "qp", "。第",
    "总经理", "满意度", "保修期", "品质部", "ssp", "SSP", "5、2", "第五条",
    "客户投诉", "售后服务", "回访记录", "办公用品", "客户意见处理表",
    "售后服务工作", "客户投诉处理", "丰田SSP标准", "不存在的词语xyz",
    "客户 投诉", "客户\u3000投诉 处理", "售后 维修", "章 表", "印章 审批 经理",
    '"第一条 为规范"', "“4.2.1 除另有”", '"5、2 非质量"', "投诉 不存在的词语xyz",
]  # fmt: skip


def load_library(seeds: bool = True) -> None:
    """The bundled procedures, and the seed pages through the legacy importer, issued as
    documents in force on paper (imported as drafts they would be neither listed nor searched)."""
    services.load_markdown_dir()
    if seeds:
        paths = sorted(SEEDS.glob("*.txt"))
        services.import_legacy_files(((p.name, p.read_bytes()) for p in paths), issue=True)
    db.session.commit()


# The library does not change while a module holds it (library_app): its clause texts are read
# once per module, and each query's answer once, not once per oracle call.
_TEXTS: dict = {}  # include_superseded -> texts; ("found", query, ...) -> clause ids


def clause_texts(include_superseded: bool = False) -> list[tuple[int, str, SimpleNamespace, str]]:
    """(clause id, normalized search text, the procedure's category and owner department,
    revision status) in listing order."""
    if include_superseded in _TEXTS:
        return _TEXTS[include_superseded]
    rows = db.session.execute(
        select(Clause, Revision.status, Procedure)
        .join(Revision, Clause.revision_id == Revision.id)
        .join(Procedure, Revision.procedure_id == Procedure.id)
        .where(Revision.status.in_(ISSUED))
        .order_by(Clause.id)
    ).all()
    out = []
    for clause, status, procedure in rows:
        if procedure.hidden or (status != RevisionStatus.CURRENT and not include_superseded):
            continue
        text = normalize(" ".join((clause.number, clause.heading, clause.text)))
        about = SimpleNamespace(
            category=procedure.category, owner_department=procedure.owner_department
        )
        out.append((clause.id, text, about, status))
    _TEXTS[include_superseded] = out
    return out


def oracle(q: str, *, include_superseded=False, category=None, department=None) -> list[int]:
    key = ("found", q, include_superseded, category, department)
    if key not in _TEXTS:
        terms = parse_query(q)
        _TEXTS[key] = [
            clause_id
            for clause_id, text, procedure, _ in clause_texts(include_superseded)
            if matches(text, terms)
            and (not category or procedure.category == category)
            and (not department or procedure.owner_department == department)
        ]
    return list(_TEXTS[key])


def sample_terms(lengths=(1, 2, 3, 5), per_length: int = 6) -> list[str]:
    """Substrings of the library's text at evenly spread places, `per_length` of each length
    (no spaces or quotes inside, so each is one term)."""
    texts = [text for _, text, _, _ in clause_texts() if text]
    joined = "\n".join(texts)
    terms: list[str] = []
    for length in lengths:
        step = max(1, len(joined) // (per_length + 1))
        for k in range(1, per_length + 1):
            start = k * step
            while start + length <= len(joined):  # the first usable piece from here on
                piece = joined[start : start + length]
                if not any(ch in ' \n"“”' for ch in piece) and piece not in terms:
                    terms.append(piece)
                    break
                start += 1
    return terms


@contextmanager
def library_app(seeds: bool = True):
    """A module-level app context on the test database holding the library (emptied after)."""
    from portal import create_app
    from tests.conftest import PortalTestClient, clear_database, make_config

    app = create_app(make_config())
    app.test_client_class = PortalTestClient
    _TEXTS.clear()
    with app.app_context():
        load_library(seeds)
        try:
            yield app
        finally:
            _TEXTS.clear()
            db.session.remove()
            clear_database()
            db.session.remove()
            db.engine.dispose()
