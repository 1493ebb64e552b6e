"""Tables of contents that precede a body, and outlines (提纲) that repeat its headings.

A TOC reuses the body's numbers ("目录 第1章目的和范围 … 第7章附则 第一章目的和范围 …"), so it
must go before clauses are read.  Three shapes are recognised near the start of a document:

* "目录" followed by entries, ending where the first entry's number comes round again;
* "提纲:" … "内容:" (an outline followed by the text);
* three or more entries carrying page numbers in parentheses ("一、总则 (1) 二、… (2)").
"""

from __future__ import annotations

import re

from .numbering import Scanner

_SEARCH = 600  # a TOC starts this close to the top of a document, or it is not one
_MAX_TOC = 2500
_KEYWORD = re.compile(r"目\s?录")
_OUTLINE = re.compile(r"提纲\s*[:：]")
_OUTLINE_END = re.compile(r"内容\s*[:：]")
# A page-numbered entry: a numbered title, a space, then "(N)".
_PAGED_ENTRY = (
    r"(?:第\S{1,3}[章节]|[一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)、?|\d{1,2}[、.])"
    r"[^\s()]{1,24}\s\(\d{1,3}\)(?=\s|$)\s*"
)
_PAGED = re.compile(rf"(?:{_PAGED_ENTRY}){{3,}}")
_LEVEL = {
    "chapter": "chapter",
    "cn": "cn",
    "decimal": "decimal",
    "num_dot": "num",
    "num_comma": "num",
}


def _restart(text: str, start: int) -> int | None:
    """Offset where the first TOC entry's number appears again, i.e. where the body begins."""
    markers = Scanner().scan(text[start : start + _MAX_TOC].replace("\n", " "))
    if not markers:
        return None
    first = markers[0]
    level = _LEVEL.get(first.style, first.style)
    progressed = False
    for marker in markers[1:]:
        if _LEVEL.get(marker.style, marker.style) != level:
            continue
        if marker.values == first.values and progressed:
            return start + marker.start
        progressed = progressed or marker.values > first.values
    return None


def _keyword_toc(text: str) -> tuple[int, int] | None:
    outline = _OUTLINE.search(text, 0, _SEARCH)
    if outline:
        end = _OUTLINE_END.search(text, outline.end(), outline.end() + _MAX_TOC)
        if end:
            return outline.start(), end.end()
    keyword = _KEYWORD.search(text, 0, _SEARCH)
    if keyword:
        end = _restart(text, keyword.end())
        if end is None:
            newline = text.find("\n", keyword.end())
            end = newline if newline > 0 else None
        if end is not None:
            return keyword.start(), end
    return None


def find_toc(text: str) -> tuple[int, int] | None:
    """(start, end) of a table of contents or outline near the top of ``text``, else None."""
    span = _keyword_toc(text)
    if span:
        return span
    paged = _PAGED.search(text, 0, _SEARCH + _MAX_TOC)
    if paged and paged.start() < _SEARCH:
        return paged.start(), paged.end()
    return None
