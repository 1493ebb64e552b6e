"""Repair broken characters by general rules, only where the repair is certain in context.

Five kinds of rule, which quote no source text, and one short table (``_MISSING``) of missing
characters that no rule can confirm:

- **Broken numbering**: ○1 is a circled ①, 3?0 a decimal, l a digit one, —、 a Chinese 一、.
- **Characters out of place**: a variant glyph that has a standard form (臵 → 置, 屮 → 中); a
  Chinese look-alike inside a Latin code (丫 for Y); a letter O among Chinese numerals (〇); the
  financial numeral 壹 used as a list marker; a Latin acronym with two letters swapped.
- **Confusions** (``CONFUSIONS``: pairs that OCR or an input method mix up, by shape or sound):
  repaired when the repaired text makes a dictionary word at that place that is longer than
  every word the text as read makes there (``lexicon.longest_at``): 相矢 → 相关, but 监理 is a
  word and stays unless the repair makes a longer one.
- **One character wrong in a fixed expression** (``lexicon.SET_PHRASES``): repaired when no
  dictionary word as read covers that character.
- **Doubled characters and words** that the language does not double (的的, 为为, 工作工作),
  unless the two halves belong to different words (认为为了, 工人人数).

Every repair is recorded with its line so the dry run shows exactly what was changed; what a
rule cannot confirm is left as it is (``ocr.py`` turns the rare cases into suggestions).
"""

from __future__ import annotations

import re

from .lexicon import ACRONYMS, REDUPLICATED, SET_PHRASES, WORDS, longest_at, made_at, made_table

_CIRCLED = "①②③④⑤⑥⑦⑧⑨"
# Broken numbering: ○1 is a circled ①, 3?0 a decimal, l a digit one, —、 a Chinese 一、.
# Each rule is (a substring the line must hold for the rule to apply, pattern, replacement).
_PATTERNS: list[tuple[str, re.Pattern, object]] = [
    ("○", re.compile(r"○([1-9])"), lambda m: _CIRCLED[int(m.group(1)) - 1]),
    ("?", re.compile(r"(\d)\?(\d)"), lambda m: f"{m.group(1)}.{m.group(2)}"),
    (".l", re.compile(r"(\d\.)l(?![A-Za-z])"), lambda m: f"{m.group(1)}1"),
    ("l、", re.compile(r"(?<![A-Za-z\d])l、"), "1、"),
    ("O、", re.compile(r"(?<![\d.])1 O、"), "10、"),
    ("—、", re.compile(r"(?:^|(?<=\s))—、"), "一、"),
    ("一—", re.compile(r"(?<=\s)一—(?=[\u4e00-\u9fff])"), "——"),
    ("的的", re.compile(r"的的(?!确)"), "的"),
]
# Characters out of place, whatever the words around them.
_VARIANTS = {"臵": "置", "屮": "中", "隷": "隶", "幷": "并", "竝": "并", "囙": "因"}
_CN_NUMERAL = "〇一二三四五六七八九十"
_OUT_OF_PLACE: list[tuple[str, re.Pattern, object]] = [
    ("", re.compile("[" + "".join(_VARIANTS) + "]"), lambda m: _VARIANTS[m.group(0)]),
    ("丫", re.compile(r"(?<=[A-Z]-)丫(?=[A-Z0-9-])|(?<=[A-Z])丫(?=-)"), "Y"),
    (
        "O",
        re.compile(rf"(?<=[{_CN_NUMERAL}])[Oo]+(?=[{_CN_NUMERAL}])"),
        lambda m: "〇" * len(m.group(0)),
    ),
    ("壹", re.compile(r"(?:^|(?<=[\s(（]))壹(?=[、)）])"), "一"),
]
# A document that numbers its parts 壹、 貳、 … means its 壹: only a lone 壹 is a misread 一.
_SPELLED = [rule for rule in _OUT_OF_PLACE if rule[0] != "壹"]
FINANCIAL_SECOND = re.compile(r"\s*[贰貳][、.]")
_LATIN_TOKEN = re.compile(r"(?<![A-Za-z0-9-])[A-Z0-9][A-Z0-9-]{3,}(?![A-Za-z0-9-])")

# Read as → meant: pairs mixed up by shape (矢/关, 持/待) or by sound (觉/决, 起/其).
CONFUSIONS = {
    "矢": "关", "尖": "关", "彖": "象", "拆": "诉", "拔": "拨", "持": "待", "起": "其", "字": "子",
    "觉": "决", "着": "著", "务": "物", "聊": "论", "要": "耍", "耍": "要", "响": "相", "是": "足",
    "壹": "一", "监理": "建立",
}  # fmt: skip
_CONFUSABLE = re.compile("|".join(sorted(CONFUSIONS, key=len, reverse=True)))
# Characters common in correct text need a longer word as evidence: 向起 is no word, but 想起 is
# one the dictionary may not hold, so only 向其说明, not 向其 or 其他, confirms 起 → 其.
_COMMON = set("持起字觉务聊要响是")
_MADE = made_table(CONFUSIONS.values())
# Fixed expressions, indexed by their first and last two characters: one wrong character leaves
# one end intact.
_BY_HEAD: dict[str, list[str]] = {}
_BY_TAIL: dict[str, list[str]] = {}
for _phrase in sorted(SET_PHRASES):  # a fixed order: the same records on every run
    _BY_HEAD.setdefault(_phrase[:2], []).append(_phrase)
    _BY_TAIL.setdefault(_phrase[-2:], []).append(_phrase)
_ANCHORS = re.compile("|".join(sorted(set(_BY_HEAD) | set(_BY_TAIL))))


