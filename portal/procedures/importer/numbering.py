"""Recognise clause numbers ("markers") in Chinese procedure text.

Every style the seed pages use is known here: 第X章/节/条, 一、 and 一., (一), 1、, ``5、1``,
1., 1.1 / 4.2.4.1 / 4·2·1 / 1.0, bare ``1 总则``, (1), 1), 01., ①, ⑴, ⒈, A. A、 A), a. a) a,
——, ● and the ``?`` that stands for a lost bullet, 附录/附件; and from other sources
Article/Section/Clause N, roman numerals (I. II. or Ⅰ、Ⅱ、), (a) (A), financial numerals
(壹、 貳、) and steps (步骤1:).

A marker is accepted at a boundary (start of a paragraph, after whitespace or after 。;:!?”).
Without a boundary it is accepted only when it continues the sequence already running in the
document ("…负责一级回访(2)客服经理…"), because the scraper often glued items together.
Numbers that are easily confused with quantities (bare digits, decimals, letters) must also be
plausible: they start a list, continue one, or sit under a number already seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chars import IDEOGRAPH

CN = "[一二三四五六七八九十百零〇]{1,4}"
_CN_DIGITS = {ch: n for n, ch in enumerate("零一二三四五六七八九")} | {"〇": 0}
# Financial numerals, simplified and traditional: 壹、 貳、 參、 number the top parts of some
# (mostly Taiwanese) rules, over 一、 and (一).
FINANCIAL = {"壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "参": 3, "肆": 4, "伍": 5, "陆": 6}
FINANCIAL |= {"陸": 6, "柒": 7, "捌": 8, "玖": 9, "拾": 10}

# Styles that share one running sequence: a list may switch from "3、" to "4." midway.
FAMILY = {"num_comma": "num", "num_dot": "num", "num_bare": "num"}
# Styles whose number can key a decimal child: "8、" owns "8.1", "一、" owns "1.1".
KEYED = {"decimal", "num_comma", "num_dot", "num_bare", "cn", "dot_digit", "zero_pad", "article_en"}
KEYED |= {"roman"}
GLUABLE = {
    "chapter", "article", "section", "cn", "cn_paren", "num_paren", "num_half_paren",
    "num_comma", "num_dot", "circled", "paren_digit", "dot_digit", "upper", "lower",
    "lower_paren", "upper_paren",
}  # fmt: skip

_BOUNDARY = frozenset(" \n。;:!?”")
# Patterns that cannot follow a Latin letter or digit: "ISO9001)" is not item 1).
_NOT_AFTER_ALNUM = frozenset(
    ("decimal_comma", "decimal", "zero_pad", "num_half_paren", "num_comma", "num_dot",
     "num_bare", "upper", "lower", "lower_bare", "roman", "roman_lower")
)  # fmt: skip
_NOT_AFTER_GLUE = frozenset("第照据按见依本和或至、")
# "本细则第三章第2条": a chapter or section named with the article it holds is a reference.
_REFERENCE_TAIL = re.compile(rf"第(?:{CN}|\d{{1,3}})[条款项节]")
_SHORT_HEADING = re.compile(rf" [{IDEOGRAPH}]{{2,8}}")
_PREPOSITIONS = frozenset("对按依据见于在将把从向由经与和及")
_UNIT = re.compile(
    r"\s?(?:%|元|万|亿|千|米|吨|倍|度|人|个|次|天|日|月|年|岁|号|名|位|家|项|份|套|台|件|种|级|周|点"
    r"|声|层|楼|类|条|款|小时|分钟|秒|公里|公斤|克|寸|版|页|kg|km|mm|cm)"
)
_SECTION_NAMES = "目的|适用范围|范围|内容|职责|定义|程序|流程"
_SECTION_NAME = re.compile(_SECTION_NAMES)
# A whole line naming a standard section of a procedure (what ISO-style procedures and most
# company rules are divided into), with or without a number: such a line never names a
# document of its own.
SECTION_HEADING = re.compile(
    r"(?:目的|(?:适用)?范围|(?:目的和|目的与)(?:适用)?范围|(?:部门|岗位)?职责(?:分工)?|(?:术语和)?定义"
    r"|(?:工作|作业|管理|控制)?(?:程序|流程)|(?:相关|质量)?记录(?:表单)?|(?:相关|引用|参考)文件"
    r"|总则|附则|(?:工作|管理|基本)?(?:要求|原则|内容)|考核(?:与奖惩)?|奖惩|监督检查|附录)[:：]?"
)
_ASCII_WORD_BEFORE = re.compile(r"[A-Za-z][A-Za-z/\-]*\s$")
_STARTS = re.compile(
    rf"[{''.join(FINANCIAL)}第附步(\d一二三四五六七八九十\u2460-\u249b\u2160-\u216bA-Za-z●?—―]"
)

_P = {
    "chapter": re.compile(rf"第({CN}|\d{{1,3}})章"),
    "section": re.compile(rf"第({CN}|\d{{1,3}})节"),
    "article": re.compile(rf"第({CN}|\d{{1,3}})条"),
    "article_en": re.compile(r"(?:Article|Section|Clause)\s+(\d{1,3})(?![\d.])"),
    # Roman numerals closed by a stop or 、 (I. II. Ⅳ、), or the Unicode ones standing alone.
    "roman": re.compile(r"([IVX]{1,5})[.、](?=\s?\S)|([\u2160-\u216b])[.、]?(?=\s?\S)"),
    "roman_lower": re.compile(r"([ivx]{1,5})[.)](?=\s?\S)"),
    "lower_paren": re.compile(r"\(([a-z])\)"),
    "upper_paren": re.compile(r"\(([A-Z])\)"),
    "appendix": re.compile(
        rf"附[录件表]([一二三四五六七八九十]|\d{{1,2}}|[A-Z])?(?:\s*:\s*|\s{{0,3}})(?=[{IDEOGRAPH}]|$)"
    ),
    "cn_upper": re.compile(rf"([{''.join(FINANCIAL)}])[、.](?![\d.])"),
    "step": re.compile(rf"步骤\s?(\d{{1,2}}|{CN})(?:\s*[:、.]|\s)"),
    "cn_paren": re.compile(rf"\(({CN})\)、?"),
    "num_paren": re.compile(r"\((\d{1,2})\)、?"),
    "decimal_comma": re.compile(r"(\d{1,2})、(\d{1,2})(?![\d、.])"),
    "decimal": re.compile(r"\d{1,2}(?:(?:\.\s?|·)\d{1,2}(?!\d)){1,5}[.、]?(?!\d)"),
    "zero_pad": re.compile(r"0([1-9])\.(?!\d)"),
    "num_half_paren": re.compile(r"(\d{1,2})\)"),
    "num_comma": re.compile(r"(\d{1,2})、"),
    "num_dot": re.compile(r"(\d{1,2})\.(?![\d.])"),
    "cn": re.compile(rf"({CN})[、.](?![\d.])"),
    # "一目的…二适用范围…": the 、 is lost; only before a section name or a "label:". Not
    # before a measure word: "一级事件:", "二类设备:" name a grade, the numeral is a quantity.
    "cn_bare": re.compile(
        rf"({CN})(?={_SECTION_NAMES}|(?![般些切律致直起样定旦共体同级类种项档等])[^\s,;。!?:]{{2,12}}:)"
    ),
    "circled": re.compile(r"[\u2460-\u2473]、?"),
    "paren_digit": re.compile(r"[\u2474-\u2487]"),
    "dot_digit": re.compile(r"[\u2488-\u249b]"),
    "upper": re.compile(rf"([A-Z])[.、)](?=\s?[{IDEOGRAPH}“《(])"),
    "lower": re.compile(rf"([a-z])[.、)](?=\s?[{IDEOGRAPH}“《(])"),
    "bullet": re.compile(r"[●?]"),
    "dash": re.compile(rf"(?:——|――)(?=[{IDEOGRAPH}])"),
    "num_bare": re.compile(rf"(\d{{1,2}})(?=\s?[{IDEOGRAPH}])"),
    "lower_bare": re.compile(rf"([a-z])(?=[{IDEOGRAPH}])"),
}
_BY_FIRST = {
    "第": ("chapter", "section", "article"),
    "附": ("appendix",),
    "步": ("step",),
    "(": ("cn_paren", "num_paren", "lower_paren", "upper_paren"),
    "●": ("bullet",),
    "?": ("bullet",),
    "—": ("dash",),
    "―": ("dash",),
}
# Pattern names that produce the same clause style as another pattern.
_STYLE_OF = {"decimal_comma": "decimal", "lower_bare": "lower", "cn_bare": "cn"}
_DIGIT_STYLES = (
    "decimal_comma", "decimal", "zero_pad", "num_half_paren", "num_comma", "num_dot", "num_bare",
)  # fmt: skip


@dataclass(frozen=True)
class Marker:
    """A recognised clause number: ``values`` is (n,) or a decimal path such as (4, 2, 1)."""

    style: str
    number: str
    values: tuple[int, ...]
    start: int
    end: int

    @property
    def value(self) -> int:
        return self.values[-1]

    @property
    def key(self) -> tuple[int, ...] | None:
        return self.values if self.style in KEYED else None


def cn_to_int(text: str) -> int | None:
    """Value of a Chinese (or Arabic) numeral such as 十二, 二十三, 一百零五; None if invalid."""
    if text.isdigit():
        return int(text)
    total = current = 0
    for prev, ch in zip(" " + text, text, strict=False):
        if ch in _CN_DIGITS and prev in _CN_DIGITS and prev not in "零〇":
            return None  # "五一" is a holiday, not a number
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in "十百":
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
        else:
            return None
    return total + current or None


def _candidates(ch: str) -> tuple[str, ...]:
    if ch in _BY_FIRST:
        return _BY_FIRST[ch]
    if "0" <= ch <= "9":  # not str.isdigit(): that is true for ① too
        return _DIGIT_STYLES
    if ch in "一二三四五六七八九十":
        return ("cn", "cn_bare")
    if ch in FINANCIAL:
        return ("cn_upper",)
    if "\u2460" <= ch <= "\u2473":
        return ("circled",)
    if "\u2474" <= ch <= "\u2487":
        return ("paren_digit",)
    if "\u2488" <= ch <= "\u249b":
        return ("dot_digit",)
    if ch in "ASC":
        return ("article_en", "upper")
    if ch in "IVX":
        return ("roman", "upper")
    if "A" <= ch <= "Z":
        return ("upper",)
    if "\u2160" <= ch <= "\u216b":
        return ("roman",)
    if ch in "ivx":
        return ("roman_lower", "lower", "lower_bare")
    if "a" <= ch <= "z":
        return ("lower", "lower_bare")
    return ()


_ROMAN = {"I": 1, "V": 5, "X": 10}


def roman_to_int(text: str) -> int | None:
    """Value of a roman numeral up to XX (I, IV, XII …); None when it is not a well-formed one."""
    if len(text) == 1 and "\u2160" <= text <= "\u216b":
        return ord(text) - 0x2160 + 1
    total = 0
    for ch, nxt in zip(text, text[1:] + " ", strict=True):
        value = _ROMAN[ch]
        total += -value if _ROMAN.get(nxt, 0) > value else value
    canonical = (
        "X" * (total // 10)
        + ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][total % 10]
    )
    return total if 0 < total <= 20 and canonical == text else None


def _decimal_values(text: str) -> tuple[int, ...]:
    parts = [int(part) for part in re.findall(r"\d+", text)]
    while len(parts) > 1 and parts[-1] == 0:  # "4.0" is section 4
        parts.pop()
    return tuple(parts)


def _values(style: str, match: re.Match) -> tuple[int, ...] | None:
    raw = match.group(0)
    if style == "decimal":
        return _decimal_values(raw)
    if style == "decimal_comma":
        return (int(match.group(1)), int(match.group(2)))
    if style in ("circled", "paren_digit", "dot_digit"):
        base = {"circled": 0x2460, "paren_digit": 0x2474, "dot_digit": 0x2488}[style]
        return (ord(raw[0]) - base + 1,)
    if style in ("bullet", "dash"):
        return (0,)
    if style == "appendix":
        arg = match.group(1)
        value = 1 if not arg else (ord(arg) - 64 if arg.isalpha() else cn_to_int(arg))
        return (value,) if value else None
    if style in ("upper", "lower", "lower_bare", "lower_paren", "upper_paren"):
        return (ord(match.group(1).lower()) - 96,)
    if style == "roman":
        value = roman_to_int(match.group(1) or match.group(2))
        return (value,) if value else None
    if style == "cn_upper":
        return (FINANCIAL[match.group(1)],)
    if style == "roman_lower":
        value = roman_to_int(match.group(1).upper())
        return (value,) if value else None
    value = cn_to_int(match.group(1))
    return (value,) if value else None


def _number(style: str, raw: str) -> str:
    if style == "bullet":
        return "●"  # "?" is a bullet the scraper broke
    if style == "article_en":
        return " ".join(raw.split())
    raw = raw.replace(" ", "")
    if style == "appendix":
        return raw.rstrip(":")
    if style == "step":
        return raw.rstrip(":、.")
    if style in ("cn_paren", "num_paren", "lower_paren", "upper_paren"):
        return raw.rstrip("、")
    return raw.rstrip("、.)") or raw


class Scanner:
    """Finds markers in the paragraphs of one document, remembering its running sequences."""

    def __init__(self, inline: bool = True):
        self.inline = inline
        self.last: dict[str, int] = {}
        self.seen_keys: set[tuple[int, ...]] = set()
        self.bullets_seen = False
        # Circled numbers glued to a word inside a sentence ("…私车公用①。"): footnote marks.
        self.footnote_marks: set[str] = set()
        self._last_end = -1  # end of the previous marker in the paragraph being scanned

    def scan(self, text: str) -> list[Marker]:
        """Markers of one paragraph, in order; only the leading one unless ``inline``."""
        found: list[Marker] = []
        pos = 0
        self._last_end = -1
        while True:
            start = _STARTS.search(text, pos)
            if start is None or (found and not self.inline):
                return found
            p = start.start()
            if not self.inline and p > 0:
                return found
            marker = self._marker_at(text, p)
            if marker is None:
                if "\u2460" <= text[p] <= "\u2473" and p and not text[p - 1].isspace():
                    self.footnote_marks.add(text[p])
                pos = p + 1
                continue
            found.append(marker)
            self._remember(marker)
            pos = self._last_end = marker.end

    def _marker_at(self, text: str, p: int) -> Marker | None:
        for style in _candidates(text[p]):
            match = _P[style].match(text, p)
            if match is None:
                continue
            values = _values(style, match)
            if not values:
                continue
            name = _STYLE_OF.get(style, style)
            marker = Marker(name, _number(name, match.group(0)), values, p, match.end())
            if self._accept(style, marker, text):
                return marker
        return None

    def _remember(self, marker: Marker) -> None:
        family = FAMILY.get(marker.style, marker.style)
        self.last[family] = marker.value
        if marker.key:
            self.seen_keys.add(marker.key)
        if marker.style == "bullet":
            self.bullets_seen = True

    def _continues(self, style: str, value: int) -> bool:
        family = FAMILY.get(style, style)
        return family in self.last and value == self.last[family] + 1

    def _accept(self, style: str, m: Marker, text: str) -> bool:
        p = m.start
        prev = text[p - 1] if p else ""
        at_start = p == 0 or prev == "\n"
        boundary = at_start or prev in _BOUNDARY
        if style in _NOT_AFTER_ALNUM and prev.isascii() and prev.isalnum():
            return False
        if style in ("chapter", "section") and not at_start and _REFERENCE_TAIL.match(text, m.end):
            return False
        check = _CHECKS.get(style)
        if check is not None:
            return check(self, m, text, boundary, at_start)
        if boundary:
            return True
        if style not in GLUABLE or prev in _NOT_AFTER_GLUE:
            return False
        return self._continues(style, m.value) or (m.value == 1 and self._after_title(text, p))

    def _after_title(self, text: str, p: int) -> bool:
        """A first item glued to a short title: "第一条目的(1)为了…", "…制度第一条目的"."""
        if self._last_end < 0 or p - self._last_end > 12:
            return False
        between = text[self._last_end : p]
        if between in _PREPOSITIONS:  # "5.2对2.1所列物品…": a reference; no title is one word
            return False
        return not re.search(r"[,;:。!?、()\s本按依照据见根]", between)

    def _check_decimal(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        path = m.values
        if not boundary:  # "5.0作业程序5.1与客户的沟通5.1.1控制代表…"
            return (
                path[-1] == 1 and path[:-1] in self.seen_keys and self._after_title(text, m.start)
            )
        if len(path) > 1 and (*path[:-1], path[-1] - 1) in self.seen_keys:
            return True  # the previous sibling exists: "2.3个人…" is clause 2.3
        if at_start and len(path) > 1 and path[:-1] in self.seen_keys:
            return True  # under its section, at a paragraph start: "3.1人力资源部负责…"
        if _UNIT.match(text, m.end) or _ASCII_WORD_BEFORE.search(text, 0, m.start):
            return False  # "1.5元", "GB/T 1.1"
        return at_start or len(path) == 1 or path[:-1] in self.seen_keys or path[-1] <= 1

    def _check_decimal_comma(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        return boundary and m.values[:1] in self.seen_keys and m.value <= 20

    def _check_bare(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        last = self.last.get(FAMILY.get(m.style, m.style), 0)
        if not boundary or (_UNIT.match(text, m.end) and not self._next_heading(m, text, last)):
            return False
        spaced = text[m.end : m.end + 1] == " "
        if at_start:
            return m.value == 1 or 0 < m.value <= last + 3
        return (m.value == 1 and spaced) or (last > 0 and m.value == last + 1)

    @staticmethod
    def _next_heading(m: Marker, text: str, last: int) -> bool:
        """ "6 度量" after section 5: a short heading of its own, though 度 may be a unit."""
        if m.value != last + 1 or (m.start and text[m.start - 1] != "\n"):
            return False
        end = text.find("\n", m.end)
        return bool(_SHORT_HEADING.fullmatch(text, m.end, len(text) if end < 0 else end))

    def _check_letter(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        last = self.last.get(m.style, 0)
        if boundary:
            return m.value == 1 or 0 < m.value <= last + 1
        return last > 0 and m.value == last + 1

    def _check_roman(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        """At a paragraph start, starting or continuing a roman list; "I." after "H." is the
        letter list going on, not a new roman one."""
        letter = text[m.start]
        letters = "lower" if letter.islower() else "upper"
        if not at_start or self.last.get(letters) == ord(letter.upper()) - 65:
            return False  # "i." after "h." goes on with the letters
        return m.value == 1 or self._continues(m.style, m.value)

    def _check_bullet(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        if text[m.start] == "●":
            return True
        after = text[m.end : m.end + 2].lstrip()
        followed = bool(after) and (after[0].isdigit() or re.match(f"[{IDEOGRAPH}]", after[0]))
        if boundary and followed and (at_start or text[m.start - 1] == " "):
            return True
        prev = text[m.start - 1] if m.start else ""
        return self.bullets_seen and text[m.end : m.end + 1] == " " and prev not in "吗么呢吧啊"

    def _check_circled(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        """A paragraph opening with a circled number that a sentence above carries as a mark
        is the footnote it points to, not a list item: "① 补贴标准见…" under "…公用①。"."""
        if (
            at_start
            and text[m.start] in self.footnote_marks
            and not self._continues("circled", m.value)
        ):
            return False
        if boundary:
            return True
        if text[m.start - 1] in _NOT_AFTER_GLUE:
            return False
        return self._continues("circled", m.value) or (
            m.value == 1 and self._after_title(text, m.start)
        )

    def _check_appendix(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        return at_start

    def _check_cn_bare(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        if boundary:
            return m.value == 1 or self._continues("cn", m.value)
        # glued only when it continues and names a section: "…全体员工三内容…"
        return self._continues("cn", m.value) and bool(_SECTION_NAME.match(text, m.end))

    def _check_zero_pad(self, m: Marker, text: str, boundary: bool, at_start: bool) -> bool:
        return boundary and (m.value == 1 or self._continues("zero_pad", m.value))


_CHECKS = {
    "decimal": Scanner._check_decimal,
    "decimal_comma": Scanner._check_decimal_comma,
    "num_bare": Scanner._check_bare,
    "lower_bare": Scanner._check_bare,
    "upper": Scanner._check_letter,
    "lower": Scanner._check_letter,
    "lower_paren": Scanner._check_letter,
    "upper_paren": Scanner._check_letter,
    "roman": Scanner._check_roman,
    "roman_lower": Scanner._check_roman,
    "bullet": Scanner._check_bullet,
    "appendix": Scanner._check_appendix,
    "article_en": Scanner._check_appendix,  # only at the start of a paragraph
    "cn_upper": Scanner._check_appendix,
    "circled": Scanner._check_circled,
    "step": Scanner._check_appendix,  # "步骤1:" opening a line, a step of the clause above
    "zero_pad": Scanner._check_zero_pad,
    "cn_bare": Scanner._check_cn_bare,
    "dash": lambda self, m, text, boundary, at_start: boundary,
}


def leading_marker(text: str) -> Marker | None:
    """The number a line or token starts with, judged without any document context."""
    found = Scanner(inline=False).scan(text.strip())
    return found[0] if found else None
