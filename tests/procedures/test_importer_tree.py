"""build_clause_tree: nesting, headings, warnings and anchors on clean blocks (Markdown bodies)."""

from __future__ import annotations

import re

from portal.procedures.importer import ParsedClause, build_clause_tree


def outline(clauses: list[ParsedClause], depth: int = 0) -> list[str]:
    lines = []
    for clause in clauses:
        lines.append("  " * depth + f"{clause.number}|{clause.anchor}")
        lines.extend(outline(clause.children, depth + 1))
    return lines


def walk(clauses: list[ParsedClause]):
    for clause in clauses:
        yield from clause.walk()


REGULATION = [
    "第一章 总则",
    "第一条 为规范车辆使用，制定本制度。",
    "第二条 车辆分为以下两类：",
    "（一）生产用车：用于厂内物料转运。",
    "（二）公务用车：用于外出办事。",
    "1．公务用车须提前一天申请；",
    "2．节假日用车须经总经理批准。",
    "第二章 使用管理",
    "第一节 申请",
    "第三条 用车人填写《用车申请单》。",
    "第二节 归还",
    "第四条 车辆用毕当日归还。",
]


def test_regulation_nests_chapter_section_article_item():
    clauses, warnings, preamble = build_clause_tree(REGULATION)
    assert outline(clauses) == [
        "第一章|ch-1",
        "  第一条|art-1",
        "  第二条|art-2",
        "    (一)|art-2-1",
        "    (二)|art-2-2",
        "      1|art-2-2-1",
        "      2|art-2-2-2",
        "第二章|ch-2",
        "  第一节|ch-2-sec-1",
        "    第三条|art-3",
        "  第二节|ch-2-sec-2",
        "    第四条|art-4",
    ]
    assert warnings == []
    assert preamble == ""


def test_heading_text_and_styles():
    clauses, _, _ = build_clause_tree(REGULATION)
    chapter, article = clauses[0], clauses[0].children[1]
    assert (chapter.style, chapter.heading, chapter.text) == ("chapter", "总则", "")
    assert (article.style, article.heading) == ("article", "")
    assert article.text == "车辆分为以下两类："  # a sentence ending in a colon is text
    item = article.children[0]
    assert (item.style, item.number) == ("cn_paren", "(一)")
    assert item.text == "生产用车：用于厂内物料转运。"
    assert article.children[1].children[0].style == "num_dot"


def test_paths_follow_the_numbers_through_the_ancestors():
    clauses, _, _ = build_clause_tree(REGULATION)
    item = clauses[0].children[1].children[1].children[1]
    assert item.path == (1, 2, 2, 2)


CONTROL_PROCEDURE = [
    "1 目的",
    "1.1 规范退货处理。",
    "2 职责",
    "2.1 品质部负责分析。",
    "2.2 仓库负责清点。",
    "3 程序",
    "3.1 接收",
    "3.1.1 仓库核对型号和数量。",
    "a) 数量不符时通知销售部；",
    "b) 型号不符时拒收。",
    "3.1.2 品质部在12小时内完成检验。",
    "3.2 处置",
    "3.2.1 需要返工的，生产部在24小时内完成。",
]


def test_decimal_clauses_nest_by_their_digits():
    clauses, warnings, _ = build_clause_tree(CONTROL_PROCEDURE)
    assert outline(clauses) == [
        "1|s-1",
        "  1.1|s-1-1",
        "2|s-2",
        "  2.1|s-2-1",
        "  2.2|s-2-2",
        "3|s-3",
        "  3.1|s-3-1",
        "    3.1.1|s-3-1-1",
        "      a|s-3-1-1-1",
        "      b|s-3-1-1-2",
        "    3.1.2|s-3-1-2",
        "  3.2|s-3-2",
        "    3.2.1|s-3-2-1",
    ]
    assert warnings == []
    assert clauses[2].children[0].children[0].path == (3, 1, 1)


def test_levels_follow_the_order_styles_first_appear():
    # "(1)" appears before "1、" here, so it is the upper level in this document.
    blocks = ["一、范围", "(1)厂区", "1、生产区", "2、仓储区", "(2)办公区", "二、要求"]
    clauses, _, _ = build_clause_tree(blocks)
    assert outline(clauses) == [
        "一|p-1",
        "  (1)|p-1-1",
        "    1|p-1-1-1",
        "    2|p-1-1-2",
        "  (2)|p-1-2",
        "二|p-2",
    ]


