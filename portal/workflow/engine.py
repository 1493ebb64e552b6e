"""The approval engine. `transition()` is the only way a workflow status changes; every change
writes an audit event (who, for whom, from, to, step, comment, when, IP) and notifies people.

Actions: submit, approve, complete, reject (back to the applicant), send_back (one step),
withdraw (applicant, before the last step), void (作废, reason required; the number stays used),
pause and resume (the clock of a pausable flow); more are registered with `register_action`
(the engine's own) or declared on a flow (`Flow.actions`, a domain's).

Every transition first takes the instance's row lock (`lock()`), then re-reads the instance and
its tasks, so concurrent actions on one record serialise and the later one is refused cleanly.
Nobody approves a step of a record they applied for, directly or as a delegate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session

import portal.workflow.delegation as delegation
from portal.auth.models import RoleCode, User, users_with_role
from portal.core import audit
from portal.core.calendar import add_time, time_between
from portal.core.clock import now
from portal.core.locking import Busy, lock_row
from portal.core.numbering import next_in_series
from portal.extensions import db
from portal.notifications.services import notify, task_closed
from portal.workflow.deadlines import due_at
from portal.workflow.flow import ANY, KEEP, SKIP, Context, Flow, Step, get_flow
from portal.workflow.models import (
    DECIDED,
    EDITABLE,
    Instance,
    Status,
    Task,
    TaskStatus,
    Watcher,
)
from portal.workflow.naming import headline, record_url

BUSY = "该记录刚被他人处理，请刷新页面后再试。"
SELF_SKIP = "申请人即审批人，自动跳过"
APPROVED_ONCE = "审批人已在上一步同意，自动通过"
audit.ACTION_LABELS.setdefault("approve_once", "自动通过")
_LOCKED = "portal_locked_instances"


class WorkflowError(Exception):
    """An action that is not allowed now; the message is shown to the user, next to the form
    field `field` names when it concerns one (e.g. "mentions"), else at the top of the form."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Ctx:
    flow: Flow
    instance: Instance
    record: object
    actor: User

    @property
    def step(self) -> Step | None:
        key = self.instance.step_key
        return self.flow.step(key) if key else None

    def context(self) -> Context:
        return Context(self.instance, self.record, self.instance.applicant)


def load_record(flow: Flow, instance: Instance):
    return db.session.get(flow.model, instance.record_id)


def start(flow_key: str, record, applicant: User, department=None) -> Instance:
    """Create the draft instance for a new record (no number yet)."""
    flow = get_flow(flow_key)
    instance = Instance(
        form_type=flow_key,
        record_id=record.id,
        applicant=applicant,
        department=department or applicant.department,
        title=flow.title(record)[:200],
    )
    db.session.add(instance)
    db.session.flush()
    _audit(Ctx(flow, instance, record, applicant), "create", "", Status.DRAFT)
    return instance


def refresh_title(instance: Instance, record) -> None:
    instance.title = get_flow(instance.form_type).title(record)[:200]


# --- the row lock -----------------------------------------------------------------------------


def lock(instance: Instance) -> None:
    """Take the instance's row lock for the rest of the transaction and re-read it, its tasks,
    watchers and record, so that what the caller checks next is current.

    PostgreSQL: SELECT ... FOR UPDATE (a concurrent transition waits, then sees this one's
    result). SQLite: the version bump takes the database's write lock; a transaction whose
    snapshot is already stale fails at once, which is turned into a clean refusal. Taken once per
    transaction; step pages take it before they write the record.
    """
    locked = db.session.info.setdefault(_LOCKED, set())
    if instance.id is None or instance.id in locked:
        return
    try:
        lock_row(Instance, instance.id, bump=Instance.version)
    except Busy as exc:  # SQLite: another writer got there first
        raise WorkflowError(BUSY) from exc
    _reload(instance)
    locked.add(instance.id)


