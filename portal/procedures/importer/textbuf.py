"""A document body as one string that still knows which source line each character came from.

Paragraphs are separated by ``\\n``.  Clean-up steps cut spans out of the text; the line map
follows, so warnings and repairs can cite the page's own line numbers.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from .chars import TERMINAL, ends_open
from .numbering import Scanner


class SourceText:
    """Text plus a sorted map of (offset, source line) for the start of each source line."""

    def __init__(self, text: str = "", starts: list[tuple[int, int]] | None = None):
        self.text = text
        self.starts = starts or [(0, 1)]

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right(self.starts, offset, key=lambda start: start[0]) - 1
        return self.starts[max(index, 0)][1]

    def delete(self, start: int, end: int) -> None:
        """Cut ``text[start:end]``; lines that started inside the span now start at ``start``."""
        if end <= start:
            return
        width = end - start
        self.text = self.text[:start] + self.text[end:]
        moved = []
        for offset, line in self.starts:
            if offset >= end:
                offset -= width
            elif offset > start:
                offset = start
            moved.append((offset, line))
        self.starts = moved

    def delete_matches(self, pattern: re.Pattern) -> None:
        """Cut every match of ``pattern``, last first so earlier offsets stay valid."""
        for match in reversed(list(pattern.finditer(self.text))):
            self.delete(match.start(), match.end())

    def paragraphs(self):
        """Yield (offset, paragraph text) for every non-empty paragraph."""
        offset = 0
        for part in self.text.split("\n"):
            if part.strip():
                yield offset, part
            offset += len(part) + 1


_DIGITS_ALONE = re.compile(r"\d{1,2}")  # "1" over "目的": the page furniture stage kept it
_HYPHENATED = re.compile(r"[A-Za-z0-9]-$")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_WORD_HYPHENATED = re.compile(r"[A-Za-z][a-z]-$")  # "Inspec-" / "tion": a word cut in two


def _heading_like(line: str) -> bool:
    stripped = line.strip()
    if stripped.count("《") > stripped.count("》"):
        return False  # a book title wrapped in two: "根据《物资管理基本" + "制度》…"
    return len(stripped) <= 20 and not re.search(r"[,;。!?]", stripped) and not ends_open(stripped)


def _wrap_width(lines: list[tuple[int, str]]) -> int | None:
    """The width a hard-wrapped text (a scan's text layer, a narrow layout) breaks its lines
    at: the length most lines have, give or take one; None when the lines are not cut so."""
    lengths = [len(line.strip()) for _, line in lines if line.strip()]
    long = [length for length in lengths if length >= 8]
    if len(long) < 6:
        return None
    width = Counter(long).most_common(1)[0][0]
    near = sum(1 for length in lengths if abs(length - width) <= 1)
    return width if width <= 40 and near * 5 >= len(lengths) * 2 else None


def _breaks(previous: str, starts_marker: bool, line: str = "", wrap: int | None = None) -> bool:
    """A new paragraph starts at a numbered line, or after a heading or a finished sentence.

    A short line that does not end in a particle ("…决定后由") is a heading or a list item of
    its own, not the first half of a wrapped sentence, unless it fills the width a
    hard-wrapped text breaks at.  A Markdown table row is a paragraph.
    """
    if previous.endswith("|") or line.startswith("|"):
        return True
    if re.search(r"[a-z]\.$", previous):
        return True  # an English sentence ends
    heading = _heading_like(previous) and not (wrap and len(previous) >= wrap - 1)
    return starts_marker or heading or previous[-1:] in TERMINAL + ":”)】"


def join_lines(lines: list[tuple[int, str]]) -> SourceText:
    """Rejoin hard-wrapped lines into paragraphs; ``\\n`` separates paragraphs."""
    buffer = SourceText("", [])
    leading = Scanner(inline=False)  # tracks sequences so that "10建立…" after "9…" is seen
    pieces: list[str] = []
    length = 0
    bare = False  # the previous line was a clause number and nothing else
    wrap = _wrap_width(lines)
    for number, line in lines:
        line = line.strip()
        if not line:
            continue
        markers = leading.scan(line)
        starts_marker = bool(markers)
        if pieces:
            # A wrapped line is joined with a space, as the scraper joined the collapsed ones;
            # the space goes when the text is cleaned, after it has marked a possible heading.
            # A number alone on its line ("第一章" / "总则") takes the next line as its words.
            joined = bare and not starts_marker and not line.startswith(("- ", "|"))
            # A code or word hyphenated at the line's end ("TN-" / "S…") goes on without a space.
            # A lower-case word cut by the layout ("Inspec-" / "tion") loses the hyphen too.
            if not starts_marker and _WORD_HYPHENATED.search(pieces[-1]) and line[0].islower():
                pieces[-1] = pieces[-1][:-1]
                length -= 1
            elif starts_marker or not (_HYPHENATED.search(pieces[-1]) and _ALNUM.match(line)):
                brk = not joined and _breaks(pieces[-1], starts_marker, line, wrap)
                pieces.append("\n" if brk else " ")
                length += 1
        bare = (starts_marker and not line[markers[0].end :].strip(" :、.")) or bool(
            _DIGITS_ALONE.fullmatch(line)
        )
        buffer.starts.append((length, number))
        pieces.append(line)
        length += len(line)
    buffer.text = "".join(pieces)
    buffer.starts = buffer.starts or [(0, 1)]
    return buffer
