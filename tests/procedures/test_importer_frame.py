"""The importer's format-neutral stages, one failure kind per test (see issue 15).

Every text here is invented for the test.
"""

from __future__ import annotations

import re

from portal.procedures.importer import noise, parse_page
from portal.procedures.importer.frame import (
    appendix_headings,
    apply_sources,
    control_header,
    drop_toc,
    forms,
    notice_frame,
    prepare,
    revision_history,
    tables,
    title_block,
)
from portal.procedures.importer.furniture import normalise_lines, read_columns, remove_furniture
from portal.procedures.importer.numbering import Scanner, leading_marker
from portal.procedures.importer.ocr import repair_ocr
from portal.procedures.importer.sources import SOURCES, detect_sources

# The stages' own patterns: no site or app is named outside sources.py.
_PATTERNS_OUTSIDE_THE_TABLE = [
    p.pattern for p in noise._INLINE if all(p.pattern not in r.inline for r in SOURCES)
]


def lines(text: str):
    return normalise_lines(text)


def texts(numbered) -> list[str]:
    return [text for _, text in numbered if text.strip()]


# --- normalise ------------------------------------------------------------------------------


def test_normalise_crlf_zero_width_emoji_and_widths_but_not_tabs():
    got = normalise_lines("一、目的\u200b：👉说明\r\n甲\t乙  \r丙")
    assert got == [(1, "一、目的:说明"), (2, "甲\t乙"), (3, "丙")]


# --- page furniture -------------------------------------------------------------------------


def test_page_numbers_and_running_header_go_first_header_stays():
    text = (
        "仓储管理规定    CK-01\n第一条 甲。\n第1页 共2页\n仓储管理规定    CK-01\n"
        "第二条 乙。\n- 2 -\nPage 3 of 3\n"
    )
    warnings: list[str] = []
    got = texts(remove_furniture(lines(text), warnings))
    assert got == ["仓储管理规定    CK-01", "第一条 甲。", "第二条 乙。"]
    assert warnings


def test_repeated_titles_without_page_breaks_are_not_furniture():
    text = "目录页\n前台接待管理制度\n甲。\n前台接待管理制度\n乙。\n前台接待管理制度\n丙。\n"
    assert texts(remove_furniture(lines(text), [])) == texts(lines(text))


def test_page_number_inside_a_wrapped_sentence_rejoins():
    docs = parse_page("物资管理办法\n第一条 根据《物资管理基本\n- 1 -\n制度》，制定本办法。\n")
    assert "《物资管理基本制度》" in docs[0].clauses[0].text


def test_two_columns_are_read_left_then_right():
    text = (
        "第一条 甲方负责设备的日常          第三条 丙方负责检查记录的\n"
        "检查工作。                          整理和归档。\n"
        "第二条 乙方负责设备的月度          第四条 本办法自发布之日起\n"
        "抽查工作。                          施行。\n"
    )
    got = texts(read_columns(lines(text), []))
    assert got[:2] == ["第一条 甲方负责设备的日常", "检查工作。"]
    assert got[4:6] == ["第三条 丙方负责检查记录的", "整理和归档。"]


def test_a_title_and_code_line_is_not_two_columns():
    text = "危险废物管理制度    HB-ZD-021\n第一条 甲。\n"
    assert texts(read_columns(lines(text), [])) == texts(lines(text))


# --- source rules ---------------------------------------------------------------------------


def test_source_rules_are_data_one_per_source():
    names = [rule.name for rule in SOURCES]
    assert names == [
        "document-library", "wechat", "document-site", "email", "intranet-page", "online-doc",
        "wiki-page", "markdown",
    ]  # fmt: skip
    assert not any(re.search("令狐|百度|关注", p) for p in (*_PATTERNS_OUTSIDE_THE_TABLE,))


def test_wechat_furniture_goes_and_the_title_stays():
    text = (
        "点击上方蓝字 关注我们\n原创 某人 某号 2025-01-02 08:00\n必读！\n仓库防火规定\n"
        "一、严禁烟火。\nEND\n推荐阅读\n▶ 别的文章\n阅读原文\n分享 点赞 在看\n"
    )
    numbered = lines(text)
    rules = detect_sources(texts(numbered))
    assert [r.rule.name for r in rules] == ["wechat"]
    assert texts(apply_sources(numbered, rules, [])) == ["仓库防火规定", "一、严禁烟火。"]


