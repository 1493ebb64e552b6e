"""The search index follows the library: new revisions supersede old ones, drafts stay out,
metadata changes reach it, deletions leave nothing behind; SQLite's trigram pitfall is pinned;
`flask search --json` and `flask procedures reindex`."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.procedures import services
from portal.procedures.models import Procedure, SearchClause
from portal.search import index as search

MARKDOWN = """---
code: QP-TST-01
title: {title}
category: {category}
owner_department: ADM
revision: {revision}
effective_date: 2026-01-01
change_note: 测试
forms: []
deadlines: {{}}
---

## 第一章 总则

第一条 {text}

第二条 本制度由行政部负责解释。
"""


def load(
    revision="A/0", text="为规范样品管理，制定本制度。", title="样品管理制度", category="行政管理"
):
    result = services.load_markdown(
        MARKDOWN.format(revision=revision, text=text, title=title, category=category)
    )
    db.session.commit()
    return result


def codes(q: str, **filters) -> list[str]:
    return [hit.url for hit in search.query(q, limit=None, **filters).hits]


def sqlite_only():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite FTS5 behaviour")


def fts_counts() -> tuple[int, int, int]:
    rows = db.session.scalar(select(func.count()).select_from(SearchClause))
    chars = db.session.scalar(text(f"SELECT count(*) FROM {search.CHARS_TABLE}"))
    trigram = db.session.scalar(
        text(f"SELECT count(*) FROM {search.TRIGRAM_TABLE} WHERE {search.TRIGRAM_TABLE} MATCH :q"),
        {"q": '"为规范"'},
    )
    return rows, chars, trigram


def test_sqlite_trigram_patterns_under_three_characters_find_nothing(app):
    """Pinned: on SQLite 3.40 a trigram table answers a LIKE (or GLOB) pattern of fewer than
    three characters with no rows and no error (../shared/research/env-probe.md §4); a MATCH
    of a 1–2 character phrase finds nothing either. Hence the one-token-per-character table for
    short terms, and the substring check of every hit on the plain table."""
    sqlite_only()
    load(text="客户投诉由客服部受理。")
    if sqlite3.sqlite_version_info[:2] == (3, 40):
        plain = sqlite3.connect(":memory:")  # a trigram table with the default options
        plain.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='trigram')")
        plain.execute("INSERT INTO t VALUES ('客户投诉由客服部受理。')")
        assert plain.execute("SELECT count(*) FROM t WHERE body LIKE '%客户%'").fetchone() == (0,)
        assert plain.execute("SELECT count(*) FROM t WHERE body LIKE '%客户投%'").fetchone() == (1,)
        plain.close()
        ours = f"SELECT count(*) FROM {search.TRIGRAM_TABLE} WHERE body GLOB :p"
        assert db.session.scalar(text(ours), {"p": "*客户*"}) == 0
        assert db.session.scalar(text(ours), {"p": "*客户投*"}) == 1
    match = f"SELECT count(*) FROM {search.TRIGRAM_TABLE} WHERE {search.TRIGRAM_TABLE} MATCH :q"
    assert db.session.scalar(text(match), {"q": '"客户"'}) == 0
    assert len(search.query("客户", limit=None).hits) == 1
    assert len(search.query("户", limit=None).hits) == 1


def test_one_and_two_character_terms_are_exact_substrings(app):
    load(text="客，户与客户；a b 与 ab。")
    assert search.query("客户").total == 1  # not "客，户": punctuation is a character too
    assert search.query("，户", limit=None).total == 1
    assert search.query("ab", limit=None).total == 1
    assert search.query('"a b"', limit=None).total == 1
    assert search.query("b 与", limit=None).total == 1  # two terms: "b" and "与"
    assert search.query("").total == 0
    assert search.query("   ").total == 0 and not search.query('""').groups


def test_a_new_revision_supersedes_the_old_one_in_the_index(app):
    old = load(text="旧条款：样品由仓库保管。").revision
    new = load(revision="A/1", text="新条款：样品由品质部保管。").revision
    assert codes("仓库") == []
    assert codes("品质部") == ["/procedures/QP-TST-01#art-1"]
    assert codes("仓库", include_superseded=True) == [
        f"/procedures/QP-TST-01/revisions/{old.id}#art-1"
    ]
    [group] = search.query("仓库", include_superseded=True).groups
    assert (group.revision_label, group.is_current) == ("A/0", False)
    # Both revisions, each its own group, the current one first.
    groups = search.query("负责解释", include_superseded=True).groups
    assert [(g.revision_label, g.is_current) for g in groups] == [("A/1", True), ("A/0", False)]
    assert new.id != old.id


def test_drafts_stay_out_and_publishing_brings_them_in(app, org):
    procedure = load().procedure
    draft_text = MARKDOWN.format(
        revision="A/1", text="草稿里的新规定。", title="样品管理制度", category="行政管理"
    )
    services.publish_revision(procedure, draft_text, org["admin"], draft=True)
    db.session.commit()
    assert search.query("草稿", include_superseded=True).total == 0
    services.publish_revision(procedure, draft_text, org["admin"])
    db.session.commit()
    assert codes("草稿") == ["/procedures/QP-TST-01#art-1"]
    assert search.query("样品管理", limit=None).total == 0  # the old text is superseded


def test_title_and_category_changes_reach_the_index(app):
    load()
    load(revision="A/1", title="样品保管制度", category="质量管理")
    [group] = search.query("负责解释").groups
    assert group.title == "样品保管制度"
    assert search.query("负责解释", category="质量管理").total == 1
    assert search.query("负责解释", category="行政管理").total == 0
    assert search.query("负责解释", department="ADM").total == 1


def test_duplicates_and_truncated_previews_are_left_out(app):
    original = load().procedure
    page = "样品保管办法\n\n第一条 样品放在指定位置。\n\n第二条 本办法自发布之日起施行。\n"
    services.import_legacy_files([("a.txt", page.encode())], issue=True)  # searchable
    db.session.commit()
    copy = db.session.scalar(select(Procedure).where(Procedure.id != original.id))
    assert search.query("指定位置").total == 1
    copy.duplicate_of = original
    search.sync_procedure(copy)
    db.session.commit()
    assert search.query("指定位置").total == 0
    copy.duplicate_of, copy.truncated = None, True
    search.sync_procedure(copy)
    assert search.query("指定位置").total == 0
    copy.truncated = False
    search.sync_procedure(copy)
    assert search.query("指定位置").total == 1


def test_deleting_a_procedure_empties_its_index_rows(app):
    sqlite_only()
    procedure = load().procedure
    load(revision="A/1", text="为规范样品的管理，制定本制度。")
    assert fts_counts() == (6, 6, 2)
    db.session.delete(procedure)
    db.session.commit()
    assert fts_counts() == (0, 0, 0)


def test_reindex_all_rebuilds_the_same_index(app, runner):
    load()
    load(revision="A/1", text="为规范样品的管理，制定本制度。")
    before = db.session.execute(select(SearchClause.__table__).order_by("clause_id")).all()
    result = runner.invoke(args=["procedures", "reindex"])
    assert result.exit_code == 0 and "6 clauses" in result.output
    after = db.session.execute(select(SearchClause.__table__).order_by("clause_id")).all()
    assert after == before
    assert search.query("样品的管理").total == 1


def test_schema_hook_fills_fts_tables_that_lag_behind(app):
    sqlite_only()
    load()
    db.session.execute(text(f"DELETE FROM {search.CHARS_TABLE}"))
    db.session.commit()
    search.create_schema_objects()
    assert fts_counts() == (3, 3, 1)
    assert search.query("规范").total == 1


def test_cli_search_prints_json(app, runner):
    load(text="样品<b>管理</b>由行政部负责。")
    result = runner.invoke(args=["search", "管理", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits[0] == {
        "code": "QP-TST-01",
        "anchor": "art-1",
        "snippet": "样品<b>管理</b>由行政部负责。",  # the number is in the path, not repeated
    }
    assert all(set(hit) == {"code", "anchor", "snippet"} for hit in hits)
    plain = runner.invoke(args=["search", "行政部 解释"])
    assert plain.exit_code == 0 and "QP-TST-01#art-2" in plain.output
    assert json.loads(runner.invoke(args=["search", "没有的词", "--json"]).output) == []


def test_snippet_marks_every_occurrence_and_keeps_case():
    body = "第五条 qp-adm-01 规定印章由行政部保管，印章不得外借。"
    display = "第五条 QP-ADM-01 规定印章由行政部保管，印章不得外借。"
    parts = search.snippet(display, body, ["印章", "qp"])
    assert "".join(part for part, _ in parts) == display
    assert [part for part, marked in parts if marked] == ["QP", "印章", "印章"]
    long_body = "甲" * 100 + "印章" + "乙" * 100
    parts = search.snippet(long_body, long_body, ["印章"])
    assert parts[0] == ("…", False) and parts[-1][0].endswith("…")
    assert len("".join(p for p, _ in parts)) == search.SNIPPET_CHARS + 2
