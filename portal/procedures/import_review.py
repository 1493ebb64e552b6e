"""Import review: a suggestion the importer was not sure of, accepted with one click.

The importer changes a character only when the change is certain; an uncertain OCR confusion
(``曰`` where ``日`` may be meant) comes back as a suggestion with its page line and column.
Accepting it fixes that one character in the page's stored source text and imports the page
again, so every document of the page gets a new revision parsed from the corrected text.

The 原文 pane shows a legacy revision's own part of the page (`source_excerpt`): a page holds a
main document and several related ones, and the revision stores the whole page, which the
suggestions' line numbers and a re-import need.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.procedures import reading_cache, services
from portal.procedures.importer import parse_page
from portal.procedures.models import Procedure, Revision, SourceFormat


@dataclass
class SourceExcerpt:
    """Lines `first`..`last` (1-based, inclusive) of a revision's source text of `total`."""

    text: str
    first: int
    last: int
    total: int

    @property
    def whole(self) -> bool:
        return self.first == 1 and self.last == self.total


def source_excerpt(revision: Revision) -> SourceExcerpt:
    """The part of the source page that `revision`'s document was read from (the whole text for
    Markdown, or when the page no longer yields that document)."""
    lines = revision.source_text.split("\n")
    span = None
    if revision.source_format == SourceFormat.LEGACY:
        key = ("source-lines", revision.id, revision.content_hash, revision.procedure.code)
        span = reading_cache.cached(key, lambda: _document_lines(revision))
    first, last = span or (1, len(lines))
    first, last = max(1, first), min(len(lines), last)
    return SourceExcerpt("\n".join(lines[first - 1 : last]), first, last, len(lines))


def _document_lines(revision: Revision) -> tuple[int, int] | None:
    """Parse the page again and find the revision's document: by the code the import gave it
    (`services.legacy_code`, same order, same page), else by its title as imported."""
    procedure = revision.procedure
    name = procedure.source_name or f"{procedure.code}.txt"
    try:
        docs = parse_page(revision.source_text, source=name)
    except Exception:  # an importer bug must not take the review page down: show the page
        return None
    codes: set[str] = set()
    by_code = {services.legacy_code(doc, name, codes): doc for doc in docs}
    doc = by_code.get(procedure.code) or next(
        (d for d in docs if d.title[:200] == revision.title), None
    )
    return doc.source_lines if doc is not None else None


class SuggestionError(ValueError):
    """The suggestion no longer fits the stored text (already accepted, or the text changed)."""


def corrected_text(text: str, line: int, column: int, old: str, new: str, context: str) -> str:
    """``text`` with ``old`` → ``new`` at (line, column); the context finds it if it moved."""
    lines = text.split("\n")
    if not (1 <= line <= len(lines)) or len(old) != 1 or len(new) != 1:
        raise SuggestionError("建议已失效：原文中找不到该位置。")
    row = lines[line - 1]
    if not (0 <= column < len(row) and row[column] == old):
        at = row.find(context) if context and old in context else -1
        if at < 0:
            raise SuggestionError("建议已失效：原文中找不到该位置。")
        column = at + context.index(old)
    lines[line - 1] = row[:column] + new + row[column + 1 :]
    return "\n".join(lines)


def accept_suggestion(procedure: Procedure, suggestion: dict, user=None) -> services.FileResult:
    """Fix the suggested character in the page ``procedure`` came from and import it again."""
    # An imported page is a draft until it is issued (or was issued at once by a bulk load).
    revision = procedure.draft_revision or procedure.current_revision
    if revision is None:
        raise SuggestionError("建议已失效：该文件没有草稿或现行版本。")
    if revision.source_format != SourceFormat.LEGACY:  # edited in the form editor since
        raise SuggestionError("建议已失效：该文件已在编辑器中修改，请在编辑器中修正。")
    text = corrected_text(
        revision.source_text,
        int(suggestion["line"]),
        int(suggestion["column"]),
        suggestion["from"],
        suggestion["to"],
        suggestion.get("context", ""),
    )
    name = procedure.source_name or f"{procedure.code}.txt"
    return services.import_legacy_files([(name, text.encode("utf-8"))], user)[0]
