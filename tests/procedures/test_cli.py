"""`flask procedures load` and `flask procedures import` (real seeds, dry run, bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.procedures.models import Clause, Procedure, ProcedureRead, Revision

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "procedures"
PAGE = (
    "样品保管办法\n\n第一条 为规范样品的保管工作，制定本办法。\n\n第二条 本办法自发布之日起施行。\n"
)
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed pages not present")


def counts() -> tuple[int, ...]:
    models = (Procedure, Revision, Clause, ProcedureRead)
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def test_load_markdown_is_idempotent(runner):
    first = runner.invoke(args=["procedures", "load"])
    assert first.exit_code == 0, first.output
    assert first.output.count("created") == 7 and "QP-CS-01" in first.output
    before = counts()
    second = runner.invoke(args=["procedures", "load", str(DOCS)])
    assert second.exit_code == 0 and second.output.count("unchanged") == 7
    assert counts() == before


def test_load_refuses_a_broken_file_and_stores_nothing(runner, tmp_path):
    (tmp_path / "qp-x-01.md").write_text("---\ncode: QP-X-01\n---\n\n第一条 甲。\n", "utf-8")
    result = runner.invoke(args=["procedures", "load", str(tmp_path)])
    assert result.exit_code == 1
    assert "qp-x-01.md" in result.output and "缺少字段" in result.output
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


@needs_seeds
def test_import_seed_pages_then_again_changes_nothing(runner):
    result = runner.invoke(args=["procedures", "import", str(SEEDS)])
    assert result.exit_code == 0, result.output
    for path in SEEDS.glob("*.txt"):
        assert path.name in result.stdout
    before = counts()
    assert before[0] >= 5 and before[2] > 100
    procedures = db.session.scalars(select(Procedure)).all()
    # imports land as drafts: nothing is issued until it is approved
    assert all(p.current_revision is None and p.draft_revision for p in procedures)
    again = runner.invoke(args=["procedures", "import", *map(str, sorted(SEEDS.glob("*.txt")))])
    assert again.exit_code == 0, again.output
    assert "created" not in again.stdout and "revised" not in again.stdout
    assert counts() == before


@needs_seeds
def test_dry_run_json_prints_documents_and_touches_nothing(runner):
    result = runner.invoke(args=["procedures", "import", "--dry-run", "--json", str(SEEDS)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["documents"]
    assert len(report["documents"]) >= 5
    doc = report["documents"][0]
    assert {"title", "code", "revision", "effective_date", "source", "duplicate_of"} <= set(doc)
    assert {"truncated", "warnings", "clauses"} <= set(doc)
    assert {"number", "anchor", "heading", "text", "children"} == set(doc["clauses"][0])
    assert counts() == (0, 0, 0, 0)


def test_import_json_report(runner, tmp_path):
    page = tmp_path / "a.txt"
    page.write_text(PAGE, "utf-8")
    result = runner.invoke(args=["procedures", "import", "--json", str(page)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["files"][0]["documents"][0]["status"] == "created"
    assert report["files"][0]["documents"][0]["clauses"] == 2


BAD = {
    "empty": (b"", "是空的"),
    "binary": (b"%PDF-1.7\n\x00\x01\x02\x03" + bytes(range(256)) * 8, "不是纯文本文件"),
    "huge": (b"x" * (10 * 1024 * 1024), "过大"),
}


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_files_fail_clearly_and_store_nothing(runner, tmp_path, kind, dry_run):
    data, message = BAD[kind]
    bad = tmp_path / f"{kind}.txt"
    bad.write_bytes(data)
    good = tmp_path / "good.txt"
    good.write_text(PAGE, "utf-8")
    args = ["procedures", "import", *(["--dry-run", "--json"] if dry_run else []), str(bad)]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert message in result.stderr and f"{kind}.txt" in result.stderr
    assert counts() == (0, 0, 0, 0)
    if dry_run:
        report = json.loads(result.stdout)
        assert report["documents"] == [] and report["errors"][0]["file"] == f"{kind}.txt"
        return
    # With a good file beside it, the good one is imported and the bad one still reported.
    mixed = runner.invoke(args=["procedures", "import", str(bad), str(good)])
    assert mixed.exit_code == 1 and message in mixed.stderr
    assert counts()[0] == 1


def test_gbk_file_is_converted(runner, tmp_path):
    page = tmp_path / "gbk.txt"
    page.write_bytes(PAGE.encode("gbk"))
    result = runner.invoke(args=["procedures", "import", str(page)])
    assert result.exit_code == 0, result.output
    procedure = db.session.scalar(select(Procedure))
    assert procedure.title == "样品保管办法"
    assert "规范样品" in procedure.draft_revision.clauses[0].text
