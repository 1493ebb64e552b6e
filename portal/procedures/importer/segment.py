"""Cut a cleaned document body into items: a clause number with its text, or plain text.

Inside a collapsed document a single space stands for a lost line break.  After a finished
sentence ("。 ") it is a paragraph break; right after a number, a short unpunctuated run followed
by a space is the clause's heading ("1、目的 为迅速处理…"); anywhere else between Chinese
characters it is deleted later, when the text is cleaned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chars import IDEOGRAPH, ends_open, has_ideograph
from .numbering import Marker, Scanner
from .textbuf import SourceText

# Paragraph breaks: a space after a finished sentence, a label closing a sentence
# ("…优越感。小提醒:"), and an orphan dot whose number was lost (" . 制定目的").
_PARAGRAPH_BREAK = re.compile(
    r"(?<=[。!?])\s+(?=\S)|(?<=[。!?;])(?=[^\s,;。!?:]{2,8}:\s*$)|\s\.\s(?=[\u4e00-\u9fff])"
)
_SENTENCE_PUNCT = re.compile(r"[,;。!?，；。！？]")
_COLON_TITLE = re.compile(r"([^\s,;。!?:]{0,19}[^\s,;。!?:\d])\s*:\s*(.*)", re.S)
_SPACE_TITLE = re.compile(r"([^\s,;。!?:]{2,15})\s+(\S.*)", re.S)
# Section names of control procedures, recognised even when glued to the text: "目的为加强…".
_SECTION_WORD = re.compile(
    r"(?:目的|适用范围|范围|定义|职责|相关权责|引用标准|参考文件|作业程序|工作程序|运行程序"
    r"|工作流程和控制要点|管理内容|作业内容|术语和定义|相关记录表单)(?=[^\s内外的和及与、])"
)
# A clause ending in ":" that introduces a list is a sentence, not a heading.
INTRODUCES = re.compile(r"以下|如下|下列|包括|分为|是|为|应|须|将|有")


@dataclass
class Item:
    """A numbered piece (``marker`` set) or a paragraph of plain text, with its source line."""

    marker: Marker | None
    text: str
    line: int


def looks_like_heading(text: str) -> bool:
    """Short, unpunctuated text after a number is the clause's heading, not its text."""
    core = re.sub(r"\s+", "", text)
    if re.search(f"[{IDEOGRAPH}]\\.$", core):
        return False  # "订单的跟进与管理." ends a sentence with an ASCII full stop
    if core.count("《") != core.count("》"):
        return False  # half a book title: the sentence goes on
    colon = core.endswith(":")
    core = core.rstrip(":")
    if not core or len(core) > 25 or _SENTENCE_PUNCT.search(core) or ends_open(core):
        return False
    return not (colon and (len(core) > 10 or INTRODUCES.search(core)))


def _inline_title(text: str) -> tuple[str, str] | None:
    """A title run into its text: "目的 为迅速处理…", "首次回访:订单生效后…", "目的为加强…"."""
    word = _SECTION_WORD.match(text)
    if word and not _SENTENCE_PUNCT.match(text, word.end()):
        return word.group(0), text[word.end() :].lstrip(" :")
    spaced = _SPACE_TITLE.match(text)
    if spaced and looks_like_heading(spaced.group(1)) and not spaced.group(2)[0].isascii():
        rest = spaced.group(2).strip()
        if len(rest.rstrip(":")) <= 4 and looks_like_heading(rest):
            return spaced.group(1) + rest.rstrip(":"), ""  # a wrapped heading: "七必须和七 不准:"
        return spaced.group(1), rest
    colon = _COLON_TITLE.match(text)
    if colon is None or colon.group(2).startswith("“"):  # 征询时说:“…” is speech, not a title
        return None
    title = colon.group(1)
    if looks_like_heading(title) and has_ideograph(title) and not INTRODUCES.search(title):
        return title, colon.group(2).strip()
    return None


def split_heading(text: str, inline_titles: bool = True) -> tuple[str, str]:
    """(heading, text) of the words after a clause number."""
    text = text.strip().lstrip(":、.").strip()
    if not text:
        return "", ""
    found = _inline_title(text) if inline_titles else None
    if found:
        return found
    if looks_like_heading(text):
        return text.rstrip(":").strip(), ""
    return "", text


def _pieces(text: str) -> list[tuple[int, str]]:
    """Split a segment at sentence-final spaces, keeping each piece's offset."""
    pieces, start = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        pieces.append((start, text[start : match.start()]))
        start = match.end()
    pieces.append((start, text[start:]))
    return [(offset, piece) for offset, piece in pieces if piece.strip()]


def _segment_items(
    buffer: SourceText, base: int, text: str, marker: Marker | None, inline: bool
) -> list[Item]:
    items = []
    pieces = _pieces(text) if inline else [(0, text)] if text.strip() else []
    for n, (offset, piece) in enumerate(pieces):
        owner = marker if n == 0 else None
        items.append(Item(owner, piece, buffer.line_at(base + offset)))
    if marker is not None and not items:
        items.append(Item(marker, "", buffer.line_at(base)))
    return items


def segment(buffer: SourceText, inline: bool = True) -> list[Item]:
    """Items of a document body in order.

    With ``inline`` (scraped text) numbers are found anywhere a boundary allows and segments are
    split at lost paragraph breaks; without it (clean blocks) only a leading number counts and a
    block stays one paragraph.
    """
    scanner = Scanner(inline=inline)
    items: list[Item] = []
    for offset, paragraph in buffer.paragraphs():
        # A Markdown table row holds cells, not clauses: "| 优秀 | 1.2 |" numbers nothing.
        markers = [] if paragraph.startswith("|") else scanner.scan(paragraph)
        cuts = [(None, 0)] + [(m, m.end) for m in markers]
        ends = [m.start for m in markers] + [len(paragraph)]
        for (marker, start), end in zip(cuts, ends, strict=True):
            text = paragraph[start:end]
            if marker is None and not text.strip():
                continue
            items.extend(_segment_items(buffer, offset + start, text, marker, inline))
    return items
