"""The 用印申请 flow, table-driven: which steps a request goes through and who acts at each,
then the keeper's stamping, refusal and return, the seal's status and the overdue take-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.clock import now
from portal.extensions import db
from portal.notifications.models import Notification
from portal.seals import services
from portal.seals.models import SealStatus
from portal.seals.registers import REGISTER
from portal.workflow import access, delegation, engine
from portal.workflow import services as workflow
from portal.workflow.models import Status
from portal.workflow.tick import tick

# (seals, take out, applicant) -> the steps in order, each with the usernames who must act.
FLOWS = [
    (("公章",), False, "employee",
     [("head", {"head"}), ("gm", {"gm"}), ("stamp", {"adminoffice"})]),
    (("合同专用章",), False, "inspector",
     [("head", {"quality"}), ("gm", {"gm"}), ("stamp", {"adminoffice"})]),
    (("财务专用章",), False, "employee",  # 第十四条
     [("head", {"head"}), ("finance", {"finance"}), ("gm", {"gm"}), ("stamp", {"finance"})]),
    (("法定代表人名章",), False, "employee",
     [("head", {"head"}), ("finance", {"finance"}), ("gm", {"gm"}), ("stamp", {"adminhead"})]),
    (("公章", "财务专用章"), False, "employee",  # two keepers: both stamp (会签)
     [("head", {"head"}), ("finance", {"finance"}), ("gm", {"gm"}),
      ("stamp", {"adminoffice", "finance"})]),
    (("销售部章",), False, "employee",  # 第十六条: the department head alone
     [("head", {"head"}), ("stamp", {"head"})]),
    (("公章",), True, "employee",  # 第二十条: GM's special approval, then the return
     [("head", {"head"}), ("gm_take_out", {"gm"}), ("stamp", {"adminoffice"}),
      ("return", {"adminoffice"})]),
    (("销售部章",), True, "employee",  # even a department seal needs the GM to leave
     [("head", {"head"}), ("gm_take_out", {"gm"}), ("stamp", {"head"}), ("return", {"head"})]),
    (("公章",), False, "head",  # the head applying skips their own step
     [("gm", {"gm"}), ("stamp", {"adminoffice"})]),
    (("公章",), False, "adminoffice",  # a keeper applying still stamps their own seal
     [("head", {"adminhead"}), ("gm", {"gm"}), ("stamp", {"adminoffice"})]),
]  # fmt: skip


def act(record, step: str, user) -> None:
    """Take `step` the way its page does."""
    if step == "gm_take_out":
        services.approve_take_out(record, user, "")
    elif step == "stamp":
        items = services.stamping_items(record, user)
        services.stamp(record, user, [record.copies] * len(items), now(), now())
    elif step == "return":
        services.record_return(record, user, now())
    else:
        engine.transition(record.instance, "approve", user, "同意")
    db.session.commit()


@pytest.mark.parametrize(("names", "take_out", "applicant", "steps"), FLOWS)
def test_steps_and_assignees(make_request, org, names, take_out, applicant, steps):
    record = make_request(applicant, names, take_out=take_out)
    assert record.instance.number.startswith("YY-")
    for step, usernames in steps:
        instance = record.instance
        assert instance.step_key == step
        assert {t.assignee.username for t in instance.open_tasks} == usernames
        for username in sorted(usernames):
            act(record, step, org[username])
    assert record.instance.status == Status.COMPLETED
    assert all(item.stamped_at and item.copies_stamped == 3 for item in record.items)
    assert all(item.seal.status == SealStatus.IN_STOCK for item in record.items)


def test_take_out_seal_is_out_until_returned(make_request, org, seals):
    record = make_request(take_out=True)
    for step, who in [("head", "head"), ("gm_take_out", "gm"), ("stamp", "adminoffice")]:
        act(record, step, org[who])
    assert record.take_out_approved_at is not None
    assert seals["公章"].status == SealStatus.OUT and record.handed_over_at is not None
    # Nobody can stamp with a seal that is out (第二十一条).
    other = make_request()
    act(other, "head", org["head"])
    act(other, "gm", org["gm"])
    with pytest.raises(services.SealError, match="外借中"):
        services.stamp(other, org["adminoffice"], [3], now())
    db.session.rollback()
    act(record, "return", org["adminoffice"])
    assert seals["公章"].status == SealStatus.IN_STOCK and record.returned_at is not None
    history = db.session.scalars(services.seal_history(seals["公章"])).all()
    assert [e.action for e in history] == ["create", "stamp", "hand_over", "return"]
    assert history[-1].from_status == SealStatus.OUT


def test_keeper_refuses_with_reason_back_to_applicant(make_request, org):
    record = make_request()
    act(record, "head", org["head"])
    act(record, "gm", org["gm"])
    services.refuse(record, org["adminoffice"], "文件份数与申请不符")
    db.session.commit()
    instance = record.instance
    assert instance.status == Status.RETURNED
    assert "拒绝用印：文件份数与申请不符" in [t["comment"] for t in workflow.trail(instance)]
    services.save_request(record, org["employee"], _same(record, copies=2), submit=True)
    db.session.commit()
    assert instance.status == Status.IN_PROGRESS and instance.step_key == "head"


def _same(record, **changes) -> dict:
    data = {name: getattr(record, name) for name in services.REQUEST_FIELDS}
    return {**data, "seal_ids": record.seal_ids, **changes}


def test_only_the_keeper_stamps(make_request, org):
    record = make_request()
    act(record, "head", org["head"])
    act(record, "gm", org["gm"])
    for username in ["employee", "head", "gm", "admin", "finance", "adminhead"]:
        assert not access.can_act(org[username], record.instance, "stamp")
        with pytest.raises(engine.WorkflowError):
            services.stamp(record, org[username], [3], now())
    assert access.can_act(org["adminoffice"], record.instance, "stamp")


def test_deputy_approves_for_the_gm(make_request, org):
    record = make_request()
    act(record, "head", org["head"])
    today = delegation.today()
    delegation.create_delegation(org["gm"], org["deputy"], today, today, created_by=org["gm"])
    act(record, "gm", org["deputy"])
    act(record, "stamp", org["adminoffice"])
    assert workflow.last_approver(record.instance) == "李副总（代 王总）"
    assert "李副总（代 王总）" in [row["actor"] for row in workflow.trail(record.instance)]


def test_the_generic_action_cannot_skip_the_stamping_page(make_request, org, login, client):
    record = make_request()
    act(record, "head", org["head"])
    act(record, "gm", org["gm"])
    login("adminoffice")
    response = client.post(f"/workflow/{record.instance_id}/act", data={"action": "approve"})
    assert response.status_code == 422 and "办理页面" in response.text
    assert record.instance.step_key == "stamp"


def test_an_incomplete_draft_cannot_be_submitted(make_request, org):
    record = make_request(submit=False, document_name="", copies=None)
    with pytest.raises(engine.WorkflowError, match="请填写文件名称"):
        engine.transition(record.instance, "submit", org["employee"])
    actions = workflow.available_actions(record.instance, org["employee"])
    assert "submit" not in [a.action for a in actions]


def test_a_disabled_seal_cannot_be_submitted(make_request, org, seals):
    record = make_request(submit=False)
    data = {key: getattr(seals["公章"], key) for key in services.SEAL_FIELDS}
    services.save_seal(seals["公章"], {**data, "status": SealStatus.DISABLED}, org["admin"])
    with pytest.raises(engine.WorkflowError, match="已停用"):
        services.submit_request(record, org["employee"])


# --- the overdue take-out, with an injected clock ----------------------------------------------

MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _taken_out(make_request, org, returns_in: timedelta):
    with clock.frozen(MONDAY_9):
        record = make_request(take_out=True, expected_return_at=MONDAY_9 + returns_in)
        for step, who in [("head", "head"), ("gm_take_out", "gm"), ("stamp", "adminoffice")]:
            act(record, step, org[who])
    return record


def _notes(kind: str) -> set[str]:
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
    return {n.user.username for n in rows}


@pytest.mark.parametrize(
    ("loaded", "lead"), [(True, timedelta(hours=2)), (False, timedelta(hours=2))]
)
def test_take_out_reminded_then_overdue_and_escalated(make_request, org, request, loaded, lead):
    if loaded:
        request.getfixturevalue("procedure")  # the front matter's take_out_reminder: 2 hours
    record = _taken_out(make_request, org, timedelta(hours=8))
    due = record.expected_return_at
    task = record.instance.open_tasks[0]
    assert task.step_key == "return" and task.due_at == due
    with clock.frozen(due - lead - timedelta(minutes=1)):
        assert tick().reminders == 0
    with clock.frozen(due - lead + timedelta(minutes=1)):
        assert tick().reminders == 1 and tick().reminders == 0
    assert _notes("reminder") == {"adminoffice"}
    with clock.frozen(due - timedelta(minutes=1)):
        assert not record.overdue()
        assert REGISTER.row_class(record.items[0]) == ""
    with clock.frozen(due + timedelta(minutes=1)):
        assert record.overdue() and REGISTER.row_class(record.items[0]) == "overdue"
        assert tick().escalations == 1 and tick().escalations == 0
        db.session.commit()
    assert _notes("escalation") == {"adminoffice", "adminhead"}  # keeper and 行政办主任
    assert record.instance.status == Status.IN_PROGRESS  # still out until the keeper records it


def test_reminder_lead_time_comes_from_the_procedure(make_request, org, procedure):
    procedure.deadlines = {"take_out_reminder": {"hours": 5}}
    db.session.commit()
    record = _taken_out(make_request, org, timedelta(hours=8))
    with clock.frozen(record.expected_return_at - timedelta(hours=4, minutes=59)):
        assert tick().reminders == 1


def test_flask_workflow_tick_escalates_the_overdue_take_out(make_request, org, runner):
    record = _taken_out(make_request, org, timedelta(hours=1))
    with clock.frozen(record.expected_return_at + timedelta(hours=1)):
        result = runner.invoke(args=["workflow", "tick"])
    assert result.exit_code == 0 and "escalations 1" in result.output
    assert "adminhead" in _notes("escalation")


def test_late_return_is_recorded_and_clears_overdue(make_request, org, seals):
    record = _taken_out(make_request, org, timedelta(hours=1))
    with clock.frozen(record.expected_return_at + timedelta(hours=3)):
        services.record_return(record, org["adminoffice"], now(), "外出期间用印 1 份。")
        db.session.commit()
        assert not record.overdue()
    assert record.instance.status == Status.COMPLETED
    assert seals["公章"].status == SealStatus.IN_STOCK
    events = db.session.scalars(services.seal_history(seals["公章"])).all()
    assert "逾期" in next(e.comment for e in events if e.action == "return")
