"""Registers and disposal: the catalogue lists exactly the items whose page opens, for every demo
user; its filters and exports (CSV, XLSX, PDF) carry category and year; the retention list
counts accounting records from the end of their year; a disposal goes to the owners' heads, the
GM, then is destroyed before two different witnesses, and destroyed items keep their numbers
and print on the 档案销毁清册."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.archive import services
from portal.archive.models import ArchiveItem
from portal.archive.registers import DESTROYED, ITEMS, items_register
from portal.core import clock
from portal.core import registers as core
from portal.demo import USERS, load_demo
from portal.extensions import db
from portal.workflow import engine
from portal.workflow.models import Status
from tests.archive.helpers import accept_all, batch, row
from tests.conftest import Auth
from tests.pdftext import pdftotext


def test_the_catalogue_lists_exactly_the_items_that_open(app, org):
    load_demo()
    db.session.commit()
    items = db.session.scalars(select(ArchiveItem)).all()
    assert len(items) >= 55
    for username in [u[0] for u in USERS]:
        client = app.test_client()
        Auth(client).as_user(org[username])
        opens = {i.id for i in items if client.get(f"/archive/items/{i.id}").status_code == 200}
        listed = {
            i.id for i in db.session.scalars(core.build_query(ITEMS, core.Filters(), org[username]))
        }
        assert listed == opens, username
        exported = client.get("/archive/register.csv").get_data(as_text=True)
        numbers = {r[0] for r in list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))[1:]}
        assert numbers == {i.number or "" for i in items if i.id in opens}, username
        db.session.rollback()


def test_filters_and_exports_carry_category_and_year(org, client, login):
    with clock.frozen(datetime(2025, 5, 1, 2, 0, tzinfo=UTC)):
        accept_all(batch(org, rows=[row("旧合同", "HT"), row("旧通知", "TZ")]), org)
    accept_all(batch(org, rows=[row("新合同", "HT")]), org)
    login("archivist")
    year = clock.local_now().year
    page = client.get(f"/archive/?category=HT&year={year}")
    assert "新合同" in page.text and "旧合同" not in page.text and "旧通知" not in page.text
    assert f"/archive/register.csv?category=HT&amp;year={year}" in page.text
    body = client.get(f"/archive/register.xlsx?category=HT&year={year}").data
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title.startswith("存档登记表") and sheet.max_row == 2
    assert "合同" in sheet.title or sheet.cell(2, 3).value == "合同"
    text = pdftotext(client.get("/archive/register.pdf?category=TZ&year=2025").data)
    assert "存档登记表（通知，2025" in text and "旧通知" in text
    register = items_register({"category": "HT", "year": "2025"})
    rows = db.session.scalars(core.build_query(register, core.Filters(), org["archivist"])).all()
    assert [r.title for r in rows] == ["旧合同"]


def test_retention_list_counts_accounting_from_the_end_of_its_year(org):
    with clock.frozen(datetime(2016, 6, 1, 2, 0, tzinfo=UTC)):
        old = accept_all(batch(org, "finance", rows=[
            row("2015年度银行对账单", "CW", document_date=date(2015, 12, 31), retention="D10"),
            row("2016年招标文件", "TB"),
            row("2016年会议纪要", "WS"),
        ]), org)  # fmt: skip
    with clock.frozen(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)):
        due = [i.title for i in db.session.scalars(services.retention_due())]
    # CW: 2015 + 10 = 2025 (past); TB: archived 2016, + 10 = 2026 (this year); WS: 30 years.
    assert due == ["2015年度银行对账单", "2016年招标文件"]
    assert old.items[0].retention_end_year == 2025 and old.items[2].retention_end_year == 2046


def test_a_disposal_from_proposal_to_the_register(org, client, login):
    with clock.frozen(datetime(2015, 6, 1, 2, 0, tzinfo=UTC)):
        sales = accept_all(batch(org, rows=[row("2014年招标文件", "TB")]), org).items[0]
        quality = accept_all(
            batch(org, "inspector", rows=[row("2014年检验记录", "ZL")]), org
        ).items[0]
    young = accept_all(batch(org, rows=[row("今年通知", "TZ")]), org).items[0]
    with pytest.raises(services.ArchiveError, match="保管期限未满"):
        services.propose_disposal([young], "误选", org["archivist"])
    db.session.rollback()
    login("archivist")
    response = client.post("/archive/retention", data={"items": [str(sales.id), str(quality.id)],
                                                       "reason": "保管期满，无查考价值"})  # fmt: skip
    assert response.status_code == 303
    disposal = sales.batch and db.session.scalar(select(services.ArchiveDisposal))
    instance = disposal.instance
    assert instance.step_key == "owners"
    assert sorted(t.assignee.username for t in instance.open_tasks) == ["head", "quality"]
    assert db.session.scalars(services.retention_due()).all() == []  # on a running proposal
    engine.transition(instance, "approve", org["head"])
    assert instance.step_key == "owners"
    engine.transition(instance, "approve", org["quality"])
    engine.transition(instance, "approve", org["gm"])
    db.session.commit()
    assert instance.step_key == "destroy"
    same = {"destroyed_on": clock.local_now().strftime("%Y-%m-%d"), "method": "shred",
            "witness1": str(org["adminoffice"].id), "witness2": str(org["adminoffice"].id)}  # fmt: skip
    response = client.post(f"/archive/disposals/{disposal.id}/destroy", data=same)
    assert response.status_code == 422 and "两名监销人不能是同一人" in response.text
    response = client.post(f"/archive/disposals/{disposal.id}/destroy",
                           data={**same, "witness2": str(org["adminhead"].id)})  # fmt: skip
    assert response.status_code == 303
    assert instance.status == Status.COMPLETED
    assert sales.status == "destroyed" and sales.number.startswith("DA-2015-TB-")
    rows = db.session.scalars(core.build_query(DESTROYED, core.Filters(), org["archivist"])).all()
    assert {r.number for r in rows} == {sales.number, quality.number}
    page = client.get("/archive/disposals/")
    assert sales.number in page.text and "周助理、孙主任" in page.text
    text = pdftotext(client.get(f"/archive/disposals/{disposal.id}/pdf").data)
    for expected in ("档案销毁清册", "2014年招标文件", "2014年检验记录", "粉碎", "周助理"):
        assert expected in text, expected
    assert client.get(f"/archive/items/{sales.id}").status_code == 200


def test_record_pdfs_read_back(org, client, login):
    record = accept_all(
        batch(org, rows=[row("销售合同 A"), row("通知 B", "TZ")]), org, returned=(2,)
    )
    login("employee")
    text = pdftotext(client.get(f"/archive/batches/{record.id}/pdf").data)
    for expected in ("存档登记表", record.number, record.items[0].number, "缺页，请补正", "销售部"):
        assert expected in text, expected
