"""The importer's entry points: a scraped page into documents, clean blocks into a clause tree."""

from __future__ import annotations

import re

from .anchors import assign_anchors
from .chars import clean_text, fold_width, widen_punctuation
from .control import clean_revision, iso_date, parse_control_block
from .dedupe import is_truncated, mark_duplicates
from .frame import NOTICE_KEYS, prepare
from .frontmatter import FrontMatter
from .models import ParsedClause, ParsedDocument
from .noise import remove_inline_noise
from .ocr import repair_ocr
from .repairs import FINANCIAL_SECOND, repair_line, repair_warning
from .segment import segment
from .split import RawDocument, split_lines
from .statements import apply_statements
from .textbuf import SourceText, join_lines
from .tree import TreeBuilder

_HEADER_PREFIX = re.compile(
    r"(?:[\u4e00-\u9fff]{2,20}(?:公司|集团)\??\s*)?(?:《[^》]{2,30}》\s*)?$"
)
_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _repair(raw: RawDocument, doc: ParsedDocument) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    rows = raw.lines
    financial = any(FINANCIAL_SECOND.match(line) for _, line in rows)
    for k, (number, line) in enumerate(rows):
        fixed, records = repair_line(line, number, financial)
        # A word can run across the page's line break: the OCR check reads the neighbours too.
        before = lines[-1][1] if lines and lines[-1][0] == number - 1 else ""
        after = rows[k + 1][1] if k + 1 < len(rows) and rows[k + 1][0] == number + 1 else ""
        fixed, ocr_records, suggestions = repair_ocr(fixed, number, before, after)
        doc.repairs.extend(records + ocr_records)
        doc.suggestions.extend(suggestions)
        lines.append((number, fixed))
    doc.warnings.extend(repair_warning(record) for record in doc.repairs)
    return lines


def _cut_running_headers(buffer: SourceText, doc: ParsedDocument) -> None:
    """A page header repeated inside the text: "…公司?《…手册》 文件编号… 页次220/304"."""
    for match in reversed(list(re.finditer("文件编号", buffer.text))):
        block = parse_control_block(buffer.text, match.start())
        if len(block.values) < 2:
            continue
        window = buffer.text[max(0, match.start() - 60) : match.start()]
        start = match.start() - len(_HEADER_PREFIX.search(window).group(0))
        doc.warnings.append(f"删除页眉 (line {buffer.line_at(start)})")
        buffer.delete(start, block.end)


def _apply_control(doc: ParsedDocument, control: dict[str, str]) -> None:
    for key, value in control.items():
        doc.control.setdefault(key, value)
    doc.code = doc.control.get("code")
    doc.revision = clean_revision(doc.control.get("revision"))
    doc.effective_date = iso_date(doc.control.get("effective_date"))


def _is_bilingual(text: str) -> bool:
    """English all through the text, or a text in English: its English is no filler."""
    words = len(_ENGLISH_WORD.findall(text))
    return len(_ENGLISH_WORD.findall(text[400:])) >= 40 or words > len(_CJK.findall(text))


def _finish(clauses: list[ParsedClause]) -> None:
    for clause in (c for top in clauses for c in top.walk()):
        clause.heading = clean_text(clause.heading).replace("\n", "")
        clause.text = clean_text(clause.text)
    assign_anchors(clauses)


def _build(raw: RawDocument, source: str) -> ParsedDocument:
    title = widen_punctuation(raw.title)
    doc = ParsedDocument(title, source=source, role=raw.role, warnings=list(raw.warnings))
    if raw.lines:
        last = max(number for number, _ in raw.lines)
        doc.source_lines = (min(raw.first_line or last, last), last)
    buffer = join_lines(_repair(raw, doc))
    remove_inline_noise(buffer)
    front = FrontMatter(buffer, raw.title, bilingual=_is_bilingual(buffer.text))
    front.run()
    _apply_control(doc, {**raw.control, **front.control})
    doc.warnings.extend(front.warnings)
    _cut_running_headers(buffer, doc)
    builder = TreeBuilder().build(segment(buffer))
    _finish(builder.clauses)
    doc.clauses = builder.clauses
    doc.preamble = clean_text("\n".join(builder.preamble))
    doc.warnings.extend(builder.warnings)
    doc.truncated = is_truncated(doc, buffer.text)
    apply_statements(doc)
    return doc


def parse_page(text: str, source: str = "") -> list[ParsedDocument]:
    """Every document of a scraped page (main ones first), cleaned and parsed into clauses."""
    prepared = prepare(text)
    issued = tuple(prepared.control.get("notice_titles", ()))
    raws = split_lines(prepared.lines, issued)
    if raws:
        raws[0].control = {**prepared.control, **raws[0].control}
        raws[0].warnings[:0] = prepared.warnings
    notice = {key: prepared.control[key] for key in NOTICE_KEYS if key in prepared.control}
    for raw in raws[1:]:
        if raw.role == "main":  # one notice issuing several rule sets: it applies to each
            raw.control = {**notice, **raw.control}
    docs = [_build(raw, source) for raw in raws]
    mark_duplicates(docs)
    return docs


def _blocks_text(blocks: list[str]) -> SourceText:
    """Blocks as paragraphs; a block's "line" in warnings is its 1-based position."""
    texts = [fold_width(block).replace("\n", " ").strip() for block in blocks]
    starts, offset = [], 0
    for number, text in enumerate(texts, 1):
        starts.append((offset, number))
        offset += len(text) + 1
    return SourceText("\n".join(texts), starts)


def build_clause_tree(blocks: list[str]) -> tuple[list[ParsedClause], list[str], str]:
    """Clause tree of already-clean blocks (one paragraph or heading each, e.g. from Markdown).

    Only a number at the start of a block counts.  A block without one continues the previous
    clause's text; blocks before the first numbered one are returned as the preamble.  Returns
    ``(clauses, warnings, preamble)``; a warning's "(line N)" is the N-th block.
    """
    builder = TreeBuilder(inline_titles=False).build(segment(_blocks_text(blocks), inline=False))
    _finish(builder.clauses)
    return builder.clauses, builder.warnings, clean_text("\n".join(builder.preamble))
