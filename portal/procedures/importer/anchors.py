"""Anchors: short ASCII ids for clauses, derived from their number path.

Scheme (deterministic: the same text always gives the same anchors):

* 第X章 → ``ch-3``; 第X节 → ``ch-3-sec-2`` (``sec-2`` outside a chapter);
* 第X条 → ``art-5`` (articles are numbered continuously through a regulation);
* decimal numbers → ``s-4-2-1`` (``4.0`` → ``s-4``); a top-level ``1、``/``1.``/``1`` → ``s-1``;
* 附录/附件 → ``appendix-1``; an unnumbered part heading → ``part-1``;
* any other top-level number → ``p-N``; any other nested number → the parent's anchor plus
  ``-N`` (``s-4-2-1-3``, ``art-3-2``, ``p-1-2``).  Bullets count their position.

Anchors are unique within a document: on a collision the suffix ``-b``, ``-c`` … is added.
"""

from __future__ import annotations

from .models import ParsedClause

_TOP_SECTION = {"num_comma", "num_dot", "num_bare", "dot_digit", "article_en"}


def _base(clause: ParsedClause, parent: ParsedClause | None, chapter: str | None) -> str:
    value = clause.path[-1]
    if clause.style == "chapter":
        return f"ch-{value}"
    if clause.style == "section":
        return f"{chapter}-sec-{value}" if chapter else f"sec-{value}"
    if clause.style == "article":
        return f"art-{value}"
    if clause.style == "decimal":
        return "s-" + "-".join(str(part) for part in clause.path)
    if clause.style == "appendix":
        return f"appendix-{value}"
    if parent is None:
        if clause.style == "part":
            return f"part-{value}"
        return f"s-{value}" if clause.style in _TOP_SECTION else f"p-{value}"
    if clause.style == "part":
        return f"{parent.anchor}-part-{value}"
    return f"{parent.anchor}-{value}"


def _unique(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    for n in range(1, 10_000):
        suffix = chr(ord("a") + n) if n < 26 else str(n + 1)
        candidate = f"{base}-{suffix}"
        if candidate not in used:
            return candidate
    raise ValueError(f"too many clauses share the anchor {base!r}")


def assign_anchors(clauses: list[ParsedClause]) -> None:
    """Set ``anchor`` on every clause, in document order."""
    used: set[str] = set()

    def visit(clause: ParsedClause, parent: ParsedClause | None, chapter: str | None) -> None:
        clause.anchor = _unique(_base(clause, parent, chapter), used)
        used.add(clause.anchor)
        chapter = clause.anchor if clause.style == "chapter" else chapter
        for child in clause.children:
            visit(child, clause, chapter)

    for clause in clauses:
        visit(clause, None, None)
