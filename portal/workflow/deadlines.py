"""When a step is due: one piece of arithmetic for the engine (a task's due time when its step
opens), the stage clocks (a step's projected due time before it opens) and reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.core.calendar import add_time, add_workdays
from portal.workflow.flow import Deadline, Step


def concrete(step: Step, record) -> Deadline | datetime | None:
    """The step's deadline with the record's figures filled in: a Deadline with a duration, an
    absolute datetime (e.g. a take-out's expected return), or None (no deadline)."""
    deadline = step.deadline
    if deadline is None:
        return None
    if deadline.resolve is None:
        return deadline
    resolved = deadline.resolve(record)
    if resolved is None or isinstance(resolved, datetime):
        return resolved
    return Deadline(
        hours=resolved.hours,
        days=resolved.days,
        business=resolved.business,
        workdays=resolved.workdays,
        anchor=deadline.anchor,
        remind_before=deadline.remind_before,
        pausable=deadline.pausable,
    )


def due_at(step: Step, record, instance, opened_at: datetime) -> datetime | None:
    """Due time of `step` for a task opened at `opened_at`. A deadline anchored on submission
    counts from the instance's submission and skips the time the flow's clock was paused."""
    deadline = concrete(step, record)
    if deadline is None or isinstance(deadline, datetime):
        return deadline
    base, paused = opened_at, timedelta(0)
    if deadline.anchor == "submit":
        if instance.submitted_at is None:
            return None
        base = instance.submitted_at
        if deadline.pausable:
            seconds = (
                instance.paused_business_seconds if deadline.business else instance.paused_seconds
            )
            paused = timedelta(seconds=seconds)
    if deadline.workdays:
        return add_workdays(base, int(deadline.workdays)) + paused
    if deadline.duration <= timedelta(0):
        return None
    return add_time(base, deadline.duration + paused, deadline.business)
