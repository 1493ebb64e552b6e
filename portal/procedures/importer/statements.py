"""Metadata a document states in its own words, taken only when the statement is unambiguous.

A closing clause gives the effective date ("本办法…自2026年3月1日起施行") and a note under the
title names the department that issued it ("（某公司 人力资源部 制定，2025年5月修订）").  Either
is used only when no control field gave the value and the document says it exactly once (or
always the same way): two different dates, or two departments in the note, give nothing.
"""

from __future__ import annotations

import re

from .control import iso_date
from .models import ParsedDocument

_SUBJECT = (
    r"本[\u4e00-\u9fff]{0,6}?(?:办法|规定|细则|制度|规范|程序|规程|标准|条例|准则|守则|方案|规则)"
)
_DATE = (
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月\s*[一二三四五六七八九十]{1,3}\s*日"
)
_CN_DIGITS = {ch: str(n) for n, ch in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_IN_FORCE = re.compile(
    rf"{_SUBJECT}[^。；;]{{0,40}}?(?:自|从|于)\s*(?P<date>{_DATE})\s*起?\s*(?:正式)?"
    r"(?:施行|执行|实施|生效|试行)"
)
_NOTE = re.compile(r"\(([^()]{4,60})\)")
# After the organisation's name (or at the start), a department and what it did.
_DEPARTMENT = r"(?:(?!公司|集团)[\u4e00-\u9fff]){1,10}?(?:部|处|室|科|中心|委员会|办公室)"
_ISSUER = re.compile(
    rf"(?:^|公司|集团|[\s,，、])\s*(?P<dept>{_DEPARTMENT})\s*(?:编制|制定|起草|发布|修订)"
)


def _cn_number(text: str) -> str:
    """一 … 三十一 as 1 … 31 (a month or a day)."""
    tens, _, units = text.rpartition("十")
    if "十" not in text:
        return _CN_DIGITS[text]
    return str(int(_CN_DIGITS.get(tens, "1")) * 10 + int(_CN_DIGITS.get(units, "0")))


def _arabic(date: str) -> str:
    """``二〇二六年三月一日`` as ``2026年3月1日``; a date in figures as it is, without spaces."""
    date = re.sub(r"\s+", "", date)
    match = re.fullmatch(
        r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]+)月([一二三四五六七八九十]+)日",
        date,
    )
    if not match:
        return date
    year = "".join(_CN_DIGITS[ch] for ch in match.group(1))
    return f"{year}年{_cn_number(match.group(2))}月{_cn_number(match.group(3))}日"


def effective_date_stated(doc: ParsedDocument) -> str | None:
    """The one date from which the document's clauses say it is in force, if there is one."""
    text = "\n".join(f"{c.heading}{c.text}" for c in doc.walk())
    dates = {iso_date(_arabic(m.group("date"))) for m in _IN_FORCE.finditer(text)}
    return dates.pop() if len(dates) == 1 else None


def issuing_department(doc: ParsedDocument) -> str | None:
    """The department a note in the preamble says prepared the document, if it names one."""
    text = f"{doc.preamble}\n{doc.control.get('title_note', '')}"
    notes = _NOTE.findall(text.replace("（", "(").replace("）", ")"))
    found = {m.group("dept") for note in notes for m in _ISSUER.finditer(note)}
    return found.pop() if len(found) == 1 else None


def apply_statements(doc: ParsedDocument) -> None:
    """Fill the effective date and the owner from the document's own statements when no
    control field gave them; each is noted in the warnings for the reviewer."""
    if not doc.effective_date:
        stated = effective_date_stated(doc)
        if stated:
            doc.effective_date = stated
            doc.control.setdefault("effective_date", stated)
            doc.warnings.append(f"生效日期取自正文：{stated}")
    if not doc.control.get("owner"):
        owner = issuing_department(doc)
        if owner:
            doc.control["owner"] = owner
            doc.warnings.append(f"归口部门取自题注：{owner}")
