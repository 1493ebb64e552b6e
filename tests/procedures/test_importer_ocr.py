"""Character repairs (importer/repairs.py) and OCR confusions (importer/ocr.py).

Every sentence here is invented; the seed pages are read at run time only, to check that the
general rules still make exactly the repairs the seeds need.
"""

from __future__ import annotations

import hashlib

import pytest

from portal.procedures.importer import parse_page
from portal.procedures.importer.ocr import repair_ocr
from portal.procedures.importer.repairs import repair_line
from tests.procedures.test_importer_seeds import FILES, SEEDS

# sha256 of every seed line after repair_line, one "\n" after each, in FILES order, and the
# number of repairs: the rules must keep making the seeds' 78 repairs and nothing else.
SEED_REPAIRED = "291940b72c9983d23ca9bb5e4275a419aa17f25239886a0a516e6e8f2a2b293b"
SEED_REPAIRS = 78


def fixed(line: str) -> str:
    return repair_line(line, 1)[0]


def test_seed_lines_are_repaired_exactly_as_before():
    if not all((SEEDS / name).is_file() for name in FILES.values()):
        pytest.skip(f"seed pages not found in {SEEDS}")
    digest, count = hashlib.sha256(), 0
    for name in FILES.values():
        for number, line in enumerate((SEEDS / name).read_text("utf-8").split("\n"), 1):
            line, records = repair_line(line, number)
            digest.update(line.encode() + b"\n")
            count += len(records)
    assert (digest.hexdigest(), count) == (SEED_REPAIRED, SEED_REPAIRS)


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("请与相矢部门联系", "请与相关部门联系"),  # shape: 矢 for 关
        ("请到接持室等候", "请到接待室等候"),  # shape: 持 for 待, confirmed by a longer word
        ("如有疑问请拔打值班电话", "如有疑问请拨打值班电话"),
        ("工作人员觉不允许收取礼品", "工作人员决不允许收取礼品"),  # sound: 觉 for 决
        ("设立两家分、字公司", "设立两家分、子公司"),
        ("成本下降显着", "成本下降显著"),
        ("应采取响应措施", "应采取相应措施"),  # 响应 is a word, 采取相应 a longer one
        ("坚持实事求实的原则", "坚持实事求是的原则"),
        ("请按所附表格设臵", "请按所附表格设置"),  # a variant glyph
        ("编号QR-丫S-003", "编号QR-YS-003"),  # a Chinese look-alike inside a code
        ("二OO九年修订", "二〇〇九年修订"),  # letter O among Chinese numerals
        ("壹、总则", "一、总则"),  # the financial numeral as a list marker
        ("按HCACP体系执行", "按HACCP体系执行"),  # two letters of an acronym swapped
        ("对为为客户提供服务", "对为客户提供服务"),  # a doubled word of one character
        ("本部门的工作工作：巡检", "本部门的工作：巡检"),  # a doubled word
    ],
)
def test_certain_repairs(read, meant):
    assert fixed(read) == meant


@pytest.mark.parametrize(
    "correct",
    [
        "委托监理单位检查",  # 监理 is a word; 建立单位 is none
        "缩短客户响应的时间",  # 响应 and 相应 both words: no longer one decides
        "感觉不到变化",  # 感觉 covers 觉
        "双方坚持对等原则",
        "认为为了安全应停机",  # the two 为 belong to two words
        "工人人数不足",
        "大家常常加班",  # doubled on purpose
        "编制日期日期日期",  # a table's header row
        "无论是以何种方式",  # close to a fixed expression, but a sentence of its own
        "向接待员说明来意",
        "想起他说的话",  # 起 is common: 其他 alone does not confirm 起 → 其
        "工作程序如下",
        "壹万元整",
        "ISO9001认证",
    ],
)
def test_correct_text_is_left_alone(correct):
    assert repair_line(correct, 1) == (correct, [])


def test_a_repair_is_recorded_with_the_word_it_makes():
    _line, records = repair_line("请与相矢部门联系", 12)
    assert records == [{"from": "相矢", "to": "相关", "line": 12}]


# --- OCR confusions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("到货当曰完成", "到货当日完成"),  # 曰 is rare: a two-character word is enough
        ("资料己经归档", "资料已经归档"),
        ("末经批准不得外借", "未经批准不得外借"),
        ("合格率1O0%", "合格率100%"),
        ("版本2.O", "版本2.0"),
        ("每次O.5小时", "每次0.5小时"),
        ("2O25年3月1曰", "2025年3月1日"),
    ],
)
def test_ocr_repairs(read, meant):
    line, _repairs, _suggestions = repair_ocr(read, 1)
    assert line == meant


@pytest.mark.parametrize(
    ("read", "pair", "column"),
    [
        ("于曰后补交", ("曰", "日"), 1),  # rare, and no word either way
        ("办理人职手续", ("人", "入"), 2),  # common: 入职 is a word, but only two characters
        ("请自已保管", ("已", "己"), 2),
        ("由值班护土记录", ("土", "士"), 4),
        ("所有入员须登记", ("入", "人"), 2),
    ],
)
def test_uncertain_confusions_are_suggested_not_changed(read, pair, column):
    line, repairs, suggestions = repair_ocr(read, 5)
    assert line == read and repairs == []
    assert [(s["from"], s["to"], s["line"], s["column"]) for s in suggestions] == [
        (*pair, 5, column)
    ]
    assert read[column] == pair[0] and pair[0] in suggestions[0]["context"]


@pytest.mark.parametrize(
    "correct",
    [
        "期末考核",
        "自己负责",
        "周末值班",
        "子曰",
        "个人库存",
        "土地使用",
        "战士",
        "开始未签字",
        "已经",
        "进入",
    ],
)
def test_correct_text_gets_no_repair_and_no_suggestion(correct):
    assert repair_ocr(correct, 1) == (correct, [], [])


def test_a_word_across_a_line_break():
    # The page wraps inside 已经: the line ends with 己, the next begins with 经.
    line, repairs, _ = repair_ocr("货物验收后己", 4, before="", after="经入库的由仓管员登记。")
    assert line == "货物验收后已" and repairs == [{"from": "己经", "to": "已经", "line": 4}]
    # A sentence that ends at the break does not lend its words to the next line.
    assert repair_ocr("货物验收完毕。", 4, after="己方负责")[0] == "货物验收完毕。"
    line, repairs, _ = repair_ocr("经入库的由仓管员登记。", 5, before="货物验收后己")
    assert line == "经入库的由仓管员登记。" and repairs == []


def test_parse_page_repairs_across_the_break_and_keeps_the_suggestions():
    page = (
        "仓库管理规定\n第一条 货物到达后由仓管员按送货单逐项验收，验收合格并己\n"
        "经入库的货物由仓管员登记。\n第二条 于曰后补交。\n"
    )
    doc = parse_page(page)[0]
    assert "并已经入库" in doc.clauses[0].text
    assert {"from": "己经", "to": "已经", "line": 2} in doc.repairs
    assert [(s["from"], s["line"]) for s in doc.suggestions] == [("曰", 4)]
