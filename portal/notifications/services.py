"""Creating notifications and reading them. E-mail goes out later, from the outbox
(`outbox.py`), never from a web request."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.auth.models import User
from portal.core.clock import now
from portal.extensions import db
from portal.notifications.models import Notification


def notify(
    users,
    message: str,
    *,
    kind: str,
    url: str = "",
    instance_id: int | None = None,
    dedupe_key: str | None = None,
    task_id: int | None = None,
) -> list[Notification]:
    """One notification per distinct user; with a dedupe_key, a user gets it at most once.
    A notification with a `task_id` is marked read when that task closes (`task_closed`)."""
    created = []
    seen = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        values = {
            "user_id": user.id,
            "kind": kind,
            "message": message,
            "url": url,
            "instance_id": instance_id,
            "dedupe_key": dedupe_key,
            "task_id": task_id,
        }
        if dedupe_key:
            note = _insert_once(values)
            if note is not None:
                created.append(note)
            continue
        note = Notification(**values)
        db.session.add(note)
        created.append(note)
    db.session.flush()
    return created


def _insert_once(values: dict) -> Notification | None:
    """INSERT ... ON CONFLICT DO NOTHING on (user_id, dedupe_key): a concurrent job or request
    that inserted the same key first wins quietly instead of failing this transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new_id = db.session.scalar(
        insert(Notification)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
        .returning(Notification.id)
    )
    return db.session.get(Notification, new_id) if new_id is not None else None


def set_each_step(user: User, each_step: bool) -> None:
    from portal.core import audit

    user.notify_each_step = each_step
    db.session.flush()
    audit.record("user", user.id, "update", user,
                 comment="通知：每一步" if each_step else "通知：仅结果")  # fmt: skip


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def badge_counts(user: User) -> dict:
    """The bell's count as a scalar SELECT: the navigation runs all badges in one statement."""
    unread = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return {"notifications.index": unread.scalar_subquery()}


def list_for(user: User):
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(user: User, notification_id: int | None = None) -> None:
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=now()))


def task_closed(task_id: int) -> None:
    """The task is decided, handed on or cancelled: its 待您处理 notifications are done, for
    everyone who got one (the assignee and their delegate), whoever closed it."""
    db.session.execute(
        update(Notification)
        .where(Notification.task_id == task_id, Notification.read_at.is_(None))
        .values(read_at=now())
        .execution_options(synchronize_session=False)
    )
