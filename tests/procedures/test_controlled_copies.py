"""Controlled copies: numbered prints for a named holder on every page, gapless numbers, the
uncontrolled print (非受控) and the superseded one (已作废), recall, and who may do what."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.core import clock
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.procedures import copies, services
from portal.procedures.models import ControlledCopy, Procedure, RevisionStatus
from tests.pdftext import pdf_pages
from tests.procedures import control_data as data

ARTICLES = "\n\n".join(
    f"第{n}条 " + "本条规定受控文件的发放、使用、回收与销毁的要求，各部门应严格执行。" * 6
    for n in range(1, 41)
)
TEXT = f"""---
code: QP-CC-01
title: 文件控制程序
category: 质量管理
owner_department: QA
revision: A/0
effective_date: 2026-03-01
---

{ARTICLES}
"""


@pytest.fixture
def doc(org):
    result = services.load_markdown(TEXT)
    db.session.commit()
    procedure = result.procedure
    assert procedure.current_revision is not None
    return procedure


def new_copy(client, doc, holder="张三", department="SAL"):
    return client.post(
        f"/procedures/{doc.code}/copies/new",
        data={"holder": holder, "holder_department": department},
    )


def test_controlled_copy_pdf_carries_number_and_holder_on_every_page(doc, login, client):
    login("quality")
    response = new_copy(client, doc)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_pages(response.data)
    assert len(pages) > 1
    for page in pages:
        assert "受控副本No.001" in page and "持有人：销售部张三" in page
        assert "非受控" not in page
    copy = db.session.scalar(select(ControlledCopy))
    assert (copy.copy_no, copy.holder, copy.holder_department) == (1, "张三", "SAL")
    assert copy.revision_id == doc.current_revision.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "print_copy"))
    assert event is not None and event.data["copy_no"] == 1


def test_plain_pdf_is_an_uncontrolled_dated_print(doc, login, client):
    login("employee")
    with clock.frozen(datetime(2026, 12, 6, 3, tzinfo=UTC)):
        response = client.get(f"/procedures/{doc.code}/pdf")
    assert response.status_code == 200
    pages = pdf_pages(response.data)
    assert len(pages) > 1
    for page in pages:
        assert "非受控·打印日期2026-12-06" in page
        assert "受控副本" not in page


def test_superseded_revision_prints_as_void_and_cannot_be_copied(doc, login, client):
    old = doc.current_revision
    data.revision(doc, "A/1")
    db.session.commit()
    assert old.status == RevisionStatus.SUPERSEDED
    login("quality")
    page = client.get(f"/procedures/{doc.code}/revisions/{old.id}").get_data(as_text=True)
    assert f"/procedures/{doc.code}/pdf?revision={old.id}" in page and "PDF（已作废）" in page
    pages = pdf_pages(client.get(f"/procedures/{doc.code}/pdf?revision={old.id}").data)
    assert all("已作废" in page for page in pages)
    # A copy is always of the current revision; a withdrawn document has none to copy.
    doc.current_revision.status = RevisionStatus.WITHDRAWN
    db.session.commit()
    response = new_copy(client, doc)
    assert response.status_code == 422 and "没有现行版本" in response.get_data(as_text=True)
    assert db.session.scalar(select(ControlledCopy)) is None


def test_copy_numbers_are_gapless_and_unique_per_procedure(doc, org):
    other = data.procedure(owner="QA")
    data.revision(other)
    numbers = []
    for n in range(5):
        numbers.append(copies.issue_copy(doc, org["quality"], f"持有人{n}").copy_no)
        if n == 2:
            copies.issue_copy(other, org["quality"], "别的文件")
    db.session.commit()
    assert numbers == [1, 2, 3, 4, 5]
    rows = db.session.execute(
        select(ControlledCopy.procedure_id, ControlledCopy.copy_no).order_by(ControlledCopy.id)
    ).all()
    assert len(rows) == len(set(rows)) == 6
    assert [r.copy_no for r in rows if r.procedure_id == other.id] == [1]


def test_a_failed_render_keeps_no_number(doc, org, login, client, monkeypatch):
    """The number is committed only with its PDF, so a failure leaves no gap."""
    import portal.procedures.pdf as pdf

    login("quality")

    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(pdf, "procedure_pdf", broken)
    with pytest.raises(RuntimeError):
        new_copy(client, doc)
    db.session.rollback()
    monkeypatch.undo()
    assert db.session.scalar(select(ControlledCopy)) is None
    new_copy(client, doc)
    assert db.session.scalars(select(ControlledCopy.copy_no)).all() == [1]


def test_holder_is_required(doc, login, client):
    login("quality")
    response = new_copy(client, doc, holder="  ")
    assert response.status_code == 422
    assert "请填写持有人" in response.get_data(as_text=True)


def test_copies_of_superseded_revisions_wait_for_recall(doc, org, login, client):
    first = copies.issue_copy(doc, org["quality"], "张三")
    data.revision(doc, "A/1")
    current = copies.issue_copy(doc, org["quality"], "李四")
    db.session.commit()
    assert copies.recall_count(doc) == 1
    login("quality")
    listing = client.get(f"/procedures/{doc.code}/copies").get_data(as_text=True)
    assert listing.count("待回收") == 1 and "No. 001" in listing and "No. 002" in listing
    page = client.get(f"/procedures/{doc.code}").get_data(as_text=True)
    assert "待回收 1" in page
    response = client.post(
        f"/procedures/{doc.code}/copies/{first.id}/recall", data={"note": "已收回销毁"}
    )
    assert response.status_code == 303
    db.session.refresh(first)
    assert first.recalled_at is not None and first.recalled_by_id == org["quality"].id
    assert first.recall_note == "已收回销毁" and copies.recall_count(doc) == 0
    assert current.recalled_at is None
    again = client.post(f"/procedures/{doc.code}/copies/{first.id}/recall", data={"note": ""})
    assert again.status_code == 422
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "recall_copy"))


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("admin", True),  # sysadmin
        ("quality", True),  # quality role, member of the owning QA
        ("inspector", True),
        ("head", False),
        ("employee", False),
        ("service", False),
        ("gm", False),
    ],
)
def test_copy_access(doc, org, login, client, username, allowed):
    copy = copies.issue_copy(doc, org["quality"], "张三")
    db.session.commit()
    login(username)
    code = 200 if allowed else 403
    assert client.get(f"/procedures/{doc.code}/copies").status_code == code
    assert client.get(f"/procedures/{doc.code}/copies/new").status_code == code
    recall = client.post(f"/procedures/{doc.code}/copies/{copy.id}/recall", data={})
    assert recall.status_code == (303 if allowed else 403)
    page = client.get(f"/procedures/{doc.code}").get_data(as_text=True)
    assert ("打印受控副本" in page) is allowed


def test_owning_department_member_without_quality_role_may_issue(org, login, client):
    doc = data.procedure(owner="SAL")
    data.revision(doc)
    db.session.commit()
    login("employee")
    assert client.get(f"/procedures/{doc.code}/copies/new").status_code == 200
    assert new_copy(client, doc).status_code == 200


def test_concurrent_copies_never_share_or_skip_a_number(app, doc, org):
    """Each thread in its own session reads the procedure, waits for the others, then takes a
    number: on PostgreSQL the row lock queues them; on SQLite a writer with a stale snapshot is
    refused cleanly. Either way the numbers kept are 1..n, each once."""
    barrier = threading.Barrier(4, timeout=30)
    outcomes = [""] * 4

    def worker(index: int) -> None:
        with app.app_context():
            try:
                procedure = db.session.get(Procedure, doc.id)
                user = db.session.get(User, org["quality"].id)
                procedure.current_revision  # noqa: B018  (what the page has read)
                barrier.wait()
                copies.issue_copy(procedure, user, f"持有人{index}")
                db.session.commit()
                outcomes[index] = "ok"
            except copies.CopyError:
                db.session.rollback()
                outcomes[index] = "refused"
            except Exception as exc:
                db.session.rollback()
                outcomes[index] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.rollback()
    assert all(o in ("ok", "refused") for o in outcomes), outcomes
    numbers = sorted(db.session.scalars(select(ControlledCopy.copy_no)))
    assert numbers == list(range(1, outcomes.count("ok") + 1)) and numbers
