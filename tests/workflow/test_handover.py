"""Handing over the open tasks of a user who has left (issue 11): the service, which runs one
engine 转交 per task (trail, notifications, audit as an ordinary 转交) all or nothing, and the
administrator's page /admin/users/<id>/tasks with its bad input answered 422 beside the field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.notifications.models import Notification
from portal.workflow import engine, handover, services
from portal.workflow.models import Task, TaskStatus
from tests import factories


def act(instance, action, user, comment="意见", **kw):
    engine.transition(instance, action, user, comment, **kw)
    db.session.commit()


def task_notes(user):
    query = select(Notification).where(Notification.user_id == user.id, Notification.kind == "task")
    return db.session.scalars(query.order_by(Notification.id)).all()


def transfers():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transfer")).all()


@pytest.fixture
def leaver_tasks(make_request, org):
    """Two records at 赵经理 (head of 销售部): one by 张三, one by a colleague of his."""
    colleague = factories.user("colleague", "钱同事", dept=org["employee"].department)
    db.session.commit()
    org["colleague"] = colleague
    first = make_request(title="年度采购合同")
    second = make_request(applicant="colleague", title="展会场地租赁")
    for instance in (first, second):
        act(instance, "submit", instance.applicant)
    return first, second


def holder_names(instance):
    return [t.assignee.username for t in instance.open_tasks]


# --- the service ------------------------------------------------------------------------------


def test_open_tasks_of_lists_what_the_user_holds_now(leaver_tasks, org):
    first, second = leaver_tasks
    tasks = db.session.scalars(handover.open_tasks_of(org["head"])).all()
    assert [t.instance_id for t in tasks] == [first.id, second.id]
    assert handover.open_task_counts() == {org["head"].id: 2}
    assert (org["head"].id, "赵经理（head）") not in handover.candidates(org["head"])


def test_hand_over_transfers_each_task_through_the_engine(leaver_tasks, org):
    first, second = leaver_tasks
    org["head"].active = False
    db.session.commit()
    ids = [t.id for t in db.session.scalars(handover.open_tasks_of(org["head"]))]
    done = handover.hand_over(org["head"], ids, org["quality"], org["admin"], "赵经理已离职")
    db.session.commit()
    assert done == [first, second]
    for instance in (first, second):
        assert holder_names(instance) == ["quality"]
        assert instance.open_tasks[0].position == "transfer"
        old = next(t for t in instance.tasks if t.status == TaskStatus.TRANSFERRED)
        assert (old.assignee_id, old.actor_id) == (org["head"].id, org["admin"].id)
        row = next(r for r in services.trail(instance) if r["decision"] == "已转交")
        assert row["comment"] == "赵经理已离职"
        assert "赵经理" in row["actor"]  # 系统管理员（代 赵经理）
    # the audit: one 转交 per record, by the administrator on behalf of the leaver
    events = transfers()
    assert sorted(e.subject_id for e in events) == sorted([first.id, second.id])
    assert all(e.actor_id == org["admin"].id and e.on_behalf_of_id == org["head"].id
               for e in events)  # fmt: skip
    assert all(e.comment == "转交给 吴经理：赵经理已离职" for e in events)
    # the new holder is told, once per record; the leaver's 待您处理 are done
    new = task_notes(org["quality"])
    assert len(new) == 2 and all("待您处理（部门负责人审批）（转交）" in n.message for n in new)
    assert {first.number, second.number} == {n.message.split("《")[0] for n in new}
    assert all(n.read_at for n in task_notes(org["head"]))
    # and the new holder decides as any holder would
    act(first, "approve", org["quality"])
    assert first.step_key == "gm"


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("no target", "target_id", "请选择接手人。"),
        ("inactive", "target_id", "孙主任 已停用，请选择一位在职的人员。"),
        ("the leaver", "target_id", "不能转交给 赵经理 本人"),
        ("no tasks", "task_ids", "请至少勾选一项要转交的任务。"),
        ("no reason", "reason", "请填写转交理由。"),
        ("not theirs", "task_ids", "已被处理或不属于该用户"),
    ],
)
def test_hand_over_refuses_bad_input(leaver_tasks, org, case, field, message):
    org["adminhead"].active = False
    db.session.commit()
    ids = [t.id for t in db.session.scalars(handover.open_tasks_of(org["head"]))]
    target, reason = org["quality"], "离职"
    if case == "no target":
        target = None
    elif case == "inactive":
        target = org["adminhead"]
    elif case == "the leaver":
        target = org["head"]
    elif case == "no tasks":
        ids = []
    elif case == "no reason":
        reason = "  "
    elif case == "not theirs":
        ids = [*ids, ids[-1] + 1000]
    with pytest.raises(engine.WorkflowError, match=message) as refused:
        handover.hand_over(org["head"], ids, target, org["admin"], reason)
    assert refused.value.field == field
    db.session.rollback()
    assert transfers() == [] and task_notes(org["quality"]) == []


def test_hand_over_is_all_or_nothing_when_the_engine_refuses_one(leaver_tasks, org):
    first, second = leaver_tasks
    ids = [t.id for t in db.session.scalars(handover.open_tasks_of(org["head"]))]
    # 张三 applied for the first record: the engine refuses to hand it to him
    with pytest.raises(engine.WorkflowError) as refused:
        handover.hand_over(org["head"], ids, org["employee"], org["admin"], "离职")
    db.session.rollback()
    assert refused.value.field == "task_ids"
    assert f"{first.number}：不能交给申请人本人处理。" in str(refused.value)
    assert second.number not in str(refused.value)
    assert holder_names(first) == holder_names(second) == ["head"]
    assert transfers() == [] and task_notes(org["employee"]) == []


# --- the page ---------------------------------------------------------------------------------


def page_url(org):
    return f"/admin/users/{org['head'].id}/tasks"


def test_the_page_lists_the_tasks_and_hands_them_over(leaver_tasks, org, client, login):
    first, second = leaver_tasks
    login("admin")
    response = client.get(page_url(org))
    assert response.status_code == 200
    text = response.text
    for expected in (first.number, "年度采购合同", "展会场地租赁", "测试申请", "部门负责人审批"):
        assert expected in text
    assert text.count('name="task_ids"') == 2 and text.count("checked") >= 2
    assert f'value="{org["head"].id}">赵经理' not in text  # not offered as the new holder
    ids = [t.id for t in db.session.scalars(handover.open_tasks_of(org["head"]))]
    response = client.post(
        page_url(org),
        data={"task_ids": ids[:1], "target_id": org["quality"].id, "reason": "赵经理已离职"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(page_url(org))
    assert holder_names(first) == ["quality"] and holder_names(second) == ["head"]
    page = client.get(page_url(org)).text
    assert f"已将 1 项任务转交给 吴经理：{first.number}" in page
    assert page.count('name="task_ids"') == 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no target", "请选择接手人。"),
        ("inactive", "孙主任 已停用，请选择一位在职的人员。"),
        ("the leaver", "不能转交给 赵经理 本人，请选择其他人员。"),
        ("no tasks", "请至少勾选一项要转交的任务。"),
        ("no reason", "请填写转交理由。"),
        ("the applicant", "不能交给申请人本人处理。"),
    ],
)
def test_bad_input_is_answered_beside_the_field_and_nothing_is_saved(
    leaver_tasks, org, client, login, case, message
):
    org["adminhead"].active = False
    db.session.commit()
    login("admin")
    ids = [t.id for t in db.session.scalars(handover.open_tasks_of(org["head"]))]
    data = {"task_ids": ids, "target_id": org["quality"].id, "reason": "赵经理已于本月离职"}
    field = {"no target": "target_id", "inactive": "target_id", "the leaver": "target_id",
             "no tasks": "task_ids", "no reason": "reason", "the applicant": "task_ids"}[case]  # fmt: skip
    if case == "no target":
        data["target_id"] = ""
    elif case == "inactive":
        data["target_id"] = org["adminhead"].id
    elif case == "the leaver":
        data["target_id"] = org["head"].id
    elif case == "no tasks":
        del data["task_ids"]
    elif case == "no reason":
        data["reason"] = ""
    elif case == "the applicant":
        data["target_id"] = org["employee"].id
    response = client.post(page_url(org), data=data)
    assert response.status_code == 422
    text = response.text
    block = re.search(rf'id="field-{field}".*?</(div|fieldset)>', text, re.S).group(0)
    assert message in block  # next to its field
    if case != "no reason":
        assert "赵经理已于本月离职" in text  # the reason typed is kept
    if case not in ("no target", "the leaver", "inactive"):
        assert re.search(rf'<option selected value="{data["target_id"]}"|'
                         rf'<option value="{data["target_id"]}" selected', text)  # fmt: skip
    assert transfers() == []
    assert all(holder_names(i) == ["head"] for i in leaver_tasks)


def test_without_a_csrf_token_nothing_is_saved(app, leaver_tasks, org, client):
    from portal.core.forms import CSRF_MESSAGE
    from tests.conftest import Auth

    # CSRF on for this app (the test config turns it off): checked at each request.
    app.config["WTF_CSRF_ENABLED"] = True
    Auth(client).as_user(org["admin"])
    ids = [t.id for t in db.session.scalars(handover.open_tasks_of(org["head"]))]
    data = {"task_ids": ids, "target_id": org["quality"].id, "reason": "离职"}
    response = client.post(page_url(org), data=data)
    assert response.status_code == 422
    assert CSRF_MESSAGE in response.text and "离职" in response.text
    assert db.session.scalar(select(Task.id).where(Task.assignee_id == org["quality"].id)) is None


def test_deactivating_a_user_who_holds_tasks_points_to_the_hand_over(
    leaver_tasks, org, client, login
):
    login("admin")
    head = org["head"]
    users = client.get("/admin/users").text
    assert f'href="/admin/users/{head.id}/tasks">2 项</a>' in users
    data = {"username": "head", "display_name": head.display_name, "department_id":
            head.department_id, "roles": ["employee"], "active": ""}  # fmt: skip
    response = client.post(f"/admin/users/{head.id}/edit", data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(page_url(org))
    page = client.get(page_url(org)).text
    assert "赵经理 已停用，仍有 2 项待办任务，请转交给其他人员。" in page
    assert "已停用，请转交" in client.get("/admin/users").text
    assert "查看并转交" in client.get(f"/admin/users/{head.id}/edit").text


def test_a_user_without_tasks_is_said_to_have_none(org, client, login):
    login("admin")
    response = client.get(f"/admin/users/{org['finance'].id}/tasks")
    assert response.status_code == 200 and "当前没有待处理的任务" in response.text
    data = {"username": "finance", "display_name": "钱会计", "roles": ["employee"]}
    response = client.post(f"/admin/users/{org['finance'].id}/edit", data=data)
    assert response.headers["Location"].endswith("/admin/users")


def test_the_page_runs_as_many_statements_for_three_tasks_as_for_two(
    leaver_tasks, org, client, login, make_request
):
    from sqlalchemy import event

    login("admin")

    def statements() -> int:
        seen = []
        db.session.commit()  # a fresh identity map, as each production request has

        def count(*_):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(page_url(org)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    statements()  # warm the per-process caches (the nav's delegation lookups)
    two = statements()
    org["newcomer"] = factories.user("newcomer", "新同事", dept=org["employee"].department)
    third = make_request(applicant="newcomer", title="第三件")  # another applicant to load
    act(third, "submit", third.applicant)
    assert statements() == two
