"""Document-control headers: 编号, 版本/版次, 生效/实施日期, 编制/审核/批准 and revision tables.

The scraper flattened these tables into runs such as
``编制审核批准日期…文件编号XX-P000版本A0…制定日期 xx/01/01页码2页`` (an invented example of the shape).
``parse_control_block`` reads such a run key by key, so the header becomes metadata instead of
clause text, and reports where it ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

# A CJK part is allowed only between hyphens: Q/BIRD-客服-1-26-2002.
_CODE = (
    r"[A-Za-z][A-Za-z0-9]*(?:/[A-Za-z0-9]+)?"
    r"(?:[-.](?:[A-Za-z0-9]+|[\u4e00-\u9fff]+(?=-)))*(?: \d+-\d{4})?"
)
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|[xX]{2}/\d{1,2}/\d{1,2}"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
# A publishing date with its time of day ("2025-09-01 14:05"), as a web page prints it.
_DATE_TIME = rf"\d{{4}}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}}(?:\s*日)?\s+{_TIME}|{_DATE}"
_REVISION = (
    r"V\d+(?:\.\d+)+|[A-Z]\s?/\s?\d{1,2}|第\s?\d{1,2}\s?版|[A-Z]\d{0,2}(?![A-Za-z])|V\d+"
    r"|\d{1,2}(?:\.\d{1,2})?(?![\d./-])"  # "版本：2", "版次：1.1"
)
_DEPT = r"[\u4e00-\u9fff]{1,10}?(?:部|处|處|室|科|中心|委员会|委員會|办公室|辦公室)"
_PAGE_OF = r"共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页|第\s*\d+\s*页\s*[,，/]?\s*共\s*\d+\s*页"
# English values: "EHS Department", "Laura Chen"; a capitalised word that starts the next
# label ("Approved by") is not part of them.
_EN_LABEL = (
    r"(?:Approved|Prepared|Reviewed|Effective|Issued?|Rev|Revision|Version|Owner|Document)\b"
)
_EN_DEPT = rf"[A-Z][A-Za-z&]*(?:[ ](?!{_EN_LABEL})[A-Z&][A-Za-z&]*){{0,4}}"
_EN_NAME = rf"[A-Z][a-z]+(?:[ -](?!{_EN_LABEL})[A-Z][a-z]+){{0,2}}"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?i:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# Under an English label also "1 March 2026" and "March 1, 2026".
_EN_DATE = rf"{_DATE}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"
# "**文件编号**：" in a Markdown paste; "文件编号/Document No.：" with the English label beside.
_SEP = r"(?:\s*/\s*[A-Za-z][A-Za-z. ]{0,20}?(?=\s*[:：]))?\s*(?:\*\*)?\s*[:：]?\s*"
# A person's name: a whole word that is not the next heading ("编制审核批准", "审核文件编号").
_NAME = (
    r"(?!文件|版本|编号|日期|制定|页码|修订|修改|批准|审核|编制|生效)"
    r"[\u4e00-\u9fff]{2,4}(?![\u4e00-\u9fff])"
)

# (control key, label pattern, value pattern); the first match at a position wins.
_KEYS: list[tuple[str, str, str]] = [
    ("code", r"(?:文件编号|制度编号|管理制度编号|文件代码|编号|文件編號|制度編號|編號)", _CODE),
    ("doc_title", r"(?:文件名称|制度名称)", r"[^\s:、,，;；]{2,40}(?=\s|$)"),
    # "版　　次": a label spread to the width of the longer ones under it
    ("revision", r"(?:版本/版次|版本/修改|版本/修订|版本号|版本號|版\s*次|版本)", _REVISION),
    ("effective_date", r"(?:生效日期|实施日期|施行日期)", _DATE),
    ("issued_date", r"(?:发布日期|发布时间|制定日期|修订日期|编制日期)", _DATE_TIME),
    ("pages", r"(?:页码|页次|页数)", r"\d+\s*/\s*\d+|\d+\s*页"),
    ("pages", r"(?=[共第]\s*\d+\s*页)", _PAGE_OF),
    ("owner", r"(?:归口管理部门|归口部门|责任部门|编制部门|主责部门|发布部门)", _DEPT),
    ("department", r"(?:制定单位|编制单位|发布单位|主管部门)", _DEPT),
    # Taiwanese and Hong Kong documents name the owning unit 制定單位 or 權責單位.
    ("owner", r"(?:制定單位|權責單位|權責部門|歸口單位|主辦單位)", _DEPT),
    ("document_number", r"(?:发文字号|发布文号|文号)", r"[^\s]{2,20}?号"),
    # "编制：设备部": a department that prepared the document is the one that owns it.
    ("owner", r"(?:编制|编写|起草)(?!部门|单位|人)", rf"{_DEPT}(?![\u4e00-\u9fff])"),
    ("prepared_by", r"(?:编制人|编写人|编制|编写)", _NAME),
    ("reviewed_by", r"(?:审核人|审核)", _NAME),
    ("approved_by", r"(?:批准人|审批人|批准|审批)", _NAME),
    # A web page's byline: who wrote it and which unit it came from.
    ("author", r"(?:作者|撰稿人|撰稿)", _NAME),
    ("source", r"(?:来源|信息来源)", rf"{_DEPT}(?![\u4e00-\u9fff])"),
    # The same fields under English labels ("Document No.: …  Approved by: …").
    ("code", r"(?i:Document\s+(?:No\.?|Number|Code|Ref\.?)|Doc\.?\s*(?:No|Ref)\.?)", _CODE),
    ("revision", r"(?i:Rev\.?|Revision|Version|Ver\.|Issue(?:\s+No\.?)?)", _REVISION),
    ("effective_date", r"(?i:Effective\s+Date|Effective\s+from|Effective)", _EN_DATE),
    ("issued_date", r"(?i:Issue\s+Date|Date\s+of\s+Issue|Issued\s+on)", _EN_DATE),
    (
        "owner",
        r"(?i:(?:Process\s+|Document\s+)?Owner|Owning\s+Department|Department)",
        rf"{_EN_DEPT}|{_DEPT}",
    ),
    ("prepared_by", r"(?i:Prepared\s+by|Author)", rf"{_EN_NAME}|{_NAME}"),
    ("reviewed_by", r"(?i:Reviewed\s+by|Reviewer)", rf"{_EN_NAME}|{_NAME}"),
    ("approved_by", r"(?i:Approved\s+by|Approver)", rf"{_EN_NAME}|{_NAME}"),
]
_KEY_PATTERNS = [
    (name, re.compile(rf"{label}{_SEP}(?P<value>{value})")) for name, label, value in _KEYS
]
# Column headings of approval and revision tables, kept only as evidence of the table.
_TABLE_WORDS = re.compile(
    r"(?:编制|审核|批准|日期|修改条款|版本/\s*修订|修改内容描述|修改内容|生效日期|修订|修订人|"
    r"文件标题|页码|序号|备注)"
)
# Names that sit between header keys: the manual, the document title, the organisation.
_FILLER = re.compile(
    r"(?P<header_title>[\u4e00-\u9fff]{2,20}(?:程序|制度|手册|规定|办法|标准|规范|细则))"
    r"|(?P<organisation>[\u4e00-\u9fff]{2,20}(?:公司|集团|局|厅))[?]?"
)


@dataclass
class ControlBlock:
    """What a header run contained and where it ended (offset into the scanned text)."""

    end: int = 0
    values: dict[str, str] = field(default_factory=dict)
    table_words: int = 0


def _value_at(text: str, pos: int) -> tuple[str, str, int] | None:
    for name, pattern in _KEY_PATTERNS:
        match = pattern.match(text, pos)
        if match:
            return name, match.group("value").strip(), match.end()
    return None


def parse_control_block(text: str, start: int = 0, titles: tuple[str, ...] = ()) -> ControlBlock:
    """Read keys, table headings and document titles from ``start``; stop at anything else."""
    block = ControlBlock(end=start)
    pos = start
    fillers: dict[str, str] = {}  # kept only if another key follows them
    while pos < len(text):
        while pos < len(text) and text[pos] in " _*|｜":
            pos += 1
        found = _value_at(text, pos)
        if found:
            name, value, pos = found
            block.values.setdefault(name, value)
            block.values |= {k: v for k, v in fillers.items() if k not in block.values}
            fillers.clear()
            block.end = pos
            continue
        title = next((t for t in titles if t and text.startswith(t, pos)), None)
        words = _TABLE_WORDS.match(text, pos)
        filler = _FILLER.match(text, pos) if block.values else None
        if title is not None:
            pos += len(title)
        elif words is not None:
            block.table_words += 1
            pos = words.end()
        elif filler is not None:
            fillers[filler.lastgroup] = filler.group(filler.lastgroup)
            pos = filler.end()
        else:
            break
    if not block.values:
        block.end = start
    return block


def iso_date(value: str | None) -> str | None:
    """``2015-04-21``, ``2015/4/21``, ``2015年4月21日``, ``21 April 2015`` or ``April 21, 2015``
    as ISO; None when incomplete."""
    if not value:
        return None
    match = re.match(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        english = re.fullmatch(
            r"(?:(\d{1,2})\s+([A-Za-z]+)\.?|([A-Za-z]+)\.?\s+(\d{1,2}),?)\s+(\d{4})", value.strip()
        )
        name = english and (english.group(2) or english.group(3))[:3].lower()
        if not english or name not in _MONTHS:
            return None
        day, month = int(english.group(1) or english.group(4)), _MONTHS.index(name) + 1
        year = int(english.group(5))
    try:
        return date(year, month, day).isoformat()
    except ValueError:  # 2026-02-31: no such day
        return None


def clean_revision(value: str | None) -> str | None:
    return re.sub(r"\s+", "", value) if value else None