def test_document_site_suffix_upload_line_and_footer():
    text = "出差管理制度 - 百度文库\n本文档由用户上传，仅供学习交流\n第一条 甲。\n下载文档 收藏\n相关文档推荐\n别的制度\n"
    numbered = lines(text)
    got = texts(apply_sources(numbered, detect_sources(texts(numbered)), []))
    assert got == ["出差管理制度", "第一条 甲。"]


def test_email_headers_cover_note_signature_and_quoted_reply():
    text = (
        "发件人: 甲 <a@example.com>\n主题: 回复: 门禁管理规定\n\n各位：\n现发布门禁管理规定，请执行。\n"
        "门禁管理规定\n一、刷卡进出。\n二、访客登记。\n\n张三\n行政部\n电话：010-1234\n"
        "> 发件人: 乙\n> 初稿意见。\n"
    )
    numbered = lines(text)
    got = texts(apply_sources(numbered, detect_sources(texts(numbered)), []))
    assert got == ["门禁管理规定", "一、刷卡进出。", "二、访客登记。"]


def test_plain_text_matches_no_source_rule():
    assert detect_sources(["仓库管理规定", "第一条 甲。"]) == []


# --- issuing notice -------------------------------------------------------------------------


def test_notice_frame_gives_the_rules_title_and_the_document_number():
    text = (
        "某某公司文件\n某司〔2025〕3号\n关于印发《用车管理办法》的通知\n各部门：\n现印发给你们。\n"
        "附件：用车管理办法\n某某公司\n2025年1月2日\n用车管理办法\n第一条 甲。\n"
        "抄送：领导班子\n某某公司办公室    2025年1月2日印发\n"
    )
    control: dict = {}
    got = texts(notice_frame(lines(text), control, []))
    assert got == ["用车管理办法", "第一条 甲。"]
    assert control["document_number"] == "某司〔2025〕3号"


def test_red_head_without_a_covering_notice():
    control: dict = {}
    got = texts(
        notice_frame(lines("某某公司文件\n某司〔2024〕9号\n值班规定\n一、甲。\n"), control, [])
    )
    assert got == ["值班规定", "一、甲。"] and control["document_number"] == "某司〔2024〕9号"


# --- title block and control header ---------------------------------------------------------


def test_control_header_on_one_line_above_the_title():
    control: dict = {}
    text = "文件编号：QP-01  版本：B/0  生效日期：2025年4月1日\n培训管理程序\n1 目的\n"
    assert texts(control_header(lines(text), control, [])) == ["培训管理程序", "1 目的"]
    assert (control["code"], control["revision"], control["effective_date"]) == (
        "QP-01",
        "B/0",
        "2025年4月1日",
    )


def test_control_header_as_key_value_lines_and_as_cells():
    control: dict = {}
    text = "印章管理规定\n编号：YZ-02\n归口部门：办公室\n批准：陈某某\n文件编号\tYZ-09\t批准人\t王某\n1 总则\n"
    assert texts(control_header(lines(text), control, [])) == ["印章管理规定", "1 总则"]
    assert control["code"] == "YZ-02"
    assert (control["owner"], control["approved_by"]) == ("办公室", "陈某某")


def test_letter_spaced_title_and_code_beside_the_title():
    assert texts(title_block(lines("员 工 考 勤 规 定\n一、甲。"), {}, [])) == [
        "员工考勤规定",
        "一、甲。",
    ]
    control: dict = {}
    assert texts(title_block(lines("废物管理制度    HB-01\n"), control, [])) == ["废物管理制度"]
    assert control["code"] == "HB-01"


def test_english_title_under_the_chinese_one_is_metadata():
    control: dict = {}
    got = texts(
        title_block(lines("供应商准则\nSupplier Code of Conduct\nArticle 1 总则\n"), control, [])
    )
    assert got == ["供应商准则", "Article 1 总则"]
    assert control["english_title"] == "Supplier Code of Conduct"


# --- TOC, revision history, tables, forms, appendices ---------------------------------------


def test_word_toc_with_tabs_and_dot_leaders():
    text = "投诉处理程序\n目  录\n1 目的\t1\n2 职责\t1\n3 流程..........2\n1 目的\n甲。\n"
    assert texts(drop_toc(lines(text), [])) == ["投诉处理程序", "1 目的", "甲。"]


def test_revision_history_table_becomes_the_history():
    text = "修订记录\n版本\t日期\t修订内容\nA/0\t2021-01-01\t首次发布\nB/0\t2023-01-01\t增加一条\n1 总则\n"
    control: dict = {}
    assert texts(revision_history(lines(text), control, [])) == ["1 总则"]
    assert control["revision_history"] == [
        {"版本": "A/0", "日期": "2021-01-01", "修订内容": "首次发布"},
        {"版本": "B/0", "日期": "2023-01-01", "修订内容": "增加一条"},
    ]


