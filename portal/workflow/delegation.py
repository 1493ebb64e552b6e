"""Delegation (受托人): who acts for whom, today. Resolved when a task is read or acted on, so
open tasks follow a delegation the moment it starts and return when it ends."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import func, or_, select

from portal.auth.models import User
from portal.core import audit, generations
from portal.core.clock import local_now, now
from portal.extensions import db
from portal.workflow.flow import family_of
from portal.workflow.models import Delegation


class DelegationError(ValueError):
    """Shown to the user as is."""


def today() -> date:
    return local_now().date()


def _active(on: date | None = None, form_type: str | None = None):
    on = on or today()
    query = select(Delegation).where(
        Delegation.cancelled_at.is_(None), Delegation.starts_on <= on, Delegation.ends_on >= on
    )
    if form_type is not None:
        scopes = {form_type, family_of(form_type)}  # the form, or one version of it
        query = query.where(or_(Delegation.form_type.is_(None), Delegation.form_type.in_(scopes)))
    return query


def delegate_for(principal: User, form_type: str | None = None) -> User | None:
    """The user acting for `principal` today, if any."""
    on = today()
    scopes = None if form_type is None else {None, form_type, family_of(form_type)}
    for row in standing(on):  # newest first
        if (
            row.principal_id == principal.id
            and row.starts_on <= on
            and (scopes is None or row.form_type in scopes)
        ):
            return db.session.get(User, row.delegate_id)
    return None


def principals_of(delegate: User) -> list[tuple[int, str | None]]:
    """(principal id, form type or None for all) for every delegation `delegate` holds today."""
    rows = db.session.scalars(_active().where(Delegation.delegate_id == delegate.id))
    return [(row.principal_id, row.form_type) for row in rows]


GENERATION = "workflow.delegations"


def register_generation(app) -> None:
    """Delegations are created and cancelled, never changed otherwise or deleted: the highest
    id, the count and the count of cancelled ones tell whether a worker's copy is current."""
    aggregates = (
        func.max(Delegation.id),
        func.count(Delegation.id),
        func.count(Delegation.cancelled_at),
    )
    generations.register(app, GENERATION, aggregates, (Delegation,))


class Standing(NamedTuple):
    """A delegation not cancelled and not over, as plain data."""

    id: int
    principal_id: int
    delegate_id: int
    starts_on: date
    ends_on: date
    form_type: str | None


def standing(on: date) -> tuple[Standing, ...]:
    """The delegations not cancelled that end on or after `on`, newest first; read once per
    worker and day while no delegation is created or cancelled (`core/generations.py`)."""

    def load() -> tuple[Standing, ...]:
        rows = db.session.execute(
            select(*(getattr(Delegation, name) for name in Standing._fields))
            .where(Delegation.cancelled_at.is_(None), Delegation.ends_on >= on)
            .order_by(Delegation.id.desc())
        )
        return tuple(Standing(*row) for row in rows)

    return generations.cached(GENERATION, load, key=on)


def principals_by_form(delegate: User, form_types) -> dict[str, list[int]]:
    """form type -> the principals `delegate` acts for today on that form type: the same answer
    as `delegate_for` (a principal's newest delegation covering the form type wins), for the
    SQL side of visibility and the inbox."""
    on = today()
    active = [row for row in standing(on) if row.starts_on <= on <= row.ends_on]
    theirs = {row.principal_id for row in active if row.delegate_id == delegate.id}
    rows = [row for row in active if row.principal_id in theirs]  # newest first
    found: dict[str, list[int]] = {}
    for form_type in form_types:
        newest: dict[int, Standing] = {}
        for row in rows:
            if row.form_type in (None, form_type, family_of(form_type)):
                newest.setdefault(row.principal_id, row)
        found[form_type] = [p for p, row in newest.items() if row.delegate_id == delegate.id]
    return found


def create_delegation(
    principal: User,
    delegate: User,
    starts_on: date,
    ends_on: date,
    *,
    created_by: User,
    form_type: str | None = None,
    reason: str = "",
) -> Delegation:
    if delegate.id == principal.id:
        raise DelegationError("不能委托给自己。")
    if ends_on < starts_on:
        raise DelegationError("结束日期不能早于开始日期。")
    if ends_on < today():
        raise DelegationError("委托期间已经结束。")
    if not delegate.active:
        raise DelegationError("受托人账号已停用。")
    delegation = Delegation(
        principal_id=principal.id,
        delegate_id=delegate.id,
        starts_on=starts_on,
        ends_on=ends_on,
        form_type=form_type,
        reason=reason,
        created_by_id=created_by.id,
    )
    db.session.add(delegation)
    db.session.flush()
    audit.record(
        "delegation",
        delegation.id,
        "create",
        created_by,
        comment=f"{delegate.display_name} 代 {principal.display_name}，{starts_on} 至 {ends_on}",
    )
    if starts_on <= today():
        _tell_delegate(delegation)
    return delegation


def _tell_delegate(delegation: Delegation) -> None:
    """The delegate hears of every open task the delegation hands them now (new ones are
    announced as they open)."""
    from portal.notifications.services import notify
    from portal.workflow.models import Instance, Status, Task, TaskStatus
    from portal.workflow.naming import headline, record_url

    tasks = db.session.scalars(
        select(Task).join(Task.instance).where(
            Task.assignee_id == delegation.principal_id, Task.status == TaskStatus.OPEN,
            Instance.status == Status.IN_PROGRESS, Instance.applicant_id != delegation.delegate_id,
        )
    ).all()  # fmt: skip
    principal = delegation.principal.display_name
    for task in tasks:
        instance = task.instance
        if delegation.form_type not in (None, instance.form_type, family_of(instance.form_type)):
            continue
        notify([delegation.delegate], f"{headline(instance)}：待您代 {principal} 处理（{task.step_name}）",
               kind="task", url=record_url(instance), instance_id=instance.id, task_id=task.id)  # fmt: skip


def cancel_delegation(delegation: Delegation, actor: User) -> None:
    delegation.cancelled_at = now()
    audit.record("delegation", delegation.id, "cancel", actor)
    db.session.flush()


def delegations_of(user: User):
    """Delegations the user gave or holds, newest first."""
    return (
        select(Delegation)
        .where(or_(Delegation.principal_id == user.id, Delegation.delegate_id == user.id))
        .order_by(Delegation.starts_on.desc(), Delegation.id.desc())
    )


def all_delegations():
    return select(Delegation).order_by(Delegation.starts_on.desc(), Delegation.id.desc())