def _reload(instance: Instance) -> None:
    fresh = {"populate_existing": True}
    for model in (Task, Watcher):
        rows = select(model).where(model.instance_id == instance.id).execution_options(**fresh)
        db.session.execute(rows).all()
    db.session.expire(instance, ["tasks", "watchers"])
    flow = get_flow(instance.form_type)
    db.session.execute(
        select(flow.model).where(flow.model.id == instance.record_id).execution_options(**fresh)
    ).all()


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session, transaction):
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)


# --- transitions ------------------------------------------------------------------------------


def transition(
    instance: Instance, action: str, actor: User, comment: str = "", *, page=None, **kwargs
) -> Instance:
    """Apply `action` by `actor`, or raise WorkflowError. The caller commits. A step with a page
    is approved or completed only with `page=` naming that page (the kit's step-page runner)."""
    lock(instance)
    flow = get_flow(instance.form_type)
    ctx = Ctx(flow, instance, load_record(flow, instance), actor)
    spec = action_spec(flow, action)
    if spec is None:
        raise WorkflowError("未知的操作。")
    reason = spec.refusal(ctx)
    if reason:
        raise WorkflowError(reason)
    step = ctx.step
    if action in ("approve", "complete") and step is not None and step.page and page != step.page:
        raise WorkflowError("请在该步骤的办理页面完成此操作。")
    if spec.needs_comment and not comment.strip():
        raise WorkflowError(f"请填写{spec.comment_label}。")
    before = instance.status
    spec.apply(ctx, comment.strip(), **kwargs)
    db.session.flush()
    if flow.on_status is not None and instance.status != before:
        flow.on_status(ctx, before)
        db.session.flush()
    return instance


def current_page(instance: Instance) -> str | None:
    """The page of the open step (for the demo loader, which plays what a page would record)."""
    return get_flow(instance.form_type).step(instance.step_key).page if instance.step_key else None


# --- who may act -------------------------------------------------------------------------------


def _decided_by(instance: Instance, step_keys, user: User) -> bool:
    return any(
        t.step_key in step_keys
        and t.round == instance.round
        and t.status in DECIDED
        and user.id in (t.actor_id, t.on_behalf_of_id)
        for t in instance.tasks
    )


def acting_task(ctx: Ctx, user: User | None = None) -> tuple[Task, User | None] | None:
    """The open task of the current step that `user` may decide, and for whom (delegation).

    A delegate never acts on a record they applied for (the task stays with the principal), and
    nobody acts on a step that must be decided by someone other than an earlier step's decider.
    """
    user = user or ctx.actor
    step = ctx.step
    if step is None or ctx.instance.status != Status.IN_PROGRESS:
        return None
    if step.distinct_from and _decided_by(ctx.instance, step.distinct_from, user):
        return None
    tasks = [t for t in ctx.instance.open_tasks if t.step_key == step.key]
    for task in tasks:
        if task.assignee_id == user.id:
            return task, None
    if user.id == ctx.instance.applicant_id:
        return None
    for task in tasks:
        delegate = delegation.delegate_for(task.assignee, ctx.instance.form_type)
        if delegate is not None and delegate.id == user.id:
            return task, task.assignee
    return None


def task_for(instance: Instance, user: User, step_key: str) -> tuple[Task, User | None] | None:
    """(task, principal) when `user` may decide `step_key`, the open step, now; else None."""
    if instance.step_key != step_key:
        return None
    flow = get_flow(instance.form_type)
    return acting_task(Ctx(flow, instance, load_record(flow, instance), user))


def require_task(instance: Instance, user: User, step_key: str) -> tuple[Task, User | None]:
    """For a step page's service, before it writes the record: take the lock, then the task."""
    lock(instance)
    found = task_for(instance, user, step_key)
    if found is None:
        raise WorkflowError("您不是当前步骤的处理人，或该步骤已由他人处理。")
    return found


