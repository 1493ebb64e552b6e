"""Engine rules beyond the transition table: routing conditions, 会签, skip and fallback,
delegation, CC, visibility, audit immutability, deadlines, pause/resume, tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.models import AuditEvent, AuditImmutableError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.workflow import access, delegation, engine, services
from portal.workflow.models import Status, TaskStatus
from portal.workflow.tick import tick
from tests import factories

# Monday 2026-11-23 10:00 in Shanghai
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def act(instance, action, user, comment="同意"):
    engine.transition(instance, action, user, comment)
    db.session.commit()


def notes_for(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def test_submit_assigns_number_and_routes_to_department_head(make_request, org):
    instance = make_request()
    assert instance.number is None
    with clock.frozen(MONDAY_10):
        act(instance, "submit", org["employee"])
    assert instance.number == "TS-202611-0001"
    assert [t.assignee.username for t in instance.open_tasks] == ["head"]
    assert notes_for(org["head"], "task")


def test_condition_routes_large_amounts_through_finance(make_request, org):
    instance = make_request(amount=5000)
    act(instance, "submit", org["employee"])
    act(instance, "approve", org["head"])
    assert instance.step_key == "finance"
    assert [t.assignee.username for t in instance.open_tasks] == ["finance"]


def test_countersign_needs_everyone_and_or_sign_needs_one(make_request, org):
    instance = make_request(board="quality,service,inspector")
    for action, who in [("submit", "employee"), ("approve", "head"), ("approve", "gm")]:
        act(instance, action, org[who])
    act(instance, "approve", org["quality"])
    act(instance, "approve", org["service"])
    assert instance.step_key == "board"
    act(instance, "approve", org["inspector"])
    assert instance.step_key == "done"


def test_applicant_who_is_the_approver_skips_the_step(make_request, org):
    instance = make_request(applicant="head")
    act(instance, "submit", org["head"])
    assert instance.step_key == "gm"
    events = db.session.scalars(services.audit.events_for("workflow", instance.id)).all()
    assert any(e.action == "skip" and e.step == "部门负责人审批" for e in events)


def test_unresolvable_approver_goes_to_sysadmin_with_visible_warning(make_request, org):
    sales = org["employee"].department
    sales.head_id = None
    db.session.commit()
    instance = make_request()
    act(instance, "submit", org["employee"])
    assert [t.assignee.username for t in instance.open_tasks] == ["admin"]
    assert instance.open_tasks[0].fallback
    assert "找不到审批人" in instance.warning
    act(instance, "approve", org["admin"])
    assert instance.step_key == "gm"


def test_delegation_routes_open_and_new_tasks_and_shows_daiqian(make_request, org):
    first = make_request()
    for action, who in [("submit", "employee"), ("approve", "head")]:
        act(first, action, org[who])
    assert first.step_key == "gm"
    with pytest.raises(engine.WorkflowError):
        engine.transition(first, "approve", org["deputy"], "")
    db.session.rollback()
    delegation.create_delegation(
        org["gm"], org["deputy"], delegation.today() - timedelta(days=1), delegation.today() + timedelta(days=3),
        created_by=org["gm"],
    )  # fmt: skip
    db.session.commit()
    assert first in [t.instance for t in db.session.scalars(services.awaiting(org["deputy"]))]
    second = make_request()
    for action, who in [("submit", "employee"), ("approve", "head")]:
        act(second, action, org[who])
    assert notes_for(org["deputy"], "task"), "the delegate is notified of new tasks"
    act(first, "approve", org["deputy"])
    trail = services.trail(first)
    assert trail[-1]["actor"] == "李副总（代 王总）"
    assert access.can_view(org["deputy"], second)


def test_delegation_ends_and_tasks_return(make_request, org):
    instance = make_request()
    for action, who in [("submit", "employee"), ("approve", "head")]:
        act(instance, action, org[who])
    yesterday = delegation.today() - timedelta(days=1)
    delegation.create_delegation(
        org["gm"],
        org["deputy"],
        yesterday - timedelta(days=5),
        delegation.today(),
        created_by=org["admin"],
    )
    db.session.commit()
    assert db.session.scalars(services.awaiting(org["deputy"])).all()
    with clock.frozen(datetime.now(UTC) + timedelta(days=2)):
        assert not db.session.scalars(services.awaiting(org["deputy"])).all()
        with pytest.raises(engine.WorkflowError):
            engine.transition(instance, "approve", org["deputy"])
    db.session.rollback()


def test_delegation_refuses_bad_input(org):
    today = delegation.today()
    with pytest.raises(delegation.DelegationError, match="自己"):
        delegation.create_delegation(org["gm"], org["gm"], today, today, created_by=org["gm"])
    with pytest.raises(delegation.DelegationError, match="早于"):
        delegation.create_delegation(
            org["gm"], org["deputy"], today, today - timedelta(days=1), created_by=org["gm"]
        )


def test_cc_per_step_and_by_applicant_can_read(make_request, org):
    instance = make_request()
    for action, who in [("submit", "employee"), ("approve", "head")]:
        act(instance, action, org[who])
    assert access.can_view(org["adminhead"], instance)  # CC'd by the gm step
    assert not access.can_view(org["archivist"], instance)
    engine.add_watchers(instance, [org["archivist"]])
    db.session.commit()
    assert access.can_view(org["archivist"], instance)
    assert instance in db.session.scalars(services.copied_to(org["archivist"])).all()


def test_visibility_other_department_cannot_see(make_request, org):
    instance = make_request()
    act(instance, "submit", org["employee"])
    other = factories.user("outsider", dept=org["quality"].department)
    assert access.can_view(org["head"], instance)
    assert not access.can_view(other, instance)
    assert not access.can_edit(org["employee"], instance)


def test_void_keeps_number_and_requires_reason(make_request, org):
    instance = make_request()
    act(instance, "submit", org["employee"])
    with pytest.raises(engine.WorkflowError, match="作废原因"):
        engine.transition(instance, "void", org["admin"], "  ")
    db.session.rollback()
    act(instance, "void", org["admin"], "重复申请")
    assert instance.status == Status.VOIDED and instance.number.endswith("-0001")
    nxt = make_request()
    act(nxt, "submit", org["employee"])
    assert nxt.number.endswith("0002")


def test_resubmit_after_return_keeps_number(make_request, org):
    instance = make_request()
    act(instance, "submit", org["employee"])
    number = instance.number
    act(instance, "reject", org["head"], "请补充附件")
    assert notes_for(org["employee"], "result")
    act(instance, "submit", org["employee"])
    assert instance.number == number and instance.round == 2 and instance.step_key == "head"


def test_audit_events_are_append_only(make_request, org):
    instance = make_request()
    act(instance, "submit", org["employee"])
    event = db.session.scalars(select(AuditEvent)).first()
    event.comment = "tampered"
    with pytest.raises(AuditImmutableError):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent)).first()
    db.session.delete(event)
    with pytest.raises(AuditImmutableError):
        db.session.flush()
    db.session.rollback()


def test_every_status_change_is_audited(make_request, org):
    instance = make_request()
    for action, who in [
        ("submit", "employee"),
        ("reject", "head"),
        ("submit", "employee"),
        ("withdraw", "employee"),
    ]:
        act(instance, action, org[who], "理由")
    events = db.session.scalars(services.audit.events_for("workflow", instance.id)).all()
    changes = [
        (e.action, e.from_status, e.to_status) for e in events if e.from_status != e.to_status
    ]
    assert changes == [
        ("create", "", "draft"),
        ("submit", "draft", "in_progress"),
        ("reject", "in_progress", "returned"),
        ("submit", "returned", "in_progress"),
        ("withdraw", "in_progress", "withdrawn"),
    ]
    assert all(e.actor_id for e in events)


def test_business_deadline_reminder_and_escalation_are_idempotent(make_request, org):
    instance = make_request()
    with clock.frozen(MONDAY_10):
        act(instance, "submit", org["employee"])
    task = instance.open_tasks[0]
    # 8 business hours from Monday 10:00 (7.5 h until 17:30, then 0.5 h) -> Tuesday 09:00 Shanghai
    assert task.due_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    with clock.frozen(datetime(2026, 11, 24, 0, 0, tzinfo=UTC)):
        assert tick().reminders == 1
        assert tick().reminders == 0
    with clock.frozen(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)):
        first = tick()
        second = tick()
        assert task.overdue
    db.session.commit()
    assert (first.escalations, second.escalations) == (1, 0)
    assert len(notes_for(org["adminhead"], "escalation")) == 1
    assert len(notes_for(org["head"], "reminder")) == 1


def test_pause_moves_deadlines_by_the_paused_time(make_request, org):
    instance = make_request()
    with clock.frozen(MONDAY_10):
        act(instance, "submit", org["employee"])
    due = instance.open_tasks[0].due_at
    with clock.frozen(MONDAY_10 + timedelta(hours=1)):
        act(instance, "pause", org["head"], "等待客户样品")
    with clock.frozen(MONDAY_10 + timedelta(hours=3)):
        assert tick().escalations == 0
        act(instance, "resume", org["head"], "")
    assert instance.open_tasks[0].due_at == due + timedelta(hours=2)
    with pytest.raises(engine.WorkflowError, match="暂停原因"):
        engine.transition(instance, "pause", org["head"], "")
    db.session.rollback()


def test_submit_anchored_deadline_skips_paused_time(make_request, org):
    instance = make_request()
    with clock.frozen(MONDAY_10):
        act(instance, "submit", org["employee"])
        act(instance, "pause", org["head"], "等待")
    with clock.frozen(MONDAY_10 + timedelta(hours=5)):
        act(instance, "resume", org["head"])
        act(instance, "approve", org["head"])
    gm_task = instance.open_tasks[0]
    assert gm_task.due_at == MONDAY_10 + timedelta(hours=24 + 5)


def test_stage_records_whether_deadline_was_met(make_request, org):
    instance = make_request()
    with clock.frozen(MONDAY_10):
        act(instance, "submit", org["employee"])
    with clock.frozen(MONDAY_10 + timedelta(days=3)):
        act(instance, "approve", org["head"])
    assert services.trail(instance)[0]["on_time"] is False
    assert instance.tasks[0].status == TaskStatus.APPROVED
