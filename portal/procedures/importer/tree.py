"""Nest numbered items into a clause tree.

Nesting is decided per document.  A style seen for the first time opens a level under the
current clause; a style already open on the current path closes back to that level.  For a
document whose styles are used consistently this is the order of first appearance
("一、 > (一) > 1、 > 1) > ①"); it also copes with documents that change the order between
sections.  A list that switches delimiter midway ("3、" then "4.") stays one list.

Structural styles override this: 第X章 and 附录 always start at the top and 第X节 sits under
its chapter.  Decimal numbers nest by their digits: 4.2.1 goes under the clause keyed (4, 2),
which is "4.2", or "4、"/"四、"/"4" for a single digit.  A decimal reused right under a heading
("4.3.3流程说明:" then 4.3.1 … 4.3.6) is read as that heading's steps (path 4.3.3.1 …).  An
unnumbered short line followed by a list that starts again at 1 becomes an unnumbered part
heading ("值班制度部分" … "客户信息登记部分").

Skipped and reused numbers are kept as written and reported as warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .chars import ends_open
from .models import ParsedClause
from .numbering import FAMILY, Marker
from .segment import INTRODUCES, Item, split_heading

_LABEL = re.compile(r"[^\s,;。!?，；！？、()]{2,15}:?")
_ENGLISH_LABEL = re.compile(r"[A-Z][A-Za-z]+(?: (?:[A-Za-z]+|&)){0,4}:?")
_NO_RESTART = {"decimal", "bullet", "dash", "part"}
_TRAILING_LABEL = re.compile(r"(?:^|(?<=[\s。!?;]))([^\s,;。!?:]{2,15}:?)\s*$")
_UNCOUNTED = {"bullet", "dash", "part"}
# The usual order of levels in Chinese documents, used only to break ties.
_RANK = {
    "chapter": 0, "section": 1, "article": 2, "article_en": 2, "roman": 2, "cn_upper": 2, "cn": 3, "cn_paren": 4,
    "num_comma": 5, "num_dot": 5, "num_bare": 5, "num_paren": 6, "step": 6, "num_half_paren": 7,
    "lower_paren": 7, "upper_paren": 7, "roman_lower": 7, "circled": 8, "paren_digit": 8, "upper": 9, "lower": 10,
}  # fmt: skip


def _is_label(text: str) -> bool:
    """A short line naming what follows ("小提醒:", "Responsibilities"), not a sentence
    introducing a list."""
    text = text.strip()
    core = text.rstrip(":")
    if _ENGLISH_LABEL.fullmatch(text):
        return len(text) <= 40
    return bool(_LABEL.fullmatch(text)) and not ends_open(core) and not INTRODUCES.search(core)


def _prefix_paths(clause: ParsedClause, prefix: tuple[int, ...]) -> None:
    if clause.style != "decimal":  # decimal paths are written out in full
        clause.path = prefix + clause.path
    for child in clause.children:
        _prefix_paths(child, prefix)


def _section_labels(items: list[Item]) -> set[int]:
    """Unnumbered section headings ("目的" over its paragraph, "范围" over the next …).

    Only in a document whose sections start before any number: at least two short label
    lines, the first of them above every numbered item and over text of its own, each later
    one over text or a numbered list.  Elsewhere a short line inside a clause stays that clause's text.
    """
    found = set()
    for index, item in enumerate(items[:-1]):
        nxt = items[index + 1]
        if item.marker is not None:
            if not found:
                return set()
            continue
        text_follows = nxt.marker is None and not _is_label(nxt.text)
        if _is_label(item.text) and (text_follows or (found and nxt.marker is not None)):
            found.add(index)
    return found if len(found) >= 2 else set()


@dataclass
class _Open:
    """A clause on the current path, with what nesting needs to know about it."""

    clause: ParsedClause
    key: tuple[int, ...] | None
    value: int
    restarted: bool = False  # a reused decimal nested under a heading


@dataclass
class TreeBuilder:
    """Consumes items in order; ``clauses``, ``preamble`` and ``warnings`` hold the result."""

    inline_titles: bool = True
    clauses: list[ParsedClause] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stack: list[_Open] = field(default_factory=list)
    used_paths: set[tuple[int, ...]] = field(default_factory=set)
    parent_of_style: dict[str, ParsedClause | None] = field(default_factory=dict)
    parents: dict[int, ParsedClause | None] = field(default_factory=dict)

    def build(self, items: list[Item]) -> TreeBuilder:
        sections = _section_labels(items)
        for index, item in enumerate(items):
            following = items[index + 1].marker if index + 1 < len(items) else None
            if index in sections:
                self._add_section(item.text)
            elif item.marker is not None and item.marker.style in _UNCOUNTED:
                self._add_marker(item.marker, "", item.text.strip(), item.line)  # no headings
            elif item.marker is not None:
                heading, text = split_heading(item.text, self.inline_titles)
                self._add_marker(item.marker, heading, text, item.line)
            elif _is_label(item.text) and self._restarts(following):
                self._add_label(item.text, following)
            else:
                self._add_text(item.text)
        return self

    # ----- plain text and part headings -----------------------------------------------------
    def _add_section(self, text: str) -> None:
        """An unnumbered section heading: a part at the top, holding what follows it."""
        self.stack.clear()
        count = sum(1 for clause in self.clauses if clause.style == "part")
        self._attach(Marker("part", "", (count + 1,), 0, 0), text.strip().rstrip(":"), "", None)

    def _add_text(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if not self.stack:
            self.preamble.append(text)
            return
        clause = self.stack[-1].clause
        clause.text = f"{clause.text}\n{text}" if clause.text else text

    def _restarts(self, marker: Marker | None) -> bool:
        return (
            marker is not None
            and marker.value == 1
            and marker.style not in _NO_RESTART
            and marker.style in self.parent_of_style
        )

    def _add_label(self, text: str, following: Marker) -> None:
        parent = self.parent_of_style[following.style]
        while parent is not None and parent.style == "part":  # a part after a part
            parent = self.parents.get(id(parent))
        if parent is not None and all(entry.clause is not parent for entry in self.stack):
            self._add_text(text)
            return
        self._pop_to(parent)
        siblings = parent.children if parent else self.clauses
        count = sum(1 for clause in siblings if clause.style == "part")
        if parent is None and count == 0 and self.preamble and _is_label(self.preamble[-1]):
            self._wrap_first_part(self.preamble.pop())
            count = 1
        self._attach(Marker("part", "", (count + 1,), 0, 0), text.strip().rstrip(":"), "", parent)

    def _detach_label(self) -> str:
        """A short line closing the open clause that really heads the list starting again."""
        clause = self.stack[-1].clause
        match = _TRAILING_LABEL.search(clause.text)
        if not match or not _is_label(match.group(1)):
            return ""
        clause.text = clause.text[: match.start(1)].rstrip()
        return match.group(1)

    def _wrap_first_part(self, label: str) -> None:
        """The first part's heading was read as preamble: put the clauses so far under it."""
        part = ParsedClause("", "part", (1,), heading=label.rstrip(":"), children=self.clauses)
        for clause in part.children:
            self.parents[id(clause)] = part
            _prefix_paths(clause, (1,))
        self.parents[id(part)] = None
        self.clauses = [part]
        self.stack.clear()
        self.parent_of_style = {
            style: (part if parent is None else parent)
            for style, parent in self.parent_of_style.items()
        }

    def _pop_to(self, parent: ParsedClause | None) -> None:
        while self.stack and self.stack[-1].clause is not parent:
            self.stack.pop()

    # ----- numbered clauses ------------------------------------------------------------------
    def _add_marker(self, marker: Marker, heading: str, text: str, line: int) -> None:
        if self._restarts(marker) and any(e.clause.style == marker.style for e in self.stack):
            label = self._detach_label()
            if label:
                self._add_label(label, marker)
        restarted = False
        if marker.style == "decimal":
            parent, restarted = self._place_decimal(marker, line)
        else:
            parent = self._place(marker)
        clause = self._attach(marker, heading, text, parent, restarted)
        self._check_sequence(clause, marker, parent, line)

    def _parent(self) -> ParsedClause | None:
        return self.stack[-1].clause if self.stack else None

    def _cut(self, index: int) -> ParsedClause | None:
        """Close the clause at ``index`` and everything under it; return the new parent."""
        del self.stack[index:]
        return self._parent()

    def _place(self, marker: Marker) -> ParsedClause | None:
        style = marker.style
        if style in ("chapter", "appendix"):
            return self._cut(0)
        if style == "section":
            chapters = [i for i, entry in enumerate(self.stack) if entry.clause.style == "chapter"]
            return self._cut(chapters[-1] + 1) if chapters else self._cut(0)
        for index in range(len(self.stack) - 1, -1, -1):
            entry = self.stack[index]
            if entry.clause.style == style:
                if self._opens_under_heading(marker, entry):
                    return self.stack[-1].clause  # a new list, not the old one starting over
                return self._cut(index)
            family = FAMILY.get(style)
            same_list = style == "num_bare" or marker.value == entry.value + 1
            if family and FAMILY.get(entry.clause.style) == family and same_list:
                return self._cut(index)  # "3、" then "4.": one list
        return self._parent()

    def _opens_under_heading(self, marker: Marker, entry: _Open) -> bool:
        """A list starting at 1 right under a bare heading ("二、…" then "1、…").

        The heading sits below an earlier list of the same style, which would otherwise be
        taken up again.  Only in the conventional direction (一、 above 1、 above (1) …); the
        other way round the number is the earlier list going on.
        """
        top = self.stack[-1].clause
        if marker.value != 1 or top is entry.clause or top.text or not top.heading:
            return False
        return _RANK.get(top.style, 99) < _RANK.get(marker.style, 99)

    def _place_decimal(self, marker: Marker, line: int) -> tuple[ParsedClause | None, bool]:
        path = marker.values
        top = self.stack[-1] if self.stack else None
        if top is not None and top.restarted and top.key and len(top.key) == len(path):
            next_step = (*top.key[:-1], top.key[-1] + 1)
            if path in self.used_paths or path == next_step:
                return self._cut(len(self.stack) - 1), True  # the steps run on: 4.3.4 …
        if path in self.used_paths and top is not None and top.key is not None:
            heading_only = top.clause.style == "decimal" and not top.clause.text
            if heading_only and len(top.key) == len(path) and top.key[:-1] == path[:-1]:
                return top.clause, True
        for index in range(len(self.stack) - 1, -1, -1):
            key = self.stack[index].key
            if key and len(key) < len(path) and path[: len(key)] == key:
                return self._cut(index + 1), False
        for index in range(len(self.stack) - 1, -1, -1):
            key = self.stack[index].key
            if not key or len(key) >= len(path) or key[:-1] != path[: len(key) - 1]:
                continue
            if key[-1] < path[len(key) - 1]:  # 3.4 open, then 4.1 without a "4"
                self.warnings.append(f"缺少上级编号：{marker.number} (line {line})")
                return self._cut(index), False
        decimals = [i for i, e in enumerate(self.stack) if e.clause.style == "decimal"]
        return (self._cut(decimals[0]) if decimals else self._parent()), False

    def _attach(
        self,
        marker: Marker,
        heading: str,
        text: str,
        parent: ParsedClause | None,
        restarted: bool = False,
    ) -> ParsedClause:
        siblings = parent.children if parent else self.clauses
        value = marker.value
        if marker.style in ("bullet", "dash"):
            value = sum(1 for clause in siblings if clause.style == marker.style) + 1
        if marker.style == "decimal" and not restarted:
            path = marker.values
        else:
            path = (*(parent.path if parent else ()), value)
        clause = ParsedClause(marker.number, marker.style, path, heading=heading, text=text)
        siblings.append(clause)
        self.parents[id(clause)] = parent
        key = marker.values if marker.style == "decimal" else marker.key
        self.stack.append(_Open(clause, key, value, restarted))
        if marker.style == "decimal":
            self.used_paths.add(marker.values)
        self.parent_of_style[marker.style] = parent
        return clause

    def _check_sequence(
        self, clause: ParsedClause, marker: Marker, parent: ParsedClause | None, line: int
    ) -> None:
        if marker.style in _UNCOUNTED:
            return
        siblings = parent.children if parent else self.clauses
        previous = [c for c in siblings[:-1] if c.style == clause.style]
        if not previous:
            return
        before, now = previous[-1].path[-1], clause.path[-1]
        if now > before + 1:
            self.warnings.append(f"编号跳跃：{previous[-1].number} → {marker.number} (line {line})")
        elif now <= before:
            self.warnings.append(f"编号重复：{marker.number} (line {line})")
