"""Web noise: every pattern is cut, and none of it reaches a title, preamble or clause."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.procedures.importer import ParsedDocument, parse_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def page(name: str) -> list[ParsedDocument]:
    return parse_page((FIXTURES / name).read_text(encoding="utf-8"), source=name)


def all_text(doc: ParsedDocument) -> str:
    parts = [doc.title, doc.preamble]
    parts += [f"{c.number} {c.heading} {c.text}" for c in doc.walk()]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def noisy() -> dict[str, ParsedDocument]:
    return {doc.title: doc for doc in page("importer_page_noise.txt")}


def test_breadcrumb_repeated_title_and_footer_are_dropped():
    docs = page("importer_page_basic.txt")
    assert docs[0].title == "设备报修管理办法"
    assert docs[0].clauses[0].number == "1"  # the repeated title lines are gone
    for noise in ("当前位置", "文库之家", "相关文档", "最新文档", "›"):
        assert all(noise not in all_text(doc) for doc in docs)


@pytest.mark.parametrize(
    ("title", "noise"),
    [
        ("劳保用品发放细则", "制度汇编系列"),  # template cover
        ("劳保用品发放细则", "可修改"),
        ("劳保用品发放细则", "Enterprise rules"),  # English filler
        ("劳保用品发放细则", "特此编写"),  # template boilerplate
        ("车辆使用管理规定", "Standardization"),  # site watermark and code
        ("车辆使用管理规定", "AB12CDE"),
        ("车辆使用管理规定", "—1—"),  # page number
        ("车辆使用管理规定", "页脚内容"),  # page footer
        ("车辆使用管理规定", "example-docs"),  # URL
        ("车辆使用管理规定", "制度大全"),  # title decoration
        ("文件收发管理程序", "华东贸易公司"),  # running page header
        ("文件收发管理程序", "页次"),
        ("文件收发管理程序", "目录"),  # table of contents
        ("客户投诉处理办法", "令狐采学"),  # fake author watermark
        ("客户投诉处理办法", "提纲"),  # outline before the text
        ("客户投诉处理办法", "《客户投诉处理办法》"),  # compilation header
        ("客户投诉处理办法", "10篇"),
        ("会议管理办法", "读友"),  # download boilerplate
        ("会议管理办法", "整理收集"),
        ("会议管理办法", "学习导航"),  # course call-out
        ("会议管理办法", "2019全文"),
        ("员工考勤管理制度", "(1) 二、"),  # TOC with page numbers
        ("员工考勤管理制度", "- 1 -"),
        ("维修服务人员岗位职责", "报修须知"),  # the page's link list
        ("维修服务人员岗位职责", "维修服务人员岗位职\n"),  # clipped title line
    ],
)
def test_noise_pattern_is_removed(noisy, title, noise):
    assert noise not in all_text(noisy[title]) + "\n"


def test_noise_page_splits_into_its_documents(noisy):
    assert list(noisy) == [
        "办公用品领用办法",
        "劳保用品发放细则",
        "车辆使用管理规定",
        "文件收发管理程序",
        "客户投诉处理办法",
        "会议管理办法",
        "员工考勤管理制度",
        "维修服务人员岗位职责",
        "前台交接班要求",
    ]


def test_dropped_blocks_are_reported(noisy):
    assert any(w.startswith("删除目录") for w in noisy["员工考勤管理制度"].warnings)
    assert any(w.startswith("删除目录") for w in noisy["文件收发管理程序"].warnings)
    assert any(w.startswith("删除页眉") for w in noisy["文件收发管理程序"].warnings)
    assert any(w.startswith("删除英文填充文字") for w in noisy["劳保用品发放细则"].warnings)
    assert any(w.startswith("删除残缺标题行") for w in noisy["维修服务人员岗位职责"].warnings)


def test_content_survives_the_noise(noisy):
    vehicle = noisy["车辆使用管理规定"]
    assert [c.number for c in vehicle.clauses] == ["第一条", "第二条", "第三条", "第四条"]
    across_page_break = vehicle.clauses[2].text
    assert across_page_break == "驾驶员出车前应检查车况，发现问题及时报修。"
    attendance = noisy["员工考勤管理制度"]
    assert [c.heading for c in attendance.clauses] == ["总则", "考勤时间", "请假", "附则"]
    handover = noisy["前台交接班要求"]
    assert [c.style for c in handover.clauses] == ["bullet"] * 7


def test_english_in_a_bilingual_document_is_kept():
    english = "All visitors must sign in at the gate. " * 12
    body = f"Security Procedures Manual 保安程序手册 {english}"
    text = f"门卫程序\n\n{body}第一条 来访人员须登记。第二条 访客证当日有效，离开时交回门卫。\n"
    doc = parse_page(text)[0]
    assert "Security Procedures Manual" in all_text(doc)
