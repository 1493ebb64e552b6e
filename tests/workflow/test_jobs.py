"""`flask workflow tick` on several nodes at once: each run exits cleanly, and each reminder,
escalation and e-mail happens once (the job locks of portal/workflow/jobs.py, the outbox)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import click
import pytest
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from portal.core import clock
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.notifications.models import Notification
from portal.workflow import engine, workflow_cli
from portal.workflow.jobs import Skipped, lock_key, run_job
from portal.workflow.tick import tick

MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # due Tuesday 01:00 UTC (8 business hours)
REMIND_AT = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
OVERDUE_AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def concurrent_ticks(app, runs: int = 2) -> list[str]:
    """`flask workflow tick` (the real command) in `runs` threads started together."""
    barrier = threading.Barrier(runs, timeout=30)
    outcomes = [""] * runs
    command = workflow_cli.get_command(None, "tick")

    def run(index: int) -> None:
        info = ScriptInfo(create_app=lambda: app)
        try:
            with click.Context(command, obj=info) as ctx:
                barrier.wait()
                ctx.invoke(command)
            outcomes[index] = "ok"
        except Exception as exc:
            outcomes[index] = f"error: {exc!r}"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db.session.rollback()  # see what the threads committed
    return outcomes


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


@pytest.fixture
def submitted(make_request, org):
    instances = []
    with clock.frozen(MONDAY_10):
        for i in range(12):
            instance = make_request(title=f"并发提醒 {i}")
            engine.transition(instance, "submit", org["employee"])
            instances.append(instance)
        db.session.commit()
    return instances


def test_concurrent_ticks_exit_cleanly_and_remind_and_escalate_once(app, submitted, org):
    with clock.frozen(REMIND_AT):
        assert concurrent_ticks(app) == ["ok", "ok"]
    reminders = select(Notification).where(Notification.kind == "reminder")
    assert count(reminders) == len(submitted)  # one per task: its assignee, the head
    with clock.frozen(OVERDUE_AT):
        assert concurrent_ticks(app) == ["ok", "ok"]
    overdue = select(AuditEvent).where(AuditEvent.action == "overdue")
    assert count(overdue) == len(submitted)
    escalations = select(Notification.dedupe_key, Notification.user_id).where(
        Notification.kind == "escalation"
    )
    keys = db.session.execute(escalations).all()
    assert len(keys) == len(set(keys)) and {k for k, _ in keys} == {
        f"escalate:{i.open_tasks[0].id}:{i.open_tasks[0].due_at.isoformat()}" for i in submitted
    }
    with clock.frozen(OVERDUE_AT):
        again = tick()
    assert (again.reminders, again.escalations, again.skipped) == (0, 0, [])


def test_a_job_whose_lock_another_node_holds_is_skipped(app, submitted):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite queues on BEGIN IMMEDIATE")
    with db.engine.connect() as other, other.begin():
        assert other.scalar(select(func.pg_try_advisory_xact_lock(lock_key("workflow.deadlines"))))
        with clock.frozen(REMIND_AT):
            result = tick()
            with pytest.raises(Skipped):
                run_job("workflow.deadlines", lambda: [])
    assert result.skipped == ["workflow.deadlines"] and result.reminders == 0
    assert "workflow.deadlines: skipped, another run is doing it" in result.jobs
    with clock.frozen(REMIND_AT):
        assert tick().reminders == len(submitted)  # the lock is free again
