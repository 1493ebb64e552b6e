"""The e-mail outbox: concurrent senders deliver each e-mail once, a crashed sender's claims are
taken again after the lease, a failing server means backoff, and web requests send nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from portal.core import clock
from portal.extensions import db
from portal.notifications import outbox
from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.workflow.models import TaskStatus
from portal.workflow.tick import tick
from tests.notifications.conftest import free_port

USERS = ["employee", "head", "gm", "finance", "quality"]


def backlog(org, count: int) -> list[int]:
    ids = []
    for i in range(count):
        (note,) = notify([org[USERS[i % len(USERS)]]], f"积压通知 {i}", kind="task")
        ids.append(note.id)
    db.session.commit()
    return ids


def row(note_id: int) -> Notification:
    db.session.rollback()  # a fresh read of what the sender committed
    return db.session.get(Notification, note_id)


def test_two_concurrent_senders_deliver_each_email_once(app, org, smtp_sink):
    ids = backlog(org, 200)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list = [None, None]

    def sender(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                # Small batches, so that the two senders' claims interleave over the backlog.
                outcomes[index] = outbox.send_pending_emails(batch=10)
            except Exception as exc:
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(isinstance(o, outbox.SendResult) for o in outcomes), outcomes
    delivered = smtp_sink.ids()
    duplicates = len(delivered) - len(set(delivered))
    print(
        f"\n{db.engine.dialect.name}: 2 concurrent senders, {len(ids)} e-mails, "
        f"{len(delivered)} delivered, {duplicates} duplicates "
        f"(sent {outcomes[0].sent} + {outcomes[1].sent})"
    )
    assert duplicates == 0
    assert sorted(delivered) == sorted(f"<notification-{i}@localhost>" for i in ids)
    assert outcomes[0].sent + outcomes[1].sent == 200
    db.session.rollback()
    unsent = select(func.count()).where(Notification.emailed_at.is_(None))
    assert db.session.scalar(unsent) == 0


def test_a_crashed_senders_claim_is_taken_again_after_the_lease(app, org, smtp_sink):
    ids = backlog(org, 5)
    start = clock.now()
    with clock.frozen(start):
        assert sorted(outbox.claim("dead-node:1:x", 50)) == ids  # ... and then it died
        assert outbox.send_pending_emails().sent == 0
    lease = timedelta(seconds=outbox.LEASE_SECONDS)
    with clock.frozen(start + lease - timedelta(seconds=1)):
        assert outbox.send_pending_emails().sent == 0  # the claim still holds
    assert smtp_sink.messages == []
    with clock.frozen(start + lease):
        assert outbox.send_pending_emails().sent == 5
        assert outbox.send_pending_emails().sent == 0
    assert sorted(smtp_sink.ids()) == sorted(f"<notification-{i}@localhost>" for i in ids)
    note = row(ids[0])
    assert (
        note.emailed_at is not None and note.email_claimed_by == "" and note.email_next_at is None
    )


def test_a_failing_server_means_backoff_not_a_tight_loop(app, org, smtp_sink):
    (note_id,) = backlog(org, 1)
    smtp_sink.refuse = "451 4.3.0 try again later"
    start = clock.now()
    with clock.frozen(start):
        result = outbox.send_pending_emails()
        assert (result.sent, result.failed) == (0, 1)
        for _ in range(5):  # cron again at once: nothing is due, the server is left alone
            assert outbox.send_pending_emails().failed == 0
    assert smtp_sink.attempts == 1
    note = row(note_id)
    assert note.email_attempts == 1 and "try again later" in note.email_error
    assert note.email_next_at == start + timedelta(seconds=60) and note.email_claimed_at is None
    with clock.frozen(start + timedelta(seconds=60)):
        assert outbox.send_pending_emails().failed == 1
    assert smtp_sink.attempts == 2
    note = row(note_id)
    assert note.email_attempts == 2
    assert note.email_next_at == start + timedelta(seconds=60 + 120)  # doubled
    smtp_sink.refuse = ""
    with clock.frozen(start + timedelta(seconds=180)):
        assert outbox.send_pending_emails().sent == 1
    assert smtp_sink.ids() == [f"<notification-{note_id}@localhost>"]


def test_backoff_doubles_up_to_its_cap(app):
    waits = [outbox.backoff(n).total_seconds() for n in range(1, 9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_an_unreachable_server_backs_off_and_is_given_up_after_the_last_attempt(app, org):
    ids = backlog(org, 3)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    start = clock.now()
    try:
        with clock.frozen(start):
            assert outbox.send_pending_emails().failed == 3
            assert outbox.send_pending_emails().failed == 0
        with clock.frozen(start + timedelta(hours=1)):
            assert outbox.send_pending_emails().given_up == 3
            assert outbox.send_pending_emails().given_up == 0
    finally:
        app.config["MAIL_SERVER"] = ""
    note = row(ids[0])
    assert note.email_attempts == 2 and note.email_next_at is None and note.emailed_at is None
    assert note.email_error.startswith("ConnectionRefusedError")


def test_a_user_without_an_address_is_given_up_at_once(app, org, smtp_sink):
    org["head"].email = ""
    (note_id,) = backlog(org, 2)[1:]  # the second goes to head
    result = outbox.send_pending_emails()
    assert (result.sent, result.given_up) == (1, 1)
    note = row(note_id)
    assert note.email_error == "no address" and note.email_next_at is None


def test_no_email_is_sent_during_a_web_request(make_request, org, client, login, smtp_sink):
    instance = make_request(title="请求内不发信")
    login("employee")
    response = client.post(f"/workflow/{instance.id}/act", data={"action": "submit"})
    assert response.status_code == 303
    assert smtp_sink.attempts == 0
    db.session.rollback()
    task = instance.open_tasks[0]
    assert task.status == TaskStatus.OPEN
    note = db.session.scalar(select(Notification).where(Notification.task_id == task.id))
    assert note.emailed_at is None and note.email_next_at is not None  # in the outbox
    assert tick().emails >= 1
    to_head = [m for m in smtp_sink.messages if m["To"] == "head@example.com"]
    assert len(to_head) == 1 and "请求内不发信" in to_head[0].get_content()


def test_the_outbox_commands(app, org, smtp_sink, runner):
    backlog(org, 2)
    assert "due 2" in runner.invoke(args=["outbox", "status"]).output
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "e-mails sent 2" in result.output
    assert "sent 2" in runner.invoke(args=["outbox", "status"]).output


def test_a_dedupe_key_is_inserted_once_without_an_error(app, org):
    first = notify([org["head"]], "提醒", kind="reminder", dedupe_key="remind:1")
    second = notify([org["head"], org["gm"]], "提醒", kind="reminder", dedupe_key="remind:1")
    db.session.commit()
    assert len(first) == 1 and [n.user_id for n in second] == [org["gm"].id]
