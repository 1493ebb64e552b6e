"""Flows as data: the steps a form type goes through, who acts at each, when, and by when.

A domain declares one `Flow` in its `flow.py` and registers it in `init_app`. The engine reads
these declarations; it knows nothing about seals, supplies or complaints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal.auth.models import Department, Role, RoleCode, User
from portal.extensions import db


@dataclass
class Context:
    """What an assignee rule or condition may look at."""

    instance: Any
    record: Any
    applicant: User


# --- assignee rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HasRole:
    code: str
    label: str = ""

    def resolve(self, ctx: Context) -> list[User]:
        query = select(User).join(User.roles).where(Role.code == self.code, User.active.is_(True))
        return list(db.session.scalars(query.order_by(User.id)))

    def describe(self) -> str:
        return self.label or f"角色：{self.code}"


@dataclass(frozen=True)
class ApplicantHead:
    """The head of the applicant's department (the department recorded on the instance)."""

    def resolve(self, ctx: Context) -> list[User]:
        department = ctx.instance.department
        head = department.head if department is not None else None
        return [head] if head is not None and head.active else []

    def describe(self) -> str:
        return "申请人部门负责人"


@dataclass(frozen=True)
class DepartmentHead:
    code: str

    def resolve(self, ctx: Context) -> list[User]:
        department = db.session.scalar(select(Department).where(Department.code == self.code))
        head = department.head if department is not None else None
        return [head] if head is not None and head.active else []

    def describe(self) -> str:
        return f"{self.code} 部门负责人"


@dataclass(frozen=True)
class NamedUser:
    username: str

    def resolve(self, ctx: Context) -> list[User]:
        user = db.session.scalar(select(User).where(User.username == self.username))
        return [user] if user is not None and user.active else []

    def describe(self) -> str:
        return self.username


@dataclass(frozen=True)
class FromRecord:
    """Users the record names (e.g. the keepers of the seals chosen on a request)."""

    users: Callable[[Any], list[User]]
    label: str

    def resolve(self, ctx: Context) -> list[User]:
        return [u for u in self.users(ctx.record) if u is not None and u.active]

    def describe(self) -> str:
        return self.label


@dataclass(frozen=True)
class Applicant:
    """The applicant themselves (confirming receipt of what was issued to them)."""

    def resolve(self, ctx: Context) -> list[User]:
        return [ctx.applicant] if ctx.applicant.active else []

    def describe(self) -> str:
        return "申请人"


@dataclass(frozen=True)
class AnyOf:
    """Everyone the rules name (in order, each once): e.g. the applicant or the front desk."""

    rules: tuple
    label: str = ""

    def resolve(self, ctx: Context) -> list[User]:
        return list(dict.fromkeys(u for rule in self.rules for u in rule.resolve(ctx)))

    def describe(self) -> str:
        return self.label or "、".join(rule.describe() for rule in self.rules)


AssigneeRule = HasRole | ApplicantHead | DepartmentHead | NamedUser | FromRecord | Applicant | AnyOf


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """How long a step may take. `resolve(record)` may supply the figure at run time (from the
    procedure's front matter, or an absolute datetime from the record such as a return time)."""

    hours: float | None = None
    days: float | None = None
    business: bool = False
    workdays: int | None = None  # to the end of the Nth working day after the start's day
    anchor: str = "step"  # "step": counted from when the step opens; "submit": from submission
    resolve: Callable[[Any], Deadline | datetime | None] | None = None
    # How long before the deadline to remind; a callable `(record) -> timedelta | None` reads it
    # at run time (e.g. from the procedure's front matter). Default: a fifth of the duration, >= 1 h.
    remind_before: timedelta | Callable[[Any], timedelta | None] | None = None
    pausable: bool = True  # False: pausing the flow's clock does not stop this deadline

    @property
    def duration(self) -> timedelta:
        return timedelta(hours=self.hours or 0, days=self.days or 0)


# --- numbering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Numbering:
    """How a flow's records are numbered: `YY-202611-0001`, `DA-2026-HT-0001`, `GD-0001`.

    `period` is "month" (YYYYMM), "year" (YYYY) or "none"; `category(record)` adds a code taken
    from the record (its own series); `at` is "submit" or the key of the step whose completion
    assigns the number (an archive number when the archivist acknowledges receipt). Numbers are
    gapless and unique per series; a voided record keeps its number.
    """

    prefix: str
    period: str = "month"
    category: Callable[[Any], str] | None = None
    at: str = "submit"
    width: int = 4


# --- steps and flows --------------------------------------------------------------------------

