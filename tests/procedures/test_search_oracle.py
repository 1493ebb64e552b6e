"""The live search finds exactly what the substring oracle finds on the seed library (the set;
the order is the ranking's, tests/search/test_ranking.py).

The seed pages go through the legacy importer (plus the bundled Markdown procedures); the
oracle scans the clause tables. Terms of 1, 2, 3 and 5 characters (fixed ones and ones cut from
the corpus), punctuation, ASCII in either case, AND queries and quoted phrases; with limits,
filters and the count cap. Runs on SQLite here and on PostgreSQL in CI (DATABASE_URL).
"""

from __future__ import annotations

import pytest

from portal.search import index as search
from portal.search.text import parse_query
from tests.search.corpus import FIXED_QUERIES, library_app, needs_seeds, oracle, sample_terms

pytestmark = needs_seeds


@pytest.fixture(scope="module")
def library(_schema):
    with library_app() as app:
        yield app


def hit_ids(result) -> list[int]:
    """The clauses found, in listing order (clause id) as the oracle lists them."""
    return sorted(hit.clause_id for hit in result.hits)


def test_query_list_covers_every_term_length(library):
    queries = FIXED_QUERIES + sample_terms()
    lengths = {len(term) for q in queries for term in parse_query(q)}
    assert {1, 2, 3, 5} <= lengths
    assert any(len(parse_query(q)) >= 2 for q in queries)
    found = [q for q in queries if oracle(q)]
    assert len(found) >= len(queries) - 2  # only the deliberately absent words find nothing
    assert max(len(oracle(q)) for q in queries) > search.COUNT_LIMIT  # the cap is exercised


@pytest.mark.parametrize("length", [1, 2, 3, 5])
def test_sampled_terms_equal_the_oracle(library, length):
    terms = sample_terms(lengths=(length,), per_length=8)
    assert len(terms) == 8
    for term in terms:
        result = search.query(term, limit=None)
        expected = oracle(term)
        assert expected, term
        assert hit_ids(result) == expected, term
        assert result.total == len(expected) and result.total_exact


def test_fixed_queries_equal_the_oracle(library):
    failures = []
    for q in FIXED_QUERIES:
        result = search.query(q, limit=None)
        if hit_ids(result) != oracle(q):
            failures.append(f"{q!r}: {len(result.hits)} found, {len(oracle(q))} expected")
    assert not failures, "\n".join(failures)


def test_ascii_case_and_width_rules(library):
    assert hit_ids(search.query("ssp", limit=None)) == hit_ids(search.query("SSP", limit=None))
    # No width folding: full-width letters are other characters, as in the offline search.
    assert hit_ids(search.query("ＳＳＰ", limit=None)) == oracle("ＳＳＰ")


@pytest.mark.parametrize("q", ["章", "客户", "售后服务", "客户 投诉", "，"])
def test_a_limited_page_is_from_the_oracle_and_counts_up_to_the_cap(library, q):
    expected = oracle(q)
    result = search.query(q, limit=10)
    assert set(hit_ids(result)) <= set(expected)
    assert len(hit_ids(result)) == min(10, len(expected))
    assert result.truncated == (len(expected) > 10)
    if len(expected) <= search.COUNT_LIMIT:
        assert (result.total, result.total_exact) == (len(expected), True)
    else:
        assert (result.total, result.total_exact) == (search.COUNT_LIMIT, False)


def test_filters_by_category_and_department(library):
    for category, department in [("客户服务", None), (None, "ADM"), ("行政管理", "ADM")]:
        result = search.query("客户", category=category, department=department, limit=None)
        expected = oracle("客户", category=category, department=department)
        assert expected and hit_ids(result) == expected


def test_hits_are_grouped_by_procedure_and_link_to_the_clause(library):
    result = search.query("客户投诉", limit=None)
    codes = [group.code for group in result.groups]
    assert len(codes) == len(set(codes)), "a procedure appears in one group only"
    for group in result.groups:
        assert group.url == f"/procedures/{group.code}"
        for hit in group.hits:
            assert hit.url == f"/procedures/{group.code}#{hit.anchor}"
            assert any(marked and "客户投诉" in text for text, marked in hit.snippet)