def why_not(ctx: Ctx, user: User) -> str:
    """Why `user`, who holds a delegation or took part earlier, may not act on the open step
    (shown on the record page), or "" when there is nothing to explain."""
    step = ctx.step
    if step is None or ctx.instance.status != Status.IN_PROGRESS or acting_task(ctx, user):
        return ""
    tasks = [t for t in ctx.instance.open_tasks if t.step_key == step.key]
    holds = any(t.assignee_id == user.id for t in tasks) or _delegated_to(tasks, ctx, user)
    if holds and step.distinct_from and _decided_by(ctx.instance, step.distinct_from, user):
        earlier = "、".join(ctx.flow.step(k).name for k in step.distinct_from)
        return f"“{step.name}”须由未办理“{earlier}”的其他人员处理。"
    if user.id == ctx.instance.applicant_id:
        principals = _delegated_to(tasks, ctx, user)
        if principals:
            names = "、".join(p.display_name for p in principals)
            return f"您是申请人，不能代 {names} 审批自己的申请；该任务仍由 {names} 处理。"
    return ""


def _delegated_to(tasks: list[Task], ctx: Ctx, user: User) -> list[User]:
    people = []
    for task in tasks:
        delegate = delegation.delegate_for(task.assignee, ctx.instance.form_type)
        if delegate is not None and delegate.id == user.id:
            people.append(task.assignee)
    return people


def _require_task(ctx: Ctx) -> tuple[Task, User | None]:
    found = acting_task(ctx)
    if found is None:
        raise WorkflowError(why_not(ctx, ctx.actor) or "您不是当前步骤的审批人。")
    return found


