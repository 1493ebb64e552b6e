"""The one definition of procedure search text, shared by live and offline search.

A clause matches a query when its normalized search text contains every query
term as a substring. The live server search, the static export index
(``portal.search.static``) and the browser script
(``static/js/offline-search.js``) must all agree on this, so the rules here are
deliberately small enough to mirror in JavaScript and in SQL (store
``normalize(text)`` in a column and test each term with ``instr``/``LIKE``):

* ``normalize``: ``str.lower()``, then every run of whitespace (as defined by
  ``str.isspace``, which includes U+3000 and NBSP) becomes one ASCII space, and
  the ends are stripped. No word segmentation, no width folding: Chinese text is
  matched character for character.
* ``parse_query``: the straight quote ``"`` and the curly quotes ``“ ”`` toggle
  phrase mode. Outside quotes the text is split on whitespace into terms; the
  text between two quotes is a single term that keeps its (normalized) inner
  spaces; an unclosed quote runs to the end. Empty terms are dropped and
  duplicates removed, keeping the first occurrence.
* ``matches``: every term is a substring of the normalized text. A query with
  no terms matches nothing, so an empty search box lists nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Any of these toggles phrase mode. Curly quotes are treated like the straight
# one (not as an open/close pair) because Chinese input methods and pasted text
# often pair them wrongly, e.g. the seed text itself has ”客户意见处理表”.
QUOTE_CHARS = '"\u201c\u201d'
_QUOTE_RE = re.compile("[" + re.escape(QUOTE_CHARS) + "]")


def normalize(text: str) -> str:
    """Lower-case, collapse whitespace runs to one space and strip the ends."""
    # str.split() without arguments splits on exactly the str.isspace()
    # characters and drops empty pieces, which collapses and strips in one go.
    return " ".join(text.lower().split())


def parse_query(q: str) -> list[str]:
    """Split a search box query into normalized, de-duplicated AND terms."""
    terms: list[str] = []
    # re.split keeps empty pieces, so odd indexes are always inside quotes,
    # which is exactly the toggle rule (and what JS String.split yields too).
    for index, segment in enumerate(_QUOTE_RE.split(q)):
        normalized = normalize(segment)
        if not normalized:
            continue
        pieces = [normalized] if index % 2 else normalized.split(" ")
        for piece in pieces:
            if piece not in terms:
                terms.append(piece)
    return terms


def matches(text_normalized: str, terms: Iterable[str]) -> bool:
    """Return True when every term is a substring of the normalized text.

    This is the oracle the offline index is tested against. ``text_normalized``
    must already be the output of :func:`normalize`.
    """
    terms = list(terms)
    return bool(terms) and all(term in text_normalized for term in terms)
