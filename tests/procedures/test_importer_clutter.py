"""Site and app chrome around a procedure (intranet pages, online document exports, Markdown
pastes, English control blocks): gone from the text, its metadata kept.

Every text here is invented for the test; the fixtures 40-45 in corpus/ are the whole-document
versions of these kinds.
"""

from __future__ import annotations

from portal.procedures.importer import parse_page
from portal.procedures.importer.score import visible_text

INTRANET = """集团门户网站
首页 | 新闻动态 | 规章制度 | 下载中心 | 联系我们
您现在的位置：首页 >> 规章制度 >> 正文
会议室使用管理规定
【发布日期：2025-04-02】【来源：综合办公室】【点击数：312】
第一条 为规范会议室的使用，制定本规定。
第二条 使用会议室应当提前一天在系统中预约。
【打印本页】 【关闭窗口】 【返回顶部】
分享到：微信 微博 QQ空间
扫一扫在手机打开当前页
主办：某某集团有限公司 地址：某市某路8号 邮编：100000
"""

ONLINE_DOC = """档案借阅管理制度
文档所有者：钱多多
最后修改：2025年6月3日 18:20
阅读 120 · 点赞 3 · 评论 1
3.1 借阅档案须填写借阅单，经档案管理员登记。
3.2 借阅期限不超过七天，到期应当归还或者办理续借。
全部评论 (1)
孙小美 06-03
3.2 里的续借最多几次？
"""


def test_intranet_chrome_goes_and_the_bracketed_publishing_line_is_metadata():
    doc = parse_page(INTRANET)[0]
    assert doc.title == "会议室使用管理规定"
    assert [c.number for c in doc.walk()] == ["第一条", "第二条"]
    text = visible_text(doc)
    for chrome in ("门户", "您现在的位置", "点击数", "打印本页", "分享到", "扫一扫", "主办"):
        assert chrome not in text, chrome
    assert doc.control["issued_date"] == "2025-04-02"


def test_online_doc_owner_line_counters_and_comment_thread_go():
    doc = parse_page(ONLINE_DOC)[0]
    assert [c.number for c in doc.walk()] == ["3.1", "3.2"]
    text = visible_text(doc)
    for chrome in ("所有者", "最后修改", "点赞", "评论", "孙小美", "续借最多几次"):
        assert chrome not in text, chrome


def test_an_edit_date_stated_in_a_clause_is_text_not_chrome():
    doc = parse_page(
        "档案借阅管理制度\n张三 创建于 2025年1月2日\n"
        "第一条 本制度最后修改于2024年5月，原版本同时废止。\n"
    )[0]
    assert "最后修改于2024年5月" in doc.clauses[0].text


def test_markdown_quote_block_with_bold_labels_and_dash_items():
    doc = parse_page(
        "# 钥匙管理制度\n\n> **编号**：XZ-YS-02　**版本**：A/1\n> **编制**：行政部\n\n"
        "## 1 范围\n\n- 办公室钥匙；\n- 档案柜钥匙。\n"
    )[0]
    assert (doc.code, doc.revision, doc.control["owner"]) == ("XZ-YS-02", "A/1", "行政部")
    assert [c.number for c in doc.walk()] == ["1", "●", "●"]
    assert ">" not in visible_text(doc)


def test_english_control_block():
    doc = parse_page(
        "钥匙管理制度\nDocument No.: AD-KY-02    Version: 3    Effective Date: 2025-09-01\n"
        "Owner: Admin Office    Approved by: Mary Lin\n1 范围\n适用于公司全部钥匙。\n"
    )[0]
    assert (doc.code, doc.revision, doc.effective_date) == ("AD-KY-02", "3", "2025-09-01")
    assert (doc.control["owner"], doc.control["approved_by"]) == ("Admin Office", "Mary Lin")
    assert "Approved" not in visible_text(doc)


def test_a_page_count_in_a_control_box_is_not_a_revision_table():
    doc = parse_page(
        "钥匙管理程序\n文件编号：AD-KY-03　　版本/修改：B/1　　共 3 页 第 1 页\n"
        "编制：行政部　　批准：周平\n1 范围\n适用于公司全部钥匙。\n"
    )[0]
    assert (doc.code, doc.revision, doc.control["owner"]) == ("AD-KY-03", "B/1", "行政部")
    assert "revision_history" not in doc.control