# --- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """One action: who may take it in which states (`refusal` says why not, or None), what it
    does (`apply`), and what the trail calls it (`trail`, default the button label)."""

    key: str
    label: str
    refusal: Callable[[Ctx], str | None]
    apply: Callable[..., None]  # (ctx, comment, **kwargs) -> None
    needs_comment: bool = False
    comment_label: str = "意见"
    style: str = ""
    trail: str = ""


def register_action(spec: ActionSpec) -> None:
    """Add an engine action (every flow has it); its trail label joins the audit labels."""
    ACTIONS[spec.key] = spec
    audit.ACTION_LABELS.setdefault(spec.key, spec.trail or spec.label)


def action_spec(flow: Flow, key: str) -> ActionSpec | None:
    for spec in flow.actions:
        if spec.key == key:
            return spec
    return ACTIONS.get(key)


def actions_of(flow: Flow) -> list[ActionSpec]:
    """The engine's actions, then the flow's own, in display order."""
    own = {spec.key for spec in flow.actions}
    return [s for s in ACTIONS.values() if s.key not in own] + list(flow.actions)


def _refuse_submit(ctx: Ctx) -> str | None:
    if ctx.instance.status not in EDITABLE:
        return "只有草稿、已退回或已撤回的申请可以提交。"
    if ctx.actor.id != ctx.instance.applicant_id:
        return "只有申请人可以提交。"
    return ctx.flow.submit_check(ctx.record) if ctx.flow.submit_check else None


def assign_number(ctx: Ctx) -> None:
    """Give the record its number now (once; a voided record keeps it)."""
    if ctx.instance.number is not None:
        return
    spec = ctx.flow.numbering
    category = spec.category(ctx.record) if spec.category else ""
    ctx.instance.number = next_in_series(spec.prefix, spec.period, category, spec.width)


def _apply_submit(ctx: Ctx, comment: str, **_) -> None:
    instance = ctx.instance
    before = instance.status
    if ctx.flow.numbering.at == "submit":
        assign_number(ctx)
    instance.status = Status.IN_PROGRESS
    instance.submitted_at = now()
    instance.round += 1
    instance.warning = ""
    instance.paused_at = None
    instance.paused_seconds = instance.paused_business_seconds = 0
    _audit(ctx, "submit", before, Status.IN_PROGRESS, comment=comment)
    _advance(ctx, 0)


def _refuse_decide(kind: str):
    def refusal(ctx: Ctx) -> str | None:
        if ctx.instance.status != Status.IN_PROGRESS:
            return "该申请当前不在审批中。"
        if acting_task(ctx) is None:
            return why_not(ctx, ctx.actor) or "您不是当前步骤的审批人。"
        step_kind = ctx.step.kind if ctx.step else ""
        if kind == "approval" and step_kind != "approval":
            return "当前步骤需要办理完成，而不是审批。"
        if kind == "stage" and step_kind == "approval":
            return "当前步骤需要审批。"
        return None

    return refusal


def _apply_decide(status: str):
    def apply(ctx: Ctx, comment: str, data: dict | None = None, **_) -> None:
        missing = ctx.step.requires(ctx.record) if ctx.step.requires else None
        if missing:
            raise WorkflowError(missing)
        task, principal = _require_task(ctx)
        _close_task(task, status, ctx.actor, principal, comment)
        step = ctx.step
        action = "approve" if status == TaskStatus.APPROVED else "complete"
        if ctx.instance.paused_at is not None:
            _resume_clock(ctx)
        _audit(ctx, action, Status.IN_PROGRESS, Status.IN_PROGRESS, comment, principal, data)
        if _hand_back(ctx, task):
            return
        if step.mode == ANY:
            _cancel_peers(ctx.instance, task)
        if not ctx.instance.pending_tasks:
            if ctx.flow.numbering.at == step.key:
                assign_number(ctx)
            _advance(ctx, ctx.flow.index(step.key) + 1)
        if ctx.instance.status == Status.IN_PROGRESS:
            _notify_progress(ctx, task)

    return apply


def _hand_back(ctx: Ctx, task: Task) -> bool:
    """After an added signer's decision (加签): a signer added before the holder hands the task
    back to them; signers added after a holder start once the holder has decided. True when
    the step goes on with someone else."""
    if task.position == "before" and task.parent is not None:
        parent = task.parent
        parent.status = TaskStatus.OPEN
        _notify_task(ctx, parent, "task")
        return True
    waiting = [t for t in ctx.instance.tasks if t.parent_id == task.id
               and t.position == "after" and t.status == TaskStatus.HELD]  # fmt: skip
    for added in waiting:
        added.status = TaskStatus.OPEN
        _notify_task(ctx, added, "task")
    return bool(waiting)


def _cancel_peers(instance: Instance, task: Task) -> None:
    """或签: the first decision settles the step for the other assignees; signers added in
    parallel (会签 with their holder) still decide."""
    for other in instance.pending_tasks:
        if other.position == "parallel" or other.id == task.parent_id:
            continue
        other.status = TaskStatus.CANCELLED
        other.decided_at = now()
        task_closed(other.id)


def _apply_reject(ctx: Ctx, comment: str, **_) -> None:
    task, principal = _require_task(ctx)
    _close_task(task, TaskStatus.REJECTED, ctx.actor, principal, comment)
    _cancel_open(ctx.instance)
    ctx.instance.status = Status.RETURNED
    _audit(ctx, "reject", Status.IN_PROGRESS, Status.RETURNED, comment, principal)
    ctx.instance.step_key = None
    _notify_applicant(ctx, f"{_what(ctx)}：{ctx.actor.display_name}已退回：{comment}", "result")


def earlier_steps(ctx: Ctx) -> list[Step]:
    """Steps decided earlier in this round, that the current one may be sent back to (退回到
    某一步), nearest first."""
    current = ctx.flow.index(ctx.instance.step_key)
    decided = [t for t in ctx.instance.tasks if t.round == ctx.instance.round
               and t.status in DECIDED and ctx.flow.index(t.step_key) < current]  # fmt: skip
    keys = [t.step_key for t in sorted(decided, key=lambda t: t.id, reverse=True)]
    return [ctx.flow.step(key) for key in dict.fromkeys(keys)]


def _refuse_send_back(ctx: Ctx) -> str | None:
    reason = _refuse_decide("any")(ctx)
    if reason:
        return reason
    if not ctx.step.can_send_back or not earlier_steps(ctx):
        return "当前步骤没有可退回的上一步。"
    return None


def _apply_send_back(ctx: Ctx, comment: str, target_step: str | None = None, **_) -> None:
    """退回 to the step just before, or to a chosen earlier one; its deciders decide again."""
    task, principal = _require_task(ctx)
    choices = earlier_steps(ctx)
    target = next((s for s in choices if s.key == target_step), None) if target_step else choices[0]
    if target is None:
        raise WorkflowError("只能退回到本轮已经处理过的步骤。")
    people = [t.assignee for t in ctx.instance.tasks if t.step_key == target.key
              and t.round == ctx.instance.round and t.status in DECIDED]  # fmt: skip
    _close_task(task, TaskStatus.SENT_BACK, ctx.actor, principal, comment)
    _cancel_open(ctx.instance)
    text = f"退回到“{target.name}”：{comment}"
    _audit(ctx, "send_back", Status.IN_PROGRESS, Status.IN_PROGRESS, text, principal)
    _open_step(ctx, target, list(dict.fromkeys(people)), fallback=False)


def _later_steps_apply(ctx: Ctx) -> bool:
    index = ctx.flow.index(ctx.instance.step_key)
    later = ctx.flow.steps[index + 1 :]
    return any(s.when is None or s.when(ctx.record) is not False for s in later)


def _refuse_withdraw(ctx: Ctx) -> str | None:
    if ctx.instance.status != Status.IN_PROGRESS:
        return "只有审批中的申请可以撤回。"
    if ctx.actor.id != ctx.instance.applicant_id:
        return "只有申请人可以撤回。"
    if not _later_steps_apply(ctx):
        return "申请已到最后一步，不能撤回。"
    return None


def _apply_withdraw(ctx: Ctx, comment: str, **_) -> None:
    _cancel_open(ctx.instance)
    ctx.instance.status = Status.WITHDRAWN
    _audit(ctx, "withdraw", Status.IN_PROGRESS, Status.WITHDRAWN, comment)
    ctx.instance.step_key = None


def _refuse_void(ctx: Ctx) -> str | None:
    status = ctx.instance.status
    if status == Status.VOIDED:
        return "该记录已作废。"
    if ctx.actor.has_role(*ctx.flow.void_roles, RoleCode.SYSADMIN):
        return None
    if ctx.actor.id == ctx.instance.applicant_id and status in EDITABLE:
        return None
    return "您无权作废该记录。"


def _apply_void(ctx: Ctx, comment: str, **_) -> None:
    before = ctx.instance.status
    _cancel_open(ctx.instance)
    ctx.instance.status = Status.VOIDED
    _audit(ctx, "void", before, Status.VOIDED, comment)
    ctx.instance.step_key = None
    if ctx.actor.id != ctx.instance.applicant_id:
        _notify_applicant(ctx, f"{_what(ctx)}：已被作废：{comment}", "result")


def _may_pause(ctx: Ctx) -> bool:
    return acting_task(ctx) is not None or ctx.actor.has_role(
        *ctx.flow.pause_roles, RoleCode.SYSADMIN
    )


def _refuse_pause(ctx: Ctx) -> str | None:
    if not ctx.flow.pausable or ctx.instance.status != Status.IN_PROGRESS:
        return "该记录的时钟不能暂停。"
    if ctx.instance.paused_at is not None:
        return "时钟已暂停。"
    return None if _may_pause(ctx) else "您无权暂停该记录的时钟。"


def _apply_pause(ctx: Ctx, comment: str, **_) -> None:
    ctx.instance.paused_at = now()
    ctx.instance.pause_reason = comment[:200]
    _audit(ctx, "pause", Status.IN_PROGRESS, Status.IN_PROGRESS, comment)


def _refuse_resume(ctx: Ctx) -> str | None:
    if ctx.instance.status != Status.IN_PROGRESS or ctx.instance.paused_at is None:
        return "时钟没有暂停。"
    return None if _may_pause(ctx) else "您无权恢复该记录的时钟。"


def _apply_resume(ctx: Ctx, comment: str, **_) -> None:
    _resume_clock(ctx)
    _audit(ctx, "resume", Status.IN_PROGRESS, Status.IN_PROGRESS, comment)


ACTIONS: dict[str, ActionSpec] = {}
for _spec in (
    ActionSpec("submit", "提交", _refuse_submit, _apply_submit, style="primary"),
    ActionSpec("approve", "同意", _refuse_decide("approval"), _apply_decide(TaskStatus.APPROVED), style="primary"),
    ActionSpec("complete", "完成", _refuse_decide("stage"), _apply_decide(TaskStatus.COMPLETED), style="primary"),
    ActionSpec("send_back", "退回上一步", _refuse_send_back, _apply_send_back, needs_comment=True),
    ActionSpec("reject", "退回申请人", _refuse_decide("approval"), _apply_reject, needs_comment=True, style="danger"),
    ActionSpec("withdraw", "撤回", _refuse_withdraw, _apply_withdraw),
    ActionSpec("pause", "暂停计时", _refuse_pause, _apply_pause, needs_comment=True, comment_label="暂停原因"),
    ActionSpec("resume", "恢复计时", _refuse_resume, _apply_resume),
    ActionSpec("void", "作废", _refuse_void, _apply_void, needs_comment=True, comment_label="作废原因", style="danger"),
):  # fmt: skip
    register_action(_spec)


# --- steps, tasks, clocks ---------------------------------------------------------------------


def independent_approvals(instance: Instance) -> int:
    """Approvals in this round, before any execution step, by someone other than the applicant
    (as themselves or for someone else): what an execution step needs at least one of."""
    flow = get_flow(instance.form_type)
    executing = {s.key for s in flow.steps if s.execution}
    applicant = instance.applicant_id
    return sum(
        1
        for t in instance.tasks
        if t.round == instance.round
        and t.status == TaskStatus.APPROVED
        and t.step_key not in executing
        and applicant not in (t.actor_id, t.on_behalf_of_id)
    )


def _check_independent(ctx: Ctx, step: Step) -> None:
    if not step.execution or independent_approvals(ctx.instance):
        return
    note = ctx.flow.unapproved_note(ctx.record) if ctx.flow.unapproved_note else None
    if not note:
        raise WorkflowError(
            f"本申请没有经过任何独立审批（各审批步骤的审批人都是申请人本人），"
            f"按流程不能进入“{step.name}”。请联系系统管理员调整审批人。"
        )
    _audit(ctx, "unapproved", Status.IN_PROGRESS, Status.IN_PROGRESS, note, step=step)


def _advance(ctx: Ctx, start: int) -> None:
    """Open the first applicable step from `start`; complete the instance when none is left."""
    for step in ctx.flow.steps[start:]:
        if step.when is not None and not step.when(ctx.record):
            continue
        people, fallback = _resolve(ctx, step)
        if not people:
            _skip(ctx, step)
            continue
        _check_independent(ctx, step)
        if not fallback and _approved_just_before(ctx, step, people):
            continue
        _open_step(ctx, step, people, fallback)
        return
    ctx.instance.status = Status.COMPLETED
    ctx.instance.completed_at = now()
    ctx.instance.step_key = None
    _audit(ctx, "finish", Status.IN_PROGRESS, Status.COMPLETED)
    _notify_applicant(ctx, f"{_what(ctx)}：已办结。", "result")


def _skip(ctx: Ctx, step: Step) -> None:
    """The applicant was the step's only approver: a decided row in the trail says so."""
    current = now()
    ctx.instance.tasks.append(
        Task(
            step_key=step.key, step_name=step.name, round=ctx.instance.round,
            assignee_id=ctx.instance.applicant_id, status=TaskStatus.SKIPPED, comment=SELF_SKIP,
            created_at=current, decided_at=current,
        )
    )  # fmt: skip
    _audit(ctx, "skip", Status.IN_PROGRESS, Status.IN_PROGRESS, SELF_SKIP, step=step)


