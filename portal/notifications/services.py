"""Creating notifications, reading them, and sending the pending ones by e-mail."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select, update

from portal.auth.models import User
from portal.core.clock import now
from portal.extensions import db
from portal.notifications.models import Notification

log = logging.getLogger(__name__)


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
        if dedupe_key and db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == user.id, Notification.dedupe_key == dedupe_key
            )
        ):
            continue
        note = Notification(
            user_id=user.id,
            kind=kind,
            message=message,
            url=url,
            instance_id=instance_id,
            dedupe_key=dedupe_key,
            task_id=task_id,
        )
        db.session.add(note)
        created.append(note)
    db.session.flush()
    return created


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


def badge_counts(user: User) -> dict[str, int]:
    return {"notifications.index": unread_count(user)}


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


def send_pending_emails(limit: int = 200) -> int:
    """Send notifications not yet e-mailed; returns how many were sent. No server: nothing."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    pending = db.session.scalars(
        select(Notification)
        .where(Notification.emailed_at.is_(None), Notification.email_error == "")
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    with _smtp(config) as smtp:
        for note in pending:
            if not note.user.email:
                note.email_error = "no address"
                continue
            smtp.send_message(_message(config, note))
            note.emailed_at = now()
            sent += 1
    db.session.flush()
    return sent


def _smtp(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _message(config, note: Notification) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[规程门户] {note.message[:60]}"
    message["From"] = config["MAIL_SENDER"]
    message["To"] = note.user.email
    link = f"{config['PORTAL_BASE_URL'].rstrip('/')}{note.url}" if note.url else ""
    message.set_content(
        f"{note.user.display_name}：\n\n{note.message}\n\n{link}\n\n—— {config['COMPANY_NAME']} 规程门户"
    )
    return message


def dispatch_after_request(response):
    """Best effort: mail what this request queued. A mail failure never fails the request;
    `flask workflow tick` retries what is left."""
    if not current_app.config.get("MAIL_SERVER") or response.status_code >= 400:
        return response
    try:
        if send_pending_emails():
            db.session.commit()
    except (OSError, smtplib.SMTPException) as exc:
        db.session.rollback()
        log.warning("e-mail dispatch failed: %s", exc)
    return response
