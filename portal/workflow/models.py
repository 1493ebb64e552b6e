"""Workflow records: one Instance per form record, its Tasks, CC watchers, and delegations."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import Department, User
from portal.core.clock import now
from portal.core.types import UTCDateTime
from portal.extensions import db


class Status:
    DRAFT = "draft"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"
    VOIDED = "voided"


STATUS_LABELS = {
    Status.DRAFT: "草稿",
    Status.IN_PROGRESS: "审批中",
    Status.RETURNED: "已退回",
    Status.WITHDRAWN: "已撤回",
    Status.COMPLETED: "已完成",
    Status.VOIDED: "已作废",
}


def status_label_of(form_type: str, status: str) -> str:
    """A status in the words of its form: a flow's `status_labels` override the defaults (a
    complaint is 处理中, not 审批中)."""
    flow = (
        current_app.extensions.get("portal_flows", {}).get(form_type) if has_app_context() else None
    )
    labels = getattr(flow, "status_labels", None) or {}
    return labels.get(status) or STATUS_LABELS.get(status, status)


EDITABLE = {Status.DRAFT, Status.RETURNED, Status.WITHDRAWN}
OPEN = {Status.IN_PROGRESS}


class TaskStatus:
    OPEN = "open"
    APPROVED = "approved"
    COMPLETED = "completed"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # the applicant was the step's only approver (申请人即审批人，自动跳过)
    HELD = "held"  # waiting: for a signer added before me, or (added after me) for my decision
    TRANSFERRED = "transferred"  # handed to someone else (转交); the new task is its child


# How a task came to be: from the step, handed over, or added by its holder (加签).
POSITIONS = {
    "": "",
    "transfer": "转交",
    "before": "前加签",
    "after": "后加签",
    "parallel": "并加签",
}


# A task someone decided: it appears in the trail and counts as taking part.
DECIDED = {TaskStatus.APPROVED, TaskStatus.COMPLETED, TaskStatus.REJECTED, TaskStatus.SENT_BACK}
# Still to be decided in the current step (an open task, or one waiting for another signer).
PENDING = {TaskStatus.OPEN, TaskStatus.HELD}


TASK_LABELS = {
    TaskStatus.OPEN: "待处理",
    TaskStatus.APPROVED: "同意",
    TaskStatus.COMPLETED: "完成",
    TaskStatus.REJECTED: "退回申请人",
    TaskStatus.SENT_BACK: "退回上一步",
    TaskStatus.CANCELLED: "已取消",
    TaskStatus.SKIPPED: "自动跳过",
    TaskStatus.HELD: "等待中",
    TaskStatus.TRANSFERRED: "已转交",
}


class Instance(db.Model):
    __tablename__ = "workflow_instances"
    __table_args__ = (
        UniqueConstraint("form_type", "record_id"),
        # Registers: one form type in their order (date, then id), with the filters read from
        # the index so that counts never touch the table; and in that order within a status or
        # a department, for the register's two filters.
        Index(
            "ix_workflow_instances_register",
            *("form_type", "submitted_at", "id", "status", "department_id"),
        ),
        Index("ix_workflow_instances_status_date", "form_type", "status", "submitted_at", "id"),
        Index(
            "ix_workflow_instances_department", "form_type", "department_id", "submitted_at", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[int] = mapped_column(default=0)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT, index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    step_key: Mapped[str | None] = mapped_column(String(40))
    round: Mapped[int] = mapped_column(default=0)
    # Bumped by every transition under the row lock (engine.lock): concurrent actions on one
    # record serialise on it, on PostgreSQL and SQLite alike.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    warning: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    # Time spent paused, so deadlines counted from submission skip it (calendar / business).
    paused_seconds: Mapped[int] = mapped_column(default=0)
    paused_business_seconds: Mapped[int] = mapped_column(default=0)

    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    department: Mapped[Department | None] = relationship()
    tasks: Mapped[list[Task]] = relationship(
        back_populates="instance", order_by="Task.id", cascade="all, delete-orphan"
    )
    watchers: Mapped[list[Watcher]] = relationship(cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        if self.status == Status.IN_PROGRESS and self.paused_at is not None:
            return "已暂停"
        return status_label_of(self.form_type, self.status)

    @property
    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.status == TaskStatus.OPEN]

    @property
    def pending_tasks(self) -> list[Task]:
        """Open and waiting tasks of the current round: the step is not done while any is left."""
        return [t for t in self.tasks if t.status in PENDING]


class Task(db.Model):
    """One person's part in one step: opened, then decided (or cancelled)."""

    __tablename__ = "workflow_tasks"
    __table_args__ = (Index("ix_workflow_tasks_open", "status", "assignee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    step_key: Mapped[str] = mapped_column(String(40))
    step_name: Mapped[str] = mapped_column(String(80))
    round: Mapped[int] = mapped_column(default=1)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.OPEN)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    fallback: Mapped[bool] = mapped_column(default=False)  # no approver resolved: sent to sysadmin
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_tasks.id"))
    position: Mapped[str] = mapped_column(String(10), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    instance: Mapped[Instance] = relationship(back_populates="tasks")
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    parent: Mapped[Task | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def status_label(self) -> str:
        return TASK_LABELS.get(self.status, self.status)

    @property
    def overdue(self) -> bool:
        if self.due_at is None:
            return False
        end = self.decided_at or now()
        return end > self.due_at

    @property
    def on_time(self) -> bool | None:
        """For a decided task with a deadline: did it meet it?"""
        if self.due_at is None or self.decided_at is None:
            return None
        return self.decided_at <= self.due_at


class Watcher(db.Model):
    """Someone CC'd (抄送) on an instance: they may read it and are notified."""

    __tablename__ = "workflow_watchers"
    __table_args__ = (UniqueConstraint("instance_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[str] = mapped_column(String(40), default="applicant")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship()


class Delegation(db.Model):
    """While active, `delegate` acts for `principal` (受托人); tasks show "李四（代 张三）"."""

    __tablename__ = "workflow_delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    form_type: Mapped[str | None] = mapped_column(String(40))  # None: every form type
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    principal: Mapped[User] = relationship(foreign_keys=[principal_id])
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class RecordMixin:
    """What a form's record shows through its workflow instance (the model has `instance`)."""

    @property
    def number(self) -> str:
        return (self.instance.number if self.instance else None) or "未编号"