def _approved_just_before(ctx: Ctx, step: Step, people: list[User]) -> bool:
    """`Flow.extra["approve_once"]`: a plain approval step whose approver (或签: one of them;
    会签: all of them) approved the step just before in this round, in person, is approved for
    them again with a row in the trail that says so. Never a step with a page, an execution
    step, or a person the step's own rules left out (the applicant, `distinct_from`)."""
    if not ctx.flow.extra.get("approve_once") or step.kind != "approval":
        return False
    if step.page or step.execution:
        return False
    decided = [t for t in ctx.instance.tasks if t.round == ctx.instance.round
               and t.status in DECIDED and t.status != TaskStatus.SKIPPED]  # fmt: skip
    if not decided:
        return False
    last = max(decided, key=lambda t: (t.decided_at, t.id or 0))
    if last.status != TaskStatus.APPROVED:
        return False
    before = {t.actor_id for t in decided if t.step_key == last.step_key
              and t.status == TaskStatus.APPROVED and t.on_behalf_of_id is None}  # fmt: skip
    again = [u for u in people if u.id in before]
    if not again or (step.mode != ANY and len(again) < len(people)):
        return False
    current = now()
    for user in again if step.mode != ANY else again[:1]:
        ctx.instance.tasks.append(
            Task(
                step_key=step.key, step_name=step.name, round=ctx.instance.round,
                assignee_id=user.id, actor_id=user.id, status=TaskStatus.APPROVED,
                comment=APPROVED_ONCE, created_at=current, decided_at=current,
            )
        )  # fmt: skip
    _audit(ctx, "approve_once", Status.IN_PROGRESS, Status.IN_PROGRESS, APPROVED_ONCE, step=step)
    return True


