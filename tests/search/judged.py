"""The judged query set (judged.yaml) and its two figures, shared by the tests and the benches:
MRR (mean of 1 / rank of the first wanted item, 0 when none is shown) and precision at 3
(wanted items among the first three, out of min(3, how many are wanted))."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

JUDGED = Path(__file__).with_name("judged.yaml")
TOP = 3


@dataclass
class Judgement:
    q: str
    want: list[str]


@dataclass
class Score:
    q: str
    reciprocal_rank: float
    precision: float
    got: list[str]


def load() -> list[Judgement]:
    return [Judgement(str(row["q"]), [str(w) for w in row["want"]]) for row in yaml.safe_load(
        JUDGED.read_text(encoding="utf-8"))]  # fmt: skip


def item_keys(result) -> list[str]:
    """A live `SearchResult` as the judged items, in the order shown."""
    codes = {}
    for group in result.groups:
        for hit in ([group.document] if group.document else []) + group.hits:
            codes[id(hit)] = group.code
    return [
        codes[id(hit)] if hit.clause_id is None else f"{codes[id(hit)]}#{hit.anchor}"
        for hit in result.ranked
    ]


def score(judgement: Judgement, got: list[str]) -> Score:
    want = set(judgement.want)
    rank = next((n for n, key in enumerate(got, 1) if key in want), 0)
    top = sum(key in want for key in got[:TOP])
    return Score(judgement.q, 1 / rank if rank else 0.0, top / min(TOP, len(want)), got[:5])


def evaluate(ranked_keys) -> tuple[float, float, list[Score]]:
    """`ranked_keys(q)` -> the items shown for q, best first. Returns MRR, P@3, per query."""
    scores = [score(j, ranked_keys(j.q)) for j in load()]
    mrr = sum(s.reciprocal_rank for s in scores) / len(scores)
    p3 = sum(s.precision for s in scores) / len(scores)
    return mrr, p3, scores
