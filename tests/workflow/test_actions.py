"""The approval actions, on the test-only demo flow (head → gm → board 会签 → done): 转交, 加签
before/after/parallel, 催办 with its limit, 评论 with @mention and attachment, 退回 to a chosen
step; and notifications that name the record, close with their task and reach the delegate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.extensions import db
from portal.files.services import Checked
from portal.notifications.models import Notification
from portal.workflow import access, delegation, engine, services
from portal.workflow.flow import register_flow
from portal.workflow.models import TaskStatus
from portal.workflow.path import approval_path
from tests.workflow.demo_form import DEMO_FLOW

MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def act(instance, action, user, comment="意见", **kw):
    engine.transition(instance, action, user, comment, **kw)
    db.session.commit()


def notes(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


@pytest.fixture
def at_head(make_request, org):
    instance = make_request(title="年度采购合同")
    act(instance, "submit", org["employee"])
    return instance


def test_transfer_hands_the_task_over_and_says_so(at_head, org):
    with pytest.raises(engine.WorkflowError, match="转交理由"):
        engine.transition(at_head, "transfer", org["head"], "", target=org["quality"])
    db.session.rollback()
    for who, target, message in [("gm", org["quality"], "只有当前步骤的处理人可以转交"),
                                 ("head", org["employee"], "不能交给申请人本人处理")]:  # fmt: skip
        with pytest.raises(engine.WorkflowError, match=message):
            engine.transition(at_head, "transfer", org[who], "出差", target=target)
        db.session.rollback()
    act(at_head, "transfer", org["head"], "出差一周", target=org["quality"])
    assert [t.assignee.username for t in at_head.open_tasks] == ["quality"]
    assert any(t.status == TaskStatus.TRANSFERRED for t in at_head.tasks)
    note = notes(org["quality"], "task")[-1]
    assert "《年度采购合同》测试申请：待您处理（部门负责人审批）（转交）" in note.message
    assert note.message.startswith(at_head.number)
    assert all(n.read_at for n in notes(org["head"], "task"))  # the old task's note is done
    assert ("已转交", "出差一周") in [
        (r["decision"], r["comment"]) for r in services.trail(at_head)
    ]
    act(at_head, "approve", org["quality"])
    assert at_head.step_key == "gm"


def test_an_administrator_transfers_the_task_of_someone_who_left(at_head, org):
    org["head"].active = False
    db.session.commit()
    task = at_head.open_tasks[0]
    act(at_head, "transfer", org["admin"], "赵经理已离职", target=org["adminhead"], task_id=task.id)
    assert [t.assignee.username for t in at_head.open_tasks] == ["adminhead"]


def test_add_signer_before_me_comes_back_to_me(at_head, org):
    act(
        at_head,
        "add_signer",
        org["head"],
        "请品质部先确认",
        target=org["quality"],
        position="before",
    )
    assert not access.can_act(org["head"], at_head)
    assert [t.assignee.username for t in at_head.open_tasks] == ["quality"]
    with pytest.raises(engine.WorkflowError, match="加签人不能再加签"):
        engine.transition(
            at_head, "add_signer", org["quality"], "x", target=org["gm"], position="after"
        )
    db.session.rollback()
    act(at_head, "approve", org["quality"])
    assert at_head.step_key == "head" and [t.assignee.username for t in at_head.open_tasks] == [
        "head"
    ]
    act(at_head, "approve", org["head"])
    assert at_head.step_key == "gm"


def test_add_signer_after_me_decides_once_i_have(at_head, org):
    act(at_head, "add_signer", org["head"], "请财务复核", target=org["finance"], position="after")
    assert [t.assignee.username for t in at_head.open_tasks] == ["head"]
    act(at_head, "approve", org["head"])
    assert at_head.step_key == "head" and [t.assignee.username for t in at_head.open_tasks] == [
        "finance"
    ]
    act(at_head, "approve", org["finance"])
    assert at_head.step_key == "gm"


def test_a_transferred_holder_still_hands_over_to_the_signer_added_after(at_head, org):
    act(at_head, "add_signer", org["head"], "请财务复核", target=org["finance"], position="after")
    act(at_head, "transfer", org["head"], "出差", target=org["quality"])
    act(at_head, "approve", org["quality"])
    assert at_head.step_key == "head"
    assert [t.assignee.username for t in at_head.open_tasks] == ["finance"]
    act(at_head, "approve", org["finance"])
    assert at_head.step_key == "gm"


def test_a_transferred_signer_added_before_still_hands_back(at_head, org):
    act(at_head, "add_signer", org["head"], "请品质部先确认", target=org["quality"],
        position="before")  # fmt: skip
    act(at_head, "transfer", org["quality"], "请财务代看", target=org["finance"])
    assert [t.assignee.username for t in at_head.open_tasks] == ["finance"]
    act(at_head, "approve", org["finance"])
    assert at_head.step_key == "head"
    assert [t.assignee.username for t in at_head.open_tasks] == ["head"]
    act(at_head, "approve", org["head"])
    assert at_head.step_key == "gm"


def test_add_signer_in_parallel_needs_us_both(at_head, org):
    with pytest.raises(engine.WorkflowError, match="不能交给申请人"):
        engine.transition(
            at_head, "add_signer", org["head"], "x", target=org["employee"], position="parallel"
        )
    db.session.rollback()
    act(at_head, "add_signer", org["head"], "会签", target=org["quality"], position="parallel")
    assert {t.assignee.username for t in at_head.open_tasks} == {"head", "quality"}
    act(at_head, "approve", org["head"])
    assert at_head.step_key == "head"
    act(at_head, "approve", org["quality"])
    assert at_head.step_key == "gm"


def test_remind_reaches_the_holders_at_most_every_two_business_hours(make_request, org):
    instance = make_request()
    with clock.frozen(MONDAY_10):
        act(instance, "submit", org["employee"])
        with pytest.raises(engine.WorkflowError, match="只有申请人或参与过的人"):
            engine.transition(instance, "remind", org["archivist"])
        db.session.rollback()
        act(instance, "remind", org["employee"], "")
        assert "张三催办，请尽快处理" in notes(org["head"], "remind")[-1].message
        with pytest.raises(engine.WorkflowError, match="可在 2026-11-23 12:00 后再次催办"):
            engine.transition(instance, "remind", org["employee"])
        db.session.rollback()
    with clock.frozen(MONDAY_10 + timedelta(hours=2)):
        act(instance, "remind", org["employee"], "")
    assert len(notes(org["head"], "remind")) == 2


def test_comment_with_mention_and_attachment(at_head, org):
    with pytest.raises(engine.WorkflowError, match="无权评论"):
        engine.transition(at_head, "comment", org["archivist"], "看看")
    db.session.rollback()
    upload = Checked("报价单.pdf", "application/pdf", PDF)
    act(
        at_head,
        "comment",
        org["head"],
        "请补充报价单",
        mentions=[org["employee"]],
        uploads=[upload],
    )
    assert "赵经理在评论中提到了您：请补充报价单" in notes(org["employee"], "mention")[0].message
    event = services.timeline(at_head)[-1]
    assert event.action == "comment" and event.comment == "@张三 请补充报价单"
    assert len(event.data["attachments"]) == 1


def test_a_crafted_mention_of_a_non_participant_notifies_nobody(at_head, org):
    before = len(services.timeline(at_head))
    with pytest.raises(
        engine.WorkflowError, match="只能提到本记录的参与人：陈档案 不是参与人"
    ) as err:
        engine.transition(at_head, "comment", org["head"], "看看",
                          mentions=[org["employee"], org["archivist"]])  # fmt: skip
    assert err.value.field == "mentions"
    db.session.rollback()
    assert notes(org["archivist"]) == [] and notes(org["employee"], "mention") == []
    assert len(services.timeline(at_head)) == before  # the whole comment was refused
    assert not access.can_view(org["archivist"], at_head)


def test_a_crafted_mention_over_http_is_refused_next_to_the_field(at_head, org, client, login):
    login("head")
    response = client.post(
        f"/workflow/{at_head.id}/act",
        data={"action": "comment", "comment": "看看", "mentions": [org["archivist"].id]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert 'id="wf-mentions-error"' in response.text and "陈档案 不是参与人" in response.text
    assert notes(org["archivist"]) == []


def test_participants_may_be_mentioned_including_a_delegate_acting_now(at_head, org):
    act(at_head, "approve", org["head"])
    today = delegation.today()
    delegation.create_delegation(org["gm"], org["deputy"], today, today + timedelta(days=2),
                                 created_by=org["gm"])  # fmt: skip
    db.session.commit()
    panel = services.panel(at_head, org["employee"])
    offered = {uid for uid, _ in panel["participants"]}
    assert {org["head"].id, org["gm"].id, org["deputy"].id} <= offered
    assert org["archivist"].id not in offered
    act(at_head, "comment", org["employee"], "请尽快", mentions=[org["deputy"], org["head"]])
    assert len(notes(org["deputy"], "mention")) == len(notes(org["head"], "mention")) == 1


def test_a_flow_may_let_comments_mention_anyone_and_copy_them_in(app, at_head, org):
    register_flow(app, replace(DEMO_FLOW, extra={"mention_grants_read": True}))
    panel = services.panel(at_head, org["head"])
    assert org["archivist"].id in {uid for uid, _ in panel["participants"]}
    act(at_head, "comment", org["head"], "请归档", mentions=[org["archivist"]])
    assert notes(org["archivist"], "mention") and access.can_view(org["archivist"], at_head)


def _head_node(instance):
    return next(n for n in approval_path(instance) if n["key"] == "head")


@pytest.mark.parametrize(
    ("position", "mode", "hows"),
    [
        ("before", "依次：加签人先审", ["", "前加签"]),
        ("after", "依次：加签人后审", ["", "后加签"]),
        ("parallel", "全部：与加签人会签", ["", "并加签"]),
    ],
)
def test_the_path_says_how_an_added_signer_decides(at_head, org, position, mode, hows):
    assert _head_node(at_head)["mode"] == ""
    act(at_head, "add_signer", org["head"], "请复核", target=org["quality"], position=position)
    node = _head_node(at_head)
    assert node["mode"] == mode and "任一人" not in node["mode"]
    assert [p["how"] for p in node["people"]] == hows


def test_the_path_counts_a_transferred_task_once_and_keeps_or_and_all(at_head, org):
    board = next(n for n in approval_path(at_head) if n["key"] == "board")
    assert board["mode"] == "全部" and len(board["people"]) == 2
    act(at_head, "transfer", org["head"], "出差", target=org["quality"])
    assert _head_node(at_head)["mode"] == ""  # not "任一人": one person decides


def test_send_back_to_a_chosen_earlier_step(at_head, org):
    act(at_head, "approve", org["head"])
    act(at_head, "approve", org["gm"])
    assert at_head.step_key == "board"
    with pytest.raises(engine.WorkflowError, match="只能退回到本轮已经处理过的步骤"):
        engine.transition(at_head, "send_back", org["quality"], "x", target_step="done")
    db.session.rollback()
    act(at_head, "send_back", org["quality"], "金额有误", target_step="head")
    assert at_head.step_key == "head" and [t.assignee.username for t in at_head.open_tasks] == [
        "head"
    ]


def test_notifications_name_the_record_close_with_their_task_and_reach_the_delegate(at_head, org):
    task_note = notes(org["head"], "task")[-1]
    assert (
        task_note.message == f"{at_head.number}《年度采购合同》测试申请：待您处理（部门负责人审批）"
    )
    act(at_head, "approve", org["head"])
    db.session.refresh(task_note)
    assert task_note.read_at is not None  # done once the task closed
    progress = notes(org["employee"], "progress")[-1].message
    assert progress == f"{at_head.number}《年度采购合同》测试申请：赵经理已同意，待王总处理"
    today = delegation.today()
    delegation.create_delegation(org["gm"], org["deputy"], today, today + timedelta(days=2),
                                 created_by=org["gm"])  # fmt: skip
    db.session.commit()
    assert "待您代 王总 处理（总经理审批）" in notes(org["deputy"], "task")[-1].message
    org["employee"].notify_each_step = False
    db.session.commit()
    act(at_head, "approve", org["deputy"])
    assert len(notes(org["employee"], "progress")) == 1  # the result only, from now on


def test_batch_approval_takes_approval_steps_without_a_page(make_request, org, client, login):
    first, second = make_request(), make_request()
    for instance in (first, second):
        act(instance, "submit", org["employee"])
    login("head")
    page = client.get("/inbox").text
    assert "批量同意所选" in page and "共 2 件" in page
    tasks = [first.open_tasks[0].id, second.open_tasks[0].id, 999999]
    response = client.post("/inbox/approve", data={"task_ids": tasks})
    assert response.status_code == 303
    db.session.expire_all()
    assert first.step_key == second.step_key == "gm"
    assert "不能批量同意" in client.get("/inbox").text  # the unknown task was reported