def _resolve(ctx: Ctx, step: Step) -> tuple[list[User], bool]:
    """Assignees of a step; ([], False) means skip (the applicant was the only approver); no one
    found means the system administrators (fallback, with a visible warning)."""
    people = list(dict.fromkeys(step.assignee.resolve(ctx.context())))
    applicant_id = ctx.instance.applicant_id
    if step.on_applicant != KEEP and any(u.id == applicant_id for u in people):
        people = [u for u in people if u.id != applicant_id]  # the others carry on
        if not people and step.on_applicant == SKIP:
            return [], False
        if not people:  # go up to the people the flow names
            up = step.on_applicant.resolve(ctx.context())
            people = [u for u in dict.fromkeys(up) if u.id != applicant_id]
    if step.distinct_from:
        people = _distinct(ctx, step, people)
    if people:
        return people, False
    admins = list(db.session.scalars(users_with_role(RoleCode.SYSADMIN)))
    warning = f"步骤“{step.name}”找不到审批人（{step.assignee.describe()}），已转系统管理员处理。"
    ctx.instance.warning = warning
    _audit(ctx, "fallback", Status.IN_PROGRESS, Status.IN_PROGRESS, warning, step=step)
    return admins, True


def _distinct(ctx: Ctx, step: Step, people: list[User]) -> list[User]:
    """Leave out who decided the steps this one must be independent of; when nobody is left,
    the step goes to its escalation people (then, like any empty step, the administrators)."""

    def allowed(users):
        return [u for u in users if not _decided_by(ctx.instance, step.distinct_from, u)]

    kept = allowed(people)
    if kept or step.escalate_to is None:
        return kept
    return allowed(dict.fromkeys(step.escalate_to.resolve(ctx.context())))


