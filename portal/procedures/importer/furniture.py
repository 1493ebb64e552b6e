"""Normalise the raw lines, find page breaks and remove the furniture printed on every page.

A page break shows itself by a page-number line (``第1页 共3页``, ``- 2 -``, ``Page 2 of 5``).
A running header is a line that repeats at the top of the pages (right after a break);
a running footer one that repeats right before a break.  Repetition alone is not enough: a
listing page repeats related documents' titles.  Nothing here names a document or a site.
Two-column PDF text layers (two texts side by side on each line) are read column by column.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

from .chars import fold_width_keep_tabs
from .control import parse_control_block
from .frontmatter import title_like
from .numbering import leading_marker

Line = tuple[int, str]
PAGE_BREAK = "\ue000"  # stands for a form feed until the furniture stage has used it

_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\ufe0f\u00ad]")
_N = r"(?:\d{1,4}|[一二三四五六七八九十]{1,3})"
_PAGE_NUMBER = re.compile(
    rf"第\s*{_N}\s*[页頁]\s*[,，/、]?\s*(?:共\s*{_N}\s*[页頁])?"
    rf"|(?:共\s*{_N}\s*[页頁]\s*[,，/、]?\s*)第\s*{_N}\s*[页頁]"
    r"|\ue000"  # a form feed: the page break of a PDF's text layer
    r"|[-—–]\s*\d{1,4}\s*[-—–]"
    r"|[·•]\s*\d{1,4}\s*[·•]"  # a scan's centred "·2·"
    r"|(?:Page|页码|页)\s*[:：]?\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
)
# A page number inside a short footer or header line ("某公司 第2页", "制度汇编 - 3 -").
_PAGE_INSIDE = re.compile(
    r"第\s*\d{1,4}\s*[页頁]|Page\s*\d{1,4}|(?<!\d)\d{1,4}\s*/\s*\d{1,4}(?!\d)|[-—]\s*\d{1,4}\s*[-—]"
)
_BARE = re.compile(r"\d{1,3}")
_SENTENCE_MARK = re.compile(r"[,;:，；：。!?！？]")
_STAMP = re.compile(r"\s{6,}[\u4e00-\u9fff]\s*")
_SHORT_HEADING = re.compile(r"[\u4e00-\u9fff][^,;:，；：。!?！？]{1,14}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MARKER_START = re.compile(r"(?:第\S{1,4}[章节条]|[一二三四五六七八九十]+[、.]|\(|\d)")
_CONTROL_KEY = re.compile(r"文件编号|制度编号|编号|版本号|版本|版次|生效日期|实施日期")
_GAP = re.compile(r"\S(\s{4,}|\t+)\S")


_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
_RULE_LINE = re.compile(r"[─━═=*~·\-–—_+#\s]{3,}")
_BULLET = re.compile(r"^\s*[•▪◆■►➢▶◇□](?=\s*\S)")  # Word's bullets; the importer reads ●
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)")
_SPACED_NUMBER = re.compile(r"^\s*第(?:\s*[一二三四五六七八九十百零〇\d]){1,4}\s*[章节条](?=\s)")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")


def _drop_emoji(match: re.Match) -> str:
    ch = match.group(0)
    return "" if ord(ch) >= 0x1F000 or unicodedata.category(ch) == "So" else ch


def normalise_lines(text: str) -> list[Line]:
    """Numbered lines, width-folded (tabs kept), without CR, zero-width characters, emoji,
    HTML entities, Markdown heading marks or trailing spaces; ``第 一 条`` closed up."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _INVISIBLE_RE.search(text):
        text = _INVISIBLE_RE.sub("", text)
    text = text.replace("\f", f"\n{PAGE_BREAK}\n")
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = fold_width_keep_tabs(_EMOJI.sub(_drop_emoji, text)).replace("\f", " ")
    return [(n, _line(line)) for n, line in enumerate(text.split("\n"), 1)]


def _line(line: str) -> str:
    if _RULE_LINE.fullmatch(line.strip()):
        return ""  # a drawn rule ("━━━━", "=====", "* * *"), not text
    line = _BULLET.sub("●", _MARKDOWN_HEADING.sub("", line.rstrip()))
    spaced = _SPACED_NUMBER.match(line)
    if spaced:  # the indent stays: it tells the right column of a two-column page
        indent = line[: len(line) - len(line.lstrip())]
        line = indent + re.sub(r"\s+", "", spaced.group(0)) + " " + line[spaced.end() :].lstrip()
    return line


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.fullmatch(line.strip()))