ANY = "any"  # 或签: the first decision settles the step
ALL = "all"  # 会签: every assignee must approve
# When the applicant is among a step's approvers (the others, if any, carry on either way):
SKIP = "skip"  # skip the step, written in the trail as 申请人即审批人，自动跳过
KEEP = "keep"  # the applicant acts too (a keeper stamping their own seal: an execution step)
# ... or an AssigneeRule: the step goes up to those people instead.


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    assignee: AssigneeRule
    mode: str = ANY
    kind: str = "approval"  # approval (同意/退回) or stage/task (完成)
    # (record) -> whether the step applies: True, False, or None while still undecided (the
    # step is then shown as "not started" and skipped if the record reaches it undecided)
    when: Callable[[Any], bool | None] | None = None
    deadline: Deadline | None = None
    cc: AssigneeRule | None = None
    escalate_to: AssigneeRule | None = None
    on_applicant: str | AssigneeRule = SKIP
    action_label: str = "同意"
    page: str | None = None  # endpoint of the step page that alone may complete this step
    # (record) -> why the step cannot be approved/completed yet (e.g. its page's data is missing)
    requires: Callable[[Any], str | None] | None = None
    can_send_back: bool = True
    # Steps whose decider may not act here (a CAPA verified by someone other than its owner).
    distinct_from: tuple[str, ...] = ()
    # An execution step (stamp, issue goods, destroy an archive): reached only after at least
    # one independent approval, unless the flow names why not (`Flow.unapproved_note`).
    execution: bool = False
    clause: str = ""  # anchor of the governing clause in the flow's procedure, if any
    when_label: str = ""  # when the step applies, in words ("使用财务专用章时"), for the path
    done_label: str = ""  # what a decision of this step is called ("已用印"); default 已同意/已完成


@dataclass(frozen=True)
class Flow:
    key: str  # the form type, also the blueprint name of its domain
    name: str
    numbering: Numbering
    model: type
    steps: tuple[Step, ...]
    detail_endpoint: str  # url_for(detail_endpoint, id=record.id)
    title: Callable[[Any], str] = lambda record: ""
    viewer_roles: tuple[str, ...] = ("sysadmin",)  # roles that may read every record
    # Domain readers beyond the engine's rule (see workflow/access.py): `reads_all(user)` for
    # people who read every record, `readers(user, instance_table)` an SQL condition on one row.
    reads_all: Callable[[User], bool] | None = None
    readers: Callable[[User, Any], Any] | None = None
    void_roles: tuple[str, ...] = ("sysadmin",)
    pause_roles: tuple[str, ...] = ()  # who may pause the clock (besides the open step's assignees)
    pausable: bool = False
    canonical: Callable[[Any], dict] | None = None  # the record's fields, for the printed hash
    # (record) -> why it cannot be submitted yet (a draft may be saved incomplete), or None
    submit_check: Callable[[Any], str | None] | None = None
    # (record) -> why this record may reach an execution step without an independent approval
    # (shown in the trail and on the PDF), or None: then it may not.
    unapproved_note: Callable[[Any], str | None] | None = None
    actions: tuple = ()  # domain actions (engine.ActionSpec) besides the engine's own
    procedure: str = ""  # code of the governing procedure, for clause links
    due_soon: timedelta = timedelta(hours=4)  # a running clock turns "due soon" this close
    status_labels: dict[str, str] = field(default_factory=dict)  # e.g. {IN_PROGRESS: "处理中"}
    # (ctx, status_before) after a transition changed the instance's status: a domain whose
    # record has a state of its own follows it here (a procedure revision: review, approved).
    on_status: Callable[[Any, str], None] | None = None
    extra: dict = field(default_factory=dict)

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    def index(self, key: str) -> int:
        return [s.key for s in self.steps].index(key)


def applicant_is_gm(record) -> str | None:
    """A `Flow.unapproved_note`: no one in the company signs above the general manager, so a
    record the GM files reaches its execution step without an independent approval."""
    instance = record.instance
    if instance is not None and instance.applicant.has_role(RoleCode.GM):
        return "申请人为总经理本人，制度未设更高审批人。"
    return None


def register_flow(app, flow: Flow) -> None:
    from portal.core.audit import ACTION_LABELS

    app.extensions.setdefault("portal_flows", {})[flow.key] = flow
    for spec in flow.actions:  # what the trail calls the flow's own actions
        ACTION_LABELS.setdefault(spec.key, spec.trail or spec.label)


def register_flow_source(app, source) -> None:
    """Flows that are data rather than code (forms an administrator designs): `source.flow(key)`
    gives the Flow of a key it knows or None, `source.flows()` all of them."""
    app.extensions.setdefault("portal_flow_sources", []).append(source)


def get_flow(key: str) -> Flow:
    flows = current_app.extensions["portal_flows"]
    if key in flows:
        return flows[key]
    for source in current_app.extensions.get("portal_flow_sources", ()):
        flow = source.flow(key)
        if flow is not None:
            return flow
    raise KeyError(key)


_VERSION = re.compile(r"\.v\d+$")


def family_of(key: str) -> str:
    """The form a flow key belongs to: versions of one form (`<form>.v<N>`, as a source may
    serve them) share it, so an inbox filter or a delegation names the form, not one version."""
    return _VERSION.sub("", key)


def form_kinds() -> list[tuple[str, str]]:
    """(form key, name) once per form, for filters and delegation scopes; a versioned form is
    named as its newest version names it."""
    kinds: dict[str, str] = {}
    for flow in all_flows():
        kinds[family_of(flow.key)] = flow.name
    return list(kinds.items())


def family_keys(key: str) -> list[str]:
    """Every flow key of the form `key` names (itself, or all its versions)."""
    return [f.key for f in all_flows() if family_of(f.key) == key] or [key]


def all_flows(sources: bool = True) -> list[Flow]:
    """Every flow: the registered ones, then (unless `sources` is False) those of the sources."""
    flows = list(current_app.extensions.get("portal_flows", {}).values())
    if sources:
        for source in current_app.extensions.get("portal_flow_sources", ()):
            flows.extend(source.flows())
    return flows
