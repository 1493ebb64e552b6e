"""Separation of duties on seal requests, as found when the portal was tried: nobody approves
their own request through a delegation, and a request never reaches stamping without an
independent approval unless the flow says why (the GM's own request), on screen and on the PDF.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.seals import pages
from portal.workflow import access, delegation, engine
from portal.workflow import services as workflow
from portal.workflow.models import TaskStatus
from tests.pdftext import pdftotext


def delegate(org, principal: str, to: str, form_type: str | None = None) -> None:
    today = delegation.today()
    delegation.create_delegation(
        org[principal], org[to], today - timedelta(days=1), today + timedelta(days=5),
        created_by=org[principal], form_type=form_type,
    )  # fmt: skip
    db.session.commit()


def test_gm_delegate_cannot_approve_their_own_request(make_request, org, client, login):
    """gm delegates to deputy; deputy applies: both approvals stay with the GM."""
    delegate(org, "gm", "deputy")
    record = make_request(applicant="deputy")
    instance = record.instance
    assert instance.step_key == "head"  # 总经理办公室's head is the GM
    with pytest.raises(engine.WorkflowError, match="不能代 王总 审批自己的申请"):
        engine.transition(instance, "approve", org["deputy"], "同意")
    db.session.rollback()
    assert not access.can_act(org["deputy"], instance)
    assert instance not in [
        t.instance for t in db.session.scalars(workflow.awaiting(org["deputy"]))
    ]
    login("deputy")
    page = client.get(f"/seals/{record.id}").text
    assert "您是申请人，不能代 王总 审批自己的申请；该任务仍由 王总 处理。" in page
    assert "委托 李副总 代理" not in page  # the pending line does not offer the delegate
    engine.transition(instance, "approve", org["gm"], "同意")
    db.session.commit()
    assert instance.step_key == "gm"
    with pytest.raises(engine.WorkflowError):
        engine.transition(instance, "approve", org["deputy"], "同意")
    db.session.rollback()
    engine.transition(instance, "approve", org["gm"], "同意")
    db.session.commit()
    assert instance.step_key == "stamp"
    deciders = {t.actor.username for t in instance.tasks if t.status == TaskStatus.APPROVED}
    assert deciders == {"gm"}


def test_head_delegate_who_applies_cannot_approve(make_request, org):
    delegate(org, "head", "employee", form_type="seals")
    record = make_request(applicant="employee")
    with pytest.raises(engine.WorkflowError, match="不能代 赵经理"):
        engine.transition(record.instance, "approve", org["employee"], "同意")
    db.session.rollback()
    # The same delegation still works on someone else's request.
    other = make_request(applicant="head", names=("公章",))
    assert other.instance.step_key == "gm"  # the head's own step is skipped
    assert not access.can_act(org["employee"], other.instance)  # not the GM's delegate


def test_delegate_is_not_notified_of_their_own_request(make_request, org):
    from portal.notifications.models import Notification

    delegate(org, "gm", "deputy")
    make_request(applicant="deputy")
    notes = db.session.scalars(
        db.select(Notification).where(
            Notification.user_id == org["deputy"].id, Notification.kind == "task"
        )
    ).all()
    assert notes == []


def test_gm_own_request_says_why_it_has_no_independent_approval(make_request, org, client, login):
    record = make_request(applicant="gm")
    instance = record.instance
    assert instance.step_key == "stamp"
    skipped = [t for t in instance.tasks if t.status == TaskStatus.SKIPPED]
    assert [t.step_key for t in skipped] == ["head", "gm"]
    trail = workflow.trail(instance)
    assert [(r["step"], r["decision"], r["comment"]) for r in trail] == [
        ("部门负责人审核", "自动跳过", "申请人即审批人，自动跳过"),
        ("总经理审批", "自动跳过", "申请人即审批人，自动跳过"),
    ]
    login("gm")
    page = client.get(f"/seals/{record.id}").text
    assert "无独立审批：申请人为总经理本人" in page
    assert "申请人即审批人，自动跳过" in page
    text = pdftotext(pages.request_pdf(record)[0])
    assert "无独立审批" in text and "申请人即审批人，自动跳过" in text


def test_head_applying_for_a_department_seal_goes_up_to_the_gm(make_request, org):
    """第十六条 asks only the department head; when the head applies, the GM approves."""
    record = make_request(applicant="head", names=("销售部章",))
    assert record.instance.step_key == "gm"
    engine.transition(record.instance, "approve", org["gm"], "同意")
    db.session.commit()
    assert record.instance.step_key == "stamp"
    assert access.can_act(org["head"], record.instance, "stamp")  # the keeper still stamps
