"""Stage clocks: for each step of a record, who owns it, by when, when it was done and by whom,
and its state: waiting, running, paused, due soon (within the flow's `due_soon`), overdue, done
on time, done late. The record page, registers, PDFs and the home deadline panel read these;
due times come from the engine's own arithmetic (`deadlines.due_at`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from portal.core.clock import format_local, now
from portal.extensions import db
from portal.home.services import Panel
from portal.workflow.deadlines import due_at
from portal.workflow.engine import load_record, record_url
from portal.workflow.flow import Flow, Step, get_flow
from portal.workflow.models import DECIDED, Instance, Status, Task, TaskStatus
from portal.workflow.naming import actor_label

STATE_LABELS = {
    "waiting": "未开始",
    "running": "进行中",
    "paused": "已暂停",
    "due_soon": "即将到期",
    "overdue": "已超时",
    "done_on_time": "按时完成",
    "done_late": "超时完成",
    "done": "已完成",
    "skipped": "已跳过",
    "none": "—",
}
STATE_CSS = {
    "waiting": "tag",
    "running": "tag tag-info",
    "paused": "tag",
    "due_soon": "tag tag-warn",
    "overdue": "tag tag-danger",
    "done_on_time": "tag tag-ok",
    "done_late": "tag tag-late",
    "done": "tag tag-ok",
    "skipped": "tag",
    "none": "",
}


@dataclass(frozen=True)
class StageClock:
    key: str
    name: str
    owner: str
    due_at: datetime | None
    done_at: datetime | None
    actor: str
    state: str
    clause: str = ""

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def css(self) -> str:
        return STATE_CSS[self.state]

    @property
    def overdue(self) -> bool:
        return self.state in ("overdue", "done_late")

    def text(self) -> str:
        """One cell of an export: 状态 · 期限 · 完成."""
        parts = [self.label] if self.state != "none" else []
        if self.due_at:
            parts.append(f"期限 {format_local(self.due_at)}")
        if self.done_at:
            parts.append(f"完成 {format_local(self.done_at)}")
        return " · ".join(parts)


def _running_state(flow: Flow, instance: Instance, step: Step, due, current) -> str:
    pausable = step.deadline is None or step.deadline.pausable
    if instance.paused_at is not None and pausable:
        return "paused"
    if due is None:
        return "running"
    if current > due:
        return "overdue"
    return "due_soon" if due - current <= flow.due_soon else "running"


def _done_state(task: Task) -> str:
    if task.status == TaskStatus.SKIPPED:
        return "skipped"
    if task.due_at is None:
        return "done"
    return "done_on_time" if task.decided_at <= task.due_at else "done_late"


def _clock(flow: Flow, instance: Instance, step: Step, record, current) -> StageClock | None:
    tasks = [
        t
        for t in instance.tasks
        if t.step_key == step.key
        and t.round == instance.round
        and t.status in (TaskStatus.OPEN, TaskStatus.APPROVED, TaskStatus.COMPLETED,
                         TaskStatus.SKIPPED)
    ]  # fmt: skip
    base = {"key": step.key, "name": step.name, "clause": step.clause}
    open_tasks = [t for t in tasks if t.status == TaskStatus.OPEN]
    if open_tasks and instance.status == Status.IN_PROGRESS:
        dues = [t.due_at for t in open_tasks if t.due_at is not None]
        due = min(dues) if dues else None
        owner = "、".join(t.assignee.display_name for t in open_tasks)
        state = _running_state(flow, instance, step, due, current)
        return StageClock(**base, owner=owner, due_at=due, done_at=None, actor="", state=state)
    decided = [t for t in tasks if t.status != TaskStatus.OPEN]
    if decided:
        last = max(decided, key=lambda t: (t.decided_at, t.id))
        people = [t for t in decided if t.status in DECIDED]
        actors = "、".join(actor_label(t.actor, t.on_behalf_of) for t in people)
        return StageClock(
            **base, owner=actors, due_at=last.due_at, done_at=last.decided_at, actor=actors,
            state=_done_state(last),
        )  # fmt: skip
    applies = step.when(record) if step.when is not None else True
    if applies is False:
        return None
    if instance.status != Status.IN_PROGRESS:
        return StageClock(**base, owner="", due_at=None, done_at=None, actor="", state="none")
    projected = _projected(step, record, instance)
    owner = step.assignee.describe()
    return StageClock(
        **base, owner=owner, due_at=projected, done_at=None, actor="", state="waiting"
    )


def _projected(step: Step, record, instance: Instance) -> datetime | None:
    """When a step counted from submission will be due, before it opens."""
    if step.deadline is None or step.deadline.anchor != "submit":
        return None
    return due_at(step, record, instance, now())


def stage_clocks(instance: Instance, record=None) -> list[StageClock]:
    """Every step that applies (or may still apply) to the record, in flow order."""
    flow = get_flow(instance.form_type)
    record = record if record is not None else load_record(flow, instance)
    current = now()
    clocks = (_clock(flow, instance, step, record, current) for step in flow.steps)
    return [c for c in clocks if c is not None]


def stage_map(instance: Instance, record=None) -> dict[str, StageClock]:
    return {c.key: c for c in stage_clocks(instance, record)}


def submitted_clock(instance: Instance, name: str = "提交", clause: str = "") -> StageClock:
    """The submission itself (a complaint's 受理登记), shown first on the record and the PDF."""
    applicant = instance.applicant.display_name
    return StageClock(
        key="submit", name=name, owner=applicant, due_at=None, done_at=instance.submitted_at,
        actor=applicant, state="done" if instance.submitted_at else "waiting", clause=clause,
    )  # fmt: skip


def has_overdue(instance: Instance, record=None) -> bool:
    return any(c.state == "overdue" for c in stage_clocks(instance, record))


# --- the home page's deadline panel -----------------------------------------------------------


@dataclass(frozen=True)
class DeadlinePanel:
    """A home panel of the open steps of some flows that are overdue or due soon, for the people
    `can_see` admits (e.g. 投诉时限预警 for 客服 and 品质部)."""

    title: str
    flows: tuple[str, ...]
    can_see: object  # (user) -> bool
    link_endpoint: str
    empty: str = "没有超时或即将到期的环节。"
    order: int = 15


def register_deadline_panel(app, spec: DeadlinePanel) -> None:
    from portal.home.services import register_panel

    register_panel(app, lambda user: deadline_panel(spec, user))


def deadline_panel(spec: DeadlinePanel, user) -> Panel | None:
    if not spec.can_see(user):
        return None
    current = now()
    soon = max(get_flow(key).due_soon for key in spec.flows)
    tasks = db.session.scalars(
        select(Task)
        .join(Task.instance)
        .where(
            Instance.form_type.in_(spec.flows),
            Instance.status == Status.IN_PROGRESS,
            Instance.paused_at.is_(None),
            Task.status == TaskStatus.OPEN,
            Task.step_key == Instance.step_key,
            Task.due_at.is_not(None),
            Task.due_at <= current + soon,
        )
        .order_by(Task.due_at)
        .limit(40)
        .options(contains_eager(Task.instance), joinedload(Task.assignee))
    ).all()
    stages: dict[tuple[int, str], list[Task]] = {}
    for task in tasks:  # one line per stage, however many people share it (或签)
        stages.setdefault((task.instance_id, task.step_key), []).append(task)
    items = [_panel_item(group, current) for group in list(stages.values())[:8]]
    return Panel(spec.title, items, spec.empty, url_for(spec.link_endpoint), order=spec.order)


def _panel_item(group: list[Task], current) -> dict:
    first = group[0]
    people = "、".join(t.assignee.display_name for t in group)
    return {
        "label": f"{first.instance.number} {first.instance.title}（{first.step_name}）",
        "url": record_url(first.instance),
        "meta": f"{people} · 期限 {format_local(first.due_at)}",
        "overdue": first.due_at < current,
    }
