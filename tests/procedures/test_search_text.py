"""Unit tests for the shared search normalization and the substring oracle."""

from __future__ import annotations

import pytest

from portal.search.text import matches, normalize, parse_query


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("售后服务工作细则", "售后服务工作细则"),
        ("  丰田SSP标准 ", "丰田ssp标准"),
        ("QP-ADM-01\t第 5 条", "qp-adm-01 第 5 条"),
        ("客户\u3000\u3000投诉", "客户 投诉"),
        ("a\u00a0b\r\n\r\nc", "a b c"),
        ("x\x1cy\x85z", "x y z"),  # str.isspace() characters JS's \s lacks
        ("\ufeff章", "\ufeff章"),  # not whitespace for Python, so kept
        ("ＳＳＰ", "ｓｓｐ"),  # full-width letters lower-case but are not width-folded
        ("ΟΔΟΣ", "οδος"),  # final sigma, as str.lower() does it
        ("", ""),
        (" \n\t", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_is_idempotent():
    sample = "  İstanbul ΟΔΟΣ\u3000QP-ADM-01\n\n售后服务  "
    assert normalize(normalize(sample)) == normalize(sample)


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("客户 投诉", ["客户", "投诉"]),
        ("客户\u3000投诉", ["客户", "投诉"]),
        ("  SSP  ssp Ssp ", ["ssp"]),
        ('"5、2 非质量"', ["5、2 非质量"]),
        ("“售后  服务” 维修", ["售后 服务", "维修"]),
        ("”客户意见处理表”", ["客户意见处理表"]),  # wrongly paired curly quotes
        ('印章"使用 申请', ["印章", "使用 申请"]),  # unclosed quote runs to the end
        ('a"b c"d', ["a", "b c", "d"]),  # quotes are term boundaries
        ('"" 章 ""', ["章"]),
        ('客户 "客户"', ["客户"]),
        ("", []),
        ("\u3000 \t", []),
        ('"  "', []),
    ],
)
def test_parse_query(query, terms):
    assert parse_query(query) == terms


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("通过各种规章制度", "章", True),  # inside a word: no segmentation
        ("为迅速处理客户投诉", "客户 投诉", True),
        ("为迅速处理客户投诉", "客户 维修", False),
        ("客户的投诉", "客户投诉", False),  # adjacency matters
        ("按照丰田SSP标准礼貌迎接", "ssp", True),
        ("按照丰田SSP标准礼貌迎接", "丰田SSP标准", True),
        ("5、2  非质量原因", '"5、2 非质量"', True),
        ("5、2非质量原因", '"5、2 非质量"', False),
        ("5、2非质量原因", "5、2 非质量", True),
        ("任何文字", "", False),  # an empty query matches nothing
    ],
)
def test_matches(text, query, expected):
    assert matches(normalize(text), parse_query(query)) is expected


def test_matches_accepts_any_iterable():
    assert matches("客户投诉", iter(["客户", "投诉"]))
    assert not matches("客户投诉", iter([]))
