"""Import review: a suggestion the importer was not sure of, accepted with one click.

The importer changes a character only when the change is certain; an uncertain OCR confusion
(``曰`` where ``日`` may be meant) comes back as a suggestion with its page line and column.
Accepting it fixes that one character in the page's stored source text and imports the page
again, so every document of the page gets a new revision parsed from the corrected text.
"""

from __future__ import annotations

from portal.procedures import services
from portal.procedures.models import Procedure


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
    revision = procedure.current_revision
    if revision is None:
        raise SuggestionError("建议已失效：该文件没有现行版本。")
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