def test_tab_after_a_number_is_a_space_and_tab_rows_are_a_table():
    got = texts(tables(lines("1.\t目的\n岗位\t限额\n经理\t200\n2.\t范围\n")))
    assert got == ["1. 目的", "| 岗位 | 限额 |", "| --- | --- |", "| 经理 | 200 |", "2. 范围"]


def test_blank_form_fields_become_an_empty_table():
    got = texts(forms(lines("附件1 登记表\n日期：______  姓名：______\n")))
    assert got == ["附件1 登记表", "| 栏目 | 填写 |", "| --- | --- |", "| 日期 |  |", "| 姓名 |  |"]


def test_appendix_headings_with_colon_or_two_spaces():
    got = texts(
        appendix_headings(lines("附件1：访客登记表\n附表2  交接记录\n附件：用车办法说明。\n"))
    )
    assert got == ["附件1 访客登记表", "附表2 交接记录", "附件:用车办法说明。"]
    marker = leading_marker("附件1:访客登记表")
    assert (marker.style, marker.number) == ("appendix", "附件1")


def test_appendices_are_sections_not_glued_to_the_last_clause():
    text = "访客制度\n一、甲。\n二、乙。\n附件1：登记表\n日期：____  姓名：____\n附表1  交接记录\n"
    doc = parse_page(text)[0]
    assert [c.number for c in doc.clauses] == ["一", "二", "附件1", "附表1"]
    assert doc.clauses[1].text == "乙。"
    assert "| 日期 | |" in doc.clauses[2].text


# --- numbering ------------------------------------------------------------------------------


def test_decimal_under_its_section_before_a_unit_word_is_a_clause():
    scanner = Scanner(inline=False)
    scanner.scan("3 职责")
    assert [m.number for m in scanner.scan("3.1人力资源部负责培训。")] == ["3.1"]
    assert Scanner(inline=False).scan("1.5元以下") == []


def test_english_article_numbering_owns_its_decimals():
    doc = parse_page("行为准则\nArticle 1 总则\n1.1 甲。\nArticle 2 劳工\n2.1 乙。\n")[0]
    assert [c.number for c in doc.clauses] == ["Article 1", "Article 2"]
    assert [c.number for c in doc.clauses[1].children] == ["2.1"]
    assert doc.clauses[0].anchor == "s-1"


# --- OCR ------------------------------------------------------------------------------------


def test_ocr_repairs_only_when_a_word_confirms_it():
    assert (
        repair_ocr("到货当曰完成，己经入库，末经批准", 3)[0] == "到货当日完成，已经入库，未经批准"
    )
    assert repair_ocr("2O25年3月1曰", 3)[0] == "2025年3月1日"
    for correct in ("期末考核", "自己负责", "周末值班", "子曰"):
        assert repair_ocr(correct, 1) == (correct, [], [])


def test_unconfirmed_rare_confusion_is_a_suggestion_not_a_change():
    line, repairs, suggestions = repair_ocr("于曰后", 7)
    assert line == "于曰后" and repairs == []
    assert suggestions == [{"from": "曰", "to": "日", "line": 7, "column": 1, "context": "于曰后"}]


# --- the whole frame ------------------------------------------------------------------------


def test_prepare_keeps_a_plain_document_as_it_is():
    text = "样品管理办法\n第一条 甲。\n第二条 乙。\n"
    prepared = prepare(text)
    assert texts(prepared.lines) == ["样品管理办法", "第一条 甲。", "第二条 乙。"]
    assert prepared.control == {} and prepared.warnings == []


def test_sub_heading_over_a_long_paragraph_is_not_a_related_document():
    long = "各部门应当按照要求落实管控措施" * 12 + "。"
    text = f"仓库管理制度\n一、总则\n管理要求\n{long}\n二、附则\n本制度自发布之日起施行。\n"
    docs = parse_page(text)
    assert len(docs) == 1 and [c.number for c in docs[0].clauses] == ["一", "二"]
    listing = f"页面标题\n正文。\n别的制度\n一、{long}\n"
    assert [d.role for d in parse_page(listing)] == ["main", "related"]


def test_control_table_naming_the_document_gives_the_title():
    text = (
        "文件名称\t合同管理办法\t文件编号\tHT-03\n版  本\tA/2\t生效日期\t2024-11-01\n第一条 甲。\n"
    )
    doc = parse_page(text)[0]
    assert (doc.title, doc.code, doc.revision, doc.effective_date) == (
        "合同管理办法",
        "HT-03",
        "A/2",
        "2024-11-01",
    )


