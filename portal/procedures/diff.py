"""Differences between two revisions, aligned clause by clause on their anchors.

Anchors come from the number path, so "第十六条" in one revision meets "第十六条" in the other even
when clauses were inserted before it; within a changed clause difflib marks the characters (Chinese
has no spaces to split words on, so the character is the unit).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class ClauseText:
    anchor: str
    number: str
    heading: str
    text: str
    depth: int = 0

    @property
    def full(self) -> str:
        return f"{self.heading}\n{self.text}".strip() if self.heading else self.text


@dataclass
class DiffRow:
    anchor: str
    number: str
    status: str  # "same", "changed", "added", "removed"
    html: Markup
    depth: int = 0

    @property
    def status_name(self) -> str:
        return {"same": "未变", "changed": "修改", "added": "新增", "removed": "删除"}[self.status]


def inline_diff(old: str, new: str) -> Markup:
    """Character-level diff as HTML: <del> for removed, <ins> for inserted text (escaped)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    parts: list[str] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape(old[a1:a2])))
            continue
        if a2 > a1:
            parts.append(f"<del>{escape(old[a1:a2])}</del>")
        if b2 > b1:
            parts.append(f"<ins>{escape(new[b1:b2])}</ins>")
    return Markup("".join(parts).replace("\n", "<br>"))


def _plain(text: str) -> Markup:
    return Markup(str(escape(text)).replace("\n", "<br>"))


def _row(old: ClauseText | None, new: ClauseText | None) -> DiffRow:
    if old is None:
        return DiffRow(new.anchor, new.number, "added", _plain(new.full), new.depth)
    if new is None:
        return DiffRow(old.anchor, old.number, "removed", _plain(old.full), old.depth)
    if old.full == new.full and old.number == new.number:
        return DiffRow(new.anchor, new.number, "same", _plain(new.full), new.depth)
    return DiffRow(new.anchor, new.number, "changed", inline_diff(old.full, new.full), new.depth)


def diff_clauses(old: list[ClauseText], new: list[ClauseText]) -> list[DiffRow]:
    """One row per anchor in either revision, in the new revision's order with removed
    clauses where they used to be."""
    old_by = {c.anchor: c for c in old}
    new_by = {c.anchor: c for c in new}
    matcher = difflib.SequenceMatcher(
        None, [c.anchor for c in old], [c.anchor for c in new], autojunk=False
    )
    rows: list[DiffRow] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(
                _row(old[i], new[j]) for i, j in zip(range(a1, a2), range(b1, b2), strict=True)
            )
            continue
        # A clause that only moved is paired where it now stands, not shown as removed.
        rows.extend(_row(old[i], None) for i in range(a1, a2) if old[i].anchor not in new_by)
        rows.extend(_row(old_by.get(new[j].anchor), new[j]) for j in range(b1, b2))
    return rows


def summary(rows: list[DiffRow]) -> dict[str, int]:
    counts = {"changed": 0, "added": 0, "removed": 0, "same": 0}
    for row in rows:
        counts[row.status] += 1
    return counts
