"""转交, 加签, 催办 and 评论 outside the approval: refused on a draft, a completed and a voided
record with a message that says why (nothing recorded, nobody notified), except 评论, which any
reader may add once the record is submitted, finished or not."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.workflow import engine, services
from portal.workflow.models import Status

STATES = {"draft": Status.DRAFT, "completed": Status.COMPLETED, "voided": Status.VOIDED}
NOT_RUNNING = "该申请当前不在审批中"
NOBODY_WAITING = "该申请当前没有待处理的人"


def _act(instance, action, user, comment="意见", **kw):
    engine.transition(instance, action, user, comment, **kw)
    db.session.commit()


@pytest.fixture
def record_in(make_request, org):
    """record_in("draft" | "completed" | "voided") -> a demo request in that state."""

    def _make(state):
        instance = make_request(title="状态测试")
        if state == "draft":
            return instance
        _act(instance, "submit", org["employee"])
        if state == "voided":
            _act(instance, "void", org["admin"], "重复申请")
            return instance
        for who in ("head", "gm", "quality", "service"):
            _act(instance, "approve", org[who])
        _act(instance, "complete", org["adminoffice"])
        return instance

    return _make


def _extras(org, action):
    if action in ("transfer", "add_signer"):
        return {"target": org["quality"], "position": "before"}
    if action == "comment":
        return {"mentions": [org["employee"]]}
    return {}


# (state, action, who, the refusal or None where the design allows it)
CASES = [
    ("draft", "transfer", "head", NOT_RUNNING),
    ("draft", "transfer", "admin", NOT_RUNNING),
    ("draft", "add_signer", "head", NOT_RUNNING),
    ("draft", "remind", "employee", NOBODY_WAITING),
    ("draft", "comment", "employee", "草稿提交后才能评论"),
    ("completed", "transfer", "adminoffice", NOT_RUNNING),
    ("completed", "transfer", "admin", NOT_RUNNING),
    ("completed", "add_signer", "adminoffice", NOT_RUNNING),
    ("completed", "remind", "employee", NOBODY_WAITING),
    ("completed", "comment", "head", None),
    ("voided", "transfer", "head", NOT_RUNNING),
    ("voided", "transfer", "admin", NOT_RUNNING),
    ("voided", "add_signer", "head", NOT_RUNNING),
    ("voided", "remind", "employee", NOBODY_WAITING),
    ("voided", "comment", "head", None),
]


@pytest.mark.parametrize(("state", "action", "who", "refusal"), CASES)
def test_actions_outside_the_approval(record_in, org, state, action, who, refusal):
    instance = record_in(state)
    assert instance.status == STATES[state]
    events = len(services.timeline(instance))
    sent = db.session.scalar(select(func.count()).select_from(Notification))
    offered = {b.action for b in services.available_actions(instance, org[who])}
    if refusal is None:
        assert action in offered
        _act(instance, action, org[who], "补充说明", **_extras(org, action))
        assert instance.status == STATES[state]  # a comment changes nothing else
        event = services.timeline(instance)[-1]
        assert event.action == action and event.comment == "@张三 补充说明"
        assert event.from_status == event.to_status == STATES[state]
        mention = db.session.scalars(
            select(Notification).where(
                Notification.user_id == org["employee"].id, Notification.kind == "mention"
            )
        ).one()
        assert "补充说明" in mention.message
        return
    assert action not in offered  # the panel offers only what the engine allows
    with pytest.raises(engine.WorkflowError, match=refusal):
        engine.transition(instance, action, org[who], "理由", **_extras(org, action))
    db.session.rollback()
    assert len(services.timeline(instance)) == events
    assert db.session.scalar(select(func.count()).select_from(Notification)) == sent
