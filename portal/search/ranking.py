"""How search results are ordered (docs/decisions/012-search-ranking.md). Pure functions over
plain values, so the live search and its tests share them; `static/js/offline-search.js`
mirrors them for the offline copy.

Ranking never changes which items match (the substring rule of `search_text`); it orders them:

* a procedure named by its exact code, title or an alias first, then one whose title, code or
  aliases contain the words, then one found only in its preamble;
* a clause scores by fields, each with its weight: the heading, the procedure's title and
  aliases (a clause of 客户投诉处理程序 is more about 投诉 than one of 档案管理制度), matches on
  word boundaries (回访 in 结案回访, not 交回 + 访客), then BM25 over the clause text;
* where a procedure first mentions the words (a form's name, a duty), it usually says what
  they are: that clause gets a little more;
* the company's reviewed procedures above unreviewed legacy imports, a superseded revision
  below the current one.
"""

from __future__ import annotations

# BM25 over the clause text (number, heading and text): the usual constants.
K1 = 1.2
B = 0.75
AVG_CHARS = 120.0  # about the median clause of the library; only the shape of the curve matters

# Field weights, per term (a term's weight grows with its length up to 4 characters: longer
# terms say more). Chosen so that the order holds: heading > word-aligned > text.
W_HEADING = 4.0
W_HEADING_EXACT = 3.0  # the heading is the term itself: "4.8 结案回访" for 结案回访
W_TITLE = 3.0
W_ALIAS = 3.0
W_ALIGNED = 2.0
W_FIRST_MENTION = 1.5
W_REVIEWED = 2.0
W_CURRENT = 1.0

# Procedures (search_documents): above every clause when named, else among them.
DOC_EXACT = 100.0
DOC_ALIAS_EXACT = 60.0
DOC_NAMED = 30.0  # every term in the code, title or aliases
DOC_PREAMBLE = 2.0  # found only in the preamble: about a clause's weight
DOC_REVIEWED = 5.0
DOC_SUPERSEDED = -10.0  # below the current revision, still above the clauses when named


def term_weight(term: str) -> float:
    # Every candidate contains every term (AND), so document frequencies among the candidates
    # are all equal and tell nothing; a term's length stands in for its rarity instead.
    return min(len(term), 4) / 2


def bm25(tf: int, length: int) -> float:
    if tf <= 0:
        return 0.0
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / AVG_CHARS))


def clause_score(
    terms: list[str],
    body: str,
    heading: str,
    title: str,
    aliases: str,
    is_current: bool,
    reviewed: bool = True,
    first_mention: bool = False,
    aligned: dict[str, bool] | None = None,
) -> float:
    """A clause's score. All strings are normalized (`search_text.normalize`); `heading` is the
    clause's label (its citation, then its heading: "4.8 结案回访"); `first_mention`:
    no earlier clause of the revision matches; `aligned` maps a term to whether it occurs on
    word boundaries (left out: not yet known, counts as no)."""
    return revision_score(terms, title, aliases, is_current, reviewed) + clause_part(
        terms, body, heading, first_mention, aligned
    )


def revision_score(
    terms: list[str], title: str, aliases: str, is_current: bool, reviewed: bool = True
) -> float:
    """The part of a clause's score that its procedure gives (the same for all its clauses)."""
    score = (W_CURRENT if is_current else 0.0) + (W_REVIEWED if reviewed else 0.0)
    for term in terms:
        if term in title:
            score += term_weight(term) * W_TITLE
        if aliases and term in aliases:
            score += term_weight(term) * W_ALIAS
    return score


def clause_part(
    terms: list[str],
    body: str,
    heading: str,
    first_mention: bool = False,
    aligned: dict[str, bool] | None = None,
) -> float:
    """The part of a clause's score that is its own: heading, boundaries, first mention, BM25."""
    score = 0.0
    length_norm = K1 * (1 - B + B * len(body) / AVG_CHARS)
    for term in terms:
        weight = term_weight(term)
        if first_mention:
            score += weight * W_FIRST_MENTION
        if term in heading:
            exact = heading.split(" ", 1)[-1] == term
            score += weight * (W_HEADING + (W_HEADING_EXACT if exact else 0.0))
        if aligned and aligned.get(term):
            score += weight * W_ALIGNED
        tf = body.count(term)
        if tf:
            score += weight * tf * (K1 + 1) / (tf + length_norm)
    return score


def document_score(
    q_terms: list[str],
    code: str,
    title: str,
    aliases: list[str],
    reviewed: bool = True,
    is_current: bool = True,
) -> float:
    """A procedure's score (normalized strings). The whole query is compared with the code,
    title and each alias; then each term with them."""
    prior = (DOC_REVIEWED if reviewed else 0.0) + (0.0 if is_current else DOC_SUPERSEDED)
    whole = " ".join(q_terms)
    if whole in (code, title):
        return DOC_EXACT + prior
    if whole in aliases:
        return DOC_ALIAS_EXACT + prior
    named = " ".join((code, title, *aliases))
    if all(term in named for term in q_terms):
        # Among named procedures, the one whose title the query covers most comes first.
        covered = sum(len(term) for term in q_terms if term in title or term in code)
        return DOC_NAMED + prior + 10.0 * covered / max(len(title), 1)
    return DOC_PREAMBLE + prior + sum(term_weight(term) for term in q_terms if term in named)