def _bare_page_numbers(body: list[Line]) -> set[int]:
    """Lines holding only a number that count up page by page (a scan's page numbers), or a
    lone one inside a wrapped sentence ("…保证" / "2" / "物资收发…")."""
    bare = [i for i, (_, text) in enumerate(body) if _BARE.fullmatch(text.strip())]
    values = [int(body[i][1]) for i in bare]
    if (
        values
        and values == list(range(1, len(values) + 1))
        and all(
            i + 1 < len(body) and _SHORT_HEADING.fullmatch(body[i + 1][1].strip()) for i in bare
        )
    ):
        return set()  # "1" over "目的", "2" over "范围": clause numbers on lines of their own
    steps = zip(values, values[1:], bare, bare[1:], strict=False)
    counting = len(bare) >= 2 and all(b == a + 1 and j - i >= 4 for a, b, i, j in steps)
    if counting:
        return set(bare)
    found = set()
    for i in bare:
        if 0 < i < len(body) - 1:
            before, after = body[i - 1][1].strip(), body[i + 1][1].strip()
            wrapped = (
                len(before) >= 10
                and before[-1:] not in "。；：！？;:!?"
                and not _MARKER_START.match(after)
            )
            if wrapped and _CJK.match(after[:1]):
                found.add(i)
    return found


def _stamp_marks(body: list[Line]) -> set[int]:
    """A single character set far in on a line of its own inside the text: what a scan reads
    of a seal ("章", "印") printed over the lines, not a word of the procedure."""
    return {
        i for i, (_, text) in enumerate(body) if 0 < i < len(body) - 1 and _STAMP.fullmatch(text)
    }


def _repeated_top_line(body: list[Line]) -> set[int]:
    """The text's first line printed again further down, word for word, when it is a short
    phrase that names no document and starts no clause: a marking at each page top ("内部
    资料") in a text whose page breaks left no number behind."""
    if not body:
        return set()
    first = _key(body[0][1])
    if (
        len(first) > 20
        or _SENTENCE_MARK.search(first)
        or any(title_like(part) for part in [first.replace(" ", ""), *first.split(" ")])
        or leading_marker(first)
    ):
        return set()
    again = {i for i, (_, text) in enumerate(body) if _key(text) == first}
    return again if len(again) >= 2 else set()


def _header_metadata(line: str, control: dict) -> None:
    for match in _CONTROL_KEY.finditer(line):
        for key, value in parse_control_block(line, match.start()).values.items():
            control.setdefault(key, value)


def _shape(line: str) -> str:
    """A footer line with its numbers blanked: "某公司 第2页" and "某公司 第3页" share one."""
    return re.sub(r"\d+", "#", _key(line)) if len(line) <= 60 else line


