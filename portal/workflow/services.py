"""Workflow read side: permission predicates, available actions, inbox queries, the trail."""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context, request, url_for
from sqlalchemy import and_, exists, false, func, inspect, or_, select
from sqlalchemy.orm.attributes import set_committed_value

import portal.workflow.delegation as delegation
from portal.auth.models import User
from portal.core import audit
from portal.core.clock import format_local, now
from portal.extensions import db
from portal.workflow.access import acting_principals
from portal.workflow.engine import (
    Ctx,
    acting_task,
    actions_of,
    independent_approvals,
    load_record,
    why_not,
)
from portal.workflow.flow import all_flows, family_keys, get_flow
from portal.workflow.models import DECIDED, Instance, Status, Task, TaskStatus, Watcher
from portal.workflow.naming import actor_label, done_label

# --- actions (views and templates use the same predicates) ---------------------------------


@dataclass(frozen=True)
class ActionButton:
    action: str
    label: str
    style: str = ""
    needs_comment: bool = False
    comment_label: str = "意见"
    url: str | None = None  # the step page that carries out this step instead


def available_actions(instance: Instance, user: User) -> list[ActionButton]:
    """The actions `user` may take now, in display order (the template shows exactly these)."""
    if not user.is_authenticated:
        return []
    flow = get_flow(instance.form_type)
    ctx = Ctx(flow, instance, load_record(flow, instance), user)
    step = ctx.step
    buttons = []
    for spec in actions_of(flow):
        if spec.refusal(ctx) is not None:
            continue
        label, url = spec.label, None
        if spec.key in ("approve", "complete") and step is not None:
            label = step.action_label
            url = url_for(step.page, id=instance.record_id) if step.page else None
        buttons.append(
            ActionButton(spec.key, label, spec.style, spec.needs_comment, spec.comment_label, url)
        )
    return buttons


def acting_for(instance: Instance, user: User) -> User | None:
    """When `user` acts on the current step as a delegate: the principal."""
    flow = get_flow(instance.form_type)
    found = acting_task(Ctx(flow, instance, None, user))
    return found[1] if found else None


# --- named queries ---------------------------------------------------------------------------


def _delegated_clause(user: User):
    """Tasks of people `user` acts for today on that form type, on records `user` did not apply
    for (nobody approves their own request as a delegate)."""
    clauses = []
    for flow in all_flows():
        principals = acting_principals(user, flow.key)
        if principals:
            clauses.append(and_(Instance.form_type == flow.key, Task.assignee_id.in_(principals)))
    if not clauses:
        return false()
    return and_(Instance.applicant_id != user.id, or_(*clauses))


def awaiting(user: User, form_type: str | None = None):
    """待我审批: open tasks of running instances for `user` or those they act for; overdue first."""
    query = (
        select(Task)
        .join(Task.instance)
        .where(
            Task.status == TaskStatus.OPEN,
            Instance.status == Status.IN_PROGRESS,
            Task.step_key == Instance.step_key,
            or_(Task.assignee_id == user.id, _delegated_clause(user)),
        )
        .order_by(Task.due_at.is_(None), Task.due_at, Task.created_at)
    )
    if form_type:
        query = query.where(Instance.form_type.in_(family_keys(form_type)))
    return query


def awaiting_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(awaiting(user).order_by(None).subquery())
    )


def mine(user: User, status: str | None = None):
    """我的申请, newest first."""
    query = select(Instance).where(Instance.applicant_id == user.id)
    if status:
        query = query.where(Instance.status == status)
    return query.order_by(Instance.created_at.desc(), Instance.id.desc())


def copied_to(user: User):
    """抄送我的."""
    return (
        select(Instance)
        .join(Watcher, Watcher.instance_id == Instance.id)
        .where(Watcher.user_id == user.id, Instance.status != Status.DRAFT)
        .order_by(Watcher.created_at.desc())
    )


def handled_by(user: User):
    """已办: instances where `user` decided a task (themselves or as a delegate)."""
    decided = exists().where(
        Task.instance_id == Instance.id, Task.actor_id == user.id, Task.status.in_(DECIDED)
    )
    return (
        select(Instance).where(decided).order_by(Instance.submitted_at.desc(), Instance.id.desc())
    )


def status_counts(user: User) -> dict[str, int]:
    rows = db.session.execute(
        select(Instance.status, func.count())
        .where(Instance.applicant_id == user.id)
        .group_by(Instance.status)
    )
    return dict(rows.all())


