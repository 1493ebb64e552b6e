"""Procedures, revisions and clauses: loading the bundled Markdown, re-loading, superseding, the
API other domains call, legacy codes and read acknowledgements."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.procedures import services
from portal.procedures.models import Clause, Procedure, ProcedureRead, Revision, RevisionStatus

DOCS = Path(__file__).resolve().parents[2] / "docs" / "procedures"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def library(app):
    results = services.load_markdown_dir(DOCS)
    db.session.commit()
    return {r.procedure.code: r for r in results}


def changed_text(code: str, old: str, new: str, revision: str = "A/1") -> str:
    text = (DOCS / f"{code.lower()}.md").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).replace("revision: A/0", f"revision: {revision}", 1)


def test_all_bundled_procedures_load_with_their_front_matter(library):
    assert set(library) == {
        "QP-ADM-01", "QP-ADM-02", "QP-ADM-03", "QP-ADM-04", "QP-CS-01", "QP-CS-02", "QP-CS-03",
    }  # fmt: skip
    assert all(r.status == "created" for r in library.values())
    cs01 = library["QP-CS-01"].procedure
    assert cs01.title == "客户投诉处理程序"
    assert (cs01.category, cs01.owner_department) == ("客户服务", "CS")
    assert cs01.reviewed and not cs01.hidden
    assert {"name": "客户投诉登记表", "endpoint": "complaints.new"} in cs01.forms
    revision = cs01.current_revision
    assert (revision.label, revision.effective_date) == ("A/0", date(2026, 1, 1))
    assert revision.source_format == "markdown" and revision.change_note == "首次发布"
    assert len(revision.content_hash) == 64
    for result in library.values():
        anchors = [c.anchor for c in result.revision.clauses]
        assert len(anchors) > 20
        assert len(anchors) == len(set(anchors))
        assert all(a.isascii() for a in anchors)
        assert result.revision.rendered_html.count("<section") == len(anchors)


def test_clause_tree_and_citations(library):
    revision = library["QP-ADM-01"].revision
    by_anchor = {c.anchor: c for c in revision.clauses}
    item = by_anchor["art-5-1"]
    assert item.parent.anchor == "art-5" and item.parent.parent.anchor == "ch-2"
    assert item.depth == 2 and item.citation == "第五条（一）"  # full-width brackets
    assert by_anchor["ch-2"].heading == "印章的种类与刻制"
    positions = [c.position for c in revision.clauses]
    assert positions == sorted(positions) == list(range(len(positions)))
    cs = {c.anchor: c for c in library["QP-CS-01"].revision.clauses}
    assert cs["s-4-2-1"].citation == "4.2.1"
    assert cs["s-4-2-1-1"].citation == "4.2.1 a"
    assert cs["s-4-2-1"].path == "4.2.1"


def test_reloading_identical_text_changes_nothing(library):
    before = (count(Procedure), count(Revision), count(Clause))
    again = services.load_markdown_dir(DOCS)
    db.session.commit()
    assert all(r.status == "unchanged" for r in again)
    assert (count(Procedure), count(Revision), count(Clause)) == before
    assert [r.revision.id for r in again] == [library[r.procedure.code].revision.id for r in again]


def test_changed_text_supersedes_the_old_revision(library):
    old = library["QP-ADM-03"].revision
    old_anchors = [c.anchor for c in old.clauses]
    result = services.load_markdown(changed_text("QP-ADM-03", "14", "21"))
    db.session.commit()
    assert result.status == "revised"
    assert result.revision.id != old.id
    assert result.revision.status == RevisionStatus.CURRENT
    assert old.status == RevisionStatus.SUPERSEDED and old.superseded_at is not None
    assert [c.anchor for c in result.revision.clauses] == old_anchors
    assert services.get_current_revision("QP-ADM-03").id == result.revision.id
    assert count(Revision) == 8
    # Loading the original text again is a change back: a third revision, the first stays old.
    back = services.load_markdown((DOCS / "qp-adm-03.md").read_text(encoding="utf-8"))
    assert back.status == "revised" and back.revision.label == "A/0"
    assert result.revision.status == RevisionStatus.SUPERSEDED


def test_api_for_other_domains(app, library):
    assert services.procedure_deadlines("QP-CS-01") == {
        "initial_analysis": {"hours": 12},
        "containment": {"hours": 24},
        "reply": {"hours": 48},
        "follow_up": {"days": 7},
        "return_disposition": {"hours": 12},
        "return_rework": {"hours": 24},
    }
    assert services.procedure_deadlines("QP-NONE-01") == {}
    assert services.get_current_revision("qp-cs-01").label == "A/0"
    assert services.get_current_revision("QP-NONE-01") is None
    clauses = services.find_clauses("QP-CS-01", "s-4-2-2", "nope", "s-4-2-1")
    assert [c.anchor for c in clauses] == ["s-4-2-2", "s-4-2-1"]
    with app.test_request_context():
        assert services.clause_url("QP-CS-01", "s-4-2-1") == "/procedures/QP-CS-01#s-4-2-1"
    recent = services.recently_revised(3)
    assert len(recent) == 3 and all(r.status == "current" for r in recent)


def test_legacy_code_is_stable_and_documented():
    code = services.derive_code("seeds/000_x.txt", "售后服务工作细则")
    assert code == services.derive_code("000_x.txt", "售后服务工作细则")
    assert code.startswith("LEG-") and len(code) == 12
    assert code != services.derive_code("001_x.txt", "售后服务工作细则")


def test_acknowledgements(app, org, library):
    revision = library["QP-CS-01"].revision
    employee, head = org["employee"], org["head"]
    services.acknowledge(employee, revision)
    services.acknowledge(employee, revision)  # a second click changes nothing
    db.session.commit()
    assert count(ProcedureRead) == 1
    acks = services.acknowledgements(revision, head)
    assert not acks.has_read
    assert acks.colleagues_read == ["张三"] and acks.colleagues_total == 2
    assert services.acknowledgements(revision, employee).has_read
    # A new revision needs a new acknowledgement.
    result = services.load_markdown(changed_text("QP-CS-01", "规范客户投诉", "规范所有客户投诉"))
    assert not services.acknowledgements(result.revision, employee).has_read
