"""Periodic review (定期评审): every `Procedure.review_cycle_months` after its last review (or the
current revision's issue) the owning department confirms the document is still valid (继续有效)
or revises it. Confirming is a ProcedureReview row, the new `last_reviewed_on` and an audit row.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from flask import request
from sqlalchemy import select

from portal.core import audit
from portal.core.clock import local_now, now
from portal.core.htmx import path_for
from portal.extensions import db
from portal.procedures import copies
from portal.procedures.models import (
    DEFAULT_REVIEW_CYCLE_MONTHS,
    Procedure,
    ProcedureReview,
    Revision,
)
from portal.procedures.publishing import SUBJECT
from portal.procedures.reading import can_see_reading_report, current_procedures, issued_on

audit.ACTION_LABELS.setdefault("review_confirm", "定期评审：继续有效")

# Listed as due this many days before the due date.
DUE_WITHIN_DAYS = 30
NO_CHANGE = "no_change"
REVISE = "revise"
OUTCOME_NAMES = {NO_CHANGE: "继续有效", REVISE: "需要修订"}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due_on(procedure: Procedure, current: Revision | None) -> date | None:
    """None without a current revision (nothing issued to review)."""
    if current is None:
        return None
    start = procedure.last_reviewed_on or issued_on(current)
    return add_months(start, procedure.review_cycle_months or DEFAULT_REVIEW_CYCLE_MONTHS)


def can_review(user, procedure: Procedure) -> bool:
    """The one rule for periodic review: sysadmin and members of the owning department."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_sysadmin:
        return True
    department = user.department
    return department is not None and department.code == procedure.owner_department != ""


@dataclass(frozen=True)
class DueReview:
    procedure: Procedure
    revision: Revision
    due: date
    days_left: int  # negative: overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def reviews_due(user, within_days: int = DUE_WITHIN_DAYS) -> list[DueReview]:
    """Documents due for review within `within_days` or overdue that the user may review
    (one statement), soonest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not user.is_sysadmin and user.department is None:
        return []
    owner = None if user.is_sysadmin else user.department.code
    today = local_now().date()
    found = []
    for procedure, revision in current_procedures():
        if owner is not None and procedure.owner_department != owner:
            continue
        due = review_due_on(procedure, revision)
        if due is not None and due <= today + timedelta(days=within_days):
            found.append(DueReview(procedure, revision, due, (due - today).days))
    return sorted(found, key=lambda d: (d.due, d.procedure.code))


def review_state(user, procedure: Procedure) -> DueReview | None:
    """The 评审到期 notice on a procedure page: for those who may review, when due soon."""
    current = procedure.current_revision
    due = review_due_on(procedure, current)
    if due is None or not can_review(user, procedure):
        return None
    days_left = (due - local_now().date()).days
    if days_left > DUE_WITHIN_DAYS:
        return None
    return DueReview(procedure, current, due, days_left)


def confirm_review(procedure: Procedure, user, note: str = "") -> ProcedureReview:
    """继续有效: the document stays as it is; the next review is a full cycle from today."""
    today = local_now().date()
    review = ProcedureReview(
        procedure_id=procedure.id,
        revision_id=procedure.current_revision.id,
        outcome=NO_CHANGE,
        note=note,
        reviewed_by_id=user.id,
        at=now(),
    )
    db.session.add(review)
    previous = procedure.last_reviewed_on
    procedure.last_reviewed_on = today
    db.session.flush()
    audit.record(
        SUBJECT,
        review.revision_id,
        "review_confirm",
        user,
        comment=f"定期评审：继续有效{'。' + note if note else ''}",
        data={
            "review_id": review.id,
            "previous": previous.isoformat() if previous else None,
            "next_due": review_due_on(procedure, procedure.current_revision).isoformat(),
        },
    )
    return review


def reviews_of(procedure: Procedure):
    return (
        select(ProcedureReview)
        .where(ProcedureReview.procedure_id == procedure.id)
        .order_by(ProcedureReview.at.desc(), ProcedureReview.id.desc())
    )


def control_state(user, procedure: Procedure) -> dict:
    """What a procedure page shows of document control to `user`: the reports and copies they
    may open, copies to recall, a periodic review falling due. Computed once per request (the
    page's ETag asks first, then its template)."""
    if not getattr(user, "is_authenticated", False) or procedure.current_revision is None:
        return {}
    key = f"portal.procedure_control.{procedure.id}"
    if key not in request.environ:
        manage = copies.can_manage_copies(user, procedure)
        request.environ[key] = {
            "readers": can_see_reading_report(user, procedure),
            "copies": manage,
            "recall_count": copies.recall_count(procedure) if manage else 0,
            "review": review_state(user, procedure),
        }
    return request.environ[key]


def reviews_panel(user):
    """Home panel for owners: their documents due for periodic review."""
    from portal.home.services import Panel

    due = reviews_due(user)
    if not due:
        return None
    items = [
        {
            "label": f"{d.procedure.title}（{d.procedure.code}）",
            "url": path_for("procedures.detail", code=d.procedure.code) + "#periodic-review",
            "meta": f"{d.due.isoformat()} 到期",
            "overdue": d.overdue,
        }
        for d in due
    ]
    return Panel(
        title="制度评审到期",
        items=items,
        more_url=path_for("procedures.reviews_due"),
        order=25,
    )
