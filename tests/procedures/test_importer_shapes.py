"""Input shapes the importer had not met before: each one a corpus file or a small invented text.

The corpus files (tests/procedures/corpus) are scored by test_importer_score.py; the tests
here check what the scorer does not: headings, table cells, the text that joins up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.procedures.importer import parse_page

CORPUS = Path(__file__).resolve().parent / "corpus"
LONG = "各部门应当按照本规定的要求，结合本部门的实际情况，明确具体负责的人员和完成的时限。" * 4


def parse(name: str):
    return parse_page((CORPUS / f"{name}.txt").read_text("utf-8"), name)


def outline(doc) -> list[tuple[str, str]]:
    return [(c.number, c.heading) for c in doc.walk()]


def test_unnumbered_section_headings_are_parts_not_related_documents():
    [doc] = parse("28-unnumbered-headings")
    assert [c.heading for c in doc.clauses] == ["目的", "范围", "职责", "程序", "记录"]
    assert all(c.style == "part" and c.text for c in doc.clauses)
    assert doc.preamble == ""


def test_a_related_document_after_the_last_section_heading_is_still_split_off():
    page = f"设备点检规定\n目的\n{LONG}\n范围\n{LONG}\n仓库盘点管理办法\n{LONG}\n"
    main, related = parse_page(page)
    assert [c.heading for c in main.clauses] == ["目的", "范围"]
    assert (related.title, related.role) == ("仓库盘点管理办法", "related")


def test_english_clause_numbers_and_lettered_items():
    [doc] = parse("29-english-clauses")
    assert [(c.number, c.heading) for c in doc.clauses][:2] == [
        ("Clause 1", "Purpose"),
        ("Clause 2", "Registration"),
    ]
    assert [c.number for c in doc.clauses[2].children] == ["(a)", "(b)"]
    assert [c.anchor for c in doc.clauses[3].children] == ["s-4-1", "s-4-2"]


def test_roman_numerals_ascii_and_unicode():
    [doc] = parse("30-roman-numerals")
    assert [c.number for c in doc.clauses] == ["I", "II", "III", "IV"]
    assert [c.number for c in doc.clauses[1].children[1].children] == ["(a)", "(b)", "(c)"]
    page = "库房管理规定\nⅠ、总则\n1. 本规定适用于各库房。\nⅡ、出入库\n1. 出库须凭领料单。\n"
    [doc] = parse_page(page)
    assert [(c.number, c.heading) for c in doc.clauses] == [("Ⅰ", "总则"), ("Ⅱ", "出入库")]


def test_a_letter_after_h_is_the_letter_list_not_a_roman_one():
    page = "测试规定\n一、要求\n" + "".join(f"{ch}.第{ch}项要求。\n" for ch in "ABCDEFGHI")
    [doc] = parse_page(page)
    assert [c.number for c in doc.clauses[0].children] == list("ABCDEFGHI")


def test_a_number_alone_on_its_line_takes_the_next_line_as_its_heading():
    [doc] = parse("31-number-own-line")
    assert [(c.number, c.heading) for c in doc.clauses] == [
        ("第一章", "总则"),
        ("第二章", "车辆使用"),
        ("第三章", "附则"),
    ]
    first = doc.clauses[0].children[0]
    assert (first.heading, first.text) == (
        "",
        "为规范公务用车的使用和管理，降低运行费用，制定本办法。",
    )
    [doc] = parse("32-decimal-own-line")
    assert [(c.number, c.heading) for c in doc.clauses] == [
        ("1", "目的"),
        ("2", "职责"),
        ("3", "工作程序"),
    ]
    assert doc.clauses[1].children[0].text == "质量部负责留样的抽取、登记和保管。"


def test_a_number_alone_before_another_number_keeps_its_own_line():
    [doc] = parse_page("安全规定\n第一章\n第一条 本规定适用于全体员工。\n")
    assert outline(doc) == [("第一章", ""), ("第一条", "")]


def test_a_space_aligned_table_is_a_markdown_table():
    [doc] = parse("33-space-aligned-table")
    rows = [line for line in doc.clauses[1].text.split("\n") if line.startswith("|")]
    assert rows[0] == "| 职级 | 一线城市 | 其他城市 | 备注 |"
    assert len(rows) == 5  # heading, rule, three rows


def test_spaced_rows_fill_skipped_columns_and_ragged_lines_stay_text():
    from portal.procedures.importer.frame import spaced_tables

    rows = ["项目      标准      备注", "午餐      30        工作日", "晚餐      40"]
    assert [text for _, text in spaced_tables(list(enumerate(rows)))] == [
        "项目\t标准\t备注",
        "午餐\t30\t工作日",
        "晚餐\t40\t",
    ]
    ragged = ["甲方  负责采购", "乙方负责  运输和仓储", "丙方  负责结算"]
    assert [text for _, text in spaced_tables(list(enumerate(ragged)))] == ragged


def test_narrow_columns_are_read_one_after_the_other_and_rejoined():
    [doc] = parse("34-narrow-columns")
    assert [c.number for c in doc.clauses] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    assert (
        doc.clauses[3].text == "钥匙丢失的，持有人应当立即报告行政部，由行政部评估后决定是否换锁。"
    )


def test_a_narrow_two_column_table_without_sentences_stays_a_table():
    page = "值班安排表\n" + "".join(
        f"{day}        {name}\n" for day, name in [("星期一", "张建国"), ("星期二", "李红梅"),
                                                     ("星期三", "王志强"), ("星期四", "赵丽娟")]
    )  # fmt: skip
    [doc] = parse_page(page)
    assert "| 星期三 | 王志强 |" in doc.preamble


def test_a_notice_issuing_two_rule_sets_gives_two_documents_with_its_number():
    first, second = parse("35-notice-two-rule-sets")
    assert (first.title, second.title) == ("员工培训管理办法", "内部讲师管理办法")
    assert first.control["document_number"] == second.control["document_number"]
    assert [c.number for c in second.clauses] == ["第一条", "第二条", "第三条"]


def test_a_notice_issuing_three_rule_sets():
    rules = ["车辆管理办法", "油卡管理规定", "驾驶员守则"]
    page = "关于印发《车辆管理办法》、《油卡管理规定》及《驾驶员守则》的通知\n各部门：\n现印发给你们。\n"
    page += "".join(f"{title}\n第一条 本{title[-2:]}适用于全公司。\n" for title in rules)
    docs = parse_page(page)
    assert [d.title for d in docs] == rules
    assert all(d.role == "main" and d.control["notice_title"] for d in docs)


def test_an_attachment_list_is_one_appendix_with_a_list_of_names():
    [doc] = parse("36-attachment-list")
    assert [c.number for c in doc.clauses] == ["一", "二", "三", "附件"]
    assert doc.clauses[3].text == "- 会议纪要模板\n- 会议纪要发送登记表"
    page = "访客管理规定\n一、访客须登记。\n二、访客须佩证。\n附件：1.访客登记表；2.访客证样式 3.来访须知\n"
    [doc] = parse_page(page)
    assert [c.number for c in doc.clauses] == ["一", "二", "附件"]
    assert doc.clauses[2].text == "- 访客登记表\n- 访客证样式\n- 来访须知"


def test_a_revision_table_without_headings_is_the_history():
    [doc] = parse("37-history-without-header")
    history = doc.control["revision_history"]
    assert [row["版本"] for row in history] == ["A/0", "B/0", "C/0"]
    assert history[1] == {"版本": "B/0", "日期": "2022-09-15", "修订内容": "增加灭火器月检要求"}
    assert [c.number for c in doc.clauses] == ["1", "2"]


def test_revision_rows_without_a_title_or_headings_are_the_history_too():
    page = "门禁管理规定\nA/0  2021-01-05  首次发布  周强\nA/1  2023-07-01  增加访客临时卡  周强\n"
    page += "1 总则\n1.1 本规定适用于办公区门禁。\n"
    [doc] = parse_page(page)
    assert [row["修订人"] for row in doc.control["revision_history"]] == ["周强", "周强"]
    assert "首次发布" not in doc.preamble + "".join(c.text for c in doc.walk())


def test_a_running_header_seen_once_mid_text_is_dropped():
    [doc] = parse("38-stray-running-header")
    assert doc.clauses[2].text.endswith("并配备相应的消防器材和泄漏应急处理器材。")
    assert any(w.startswith("删除页眉") for w in doc.warnings)
    page = "叉车安全操作规程\n第一条 叉车司机须持证上岗。\n叉车安全操作规程 第2页\n"
    page += "第二条 违反叉车安全操作规程的，停岗培训。\n叉车安全操作规程\n第三条 严禁超载。\n"
    [doc] = parse_page(page)
    assert [c.text for c in doc.clauses] == [
        "叉车司机须持证上岗。",
        "违反叉车安全操作规程的，停岗培训。\n叉车安全操作规程",
        "严禁超载。",
    ]  # the header with its page number goes; the title alone, or in a sentence, stays


def test_headings_of_own_words_right_under_the_title_keep_the_document_whole():
    [doc] = parse("39-headings-own-words")
    assert [c.heading for c in doc.clauses] == ["培训对象", "培训内容", "安全要求", "考核方式"]
    page = f"实验室访客规定\n访客范围\n{LONG}\n安全要求\n{LONG}\n"  # no preamble: heading first
    [doc] = parse_page(page)
    assert [c.heading for c in doc.clauses] == ["访客范围", "安全要求"]
    assert "author" not in doc.control


def test_bare_digits_alone_over_headings_are_clause_numbers_not_page_numbers():
    body = "规范样品的接收、登记和保管。\n样品须分类存放。\n超期样品须登记销毁。\n"
    page = f"样品管理办法\n1\n目的\n{body}2\n范围\n{body}3\n职责\n{body}"
    [doc] = parse_page(page)
    assert [(c.number, c.heading) for c in doc.clauses] == [
        ("1", "目的"),
        ("2", "范围"),
        ("3", "职责"),
    ]
    scan = (
        "设备台账管理规定\n第一条 设备管理部门应当建立\n1\n设备台账。\n第二条 台账每年核对一次。\n"
    )
    assert "1" not in parse_page(scan)[0].clauses[0].text  # a page number inside a sentence


def test_a_notice_may_list_its_rule_sets_without_a_conjunction():
    page = "关于印发《差旅管理办法》《报销管理办法》的通知\n各部门：\n现予印发。\n"
    page += "差旅管理办法\n第一条 出差须审批。\n报销管理办法\n第一条 报销须附发票。\n"
    assert [d.title for d in parse_page(page)] == ["差旅管理办法", "报销管理办法"]


def test_an_attachment_list_under_a_bare_attachment_line():
    page = "印章管理办法\n第一条 用印须审批。\n附件：\n1.用印申请单\n2.印章登记表\n"
    [doc] = parse_page(page)
    assert [(c.number, c.text) for c in doc.clauses][-1] == ("附件", "- 用印申请单\n- 印章登记表")
    form = "印章管理办法\n第一条 用印须审批。\n附件：\n1.申请人应当如实填写用印事由、份数和用印日期，并由部门负责人签字确认。\n"
    last = list(parse_page(form)[0].walk())[-1]  # a sentence is no attachment's name
    assert (last.number, last.text[:3]) == ("1", "申请人")


def test_a_code_before_the_title_and_its_running_header():
    page = "XZ-GL-002  办公用品管理办法\n第一条 办公用品统一采购，\n XZ-GL-002  办公用品管理办法\n"
    page += "按需发放。\n第二条 本办法自发布之日起施行。\n"
    [doc] = parse_page(page)
    assert (doc.title, doc.code) == ("办公用品管理办法", "XZ-GL-002")
    assert doc.clauses[0].text == "办公用品统一采购，按需发放。"


TWO_RULE_SETS = (
    "安全生产责任制\n第一条 总经理是安全生产第一责任人。\n第二条 各部门负责人对本部门安全负责。\n"
    "安全检查制度\n第一条 公司每月组织一次安全检查。\n第二条 检查发现的隐患限期整改。\n"
)
RED_HEAD = "华安化工有限公司文件\n华化发〔2025〕8号\n"
COVER = "各部门：\n现将{named}印发给你们，请遵照执行。\n华安化工有限公司\n2025年4月1日\n"


@pytest.mark.parametrize(
    "head",
    [
        RED_HEAD
        + "关于印发《安全生产责任制》等两项制度的通知\n"
        + COVER.format(named="《安全生产责任制》《安全检查制度》"),
        RED_HEAD + "关于印发安全生产两项制度的通知\n" + COVER.format(named="安全生产两项制度"),
        RED_HEAD,  # the red head alone, the rule sets straight under it
    ],
    ids=["named-with-deng", "not-named", "red-head-only"],
)
def test_two_rule_sets_under_one_notice_are_two_documents(head):
    page = head + TWO_RULE_SETS + "抄送：集团安全部\n华安化工有限公司办公室  2025年4月1日印发\n"
    docs = parse_page(page)
    assert [d.title for d in docs] == ["安全生产责任制", "安全检查制度"]
    assert [d.control.get("document_number") for d in docs] == ["华化发〔2025〕8号"] * 2
    assert [[c.number for c in d.clauses] for d in docs] == [["第一条", "第二条"]] * 2
    text = "".join(d.preamble + "".join(c.text for c in d.walk()) for d in docs)
    assert "遵照执行" not in text and "抄送" not in text


def test_an_english_document_keeps_its_text_and_lower_roman_items():
    page = (
        "Data Retention Policy\nI. Scope\nThis policy covers all records.\nII. Periods\n"
        "i. Contracts are kept for ten years.\nii. Invoices are kept for seven years.\n"
        "III. Disposal\nRecords are destroyed safely.\n"
    )
    [doc] = parse_page(page)
    assert outline(doc) == [
        ("I", "Scope"),
        ("II", "Periods"),
        ("i", ""),
        ("ii", ""),
        ("III", "Disposal"),
    ]
    assert doc.clauses[0].text == "This policy covers all records."


def test_numbers_in_table_cells_are_no_clauses():
    page = "绩效考核办法\n一、考核等级\n等级\t分数\t系数\n优秀\t90\t1.2\n良好\t80\t1.0\n二、结果运用\n与奖金挂钩。\n"
    [doc] = parse_page(page)
    assert [c.number for c in doc.walk()] == ["一", "二"]
    assert "| 良好 | 80 | 1.0 |" in doc.clauses[0].text


@pytest.mark.parametrize("header", ["车辆调度管理办法 - 2 -", "车辆调度管理办法"])
def test_a_header_inside_a_wrapped_sentence_is_dropped(header):
    page = (
        f"车辆调度管理办法\n第一条 调度员负责车辆的统一安排，\n{header}\n确保运输任务按时完成。\n"
    )
    page += "第二条 本办法自发布之日起施行。\n"
    [doc] = parse_page(page)
    assert doc.clauses[0].text == "调度员负责车辆的统一安排，确保运输任务按时完成。"


def test_the_right_column_running_on_alone_keeps_its_indent():
    left = ["第一条 会议", "室由行政部统", "一管理。", "第二条 使用", "后应恢复原", "状。"]
    right = ["第三条 违反", "本规定的，", "通报批评。", "第四条 本规", "定自发布之", "日起施行。"]
    rows = [
        f"{a}{' ' * (22 - 2 * len(a) + a.count(' '))}{b}" for a, b in zip(left, right, strict=True)
    ]
    page = "会议室使用规定\n" + "\n".join(rows) + "\n" + " " * 22 + "第五条 另行通知。\n"
    [doc] = parse_page(page)
    assert [c.number for c in doc.clauses] == ["第一条", "第二条", "第三条", "第四条", "第五条"]


def test_a_spaced_table_with_a_rule_under_its_headings_or_only_two_rows():
    ruled = (
        "项目        金额      说明\n----------  --------  --------\n午餐        20        工作日\n"
    )
    ruled += "晚餐        25        加班\n"
    [doc] = parse_page(f"费用标准\n一、标准\n{ruled}二、发放\n随工资发放。\n")
    assert doc.clauses[0].text.split("\n")[0] == "| 项目 | 金额 | 说明 |"
    assert doc.clauses[0].text.count("\n") == 3
    two = "项目        金额      说明\n午餐        20        工作日\n"
    [doc] = parse_page(f"费用标准\n一、标准\n{two}二、发放\n随工资发放。\n")
    assert doc.clauses[0].text.endswith("| 午餐 | 20 | 工作日 |")


def test_english_unnumbered_headings_over_paragraphs():
    text = "Each department keeps its records in the shared folder and reviews them each quarter. "
    page = (
        f"Records Control Procedure\nPurpose\n{text * 2}\nScope\n{text}\nResponsibilities\n{text}\n"
    )
    [doc] = parse_page(page)
    assert [c.heading for c in doc.clauses] == ["Purpose", "Scope", "Responsibilities"]
    assert doc.clauses[1].text == text.strip()


def test_rule_sets_attached_to_a_notice_under_attachment_labels():
    page = RED_HEAD + "关于印发《安全生产责任制》和《安全检查制度》的通知\n"
    page += COVER.format(named="两项制度").replace(
        "华安化工有限公司\n", "附件：1.安全生产责任制\n      2.安全检查制度\n华安化工有限公司\n"
    )
    first, second = TWO_RULE_SETS.split("安全检查制度\n")
    page += f"附件1\n{first}附件2\n安全检查制度\n{second}"
    docs = parse_page(page)
    assert [d.title for d in docs] == ["安全生产责任制", "安全检查制度"]
    assert [[c.number for c in d.walk()] for d in docs] == [["第一条", "第二条"]] * 2


def test_rule_sets_titled_on_their_attachment_label_lines():
    page = "关于印发《安全生产责任制》和《安全检查制度》的通知\n"
    page += COVER.format(named="两项制度")
    first, second = TWO_RULE_SETS.split("安全检查制度\n")
    page += f"附件1：{first}附件2：《安全检查制度》\n{second}"
    docs = parse_page(page)
    assert [d.title for d in docs] == ["安全生产责任制", "安全检查制度"]
    assert [[c.number for c in d.walk()] for d in docs] == [["第一条", "第二条"]] * 2


def test_revision_rows_numbered_one_point_oh():
    rows = "1.0     2021-03-01     首次发布\n1.1     2023-06-15     增加编码规则\n"
    [doc] = parse_page(f"物料编码管理规定\n修订记录\n{rows}1 目的\n统一物料编码。\n")
    assert [row["版本"] for row in doc.control["revision_history"]] == ["1.0", "1.1"]
    assert [c.number for c in doc.walk()] == ["1"]
