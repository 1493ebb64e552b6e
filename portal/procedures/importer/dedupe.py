"""Duplicates and truncated previews among the documents of one page.

Document sites list the same text under several titles, often as a preview cut off after a page
or two.  A related document whose Chinese text is at least 80 % contained in an earlier
document of the page (4-character shingles, measured on the shorter of the two) repeats it:
``duplicate_of`` names the closest earlier one.  A related document is a truncated preview when
its text does not end a sentence.
"""

from __future__ import annotations

import re

from .chars import ideographs_only
from .models import ParsedClause, ParsedDocument

_SHINGLE = 4
_THRESHOLD = 0.8
_MIN_SHINGLES = 40
_BARE_END = re.compile(r"[^\s。！？!?…;；,，:：、]$")
_COMPLETE_END = re.compile(r"(?:[。！？!?…]|[。！？!?][”’」』)]|\d{4}年\d{1,2}月\d{1,2}日)$")


def _fingerprint(doc: ParsedDocument) -> set[str]:
    parts = [doc.preamble] + [f"{c.heading}{c.text}" for c in doc.walk()]
    text = ideographs_only("".join(parts))
    return {text[i : i + _SHINGLE] for i in range(len(text) - _SHINGLE + 1)}


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller shingle set found in the other one."""
    small, large = sorted((a, b), key=len)
    if len(small) < _MIN_SHINGLES:
        return 0.0
    return len(small & large) / len(small)


def mark_duplicates(docs: list[ParsedDocument]) -> None:
    """Set ``duplicate_of`` (and a warning) on related documents that repeat an earlier one."""
    prints = [_fingerprint(doc) for doc in docs]
    for j, doc in enumerate(docs):
        if doc.role == "main":
            continue
        scores = [(containment(prints[i], prints[j]), i) for i in range(j)]
        score, best = max(scores, default=(0.0, -1))
        if score >= _THRESHOLD:
            doc.duplicate_of = docs[best].title
            doc.warnings.append(f"与《{docs[best].title}》重复（重合度 {score:.0%}）")


def _last_siblings(clauses: list[ParsedClause]) -> list[ParsedClause]:
    while clauses and clauses[-1].children:
        clauses = clauses[-1].children
    return clauses


def _unfinished(text: str) -> bool:
    return not _COMPLETE_END.search(text.rstrip())


def is_truncated(doc: ParsedDocument, body: str) -> bool:
    """A preview cut off mid-sentence: the body does not end a sentence (or a dated sign-off).

    A list whose items never end in punctuation ("● 检查早餐情况") is not cut just because its
    last item has none.
    """
    if not body.strip() or not _unfinished(body):
        return False
    if doc.role == "main":  # a main document is the page itself; only a cut paragraph counts
        return len(body.rstrip().rsplit("\n", 1)[-1]) >= 60
    if body.rstrip()[-1] in ",;:，；：、":
        return True  # the list or sentence was going on
    items = [c for c in _last_siblings(doc.clauses) if not c.children]
    if len(items) >= 3:
        bare = sum(bool(_BARE_END.search(c.text or c.heading)) for c in items[:-1])
        if bare >= 2 * (len(items) - 1) / 3:
            return False
    return True
