"""Who may see a record and who may act on it: one rule, written once in SQL, used by record
pages (`can_view`), registers, exports, inboxes and search (`visible_instances`,
`visible_records`), so that a list never shows a row whose page answers 403.

A user sees a record when they hold one of the flow's reader roles (or `Flow.reads_all` says
so), applied for it, head the department it was filed under, are copied on it, took part in a
task of it, or act today as the delegate of someone with an open task on it (a delegation that
covers this form type); a flow adds its own readers with `Flow.readers(user, instance_table)`.
"""

from __future__ import annotations

from flask import abort, has_request_context, request
from sqlalchemy import Select, exists, false, or_, select
from sqlalchemy.orm import aliased, joinedload

import portal.workflow.delegation as delegation
from portal.auth.models import Department, RoleCode, User
from portal.core import generations
from portal.extensions import db
from portal.workflow.engine import Ctx, acting_task, load_record
from portal.workflow.flow import Flow, all_flows, get_flow
from portal.workflow.models import EDITABLE, Instance, Status, Task, TaskStatus, Watcher


def reads_all(user: User, flow: Flow) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(*flow.viewer_roles, RoleCode.SYSADMIN):
        return True
    return bool(flow.reads_all and flow.reads_all(user))


def acting_principals(user: User, form_type: str) -> list[int]:
    """Principals `user` acts for today on `form_type` (kept for the request, unless the
    navigation reads it ahead of the request's fingerprints: `core/generations.py`)."""
    keep = has_request_context() and not generations.speculating()
    cache = request.environ.setdefault("portal.principals", {}) if keep else {}
    if user.id not in cache:
        keys = [f.key for f in all_flows()]
        cache[user.id] = delegation.principals_by_form(user, keys)
    return cache[user.id].get(form_type, [])


def participates(user: User, form_type: str, inst=Instance):
    """SQL: `user` took part in a task of the instance `inst`, or acts now for the assignee of
    one of its open tasks."""
    took_part = exists().where(
        Task.instance_id == inst.id,
        or_(Task.assignee_id == user.id, Task.actor_id == user.id, Task.on_behalf_of_id == user.id),
    )
    principals = acting_principals(user, form_type)
    if not principals:
        return took_part
    acting_for = exists().where(
        Task.instance_id == inst.id,
        Task.status == TaskStatus.OPEN,
        Task.assignee_id.in_(principals),
    )
    return or_(took_part, acting_for)


def visible_clause(user: User, flow: Flow, inst=Instance):
    """SQL over the instance table `inst` (correlated): may `user` read this record? Use it for
    users for whom `reads_all` is False."""
    if not user.is_authenticated:
        return false()
    headed = select(Department.id).where(Department.head_id == user.id)
    copied = exists().where(Watcher.instance_id == inst.id, Watcher.user_id == user.id)
    conditions = [
        inst.applicant_id == user.id,
        inst.department_id.in_(headed),
        copied,
        participates(user, flow.key, inst),
    ]
    if flow.readers is not None:
        extra = flow.readers(user, inst)
        if extra is not None:
            conditions.append(extra)
    return or_(*conditions)


def visible_to(user: User, form_type: str, inst=Instance):
    """SQL condition (or None for "everything") for `inst` rows of `form_type` `user` reads."""
    flow = get_flow(form_type)
    return None if reads_all(user, flow) else visible_clause(user, flow, inst)


def visible_instances(user: User, form_type: str) -> Select:
    """The instances of `form_type` that `user` may read (drafts included: filter them out where
    a list shows submitted records only)."""
    query = select(Instance).where(Instance.form_type == form_type)
    condition = visible_to(user, form_type)
    return query if condition is None else query.where(condition)


def visible_records(user: User, form_type: str) -> Select:
    """The records (the flow's model) of `form_type` that `user` may read, joined to their
    instance (so callers filter and sort on Instance columns)."""
    model = get_flow(form_type).model
    query = (
        select(model)
        .join(Instance, model.instance_id == Instance.id)
        .where(Instance.form_type == form_type)
    )
    condition = visible_to(user, form_type)
    return query if condition is None else query.where(condition)


def record_visible(user: User, form_type: str, record_column):
    """SQL: the record whose id is `record_column` (e.g. a return's complaint_id) is readable
    by `user`. For a flow whose readers follow another flow's records."""
    other = aliased(Instance)
    condition = visible_to(user, form_type, other)
    rows = select(other.record_id).where(other.form_type == form_type)
    if condition is not None:
        rows = rows.where(condition)
    return record_column.in_(rows)


def can_view(user: User, instance: Instance) -> bool:
    if not user.is_authenticated:
        return False
    flow = get_flow(instance.form_type)
    if reads_all(user, flow) or user.id == instance.applicant_id:
        return True
    query = select(exists().where(Instance.id == instance.id, visible_clause(user, flow)))
    return bool(db.session.scalar(query))


def can_edit(user: User, instance: Instance) -> bool:
    return (
        user.is_authenticated and user.id == instance.applicant_id and instance.status in EDITABLE
    )


def can_act(user: User, instance: Instance, step_key: str | None = None) -> bool:
    """May `user` decide the open step (`step_key`, when given, must be the current one) now,
    themselves or as a delegate? The engine's rule, separation of duties included."""
    if not user.is_authenticated or instance.status != Status.IN_PROGRESS:
        return False
    if step_key is not None and instance.step_key != step_key:
        return False
    flow = get_flow(instance.form_type)
    return acting_task(Ctx(flow, instance, load_record(flow, instance), user)) is not None


# --- records (a form's model with an `instance`) ----------------------------------------------


def get_record_or_404(model, record_id: int, *options):
    """A record of a flow's model that has its workflow instance, or 404: one statement with
    the instance, its tasks and department (record pages show them), and what `options` add."""
    record = (
        db.session.scalars(
            select(model)
            .where(model.id == record_id)
            .options(
                joinedload(model.instance).joinedload(Instance.tasks),
                joinedload(model.instance).joinedload(Instance.department),
                *options,
            )
        )
        .unique()
        .first()
    )
    if record is None or record.instance is None:
        abort(404)
    return record


def can_view_record(user: User, record) -> bool:
    return record.instance is not None and can_view(user, record.instance)


def can_edit_record(user: User, record) -> bool:
    return record.instance is not None and can_edit(user, record.instance)
