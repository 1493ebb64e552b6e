"""Races on one record, forced the way they happen: two sessions read the record (and its
tasks), then both act. On PostgreSQL and on SQLite alike one action wins and the other is
refused cleanly (a WorkflowError, shown to the user), never a second number, a second advance or
a database error."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.core.models import AuditEvent, NumberSeries
from portal.extensions import db
from portal.workflow import engine
from portal.workflow.flow import Flow, HasRole, Numbering, Step, register_flow
from portal.workflow.models import Instance, TaskStatus
from tests.workflow.demo_form import DemoRequest

EITHER = Flow(
    key="race",
    name="或签测试",
    numbering=Numbering("RC"),
    model=DemoRequest,
    steps=(
        Step("check", "品质审核", HasRole("quality")),  # quality or inspector: 或签
        Step("gm", "总经理审批", HasRole("gm")),
    ),
    detail_endpoint="home.index",
    title=lambda r: r.title,
)


def race(app, instance_id: int, attempts: list[tuple[str, str]]) -> list[str]:
    """Each (action, username) in its own thread and session: read, wait for the others, act."""
    barrier = threading.Barrier(len(attempts), timeout=30)
    outcomes: list[str] = [""] * len(attempts)

    def worker(index: int, action: str, username: str) -> None:
        with app.app_context():
            try:
                instance = db.session.get(Instance, instance_id)
                list(instance.tasks)  # what a record page has read before the user acts
                user = db.session.scalar(select(User).where(User.username == username))
                barrier.wait()
                engine.transition(instance, action, user, "同意")
                db.session.commit()
                outcomes[index] = "ok"
            except engine.WorkflowError:
                db.session.rollback()
                outcomes[index] = "refused"
            except Exception as exc:
                db.session.rollback()
                outcomes[index] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, *a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.rollback()  # end this session's read: see what the threads wrote
    return outcomes


@pytest.fixture
def either(app, org):
    register_flow(app, EITHER)

    def _start(applicant: str = "employee") -> Instance:
        record = DemoRequest()
        db.session.add(record)
        db.session.flush()
        instance = engine.start("race", record, org[applicant])
        db.session.commit()
        return instance

    return _start


def test_one_draft_submitted_twice_takes_one_number(app, either):
    instance = either()
    outcomes = race(app, instance.id, [("submit", "employee"), ("submit", "employee")])
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    instance = db.session.get(Instance, instance.id)
    assert instance.number.endswith("-0001")
    series = db.session.scalars(select(NumberSeries).where(NumberSeries.prefix == "RC")).all()
    assert [s.last_value for s in series] == [1]  # no number was used up by the refusal
    submits = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_id == instance.id, AuditEvent.action == "submit"
        )
    ).all()
    assert len(submits) == 1


def test_two_or_sign_approvers_at_once_advance_once(app, either, org):
    instance = either()
    engine.transition(instance, "submit", org["employee"])
    db.session.commit()
    outcomes = race(app, instance.id, [("approve", "quality"), ("approve", "inspector")])
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    instance = db.session.get(Instance, instance.id)
    assert instance.step_key == "gm"
    assert [t.assignee.username for t in instance.open_tasks] == ["gm"]
    checks = sorted(t.status for t in instance.tasks if t.step_key == "check")
    assert checks == sorted([TaskStatus.APPROVED, TaskStatus.CANCELLED])


def test_concurrent_posts_never_answer_500(app, either, org):
    """The same race through the web: one request wins, the other gets the form back."""
    from tests.conftest import Auth

    instance = either()
    engine.transition(instance, "submit", org["employee"])
    db.session.commit()
    statuses: list[int] = []
    clients = {}
    for username in ("quality", "inspector"):  # logged in up front, in this thread
        clients[username] = app.test_client()
        Auth(clients[username]).as_user(org[username])
    url = f"/workflow/{instance.id}/act"
    db.session.commit()

    def post(username: str) -> None:
        response = clients[username].post(url, data={"action": "approve"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(u,)) for u in ("quality", "inspector")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [303, 422], statuses
    db.session.rollback()  # end this session's read: see what the threads wrote
    assert [t.assignee.username for t in db.session.get(Instance, instance.id).open_tasks] == ["gm"]
