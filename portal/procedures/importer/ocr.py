"""OCR confusions (曰/日, 己/已, 末/未, 巳/已, letter O for zero): repaired only when certain.

A confusable character is replaced when the replacement makes a word of the dictionary at that
place and the character as read makes none of the words it is rightly part of (自己, 期末, 子曰);
when both readings make a word the text stays as read.  A rare character that the dictionary
cannot confirm either way (曰, 巳 in a procedure) becomes a *suggestion* for the reviewer, and
nothing is changed.  A letter O or l between digits is a digit, and 曰 after a day number is 日,
in every context.
"""

from __future__ import annotations

import re


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Read as → meant.  Only pairs that OCR really confuses in printed Chinese.
CONFUSIONS = {"曰": "日", "己": "已", "巳": "已", "末": "未"}

# Words the replacement must make (it is certain only then).  Short and common on purpose.
WORDS = _word_set(
    """
    当日 日期 每日 次日 前日 同日 节日 假日 工作日 生效日 之日 日起 日前 日内 日止 日报 日常 日志 本日 即日
    已经 已于 已有 已在 已将 已被 已按 已由 已达 已满 业已 早已 尚已 并已 均已 已办 已领 已交
    未经 未能 未按 未及 未满 未在 未做 未予 未有 未达 未到 未向 尚未 并未 均未 未曾 未办 未签 未付 未交
    未作 未见 未设 未发 未填 未用 从未 未被 未对
    """
)
# Words the character as read is rightly part of: then the reading stands.
KEEP = _word_set(
    """
    自己 己方 知己 利己 异己 舍己 克己 己任 本己 一己
    期末 周末 月末 年末 末尾 末端 末位 始末 末期 末日 末班 季末 本末 末梢 末了 末次 篇末 文末
    子曰 曰子 巳时 辰巳
    """
)
_MAX_WORD = max(len(word) for word in WORDS | KEEP)
_DIGIT_LETTER = re.compile(
    r"(?<=\d)[Oo]+(?=\d)|(?<=\d)[Oo]+(?=\s?(?:年|月|日|元|%))|(?<=\d)l(?=\d)|(?<=\d月\d)曰|(?<=\d月\d\d)曰"
)
_RARE = "曰巳"  # hardly ever meant in a procedure: worth a reviewer's look when unconfirmed


def _words_at(text: str, index: int, words: frozenset[str]) -> list[str]:
    """Dictionary words of ``text`` that cover position ``index``."""
    found = []
    for size in range(2, _MAX_WORD + 1):
        for start in range(max(0, index - size + 1), index + 1):
            piece = text[start : start + size]
            if len(piece) == size and piece in words:
                found.append(piece)
    return found


def repair_ocr(line: str, number: int) -> tuple[str, list[dict], list[dict]]:
    """``(line, repairs, suggestions)``: records are ``{"from", "to", "line"}``; a suggestion
    adds ``column`` (0-based, in the line) and ``context`` (a few characters either side)."""
    repairs: list[dict] = []
    suggestions: list[dict] = []

    def digit(match: re.Match) -> str:
        found = match.group(0)
        new = "日" if found == "曰" else "0" * len(found) if found[0] in "Oo" else "1"
        repairs.append({"from": match.group(0), "to": new, "line": number})
        return new

    line = _DIGIT_LETTER.sub(digit, line)
    if not any(ch in line for ch in CONFUSIONS):
        return line, repairs, suggestions
    chars = list(line)
    for i, ch in enumerate(line):
        meant = CONFUSIONS.get(ch)
        if meant is None:
            continue
        fixed = line[:i] + meant + line[i + 1 :]
        made = _words_at(fixed, i, WORDS)
        kept = _words_at(line, i, KEEP)
        if made and not kept:
            chars[i] = meant
            repairs.append({"from": made[0].replace(meant, ch, 1), "to": made[0], "line": number})
        elif not made and not kept and ch in _RARE:
            context = line[max(0, i - 3) : i + 4]
            suggestions.append(
                {"from": ch, "to": meant, "line": number, "column": i, "context": context}
            )
    return "".join(chars), repairs, suggestions