def badge_counts(user: User) -> dict:
    """待我审批's count as a scalar SELECT: the navigation runs all badges in one statement."""
    awaiting_tasks = awaiting(user).order_by(None).subquery()
    return {"workflow.inbox": select(func.count()).select_from(awaiting_tasks).scalar_subquery()}


def get_by_number(number: str) -> Instance | None:
    return db.session.scalar(select(Instance).where(Instance.number == number))


def instance_for(form_type: str, record_id: int) -> Instance | None:
    return db.session.scalar(
        select(Instance).where(Instance.form_type == form_type, Instance.record_id == record_id)
    )


# --- trail -----------------------------------------------------------------------------------


def last_approver(instance: Instance) -> str:
    """Who approved last before the execution steps in this round ("李四（代 张三）" for a
    delegate), e.g. the 审批人 column of a register; "" when nobody approved."""
    executing = {s.key for s in get_flow(instance.form_type).steps if s.execution}
    approvals = [
        t
        for t in instance.tasks
        if t.round == instance.round
        and t.status == TaskStatus.APPROVED
        and t.step_key not in executing
    ]
    if not approvals:
        return ""
    last = max(approvals, key=lambda t: (t.decided_at, t.id))
    return actor_label(last.actor, last.on_behalf_of)


def approvers(instance: Instance) -> str:
    """Everyone who approved in this round, in order, before the execution steps ("赵经理、
    李副总（代 王总）"): a register's 审批人 column."""
    executing = {s.key for s in get_flow(instance.form_type).steps if s.execution}
    approvals = sorted(
        (t for t in instance.tasks if t.round == instance.round
         and t.status == TaskStatus.APPROVED and t.step_key not in executing),
        key=lambda t: (t.decided_at, t.id),
    )  # fmt: skip
    return "、".join(dict.fromkeys(actor_label(t.actor, t.on_behalf_of) for t in approvals))


def trail(instance: Instance) -> list[dict]:
    """The approval trail as plain data (screen and PDF): decided tasks in order."""
    rows = []
    for task in instance.tasks:
        if task.status not in DECIDED and task.status not in (
            TaskStatus.SKIPPED,
            TaskStatus.TRANSFERRED,
        ):
            continue
        rows.append(
            {
                "step": task.step_name,
                "actor": actor_label(task.actor, task.on_behalf_of),
                "on_behalf_of": task.on_behalf_of.display_name if task.on_behalf_of else "",
                "decision": done_label(_step_or_none(instance, task.step_key), task),
                "comment": task.comment,
                "at": task.decided_at,
                "due_at": task.due_at,
                "on_time": task.on_time,
            }
        )
    return rows


def _step_or_none(instance: Instance, key: str):
    try:
        return get_flow(instance.form_type).step(key)
    except KeyError:
        return None


def pending(instance: Instance) -> list[dict]:
    """Open tasks: who is expected to act, by when, and whether it is already late."""
    current = now()
    return [
        {
            "step": t.step_name,
            "assignee": t.assignee.display_name,
            "delegate": _delegate_name(t, instance),
            "due_at": t.due_at,
            "overdue": t.due_at is not None and t.due_at < current,
            "fallback": t.fallback,
        }
        for t in instance.open_tasks
    ]


def _delegate_name(task: Task, instance: Instance) -> str:
    delegate = delegation.delegate_for(task.assignee, instance.form_type)
    if delegate is None or delegate.id == instance.applicant_id:
        return ""  # the applicant may not act for anyone on their own record
    return delegate.display_name


def unapproved_note(instance: Instance) -> str:
    """Why a record reached an execution step without any independent approval (its flow
    allows that only with a reason, shown on screen and on the PDF), else ""."""
    flow = get_flow(instance.form_type)
    reached = {t.step_key for t in instance.tasks if t.round == instance.round}
    executed = any(s.execution and s.key in reached for s in flow.steps)
    if not executed or independent_approvals(instance) or flow.unapproved_note is None:
        return ""
    return flow.unapproved_note(load_record(flow, instance)) or ""


def timeline(instance: Instance):
    return db.session.scalars(audit.events_for("workflow", instance.id)).all()


def panel(instance: Instance, user: User) -> dict:
    """Everything the shared workflow panel on a record page shows, as plain data."""
    from portal.workflow.path import approval_path

    flow = get_flow(instance.form_type)
    ctx = Ctx(flow, instance, load_record(flow, instance), user)
    return {
        "instance": instance,
        "flow_name": flow.name,
        "path": approval_path(instance),
        "actions": available_actions(instance, user),
        "acting_for": acting_for(instance, user),
        "why_not": why_not(ctx, user),
        "unapproved": unapproved_note(instance),
        "pending": pending(instance),
        "trail": trail(instance),
        "timeline": timeline(instance),
        "can_cc": user.id == instance.applicant_id and instance.status != Status.VOIDED,
        **_action_choices(ctx, user),
    }


