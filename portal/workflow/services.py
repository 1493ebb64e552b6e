"""Workflow read side: permission predicates, available actions, inbox queries, the trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, false, func, or_, select

from portal.auth.models import RoleCode, User
from portal.core import audit
from portal.core.clock import now
from portal.extensions import db
from portal.workflow import delegation
from portal.workflow.engine import ACTIONS, Ctx, acting_task, load_record
from portal.workflow.flow import get_flow
from portal.workflow.models import EDITABLE, Instance, Status, Task, TaskStatus, Watcher

# --- predicates (views and templates use the same ones) ---------------------------------------


def can_view(user: User, instance: Instance) -> bool:
    if not user.is_authenticated:
        return False
    flow = get_flow(instance.form_type)
    if user.id == instance.applicant_id or user.has_role(*flow.viewer_roles, RoleCode.SYSADMIN):
        return True
    department = instance.department
    if department is not None and department.head_id == user.id:
        return True
    if any(w.user_id == user.id for w in instance.watchers):
        return True
    for task in instance.tasks:
        if user.id in (task.assignee_id, task.actor_id, task.on_behalf_of_id):
            return True
        if task.status == TaskStatus.OPEN:
            delegate = delegation.delegate_for(task.assignee, instance.form_type)
            if delegate is not None and delegate.id == user.id:
                return True
    return bool(flow.can_view and flow.can_view(user, load_record(flow, instance)))


def can_edit(user: User, instance: Instance) -> bool:
    return (
        user.is_authenticated and user.id == instance.applicant_id and instance.status in EDITABLE
    )


@dataclass(frozen=True)
class ActionButton:
    action: str
    label: str
    style: str = ""
    needs_comment: bool = False
    comment_label: str = "意见"
    endpoint: str | None = None  # a domain page that carries out this step instead


def available_actions(instance: Instance, user: User) -> list[ActionButton]:
    """The actions `user` may take now, in display order (the template shows exactly these)."""
    if not user.is_authenticated:
        return []
    flow = get_flow(instance.form_type)
    ctx = Ctx(flow, instance, load_record(flow, instance), user)
    step = ctx.step
    buttons = []
    for spec in ACTIONS.values():
        if spec.refusal(ctx) is not None:
            continue
        label = spec.label
        endpoint = None
        if spec.key in ("approve", "complete") and step is not None:
            label = step.action_label
            endpoint = step.form_endpoint
        buttons.append(
            ActionButton(
                spec.key, label, spec.style, spec.needs_comment, spec.comment_label, endpoint
            )
        )
    return buttons


def acting_for(instance: Instance, user: User) -> User | None:
    """When `user` acts on the current step as a delegate: the principal."""
    flow = get_flow(instance.form_type)
    found = acting_task(Ctx(flow, instance, None, user))
    return found[1] if found else None


# --- named queries ---------------------------------------------------------------------------


def _delegated_clause(user: User):
    """Tasks assigned to people who delegate to `user` today (all forms or one form type)."""
    clauses = []
    for principal_id, form_type in delegation.principals_of(user):
        clause = Task.assignee_id == principal_id
        if form_type is not None:
            clause = and_(clause, Instance.form_type == form_type)
        clauses.append(clause)
    return or_(*clauses) if clauses else false()


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
        query = query.where(Instance.form_type == form_type)
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
        Task.instance_id == Instance.id,
        Task.actor_id == user.id,
        Task.status.notin_([TaskStatus.OPEN, TaskStatus.CANCELLED]),
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


def badge_counts(user: User) -> dict[str, int]:
    return {"workflow.inbox": awaiting_count(user)}


def get_by_number(number: str) -> Instance | None:
    return db.session.scalar(select(Instance).where(Instance.number == number))


def instance_for(form_type: str, record_id: int) -> Instance | None:
    return db.session.scalar(
        select(Instance).where(Instance.form_type == form_type, Instance.record_id == record_id)
    )


# --- trail -----------------------------------------------------------------------------------


def actor_label(actor: User | None, principal: User | None) -> str:
    """ "李四（代 张三）" for a delegate, else the actor's name."""
    if actor is None:
        return ""
    if principal is not None and principal.id != actor.id:
        return f"{actor.display_name}（代 {principal.display_name}）"
    return actor.display_name


def trail(instance: Instance) -> list[dict]:
    """The approval trail as plain data (screen and PDF): decided tasks in order."""
    rows = []
    for task in instance.tasks:
        if task.status in (TaskStatus.OPEN, TaskStatus.CANCELLED):
            continue
        rows.append(
            {
                "step": task.step_name,
                "actor": actor_label(task.actor, task.on_behalf_of),
                "on_behalf_of": task.on_behalf_of.display_name if task.on_behalf_of else "",
                "decision": task.status_label,
                "comment": task.comment,
                "at": task.decided_at,
                "due_at": task.due_at,
                "on_time": task.on_time,
            }
        )
    return rows


def pending(instance: Instance) -> list[dict]:
    """Open tasks: who is expected to act, by when, and whether it is already late."""
    current = now()
    return [
        {
            "step": t.step_name,
            "assignee": t.assignee.display_name,
            "delegate": _delegate_name(t, instance.form_type),
            "due_at": t.due_at,
            "overdue": t.due_at is not None and t.due_at < current,
            "fallback": t.fallback,
        }
        for t in instance.open_tasks
    ]


def _delegate_name(task: Task, form_type: str) -> str:
    delegate = delegation.delegate_for(task.assignee, form_type)
    return delegate.display_name if delegate else ""


def timeline(instance: Instance):
    return db.session.scalars(audit.events_for("workflow", instance.id)).all()


def panel(instance: Instance, user: User) -> dict:
    """Everything the shared workflow panel on a record page shows, as plain data."""
    flow = get_flow(instance.form_type)
    return {
        "instance": instance,
        "flow_name": flow.name,
        "steps": [{"key": s.key, "name": s.name, "who": s.assignee.describe()} for s in flow.steps],
        "actions": available_actions(instance, user),
        "acting_for": acting_for(instance, user),
        "pending": pending(instance),
        "trail": trail(instance),
        "timeline": timeline(instance),
        "can_cc": user.id == instance.applicant_id and instance.status != Status.VOIDED,
    }
