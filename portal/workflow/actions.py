"""The approval actions every flow has besides the basic ones, as DingTalk and Feishu users know
them: 转交 (hand a task to someone else), 加签 (add a signer before me, after me or beside me),
催办 (remind the people who have it now) and 评论 (a comment with @mentions and attachments).
Each is an `ActionSpec` registered with the engine: who may take it, in which states, what it
does and what the trail calls it. Parameters come as keyword arguments of `transition()`."""

from __future__ import annotations

from datetime import timedelta

from portal.auth.models import RoleCode, User
from portal.core.calendar import add_time
from portal.core.clock import format_local, now
from portal.extensions import db
from portal.notifications.services import notify
from portal.workflow import delegation
from portal.workflow.engine import (
    ActionSpec,
    Ctx,
    WorkflowError,
    _audit,
    _close_task,
    _notify_task,
    acting_task,
    add_watchers,
    headline,
    holders,
    record_url,
    register_action,
)
from portal.workflow.models import PENDING, Status, Task, TaskStatus

REMIND_GAP = timedelta(hours=2)  # business time between two 催办 of one record
POSITION_WORDS = {"before": "在我之前", "after": "在我之后", "parallel": "与我会签"}


def _open_task_of(ctx: Ctx) -> tuple[Task, User | None] | None:
    found = acting_task(ctx)
    if found is not None and ctx.step is not None:
        return found
    return None


def _check_target(ctx: Ctx, target: User | None) -> User:
    if target is None or not target.active:
        raise WorkflowError("请选择一位在职的人员。")
    if target.id == ctx.instance.applicant_id:
        raise WorkflowError("不能交给申请人本人处理。")
    step_tasks = [t for t in ctx.instance.tasks if t.step_key == ctx.instance.step_key
                  and t.status in PENDING]  # fmt: skip
    if any(t.assignee_id == target.id for t in step_tasks):
        raise WorkflowError(f"{target.display_name} 已在处理本步骤。")
    return target


def _new_task(ctx: Ctx, template: Task, user: User, position: str, status: str) -> Task:
    task = Task(
        instance=ctx.instance, step_key=template.step_key, step_name=template.step_name,
        round=template.round, assignee=user, due_at=template.due_at, parent=template,
        position=position, status=status,
    )  # fmt: skip
    db.session.add(task)
    db.session.flush()
    return task


# --- 转交 ------------------------------------------------------------------------------------


def _refuse_transfer(ctx: Ctx) -> str | None:
    if ctx.instance.status != Status.IN_PROGRESS or ctx.step is None:
        return "该申请当前不在审批中。"
    if _open_task_of(ctx) is None and not ctx.actor.has_role(RoleCode.SYSADMIN):
        return "只有当前步骤的处理人可以转交。"
    return None


def _apply_transfer(ctx: Ctx, comment: str, target: User | None = None,
                    task_id: int | None = None, **_) -> None:  # fmt: skip
    """The holder hands the task over; an administrator may hand over anyone's open task (a
    user who has left)."""
    found = _open_task_of(ctx)
    if found is not None and task_id in (None, found[0].id):
        task, principal = found
    else:
        task = next((t for t in ctx.instance.open_tasks if t.id == task_id), None)
        if task is None or not ctx.actor.has_role(RoleCode.SYSADMIN):
            raise WorkflowError("请选择要转交的任务。")
        principal = task.assignee
    target = _check_target(ctx, target)
    _close_task(task, TaskStatus.TRANSFERRED, ctx.actor, principal, comment)
    new = _new_task(ctx, task, target, "transfer", TaskStatus.OPEN)
    if task.position in ("before", "after", "parallel"):
        # An added signer hands over their place: the new holder hands back (before) or
        # decides beside the holder (parallel) exactly as they would have.
        new.parent, new.position = task.parent, task.position
    for added in ctx.instance.tasks:
        if added.parent_id == task.id and added is not new:
            added.parent = new  # signers added to the old task now wait for the new holder
    _audit(ctx, "transfer", Status.IN_PROGRESS, Status.IN_PROGRESS,
           f"转交给 {target.display_name}：{comment}", principal)  # fmt: skip
    _notify_task(ctx, new, "task")


