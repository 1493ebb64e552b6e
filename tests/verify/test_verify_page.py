"""/verify: the printed hash covers every printed fact (direct database edits and a replaced
file are caught), old v1 prints still verify, nothing is shown without a matching hash, and the
page is rate-limited per client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from portal.core import clock
from portal.extensions import db
from portal.files import services as files
from portal.pdf import content_hash
from portal.seals import demo as seal_demo
from portal.seals import services as seal_services
from portal.workflow import engine, records
from tests.complaints.helpers import MONDAY_10, PDF, Player
from tests.supplies.helpers import catalogue, requisition

NEUTRAL = "无法核验"


def _printed_hash(monkeypatch, build, record) -> str:
    """The hash the PDF of `record` prints (the template's data, without rendering)."""
    printed = []
    monkeypatch.setattr(records, "render_pdf", lambda template, data: printed.append(data) or b"")
    build(record)
    monkeypatch.undo()
    return printed[-1]["content_hash"]


def _verifies(client, number: str, digest: str) -> bool:
    response = client.get(f"/verify/{number}?h={digest}")
    assert response.status_code in (200, 404), response.status_code
    ok = response.status_code == 200
    assert ok == ("一致" in response.text) and ok != (NEUTRAL in response.text)
    return ok


def _sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def _check_edits(client, monkeypatch, build, record, edits) -> tuple[int, int]:
    """Apply each edit to the live record after printing it; every one must break the match."""
    held = 0
    for edit in edits:
        digest = _printed_hash(monkeypatch, build, record)
        assert digest.startswith("v2:") and digest == records.record_hash(record.instance)
        assert _verifies(client, record.instance.number, digest), edit.__name__
        edit(record)
        held += not _verifies(client, record.instance.number, digest)
    return len(edits), held


def _replace_file(record) -> None:
    row = files.of_record(record)[0]
    files.file_path(row).write_bytes(PDF + b"% replaced\n")


def _edit_audit_event(record) -> None:
    _sql("UPDATE audit_events SET comment = '改过' WHERE id = (SELECT max(id) FROM audit_events "
         "WHERE subject_type = 'workflow' AND subject_id = :i)", i=record.instance_id)  # fmt: skip


def _delete_audit_event(record) -> None:
    _sql("DELETE FROM audit_events WHERE id = (SELECT min(id) FROM audit_events "
         "WHERE subject_type = 'workflow' AND subject_id = :i)", i=record.instance_id)  # fmt: skip


def _rename_department(record) -> None:
    _sql("UPDATE departments SET name = '假部门' WHERE id = :d", d=record.instance.department_id)


def _move_submitted_at(record) -> None:
    earlier = record.instance.submitted_at - timedelta(days=3)
    _sql("UPDATE workflow_instances SET submitted_at = :t WHERE id = :i",
         t=earlier.replace(tzinfo=None), i=record.instance_id)  # fmt: skip


def _edit_task_comment(record) -> None:
    # a decided task of the trail (a cancelled one, never printed, has no comment)
    _sql("UPDATE workflow_tasks SET comment = '改过的意见' WHERE id = (SELECT min(id) FROM "
         "workflow_tasks WHERE instance_id = :i AND comment <> '')", i=record.instance_id)  # fmt: skip


def _rename_applicant(record) -> None:
    _sql("UPDATE users SET display_name = '冒名' WHERE id = :u", u=record.instance.applicant_id)


@pytest.fixture
def frozen():
    with clock.frozen(MONDAY_10):
        yield


def test_seal_request_edits_break_the_match(client, monkeypatch, org, frozen):
    from portal.seals.pages import request_pdf

    seals = seal_demo.build_catalogue(org)
    db.session.commit()
    data = {
        "seal_ids": [seals["公章"].id], "document_name": "年度经销合同", "document_type": "contract",
        "purpose": "签订年度经销合同", "receiving_party": "杭州华东贸易有限公司", "copies": 3,
        "urgent": False, "take_out": False, "destination": "", "carrier": "",
        "expected_return_at": None, "remarks": "",
    }  # fmt: skip
    upload = files.Checked("合同.pdf", "application/pdf", PDF)
    record = seal_services.save_request(None, org["employee"], data, [upload], submit=True)
    engine.transition(record.instance, "approve", org["head"], "同意")
    db.session.commit()
    other = seals["合同专用章"]

    def seals_used(record):
        _sql("UPDATE seal_request_items SET seal_id = :s WHERE request_id = :r",
             s=other.id, r=record.id)  # fmt: skip

    def seal_names(record):
        _sql("UPDATE seal_requests SET seal_names = '财务专用章' WHERE id = :r", r=record.id)

    def seal_kind(record):
        _sql("UPDATE seals SET kind = 'finance' WHERE id = :s", s=record.items[0].seal_id)

    def document_name(record):
        _sql("UPDATE seal_requests SET document_name = '另一份合同' WHERE id = :r", r=record.id)

    edits = [_edit_audit_event, _delete_audit_event, _rename_department, _move_submitted_at,
             seals_used, seal_names, seal_kind, _replace_file, _edit_task_comment,
             _rename_applicant, document_name]  # fmt: skip
    assert _check_edits(client, monkeypatch, request_pdf, record, edits) == (11, 11)


def test_complaint_edits_break_the_match(client, monkeypatch, org, frozen):
    from portal.complaints import services
    from portal.complaints.pages import complaint_pdf
    from tests.complaints.helpers import intake

    upload = files.Checked("照片.pdf", "application/pdf", PDF)
    complaint = services.register_complaint(intake(), [upload], org["service"])
    db.session.commit()
    Player(org).act(complaint)  # 品质部 analysis done: a decided task in the trail

    def customer(record):
        _sql("UPDATE complaints SET customer_company = '别的公司' WHERE id = :r", r=record.id)

    edits = [customer, _edit_audit_event, _delete_audit_event, _move_submitted_at,
             _replace_file, _edit_task_comment]  # fmt: skip
    assert _check_edits(client, monkeypatch, complaint_pdf, complaint, edits) == (6, 6)


def test_requisition_edits_break_the_match(client, monkeypatch, org, frozen):
    from portal.supplies.pages import requisition_pdf

    items = catalogue(org)
    record = requisition(org, items)

    def quantity(record):
        _sql("UPDATE supply_requisition_lines SET quantity = quantity + 7 WHERE id = :l",
             l=record.lines[0].id)  # fmt: skip

    def item_name(record):
        _sql("UPDATE supply_items SET name = '改名' WHERE id = :i", i=record.lines[0].item_id)

    edits = [quantity, item_name, _rename_department, _delete_audit_event, _move_submitted_at]
    assert _check_edits(client, monkeypatch, requisition_pdf, record, edits) == (5, 5)


def test_every_registered_printer_prints_the_hash_verification_rebuilds(
    client, monkeypatch, org, frozen
):
    """For each form whose printer verify registers: print, then verify the printed hash."""
    from portal.complaints import services as complaints
    from portal.complaints.pages import complaint_pdf
    from portal.supplies.pages import requisition_pdf
    from tests.complaints.helpers import intake

    complaint = complaints.register_complaint(intake(), [], org["service"])
    record = requisition(org, catalogue(org))
    db.session.commit()
    for build, rec in [(complaint_pdf, complaint), (requisition_pdf, record)]:
        assert _verifies(client, rec.instance.number, _printed_hash(monkeypatch, build, rec))


def test_v1_prints_still_verify_and_nothing_shows_without_the_hash(client, org, frozen):
    record = requisition(org, catalogue(org))
    instance = record.instance
    v1 = content_hash(records.snapshot(instance))
    assert _verifies(client, instance.number, v1)
    assert _verifies(client, instance.number, records.record_hash(instance))
    probes = [
        f"/verify/{instance.number}",  # no hash
        f"/verify/{instance.number}?h={'0' * 64}",  # wrong v1 hash
        f"/verify/{instance.number}?h=v2:{'0' * 64}",  # wrong v2 hash
        f"/verify/{instance.number}?h=abc",  # malformed
        f"/verify/LY-000000-0000?h={v1}",  # unknown number, a real record's hash
        "/verify/LY-000000-0000",  # unknown number
    ]
    bodies = set()
    for url in probes:
        response = client.get(url)
        assert response.status_code == 404, url
        assert instance.number not in response.text and "领用" not in response.text
        bodies.add(response.text)
    assert len(bodies) == 1  # one neutral answer, whatever was probed
    assert client.get("/verify/YY%00x?h=%00").status_code in (400, 404)  # NUL: never a 500
    _sql("UPDATE supply_requisitions SET purpose = '改过' WHERE id = :r", r=record.id)
    assert not _verifies(client, instance.number, v1)


def test_verify_is_rate_limited_per_client(make_app, org):
    app = make_app(VERIFY_RATE_LIMIT=5, VERIFY_RATE_WINDOW=60)
    client = app.test_client()
    with app.app_context(), clock.frozen(MONDAY_10):
        here = {"REMOTE_ADDR": "203.0.113.7"}
        codes = [client.get(f"/verify/X-{n}", environ_base=here).status_code for n in range(8)]
        assert codes == [404] * 5 + [429] * 3
        limited = client.get("/verify/X-9", environ_base=here)
        assert "过于频繁" in limited.text and int(limited.headers["Retry-After"]) <= 60
        # a spoofed proxy header does not make a new client; another address is one
        spoof = {**here, "HTTP_X_REAL_IP": "198.51.100.1"}
        assert client.get("/verify/X-10", environ_base=spoof).status_code == 429
        other = {"REMOTE_ADDR": "203.0.113.8"}
        assert client.get("/verify/X-11", environ_base=other).status_code == 404
    with app.app_context(), clock.frozen(MONDAY_10 + timedelta(seconds=61)):
        assert client.get("/verify/X-12", environ_base=here).status_code == 404
