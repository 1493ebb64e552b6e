"""Clause numbers: every style the legacy pages use, and the look-alikes that are not numbers."""

from __future__ import annotations

import pytest

from portal.procedures.importer.numbering import Scanner, cn_to_int
from portal.procedures.importer.repairs import repair_line


def scan(text: str) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(m.style, m.number, m.values) for m in Scanner().scan(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第三章 采购管理", ("chapter", "第三章", (3,))),
        ("第1章目的和范围", ("chapter", "第1章", (1,))),
        ("第二节 验收", ("section", "第二节", (2,))),
        ("第十二条 物资入库前应验收。", ("article", "第十二条", (12,))),
        ("第二十三条备用金每月清点。", ("article", "第二十三条", (23,))),
        ("附录 表格样式", ("appendix", "附录", (1,))),
        ("附件2 申请表", ("appendix", "附件2", (2,))),
        ("四、监督检查", ("cn", "四", (4,))),
        ("十一、附则", ("cn", "十一", (11,))),
        ("二.办公秩序", ("cn", "二", (2,))),
        ("一目的为了统一标准", ("cn", "一", (1,))),
        ("(三)负责库存盘点", ("cn_paren", "(三)", (3,))),
        ("(二)、接待流程", ("cn_paren", "(二)", (2,))),
        ("(4)做好记录", ("num_paren", "(4)", (4,))),
        ("3)归档", ("num_half_paren", "3", (3,))),
        ("6、按月汇总", ("num_comma", "6", (6,))),
        ("2.办理手续", ("num_dot", "2", (2,))),
        ("2. 办理手续", ("num_dot", "2", (2,))),
        ("1 总则", ("num_bare", "1", (1,))),
        ("1.1 为加强管理", ("decimal", "1.1", (1, 1))),
        ("4.2.4.1品质部应记录", ("decimal", "4.2.4.1", (4, 2, 4, 1))),
        ("3.1.市场部:负责联络", ("decimal", "3.1", (3, 1))),
        ("1.1、机房管理", ("decimal", "1.1", (1, 1))),
        ("2.0 适用范围:", ("decimal", "2.0", (2,))),
        ("4·2·1 仓库应当核对", ("decimal", "4·2·1", (4, 2, 1))),
        ("01.参会人员是否必要", ("zero_pad", "01", (1,))),
        ("①填写申请表", ("circled", "①", (1,))),
        ("⑶服务情况", ("paren_digit", "⑶", (3,))),
        ("⒉范围:", ("dot_digit", "⒉", (2,))),
        ("A.订单跟进", ("upper", "A", (1,))),
        ("A)受理咨询", ("upper", "A", (1,))),
        ("a.急件两天内处理", ("lower", "a", (1,))),
        ("a) 提供外协加工的单位", ("lower", "a", (1,))),
        ("a全面负责部门工作", ("lower", "a", (1,))),
        ("●明确职责", ("bullet", "●", (0,))),
        ("——对现有产品的要求", ("dash", "——", (0,))),
    ],
)
def test_each_style_is_recognised(text, expected):
    assert scan(text)[0] == expected


def test_full_width_forms_are_read_after_folding():
    from portal.procedures.importer.chars import fold_width

    assert scan(fold_width("（二）负责审核；（三）负责归档。"))[0][:2] == ("cn_paren", "(二)")
    assert scan(fold_width("１．领取表格"))[0][:2] == ("num_dot", "1")


def test_comma_decimal_needs_its_parent_number():
    scanner = Scanner()
    assert [m.style for m in scanner.scan("5、费用 6、1由于")] == ["num_comma", "num_comma"]
    assert [m.number for m in Scanner().scan("5、费用 5、1由于质量问题")] == ["5", "5、1"]


def test_markers_follow_sentence_punctuation_without_a_space():
    numbers = [m.number for m in Scanner().scan("按时交回。(2)不得转借。3、下班前关窗:4、登记")]
    assert numbers == ["(2)", "3", "4"]


def test_glued_items_are_read_when_they_continue_the_sequence():
    text = "第一条目的(1)防止遗失(2)明确责任第二条职责(1)保管员负责保管(2)主管负责检查"
    assert [m.number for m in Scanner().scan(text)] == [
        "第一条", "(1)", "(2)", "第二条", "(1)", "(2)",
    ]  # fmt: skip


def test_glued_heading_after_text_is_read_as_next_section():
    text = "一、目的为加强管理制定本办法二、范围本办法适用于各部门"
    assert [m.number for m in Scanner().scan(text)] == ["一", "二"]


@pytest.mark.parametrize(
    "text",
    [
        "每台设备每月保养1.5次",  # a quantity, not clause 1.5
        "按统一、规范的格式填写",  # 一、 inside a word
        "依照本规定第一条执行",  # a reference to an article
        "什么是资产管理?一般是指",  # a real question mark
        "参照GB/T 1.1 的要求",  # a standard number
        "有效期1年",  # a bare number in running text
        "A卡客户由本人跟进",  # a customer class, not item A
    ],
)
def test_look_alikes_are_not_numbers(text):
    assert scan(text) == []


def test_quantities_after_a_list_start_are_not_bare_numbers():
    assert [m.number for m in Scanner().scan("1 组织 2 1人兼任。")] == ["1"]


def test_question_mark_bullets_including_broken_spacing():
    text = " ? 到岗签到 ? 检查仪表正常运转? 巡视楼层 灯光 ?关闭电源 是否需要?不需要"
    assert [m.style for m in Scanner().scan(text)] == ["bullet"] * 4


def test_a_sequence_can_switch_delimiter():
    assert [m.value for m in Scanner().scan("1、甲 2、乙 3、丙 4.丁 5.戊")] == [1, 2, 3, 4, 5]


def test_leading_only_scanner_ignores_inline_numbers():
    scanner = Scanner(inline=False)
    assert [m.number for m in scanner.scan("第五条 分为以下两类:(一)甲;(二)乙")] == ["第五条"]


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("○3报总经理批准", "③报总经理批准"),
        ("3?0定义", "3.0定义"),
        ("4.1.l 市场部", "4.1.1 市场部"),
        (" l、本地招聘", " 1、本地招聘"),
        (" 1 O、其他材料", " 10、其他材料"),
        ("—、统一认识", "一、统一认识"),
        ("(壹)、接待工作", "(一)、接待工作"),
    ],
)
def test_broken_numbers_are_repaired_before_scanning(broken, fixed):
    line, records = repair_line(broken, 9)
    assert line == fixed
    assert records and all(record["line"] == 9 for record in records)


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105)],
)
def test_chinese_numerals(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["甲", "五一", "二三"])
def test_invalid_numeral(text):
    assert cn_to_int(text) is None


def test_a_number_after_a_preposition_is_a_reference():
    # 2.1 would be a first item glued to a short title; a one-character "title" like 对 is none.
    text = "2 物品管理\n2.2 领用\n2.2.1对2.1所列物品，应当登记。\n2.2.2 每月盘点。"
    assert [number for _, number, _ in scan(text)] == ["2", "2.2", "2.2.1", "2.2.2"]
