"""Web noise of scraped document-site pages: what it looks like and how it is cut out.

Page level: the breadcrumb, the page title repeated above the text, and the footer lines
(相关主题, 文本预览, 相关文档, 最新文档).  Inline: site codes and watermarks, URLs, page numbers
and footers, download and template boilerplate, course call-outs.  Title decorations
("(10篇)(优秀版)", "-精品", ".1.doc" …) are stripped from document titles.
"""

from __future__ import annotations

import re

from .textbuf import SourceText

BREADCRUMB = re.compile(r"^\s*当前位置\s*:.*?[›>»]\s*(?P<title>\S.*?)\s*$")
_FOOTER_WORDS = "相关主题|文本预览|相关文档|最新文档|相关推荐|猜你喜欢"
FOOTER_LINE = re.compile(rf"^\s*(?:{_FOOTER_WORDS})(?:\s+(?:{_FOOTER_WORDS}))*\s*$")

# Fake author names that document sites stamp into texts as watermarks.
FAKE_AUTHORS = ("令狐采学",)

_TITLE_DECORATIONS = [
    re.compile(r"^\((?:企业|完整版|客户管理|精品|推荐|最新)\)"),
    re.compile(r"\(\d+篇\)"),
    re.compile(r"\((?:优秀版|最新\s*版|完整版|适用|最终|精选|推荐|可编辑|word版)\)"),
    re.compile(r"\(\d+个\s*doc\)\s*\d*"),
    re.compile(r"\s*-\s*(?:精品|制度大全|范文大全|百度文库)$"),
    re.compile(r"\d{4}全文$"),
    re.compile(r"(?:\.\d+)?\.docx?$"),
    re.compile(r"_共\d+页$"),
    re.compile(r"\s*\(\d{1,2}\)$"),
    re.compile(r"[.。]$"),
]

_INLINE = [
    re.compile(r"https?://[^\s\u4e00-\u9fff]+"),
    re.compile(r"Standardization of [A-Za-z ]{2,40}#[A-Z0-9-]+#"),
    re.compile(r"公司标准化编码\s*\[[A-Z0-9-]+\]"),
    re.compile(r"[#\[][A-Z0-9]{5,8}(?:-[A-Z0-9]{5,8}){3}[#\]]"),
    re.compile(r"\(本[^()]{1,8}所有[,，]更多请登[录陆]查看\)"),
    re.compile("|".join(FAKE_AUTHORS)),
    re.compile(r"页脚内容"),
    re.compile(r"—\s*\d{1,3}\s*—"),
    re.compile(r"(?<!\S)-\s\d{1,3}\s-(?!\S)"),
    re.compile(r"各位读友大家好[,，]此文档由网络收集而来[,，]欢迎您下载[,，]谢谢"),
    re.compile(r"《[^》]{1,40}》是[^,，。]{0,12}为你整理收集[:：]?"),
    re.compile(r"说明[:：]为规范化、制度化和统一化作业行为.*?特此编写。"),
    re.compile(r"使用说明[:：]本管理制度资料适用于.*?套用时请仔细阅读。"),
    re.compile(r"\S*系列\s.{0,60}?\((?:标准、完整、实用、可修改|[^()]{0,12}可编辑)\)"),
    re.compile(r"(?:编写|审批|审核|批准|单位|姓名|日期|时间)[:：]_{3,}(?:年_+月_+日)?"),
    re.compile(r"A4打印/\s*新修订/\s*完整/\s*内容可编辑"),
    re.compile(r"学习导航\s*通过学习本课程[,，]你将能够[:：]\s*(?:●[^●。]*[;；。]\s*)+"),
    re.compile(r"要点提示"),
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


def remove_inline_noise(buffer: SourceText) -> None:
    """Cut every inline noise string from a document body."""
    for pattern in _INLINE:
        buffer.delete_matches(pattern)
