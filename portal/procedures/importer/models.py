"""The importer's result types and their JSON (dry-run) shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ParsedClause:
    """One numbered clause; ``text`` is its own text only, paragraphs separated by ``\\n``."""

    number: str
    style: str
    path: tuple[int, ...]
    anchor: str = ""
    heading: str = ""
    text: str = ""
    children: list[ParsedClause] = field(default_factory=list)

    def walk(self):
        """Yield this clause and all its descendants in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ParsedDocument:
    """One document found in a page: metadata, preamble and clause tree."""

    title: str
    code: str | None = None
    revision: str | None = None
    effective_date: str | None = None
    control: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    role: str = "main"
    duplicate_of: str | None = None
    truncated: bool = False
    preamble: str = ""
    clauses: list[ParsedClause] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    repairs: list[dict[str, Any]] = field(default_factory=list)
    # Uncertain repairs for the reviewer: {from, to, line, context}; nothing was changed.
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    # (first, last) line of the page the document was read from, 1-based and inclusive: a
    # page holds several documents, and a reviewer compares each with its own part.
    source_lines: tuple[int, int] | None = None

    def walk(self):
        """Yield every clause of the document in document order."""
        for clause in self.clauses:
            yield from clause.walk()


def clause_to_dict(clause: ParsedClause) -> dict[str, Any]:
    return {
        "number": clause.number,
        "anchor": clause.anchor,
        "heading": clause.heading,
        "text": clause.text,
        "children": [clause_to_dict(child) for child in clause.children],
    }


def document_to_dict(doc: ParsedDocument) -> dict[str, Any]:
    """The JSON shape printed by ``flask procedures import --dry-run --json``."""
    return {
        "title": doc.title,
        "code": doc.code,
        "revision": doc.revision,
        "effective_date": doc.effective_date,
        "source": doc.source,
        "duplicate_of": doc.duplicate_of,
        "truncated": doc.truncated,
        "warnings": list(doc.warnings),
        "suggestions": list(doc.suggestions),
        "clauses": [clause_to_dict(clause) for clause in doc.clauses],
    }