# --- 加签 ------------------------------------------------------------------------------------


def _refuse_add_signer(ctx: Ctx) -> str | None:
    if ctx.instance.status != Status.IN_PROGRESS or ctx.step is None:
        return "该申请当前不在审批中。"
    found = _open_task_of(ctx)
    if found is None:
        return "只有当前步骤的处理人可以加签。"
    if found[0].position in ("before", "after", "parallel"):
        return "加签人不能再加签。"
    return None


def _apply_add_signer(ctx: Ctx, comment: str, target: User | None = None,
                      position: str = "", **_) -> None:  # fmt: skip
    """before: the added signer decides first, then the task comes back to me; after: they
    decide once I have; parallel: we both decide (会签)."""
    if position not in POSITION_WORDS:
        raise WorkflowError("请选择加签方式：在我之前、在我之后或与我会签。")
    task, principal = _open_task_of(ctx)
    target = _check_target(ctx, target)
    if position == "before":
        task.status = TaskStatus.HELD
        added = _new_task(ctx, task, target, "before", TaskStatus.OPEN)
    elif position == "after":
        added = _new_task(ctx, task, target, "after", TaskStatus.HELD)
    else:
        added = _new_task(ctx, task, target, "parallel", TaskStatus.OPEN)
    text = f"加签 {target.display_name}（{POSITION_WORDS[position]}）：{comment}"
    _audit(ctx, "add_signer", Status.IN_PROGRESS, Status.IN_PROGRESS, text, principal)
    if added.status == TaskStatus.OPEN:
        _notify_task(ctx, added, "task")


# --- 催办 ------------------------------------------------------------------------------------


def took_part(ctx: Ctx, user: User) -> bool:
    """The applicant, someone on the record's tasks, or someone copied in."""
    instance = ctx.instance
    if user.id == instance.applicant_id or any(w.user_id == user.id for w in instance.watchers):
        return True
    return any(user.id in (t.assignee_id, t.actor_id, t.on_behalf_of_id) for t in instance.tasks)


def next_remind_at(ctx: Ctx):
    """When the record may be reminded again (None: now)."""
    from sqlalchemy import select

    from portal.core.models import AuditEvent

    last = db.session.scalar(
        select(AuditEvent.at)
        .where(AuditEvent.subject_type == "workflow", AuditEvent.subject_id == ctx.instance.id,
               AuditEvent.action == "remind")
        .order_by(AuditEvent.at.desc()).limit(1)
    )  # fmt: skip
    if last is None:
        return None
    again = add_time(last, REMIND_GAP, True)
    return again if again > now() else None


def _refuse_remind(ctx: Ctx) -> str | None:
    if ctx.instance.status != Status.IN_PROGRESS or not ctx.instance.open_tasks:
        return "该申请当前没有待处理的人。"
    if not took_part(ctx, ctx.actor) or acting_task(ctx) is not None:
        return "只有申请人或参与过的人可以催办当前处理人。"
    again = next_remind_at(ctx)
    if again is not None:
        return f"刚催办过，可在 {format_local(again)} 后再次催办。"
    return None


def _apply_remind(ctx: Ctx, comment: str, **_) -> None:
    people = []
    for task in ctx.instance.open_tasks:
        people.append(task.assignee)
        delegate = delegation.delegate_for(task.assignee, ctx.instance.form_type)
        if delegate is not None and delegate.id != ctx.instance.applicant_id:
            people.append(delegate)
    note = f"：{comment}" if comment else ""
    notify(people, f"{headline(ctx.instance)}：{ctx.actor.display_name}催办，请尽快处理{note}",
           kind="remind", url=record_url(ctx.instance), instance_id=ctx.instance.id)  # fmt: skip
    _audit(ctx, "remind", ctx.instance.status, ctx.instance.status,
           f"催办 {holders(ctx.instance)}{note}")  # fmt: skip


