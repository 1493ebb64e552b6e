"""Required reading: who must read, the 待阅读 panel with due dates, acknowledging, validity
across editorial and substantive revisions, reminders from the tick, and the reports."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.core import clock
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.notifications.models import Notification
from portal.procedures import reading
from portal.procedures.models import ProcedureRead
from tests.procedures import control_data as data

ISSUED = date(2026, 11, 2)  # due 14 days later: 2026-11-16


def at(day: date, hour: int = 4) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def doc(org):
    """Owned by 客服部 (CS); to be read by 销售部 (SAL) and the quality role."""
    procedure = data.procedure(
        owner="CS", required_departments=["SAL"], required_roles=["quality"], reading_days=14
    )
    data.revision(procedure, "A/0", issued=ISSUED)
    db.session.commit()
    return procedure


def names(users) -> set[str]:
    return {u.username for u in users}


def test_required_readers_are_department_members_and_role_holders(doc, org):
    obligation = reading.obligation_for(doc)
    readers = db.session.scalars(reading.required_readers(obligation)).all()
    assert names(readers) == {"employee", "head", "quality", "inspector"}
    org["head"].active = False
    db.session.commit()
    assert "head" not in names(db.session.scalars(reading.required_readers(obligation)))


def test_home_panel_lists_unread_with_due_date_and_overdue(doc, org, login, client):
    login("employee")
    with clock.frozen(at(date(2026, 11, 10))):
        page = client.get("/").get_data(as_text=True)
    assert "待阅读" in page and doc.title in page and "2026-11-16 前阅读" in page
    assert "已超时" not in page
    with clock.frozen(at(date(2026, 11, 20))):
        pending = reading.pending_for(org["employee"])
    assert [p.obligation.code for p in pending] == [doc.code] and pending[0].overdue
    assert reading.pending_for(org["finance"]) == []  # not a required reader


def test_acknowledge_on_the_page_records_it_once_with_an_audit_row(doc, org, login, client):
    login("employee")
    page = client.get(f"/procedures/{doc.code}").get_data(as_text=True)
    assert "已阅读并理解" in page and "2026-11-16" in page
    response = client.post(f"/procedures/{doc.code}/read")
    assert response.status_code == 303
    client.post(f"/procedures/{doc.code}/read", headers={"HX-Request": "true"})
    reads = db.session.scalars(select(ProcedureRead)).all()
    assert [(r.user_id, r.revision_id) for r in reads] == [
        (org["employee"].id, doc.current_revision.id)
    ]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "acknowledge")).all()
    assert len(events) == 1 and events[0].actor_id == org["employee"].id
    assert reading.pending_for(org["employee"]) == []
    assert "您已于" in client.get(f"/procedures/{doc.code}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("significance", "still_counts"),
    [("editorial", True), ("substantive", False), ("", False)],
)
def test_a_new_revision_keeps_or_resets_acknowledgements(doc, org, significance, still_counts):
    employee = org["employee"]
    reading.acknowledge(employee, doc.current_revision)
    data.revision(doc, "A/1", significance=significance, issued=date(2026, 12, 1))
    db.session.commit()
    state = reading.reading_state(employee, doc)
    assert (state.read_at is not None) is still_counts
    assert (reading.pending_for(employee) == []) is still_counts
    if not still_counts:  # the new obligation runs from the new issue
        assert state.due == date(2026, 12, 15)


def test_an_editorial_revision_after_an_unread_substantive_keeps_its_due_date(doc, org):
    data.revision(doc, "A/1", significance="editorial", issued=date(2026, 11, 5))
    db.session.commit()
    [pending] = reading.pending_for(org["employee"])
    assert pending.obligation.due == date(2026, 11, 16)
    reading.acknowledge(org["employee"], doc.current_revision)  # reading A/1 covers A/0's
    assert reading.pending_for(org["employee"]) == []


def test_reminders_near_due_and_overdue_once_each(app, doc, org):
    from portal.workflow.tick import tick

    reading.acknowledge(org["quality"], doc.current_revision)
    db.session.commit()

    def sent(username):
        return db.session.scalars(
            select(Notification.dedupe_key).where(Notification.user_id == org[username].id)
        ).all()

    with clock.frozen(at(date(2026, 11, 10))):  # six days before: nothing yet
        tick()
    assert not [k for k in sent("employee") if k.startswith("reading")]
    with clock.frozen(at(date(2026, 11, 14))):
        tick()
        tick()
    assert [k for k in sent("employee") if k.startswith("reading")] == [
        f"reading-due:{doc.current_revision.id}"
    ]
    with clock.frozen(at(date(2026, 11, 17))):
        tick()
        tick()
    keys = sorted(k for k in sent("inspector") if k.startswith("reading"))
    assert keys == [
        f"reading-due:{doc.current_revision.id}",
        f"reading-overdue:{doc.current_revision.id}",
    ]
    note = db.session.scalar(
        select(Notification).where(Notification.dedupe_key.like("reading-overdue:%")).limit(1)
    )
    assert note.url == f"/procedures/{doc.code}#ack" and "已超过阅读期限" in note.message
    assert not [k for k in sent("quality") if k and k.startswith("reading")]  # has read
    assert not [k for k in sent("finance") if k and k.startswith("reading")]  # not required


# -- reports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status", "visible"),
    [
        ("admin", 200, {"张三", "赵经理", "吴经理", "郑工"}),
        ("quality", 200, {"张三", "赵经理", "吴经理", "郑工"}),
        ("service", 200, {"张三", "赵经理", "吴经理", "郑工"}),  # head of the owning CS
        ("head", 200, {"张三", "赵经理"}),  # head of SAL: their own department
        ("finance", 200, set()),  # head of FIN: no readers there
        ("employee", 403, None),
        ("inspector", 200, {"张三", "赵经理", "吴经理", "郑工"}),  # the quality role
        ("producer", 200, set()),
    ],
)
def test_readers_report_access(doc, login, client, username, status, visible):
    login(username)
    response = client.get(f"/procedures/{doc.code}/readers")
    assert response.status_code == status
    if visible is not None:
        report = reading.readers_report(doc, reading_user(username))
        assert {r.user.display_name for r in report.rows} == visible


def reading_user(username):
    from portal.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))


def test_readers_report_filters_and_marks_overdue(doc, org, login, client):
    reading.acknowledge(org["head"], doc.current_revision)
    db.session.commit()
    login("admin")
    with clock.frozen(at(date(2026, 11, 20))):
        page = client.get(f"/procedures/{doc.code}/readers?status=unread&department=SAL")
    html = page.get_data(as_text=True)
    assert "张三" in html and "赵经理" not in html and "吴经理" not in html and "逾期" in html
    partial = client.get(
        f"/procedures/{doc.code}/readers?status=read", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert partial.startswith('<section id="readers"') and "赵经理" in partial


def test_readers_xlsx_cells_are_safe(doc, org, login, client):
    org["employee"].display_name = '=HYPERLINK("http://x","点我")'
    db.session.commit()
    login("quality")
    response = client.get(f"/procedures/{doc.code}/readers?format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == org["employee"].display_name]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize(
    ("username", "department", "status"),
    [
        ("admin", "SAL", 200),
        ("quality", "SAL", 200),
        ("head", "SAL", 200),
        ("head", "FIN", 200),  # falls back to their own department
        ("employee", "SAL", 403),
    ],
)
def test_department_report_access(doc, login, client, username, department, status):
    login(username)
    response = client.get(f"/procedures/reading-report?department={department}")
    assert response.status_code == status


def test_department_report_counts_and_xlsx(doc, org, login, client):
    reading.acknowledge(org["employee"], doc.current_revision)
    db.session.commit()
    report = reading.department_report("SAL", org["head"])
    [row] = report.documents
    assert (row.obligation.code, row.total, row.read, row.unread) == (doc.code, 2, 1, 1)
    assert reading.department_report("FIN", org["head"]).documents == []  # not theirs
    login("head")
    response = client.get("/procedures/reading-report?department=SAL&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [doc.code, doc.title, "A/0"] == values[2][:3] and values[2][4:] == [2, 1, 1]


def test_reports_run_as_many_statements_for_many_readers_as_for_few(
    doc, org, login, client, count_queries
):
    from flask import g

    from portal.auth.models import Department
    from tests import factories

    by_role = data.procedure(owner="FIN", required_roles=["finance"])  # roles of each member
    data.revision(by_role, issued=ISSUED)
    db.session.commit()
    login("admin")
    code, revision_id = doc.code, doc.current_revision.id
    urls = [f"/procedures/{code}/readers", "/procedures/reading-report?department=SAL"]

    def statements() -> list[int]:
        counts = []
        for url in urls:
            db.session.remove()
            for name in list(g):
                g.pop(name)
            with count_queries() as seen:
                assert client.get(url).status_code == 200
            counts.append(len(seen))
        return counts

    statements()  # the first request fills the worker's copies (core/generations.py)
    few = statements()
    sales = db.session.scalar(select(Department).where(Department.code == "SAL"))
    for _ in range(8):
        reader = factories.user(dept=sales, roles=["employee", "service"])
        db.session.add(ProcedureRead(user_id=reader.id, revision_id=revision_id))
    db.session.commit()
    assert statements() == few


@pytest.mark.parametrize(
    ("significance", "asked_again"), [("editorial", False), ("substantive", True)]
)
def test_issuing_through_publishing_keeps_or_resets(doc, org, significance, asked_again):
    from portal.procedures import publishing

    reading.acknowledge(org["employee"], doc.current_revision)
    draft = data.revision(doc, "A/1", status="approved", significance=significance)
    db.session.commit()
    with clock.frozen(at(date(2026, 12, 1))):
        publishing.issue(draft, org["admin"])
        db.session.commit()
        pending = reading.pending_for(org["employee"])
    assert doc.current_revision.id == draft.id
    assert bool(pending) is asked_again
    if asked_again:
        assert pending[0].obligation.due == date(2026, 12, 15)