def test_control_pairs_between_pipes_and_in_a_markdown_table():
    for header in (
        "文件编号：AD-01 | 版本：A/0 | 生效日期：2025-01-01 | 归口部门：行政部\n",
        "| 文件编号 | AD-01 | 版本 | A/0 |\n| 生效日期 | 2025-01-01 | 归口部门 | 行政部 |\n",
    ):
        doc = parse_page(f"钥匙管理制度\n{header}1 范围\n适用于全部钥匙。\n")[0]
        assert (doc.code, doc.revision, doc.effective_date) == ("AD-01", "A/0", "2025-01-01")
        assert doc.control["owner"] == "行政部" and doc.preamble == ""


def test_bilingual_labels_english_dates_and_a_bare_revision_number():
    doc = parse_page(
        "钥匙管理制度\n文件编号/Document No.: AD-03\n版本/Rev.: 2\n"
        "Effective: 1 March 2026\n1 范围\n适用于全部钥匙。\n"
    )[0]
    assert (doc.code, doc.revision, doc.effective_date) == ("AD-03", "2", "2026-03-01")
    assert doc.preamble == ""


def test_a_day_that_does_not_exist_is_no_date():
    doc = parse_page("钥匙管理制度\n文件编号：AD-05  生效日期：2026-02-31\n1 范围\n甲。\n")[0]
    assert doc.code == "AD-05" and doc.effective_date is None


def test_a_byline_with_author_source_time_and_hits_is_metadata():
    doc = parse_page(
        "钥匙管理制度\n作者：张三　来源：行政部　发布时间：2025-01-01 09:00　点击：123\n"
        "第一条 适用于全部钥匙。\n第二条 钥匙由行政部保管。\n【打印】【关闭】\n"
    )[0]
    assert doc.preamble == "" and "打印" not in visible_text(doc)
    assert (doc.control["author"], doc.control["source"]) == ("张三", "行政部")


def test_a_readers_count_marks_an_online_document():
    doc = parse_page("钥匙管理制度\n张三 · 2025年3月2日 · 128人看过\n第一条 适用于全部钥匙。\n")[0]
    assert doc.preamble == "" and doc.control["source_kind"] == "online-doc"


def test_the_browsers_page_title_above_or_instead_of_the_documents_own():
    above = "差旅费报销管理规定 - 远山集团信息门户\n网站首页 | 登录 | 帮助\n差旅费报销管理规定\n"
    instead = "差旅费报销管理规定_规章制度_远山集团\n"
    for head in (above, instead):
        doc = parse_page(f"{head}第一条 为规范差旅费报销，制定本规定。\n上一篇：无\n")[0]
        assert doc.title == "差旅费报销管理规定" and doc.preamble == ""


def test_edit_lines_without_a_year_word_counts_and_english_issue_labels():
    doc = parse_page(
        "钥匙管理制度\n由 张三 创建，最后由 李四 编辑于 3月2日 10:20\n阅读 12 · 字数 800\n"
        "Document Ref: AD-09    Issue: 3    Process Owner: Facilities\n"
        "第一条 适用于全部钥匙。\n第二条 本制度从2026年4月1日起正式实施。\n"
    )[0]
    assert doc.preamble == ""
    assert (doc.code, doc.revision, doc.effective_date) == ("AD-09", "3", "2026-04-01")
    assert doc.control["owner"] == "Facilities"


def test_a_control_box_in_cells_without_colons_is_not_a_revision_table():
    doc = parse_page(
        "合同管理程序\n文件编号  YC-FW-009  版本/修改  B/0  生效日期  2026-03-01\n"
        "编制  法务部  批准  欧阳振\n1 目的\n控制合同风险。\n"
    )[0]
    assert (doc.code, doc.revision, doc.effective_date) == ("YC-FW-009", "B/0", "2026-03-01")
    assert doc.control["owner"] == "法务部" and "revision_history" not in doc.control


def test_a_related_articles_block_without_a_colon_ends_an_intranet_page():
    doc = parse_page(
        "登录 | 注册\n差旅费报销管理规定\n第一条 为规范差旅费报销，制定本规定。\n"
        "相关文章\n办公用品领用管理规定\n固定资产盘点办法\n"
    )[0]
    assert "办公用品" not in visible_text(doc)


def test_clauses_that_mention_copyright_or_a_phone_number_stay_on_an_intranet_page():
    doc = parse_page(
        "登录 | 注册\n作品管理办法\n第一条 员工的职务作品版权所有权归公司。\n"
        "第二条 联系电话：0571-0000000，由法务部答复。\n版权所有 © 2025 某某集团\n"
    )[0]
    text = visible_text(doc)
    assert "版权所有权归公司" in text and "联系电话" in text and "©" not in text
