"""The importer scored on the held-out corpus: invented procedures not written by its authors.

tests/procedures/holdout/ was written without reading the importer and committed before the
importer was first run on it, so its figures measure how the importer generalises; the
corpus in tests/procedures/corpus/ was written by the importer's authors and does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.procedures.importer.score import fixture_pairs, parse_outline, score_directory

HOLDOUT = Path(__file__).resolve().parent / "holdout"

# A floor, not a target: what the importer reaches today. When the holdout was first scored
# (importer as of commit 80d1dba) it read: 16 of 16 documents, 13 of 16 titles, 7 of 16
# metadata, 50 noise strings and 6 phrases missing, precision 0.90, recall 0.84, nesting 0.91.
# The targets are titles and metadata 100 %, no noise left, and precision, recall
# and nesting >= 0.98. Raise a figure here when the importer improves; never lower one to
# make a change pass.
FLOOR = {
    "documents_found": 16,
    "titles_exact": 16,
    "metadata_exact": 16,
    "clause_precision": 1.0,
    "clause_recall": 1.0,
    "nesting": 1.0,
}
CEILING = {
    "noise_left": 0,
    "text_missing": 0,
}


@pytest.fixture(scope="module")
def figures():
    score = score_directory(HOLDOUT)
    return {name: value for name, value, _ in score.figures()}


def test_every_holdout_text_has_its_expectations():
    pairs = fixture_pairs(HOLDOUT)
    assert len(pairs) == len(list(HOLDOUT.glob("*.txt"))) >= 14
    for _, expected in pairs:
        data = yaml.safe_load(expected.read_text("utf-8"))
        assert data["kind"], expected.name
        for doc in data["documents"]:
            assert len(parse_outline(doc["outline"])) >= 15, expected.name


@pytest.mark.parametrize("name", sorted(FLOOR))
def test_holdout_figure_stays_at_or_above_its_floor(figures, name):
    assert figures[name] >= FLOOR[name]


@pytest.mark.parametrize("name", sorted(CEILING))
def test_holdout_leftovers_stay_at_or_below_their_ceiling(figures, name):
    assert figures[name] <= CEILING[name]
