"""The importer scored on a second held-out corpus: invented procedures in shapes it has not seen.

tests/procedures/holdout2/ was written without reading the importer, its docs or the first
holdout, and committed before the importer was run on it. The first holdout has since been
used to fix the importer, so this batch is the one that still measures how it generalises.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.procedures.importer.score import fixture_pairs, parse_outline, score_directory

HOLDOUT2 = Path(__file__).resolve().parent / "holdout2"

# A floor, not a target: what the importer reached when this batch was first scored (importer
# as of commit 56f5fa4): 15 of 15 documents, 8 of 15 titles, 13 of 15 metadata, 27 noise
# strings and 8 phrases missing, precision 0.9569, recall 0.8988, nesting 0.9486.
# The targets are titles and metadata 100 %, no noise left, and precision, recall
# and nesting >= 0.98. Raise a figure here when the importer improves; never lower one to
# make a change pass.
FLOOR = {
    "documents_found": 15,
    "titles_exact": 15,
    "metadata_exact": 15,
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
    score = score_directory(HOLDOUT2)
    return {name: value for name, value, _ in score.figures()}


def test_every_holdout2_text_has_its_expectations():
    pairs = fixture_pairs(HOLDOUT2)
    assert len(pairs) == len(list(HOLDOUT2.glob("*.txt"))) >= 12
    for _, expected in pairs:
        data = yaml.safe_load(expected.read_text("utf-8"))
        assert data["kind"], expected.name
        for doc in data["documents"]:
            assert 15 <= len(parse_outline(doc["outline"])) <= 60, expected.name


@pytest.mark.parametrize("name", sorted(FLOOR))
def test_holdout2_figure_stays_at_or_above_its_floor(figures, name):
    assert figures[name] >= FLOOR[name]


@pytest.mark.parametrize("name", sorted(CEILING))
def test_holdout2_leftovers_stay_at_or_below_their_ceiling(figures, name):
    assert figures[name] <= CEILING[name]
