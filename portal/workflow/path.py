"""The approval path of one record, as DingTalk shows it: every step this record will take
(conditions evaluated on the record; steps that do not apply left out, or greyed with why),
each with its people by name, its state, when it was decided and with what comment, and for the
current step how long it has waited and by when. Plain data for the panel and the PDF."""

from __future__ import annotations

from datetime import datetime

from portal.core.clock import now
from portal.workflow import delegation
from portal.workflow.engine import load_record
from portal.workflow.flow import ALL, Context, get_flow
from portal.workflow.models import DECIDED, PENDING, POSITIONS, Instance, Status, TaskStatus
from portal.workflow.naming import actor_label, done_label

STATES = {
    "done": "已同意",
    "returned": "已退回",
    "current": "处理中",
    "future": "未开始",
    "skipped": "已跳过",
    "na": "不适用",
    "cancelled": "已撤销",
}


def waited(since: datetime | None, until: datetime | None = None) -> str:
    """ "3 天 2 小时", "5 小时", "20 分钟"."""
    if since is None:
        return ""
    seconds = int(((until or now()) - since).total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    return f"{hours} 小时" if hours else f"{max(rest // 60, 1)} 分钟"


def _person(task, instance: Instance) -> dict:
    step = get_flow(instance.form_type).step(task.step_key)
    name = task.assignee.display_name
    if task.status in PENDING:
        delegate = delegation.delegate_for(task.assignee, instance.form_type)
        if delegate is not None and delegate.id != instance.applicant_id:
            name = f"{delegate.display_name}（代 {name}）"
    elif task.actor is not None:
        name = actor_label(task.actor, task.on_behalf_of)
    return {
        "name": name,
        "state": done_label(step, task) if task.status not in PENDING else (
            "等待加签人处理" if task.status == TaskStatus.HELD else "处理中"),
        "how": POSITIONS.get(task.position, ""),
        "at": task.decided_at,
        "comment": task.comment,
        "waited": waited(task.created_at) if task.status == TaskStatus.OPEN else "",
        "due_at": task.due_at if task.status in PENDING else None,
        "overdue": bool(task.status in PENDING and task.due_at and task.due_at < now()),
    }  # fmt: skip


def _node_state(tasks, current: bool) -> str:
    if current and any(t.status in PENDING for t in tasks):
        return "current"
    if any(t.status == TaskStatus.SKIPPED for t in tasks):
        return "skipped"
    if any(t.status in (TaskStatus.REJECTED, TaskStatus.SENT_BACK) for t in tasks):
        return "returned"
    if any(t.status in DECIDED for t in tasks):
        return "done"
    return "cancelled" if tasks else "future"


# How the people of a node decide once someone was added to it (加签), by position.
ADDED_MODES = {
    "before": "依次：加签人先审",
    "after": "依次：加签人后审",
    "parallel": "全部：与加签人会签",
}


def node_mode(step, tasks, people: int) -> str:
    """或签 "任一人" / 会签 "全部" for the step's own people (its tasks, or the `people` it will
    go to when it has none yet) when more than one, and how signers added to it decide (加签:
    in turn, before or after their holder, or together with them). A task handed over (转交)
    counts once, as its new holder."""
    live = [t for t in tasks if t.status != TaskStatus.TRANSFERRED]
    own = len([t for t in live if t.position in ("", "transfer")]) if tasks else people
    parts = [("全部" if step.mode == ALL else "任一人")] if own > 1 else []
    added = {t.position for t in live}
    parts += [words for position, words in ADDED_MODES.items() if position in added]
    return "；".join(parts)


def _future_people(step, ctx: Context, instance: Instance) -> list[dict]:
    people = [u for u in dict.fromkeys(step.assignee.resolve(ctx)) if u is not None]
    if step.on_applicant != "keep":
        people = [u for u in people if u.id != instance.applicant_id] or people
    return [{"name": u.display_name, "state": "", "how": "", "at": None, "comment": "",
             "waited": "", "due_at": None, "overdue": False} for u in people]  # fmt: skip


def approval_path(instance: Instance, show_na: bool = True) -> list[dict]:
    """One node per step of the flow, in order."""
    flow = get_flow(instance.form_type)
    record = load_record(flow, instance)
    ctx = Context(instance, record, instance.applicant)
    running = instance.status == Status.IN_PROGRESS
    nodes = []
    for step in flow.steps:
        tasks = [t for t in instance.tasks if t.step_key == step.key
                 and t.round == instance.round and t.status != TaskStatus.CANCELLED]  # fmt: skip
        applies = step.when(record) if step.when is not None else True
        if not tasks and applies is False:
            if show_na:
                nodes.append({"key": step.key, "name": step.name, "state": "na",
                              "label": STATES["na"], "people": [], "mode": "",
                              "why": step.when_label or "本申请不适用该步骤"})  # fmt: skip
            continue
        state = _node_state(tasks, running and instance.step_key == step.key)
        people = (
            [_person(t, instance) for t in tasks] if tasks else _future_people(step, ctx, instance)
        )
        if state == "future" and applies is None:
            why = step.when_label or "视前一步的结果而定"
        else:
            why = next((t.comment for t in tasks if t.status == TaskStatus.SKIPPED), "")
        mode = node_mode(step, tasks, len(people))
        label = STATES[state]
        if state == "done" and step.done_label:
            label = step.done_label
        elif state == "done" and step.kind != "approval":
            label = "已完成"
        nodes.append({"key": step.key, "name": step.name, "state": state, "label": label,
                      "people": people, "why": why, "mode": mode})  # fmt: skip
    return nodes