def _open_step(ctx: Ctx, step: Step, people: list[User], fallback: bool) -> None:
    ctx.instance.step_key = step.key
    opened = now()
    due = due_at(step, ctx.record, ctx.instance, opened)
    for user in people:
        task = Task(
            instance=ctx.instance,
            step_key=step.key,
            step_name=step.name,
            round=ctx.instance.round,
            assignee=user,
            due_at=due,
            fallback=fallback,
        )
        db.session.add(task)
        db.session.flush()
        _notify_task(ctx, task, "task")
    if step.cc is not None:
        add_watchers(ctx.instance, step.cc.resolve(ctx.context()), source=f"step:{step.key}")
    db.session.flush()


def _resume_clock(ctx: Ctx) -> None:
    """Push open deadlines back by the time spent paused, in each step's own kind of time."""
    instance = ctx.instance
    paused_at, current = instance.paused_at, now()
    instance.paused_seconds += int((current - paused_at).total_seconds())
    instance.paused_business_seconds += int(time_between(paused_at, current, True).total_seconds())
    for task in instance.open_tasks:
        step = ctx.flow.step(task.step_key)
        business = bool(step.deadline and step.deadline.business)
        if step.deadline is not None and not step.deadline.pausable:
            continue
        if task.due_at is not None:
            task.due_at = add_time(
                task.due_at, time_between(paused_at, current, business), business
            )
            task.reminded_at = None
    instance.paused_at = None
    instance.pause_reason = ""


