"""Split a scraped page into its documents.

A page is: a breadcrumb and the page title repeated a few times; the main document, one
paragraph per line; then "related documents", each a short title line followed by one to three
very long lines (a whole document collapsed onto a line per source page); then footer lines.

A related document starts at a short line (at most 40 characters, no sentence punctuation)
that is followed, within two lines, by a line of at least 160 characters.  A short line directly
after such a title that repeats it (or is a clipped copy) is dropped.  The main region can hold
two documents, each under its own sub-title ("客户服务管理办法", "客户服务标准") with numbering
restarting; it is split there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .chars import fold_width
from .frontmatter import _STRONG_SUFFIX, DOC_SUFFIX, normalise_title, similar_title, title_like
from .noise import BREADCRUMB, FOOTER_LINE, strip_decorations
from .numbering import SECTION_HEADING, Scanner, leading_marker

Line = tuple[int, str]
_TITLE_MAX = 40
_LONG = 160
_SENTENCE_END = tuple("。;:!?；：！？")
# Deliberately broader than the scanner: a main-document line that merely looks numbered
# ("4.1客户服务", "①客户来访") must never be taken for a related document's title.
_LEADING_MARKER = re.compile(
    r"^(?:第[一二三四五六七八九十百\d]+[章节条]|[一二三四五六七八九十]+[、.]"
    r"|\([一二三四五六七八九十\d]{1,3}\)|\d|[\u2460-\u249b]|[A-Za-z][.、)])"
)
_ORG_LINE = re.compile(r"^[\u4e00-\u9fff]{2,20}(?:公司|集团|局|厅|院|中心|学校)$")
_NAME_LINE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_PUNCT = re.compile(r"[,;。!?、:]")


@dataclass
class RawDocument:
    """A document's title and its body lines, before any text clean-up."""

    title: str
    role: str
    lines: list[Line]
    control: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The page line the document starts at (its title line; 1 for the page's main document).
    first_line: int = 0


def _same(a: str, b: str) -> bool:
    return normalise_title(a) == normalise_title(b)


def _strip_footer(lines: list[Line]) -> list[Line]:
    while lines and FOOTER_LINE.match(lines[-1][1]):
        lines = lines[:-1]
    return lines


def _page_title(lines: list[Line]) -> tuple[str, list[Line]]:
    """The page title and the lines after the breadcrumb and the repeated title block."""
    if not lines:
        return "", lines
    first = lines[0][1]
    crumb = BREADCRUMB.match(first)
    title = crumb.group("title") if crumb else first.strip()
    rest = lines[1:] if crumb else lines
    if not crumb and (len(title) > 60 or title.endswith(_SENTENCE_END)):
        return "", lines
    while rest and _same(rest[0][1], title):
        rest = rest[1:]
    return strip_decorations(title) or title, rest


def _is_title_line(lines: list[Line], i: int, main: bool) -> bool:
    text = lines[i][1].strip()
    if len(text) > _TITLE_MAX or text.endswith(_SENTENCE_END):
        return False
    if main and _LEADING_MARKER.match(text):
        return False
    following = lines[i + 1 : i + 3]
    return any(len(line.strip()) >= _LONG for _, line in following)


def _repeat_of(candidate: str, title: str) -> bool:
    """A line right after a title that repeats it: clipped, decorated or inside a cover line."""
    first = candidate.split()[0] if candidate.split() else ""
    a, b = normalise_title(candidate), normalise_title(title)
    contained = (len(a) >= 4 and a in b) or (len(b) >= 4 and b in a)
    return a == b or contained or similar_title(first, title)


def _title_indexes(lines: list[Line]) -> list[int]:
    """Indexes of related-document title lines (the first one ends the main region)."""
    found: list[int] = []
    i = 0
    while i < len(lines):
        if not _is_title_line(lines, i, main=not found):
            i += 1
            continue
        nxt = lines[i + 1][1].strip() if i + 1 < len(lines) else ""
        repeated = bool(nxt) and len(nxt) <= _TITLE_MAX and _repeat_of(nxt, lines[i][1])
        if not repeated and len(nxt) <= _TITLE_MAX and _is_title_line(lines, i + 1, main=False):
            i += 1  # a stray short line just before the real title
            continue
        found.append(i)
        i += 2 if repeated else 1
    return _without_section_headings(lines, _keep_related(lines, found))


def _names_document(text: str) -> bool:
    """A title a related document would carry: a name with a strong suffix (…管理办法)."""
    return len(text) >= 3 and title_like(text) and bool(_STRONG_SUFFIX.search(text))


def _without_section_headings(lines: list[Line], found: list[int]) -> list[int]:
    """Drop the candidates that are the main document's own unnumbered section headings.

    A short line over a long paragraph is how a listing page shows a related document, and
    also how a document without numbers shows its sections ("目的" over its paragraph).  A
    standard section name is never a document's title, and related documents follow the main
    one, so every candidate up to the last such name is a heading too; so are the short ones
    (eight characters at most) before the first candidate that names a document.  Candidates
    that start right at the top, not all naming documents, are the headings of a document
    with no text before its first section: a page never lists related documents under an
    empty main one.
    """
    texts = [lines[i][1].strip() for i in found]
    named = [n for n, text in enumerate(texts) if SECTION_HEADING.fullmatch(text)]
    if named:
        found, texts = found[named[-1] + 1 :], texts[named[-1] + 1 :]
    if found and found[0] == 0 and not all(_names_document(text) for text in texts):
        return []
    short = 0
    while short < len(found) and len(texts[short]) <= 8 and not _names_document(texts[short]):
        short += 1
    return found[short:]


def _continues_numbering(lines: list[Line], start: int, title: int, end: int) -> bool:
    """True when the first number under the candidate title at ``title`` goes on with the
    numbering of the document above it (``一、`` … title … ``二、``): a sub-heading with a long
    paragraph under it, not a related document, which starts its own numbering."""
    last: dict[str, int] = {}
    for _, text in lines[start:title]:
        marker = leading_marker(text)
        if marker is not None:
            last[marker.style] = marker.value
    for _, text in lines[title + 1 : end]:
        marker = leading_marker(text)
        if marker is not None:
            return marker.value > 1 and last.get(marker.style) == marker.value - 1
    return False


def _keep_related(lines: list[Line], found: list[int]) -> list[int]:
    kept: list[int] = []
    for n, index in enumerate(found):
        start = kept[-1] + 1 if kept else 0
        end = found[n + 1] if n + 1 < len(found) else len(lines)
        if not _continues_numbering(lines, start, index, end):
            kept.append(index)
    return kept


def _related(lines: list[Line]) -> RawDocument:
    title = lines[0][1]
    doc = RawDocument(strip_decorations(title), "related", lines[1:], first_line=lines[0][0])
    if not doc.lines or len(doc.lines[0][1]) > _TITLE_MAX or not _repeat_of(doc.lines[0][1], title):
        return doc
    number, repeat = doc.lines[0]
    again, original = normalise_title(repeat), normalise_title(title)
    if again in (original, ""):
        doc.lines.pop(0)
    elif again in original:
        doc.lines.pop(0)
        doc.warnings.append(f"删除残缺标题行 (line {number})")
    # otherwise a variant title: kept, the front matter reads it as the body's own title
    return doc


def _starts_sequence(line: str) -> bool:
    marker = leading_marker(line)
    return marker is not None and marker.values == (1,)


def _subtitle_indexes(lines: list[Line]) -> list[int]:
    """Lines naming a document of their own, each followed by numbering that starts at 1."""
    found = []
    for i, (_, text) in enumerate(lines[:-1]):
        text = text.strip()
        if len(text) > 20 or _PUNCT.search(text) or _LEADING_MARKER.match(text):
            continue
        if SECTION_HEADING.fullmatch(text):
            continue  # "职责", "工作程序": a section's name, never a document's
        if DOC_SUFFIX.search(text) and _starts_sequence(lines[i + 1][1]):
            found.append(i)
    return found


def _front_lines(lines: list[Line], control: dict[str, str]) -> list[Line]:
    """Move organisation, author and sub-title lines above the first clause into metadata."""
    kept = []
    for index, (number, text) in enumerate(lines):
        text = text.strip()
        if _LEADING_MARKER.match(text) or len(text) > 20 or _PUNCT.search(text):
            return kept + lines[index:]
        over_paragraph = index + 1 < len(lines) and len(lines[index + 1][1]) >= _LONG
        if SECTION_HEADING.fullmatch(text) or (over_paragraph and not DOC_SUFFIX.search(text)):
            return kept + lines[index:]  # the first section's heading, not a name or a title
        if _ORG_LINE.match(text):
            control.setdefault("organisation", text)
        elif DOC_SUFFIX.search(text):
            control.setdefault("body_title", text)
        elif _NAME_LINE.match(text) and index == 0:
            control.setdefault("author", text)
        else:
            kept.append((number, text))
    return kept


_ATTACHMENT_LABEL = re.compile(r"附[件表录]\s*[\d一二三四五六七八九十]{1,2}\s*:?")


def _label_before(lines: list[Line], head: int) -> int:
    """Where the document before a rule set's title ends: above its "附件2" line, if any."""
    return head - 1 if head > 0 and _ATTACHMENT_LABEL.fullmatch(lines[head - 1][1]) else head


def _issued_documents(lines: list[Line], page_title: str, issued: tuple[str, ...]):
    """The rule sets one issuing notice published together, each from its title line on."""
    heads = [i for i, (_, text) in enumerate(lines) if text in issued and text != page_title]
    if not heads:
        return None
    docs = []
    for n, start in enumerate([-1, *heads]):
        end = _label_before(lines, heads[n]) if n < len(heads) else len(lines)
        title = page_title if start < 0 else lines[start][1]
        first = 1 if start < 0 else lines[start][0]
        doc = RawDocument(title, "main", [], first_line=first)
        doc.lines = _front_lines(lines[start + 1 : end], doc.control)
        docs.append(doc)
    return docs


def _restarts_numbering(lines: list[Line], head: int) -> bool:
    """The numbering under a title line in the middle of the main text starts again at 1 in
    a style that had gone past 1 above it: a second rule set, not a heading of the first."""
    marker = leading_marker(lines[head + 1][1])
    if head == 0 or marker is None:
        return False
    scanner = Scanner(inline=False)  # in context: "III. 使用要求" after "II." is numbered
    above = [m for _, text in lines[:head] for m in scanner.scan(text)]
    if scanner.scan(lines[head][1]):
        return False
    return any(m.style == marker.style and m.value > 1 for m in above)


def _second_rule_set(lines: list[Line], page_title: str, head: int) -> list[RawDocument]:
    """Two rule sets one after the other (a notice issuing both, a pasted pair): the page's
    title heads the first, the title line in the middle the second."""
    first = RawDocument(page_title, "main", [], first_line=1)
    first.lines = _front_lines(lines[: _label_before(lines, head)], first.control)
    second = RawDocument(
        lines[head][1].strip(), "main", lines[head + 1 :], first_line=lines[head][0]
    )
    return [first, second]


def _main_documents(
    lines: list[Line], page_title: str, issued: tuple[str, ...] = ()
) -> list[RawDocument]:
    docs = _issued_documents(lines, page_title, issued) if issued else None
    if docs:
        return docs
    heads = _subtitle_indexes(lines)
    if len(heads) == 1 and _restarts_numbering(lines, heads[0]):
        return _second_rule_set(lines, page_title, heads[0])
    if len(heads) < 2:
        doc = RawDocument(page_title, "main", lines, first_line=1)
        doc.lines = _front_lines(lines, doc.control)
        return [doc] if doc.lines else []
    docs = []
    starts = [h - 1 if h > 0 and _ORG_LINE.match(lines[h - 1][1].strip()) else h for h in heads]
    for n, head in enumerate(heads):
        end = starts[n + 1] if n + 1 < len(heads) else len(lines)
        first = 1 if n == 0 else lines[starts[n]][0]
        doc = RawDocument(lines[head][1].strip(), "main", lines[head + 1 : end], first_line=first)
        if starts[n] < head:
            doc.control["organisation"] = lines[starts[n]][1].strip()
        if n == 0:
            doc.lines = lines[: starts[0]] + doc.lines
        doc.control["page_title"] = page_title
        docs.append(doc)
    return docs


def split_page(text: str) -> list[RawDocument]:
    """Documents of a page in order: the main one(s) first, then the related ones."""
    return split_lines(list(enumerate(fold_width(text).split("\n"), 1)))


def split_lines(numbered: list[Line], issued: tuple[str, ...] = ()) -> list[RawDocument]:
    """``split_page`` over width-folded lines that carry their page line numbers.

    ``issued`` names the rule sets an issuing notice published together: each of them found
    in the main region starts a main document of its own."""
    numbered = [(i, line.replace("\t", " ").strip()) for i, line in numbered]
    lines = _strip_footer([line for line in numbered if line[1]])
    page_title, body = _page_title(lines)
    titles = _title_indexes(body)
    main_end = titles[0] if titles else len(body)
    docs = _main_documents(body[:main_end], page_title or "未命名文档", issued)
    for n, start in enumerate(titles):
        end = titles[n + 1] if n + 1 < len(titles) else len(body)
        docs.append(_related(body[start:end]))
    return docs
