"""The importer's scorer and `flask procedures import --score DIR`."""

from __future__ import annotations

import json
from pathlib import Path

from portal.procedures.importer import parse_page
from portal.procedures.importer.score import (
    Expected,
    ExpectedDocument,
    parse_outline,
    score_directory,
    score_documents,
)

CORPUS = Path(__file__).resolve().parent / "corpus"

PAGE = "样品保管办法\n第一章 总则\n第一条 为规范样品保管，制定本办法。\n第二条 本办法自发布之日起施行。\n"
EXPECTED = """documents:
  - title: 样品保管办法
    outline: |
      第一章 总则
        第一条
        第二条
noise: [第1页]
"""


def test_outline_depth_and_numbers():
    assert parse_outline("第一章 总则\n  第一条\n    (一) 甲\nArticle 2 Scope\n") == [
        (0, "第一章"),
        (1, "第一条"),
        (2, "(一)"),
        (0, "Article 2"),
    ]


def test_perfect_page_scores_one():
    docs = parse_page(PAGE)
    expected = Expected(
        [ExpectedDocument("样品保管办法", outline=parse_outline("第一章\n  第一条\n  第二条"))]
    )
    score = score_documents(docs, expected)
    assert (score.titles_exact, score.metadata_exact, score.noise_left) == (1, 1, 0)
    assert (score.precision, score.recall, score.nesting) == (1.0, 1.0, 1.0)


def test_wrong_nesting_and_missing_clause_are_counted():
    docs = parse_page(PAGE)
    outline = parse_outline("第一章\n第一条\n第二条\n第三条")  # flat and one more than found
    score = score_documents(docs, Expected([ExpectedDocument("样品保管办法", outline=outline)]))
    assert score.recall == 0.75 and score.precision == 1.0
    assert score.nesting == 1 / 3
    assert score.failures


def test_noise_and_metadata_failures():
    docs = parse_page(PAGE)
    want = ExpectedDocument("样品保管办法", metadata={"code": "X-1"})
    score = score_documents(docs, Expected([want], noise=["自发布之日", "不存在"]))
    assert score.metadata_exact == 0
    assert score.noise_left == 1


def test_score_command(runner, tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, "utf-8")
    (tmp_path / "a.expected.yaml").write_text(EXPECTED, "utf-8")
    (tmp_path / "b.txt").write_text("no expectation: not scored\n", "utf-8")
    result = runner.invoke(args=["procedures", "import", "--score", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 files, 1 documents expected" in result.output
    assert "titles_exact      1 of 1" in result.output
    assert "clause_precision  1.0 ratio" in result.output
    as_json = runner.invoke(args=["procedures", "import", "--score", str(tmp_path), "--json"])
    payload = json.loads(as_json.output)
    assert payload["noise_left"] == 0 and payload["nesting"] == 1.0


def test_score_command_without_expectations_fails(runner, tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, "utf-8")
    result = runner.invoke(args=["procedures", "import", "--score", str(tmp_path)])
    assert result.exit_code == 1 and "expected.yaml" in result.output


def test_import_without_paths_is_a_usage_error(runner):
    result = runner.invoke(args=["procedures", "import"])
    assert result.exit_code == 2


def test_fixture_corpus_meets_the_targets():
    """Our own corpus (tests/procedures/corpus): the targets of issue 15, on every run."""
    score = score_directory(CORPUS)
    assert score.files >= 15
    assert score.documents_found == score.documents_expected
    assert score.titles_exact == score.documents_expected, score.failures
    assert score.metadata_exact == score.documents_expected, score.failures
    assert (score.noise_left, score.text_missing) == (0, 0), score.failures
    assert min(score.precision, score.recall, score.nesting) >= 0.98, score.failures