def _key(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def remove_furniture(
    lines: list[Line], warnings: list[str], control: dict | None = None
) -> list[Line]:
    """Drop page numbers and the running headers and footers next to them.

    The first occurrence of a running header at the very top of the text is kept when it
    names a document: it is often the only place the title is printed ("危险废物管理制度
    HB-ZD-021"); a compilation's header ("某公司  管理制度汇编") goes everywhere.  Control
    keys in a running header or footer ("文件编号：HR-01") are kept as metadata.
    """
    body = [(n, text) for n, text in lines if text.strip()]
    inside = {
        i for i, (_, text) in enumerate(body) if len(text) <= 60 and _PAGE_INSIDE.search(text)
    }
    shapes = Counter(_shape(body[i][1]) for i in inside)
    breaks = [
        i
        for i, (_, text) in enumerate(body)
        if (i in inside and shapes[_shape(text)] >= 2) or (len(text) <= 60 and is_page_number(text))
    ]
    breaks = sorted(set(breaks) | _bare_page_numbers(body))
    drop = set(breaks) | _stamp_marks(body) | _repeated_top_line(body)
    if breaks:
        tops = Counter(_key(body[i + 1][1]) for i in breaks if i + 1 < len(body))
        bottoms = Counter(_key(body[i - 1][1]) for i in breaks if i > 0)
        first = _key(body[0][1]) if body else ""
        running = {k for k, c in tops.items() if c >= 2 or (c >= 1 and k == first)}
        running |= {k for k, c in bottoms.items() if c >= 2}
        # The header on the first page stays when it names the document (its title).
        keep_first = first in running and title_like(first.split(" ")[0])
        if control is not None:
            for key in sorted(running):
                _header_metadata(key, control)
        for i, (_, text) in enumerate(body):
            if _key(text) in running and (i > 0 or not keep_first):
                drop.add(i)
    for i in sorted(drop):
        warnings.append(f"删除页面版式内容 (line {body[i][0]})")
    dropped = {body[i][0] for i in drop}
    return [(n, text) for n, text in lines if n not in dropped]


def _columns(text: str) -> tuple[str, str] | None:
    match = _GAP.search(text.strip())
    if not match:
        return None
    stripped = text.strip()
    return stripped[: match.start(1)].strip(), stripped[match.end(1) :].strip()


def read_columns(lines: list[Line], warnings: list[str]) -> list[Line]:
    """Lines holding two columns (a gap of four spaces or a tab between two texts), read left
    column first.  Only runs of at least three such lines with Chinese on both sides count, so
    a single "标题    编号" line or a tab table stays as it is.  When one column ends first,
    the lines after the run that hold only the other one (indented far: the right column;
    no wider than the left column: the left one) still belong to it.  After narrow columns,
    a run of any length whose right column starts at the same place is read the same way:
    a last page whose right column holds a line or two."""
    out: list[Line] = []
    layout = None  # where the right column of a narrow two-column page starts
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and "\t" not in lines[j][1] and _two_columns(lines[j][1]):
            j += 1
        split = [(n, _columns(text)) for n, text in lines[i:j]]
        narrow = j - i >= 4 and _narrow_prose([parts for _, parts in split])
        # A later page of the same layout whose right column holds only a line or two.
        narrow = narrow or (j > i and _same_layout(lines[i:j], layout))
        if narrow:
            layout = _right_start(lines[i][1])
        elif j - i < 3 or not _justified([parts[0] for _, parts in split]):
            out.extend(lines[i : max(j, i + 1)])
            i = max(j, i + 1)
            continue
        left = [(n, parts[0]) for n, parts in split]
        right = [(n, parts[1]) for n, parts in split]
        width = max(_width(text) for _, text in left)
        if narrow:  # a left column line may be wider than those beside the right column
            width = max(width, layout - 6)
        while j < len(lines) and lines[j][1].strip() and not is_page_number(lines[j][1]):
            n, text = lines[j]
            if len(text) - len(text.lstrip()) >= 8:
                right.append((n, text.strip()))
            elif _width(text) <= width + 2:
                left.append((n, text.strip()))
            else:
                break
            j += 1
        out += _rejoin(left) + _rejoin(right) if narrow else left + right
        warnings.append(f"按栏重排双栏文字 (line {lines[i][0]})")
        i = j
    return out


def _right_start(text: str) -> int:
    """The display column the second of two columns on a line starts at."""
    match = _GAP.search(text)
    if match is None:
        return -1
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text[: match.end(1)])


def _same_layout(rows: list[Line], layout: int | None) -> bool:
    """Rows whose right column starts where the narrow columns read before started."""
    return layout is not None and all(abs(_right_start(text) - layout) <= 2 for _, text in rows)


def _justified(left: list[str]) -> bool:
    """A column of running text: most of its lines fill the column (a paragraph's last line
    may not); cells of a table aligned with spaces are short and ragged."""
    widths = sorted(_width(text) for text in left)
    full = sum(1 for width in widths if width >= widths[-1] - 4)
    return widths[len(widths) // 2] >= 16 and full * 2 >= len(widths)


def _line_length(texts: list[str]) -> int:
    """The length most lines of a column have: what the layout wraps at."""
    return Counter(len(text) for text in texts).most_common(1)[0][0]


def _full(texts: list[str]) -> bool:
    """Most lines of a column fill it: the column of running text a narrow layout wraps."""
    length = _line_length(texts)
    full = sum(1 for text in texts if len(text) >= length - 1)
    return length >= 4 and full * 3 >= len(texts) * 2


def _narrow_prose(rows: list[tuple[str, str]]) -> bool:
    """Two narrow columns of running text (a few characters each): both columns fill their
    width line after line and both hold sentence punctuation, which table cells rarely do."""
    left, right = [row[0] for row in rows], [row[1] for row in rows]
    punctuated = all(re.search(r"[,，。;；、]", "".join(side)) for side in (left, right))
    return punctuated and _full(left) and _full(right)


def _rejoin(column: list[Line]) -> list[Line]:
    """A narrow column's wrapped lines joined into paragraphs: a line that fills the column
    and ends no sentence goes on in the next one, unless that one starts a clause."""
    length = _line_length([text for _, text in column])
    out: list[Line] = []
    for n, text in column:
        if out:
            previous = out[-1][1]
            goes_on = len(previous) >= length - 1 and previous[-1:] not in "。；;！？!?:："
            if goes_on and leading_marker(text) is None:
                out[-1] = (out[-1][0], previous + text)
                continue
        out.append((n, text))
    return out


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text.strip())


def _two_columns(text: str) -> bool:
    if len(text) > 200:
        return False
    parts = _columns(text)
    if not parts:
        return False
    left, right = parts
    cjk = re.compile(r"[\u4e00-\u9fff]")
    return len(left) >= 2 and len(right) >= 2 and bool(cjk.search(left) and cjk.search(right))
