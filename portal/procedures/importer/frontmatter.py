"""Clean the top of a document body: repeated titles, control headers, covers, fillers, TOCs.

Related documents on a page open with their title again, often in a variant form that names
the organisation ("滨海供电公司客户回访实施细则" under "客户回访实施细则").  Variants are kept as
``control["body_title"]`` and the organisation as ``control["organisation"]``; exact repeats,
template covers, English filler and tables of contents are dropped.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from itertools import islice

from .chars import is_ideograph
from .control import parse_control_block
from .noise import strip_decorations
from .numbering import leading_marker
from .textbuf import SourceText
from .toc import find_toc

DOC_SUFFIX = re.compile(
    r"(?:制度|办法|规定|细则|程序|规范|标准|方案|规程|条例|守则|准则|流程图?|职责|要求|须知|手册|规则)$"
)
_STRONG_SUFFIX = re.compile(r"(?:制度|办法|规定|细则|程序|规范|标准|方案|规程|条例|流程)$")
_ORG = re.compile(r"[\u4e00-\u9fff]{2,24}(?:公司|集团|局|厅|院|中心)$")
_TOKEN = re.compile(r"\S+")
_PUNCT = re.compile(r"[,;。!?、，；！？]")
_RUN_BREAK = re.compile(r"[,;。!?、，；！？:《》]")
_LEADING_NUMBER = re.compile(r"^(?:[\d.]+-?|ISO\d+)")
_ENGLISH = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9'’,.\-]*\s+){3,}[A-Za-z][A-Za-z0-9'’.\-]*[.,]?"
    r"\s*(?:\(\s*[\u4e00-\u9fff]{2,8}\s*\))?"
)
_PARENTHETICAL = re.compile(r"\([^()\u4e00-\u9fff]{2,40}\)|\([^()]{1,20}/[^()]{1,20}\)")
_ELLIPSIS = re.compile(r"\.{3}|…{1,2}")
_FRONT_LIMIT = 800  # the top of a document, where titles, headers and TOCs are looked for


def normalise_title(text: str) -> str:
    text = strip_decorations(re.sub(r"\s+", "", text)).strip("《》:")
    text = re.sub(r"\([^()]*\)", "", text)
    return _LEADING_NUMBER.sub("", text)


def title_score(token: str, title: str) -> float:
    """How closely ``token`` repeats ``title``: 0 when it is not a variant of it, 1 when equal."""
    a, b = normalise_title(token), normalise_title(title)
    if len(a) < 2 or len(b) < 2:
        return 0.0
    if a == b:
        return 1.0
    ratio = SequenceMatcher(None, a, b).ratio()
    shorter, longer = sorted((a, b), key=len)
    if shorter in longer and len(shorter) >= max(4, 0.4 * len(longer)):
        return max(ratio, 0.6)
    return ratio if ratio >= 0.6 else 0.0


def similar_title(token: str, title: str) -> bool:
    """True when ``token`` is the title or a variant of it (organisation prefix, word order…)."""
    return title_score(token, title) > 0


def title_like(token: str) -> bool:
    """A short, unpunctuated token that names a document ("…管理制度", "…工作流程")."""
    core = token.rstrip(":")
    return 2 <= len(core) <= 30 and not _PUNCT.search(core) and bool(DOC_SUFFIX.search(core))


def _tokens(text: str, count: int = 4) -> list[re.Match]:
    return list(islice(_TOKEN.finditer(text), count))


class FrontMatter:
    """Strips the top of one document body; collects metadata and warnings as it goes."""

    def __init__(self, buffer: SourceText, title: str, bilingual: bool):
        self.buffer = buffer
        self.title = title
        self.bilingual = bilingual
        self.control: dict[str, str] = {}
        self.warnings: list[str] = []
        self.stripped_title = False

    def run(self) -> None:
        steps = (
            self._control_block, self._pseudo_toc, self._compilation_header, self._title_run,
            self._organisation_and_title, self._variant_title, self._book_title,
            self._english_filler, self._parenthetical, self._toc, self._snippet,
        )  # fmt: skip
        for _ in range(16):
            self._trim_start()
            if not any(step() for step in steps):
                return

    def _trim_start(self) -> None:
        text = self.buffer.text
        self.buffer.delete(0, len(text) - len(text.lstrip()))

    def _cut(self, end: int) -> bool:
        self.buffer.delete(0, end)
        return True

    def _note_title(self, token: str) -> None:
        token = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", token).rstrip(":")
        if normalise_title(token) != normalise_title(self.title):
            self.control.setdefault("body_title", token)
        self.stripped_title = True

    def _title_run(self) -> bool:
        """The title again, alone or in the best-matching run of up to three tokens."""
        tokens = _tokens(self.buffer.text)
        best, best_score = "", 0.0
        for count in range(1, min(3, len(tokens)) + 1):
            if leading_marker(tokens[count - 1].group()):
                break  # "第一章流程制度" is a chapter, not a repeated title
            run = self.buffer.text[: tokens[count - 1].end()]
            exact = normalise_title(run) == normalise_title(self.title)
            broken = _RUN_BREAK.search(run.rstrip(":")) and not exact
            score = 0.0 if broken else title_score(run, self.title)
            if score >= best_score and score > 0:
                best, best_score = run, score
        if not best:
            return False
        rest = best[len(self.title) :]
        if best.startswith(self.title) and is_ideograph(rest[:1]) and rest.endswith(":"):
            return self._cut(len(self.title))  # "如何进行行政管理会议的类型:"
        self._note_title(best)
        return self._cut(len(best))

    def _organisation_and_title(self) -> bool:
        """The issuer, then the title: "某某集团股份有限公司 新闻宣传工作管理办法"."""
        tokens = _tokens(self.buffer.text, 2)
        if len(tokens) < 2 or not _ORG.search(tokens[0].group()):
            return False
        second = tokens[1].group()
        if _PUNCT.search(second) or not similar_title(second, self.title):
            return False
        self.control.setdefault("organisation", tokens[0].group())
        self._note_title(second)
        return self._cut(tokens[1].end())

    def _variant_title(self) -> bool:
        """A first token naming a document though unlike the listing title: the body's own."""
        tokens = _tokens(self.buffer.text, 1)
        first = tokens[0].group() if tokens else ""
        if self.stripped_title or leading_marker(first) or not title_like(first):
            return False
        if not _STRONG_SUFFIX.search(first):
            return False
        self._note_title(first)
        return self._cut(tokens[0].end())

    def _book_title(self) -> bool:
        match = re.match(r"《([^》]{2,40})》", self.buffer.text)
        if match and similar_title(match.group(1), self.title):
            return self._cut(match.end())
        return False

    def _compilation_header(self) -> bool:
        # "客户回访制度(一): " opens article (一) of a "(10篇)" compilation.
        match = re.match(r"(\S{2,30}?)\([一二三四五六七八九十]{1,3}\)\s*:", self.buffer.text)
        if match and similar_title(match.group(1), self.title):
            self.warnings.append("删除合集标题：" + match.group(0))
            return self._cut(match.end())
        return False

    def _control_block(self) -> bool:
        block = parse_control_block(self.buffer.text, 0, (self.title,))
        if not block.values:
            return False
        for key, value in block.values.items():
            self.control.setdefault(key, value)
        if block.table_words:
            self.control.setdefault("revision_table", "（表头，无记录）")
        return self._cut(block.end)

    def _english_filler(self) -> bool:
        match = _ENGLISH.match(self.buffer.text)
        if self.bilingual or not match:
            return False
        self.warnings.append(f"删除英文填充文字 (line {self.buffer.line_at(0)})")
        return self._cut(match.end())

    def _parenthetical(self) -> bool:
        match = _PARENTHETICAL.match(self.buffer.text)
        if not (self.stripped_title and match):
            return False
        body = self.control.get("body_title", self.title)
        self.control["body_title"] = f"{body} {match.group(0)}"
        return self._cut(match.end())

    def _snippet(self) -> bool:
        if not cut_search_snippet(self.buffer):
            return False
        self.warnings.append(f"删除搜索摘要 (line {self.buffer.line_at(0)})")
        return True

    def _toc(self) -> bool:
        span = find_toc(self.buffer.text[: _FRONT_LIMIT * 4])
        if span is None or span[0] > _FRONT_LIMIT:
            return False
        self.warnings.append(f"删除目录 (line {self.buffer.line_at(span[0])})")
        self.buffer.delete(*span)
        return True

    def _pseudo_toc(self) -> bool:
        # "报修流程 岗位职责 呼叫中心岗位职责 一、总则": a page's list of links, not text.
        tokens = _tokens(self.buffer.text)
        run = [token for token in tokens[:3] if title_like(token.group())]
        if len(run) < 3 or run != tokens[: len(run)]:
            return False
        if similar_title(run[0].group(), self.title):
            return False  # the title itself: _title_run's business
        self.warnings.append("删除页面链接列表：" + " ".join(token.group() for token in run))
        return self._cut(run[-1].end())


def cut_search_snippet(buffer: SourceText) -> bool:
    """A search-result snippet ending in "..." followed by the full text that it previews."""
    for ellipsis in _ELLIPSIS.finditer(buffer.text, 0, _FRONT_LIMIT):
        after = buffer.text[ellipsis.end() :].lstrip()
        probe = after[:12]
        start = buffer.text.find(probe, 0, ellipsis.start()) if len(probe) == 12 else -1
        if start >= 0:
            buffer.delete(start, ellipsis.end())
            return True
    return False
