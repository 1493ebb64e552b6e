"""Legacy-text importer: scraped procedure pages into clean documents with clause trees.

``read_source`` turns uploaded bytes into text, ``parse_page`` splits a page into its documents
(``ParsedDocument``: metadata, preamble, ``ParsedClause`` tree, warnings and repairs), and
``build_clause_tree`` applies the same numbering rules to already-clean blocks (Markdown).
See ``docs/importer.md``.
"""

from .models import ParsedClause, ParsedDocument, document_to_dict
from .page import build_clause_tree, parse_page
from .source import MAX_SOURCE_BYTES, SourceError, read_source

__all__ = [
    "MAX_SOURCE_BYTES",
    "ParsedClause",
    "ParsedDocument",
    "SourceError",
    "build_clause_tree",
    "document_to_dict",
    "parse_page",
    "read_source",
]
