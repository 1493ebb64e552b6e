"""Separation of duties in the engine, on a test-only flow: the applicant never decides an
approval of their own request; a step can go up to named people instead of being skipped; a step
can require someone other than an earlier step's decider; an execution step is never reached
without an independent approval unless the flow names why."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.workflow import access, engine
from portal.workflow import services as workflow
from portal.workflow.flow import (
    ApplicantHead,
    Flow,
    HasRole,
    NamedUser,
    Numbering,
    Step,
    register_flow,
)
from portal.workflow.models import TaskStatus
from tests.workflow.demo_form import DemoRequest

CHECKED = Flow(
    key="sod",
    name="职责分离测试",
    numbering=Numbering("SD"),
    model=DemoRequest,
    steps=(
        Step("check", "品质审核", HasRole("quality")),  # 或签 of quality and inspector
        Step("approve", "负责人审批", NamedUser("head"), on_applicant=NamedUser("gm")),
        Step("do", "执行", HasRole("admin_staff"), kind="stage", execution=True),
        Step("verify", "复核", HasRole("quality"), kind="stage", distinct_from=("check",)),
    ),
    detail_endpoint="home.index",
    title=lambda r: r.title,
)
SELF_ONLY = Flow(
    key="sod_self",
    name="仅部门审批",
    numbering=Numbering("SS", period="none"),
    model=DemoRequest,
    steps=(
        Step("head", "部门负责人审批", ApplicantHead()),
        Step("do", "执行", HasRole("admin_staff"), kind="stage", execution=True),
    ),
    detail_endpoint="home.index",
    title=lambda r: r.title,
)


@pytest.fixture
def start(app, org):
    register_flow(app, CHECKED)
    register_flow(app, SELF_ONLY)

    def _start(flow: str, applicant: str):
        record = DemoRequest()
        db.session.add(record)
        db.session.flush()
        instance = engine.start(flow, record, org[applicant])
        db.session.commit()
        return instance

    return _start


def act(instance, action, user, **kw):
    engine.transition(instance, action, user, "意见", **kw)
    db.session.commit()


def test_the_others_on_a_step_carry_on_without_the_applicant(start, org):
    instance = start("sod", "inspector")
    act(instance, "submit", org["inspector"])
    assert [t.assignee.username for t in instance.open_tasks] == ["quality"]


def test_a_step_goes_up_when_the_applicant_is_its_approver(start, org):
    instance = start("sod", "head")
    act(instance, "submit", org["head"])
    act(instance, "approve", org["quality"])
    assert instance.step_key == "approve"
    assert [t.assignee.username for t in instance.open_tasks] == ["gm"]


def test_a_step_must_be_decided_by_someone_else_than_an_earlier_one(start, org):
    instance = start("sod", "employee")
    act(instance, "submit", org["employee"])
    act(instance, "approve", org["quality"])
    act(instance, "approve", org["head"])
    act(instance, "complete", org["adminoffice"])
    assert instance.step_key == "verify"
    # quality approved the check, so only inspector is asked to verify
    assert [t.assignee.username for t in instance.open_tasks] == ["inspector"]
    assert not access.can_act(org["quality"], instance)
    with pytest.raises(engine.WorkflowError):
        engine.transition(instance, "complete", org["quality"], "")
    db.session.rollback()
    act(instance, "complete", org["inspector"])
    assert instance.completed_at is not None


def test_no_execution_without_an_independent_approval(start, org):
    """The head's own request: the only approval step is the head's. The flow does not say why
    that may go on, so the submit is refused and nothing is saved."""
    instance = start("sod_self", "head")
    with pytest.raises(engine.WorkflowError, match="没有经过任何独立审批"):
        engine.transition(instance, "submit", org["head"], "")
    db.session.rollback()
    assert instance.status == "draft" and instance.number is None
    other = start("sod_self", "employee")
    act(other, "submit", org["employee"])
    assert other.number == "SS-0001"  # the refused submit gave no number away
    act(other, "approve", org["head"])
    assert other.step_key == "do"


def test_a_delegate_never_acts_on_their_own_record(start, org):
    from datetime import timedelta

    from portal.workflow import delegation

    today = delegation.today()
    delegation.create_delegation(
        org["head"], org["employee"], today, today + timedelta(days=3), created_by=org["head"]
    )
    db.session.commit()
    instance = start("sod", "employee")
    act(instance, "submit", org["employee"])
    act(instance, "approve", org["quality"])
    assert instance.step_key == "approve"
    ctx = engine.Ctx(CHECKED, instance, None, org["employee"])
    assert engine.acting_task(ctx) is None
    assert "不能代 赵经理 审批自己的申请" in engine.why_not(ctx, org["employee"])
    assert workflow.pending(instance)[0]["delegate"] == ""
    assert instance not in [
        t.instance for t in db.session.scalars(workflow.awaiting(org["employee"]))
    ]
    # The delegation still holds for other people's records.
    theirs = start("sod", "inspector")
    act(theirs, "submit", org["inspector"])
    act(theirs, "approve", org["quality"])
    assert access.can_act(org["employee"], theirs)
    act(theirs, "approve", org["employee"])
    approved = next(t for t in theirs.tasks if t.step_key == "approve")
    assert approved.status == TaskStatus.APPROVED and approved.on_behalf_of.username == "head"
