"""Stage clocks as data: for each step of a complaint (or return, or claim) who owns it, by
when, when it was done and by whom, and its colour in the register: on time, due soon (under
4 hours left, QP-CS-01 4.2.3), overdue, done on time, done late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import select

from portal.core.calendar import add_time
from portal.core.clock import format_local, now
from portal.extensions import db
from portal.home.services import Panel
from portal.workflow.engine import load_record, record_url
from portal.workflow.flow import Step, get_flow
from portal.workflow.models import Instance, Status, Task, TaskStatus
from portal.workflow.services import actor_label

from .flow import CLAUSES, DUE_SOON, FLOWS, sees_all

STATE_LABELS = {
    "waiting": "未开始",
    "running": "进行中",
    "paused": "已暂停",
    "due_soon": "即将到期",
    "overdue": "已超时",
    "done_on_time": "按时完成",
    "done_late": "超时完成",
    "done": "已完成",
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
    "none": "",
}
# Steps shown as "not started" while the decision that selects them is still open.
VALID_PATH = {"containment", "reply", "reply_approval", "reply_send", "capa", "capa_action",
              "verify", "close"}  # fmt: skip
UNDECIDED = {
    "complaints": (lambda r: r.valid is None, VALID_PATH),
    "complaint_returns": (lambda r: not r.disposition, {"rework"}),
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


def _applies(flow_key: str, step: Step, record) -> bool:
    if step.when is None or step.when(record):
        return True
    undecided, keys = UNDECIDED.get(flow_key, (lambda r: False, set()))
    return step.key in keys and undecided(record)


def projected_due(instance: Instance, step: Step, record) -> datetime | None:
    """When a step counted from registration will be due, before it opens."""
    deadline = step.deadline
    if deadline is None or deadline.anchor != "submit" or instance.submitted_at is None:
        return None
    resolved = deadline.resolve(record) if deadline.resolve else deadline
    if isinstance(resolved, datetime) or resolved is None:
        return resolved
    if resolved.duration <= timedelta(0):
        return None
    paused = 0
    if deadline.pausable:
        paused = instance.paused_business_seconds if resolved.business else instance.paused_seconds
    return add_time(
        instance.submitted_at, resolved.duration + timedelta(seconds=paused), resolved.business
    )


def _running_state(instance: Instance, step: Step, due: datetime | None, current) -> str:
    pausable = step.deadline is None or step.deadline.pausable
    if instance.paused_at is not None and pausable:
        return "paused"
    if due is None:
        return "running"
    if current > due:
        return "overdue"
    return "due_soon" if due - current <= DUE_SOON else "running"


def _clock(instance: Instance, step: Step, record, current: datetime) -> StageClock | None:
    tasks = [
        t
        for t in instance.tasks
        if t.step_key == step.key
        and t.round == instance.round
        and t.status not in (TaskStatus.CANCELLED, TaskStatus.SENT_BACK, TaskStatus.REJECTED)
    ]
    base = {"key": step.key, "name": step.name, "clause": CLAUSES.get(step.key, "")}
    open_tasks = [t for t in tasks if t.status == TaskStatus.OPEN]
    if open_tasks and instance.status == Status.IN_PROGRESS:
        dues = [t.due_at for t in open_tasks if t.due_at is not None]
        due = min(dues) if dues else None
        owner = "、".join(t.assignee.display_name for t in open_tasks)
        state = _running_state(instance, step, due, current)
        return StageClock(**base, owner=owner, due_at=due, done_at=None, actor="", state=state)
    decided = [t for t in tasks if t.status != TaskStatus.OPEN]
    if decided:
        last = max(decided, key=lambda t: (t.decided_at, t.id))
        if last.due_at is None:
            state = "done"
        else:
            state = "done_on_time" if last.decided_at <= last.due_at else "done_late"
        actors = "、".join(actor_label(t.actor, t.on_behalf_of) for t in decided)
        return StageClock(
            **base, owner=actors, due_at=last.due_at, done_at=last.decided_at, actor=actors,
            state=state,
        )  # fmt: skip
    if not _applies(instance.form_type, step, record):
        return None
    if instance.status != Status.IN_PROGRESS:
        return StageClock(**base, owner="", due_at=None, done_at=None, actor="", state="none")
    due = projected_due(instance, step, record)
    owner = step.assignee.describe()
    return StageClock(**base, owner=owner, due_at=due, done_at=None, actor="", state="waiting")


def stage_clocks(instance: Instance, record=None) -> list[StageClock]:
    """Every step that applies to the record, in flow order."""
    flow = get_flow(instance.form_type)
    record = record if record is not None else load_record(flow, instance)
    current = now()
    clocks = (_clock(instance, step, record, current) for step in flow.steps)
    return [c for c in clocks if c is not None]


def stage_map(instance: Instance, record=None) -> dict[str, StageClock]:
    return {c.key: c for c in stage_clocks(instance, record)}


def intake_clock(instance: Instance) -> StageClock:
    """受理: registration itself, shown first on the record and the PDF."""
    return StageClock(
        key="intake", name="受理登记", owner=instance.applicant.display_name, due_at=None,
        done_at=instance.submitted_at, actor=instance.applicant.display_name,
        state="done" if instance.submitted_at else "waiting", clause=CLAUSES["intake"],
    )  # fmt: skip


def has_overdue(instance: Instance, record=None) -> bool:
    return any(c.state == "overdue" for c in stage_clocks(instance, record))


# --- home panel --------------------------------------------------------------------------------


def deadline_panel(user) -> Panel | None:
    """投诉时限预警 for those who follow every complaint: steps overdue or due within 4 hours."""
    if not sees_all(user):
        return None
    current = now()
    tasks = db.session.scalars(
        select(Task)
        .join(Task.instance)
        .where(
            Instance.form_type.in_([f.key for f in FLOWS]),
            Instance.status == Status.IN_PROGRESS,
            Instance.paused_at.is_(None),
            Task.status == TaskStatus.OPEN,
            Task.step_key == Instance.step_key,
            Task.due_at.is_not(None),
            Task.due_at <= current + DUE_SOON,
        )
        .order_by(Task.due_at)
        .limit(40)
    ).all()
    stages: dict[tuple[int, str], list[Task]] = {}
    for task in tasks:  # one line per stage, however many people share it (或签)
        stages.setdefault((task.instance_id, task.step_key), []).append(task)
    items = [
        {
            "label": f"{group[0].instance.number} {group[0].instance.title}（{group[0].step_name}）",
            "url": record_url(group[0].instance),
            "meta": f"{'、'.join(t.assignee.display_name for t in group)} · "
            f"期限 {format_local(group[0].due_at)}",
            "overdue": group[0].due_at < current,
        }
        for group in list(stages.values())[:8]
    ]
    return Panel(
        "投诉时限预警", items, "没有超时或即将到期的投诉环节。", url_for("complaints.index"),
        order=15,
    )  # fmt: skip
