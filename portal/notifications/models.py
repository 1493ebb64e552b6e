"""Notifications: one row per recipient; `dedupe_key` makes reminders idempotent. Each row is
also the e-mail's outbox entry (portal/notifications/outbox.py), written in the transaction
that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.core.clock import now
from portal.core.types import UTCDateTime
from portal.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # task, reminder, escalation, result, cc, ...
    message: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(300), default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))
    # A 待您处理 notification is done (read) when its task closes, whoever closed it.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_tasks.id"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The outbox: the e-mail is due once `email_next_at` has come and no sender holds a live
    # claim; sent (`emailed_at`) or given up, `email_next_at` is cleared.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str] = mapped_column(String(300), default="")  # the last failure
    email_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=now, index=True)
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_claimed_by: Mapped[str] = mapped_column(String(80), default="", server_default="")

    user: Mapped[User] = relationship()
