"""`flask workflow tick`: reminders before a deadline and escalations after it, the registered
jobs, then the e-mail outbox; idempotently.

Run it from cron or a systemd timer every few minutes, on every node if you like: each job runs
under its lock (`jobs.run_job`) and e-mails are claimed row by row (`notifications.outbox`).
Each reminder and escalation is sent once per task (`reminded_at`/`escalated_at` plus a
notification dedupe key), however often and wherever tick runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

import portal.workflow.delegation as delegation
from portal.core import audit
from portal.core.clock import now
from portal.extensions import db
from portal.notifications.outbox import send_pending_emails
from portal.notifications.services import notify
from portal.workflow.engine import Ctx, load_record, record_url
from portal.workflow.flow import get_flow
from portal.workflow.jobs import Skipped, run_job
from portal.workflow.models import Instance, Status, Task, TaskStatus


@dataclass
class TickResult:
    reminders: int = 0
    escalations: int = 0
    emails: int = 0
    jobs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # jobs another run was doing


def _remind_before(step, task: Task) -> timedelta:
    lead = step.deadline.remind_before if step.deadline is not None else None
    if callable(lead):
        instance = task.instance
        lead = lead(load_record(get_flow(instance.form_type), instance))
    if lead is not None:
        return lead
    span = task.due_at - task.created_at
    return max(span / 5, timedelta(hours=1))


def _open_with_deadlines():
    return (
        select(Task)
        .join(Task.instance)
        .where(
            Task.status == TaskStatus.OPEN,
            Task.due_at.is_not(None),
            Instance.status == Status.IN_PROGRESS,
        )
        .order_by(Task.due_at)
    )


def _people(task: Task, form_type: str) -> list:
    """The assignee and their delegate (not when the delegate applied: they may not act)."""
    delegate = delegation.delegate_for(task.assignee, form_type)
    if delegate is None or delegate.id == task.instance.applicant_id:
        return [task.assignee]
    return [task.assignee, delegate]


def tick() -> TickResult:
    """Each part runs and commits in a transaction of its own; the session's open transaction
    is committed first."""
    result = TickResult()
    jobs = [("workflow.deadlines", lambda: _deadlines(result))]
    for job in current_app.extensions.get("portal_tick_jobs", []):
        jobs.append((f"{job.__module__}.{job.__qualname__}", job))
    for name, job in jobs:
        try:
            lines = run_job(name, job)
        except Skipped:
            result.skipped.append(name)
            result.jobs.append(f"{name}: skipped, another run is doing it")
            continue
        result.jobs.extend(lines or [])
    result.emails = send_pending_emails().sent
    return result


def _deadlines(result: TickResult) -> list[str]:
    current = now()
    for task in db.session.scalars(_open_with_deadlines()).all():
        instance = task.instance
        flow = get_flow(instance.form_type)
        step = flow.step(task.step_key)
        if instance.paused_at is not None and (step.deadline is None or step.deadline.pausable):
            continue  # this clock is stopped; a deadline the pause does not stop still runs
        label = f"{flow.name} {instance.number} {instance.title}（{task.step_name}）"
        url = record_url(instance)
        if task.due_at <= current and task.escalated_at is None:
            _escalate(task, flow, step, label, url)
            result.escalations += 1
        elif (
            task.due_at > current
            and task.reminded_at is None
            and task.due_at - current <= _remind_before(step, task)
        ):
            due = task.due_at
            notify(
                _people(task, instance.form_type),
                f"即将到期：{label}，请在期限前处理。",
                kind="reminder",
                url=url,
                instance_id=instance.id,
                dedupe_key=f"remind:{task.id}:{due.isoformat()}",
            )
            task.reminded_at = current
            result.reminders += 1
    db.session.flush()
    return []


def register_tick_job(app, job) -> None:
    """job() -> list of summary lines; runs on every tick in its own transaction under its
    lock (`jobs.run_job`) and must be idempotent (e.g. the supplies plan built on the 25th)."""
    app.extensions.setdefault("portal_tick_jobs", []).append(job)


def _escalate(task: Task, flow, step, label: str, url: str) -> None:
    instance = task.instance
    people = _people(task, instance.form_type)
    if step.escalate_to is not None:
        ctx = Ctx(flow, instance, load_record(flow, instance), instance.applicant)
        people += step.escalate_to.resolve(ctx.context())
    notify(
        people,
        f"已超时：{label}",
        kind="escalation",
        url=url,
        instance_id=instance.id,
        dedupe_key=f"escalate:{task.id}:{task.due_at.isoformat()}",
    )
    task.escalated_at = now()
    audit.record(
        "workflow",
        instance.id,
        "overdue",
        None,
        from_status=instance.status,
        to_status=instance.status,
        step=task.step_name,
        comment=f"{task.assignee.display_name} 的处理期限已过",
    )
