"""The e-mail outbox: every notification row is an e-mail to send, written in the transaction
that caused it. Senders (`flask workflow tick`, `flask outbox send`) on any number of nodes
claim due rows, send them and record the result.

At most once: a sender claims rows in a short transaction of its own (`FOR UPDATE SKIP LOCKED`
on PostgreSQL; under SQLite's BEGIN IMMEDIATE, decision 004), stamps them with its claim
(`email_claimed_at`/`email_claimed_by`) and commits before it sends; it sends only while its
claim is well inside the lease. At least once: a claim older than the lease (its sender died)
is taken again. A failure is retried with exponential backoff up to a cap, then given up.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from portal.core.clock import now
from portal.core.sqlite import write_intent
from portal.extensions import db
from portal.notifications.models import Notification

log = logging.getLogger(__name__)

# Defaults; the app config may override each (MAIL_LEASE_SECONDS, ...), tests do.
LEASE_SECONDS = 600  # far above a batch's worst case (BATCH x the 10 s SMTP timeout)
BATCH = 50
RETRY_FIRST_SECONDS = 60
RETRY_CAP_SECONDS = 3600
MAX_ATTEMPTS = 24  # 1, 2, 4 ... 32 minutes, then hourly: about a day of trying


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0  # to be retried later
    given_up: int = 0


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _lease() -> timedelta:
    return timedelta(seconds=_setting("MAIL_LEASE_SECONDS", LEASE_SECONDS))


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: doubling from the first wait up to the cap."""
    first = _setting("MAIL_RETRY_FIRST_SECONDS", RETRY_FIRST_SECONDS)
    cap = _setting("MAIL_RETRY_CAP_SECONDS", RETRY_CAP_SECONDS)
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), cap))


def new_sender_id() -> str:
    """Names a sender in its claims: host, process and a random part (threads differ too)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _due(current: datetime):
    return and_(
        Notification.emailed_at.is_(None),
        Notification.email_next_at <= current,
        or_(
            Notification.email_claimed_at.is_(None),
            Notification.email_claimed_at <= current - _lease(),
        ),
    )


def claim(sender: str, limit: int) -> list[int]:
    """Claim up to `limit` due e-mails for `sender` in a transaction of their own, committed;
    returns their ids. Ends the session's open transaction first (committing it)."""
    db.session.commit()
    current = now()
    with write_intent():
        # SKIP LOCKED: rows another sender is claiming right now are left to it (PostgreSQL;
        # SQLite ignores the clause: BEGIN IMMEDIATE makes claims take turns).
        ids = list(
            db.session.scalars(
                select(Notification.id)
                .where(_due(current))
                .order_by(Notification.email_next_at, Notification.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            db.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(email_claimed_at=current, email_claimed_by=sender)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
    return ids


def send_pending_emails(batch: int | None = None, sender: str | None = None) -> SendResult:
    """Claim, send and record due e-mails batch by batch until none is due. No server: nothing."""
    result = SendResult()
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return result
    sender = sender or new_sender_id()
    batch = batch or _setting("MAIL_BATCH", BATCH)
    while ids := claim(sender, batch):
        _send_claimed(config, sender, ids, result)
    return result


def _send_claimed(config, sender: str, ids: list[int], result: SendResult) -> None:
    notes = db.session.scalars(
        select(Notification)
        .where(Notification.id.in_(ids), Notification.email_claimed_by == sender)
        .options(joinedload(Notification.user))
        .order_by(Notification.id)
    ).all()
    # Plain data, then end the read: no transaction stays open while the SMTP server talks.
    items = [
        (n.id, n.email_attempts, n.email_claimed_at, _message(config, n) if n.user.email else None)
        for n in notes
    ]
    db.session.rollback()
    try:
        smtp = _smtp(config)
    except (OSError, smtplib.SMTPException) as exc:
        for note_id, attempts, _, _ in items:
            _record_failure(note_id, sender, attempts, exc, result)
        return
    with smtp:
        for index, (note_id, attempts, claimed_at, message) in enumerate(items):
            if message is None:
                _give_up(note_id, sender, "no address", result)
                continue
            if now() - claimed_at >= _lease() * 0.8:
                # Our claim is about to lapse and another sender may take these rows: leave
                # them to it rather than risk sending twice.
                _release([i for i, *_ in items[index:]], sender)
                return
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                _give_up(note_id, sender, f"refused: {exc.recipients}", result)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                for i, a, *_ in items[index:]:  # the connection is gone: all of them later
                    _record_failure(i, sender, a, exc, result)
                return
            except smtplib.SMTPException as exc:
                _record_failure(note_id, sender, attempts, exc, result)
            else:
                _record(
                    Notification.id == note_id,
                    Notification.emailed_at.is_(None),
                    emailed_at=now(),
                    email_next_at=None,
                    email_error="",
                )
                result.sent += 1


def _record(*where, **values) -> None:
    """One result, committed at once, so a crash later re-sends as little as possible."""
    with write_intent():
        db.session.execute(
            update(Notification)
            .where(*where)
            .values(email_claimed_at=None, email_claimed_by="", **values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def _mine(note_id: int, sender: str):
    return (Notification.id == note_id, Notification.email_claimed_by == sender)


def _record_failure(note_id, sender, attempts, exc, result: SendResult) -> None:
    attempts += 1
    error = f"{type(exc).__name__}: {exc}"[:300]
    if attempts >= _setting("MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS):
        _give_up(note_id, sender, error, result, attempts=attempts)
        return
    log.warning("e-mail %s failed (attempt %s), retrying later: %s", note_id, attempts, error)
    _record(
        *_mine(note_id, sender),
        email_attempts=attempts,
        email_next_at=now() + backoff(attempts),
        email_error=error,
    )
    result.failed += 1


def _give_up(note_id, sender, error: str, result: SendResult, attempts=None) -> None:
    log.warning("e-mail %s given up: %s", note_id, error)
    values = {"email_attempts": attempts} if attempts is not None else {}
    _record(*_mine(note_id, sender), email_next_at=None, email_error=error[:300], **values)
    result.given_up += 1


def _release(ids: list[int], sender: str) -> None:
    _record(Notification.id.in_(ids), Notification.email_claimed_by == sender)


def status() -> dict[str, int]:
    """Counts for `flask outbox status`: due now, waiting for a retry, claimed, given up, sent."""
    current = now()
    waiting = and_(Notification.emailed_at.is_(None), Notification.email_next_at.is_not(None))
    live_claim = Notification.email_claimed_at > current - _lease()
    counts = {
        "due": _due(current),
        "retrying": and_(
            waiting, Notification.email_next_at > current, Notification.email_attempts > 0
        ),
        "claimed": and_(waiting, live_claim),
        "given up": and_(Notification.emailed_at.is_(None), Notification.email_next_at.is_(None)),
        "sent": Notification.emailed_at.is_not(None),
    }
    return {
        name: db.session.scalar(select(func.count(Notification.id)).where(condition))
        for name, condition in counts.items()
    }


def _smtp(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _message(config, note: Notification) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[规程门户] {note.message[:60]}"
    message["From"] = config["MAIL_SENDER"]
    message["To"] = note.user.email
    # One Message-ID per notification: a copy re-sent after a crash is recognisably the same.
    domain = config["MAIL_SENDER"].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<notification-{note.id}@{domain}>"
    link = f"{config['PORTAL_BASE_URL'].rstrip('/')}{note.url}" if note.url else ""
    message.set_content(
        f"{note.user.display_name}：\n\n{note.message}\n\n{link}\n\n—— {config['COMPANY_NAME']} 规程门户"
    )
    return message
