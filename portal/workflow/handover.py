"""Handing over the open tasks of someone who has left (or is about to): a system administrator
picks tasks and a new holder, and each task goes through the engine's own 转交, so the trail,
the notification of the new holder and the audit row are those of an ordinary 转交."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.auth.models import User
from portal.extensions import db
from portal.workflow.engine import WorkflowError, transition
from portal.workflow.models import Instance, Status, Task, TaskStatus


def _running(query, status: str = TaskStatus.OPEN):
    return query.where(
        Task.status == status,
        Instance.status == Status.IN_PROGRESS,
        Task.step_key == Instance.step_key,
    )


def open_tasks_of(user: User):
    """The tasks `user` holds now (what their 待我审批 lists, delegations aside), oldest first,
    with each record and its applicant loaded."""
    query = (
        select(Task)
        .join(Task.instance)
        .options(contains_eager(Task.instance).joinedload(Instance.applicant))
        .where(Task.assignee_id == user.id)
    )
    return _running(query).order_by(Task.created_at, Task.id)


def held_count(user: User) -> int:
    """Tasks of `user` waiting for a signer they added before themselves (加签): they come back
    to `user` later, and can be handed over then."""
    query = select(func.count(Task.id)).join(Task.instance).where(Task.assignee_id == user.id)
    return db.session.scalar(_running(query, TaskStatus.HELD))


def open_task_counts() -> dict[int, int]:
    """Open tasks per holder, for the user list (one statement)."""
    query = select(Task.assignee_id, func.count(Task.id)).join(Task.instance)
    return dict(db.session.execute(_running(query).group_by(Task.assignee_id)).all())


def candidates(leaver: User) -> list[tuple[int, str]]:
    """Who may take over: active users other than the leaver, as (id, "姓名（用户名）")."""
    query = select(User).where(User.active.is_(True), User.id != leaver.id)
    users = db.session.scalars(query.order_by(User.department_id, User.id))
    return [(u.id, f"{u.display_name}（{u.username}）") for u in users]


def target_problem(leaver: User, target: User | None) -> str | None:
    """Why `target` cannot take over `leaver`'s tasks, or None (the form and the service share
    this check; the engine adds its own per record, e.g. not the applicant)."""
    if target is None:
        return "请选择接手人。"
    if target.id == leaver.id:
        return f"不能转交给 {target.display_name} 本人，请选择其他人员。"
    if not target.active:
        return f"{target.display_name} 已停用，请选择一位在职的人员。"
    return None


def hand_over(
    leaver: User, task_ids, target: User | None, actor: User, reason: str
) -> list[Instance]:
    """Transfer the chosen open tasks of `leaver` to `target`, one engine 转交 per task, all or
    nothing: any refusal raises WorkflowError (its `field` names the form field) listing every
    record refused, and the caller rolls back. Returns the records handed over; the caller
    commits."""
    problem = target_problem(leaver, target)
    if problem:
        raise WorkflowError(problem, field="target_id")
    if not reason.strip():
        raise WorkflowError("请填写转交理由。", field="reason")
    wanted = list(dict.fromkeys(task_ids or ()))
    if not wanted:
        raise WorkflowError("请至少勾选一项要转交的任务。", field="task_ids")
    tasks = db.session.scalars(open_tasks_of(leaver).where(Task.id.in_(wanted))).unique().all()
    if len(tasks) != len(wanted):
        raise WorkflowError(
            "所选任务中有已被处理或不属于该用户的，请刷新页面后重新选择。", field="task_ids"
        )
    refused, done = [], []
    for task in tasks:
        instance = task.instance
        try:
            with db.session.begin_nested():
                transition(instance, "transfer", actor, reason, target=target, task_id=task.id)
        except WorkflowError as exc:
            refused.append(f"{instance.number or instance.title}：{exc}")
        else:
            done.append(instance)
    if refused:
        raise WorkflowError("以下记录不能转交，均未转交：" + "；".join(refused), field="task_ids")
    return done
