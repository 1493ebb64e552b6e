"""Repair broken characters, but only from an explicit table of fixes known to be certain.

Each entry was found in the seed pages (see the seed research notes) and is wrong in every
context it can occur in: a glyph confused by OCR or font mapping (相矢 for 相关), or a typo that
only makes sense one way (监理良好的关系).  Nothing is guessed: a fix that could change a
correct text ("窗户", "满是") is not in the table.  Every repair is recorded with its line so the
dry run shows exactly what was changed.
"""

from __future__ import annotations

import re

# Glyph confusions: the wrong character is never meant in these positions.
_GLYPHS = {
    "相矢": "相关",
    "相尖": "相关",
    "有尖": "有关",
    "有矢": "有关",
    "屮": "中",
    "形彖": "形象",
    "投拆": "投诉",
    "设臵": "设置",
    "C-PTAT": "C-TPAT",
    "JD-丫L": "JD-YL",
    "二OO八": "二〇〇八",
    "壹般": "一般",
    "每壹": "每一",
    "统壹": "统一",
    "壹、": "一、",
    "(壹)": "(一)",
}
# Typos whose correction is certain in the phrase quoted.
_PHRASES = {
    "觉不允许": "决不允许",
    "监理良好的关系": "建立良好的关系",
    "索要财务": "索要财物",
    "实事求实": "实事求是",
    "显着": "显著",
    "同经发现": "一经发现",
    "会议容": "会议内容",
    "拔打": "拨打",
    "接持人员": "接待人员",
    "向起说明": "向其说明",
    "无聊是否": "无论是否",
    "要脾气": "耍脾气",
    "耍认真": "要认真",
    "向户收费": "向客户收费",
    "分、字公司": "分、子公司",
    "为为提供": "为提供",
    "工作工作": "工作",
    "或或": "或",
    "退货板板": "退货板",
    "无法得解决": "无法得到解决",
    "响应的改善": "相应的改善",
    "提供的品备件": "提供备品备件",
    "满是顾客": "满足顾客",
    "流程改。": "流程改进。",
}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨"
# Broken numbering: ○1 is a circled ①, 3?0 a decimal, l a digit one, —、 a Chinese 一、.
_PATTERNS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"○([1-9])"), lambda m: _CIRCLED[int(m.group(1)) - 1]),
    (re.compile(r"(\d)\?(\d)"), lambda m: f"{m.group(1)}.{m.group(2)}"),
    (re.compile(r"(\d\.)l(?![A-Za-z])"), lambda m: f"{m.group(1)}1"),
    (re.compile(r"(?<![A-Za-z\d])l、"), "1、"),
    (re.compile(r"(?<![\d.])1 O、"), "10、"),
    (re.compile(r"(?:^|(?<=\s))—、"), "一、"),
    (re.compile(r"(?<=\s)一—(?=[\u4e00-\u9fff])"), "——"),
    (re.compile(r"的的(?!确)"), "的"),
]
_LITERAL = re.compile(
    "|".join(re.escape(key) for key in sorted({**_GLYPHS, **_PHRASES}, key=len)[::-1])
)
_TABLE = {**_GLYPHS, **_PHRASES}


def repair_line(line: str, number: int) -> tuple[str, list[dict]]:
    """Apply the fix table to one source line; return the new line and one record per fix."""
    records: list[dict] = []

    def literal(match: re.Match) -> str:
        records.append({"from": match.group(0), "to": _TABLE[match.group(0)], "line": number})
        return _TABLE[match.group(0)]

    line = _LITERAL.sub(literal, line)
    for pattern, replacement in _PATTERNS:

        def record(match: re.Match, replacement=replacement) -> str:
            new = replacement(match) if callable(replacement) else replacement
            records.append({"from": match.group(0), "to": new, "line": number})
            return new

        line = pattern.sub(record, line)
    return line, records


def repair_warning(record: dict) -> str:
    return f"修复字符：{record['from']}→{record['to']} (line {record['line']})"
