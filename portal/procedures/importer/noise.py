"""Noise cut out of document bodies and titles.

Page level: the breadcrumb, the page title repeated above the text, and the footer lines
(相关主题, 文本预览, 相关文档, 最新文档) of document-library pages.  Inline: URLs, page numbers,
blank form fields, and every source's watermarks and boilerplate from the table in
``sources.py``.  Title decorations ("(10篇)(优秀版)", "-精品", ".1.doc" …), also from that
table, are stripped from document titles.
"""

from __future__ import annotations

import re

from .sources import INLINE_NOISE, TITLE_DECORATIONS
from .textbuf import SourceText

BREADCRUMB = re.compile(r"^\s*当前位置\s*:.*?[›>»]\s*(?P<title>\S.*?)\s*$")
_FOOTER_WORDS = "相关主题|文本预览|相关文档|最新文档|相关推荐|猜你喜欢"
FOOTER_LINE = re.compile(rf"^\s*(?:{_FOOTER_WORDS})(?:\s+(?:{_FOOTER_WORDS}))*\s*$")

# What any text may carry: URLs, page numbers, blank form fields.  What a particular source
# stamps into its texts (watermarks, boilerplate, title decorations) is in sources.py.
_TRAILING = [re.compile(r"\s*\(\d{1,2}\)$"), re.compile(r"[.。]$")]
_TITLE_DECORATIONS = [*TITLE_DECORATIONS, *_TRAILING]

_INLINE = [
    re.compile(r"https?://[^\s\u4e00-\u9fff]+"),
    *INLINE_NOISE,
    re.compile(r"—\s*\d{1,3}\s*—"),
    re.compile(r"(?<!\S)-\s\d{1,3}\s-(?!\S)"),
    re.compile(r"(?:编写|审批|审核|批准|单位|姓名|日期|时间)[:：]_{3,}(?:年_+月_+日)?"),
    re.compile(r"_{5,}"),
]


def strip_decorations(title: str) -> str:
    """A listing title without the site's decorations: "客户回访制度(10篇)(优秀版)" → "客户回访制度"."""
    title = title.strip()
    for _ in range(3):  # decorations can stack: "(最新版)" after "(完整版)"
        before = title
        for pattern in _TITLE_DECORATIONS:
            title = pattern.sub("", title).strip()
        if title == before:
            break
    return title


# Word's tracked changes and comments pasted as text: "[删除: 旧]" "[插入: 新]" "批注 [A1]: …".
# The changes are taken as accepted; a comment runs to the end of its paragraph.
_DELETED = re.compile(r"\[(?:删除|已删除|Deleted)[:：][^\]\n]*\]")
_INSERTED = re.compile(r"\[(?:插入|已插入|Inserted)[:：]\s*([^\]\n]*)\]")
_COMMENT = re.compile(r"(?:批注|Comment)\s*\[[A-Za-z]{1,3}\d{1,3}\][:：][^\n]*")


def accept_tracked_changes(buffer: SourceText) -> None:
    """Drop deleted text and comments, keep inserted text without its brackets."""
    buffer.delete_matches(_DELETED)
    buffer.delete_matches(_COMMENT)
    for match in reversed(list(_INSERTED.finditer(buffer.text))):
        buffer.delete(match.end(1), match.end())
        buffer.delete(match.start(), match.start(1))


def remove_inline_noise(buffer: SourceText) -> None:
    """Cut every inline noise string from a document body."""
    accept_tracked_changes(buffer)
    for pattern in _INLINE:
        buffer.delete_matches(pattern)
