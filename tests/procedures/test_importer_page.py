"""parse_page on small pages: splitting, rejoining, metadata, duplicates, repairs, JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.procedures.importer import ParsedDocument, document_to_dict, parse_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def page(name: str) -> list[ParsedDocument]:
    return parse_page((FIXTURES / name).read_text(encoding="utf-8"), source=name)


@pytest.fixture(scope="module")
def basic() -> list[ParsedDocument]:
    return page("importer_page_basic.txt")


def test_page_splits_into_main_and_related_documents(basic):
    assert [(d.title, d.role) for d in basic] == [
        ("设备报修管理办法", "main"),
        ("来访人员登记规定", "related"),  # "(5篇)(最新版)" stripped
        ("来访登记规定", "related"),
        ("仓库物资盘点制度", "related"),
    ]
    assert {d.source for d in basic} == {"importer_page_basic.txt"}


def test_main_document_rejoins_wrapped_lines(basic):
    main = basic[0]
    assert [c.number for c in main.clauses] == ["1", "2", "3", "4"]
    assert [c.heading for c in main.clauses] == ["目的", "适用范围", "职责", "报修程序"]
    duties = main.clauses[2].children
    assert duties[0].text == "设备部负责维修派工、备件领用和维修记录的归档。"
    assert duties[1].text.endswith("确认维修结果。")
    assert main.truncated is False


def test_skipped_number_is_kept_and_reported(basic):
    steps = basic[0].clauses[3].children
    assert [c.number for c in steps] == ["4.1", "4.2", "4.4"]
    assert "编号跳跃：4.2 → 4.4 (line 30)" in basic[0].warnings


def test_collapsed_document_is_split_at_its_numbers(basic):
    visit = basic[1]
    assert [(c.number, c.heading) for c in visit.clauses] == [
        ("一", "登记范围"),
        ("二", "登记内容"),
        ("三", "管理要求"),
    ]
    assert [c.number for c in visit.clauses[1].children] == ["(一)", "(二)", "(三)"]
    rules = visit.clauses[2].children
    assert rules[0].text == "门卫应核对来访人证件，不得代填。"  # the wrap space is gone
    assert rules[2].text == "登记簿按月装订，交行政部保存一年。"  # joined across the page break


def test_duplicate_preview_is_marked_and_truncated(basic):
    copy = basic[2]
    assert copy.duplicate_of == "来访人员登记规定"
    assert copy.truncated is True
    assert basic[1].duplicate_of is None and basic[1].truncated is False
    assert any(w.startswith("与《来访人员登记规定》重复") for w in copy.warnings)


def test_chapters_and_articles_in_a_collapsed_document(basic):
    stock = basic[3]
    assert [c.anchor for c in stock.walk()] == [
        "ch-1", "art-1", "art-2", "ch-2", "art-3", "art-3-1", "art-3-2", "art-4",
    ]  # fmt: skip


def test_two_documents_under_one_page_title():
    docs = page("importer_page_twodocs.txt")
    assert [d.title for d in docs] == ["档案借阅管理办法", "档案借阅实施细则"]
    assert all(d.role == "main" for d in docs)
    assert all(d.control["organisation"] == "华远电子有限公司" for d in docs)
    second = docs[1]
    assert [c.number for c in second.clauses] == ["第一条", "第二条", "第四条", "附录"]
    assert second.clauses[-1].anchor == "appendix-1"
    assert any(w.startswith("编号跳跃：第二条 → 第四条") for w in second.warnings)


def test_unnumbered_part_headings_and_author_line():
    doc = page("importer_page_parts.txt")[0]
    assert doc.control["author"] == "张明"
    assert doc.preamble == "为加强厂区安全管理，特制定本制度。"
    assert [(c.heading, c.anchor) for c in doc.clauses] == [
        ("值班安排部分", "part-1"),
        ("来访登记部分", "part-2"),
    ]
    assert [c.anchor for c in doc.clauses[1].children] == ["part-2-1", "part-2-2"]
    assert doc.clauses[0].children[1].text == "交接班时双方核对钥匙和登记簿。"


def test_document_control_header_becomes_metadata():
    doc = page("importer_page_control.txt")[0]
    assert (doc.code, doc.revision, doc.effective_date) == ("QP-QA-05", "A/0", "2024-03-01")
    assert doc.control["prepared_by"] == "李华"
    assert doc.control["approved_by"] == "赵刚"
    assert doc.preamble == ""
    assert [c.number for c in doc.clauses] == ["1.0", "2.0", "3.0"]


def test_flattened_control_table_is_read_key_by_key():
    body = (
        "编制审核批准日期日期日期设备点检规程修改条款版本/ 修订修改内容描述生效日期批准审核"
        "文件编号SB-DJ-012版本B1制定单位设备部制定日期 2022/6/1页码4页1.0目的保证设备处于良好状态。"
        " 2.0范围适用于全部生产设备。 3.0职责设备部负责点检计划的制定和检查。"
    )
    doc = parse_page(f"设备点检规程\n\n{body * 2}\n")[0]
    assert (doc.code, doc.revision) == ("SB-DJ-012", "B1")
    assert doc.control["department"] == "设备部"
    assert doc.control["pages"] == "4页"
    assert doc.clauses[0].number == "1.0" and doc.clauses[0].heading == "目的"


def test_running_header_and_effective_date():
    docs = {d.title: d for d in page("importer_page_noise.txt")}
    doc = docs["文件收发管理程序"]
    assert (doc.code, doc.revision, doc.effective_date) == ("WJ-SF-003", "B/2", "2023-05-08")
    assert [c.number for c in doc.clauses[2].children] == ["1", "2", "3"]


def test_repairs_are_recorded_with_their_line():
    docs = {d.title: d for d in page("importer_page_noise.txt")}
    doc = docs["前台交接班要求"]
    assert doc.repairs == [{"from": "相矢", "to": "相关", "line": 53}]
    assert "修复字符：相矢→相关 (line 53)" in doc.warnings
    assert "相关设备" in doc.clauses[3].text


def test_related_title_decorations_are_stripped():
    docs = page("importer_page_noise.txt")
    assert docs[1].title == "劳保用品发放细则"  # "(完整版)" before the title
    assert docs[4].title == "客户投诉处理办法"  # "(10篇)(优秀版)"
    assert docs[5].title == "会议管理办法"  # "2019全文"


def test_document_to_dict_is_the_dry_run_shape(basic):
    data = document_to_dict(basic[2])
    assert list(data) == [
        "title", "code", "revision", "effective_date", "source", "duplicate_of", "truncated",
        "warnings", "suggestions", "clauses",
    ]  # fmt: skip
    assert data["duplicate_of"] == "来访人员登记规定"
    first = data["clauses"][0]
    assert list(first) == ["number", "anchor", "heading", "text", "children"]
    assert first["children"] == []
    assert json.loads(json.dumps({"documents": [document_to_dict(d) for d in basic]}))


def test_plain_text_without_a_page_frame():
    text = "第一条 本规定适用于全体员工。\n\n第二条 本规定自发布之日起施行。\n"
    docs = parse_page(text, source="plain.txt")
    assert len(docs) == 1
    assert docs[0].title == "未命名文档"
    assert [c.anchor for c in docs[0].clauses] == ["art-1", "art-2"]


def test_empty_page_gives_no_documents():
    assert parse_page("\n\n相关文档\n最新文档\n") == []
