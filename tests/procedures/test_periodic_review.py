"""Periodic review: due dates from the last review or the issue, the list and home panel for the
owning department, the notice on the page, and confirming 继续有效."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.procedures import periodic
from portal.procedures.models import ProcedureReview
from tests.procedures import control_data as data

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)


@pytest.fixture
def docs(org):
    """Owned by 销售部 (SAL): one due in 20 days, one overdue, one not due for a year."""
    soon = data.procedure(owner="SAL", title="即将评审")
    data.revision(soon, issued=date(2024, 12, 26))  # + 24 months = 2026-12-26
    late = data.procedure(owner="SAL", title="逾期评审", review_cycle_months=12)
    data.revision(late, issued=date(2024, 1, 10), significance="editorial")
    late.last_reviewed_on = date(2025, 11, 1)  # + 12 months = 2026-11-01
    fresh = data.procedure(owner="SAL", title="刚发布")
    data.revision(fresh, issued=date(2026, 1, 5))
    elsewhere = data.procedure(owner="FIN", title="财务的")
    data.revision(elsewhere, issued=date(2020, 1, 1))
    db.session.commit()
    return {"soon": soon, "late": late, "fresh": fresh, "elsewhere": elsewhere}


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (date(2024, 12, 26), 24, date(2026, 12, 26)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 13, date(2026, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
    ],
)
def test_add_months(start, months, due):
    assert periodic.add_months(start, months) == due


def test_due_dates_from_last_review_or_issue(docs):
    soon, late = docs["soon"], docs["late"]
    assert periodic.review_due_on(soon, soon.current_revision) == date(2026, 12, 26)
    assert periodic.review_due_on(late, late.current_revision) == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("username", "titles"),
    [
        ("employee", ["逾期评审", "即将评审"]),  # member of SAL
        ("head", ["逾期评审", "即将评审"]),
        ("admin", ["财务的", "逾期评审", "即将评审"]),
        ("finance", ["财务的"]),
        ("quality", []),
    ],
)
def test_reviews_due_lists_the_owners_documents(docs, org, login, client, username, titles):
    login(username)
    with clock.frozen(TODAY):
        due = periodic.reviews_due(org[username])
        page = client.get("/procedures/reviews-due")
    assert [d.procedure.title for d in due] == titles
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(t in html for t in titles) and "刚发布" not in html


def test_home_panel_and_page_notice_for_owners(docs, login, client):
    login("employee")
    with clock.frozen(TODAY):
        home = client.get("/").get_data(as_text=True)
        page = client.get(f"/procedures/{docs['late'].code}").get_data(as_text=True)
        fresh = client.get(f"/procedures/{docs['fresh'].code}").get_data(as_text=True)
    assert "制度评审到期" in home and "逾期评审" in home and "即将评审" in home
    assert "评审到期" in page and "2026-11-01" in page
    assert f'href="/procedures/{docs["late"].code}/edit">需要修订' in page
    assert "评审到期" not in fresh
    login("quality")
    with clock.frozen(TODAY):
        other = client.get(f"/procedures/{docs['late'].code}").get_data(as_text=True)
    assert "评审到期" not in other


def test_confirm_no_change_records_a_review(docs, org, login, client):
    late = docs["late"]
    login("head")
    with clock.frozen(TODAY):
        form = client.get(f"/procedures/{late.code}/periodic-review")
        assert form.status_code == 200 and "继续有效" in form.get_data(as_text=True)
        response = client.post(
            f"/procedures/{late.code}/periodic-review", data={"note": "内容仍适用"}
        )
        assert response.status_code == 303
        db.session.refresh(late)
        assert late.last_reviewed_on == date(2026, 12, 6)
        assert [d.procedure.title for d in periodic.reviews_due(org["head"])] == ["即将评审"]
    review = db.session.scalar(select(ProcedureReview))
    assert (review.outcome, review.note, review.reviewed_by_id) == (
        "no_change",
        "内容仍适用",
        org["head"].id,
    )
    assert review.revision_id == late.current_revision.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review_confirm"))
    assert event.actor_id == org["head"].id and event.data["next_due"] == "2027-12-06"


def test_confirm_refuses_a_long_note_beside_the_field(docs, login, client):
    login("employee")
    response = client.post(
        f"/procedures/{docs['soon'].code}/periodic-review", data={"note": "长" * 501}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "最多 500 个字符" in html and "长" * 501 in html
    assert db.session.scalar(select(ProcedureReview)) is None


@pytest.mark.parametrize(
    ("username", "status"),
    [("admin", 303), ("employee", 303), ("head", 303), ("quality", 403), ("finance", 403)],
)
def test_confirm_access(docs, login, client, username, status):
    login(username)
    response = client.post(f"/procedures/{docs['soon'].code}/periodic-review", data={})
    assert response.status_code == status


def test_a_withdrawn_document_has_no_review(docs, login, client):
    docs["soon"].current_revision.status = "withdrawn"
    db.session.commit()
    login("admin")
    assert client.post(f"/procedures/{docs['soon'].code}/periodic-review").status_code == 404