def test_a_short_block_without_sentence_punctuation_is_a_heading():
    clauses, _, _ = build_clause_tree(["一、安全检查", "二、每周五下午检查消防器材。"])
    assert (clauses[0].heading, clauses[0].text) == ("安全检查", "")
    assert (clauses[1].heading, clauses[1].text) == ("", "每周五下午检查消防器材。")


def test_unnumbered_blocks_continue_the_clause_or_form_the_preamble():
    blocks = ["本办法经总经理批准发布。", "第一条 仓库实行双人双锁。", "钥匙由两名保管员分别保管。"]
    clauses, _, preamble = build_clause_tree(blocks)
    assert preamble == "本办法经总经理批准发布。"
    assert clauses[0].text == "仓库实行双人双锁。\n钥匙由两名保管员分别保管。"


def test_only_a_leading_number_counts_in_clean_blocks():
    clauses, _, _ = build_clause_tree(["第三条 材料包括：(一)发票;(二)合同。"])
    assert len(clauses) == 1 and clauses[0].children == []


def test_skipped_and_reused_numbers_are_kept_and_reported():
    blocks = ["一、甲", "二、乙", "四、丁", "四、丁又一次", "1.1 子项", "1.3 子项"]
    clauses, warnings, _ = build_clause_tree(blocks)
    assert [c.number for c in clauses][:4] == ["一", "二", "四", "四"]
    assert any(w.startswith("编号跳跃：二 → 四") for w in warnings)
    assert any(w.startswith("编号重复：四") for w in warnings)
    assert any("1.1 → 1.3" in w for w in warnings)
    assert all("(line " in w for w in warnings)


def test_anchors_are_ascii_unique_and_deterministic():
    blocks = ["一、甲", "1、子", "一、甲再次", "1、子再次", "1、子第三次"]
    first, _, _ = build_clause_tree(blocks)
    second, _, _ = build_clause_tree(list(blocks))
    anchors = [c.anchor for c in walk(first)]
    assert anchors == [c.anchor for c in walk(second)]
    assert len(anchors) == len(set(anchors))
    assert anchors == ["p-1", "p-1-1", "p-1-b", "p-1-b-1", "p-1-b-1-b"]
    assert all(re.fullmatch(r"[a-z0-9-]+", anchor) for anchor in anchors)


def test_reused_decimals_under_a_heading_become_its_steps():
    blocks = ["4.3 退货", "4.3.1 职责", "4.3.2 流程说明", "4.3.1 签收退货。", "4.3.2 清点入库。"]
    clauses, _, _ = build_clause_tree(blocks)
    steps = clauses[0].children[1].children
    assert [(c.number, c.anchor, c.path) for c in steps] == [
        ("4.3.1", "s-4-3-2-1", (4, 3, 2, 1)),
        ("4.3.2", "s-4-3-2-2", (4, 3, 2, 2)),
    ]


def test_decimal_without_its_parent_sits_beside_the_previous_section():
    clauses, warnings, _ = build_clause_tree(["一.纪律", "1.1 按时上班。", "2.1 归档范围"])
    assert [c.number for c in clauses] == ["一", "2.1"]
    assert any(w.startswith("缺少上级编号：2.1") for w in warnings)


def test_bullets_count_their_position():
    clauses, _, _ = build_clause_tree(["二、检查项目", "●灭火器", "●应急灯"])
    bullets = clauses[0].children
    assert [(b.number, b.anchor, b.text) for b in bullets] == [
        ("●", "p-2-1", "灭火器"),
        ("●", "p-2-2", "应急灯"),
    ]


def test_full_width_punctuation_is_kept_and_ascii_between_chinese_is_widened():
    block = "第一条 车辆(含叉车)由行政部管理,驾驶员:持证上岗;时间8:30。"
    clauses, _, _ = build_clause_tree([block])
    assert clauses[0].text == "车辆（含叉车）由行政部管理，驾驶员：持证上岗；时间8:30。"
