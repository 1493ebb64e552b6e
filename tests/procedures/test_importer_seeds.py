"""The five scraped seed pages, checked against the seed research notes (seeds-A/B/C.md).

The seeds are test data read at run time; the test is skipped where they are not present.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from portal.procedures.importer import ParsedClause, ParsedDocument, document_to_dict, parse_page

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
FILES = {
    "S0": "000_9e3918e2d7e96ac0.txt",
    "S1": "001_c70f876b4f85b66d.txt",
    "S2": "002_305d73e8fc713207.txt",
    "S3": "003_ff1380ce4e7a0686.txt",
    "S4": "004_188bc81405e744b0.txt",
}

# Titles as the notes catalogue them, with the site's decorations stripped.
TITLES = {
    "S0": [
        "售后服务工作细则", "售后服务客户回访办法", "夜场值班经理日常工作细则",
        "行政管理工作包括哪些内容", "行政部事务工作流程图", "公司财务人员日常工作规则",
        "客户服务回访工作细则", "行政事务工作流程", "工作人员日常工作制度", "客户回访制度",
        "行政管理的主要工作流程", "公司员工日常管理制度", "浅谈对行政管理工作的认识",
        "客户回访制度细则", "日常工作管理及绩效考核细则", "行政事务管理制度", "行政事务工作流程",
        "采煤工作面工程质量日常管理细则", "行政部门如何做好事务管理", "客户回访实施细则",
    ],
    "S1": [
        "客户服务管理办法", "客户服务标准", "集团公司新闻宣传工作管理办法", "客服部服务标准规范",
        "公司标准化管理制度", "宣传工作管理办法", "客户服务部岗位及要求",
        "客服部门管理制度及工作标准", "宣传工作管理办法", "企业标准化管理办法",
        "客户服务中心组织架构及客服部门岗位职责", "公司新闻宣传管理办法", "客服中心服务标准及要求",
        "企业如何做到标准化管理工作", "客服工作规范", "企业宣传管理办法", "企业标准化管理办法",
        "客服部工作规范", "宣传工作管理规定", "客服部各岗位职责与要求", "企业标准管理办法",
    ],
    "S2": [
        "客户服务控制程序", "行政日常管理的工作内容及流程", "客户服务控制程序",
        "服务控制程序（新版）", "行政管理的主要工作流程", "顾客服务控制程序", "行政管理工作流程范本",
        "不合格服务管理控制程序", "ISO45001相关方管理控制程序", "客户服务控制程序", "售后服务控制程序",
        "控制程序汇总", "C-TPAT安全控制程序（中英文）", "客户服务控制程序", "公司行政管理的主要工作流程",
        "8顾客信息反馈及处理控制程序", "如何进行行政管理", "客户服务体系（管理制度）",
        "8.5.1-产品和服务的提供控制程序",
    ],
    "S3": [
        "公司售后服务管理制度及工作流程", "公司员工工作流程及管理制度", "售后服务管理制度",
        "售后服务工作流程及管理规定", "流程优化管理制度", "管理制度及流程图", "公司售后服务管理制度",
        "售后服务管理制度标准范本", "研发部规章制度工作流程管理", "售后服务管理制度",
        "售后服务管理制度及工作流程", "企业战略管理制度与工作流程", "售前、售后服务管理制度",
        "售后服务工作管理制度", "工作制度和流程", "业务部工作流程与管理制度", "酒吧部管理制度和工作流程",
        "售后服务管理办法", "办公室管理制度与工作流程图",
    ],
    "S4": [
        "前台值班和客户信息登记管理制度", "客服呼叫中心相关管理办法及制度", "信息数据管理制度",
        "广西工商登记制度改革工作方案", "客户服务部岗位职责及管理制度", "前台接待管理制度",
        "工商登记事务管理规定", "客户服务管理制度", "公司前台接待管理制度",
        "信息系统日常运维管理制度及相关记录", "XXXX公司工商登记和证照管理规定", "客服部管理制度",
        "公司前台管理制度", "信息管理制度", "工商行政管理局制度", "客户服务部管理制度",
        "前台接待管理制度", "产品流向登记管理制度", "工商局各项规章制度", "前台接待管理制度及岗位职责",
    ],
}  # fmt: skip
MAIN_COUNT = {"S0": 1, "S1": 2, "S2": 1, "S3": 1, "S4": 1}
# Index of the repeating document → index of the document it repeats (notes' duplicate lists).
DUPLICATES = {
    "S0": {16: 7, 13: 9},  # A16 = A7 exactly; A13 ≈ A9
    "S1": {},
    "S2": {2: 0, 13: 0, 14: 4, 4: 1},  # D3, D14 copy D1; D15 = D5; D5 ≈ D2
    "S3": {3: 0, 10: 0},  # R3, R10 ≈ D0
    "S4": {},
}
CUT_PREVIEWS = {"S0": [1, 7, 16, 19], "S1": [2, 5, 8], "S2": [2, 5, 18], "S3": [2, 8], "S4": [9]}
COMPLETE = {"S0": [0, 9], "S1": [0, 1], "S2": [0, 1], "S3": [0], "S4": [0, 8]}
CODES = {
    ("S0", 5): ("FS-QG-62228", None, None),
    ("S0", 6): ("Q/BIRD-客服-1-26-2002", None, None),
    ("S0", 17): ("AQ-SN-0004", None, None),
    ("S2", 5): ("JRYG-P045", "A0", None),
    ("S3", 7): ("LX-FS-A37302", None, None),
    ("S3", 16): ("JD-YL-001-2008", "A/1", None),
    ("S4", 10): ("GZ/HT 012-2015", None, "2015-04-21"),
}
# Exact noise strings from the notes' noise tables; none may survive in any document.
NOISE = [
    "当前位置", "文档之家", "›", "相关主题", "文本预览", "相关文档", "最新文档", "工作行为规范系列",
    "标准、完整、实用、可修改", "Enterprise Daily working rules", "特此编写", "Safety management",
    "单位：_", "令狐采学", "《客户回访制度》", "客户回访制度（一）", "各位读友", "达内考试网",
    "360docs", "https://", "—3—", "—4—", "页脚内容", "第1章目的和范围", "第7章附则", "（1） 二、",
    "(1) 二、", "提纲：", "学习导航", "要点提示", "Standardization of sany group", "QS8QHH",
    "公司标准化编码", "QQX96QT", "精品", "制度大全", "183个", "In The Daily Work Environment",
    "编写：_", "审批：_", "A4打印", "内容可编辑", "使用说明：本管理制度资料", "页次220/304",
    "华瑞国际酒店管理公司？《娱乐部运营管理标准手册》", "- 1 -", "- 2 -", "本权属之音所有", ".1.doc",
    "_共4页", "吕波", "报修流程 岗位职责", "报修流程岗位职责呼叫中心岗位职责", "10篇", "优秀版",
    "(最新版)", "（最新版）", "（完整版）", "2017全文", "（适用）", "（企业）公司", "（客户管理）",
    "（最终）", "编制审核批准", "修改条款", "文件编号", "修复字符",
]  # fmt: skip


def top(doc: ParsedDocument) -> list[str]:
    return [c.number or c.heading for c in doc.clauses]


def numbers(clauses: list[ParsedClause]) -> list[str]:
    return [c.number for c in clauses]


def visible_text(doc: ParsedDocument) -> str:
    parts = [doc.title, doc.preamble] + [f"{c.heading}\n{c.text}" for c in doc.walk()]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def pages() -> dict[str, list[ParsedDocument]]:
    if not all((SEEDS / name).is_file() for name in FILES.values()):
        pytest.skip(f"seed pages not found in {SEEDS}")
    return {key: parse_page((SEEDS / name).read_text("utf-8"), name) for key, name in FILES.items()}


@pytest.mark.parametrize("key", list(FILES))
def test_documents_and_titles(pages, key):
    docs = pages[key]
    assert [d.title for d in docs] == TITLES[key]
    roles = [d.role for d in docs]
    assert roles == ["main"] * MAIN_COUNT[key] + ["related"] * (len(docs) - MAIN_COUNT[key])
    assert {d.source for d in docs} == {FILES[key]}


@pytest.mark.parametrize("key", list(FILES))
def test_no_noise_survives(pages, key):
    for doc in pages[key]:
        text = visible_text(doc)
        leaked = [noise for noise in NOISE if noise in text]
        assert not leaked, f"{doc.title}: {leaked}"


@pytest.mark.parametrize("key", list(FILES))
def test_duplicates(pages, key):
    docs = pages[key]
    found = {i: d.duplicate_of for i, d in enumerate(docs) if d.duplicate_of}
    assert found == {i: docs[j].title for i, j in DUPLICATES[key].items()}


@pytest.mark.parametrize("key", list(FILES))
def test_truncated_previews(pages, key):
    docs = pages[key]
    assert all(docs[i].truncated for i in CUT_PREVIEWS[key])
    assert not any(docs[i].truncated for i in COMPLETE[key])


@pytest.mark.parametrize(("where", "expected"), list(CODES.items()))
def test_document_codes(pages, where, expected):
    doc = pages[where[0]][where[1]]
    assert (doc.code, doc.revision, doc.effective_date) == expected


@pytest.mark.parametrize("key", list(FILES))
def test_anchors_unique_ascii_and_stable(pages, key):
    again = parse_page((SEEDS / FILES[key]).read_text("utf-8"), FILES[key])
    for doc, repeat in zip(pages[key], again, strict=True):
        anchors = [c.anchor for c in doc.walk()]
        assert len(anchors) == len(set(anchors)), doc.title
        assert all(re.fullmatch(r"[a-z0-9-]+", a) for a in anchors), doc.title
        assert anchors == [c.anchor for c in repeat.walk()]


@pytest.mark.parametrize("key", list(FILES))
def test_dry_run_json(pages, key):
    payload = {"documents": [document_to_dict(doc) for doc in pages[key]]}
    assert json.loads(json.dumps(payload, ensure_ascii=False)) == payload


def test_s0_main_after_sales_rules(pages):
    main = pages["S0"][0]
    assert top(main) == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    headings = [c.heading for c in main.clauses[:4]]
    assert headings == ["目的", "范围", "责任", "处理程序"]
    assert numbers(main.clauses[4].children) == ["5、1", "5、2"]  # 、 used as a decimal point
    assert numbers(main.clauses[6].children) == ["7、1", "7、2", "7、3"]
    assert numbers(main.clauses[7].children) == ["8.1", "8.2"]
    assert numbers(main.clauses[8].children) == ["9.1", "9.2"]
    assert sum(1 for _ in main.walk()) == 18
    assert main.warnings == []


def test_s0_related_structures(pages):
    docs = pages["S0"]
    visits = docs[1]  # 一、 > 第N条 > (N)
    assert top(visits) == ["一", "二"]
    assert numbers(visits.clauses[0].children) == [f"第{n}条" for n in "一二三四五六"]
    assert numbers(visits.clauses[0].children[1].children) == ["(1)", "(2)", "(3)"]
    seals = docs[4]  # 一、 > (一) > 1、 > 1) and ○N repaired to ①
    assert numbers(seals.clauses[1].children) == ["(一)", "(二)"]
    assert numbers(seals.clauses[1].children[0].children[1].children) == ["1", "2"]
    assert any(w == "修复字符：○1→① (line 72)" for w in seals.warnings)
    staff = docs[11]  # TOC with page numbers dropped; 一、 > 1) > 1、
    assert any(w.startswith("删除目录") for w in staff.warnings)
    assert top(staff) == ["一", "二"]
    assert numbers(staff.clauses[1].children) == ["1", "2"]
    assert len(staff.clauses[1].children[0].children) == 13
    assert top(docs[19]) == ["第一章", "第二章", "第三章"]
    assert len(docs[2].clauses) == 41  # "?" bullets


def test_s1_two_main_documents(pages):
    measures, standard = pages["S1"][0], pages["S1"][1]
    assert top(measures) == [f"第{n}条" for n in "一二三四五六"]
    assert [len(c.children) for c in measures.clauses] == [0, 4, 6, 0, 4, 7]
    assert measures.control["organisation"] == "阳泉市煤气公司"
    numbered = [f"第{n}条" for n in ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]]
    numbered += [f"第十{n}条" for n in "一二三四五六七八九"] + ["第二十条"]
    assert top(standard) == [*numbered, "附录"]
    assert len(standard.clauses[3].children) == 14  # 第四条 (一)…(十四)
    assert len(standard.clauses[7].children) == 15  # 第八条 (一)…(十五)
    assert standard.clauses[-1].anchor == "appendix-1"


def test_s1_related_reused_and_skipped_numbers(pages):
    publicity = pages["S1"][5]
    assert "编号重复：(四) (line 428)" in publicity.warnings
    toc = pages["S1"][7]
    assert any(w.startswith("删除目录 (line 438)") for w in toc.warnings)
    assert top(toc) == ["第一章", "第二章"]


def test_s2_main_control_procedure(pages):
    main = pages["S2"][0]
    assert top(main) == ["1.0", "2.0", "3.0", "4.0"]
    assert numbers(main.clauses[2].children) == [f"3.{n}" for n in range(1, 8)]
    sections = main.clauses[3].children
    assert numbers(sections) == [f"4.{n}" for n in range(1, 10)]
    assert numbers(sections[0].children) == ["①", "②", "③"]
    flow = sections[1].children[3]
    assert numbers(flow.children) == [f"4.2.4.{n}" for n in (1, 2, 3, 5, 6, 7, 8, 9, 10)]
    assert "编号跳跃：4.2.4.3 → 4.2.4.5 (line 96)" in main.warnings
    steps = sections[2].children[2]  # 4.3.3 流程说明: its steps reuse 4.3.1 … 4.3.6
    assert steps.number == "4.3.3"
    assert numbers(steps.children) == [f"4.3.{n}" for n in range(1, 7)]
    assert steps.children[0].anchor == "s-4-3-3-1"
    assert len(sections[4].children[0].children) == 12  # ⑴ … ⑿
    assert len(sections[8].children) == 8  # 4.9.1 … 4.9.8, two of them on one line


def test_s2_repairs_are_reported(pages):
    doc = pages["S2"][5]
    assert "修复字符：相矢→相关 (line 304)" in doc.warnings
    assert {"from": "屮", "to": "中", "line": 306} in doc.repairs
    assert doc.control["department"] == "开发部"


def test_s3_main_after_sales_system(pages):
    main = pages["S3"][0]
    assert top(main) == ["一", "二", "三", "四", "五"]
    assert [len(c.children) for c in main.clauses] == [0, 5, 10, 8, 4]
    assert numbers(main.clauses[3].children[1].children) == ["2.1", "2.2", "2.3", "2.4"]
    assert numbers(main.clauses[4].children) == ["1", "5", "4", "6"]
    assert len(main.clauses[4].children[3].children) == 5  # 1) … 5) under 6统计报表
    assert main.control["body_title"] == "售后服务工作流程及管理制度"


def test_s4_main_front_desk_parts(pages):
    main = pages["S4"][0]
    assert [c.heading for c in main.clauses] == ["值班制度部分", "客户信息登记部分"]
    assert [numbers(c.children) for c in main.clauses] == [["一", "二"], ["一", "二"]]
    assert main.control["author"] == "吕波"
    assert main.preamble.startswith("为提升客户接待质量")
