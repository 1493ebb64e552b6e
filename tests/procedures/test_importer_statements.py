"""Metadata the document states in its own words: taken only when the statement is certain.

Every text here is invented for the test.
"""

from __future__ import annotations

from portal.procedures.importer import parse_page


def parse(text: str):
    return parse_page(text)[0]


def test_closing_article_gives_the_effective_date():
    doc = parse(
        "印章使用管理办法\n第一条 为规范印章使用，制定本办法。\n"
        "第二条 本办法由办公室负责解释，自2025年4月1日起施行。\n"
    )
    assert doc.effective_date == "2025-04-01"
    assert "生效日期取自正文：2025-04-01" in doc.warnings


def test_two_different_dates_give_none():
    doc = parse(
        "印章使用管理办法\n第一条 本办法自2025年4月1日起施行。\n"
        "第二条 本办法第一条的登记要求自2025年7月1日起执行。\n"
    )
    assert doc.effective_date is None


def test_a_date_for_something_else_is_not_the_documents():
    doc = parse(
        "印章使用管理办法\n第一条 为规范印章使用，制定本办法。\n第二条 新系统自2025年5月1日起启用。\n"
    )
    assert doc.effective_date is None


def test_a_control_field_wins_over_the_closing_article():
    doc = parse(
        "印章使用管理办法\n文件编号：BG-YZ-01  生效日期：2025-03-15\n"
        "第一条 本办法自2025年4月1日起施行。\n"
    )
    assert doc.effective_date == "2025-03-15"


def test_issuer_note_under_the_title_gives_the_owner():
    doc = parse(
        "印章使用管理办法\n（某某股份有限公司 综合办公室 制定，2025年3月修订）\n"
        "第一条 为规范印章使用，制定本办法。\n"
    )
    assert doc.control["owner"] == "综合办公室"


def test_a_note_naming_two_departments_gives_no_owner():
    doc = parse(
        "印章使用管理办法\n（综合办公室编制，法务部修订）\n第一条 为规范印章使用，制定本办法。\n"
    )
    assert "owner" not in doc.control


def test_a_date_in_chinese_numerals():
    doc = parse("印章使用管理办法\n第一条 本办法自二〇二五年十月二十日起施行。\n")
    assert doc.effective_date == "2025-10-20"