# A character missing from a phrase is a repair no rule can confirm with a dictionary this small
# (接待员 is a word, 接待人员 another; 工作程序 is not 工作流程 missing a character), so the few
# found in the imported pages are listed here, whole, and nothing else is filled in.
_MISSING = {
    "会议容": "会议内容",
    "无法得解决": "无法得到解决",
    "向户收费": "向客户收费",
    "流程改。": "流程改进。",
}

_FUNCTION = "为或和与及将把被对在"  # words of one character that are never doubled
_STOPS = set(",，。;；:：、")
_AFTER_DOUBLE = _STOPS | set("的了和与及")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2}|[\u4e00-\u9fff])\1")


def _record(records: list[dict], old: str, new: str, number: int) -> None:
    records.append({"from": old, "to": new, "line": number})


def _patterns(line: str, number: int, rules, records: list[dict]) -> str:
    for needle, pattern, replacement in rules:
        if needle not in line:
            continue

        def record(match: re.Match, replacement=replacement) -> str:
            new = replacement(match) if callable(replacement) else replacement
            _record(records, match.group(0), new, number)
            return new

        line = pattern.sub(record, line)
    return line


def _acronyms(line: str, number: int, records: list[dict]) -> str:
    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token in ACRONYMS:
            return token
        for i in range(len(token) - 1):
            swapped = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
            if token[i] != token[i + 1] and swapped in ACRONYMS:
                _record(records, token, swapped, number)
                return swapped
        return token

    return _LATIN_TOKEN.sub(swap, line)


def _confusions(line: str, number: int, records: list[dict]) -> str:
    start = 0
    while match := _CONFUSABLE.search(line, start):
        i, read = match.start(), match.group(0)
        meant = CONFUSIONS[read]
        fixed = line[:i] + meant + line[match.end() :]
        made = made_at(fixed, i, _MADE[meant])
        enough = len(made) >= (3 if read in _COMMON else 2)
        if enough and len(made) > len(longest_at(line, i)):
            at = fixed.index(made, max(0, i - len(made) + 1))
            _record(records, line[at : at + len(made)], made, number)
            line = fixed
        start = i + 1
    return line


def _phrase_edit(line: str) -> tuple[int, int, str] | None:
    """``(start, end, phrase)``: the first place where ``line[start:end]`` is a fixed expression
    with one character wrong, and no dictionary word as read covers that character."""
    position = 0
    while match := _ANCHORS.search(line, position):
        i, pair = match.start(), match.group(0)
        position = i + 1
        for phrase in _BY_HEAD.get(pair, ()):
            if _one_wrong(line, i, phrase, tail=False):
                return i, i + len(phrase), phrase
        for phrase in _BY_TAIL.get(pair, ()):
            start = i + 2 - len(phrase)
            if start >= 0 and _one_wrong(line, start, phrase, tail=True):
                return start, i + 2, phrase
    return None


def _one_wrong(line: str, start: int, phrase: str, tail: bool) -> bool:
    window = line[start : start + len(phrase)]
    if len(window) != len(phrase):
        return False
    wrong = [k for k in range(len(phrase)) if window[k] != phrase[k]]
    # The intact end anchors the match: a wrong character is in the other half.
    return (
        len(wrong) == 1
        and (wrong[0] < 2) == tail
        and bool(_CJK.match(window[wrong[0]]))
        and not longest_at(line, start + wrong[0])
    )


def _phrases(line: str, number: int, records: list[dict]) -> str:
    while found := _phrase_edit(line):
        start, end, phrase = found
        _record(records, line[start:end], phrase, number)
        line = line[:start] + phrase + line[end:]
    return line


def _missing(line: str, number: int, records: list[dict]) -> str:
    for damaged, whole in _MISSING.items():
        if damaged in line:
            for _ in range(line.count(damaged)):
                _record(records, damaged, whole, number)
            line = line.replace(damaged, whole)
    return line


def _doubles(line: str, number: int, records: list[dict]) -> str:
    start = 0
    while match := _DOUBLED.search(line, start):
        i, first = match.start(), match.group(1)
        start = i + 1
        size = len(first)
        if first * 2 in REDUPLICATED:
            continue
        if size == 2:
            # A doubled word before a stop (工作工作：); not a table's header row (日期日期日期).
            if first not in WORDS or line[i - 2 : i] == first or line[i + 4 : i + 5] not in _STOPS:
                continue
        elif first in _FUNCTION:
            if longest_at(line[: i + 1], i) or longest_at(line[i + 1 :], 0):
                continue  # 认为为了: the halves belong to two words
        else:
            ends_word = longest_at(line[: i + 1], i)
            starts_word = longest_at(line[i + 1 :], 0)
            follows = line[i + 2 : i + 3]
            if not ends_word or starts_word or (follows and follows not in _AFTER_DOUBLE):
                continue
        _record(records, first * 2, first, number)
        line = line[: i + size] + line[i + 2 * size :]
    return line


def repair_line(line: str, number: int, financial: bool = False) -> tuple[str, list[dict]]:
    """Apply the rules to one source line; return the new line and one record per fix.

    ``financial``: the document numbers its parts with 壹、 貳、, so 壹 is no misread 一."""
    records: list[dict] = []
    line = _patterns(line, number, _PATTERNS, records)
    line = _patterns(line, number, _SPELLED if financial else _OUT_OF_PLACE, records)
    line = _acronyms(line, number, records)
    line = _doubles(line, number, records)
    line = _confusions(line, number, records)
    line = _phrases(line, number, records)
    line = _missing(line, number, records)
    return line, records


def repair_warning(record: dict) -> str:
    return f"修复字符：{record['from']}→{record['to']} (line {record['line']})"
