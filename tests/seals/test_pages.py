"""Pages over HTTP: the keeper's and the GM's pages, the record page with its clauses, the
register with its filters and exports, the PDF, the catalogue with history, demo data."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.core import clock
from portal.core.clock import local_now
from portal.extensions import db
from portal.seals import demo
from portal.seals.models import Seal, SealRequest, SealStatus
from portal.workflow import delegation, records
from portal.workflow import services as workflow
from portal.workflow.access import can_view_record
from portal.workflow.models import Instance, Status
from tests.pdftext import pdftotext
from tests.seals.test_flow import act


def local_input(delta: timedelta = timedelta(0)) -> str:
    return (local_now() + delta).strftime("%Y-%m-%dT%H:%M")


def at_stamp(make_request, org, **fields):
    record = make_request(**fields)
    act(record, "head", org["head"])
    act(record, "gm_take_out" if fields.get("take_out") else "gm", org["gm"])
    return record


def test_keeper_stamps_on_the_stamping_page(client, login, make_request, org):
    record = at_stamp(make_request, org)
    login("adminoffice")
    page = client.get(f"/seals/{record.id}/stamp")
    assert page.status_code == 200 and "公章 实盖份数" in page.text and "第十七条" in page.text
    # The keeper checks the approvals before stamping (第十七条): who approved, shown by name.
    checks = page.text.split("审批经过（办理前请核对）", 1)[1].split("</table>", 1)[0]
    assert org["head"].display_name in checks and org["gm"].display_name in checks
    too_many = client.post(
        f"/seals/{record.id}/stamp", data={"copies-0": "4", "stamped_at": local_input()}
    )
    assert too_many.status_code == 422 and "实盖份数应在 1 到 3 之间" in too_many.text
    future = client.post(
        f"/seals/{record.id}/stamp",
        data={"copies-0": "2", "stamped_at": local_input(timedelta(hours=2))},
    )
    assert future.status_code == 422 and "时间不能晚于现在" in future.text
    done = client.post(
        f"/seals/{record.id}/stamp", data={"copies-0": "2", "stamped_at": local_input()}
    )
    assert done.status_code == 303
    assert record.instance.status == Status.COMPLETED and record.stamped_copies == 2


def test_keeper_refuses_on_the_stamping_page(client, login, make_request, org):
    record = at_stamp(make_request, org)
    login("adminoffice")
    refuse = {"button": "refuse"}
    empty = client.post(f"/seals/{record.id}/stamp", data={**refuse, "reason": " "})
    assert empty.status_code == 422 and "请写明拒绝用印的原因" in empty.text
    assert "请填写实盖份数" not in empty.text  # the stamping half is not checked
    done = client.post(
        f"/seals/{record.id}/stamp", data={**refuse, "reason": "文件内容与申请不一致"}
    )
    assert done.status_code == 303 and record.instance.status == Status.RETURNED
    login("employee")
    assert "拒绝用印：文件内容与申请不一致" in client.get(f"/seals/{record.id}").text


def test_gm_confirms_the_take_out_explicitly(client, login, make_request, org):
    record = make_request(take_out=True)
    act(record, "head", org["head"])
    login("gm")
    detail = client.get(f"/seals/{record.id}").text
    assert f'href="/seals/{record.id}/approve"' in detail and "特批携带外出" in detail
    unconfirmed = client.post(f"/seals/{record.id}/approve", data={"comment": "同意"})
    assert unconfirmed.status_code == 422 and "请勾选确认" in unconfirmed.text
    assert record.instance.step_key == "gm_take_out"
    done = client.post(f"/seals/{record.id}/approve", data={"confirm": "y", "comment": "同意"})
    assert done.status_code == 303 and record.instance.step_key == "stamp"
    assert record.take_out_approved_at is not None


def test_hand_over_and_return_pages(client, login, make_request, org, seals):
    record = at_stamp(make_request, org, take_out=True)
    login("adminoffice")
    page = client.get(f"/seals/{record.id}/stamp").text
    assert "交出时间" in page
    client.post(
        f"/seals/{record.id}/stamp",
        data={"copies-0": "3", "stamped_at": local_input(), "handed_over_at": local_input()},
    )
    assert seals["公章"].status == SealStatus.OUT and record.instance.step_key == "return"
    unchecked = client.post(f"/seals/{record.id}/return", data={"returned_at": local_input()})
    assert unchecked.status_code == 422 and "请检查印章完好后勾选" in unchecked.text
    done = client.post(
        f"/seals/{record.id}/return", data={"returned_at": local_input(), "intact": "y"}
    )
    assert done.status_code == 303 and seals["公章"].status == SealStatus.IN_STOCK
    assert record.instance.status == Status.COMPLETED


def test_record_page_cites_the_governing_clauses(client, login, make_request, procedure):
    record = make_request(names=("合同专用章",), take_out=True)
    login("employee")
    page = client.get(f"/seals/{record.id}").text
    for anchor in ["art-13", "art-15", "art-17", "art-18", "art-20", "art-22", "art-23"]:
        assert f'href="/procedures/QP-ADM-01#{anchor}"' in page
    assert "art-14" not in page and "《印章管理制度》第十五条" in page
    procedure_page = client.get("/procedures/QP-ADM-01").text
    assert 'href="/seals/new"' in procedure_page and 'href="/seals/"' in procedure_page


def test_clauses_fall_back_without_the_procedure(client, login, make_request):
    record = make_request(names=("财务专用章",))
    login("employee")
    page = client.get(f"/seals/{record.id}").text
    assert "《印章管理制度》（QP-ADM-01）" in page and "#art-" not in page


def _delegated_and_stamped(make_request, org, **fields):
    record = make_request(**fields)
    act(record, "head", org["head"])
    today = delegation.today()
    delegation.create_delegation(org["gm"], org["deputy"], today, today, created_by=org["gm"])
    act(record, "gm", org["deputy"])
    act(record, "stamp", org["adminoffice"])
    return record


def test_register_lists_stamping_events(client, login, make_request, org):
    """One row per seal used, with every approver and who stamped; the number is the link;
    requests never stamped are not in the register."""
    record = _delegated_and_stamped(make_request, org, names=("公章", "合同专用章"))
    waiting = make_request(document_name="待审批不入登记表")
    make_request(submit=False, document_name="草稿不入登记表")
    login("admin")
    page = client.get("/seals/").text
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = body.count("<tr")
    assert rows == 2, rows  # 公章 and 合同专用章
    assert "待审批不入登记表" not in page and "草稿不入登记表" not in page
    assert waiting.instance.number not in page
    link = f'<a href="/seals/{record.id}">{record.instance.number}</a>'
    assert body.count(link) == 2
    assert "赵经理、李副总（代 王总）" in body and "周助理" in body
    partial = client.get("/seals/?q=合同专用章", headers={"HX-Request": "true"})
    assert "<html" not in partial.text and partial.text.count(link) == 1
    assert client.get("/seals/?q=不存在的文件").text.count("没有符合条件的记录") == 1
    assert record.instance.number not in client.get("/seals/?status=returned").text
    bad = client.get("/seals/?date_from=2026-13-01")
    assert bad.status_code == 422 and "日期格式" in bad.text


def test_register_keyword_reads_each_event_s_own_request(client, login, make_request, org):
    """Keyword, department and status filters look up each row's own request (a lookup that
    lost its correlation once matched every row, or none, on SQLite)."""
    mine = make_request(document_name="甲方合同")
    theirs = make_request(applicant="inspector", document_name="乙方函件")
    for record in (mine, theirs):
        for item in record.items:
            item.stamped_at, item.copies_stamped = clock.now(), 1
    db.session.commit()
    login("admin")
    for q, shown, hidden in [(org["inspector"].display_name, theirs, mine),
                             ("甲方", mine, theirs), (mine.instance.number, mine, theirs)]:  # fmt: skip
        body = client.get("/seals/", query_string={"q": q}).text.split("<tbody>", 1)[1]
        assert shown.instance.number in body and hidden.instance.number not in body, q
    department = org["inspector"].department_id
    body = client.get(f"/seals/?department_id={department}").text.split("<tbody>", 1)[1]
    assert theirs.instance.number in body and mine.instance.number not in body


def test_register_shows_take_out_and_return(client, login, make_request, org):
    record = make_request(take_out=True)
    for step, who in [("head", "head"), ("gm_take_out", "gm"), ("stamp", "adminoffice")]:
        act(record, step, org[who])
    login("admin")
    body = client.get("/seals/").text.split("<tbody>", 1)[1]
    assert "上海客户处" in body and "交出" in body and "预计" in body and "未还" in body
    act(record, "return", org["adminoffice"])
    body = client.get("/seals/").text.split("<tbody>", 1)[1]
    assert "周助理 收" in body and "未还" not in body


def test_register_exports(client, login, make_request, org):
    record = _delegated_and_stamped(make_request, org)
    login("admin")
    rows = list(csv.reader(io.StringIO(client.get("/seals/register.csv").data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["用印时间", "编号", "印章", "文件名称"]
    assert rows[1][1] == record.instance.number and rows[1][2] == "公章"
    assert rows[1][8] == "赵经理、李副总（代 王总）" and rows[1][9] == "周助理"
    book = load_workbook(io.BytesIO(client.get("/seals/register.xlsx").data))
    sheet = book.active
    assert sheet["B2"].value == record.instance.number
    assert isinstance(sheet["A2"].value, datetime) and "年" in sheet["A2"].number_format
    assert sheet["E2"].value == record.copies and sheet["E2"].data_type == "n"
    assert sheet.freeze_panes == "A2"
    text = pdftotext(client.get("/seals/register.pdf").data)
    assert (
        "印章使用登记表" in text and record.instance.number in text and "李副总（代王总）" in text
    )


def test_register_scope_follows_who_may_read(client, login, make_request, org):
    mine = make_request()
    quality = make_request("inspector")
    finance = make_request(names=("财务专用章",))
    act(finance, "head", org["head"])
    expectations = {
        "employee": {mine, finance},
        "head": {mine, finance},
        "inspector": {quality},
        "quality": {quality},
        "finance": {finance},  # approver of the finance seal, and its keeper
        "service": set(),
        "adminoffice": {mine, quality, finance},
        "gm": {mine, quality, finance},
    }
    today = delegation.today()
    delegation.create_delegation(org["head"], org["deputy"], today, today, created_by=org["head"])
    db.session.commit()
    expectations["deputy"] = {mine}  # acting for the head on the task open now
    # The register lists stamping events: stamp every seal of each request (the items only,
    # so that each request stays at the step the expectations above describe).
    for record in (mine, quality, finance):
        for item in record.items:
            item.stamped_at, item.copies_stamped = clock.now(), 1
    db.session.commit()
    for username, visible in expectations.items():
        login(username)
        page = client.get("/seals/").text
        for record in (mine, quality, finance):
            assert (record.instance.number in page) == (record in visible), (username, record.id)
            assert can_view_record(org[username], record) == (record in visible)


def test_record_pdf_reads_like_the_paper_form(client, login, make_request, org):
    record = _delegated_and_stamped(make_request, org, take_out=False)
    login("employee")
    response = client.get(f"/seals/{record.id}/pdf")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{record.instance.number}.pdf"'
    )
    text = pdftotext(response.data)
    for expected in [
        "用印申请单", record.instance.number, "年度经销合同", "杭州华东贸易有限公司",
        "☑公章", "部门负责人审核", "赵经理", "李副总（代王总）", "已用印：公章实盖3份",
        "经手人签字", "总经理（受托人）签字", "印章保管人签字", "内容校验码",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "（代王总）（代王总）" not in text
    verify = client.get(
        f"/verify/{record.instance.number}?h={records.record_hash(record.instance)}"
    )
    assert "一致" in verify.text and "不一致" not in verify.text


def test_take_out_pdf_has_the_carrier_line(client, login, make_request, org):
    record = make_request(take_out=True, carrier="李四")
    login("employee")
    text = pdftotext(client.get(f"/seals/{record.id}/pdf").data)
    assert "携带人：李四" in text and "携带人签字" in text and "交出时间" in text


def test_catalogue_is_managed_by_admin_office_with_history(client, login, seals, org):
    login("adminhead")
    response = client.post(
        "/seals/catalogue/new",
        data={"name": "品质部章", "kind": "department", "department_id": "0", "keeper_id": "0",
              "keeper_role": "quality", "status": "in_stock"},
    )  # fmt: skip
    assert response.status_code == 422 and "部门章须选择所属部门" in response.text
    qa = db.session.scalar(select(Seal.department_id).where(Seal.name == "销售部章"))
    duplicate = client.post(
        "/seals/catalogue/new",
        data={"name": "公章", "kind": "official", "department_id": "0", "keeper_id": "0",
              "keeper_role": "", "status": "in_stock"},
    )  # fmt: skip
    assert "已有同名印章" in duplicate.text and "请指定保管人或保管角色" in duplicate.text
    seal = seals["公章"]
    response = client.post(
        f"/seals/catalogue/{seal.id}/edit",
        data={"name": "公章", "kind": "official", "department_id": str(qa), "keeper_id": "0",
              "keeper_role": "admin_staff", "status": "disabled", "remarks": "印面磨损"},
    )  # fmt: skip
    assert response.status_code == 303 and seal.status == SealStatus.DISABLED
    assert seal.keeper_id is None and seal.responsible_keeper().username == "adminoffice"
    history = client.get(f"/seals/catalogue/{seal.id}").text
    assert "状态变更" in history and "在库 → 停用" in history and "孙主任" in history
    login("employee")
    assert client.get("/seals/catalogue").status_code == 200
    assert client.get(f"/seals/catalogue/{seal.id}/edit").status_code == 403
    form = client.get("/seals/new").text
    assert "合同专用章" in form and f'value="{seal.id}"' not in form  # disabled: not offered


def test_demo_data_has_every_state_and_is_idempotent(app, org):
    with app.test_request_context():
        assert demo.load()[0].startswith("seals: 5 seals")
        db.session.commit()
        assert demo.load() == ["seals: demo data already present"]
    statuses = dict(
        db.session.execute(
            select(Instance.status, func.count())
            .where(Instance.form_type == "seals")
            .group_by(Instance.status)
        ).all()
    )
    assert set(statuses) == {
        Status.DRAFT, Status.IN_PROGRESS, Status.RETURNED, Status.WITHDRAWN, Status.COMPLETED,
        Status.VOIDED,
    }  # fmt: skip
    steps = set(db.session.scalars(select(Instance.step_key).where(Instance.step_key.is_not(None))))
    assert steps == {"head", "finance", "gm", "gm_take_out", "stamp", "return"}
    records = db.session.scalars(select(SealRequest)).all()
    assert [r for r in records if r.overdue()]
    assert any(workflow.last_approver(r.instance) == "李副总（代 王总）" for r in records)
    assert any("财务专用章" in r.seal_names for r in records)


@pytest.mark.parametrize(("username", "shown"), [("adminoffice", True), ("employee", False)])
def test_home_panel_lists_seals_out(client, login, make_request, org, username, shown):
    record = at_stamp(make_request, org, take_out=True)
    with clock.frozen(clock.now() - timedelta(hours=1)):
        act(record, "stamp", org["adminoffice"])
    login(username)
    page = client.get("/").text
    assert ("外借中的印章" in page) == shown
    if shown:
        assert record.instance.number in page


def test_an_incomplete_draft_reads_as_one_sentence(client, login, make_request):
    """A draft's heading names the form once; the banner lists what is missing without "。；"."""
    record = make_request(submit=False, purpose="", copies=None)
    login("employee")
    html = client.get(f"/seals/{record.id}").get_data(as_text=True)
    heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert heading.count("草稿") == 1, heading
    banner = html.split("草稿尚未填完", 1)[1].split("</div>", 1)[0]
    assert "。；" not in banner and "；；" not in banner
    assert "用印事由" in banner and "份数" in banner
