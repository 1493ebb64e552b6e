"""OCR confusions (曰/日, 己/已, 末/未, 人/入, 土/士, letter O for zero): repaired only when certain.

A confusable character is replaced when the replacement makes a dictionary word at that place
(``lexicon.WORDS``) longer than every word the character as read makes there: 己经 → 已经, but
自己 and 期末 stay. Characters that are common in correct text (人, 入, 土, 士, 未, 已) need
a word of three characters or more to be certain (入库存 is not enough to change 人 in 个人库存,
the dictionary may simply not know the word); with a shorter word the change is only suggested.
A rare character that no word explains either way (曰, 巳 in a procedure) is suggested too.
A suggestion changes nothing: the reviewer accepts it with one click on the import page.

Words may run across a line break inside a sentence (a page's wrap: 己 | 经), so the caller
passes the neighbouring lines as ``before`` and ``after``; only the line itself is changed.
A letter O or l between digits is a digit, and 曰 after a day number is 日, in every context.
"""

from __future__ import annotations

import re

from .lexicon import MAX_WORD, longest_at, made_at, made_table

# Read as → meant.  Only pairs that OCR really confuses in printed Chinese.
CONFUSIONS = {
    "曰": "日", "己": "已", "已": "己", "巳": "已", "末": "未", "未": "末", "入": "人", "人": "入",
    "土": "士", "士": "土",
}  # fmt: skip
RARE = "曰巳"  # hardly ever meant in a procedure: worth a reviewer's look when unconfirmed
COMMON = "人入土士未已"  # frequent in correct text: a two-character word is only a suggestion
_CERTAIN_COMMON = 3
_SENTENCE_END = tuple("。；;！!？?：:")
_UNITS = "年月日元%时分秒个人天次号万千百"
_DIGIT_LETTER = re.compile(
    rf"(?<=\d)[Oo]+(?=\d)|(?<=\d)[Oo]+(?=\s?[{_UNITS}])|(?<=\d[.．])[Oo]+(?![A-Za-z])"
    r"|(?<![A-Za-z\d])[Oo](?=[.．]\d)|(?<=\d)l(?=\d)|(?<=\d月\d)曰|(?<=\d月\d\d)曰"
)
_DIGIT_SUSPECT = re.compile(r"\d[Ool曰]|[Ool曰]\d|\d[.．][Oo]|[Oo][.．]\d")
_CONFUSABLE = re.compile("[" + "".join(CONFUSIONS) + "]")
_MADE = made_table(CONFUSIONS.values())


def _context(before: str, line: str, after: str) -> tuple[str, int]:
    """The line with the ends of its neighbours when the break falls inside a sentence, and the
    line's offset in it."""
    reach = MAX_WORD - 1
    head = before[-reach:] if before and not before.rstrip().endswith(_SENTENCE_END) else ""
    tail = after[:reach] if after and not line.rstrip().endswith(_SENTENCE_END) else ""
    return head + line + tail, len(head)


def repair_ocr(
    line: str, number: int, before: str = "", after: str = ""
) -> tuple[str, list[dict], list[dict]]:
    """``(line, repairs, suggestions)``: records are ``{"from", "to", "line"}``; a suggestion
    adds ``column`` (0-based, in the line) and ``context`` (a few characters either side).
    ``before`` and ``after`` are the neighbouring lines of the page, read for words only."""
    repairs: list[dict] = []
    suggestions: list[dict] = []

    def digit(match: re.Match) -> str:
        found = match.group(0)
        new = "日" if found == "曰" else "0" * len(found) if found[0] in "Oo" else "1"
        repairs.append({"from": match.group(0), "to": new, "line": number})
        return new

    if _DIGIT_SUSPECT.search(line):
        line = _DIGIT_LETTER.sub(digit, line)
    if not _CONFUSABLE.search(line):
        return line, repairs, suggestions
    text, offset = _context(before, line, after)
    for match in _CONFUSABLE.finditer(line):
        i, ch = match.start(), match.group(0)
        meant = CONFUSIONS[ch]
        at = offset + i
        fixed = text[:at] + meant + text[at + 1 :]
        made = made_at(fixed, at, _MADE[meant])
        if not made and ch not in RARE:
            continue  # nothing to repair, nothing to suggest
        kept = longest_at(text, at)
        if made and len(made) > len(kept):
            if ch not in COMMON or len(made) >= _CERTAIN_COMMON:
                start = fixed.index(made, max(0, at - len(made) + 1))
                repairs.append(
                    {"from": text[start : start + len(made)], "to": made, "line": number}
                )
                text = fixed
                continue
        elif made or kept or ch not in RARE:
            continue
        context = line[max(0, i - 3) : i + 4]
        suggestions.append(
            {"from": ch, "to": meant, "line": number, "column": i, "context": context}
        )
    return text[offset : offset + len(line)], repairs, suggestions
