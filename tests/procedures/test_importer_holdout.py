"""The importer scored on the held-out corpora: invented procedures not written by its authors.

Each set was written without reading the importer and committed before the importer was first
run on it, so its first figures measured how the importer generalises; the corpus in
tests/procedures/corpus/ was written by the importer's authors and does not.
- holdout/: first scored at commit 80d1dba: 16 of 16 documents, 13 of 16 titles, 7 of 16
  metadata, 50 noise strings and 6 phrases missing, precision 0.90, recall 0.84, nesting 0.91.
- holdout2/: written without reading the importer, its docs or the first holdout (which had
  been used to fix the importer by then); first scored at commit 56f5fa4: 15 of 15 documents,
  8 of 15 titles, 13 of 15 metadata, 27 noise strings and 8 phrases missing, precision 0.9569,
  recall 0.8988, nesting 0.9486.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.procedures.importer.score import fixture_pairs, parse_outline, score_directory

HERE = Path(__file__).resolve().parent

# Floors, not targets: what the importer reaches today on each set. The targets are
# titles and metadata 100 %, no noise left, and precision, recall and nesting >= 0.98. Raise a
# figure here when the importer improves; never lower one to make a change pass.
SETS = {
    # folder: (documents, fewest texts, clauses a document at most)
    "holdout": (16, 14, None),
    "holdout2": (15, 12, 60),
}
RATIOS = {"clause_precision": 1.0, "clause_recall": 1.0, "nesting": 1.0}
CEILING = {"noise_left": 0, "text_missing": 0}


def floor(folder: str) -> dict:
    documents = SETS[folder][0]
    counts = ("documents_found", "titles_exact", "metadata_exact")
    return {**dict.fromkeys(counts, documents), **RATIOS}


@pytest.fixture(scope="module", params=sorted(SETS))
def scored(request):
    score = score_directory(HERE / request.param)
    return request.param, {name: value for name, value, _ in score.figures()}


@pytest.mark.parametrize("folder", sorted(SETS))
def test_every_holdout_text_has_its_expectations(folder):
    _, fewest, most = SETS[folder]
    pairs = fixture_pairs(HERE / folder)
    assert len(pairs) == len(list((HERE / folder).glob("*.txt"))) >= fewest
    for _, expected in pairs:
        data = yaml.safe_load(expected.read_text("utf-8"))
        assert data["kind"], expected.name
        for doc in data["documents"]:
            clauses = len(parse_outline(doc["outline"]))
            assert 15 <= clauses <= (most or clauses), expected.name


@pytest.mark.parametrize("name", sorted(floor("holdout")))
def test_holdout_figure_stays_at_or_above_its_floor(scored, name):
    folder, figures = scored
    assert figures[name] >= floor(folder)[name]


@pytest.mark.parametrize("name", sorted(CEILING))
def test_holdout_leftovers_stay_at_or_below_their_ceiling(scored, name):
    _, figures = scored
    assert figures[name] <= CEILING[name]
