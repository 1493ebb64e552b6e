"""The 存档登记表: every bad input is refused beside its field and nothing is saved; a good batch
goes to the department head, then to the archivist, who returns items with a reason and accepts
the rest, which get gapless numbers per category and year; 备案 batches copy the archivist in."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.archive import services
from portal.archive.models import ArchiveBatch, ArchiveItem
from portal.core import clock
from portal.core.clock import local_now
from portal.extensions import db
from portal.workflow import engine
from portal.workflow.models import Status, Watcher
from tests.archive.helpers import accept_all, batch, row, tiny_pdf

GOOD = {
    "department_id": None,  # the user's, filled in by post()
    "custody": "archive",
    "items-0-title": "2026年度采购合同（钢材）",
    "items-0-category": "HT",
    "items-0-document_date": "2026-03-01",
    "items-0-volumes": "1",
    "items-0-pages": "12",
    "items-0-copies": "2",
    "items-0-original": "original",
    "items-0-secrecy": "normal",
    "items-0-retention": "",
    "items-0-room": "档案室A",
}


def post(client, user, files=None, **fields):
    data = {**GOOD, "department_id": str(user.department_id), **fields}
    data = {k: v for k, v in data.items() if v is not None}
    for name, (content, filename) in (files or {}).items():
        data[name] = (io.BytesIO(content), filename)
    return client.post("/archive/new", data=data, content_type="multipart/form-data")


def count() -> int:
    return db.session.scalar(select(func.count(ArchiveItem.id)))


TOMORROW = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")

BAD_INPUT = [
    # (fields, field id the message sits beside, message)
    ({"items-0-pages": "0"}, "items-0-pages", "页数必须大于 0"),
    ({"items-0-pages": "-3"}, "items-0-pages", "页数必须大于 0"),
    ({"items-0-copies": "0"}, "items-0-copies", "份数必须大于 0"),
    ({"items-0-copies": "-1"}, "items-0-copies", "份数必须大于 0"),
    ({"items-0-volumes": "0"}, "items-0-volumes", "卷数必须大于 0"),
    ({"items-0-pages": "十二"}, "items-0-pages", "请填写整数"),
    ({"items-0-retention": "D10"}, "items-0-retention", "合同的保管期限不能短于 30 年"),
    (
        {"items-0-category": "ZL", "items-0-retention": "D10", "items-0-title": "检验记录"},
        None,
        None,
    ),
    ({"items-0-document_date": TOMORROW}, "items-0-document_date", "日期不能晚于今天"),
    ({"items-0-document_date": ""}, "items-0-document_date", "请填写形成日期"),
    ({"items-0-title": "", "items-0-pages": "3"}, "items-0-title", "请填写档案题名"),
    ({"items-0-category": ""}, "items-0-category", "请选择类别"),
    ({"items-0-category": "XX"}, "items-0-category", "请从列表中选择类别"),
    ({"items-0-room": ""}, "items-0-room", "请填写存放位置（库房），或上传电子文件"),
    ({"department_id": ""}, "department_id", "请选择归档部门"),
]


@pytest.mark.parametrize(("fields", "where", "message"), BAD_INPUT,
                         ids=[str(i) for i in range(len(BAD_INPUT))])  # fmt: skip
def test_bad_input_is_refused_beside_its_field(client, login, fields, where, message):
    user = login("employee")
    response = post(client, user, **fields)
    if message is None:  # the control case: a valid variant is saved
        assert response.status_code == 303, response.text
        assert count() == 1
        return
    assert response.status_code == 422, response.text
    page = response.text
    assert message in page
    # beside the field: inside the field's own wrapper
    block = page.split(f'id="field-{where}"', 1)[1].split("</div>", 2)
    assert (
        message in "".join(block[:2]) or message in page.split(f'id="field-{where}"', 1)[1][:1500]
    )
    assert count() == 0
    assert db.session.scalar(select(func.count(ArchiveBatch.id))) == 0


def test_an_electronic_file_must_match_its_type(client, login):
    user = login("employee")
    word = b"PK\x03\x04" + b"\x00" * 40  # a zip, not a PDF
    response = post(client, user, files={"items-0-file": (word, "合同.pdf")},
                    **{"items-0-file_format": "pdf", "items-0-room": ""})  # fmt: skip
    assert response.status_code == 422
    assert "文件内容须与其类型一致" in response.text
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    response = post(client, user, files={"items-0-file": (png, "扫描.png")},
                    **{"items-0-file_format": "pdf", "items-0-room": ""})  # fmt: skip
    assert response.status_code == 422
    assert "文件内容与所选格式（PDF）不符" in response.text
    response = post(client, user, files={"items-0-file": (tiny_pdf(), "合同.pdf")},
                    **{"items-0-file_format": "pdf", "items-0-sha256": "0" * 64})  # fmt: skip
    assert response.status_code == 422 and "SHA-256 与填写的不一致" in response.text
    assert count() == 0
    good = post(client, user, files={"items-0-file": (tiny_pdf(), "合同.pdf")},
                **{"items-0-file_format": "", "items-0-room": ""})  # fmt: skip
    assert good.status_code == 303
    item = db.session.scalar(select(ArchiveItem))
    assert item.file_format == "pdf" and len(item.file_sha256) == 64 and item.room == ""


def test_rows_are_added_and_removed_without_saving(client, login):
    user = login("employee")
    response = post(client, user, _rows="items:add")
    assert response.status_code == 200 and 'name="items-1-title"' in response.text
    response = post(client, user, _rows="items:remove:items-0")
    assert response.status_code == 200
    assert count() == 0


def test_a_batch_of_three_two_accepted_one_returned(org):
    record = batch(org, rows=[row("销售合同 A"), row("招标书 B", "TB"), row("通知 C", "TZ")])
    instance = record.instance
    assert instance.status == Status.IN_PROGRESS and instance.step_key == "head"
    assert instance.number.startswith("CD-")
    assert [t.assignee.username for t in instance.open_tasks] == ["head"]
    engine.transition(instance, "approve", org["head"])
    assert instance.step_key == "check"
    assert [t.assignee.username for t in instance.open_tasks] == ["archivist"]
    with pytest.raises(services.ArchiveError, match="须写明原因"):
        services.check_batch(record, {i.id: {"accept": i.seq != 2, "reason": ""}
                                      for i in record.items}, org["archivist"])  # fmt: skip
    db.session.rollback()
    accept_all(record, org, returned=(2,))
    year = local_now().year
    numbers = [i.number for i in record.items]
    assert numbers == [f"DA-{year}-HT-0001", None, f"DA-{year}-TZ-0001"]
    assert [i.status for i in record.items] == ["archived", "returned", "archived"]
    assert record.items[1].return_reason == "缺页，请补正"
    assert instance.status == Status.COMPLETED
    again = batch(org, rows=[row("销售合同 D")])
    accept_all(again, org)
    assert again.items[0].number == f"DA-{year}-HT-0002"


def test_only_the_archivist_checks(org):
    record = batch(org)
    engine.transition(record.instance, "approve", org["head"])
    for name in ("employee", "head", "adminoffice", "gm"):
        with pytest.raises(engine.WorkflowError):
            services.check_batch(record, {}, org[name])
        db.session.rollback()


def test_numbers_restart_each_year_per_category(org):
    with clock.frozen(datetime(2026, 12, 31, 8, 0, tzinfo=UTC)):
        first = accept_all(batch(org), org).items[0]
    with clock.frozen(datetime(2027, 1, 4, 2, 0, tzinfo=UTC)):
        second = accept_all(batch(org), org).items[0]
    assert (first.number, second.number) == ("DA-2026-HT-0001", "DA-2027-HT-0001")


def test_a_filing_copies_the_archivist_in_at_once(org):
    record = batch(
        org, applicant="producer", rows=[row("产品图纸 X-100", "JS")], custody="department"
    )
    watchers = db.session.scalars(select(Watcher).where(Watcher.instance_id == record.instance_id))
    assert "archivist" in {w.user.username for w in watchers}
    assert record.filing and record.instance.step_key == "check"  # the producer heads 生产部
    accept_all(record, org)
    assert record.items[0].number.endswith("-JS-0001")


def test_a_department_head_registering_skips_their_own_signature(org):
    record = batch(org, applicant="head")
    assert record.instance.step_key == "check"
