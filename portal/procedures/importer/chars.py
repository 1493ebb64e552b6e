"""Character classes and the small text clean-ups every other importer module relies on.

The scraped pages use ASCII punctuation between Chinese characters, and a single space wherever
the source PDF had a line break.  Parsing works on width-folded text (full-width ASCII forms
become ASCII) so that one set of patterns matches both; ``widen_punctuation`` restores the
full-width forms in the final output.
"""

from __future__ import annotations

import re

_FULL_WIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SPACES = dict.fromkeys(map(ord, "\u3000\u00a0\u2002\u2003\u2009\u200b\t\f\v"), " ")
_FOLD_TABLE = {**_FULL_WIDTH_ASCII, **_SPACES, ord("\ufeff"): None}

IDEOGRAPH = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# CJK punctuation that sits inside Chinese prose without spaces around it.
CJK_PUNCT = "、。〈〉《》「」『』【】〔〕〇“”‘’…—―·"
TERMINAL = "。！？；!?;…"
# Characters a heading never ends with: they leave a sentence hanging.
FUNCTION_TAIL = "的了由和及与或在对将把被从而并且但"

_IDEOGRAPH_RE = re.compile(f"[{IDEOGRAPH}]")
_WIDE = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}


def ends_open(text: str) -> bool:
    """True when text ends in a particle that leaves it unfinished ("…决定后由"), not "目的"."""
    return text[-1:] in FUNCTION_TAIL and not text.endswith("目的")


_FOLD_KEEP_TABS = {**_FOLD_TABLE, ord("\t"): "\t"}


def fold_width_keep_tabs(text: str) -> str:
    """``fold_width`` that leaves tabs alone: they still separate table cells."""
    return text.translate(_FOLD_KEEP_TABS)


def fold_width(text: str) -> str:
    """Map full-width ASCII forms to ASCII and every exotic space to a plain space."""
    return text.translate(_FOLD_TABLE)


def is_ideograph(ch: str) -> bool:
    return bool(ch) and _IDEOGRAPH_RE.match(ch) is not None


def is_cjkish(ch: str) -> bool:
    """True for Chinese characters and the punctuation that belongs to Chinese prose."""
    return bool(ch) and (is_ideograph(ch) or ch in CJK_PUNCT or "\u2460" <= ch <= "\u24ff")


def has_ideograph(text: str) -> bool:
    return _IDEOGRAPH_RE.search(text) is not None


def ideographs_only(text: str) -> str:
    return "".join(_IDEOGRAPH_RE.findall(text))


def _space_is_wrap(prev: str, nxt: str) -> bool:
    # ASCII punctuation counts as Chinese when it touches a Chinese character: "桥梁 ,负责".
    left = is_cjkish(prev) or prev in ",;:!?)."
    right = is_cjkish(nxt) or nxt in ",;:!?("
    return left and right


def squeeze_spaces(text: str) -> str:
    """Drop the spaces that stand for lost line breaks inside Chinese text; keep ASCII gaps."""
    text = re.sub(r" {2,}", " ", text.strip())
    if " " not in text:
        return text
    out = []
    for i, ch in enumerate(text):
        if ch == " " and 0 < i < len(text) - 1 and _space_is_wrap(text[i - 1], text[i + 1]):
            continue
        out.append(ch)
    return "".join(out)


def _widen_parens(chars: list[str]) -> None:
    stack: list[int] = []
    for i, ch in enumerate(chars):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            start = stack.pop()
            if has_ideograph("".join(chars[start + 1 : i])):
                chars[start], chars[i] = "（", "）"


def widen_punctuation(text: str) -> str:
    """Turn , ; : ? ! ( ) into their full-width forms where they punctuate Chinese text."""
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch not in _WIDE:
            continue
        prev = chars[i - 1] if i else ""
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        prev_alnum = prev.isascii() and prev.isalnum()
        next_alnum = nxt.isascii() and nxt.isalnum()
        if (is_cjkish(prev) and not next_alnum) or (is_cjkish(nxt) and not prev_alnum):
            chars[i] = _WIDE[ch]
    _widen_parens(chars)
    return "".join(chars)


def clean_text(text: str) -> str:
    """Final form of any output string: lost line breaks removed, punctuation widened."""
    lines = (squeeze_spaces(line) for line in text.split("\n"))
    return "\n".join(widen_punctuation(line) for line in lines if line)
