"""Word boundaries of Chinese text, from the rjieba segmenter (docs/decisions/012), and where a
snippet may be cut (after punctuation, never inside a character).

Word boundaries are used only to rank and to choose which match a snippet shows: a match that starts and ends on word boundaries
(回访 in 客户回访管理) ranks above one that runs across two words (交回 + 访客 in 交回访客证).
It never decides whether a clause matches; that stays the substring rule of `search_text`.
Only a window around the match is segmented, which is where the boundaries are decided and
keeps the cost to a few microseconds per candidate.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Characters of context on each side of a match: enough for the segmenter to see the words
# around it (Chinese words are 1–4 characters), little enough to stay cheap.
CONTEXT = 6


@lru_cache(maxsize=1)
def _cut():
    import rjieba  # loading the dictionary takes ~0.15 s: only when first needed

    return rjieba.cut


def boundaries(text: str) -> set[int]:
    """Offsets in `text` where a word starts or ends (0 and len(text) included)."""
    cut = _cut()
    offsets, at = {0}, 0
    for word in cut(text, False):
        at += len(word)
        offsets.add(at)
    return offsets


def aligned(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] begins and ends on word boundaries, judged from a window around
    it. The ends of the text count as boundaries."""
    left = max(0, start - CONTEXT)
    window = text[left : min(len(text), end + CONTEXT)]
    cuts = boundaries(window)
    return (start - left) in cuts and (end - left) in cuts


def first_aligned(text: str, term: str, limit: int = 3) -> tuple[int, bool]:
    """The offset of the first occurrence of `term` on word boundaries among the first `limit`
    occurrences, else of the first occurrence; and whether it is aligned. (-1, False) if none."""
    first = at = text.find(term)
    tries = 0
    while at >= 0 and tries < limit:
        if aligned(text, at, at + len(term)):
            return at, True
        tries += 1
        at = text.find(term, at + 1)
    return first, False


def soft_start(text: str, start: int, reach: int = 8) -> int:
    """A snippet start at or before `start`: the text's start when that is within `reach`, else
    just after a punctuation mark or space within `reach`, else the word boundary before it;
    never inside a combining sequence."""
    if start <= reach:
        return 0
    for at in range(start, start - reach, -1):
        if _is_break(text[at - 1]):
            return at
    if start < len(text):
        left = start - CONTEXT
        cuts = [left + c for c in boundaries(text[left : start + CONTEXT]) if 0 < c <= CONTEXT]
        start = max(cuts, default=start)
    while 0 < start < len(text) and unicodedata.combining(text[start]):
        start -= 1
    return start


def soft_end(text: str, end: int, reach: int = 8) -> int:
    """A snippet end at or after `end`: just after a punctuation mark within `reach`, else `end`
    itself; never before a combining mark."""
    if end >= len(text):
        return len(text)
    for at in range(end, min(len(text), end + reach)):
        if _is_break(text[at]):
            return at if text[at].isspace() else at + 1
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


_BREAKS = frozenset("，。；：、！？（）《》“”‘’「」【】…—,.;:!?()[]\"' \u3000")


def _is_break(ch: str) -> bool:
    return ch in _BREAKS or (ch > "\x7f" and unicodedata.category(ch).startswith("P"))