def _action_choices(ctx: Ctx, user: User) -> dict:
    """What the 退回/转交/加签/催办/评论 forms offer."""
    from portal.workflow.actions import mentions_anyone, next_remind_at, participant_ids
    from portal.workflow.engine import earlier_steps, holders

    instance = ctx.instance
    running = instance.status == Status.IN_PROGRESS and ctx.step is not None
    active = [(u.id, f"{u.display_name}（{u.username}）") for u in active_people()]
    people = [(uid, name) for uid, name in active if uid not in (instance.applicant_id, user.id)]
    mine = acting_task(ctx)
    transferable = [] if mine or not user.is_sysadmin else list(instance.open_tasks)
    # whom a comment may @mention: the engine's own rule (actions._check_mentions)
    ids = {uid for uid, _ in active} if mentions_anyone(ctx.flow) else participant_ids(instance)
    again = next_remind_at(ctx) if running else None
    return {
        "people": people,
        "participants": [(uid, name) for uid, name in active if uid in ids - {user.id}],
        "earlier_steps": earlier_steps(ctx) if running else [],
        "transferable": transferable,
        "holders": holders(instance) if running else "",
        "remind_again": format_local(again) if again else "",
    }


def active_people() -> list[User]:
    """Active users by id (the panel's 转交/加签/@ choices), read once per request and kept:
    the people a record names are mostly among them, so the path and the trail find them in
    the session instead of one statement each."""
    if not has_request_context():
        return _active_people()
    if "portal.active_people" not in request.environ:
        request.environ["portal.active_people"] = _active_people()
    return request.environ["portal.active_people"]


def _active_people() -> list[User]:
    return db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()


def _people_and_watchers(instance: Instance) -> None:
    """The active people (`active_people`) and the record's CC list in one statement: every
    user who is active or copied in, with their watcher row if copied in."""
    if not has_request_context() or "watchers" not in inspect(instance).unloaded:
        active_people()
        return
    rows = db.session.execute(
        select(User, Watcher)
        .outerjoin(Watcher, and_(Watcher.user_id == User.id, Watcher.instance_id == instance.id))
        .where(or_(User.active.is_(True), Watcher.id.is_not(None)))
        .order_by(User.id)
    ).all()
    request.environ["portal.active_people"] = [person for person, _ in rows if person.active]
    watchers = sorted((w for _, w in rows if w is not None), key=lambda w: w.id)
    set_committed_value(instance, "watchers", watchers)


def record_context(record, user: User) -> dict:
    """What every record page shows besides its own fields: the workflow panel, whether the
    user may edit, and whom they may copy in (the applicant only)."""
    from portal.auth.services import user_choices
    from portal.core.prefetch import referenced
    from portal.workflow.access import can_edit

    instance = record.instance
    _people_and_watchers(instance)
    referenced(User)  # the people the record names who are not active
    return {
        "panel": panel(instance, user),
        "can_edit": can_edit(user, instance),
        "cc_choices": user_choices() if user.id == instance.applicant_id else [],
    }


def batchable(tasks, user: User) -> set[int]:
    """Inbox rows that 批量同意 may approve: approval steps without a page of their own."""
    ids = set()
    for task in tasks:
        flow = get_flow(task.instance.form_type)
        step = flow.step(task.step_key)
        if step.kind == "approval" and not step.page:
            ctx = Ctx(flow, task.instance, load_record(flow, task.instance), user)
            found = acting_task(ctx)
            if found is not None and found[0].id == task.id:
                ids.add(task.id)
    return ids


def approve_many(task_ids: list[int], user: User) -> tuple[list[str], list[str]]:
    """Approve each task's record, each in its own savepoint; returns (numbers approved,
    refusal messages)."""
    from portal.workflow.engine import WorkflowError, transition

    done, refused = [], []
    for task_id in dict.fromkeys(task_ids):
        task = db.session.get(Task, task_id)
        if task is None or task.id not in batchable([task], user):
            refused.append(f"任务 {task_id} 不能批量同意（已处理、需要办理页面或不由您处理）。")
            continue
        number = task.instance.number
        try:
            with db.session.begin_nested():
                transition(task.instance, "approve", user, "同意（批量）")
        except WorkflowError as exc:
            refused.append(f"{number}：{exc}")
        else:
            done.append(number)
    return done, refused
