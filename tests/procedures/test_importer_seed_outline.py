"""The importer scored against the seed pages' full expected outlines (tests/procedures/seeds_expected).

The expectations were written from the raw seed text and the research notes, not from the
importer's output; see the header of each ``S*.expected.yaml``. The seeds are read at run time
and the test is skipped where they are not present, like test_importer_seeds.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.procedures.importer import ParsedClause, ParsedDocument, parse_page
from portal.procedures.importer.score import (
    Expected,
    ExpectedDocument,
    Score,
    load_expected,
    parse_outline,
    score_documents,
)
from tests.procedures.test_importer_seeds import FILES, NOISE, SEEDS

EXPECTED = Path(__file__).resolve().parent / "seeds_expected"

# Documents (page, index) whose outline the importer still gets wrong, each for a reason the
# report on issue 15 lists: a section after a numbered list nested under its last item (S0 3,
# S1 19), a sibling nested under a label (S1 7), bare numbers or numbers without a stop missed
# (S1 10, S1 16, S4 13), clauses whose parent number is missing dropped (S2 10), field labels
# read as headings and an item missed (S3 18).
KNOWN_WRONG = {
    ("S0", 3), ("S1", 7), ("S1", 10), ("S1", 16), ("S1", 19), ("S2", 10), ("S3", 18),
    ("S4", 13),
}  # fmt: skip


def score_seeds(seeds: Path = SEEDS, expected: Path = EXPECTED) -> tuple[Score, set]:
    """The summed figures over the five pages, and the (page, index) of every document whose
    clauses do not all match."""
    total, wrong = Score(), set()
    for key, name in FILES.items():
        want = load_expected(expected / f"{key}.expected.yaml")
        want.noise = list(NOISE)
        docs = parse_page((seeds / name).read_text("utf-8"), name)
        for index, (doc, expected_doc) in enumerate(zip(docs, want.documents, strict=False)):
            one = score_documents([doc], Expected([expected_doc]), name)
            if one.clauses_matched < max(one.clauses_expected, one.clauses_found) or (
                one.nesting_right < one.clauses_matched
            ):
                wrong.add((key, index))
        total.add(score_documents(docs, want, name))
    return total, wrong


@pytest.fixture(scope="module")
def scored() -> tuple[Score, set]:
    if not all((SEEDS / name).is_file() for name in FILES.values()):
        pytest.skip(f"seed pages not found in {SEEDS}")
    return score_seeds()


def test_a_tilde_stands_for_a_clause_without_a_number():
    part = ParsedClause(
        "", "label", (1,), heading="甲部分", children=[ParsedClause("一", "cn", (1, 1))]
    )
    doc = ParsedDocument("样例", clauses=[part, ParsedClause("附录", "appendix", (2,))])
    expected = Expected([ExpectedDocument("样例", outline=parse_outline("~\n  一\n附录\n"))])
    score = score_documents([doc], expected)
    assert (score.clauses_matched, score.nesting_right, score.clauses_found) == (3, 3, 3)


def test_every_seed_page_has_expectations():
    for key in FILES:
        expected = load_expected(EXPECTED / f"{key}.expected.yaml")
        assert expected.documents and all(d.outline is not None for d in expected.documents)


def test_documents_titles_metadata_and_noise(scored):
    score, _ = scored
    assert score.documents_expected == score.documents_found == 99
    assert score.titles_exact == 99
    assert score.metadata_exact == 99
    assert score.noise_left == 0


def test_clause_figures(scored):
    score, _ = scored
    assert score.clauses_expected == 2125
    assert score.precision >= 0.999
    assert score.recall >= 0.991
    assert score.nesting >= 0.991


def test_no_new_document_goes_wrong(scored):
    _, wrong = scored
    assert wrong <= KNOWN_WRONG, sorted(wrong - KNOWN_WRONG)
