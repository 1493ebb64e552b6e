"""Borrowing: every bad request is refused beside its field (a 机密 take-out, an item on loan or
destroyed with the offer to queue, a return date before the loan date, more than 30 days), the
route by secrecy, hand-over and return with the item's condition, renewal once, reminders
before the due date and escalation after it (injected clock), and the electronic loan's link
with its watermark."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.archive import services
from portal.archive.models import ArchiveLoan
from portal.core import clock
from portal.core.clock import local_now, now
from portal.extensions import db
from portal.notifications.models import Notification
from portal.workflow import engine
from portal.workflow.models import Status
from portal.workflow.tick import tick
from tests.archive.helpers import (
    approve_loan,
    archived_item,
    give_back,
    hand_over,
    loan,
    tiny_pdf,
)


def form(record, **fields):
    today = local_now().date()
    return {"item": record.number, "mode": "onsite", "purpose": "核对条款",
            "start_date": str(today), "due_date": str(today + timedelta(days=7)), **fields}  # fmt: skip


def loans() -> int:
    return db.session.scalar(select(func.count(ArchiveLoan.id)))


def test_bad_requests_are_refused_beside_their_field(org, client, login):
    normal = archived_item(org)
    secret = archived_item(org, "confidential", title="董事会决议原件")
    login("employee")
    today = local_now().date()
    cases = [
        (form(secret, mode="take_out"), "mode", "机密档案不得借出"),
        (
            form(normal, due_date=str(today - timedelta(days=1))),
            "due_date",
            "归还日期不能早于借阅日期",
        ),
        (form(normal, due_date=str(today + timedelta(days=31))), "due_date", "借阅期限最长 30 天"),
        (form(normal, item="DA-1999-HT-9999"), "item", "没有这个档号的档案"),
        (form(normal, mode="electronic"), "mode", "没有 PDF 电子文件"),
        (form(normal, purpose=""), "purpose", "请写明借阅用途"),
        (form(normal, start_date=str(today - timedelta(days=1))), "start_date", "日期不能早于今天"),
    ]
    for data, where, message in cases:
        response = client.post("/archive/loans/new", data=data)
        assert response.status_code == 422, (where, response.text[:300])
        after = response.text.split(f'id="field-{where}"', 1)[1][:1500]
        assert message in after, (where, message)
    assert loans() == 0


def test_an_item_on_loan_offers_the_queue_and_a_destroyed_one_refuses(org, client, login):
    item = archived_item(org)
    out = loan(org, item, borrower="inspector")
    approve_loan(out, org)
    hand_over(out, org)
    login("employee")
    response = client.post("/archive/loans/new", data=form(item))
    assert response.status_code == 422
    assert "已借出（借阅人 郑工" in response.text and 'id="offer-queue"' in response.text
    assert loans() == 1
    queued = client.post("/archive/loans/new", data={**form(item), "queue": "y"})
    assert queued.status_code == 303
    assert [q.user.username for q in services.queue_of(item)] == ["employee"]
    give_back(out, org)
    note = db.session.scalar(select(Notification).where(Notification.user_id == org["employee"].id,
                                                        Notification.message.contains("已归还")))  # fmt: skip
    assert note is not None and services.queue_of(item) == []
    item.status, item.destroyed_at = "destroyed", now()
    db.session.commit()
    response = client.post("/archive/loans/new", data=form(item))
    assert (
        response.status_code == 422
        and "已于" in response.text
        and "销毁，不能借阅" in response.text
    )


@pytest.mark.parametrize(("secrecy", "mode", "route"), [
    ("normal", "onsite", ["head", "hand_over", "give_back"]),
    ("secret", "take_out", ["head", "gm", "hand_over", "give_back"]),
    ("confidential", "onsite", ["head", "gm", "hand_over", "give_back"]),
])  # fmt: skip
def test_the_route_follows_the_secrecy(org, secrecy, mode, route):
    record = loan(org, archived_item(org, secrecy), mode=mode)
    seen = []
    instance = record.instance
    while instance.status == Status.IN_PROGRESS:
        seen.append(instance.step_key)
        if instance.step_key == "hand_over":
            hand_over(record, org)
        elif instance.step_key == "give_back":
            give_back(record, org)
        else:
            engine.transition(instance, "approve", instance.open_tasks[0].assignee)
    assert seen == route and instance.status == Status.COMPLETED


def test_a_confidential_take_out_is_refused_by_the_engine_too(org):
    item = archived_item(org, "confidential")
    with pytest.raises(services.ArchiveError, match="机密档案不得借出"):
        loan(org, item, mode="take_out")


def test_the_hand_over_refuses_an_item_still_out_and_a_return_before_the_loan(org):
    item = archived_item(org)
    first, second = loan(org, item), loan(org, item, borrower="inspector")
    approve_loan(first, org)
    approve_loan(second, org)
    hand_over(first, org)
    with pytest.raises(services.ArchiveError, match="归还后才能借出"):
        services.hand_over(second, now(), "完好", org["archivist"])
    db.session.rollback()
    with pytest.raises(services.ArchiveError, match="归还时间不能早于借出时间"):
        services.take_back(first, first.handed_over_at - timedelta(hours=1), "good", "",
                           org["archivist"])  # fmt: skip
    db.session.rollback()
    with pytest.raises(services.ArchiveError, match="请写明情况"):
        services.take_back(first, now(), "damaged", "", org["archivist"])
    db.session.rollback()
    give_back(first, org, condition="damaged", note="第3页撕裂")
    assert first.condition_in == "damaged"
    hand_over(second, org)
    assert second.out


def test_the_return_page_refuses_a_time_before_the_loan(org, client, login):
    record = loan(org, archived_item(org))
    approve_loan(record, org)
    hand_over(record, org)
    login("archivist")
    before = (record.handed_over_at - timedelta(days=1)).astimezone(clock.local_zone())
    response = client.post(f"/archive/loans/{record.id}/return",
                           data={"returned_at": before.strftime("%Y-%m-%dT%H:%M"),
                                 "condition": "good"})  # fmt: skip
    assert response.status_code == 422
    assert "归还时间不能早于借出时间" in response.text.split('id="field-returned_at"', 1)[1][:1200]
    assert record.instance.step_key == "give_back"


def test_overdue_reminder_then_escalation_with_an_injected_clock(org):
    item = archived_item(org, "secret")
    record = loan(org, item, mode="take_out", days=3)
    approve_loan(record, org)
    hand_over(record, org)
    due = record.instance.open_tasks[0].due_at
    with clock.frozen(due - timedelta(hours=20)):
        tick()
    reminded = {n.user.username for n in db.session.scalars(
        select(Notification).where(Notification.kind == "reminder"))}  # fmt: skip
    assert {"archivist", "employee"} <= reminded
    with clock.frozen(due + timedelta(days=1)):
        tick()
        escalated = {n.user.username for n in db.session.scalars(
            select(Notification).where(Notification.kind == "escalation"))}  # fmt: skip
        assert {"archivist", "employee", "head"} <= escalated
        from portal.archive.registers import loans_register
        from portal.core import registers

        rows = db.session.scalars(registers.build_query(
            loans_register({"overdue": "1"}), registers.Filters(), org["archivist"])).all()  # fmt: skip
        assert [r.id for r in rows] == [record.id]
    with clock.frozen(due + timedelta(days=1, hours=1)):
        give_back(record, org)
    assert record.instance.status == Status.COMPLETED


def test_renewal_once_and_approved_again_when_secret(org):
    plain = loan(org, archived_item(org))
    approve_loan(plain, org)
    hand_over(plain, org)
    old = plain.due_date
    engine.transition(plain.instance, "renew", org["employee"], "还需核对")
    db.session.commit()
    assert plain.due_date == old + timedelta(days=7) and plain.renewed
    assert plain.instance.open_tasks[0].due_at > now()
    with pytest.raises(engine.WorkflowError, match="续借以一次为限"):
        engine.transition(plain.instance, "renew", org["employee"])
    db.session.rollback()

    secret = loan(org, archived_item(org, "secret"))
    approve_loan(secret, org)
    hand_over(secret, org)
    with pytest.raises(engine.WorkflowError, match="最长 30 天"):
        engine.transition(secret.instance, "renew", org["employee"],
                          due=secret.due_date + timedelta(days=31))  # fmt: skip
    db.session.rollback()
    before = secret.due_date
    engine.transition(secret.instance, "renew", org["employee"], due=before + timedelta(days=5))
    db.session.commit()
    assert secret.renewal_stage == "head" and secret.due_date == before
    with pytest.raises(engine.WorkflowError):
        engine.transition(secret.instance, "approve_renewal", org["gm"])
    db.session.rollback()
    engine.transition(secret.instance, "approve_renewal", org["head"])
    db.session.commit()
    assert secret.renewal_stage == "gm"
    engine.transition(secret.instance, "approve_renewal", org["gm"])
    db.session.commit()
    assert secret.due_date == before + timedelta(days=5) and secret.renewed


def test_an_electronic_loan_is_a_watermarked_download_until_the_due_date(org, client, login):
    from portal.files import services as files
    from portal.files.services import Checked

    item = archived_item(org)
    stored = files.store(Checked("合同.pdf", "application/pdf", tiny_pdf("合同正文")),
                         item.batch.instance_id, org["employee"], "archive-file")  # fmt: skip
    item.file_id, item.file_format, item.file_sha256 = stored.id, "pdf", stored.sha256
    db.session.commit()
    record = loan(org, item, mode="electronic", days=2)
    approve_loan(record, org)
    assert record.instance.status == Status.COMPLETED
    login("employee")
    page = client.get(f"/archive/loans/{record.id}")
    assert 'id="download-link"' in page.text
    token = services.download_link(record)
    response = client.get(f"/archive/loans/{record.id}/download/{token}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    from tests.pdftext import pdftotext

    text = pdftotext(response.data)
    assert "借阅人：张三" in text and "合同正文" in text and record.number in text
    assert client.get(f"/archive/loans/{record.id}/download/wrong").status_code == 403
    login("head")
    assert client.get(f"/archive/loans/{record.id}/download/{token}").status_code == 403
    login("employee")
    with clock.frozen(now() + timedelta(days=3)):
        assert client.get(f"/archive/loans/{record.id}/download/{token}").status_code == 403


def test_the_home_panel_of_loans_out_runs_as_many_statements_for_four_loans_as_for_one(
    app, org, count_queries
):
    from portal.archive.registers import loans_panel
    from portal.auth.models import User

    def lend(borrower: str) -> None:
        record = loan(org, archived_item(org), borrower=borrower)
        approve_loan(record, org)
        hand_over(record, org)

    ids = {name: user.id for name, user in org.items()}

    def statements(username: str) -> tuple[int, int]:
        db.session.expunge_all()  # nothing already loaded, as in a request's fresh session
        user = db.session.get(User, ids[username])
        with app.test_request_context("/"), count_queries() as seen:
            panel = loans_panel(user)
        org.update({name: db.session.get(User, id_) for name, id_ in ids.items()})
        return len(panel.items), len(seen)

    lend("employee")
    small = {name: statements(name) for name in ("archivist", "employee")}
    for borrower in ("employee", "head", "employee"):
        lend(borrower)
    large = {name: statements(name) for name in ("archivist", "employee")}
    assert [small[n][0] for n in small] == [1, 1] and [large[n][0] for n in large] == [4, 3]
    assert {n: s for n, (_, s) in large.items()} == {n: s for n, (_, s) in small.items()}
    assert all(s <= 2 for _, s in large.values()), large  # the user's roles, the loans