def _close_task(task: Task, status: str, actor: User, principal: User | None, comment: str) -> None:
    task.status = status
    task.actor = actor
    task.on_behalf_of = principal
    task.comment = comment
    task.decided_at = now()
    task_closed(task.id)


def _cancel_open(instance: Instance) -> None:
    for task in instance.pending_tasks:
        task.status = TaskStatus.CANCELLED
        task.decided_at = now()
        task_closed(task.id)


def add_watchers(instance: Instance, users, source: str = "applicant") -> None:
    existing = {w.user_id for w in instance.watchers}
    flow = get_flow(instance.form_type)
    for user in users:
        if user is None or user.id in existing:
            continue
        instance.watchers.append(Watcher(user_id=user.id, source=source))
        existing.add(user.id)
        notify(
            [user],
            f"抄送：{flow.name} {instance.number or ''} {instance.title}",
            kind="cc",
            url=record_url(instance),
            instance_id=instance.id,
        )


# --- audit and notifications ------------------------------------------------------------------


def _what(ctx: Ctx) -> str:
    return headline(ctx.instance)


def holders(instance: Instance) -> str:
    """Who has it now: "王总", or "李副总（代 王总）" while a delegate acts for them."""
    names = []
    for task in instance.open_tasks:
        delegate = delegation.delegate_for(task.assignee, instance.form_type)
        acting = delegate is not None and delegate.id != instance.applicant_id
        names.append(f"{delegate.display_name}（代 {task.assignee.display_name}）" if acting
                     else task.assignee.display_name)  # fmt: skip
    return "、".join(dict.fromkeys(names))


def _audit(ctx, action, before, after, comment="", principal=None, data=None, step=None) -> None:
    step = step or ctx.step
    audit.record(
        "workflow",
        ctx.instance.id,
        action,
        ctx.actor,
        on_behalf_of=principal,
        from_status=before,
        to_status=after,
        step=step.name if step else "",
        comment=comment,
        data=data,
    )


log = _audit  # for actions a domain or a later engine module declares


def _notify_task(ctx: Ctx, task: Task, kind: str) -> None:
    """待您处理 for a task: the assignee, and their delegate while a delegation is active (not
    when the delegate is the applicant, who may not act on their own record). Marked done when
    the task closes."""
    people = [task.assignee]
    delegate = delegation.delegate_for(task.assignee, ctx.instance.form_type)
    if delegate is not None and delegate.id != ctx.instance.applicant_id:
        people.append(delegate)
    how = {"before": "（加签，请先处理）", "after": "（加签）", "parallel": "（加签会签）",
           "transfer": "（转交）"}.get(task.position, "")  # fmt: skip
    notify(
        people,
        f"{_what(ctx)}：待您处理（{task.step_name}）{how}",
        kind=kind,
        url=record_url(ctx.instance),
        instance_id=ctx.instance.id,
        task_id=task.id,
    )


def _notify_progress(ctx: Ctx, task: Task) -> None:
    """The applicant hears of each decision along the way (unless they asked for the result
    only): "…用印申请：赵经理已同意，待王总审批"."""
    applicant = ctx.instance.applicant
    if not applicant.notify_each_step or ctx.actor.id == applicant.id:
        return
    verb = "已同意" if task.status == TaskStatus.APPROVED else "已办理"
    waiting = holders(ctx.instance)
    then = f"，待{waiting}处理" if waiting else ""
    notify([applicant], f"{_what(ctx)}：{ctx.actor.display_name}{verb}{then}", kind="progress",
           url=record_url(ctx.instance), instance_id=ctx.instance.id)  # fmt: skip


def _notify_applicant(ctx: Ctx, message: str, kind: str) -> None:
    if (
        ctx.actor.id == ctx.instance.applicant_id
        and kind == "result"
        and ctx.instance.status != Status.COMPLETED
    ):
        return
    notify(
        [ctx.instance.applicant],
        message,
        kind=kind,
        url=record_url(ctx.instance),
        instance_id=ctx.instance.id,
    )