def test_site_decorations_are_stripped_from_the_main_title_too():
    doc = parse_page("员工手册(最新版)(完整版)\n第一条 甲。\n")[0]
    assert doc.title == "员工手册"


def test_normalise_entities_markdown_headings_and_spaced_article_numbers():
    got = normalise_lines("## 第一章 总则\n第 十 二 条 甲&nbsp;乙&lt;丙&gt;\n第一章 总 则")
    assert got == [(1, "第一章 总则"), (2, "第十二条 甲 乙<丙>"), (3, "第一章 总 则")]


def test_footer_with_text_and_a_page_number_is_furniture():
    text = "请假制度\n第一条 甲。\n青岚科技有限公司 第1页\n第二条 乙。\n青岚科技有限公司 第2页\n"
    doc = parse_page(text)[0]
    assert [(c.number, c.text) for c in doc.clauses] == [("第一条", "甲。"), ("第二条", "乙。")]


def test_issuer_line_above_the_title_book_marks_and_a_note_under_it():
    control: dict = {}
    text = "青岚科技有限公司\n《员工请假管理制度》\n（2024年修订）\n第一条 甲。\n"
    assert texts(title_block(lines(text), control, [])) == ["员工请假管理制度", "第一条 甲。"]
    assert control == {"organisation": "青岚科技有限公司", "title_note": "(2024年修订)"}


def test_addressees_line_of_a_notice_is_metadata():
    control: dict = {}
    text = "关于调整作息时间的通知\n主送：各部门\n一、甲。\n"
    assert texts(notice_frame(lines(text), control, [])) == ["关于调整作息时间的通知", "一、甲。"]
    assert control["addressees"] == "各部门"


def test_issuer_and_date_closing_the_text_are_metadata():
    doc = parse_page("请假制度\n第一条 甲。\n第二条 乙。\n\n青岚科技有限公司\n2024年1月1日\n")[0]
    assert doc.clauses[-1].text == "乙。"
    assert (doc.control["organisation"], doc.control["issued_date"]) == (
        "青岚科技有限公司",
        "2024年1月1日",
    )


def test_toc_without_page_numbers_ends_where_its_first_entry_comes_again():
    text = "员工手册\n目录\n第一章 总则\n第二章 考勤\n第一章 总则\n第一条 甲。\n第二章 考勤\n第二条 乙。\n"
    assert texts(drop_toc(lines(text), []))[:3] == ["员工手册", "第一章 总则", "第一条 甲。"]


def test_word_bullets_are_bullets_and_space_separated_history_rows():
    doc = parse_page("会议规定\n一、会前准备\n•确定议题；\n•通知参会人员；\n二、纪律\n")[0]
    assert [c.number for c in doc.clauses[0].children] == ["●", "●"]
    control: dict = {}
    text = "修订记录\n版本  日期  修订内容\nA/0  2020-01-01  首次发布\n"
    assert texts(revision_history(lines(text), control, [])) == []
    assert control["revision_history"] == [
        {"版本": "A/0", "日期": "2020-01-01", "修订内容": "首次发布"}
    ]


def test_a_column_that_ends_first_keeps_its_side():
    text = (
        "第一条 甲方负责检查，          第四条 丁方负责\n"
        "并做好记录。                    月度抽查。\n"
        "第二条 乙方负责维护，          第五条 本细则自\n"
        "每月保养一次。                  发布之日起施行。\n"
        "第三条 丙方负责培训，          第六条 由某部\n"
        "每年两次。\n"
        "                                负责解释。\n"
    )
    got = texts(read_columns(lines(text), []))
    assert got[5] == "每年两次。" and got[6] == "第四条 丁方负责"
    assert got[-1] == "负责解释。"


def test_form_feeds_break_pages_and_a_running_header_keeps_its_code():
    header = "青岚公司 员工手册 文件编号：HR-01 版本：A/1"
    text = f"员工手册\n第一条 甲。\n{header}\n第二条 乙。\n第二页\n{header}\n第三条 丙。\n\f{header}\n第四条 丁。\n"
    doc = parse_page(text)[0]
    assert (doc.title, doc.code, doc.revision) == ("员工手册", "HR-01", "A/1")
    assert [c.text for c in doc.clauses] == ["甲。", "乙。", "丙。", "丁。"]