# --- 评论 ------------------------------------------------------------------------------------


def _refuse_comment(ctx: Ctx) -> str | None:
    from portal.workflow.access import can_view

    if ctx.instance.status == Status.DRAFT:
        return "草稿提交后才能评论。"
    return None if can_view(ctx.actor, ctx.instance) else "您无权评论该记录。"


def participant_ids(instance) -> set[int]:
    """Who takes part in a record: its applicant, whoever is copied in, whoever holds or decided
    one of its tasks (or was acted for), and today's delegates of the holders of its open tasks.
    All of them may read it."""
    ids = {instance.applicant_id, *(w.user_id for w in instance.watchers)}
    for task in instance.tasks:
        ids |= {task.assignee_id, task.actor_id, task.on_behalf_of_id}
    for task in instance.open_tasks:
        delegate = delegation.delegate_for(task.assignee, instance.form_type)
        if delegate is not None:
            ids.add(delegate.id)
    ids.discard(None)
    return ids


def mentions_anyone(flow) -> bool:
    """Whether a comment on this flow's records may @mention any active user, who is then copied
    in (and so may read the record): only where the flow says so
    (`Flow.extra["mention_grants_read"]`); otherwise only participants may be mentioned."""
    return bool(flow.extra.get("mention_grants_read", False))


def _check_mentions(ctx: Ctx, mentions) -> list[User]:
    """The people a comment mentions, each once; refused (the whole comment, so that nobody is
    notified) when one is not an active participant of the record and the flow does not let
    comments reach beyond them (a crafted form must not notify anyone it likes)."""
    mentioned = list(dict.fromkeys(mentions))
    if any(u is None or not u.active for u in mentioned):
        raise WorkflowError("所提到的人员不存在或已离职，请重新选择。", field="mentions")
    if not mentions_anyone(ctx.flow):
        allowed = participant_ids(ctx.instance)
        outsiders = [u.display_name for u in mentioned if u.id not in allowed]
        if outsiders:
            raise WorkflowError(
                f"只能提到本记录的参与人：{'、'.join(outsiders)} 不是参与人。", field="mentions"
            )
    return mentioned


def _apply_comment(ctx: Ctx, comment: str, mentions=(), uploads=(), **_) -> None:
    """A free comment, at any state: @mentioned people (participants of the record, see
    `_check_mentions`) are notified; where the flow lets comments mention anyone, the mentioned
    are copied in so that they can read the record. Attachments go through the same upload
    checks as forms."""
    from portal.files.services import store_all

    mentioned = _check_mentions(ctx, mentions)
    files = store_all(uploads, ctx.instance.id, ctx.actor, "comment")
    if mentioned and mentions_anyone(ctx.flow):
        add_watchers(ctx.instance, mentioned, source="mention")
    names = "".join(f"@{u.display_name} " for u in mentioned)
    data = {"mentions": [u.id for u in mentioned], "attachments": [f.id for f in files]}
    status = ctx.instance.status
    _audit(ctx, "comment", status, status, f"{names}{comment}".strip(), data=data)
    if mentioned:
        notify(mentioned, f"{headline(ctx.instance)}：{ctx.actor.display_name}在评论中提到了您：{comment}",
               kind="mention", url=record_url(ctx.instance), instance_id=ctx.instance.id)  # fmt: skip


for _spec in (
    ActionSpec("transfer", "转交", _refuse_transfer, _apply_transfer, needs_comment=True,
               comment_label="转交理由", trail="转交"),
    ActionSpec("add_signer", "加签", _refuse_add_signer, _apply_add_signer, needs_comment=True,
               comment_label="加签理由", trail="加签"),
    ActionSpec("remind", "催办", _refuse_remind, _apply_remind, trail="催办"),
    ActionSpec("comment", "评论", _refuse_comment, _apply_comment, needs_comment=True,
               comment_label="评论内容", trail="评论"),
):  # fmt: skip
    register_action(_spec)