def test_notice_without_book_marks_signer_and_publication_note():
    text = (
        "某某公司文件\n签发人：张明\n某司〔2025〕3号\n关于印发员工食堂管理办法的通知\n各部门：\n"
        "现印发给你们。\n员工食堂管理办法\n第一条 甲。\n（此件公开发布）\n抄送：工会\n"
    )
    doc = parse_page(text)[0]
    assert doc.title == "员工食堂管理办法" and doc.control["signer"] == "张明"
    assert [c.text for c in doc.clauses] == ["甲。"]


def test_wechat_author_line_with_place_and_copyright_line():
    text = (
        "动火作业管理规定\n原创 安全君 某号 2025年03月01日 08:30 发表于北京\n"
        "本文来源于网络，如有侵权请联系删除\n一、甲。\n分享收藏点赞在看\n"
    )
    doc = parse_page(text)[0]
    assert doc.preamble == "" and [c.text for c in doc.clauses] == ["甲。"]


def test_control_line_with_keys_the_reader_does_not_know():
    control: dict = {}
    text = "编号：QP-01  版本号：A/0  受控状态：受控  密级：内部\n培训管理程序\n"
    assert texts(control_header(lines(text), control, [])) == ["培训管理程序"]
    assert control == {"code": "QP-01", "revision": "A/0", "受控状态": "受控", "密级": "内部"}


def test_a_table_aligned_with_spaces_is_not_two_columns():
    text = "岗位          职责\n部门经理      负责审批\n行政专员      负责登记\n前台          负责接待\n"
    assert texts(read_columns(lines(text), [])) == texts(lines(text))


def test_a_single_tabbed_line_is_not_a_table():
    assert texts(tables(lines("申请人：\t张三\n第一条 甲。\n"))) == ["申请人: 张三", "第一条 甲。"]


def test_notice_whose_rules_have_no_title_line_of_their_own():
    text = (
        "某某公司文件\n某司〔2025〕8号\n关于印发《车间卫生管理规定》的通知\n各车间：\n"
        "现印发给你们，请遵照执行。\n一、甲。\n二、乙。\n抄送：工会\n"
    )
    doc = parse_page(text)[0]
    assert doc.title == "车间卫生管理规定" and doc.preamble == ""
    assert doc.control["document_number"] == "某司〔2025〕8号"
    assert [c.text for c in doc.clauses] == ["甲。", "乙。"]


def test_document_number_label_in_a_control_line():
    control: dict = {}
    assert (
        texts(
            control_header(lines("值班规定\n发文字号：某司〔2025〕9号\n一、甲。\n"), control, [])
        )[1]
        == "一、甲。"
    )
    assert control["document_number"] == "某司〔2025〕9号"


def test_bare_page_numbers_of_a_scan():
    wrapped = "物资办法\n第一条 为加强物资管理，保证\n2\n物资收发准确，制定本办法。\n"
    assert (
        parse_page(wrapped)[0].clauses[0].text == "为加强物资管理，保证物资收发准确，制定本办法。"
    )
    counting = "手册\n第一条 甲。\n第二条 乙。\n第三条 丙。\n1\n第四条 丁。\n第五条 戊。\n第六条 己方。\n2\n"
    assert texts(remove_furniture(lines(counting), []))[-1] == "第六条 己方。"
    heading = "质量手册\n1\n范围\n"
    assert texts(remove_furniture(lines(heading), [])) == ["质量手册", "1", "范围"]


def test_drawn_rules_are_not_text_and_not_the_title():
    doc = parse_page("━━━━━━━━\n员工手册\n==========\n第一条 甲。\n* * *\n")[0]
    assert doc.title == "员工手册" and [c.text for c in doc.clauses] == ["甲。"]


def test_control_table_by_columns_and_a_history_without_a_version_column():
    text = (
        "文件编号\t版本\t生效日期\t编制\t审核\t批准\nQP-01\tA/0\t2025-01-01\t张三\t李四\t王五\n"
        "仓库管理制度\n第一条 甲。\n修订日期\t修订内容\t修订人\n2024-01-01\t首次发布\t张三\n"
    )
    doc = parse_page(text)[0]
    assert (doc.title, doc.code, doc.revision, doc.effective_date) == (
        "仓库管理制度",
        "QP-01",
        "A/0",
        "2025-01-01",
    )
    assert doc.control["approved_by"] == "王五" and doc.preamble == ""
    assert doc.control["revision_history"] == [
        {"修订日期": "2024-01-01", "修订内容": "首次发布", "修订人": "张三"}
    ]
    assert [c.text for c in doc.clauses] == ["甲。"]
