"""The request form: bad input comes back (422) with the user's values kept and the message
beside the field; the htmx inline check says the same; drafts; editing; CSRF."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from portal import create_app
from portal.auth import sessions
from portal.core.clock import local_now
from portal.extensions import db
from portal.files.models import Attachment
from portal.seals.models import SealRequest
from portal.workflow.models import Status
from tests.conftest import PortalTestClient, make_config
from tests.seals.conftest import PDF


def form_data(seals, **changes) -> dict:
    later = (local_now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "seal_ids": [str(seals["公章"].id)],
        "document_name": "年度经销合同",
        "document_type": "contract",
        "purpose": "签订年度经销合同",
        "receiving_party": "杭州华东贸易有限公司",
        "copies": "3",
        "destination": "",
        "expected_return_at": later,
        "remarks": "一式三份",
        "intent": "submit",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def requests_count() -> int:
    return db.session.scalar(select(func.count(SealRequest.id)))


def error_beside(html: str, field: str) -> str:
    """The messages inside the field's own block (`<div ... id="field-<name>">`)."""
    block = re.search(
        rf'<(div|fieldset) class="[^"]*has-error[^"]*" id="field-{field}">(.*?)</\1>', html, re.S
    )
    assert block, f"no error beside {field}"
    return " ".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', block.group(2)))


def assert_values_kept(html: str, changed: str = "") -> None:
    kept = {
        "document_name": 'value="年度经销合同"',
        "receiving_party": 'value="杭州华东贸易有限公司"',
        "purpose": "签订年度经销合同</textarea>",
        "remarks": "一式三份</textarea>",
    }
    for name, snippet in kept.items():
        assert name == changed or snippet in html, f"{name} not kept"


def post_multipart(client, url: str, data: dict):
    """POST a form with files; werkzeug spools a large body to a temporary file, which its
    test client leaves open unless it follows redirects, so we close it here."""
    environ = EnvironBuilder(path=url, method="POST", data=data).get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()


@pytest.fixture
def employee(login, seals):
    return login("employee")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"copies": "0"}, "copies", "份数应在 1 到 999 之间"),
        ({"copies": "1000"}, "copies", "份数应在 1 到 999 之间"),
        ({"copies": "三份"}, "copies", "请填写整数"),
        ({"copies": ""}, "copies", "请填写份数"),
        ({"document_name": ""}, "document_name", "请填写文件名称"),
        ({"seal_ids": None}, "seal_ids", "请至少选择一枚印章"),
        ({"seal_ids": ["999"]}, "seal_ids", "所选印章不存在或已停用"),
        ({"document_type": "bogus"}, "document_type", "请选择文件类型"),
        ({"take_out": "y", "destination": ""}, "destination", "携带外出须填写外出地点"),
        ({"take_out": "y", "destination": "上海", "expected_return_at": "2020-01-01T10:00"},
         "expected_return_at", "预计归还时间必须晚于现在"),
        ({"take_out": "y", "destination": "上海", "expected_return_at": "明天"},
         "expected_return_at", "时间格式应为"),
    ],
)  # fmt: skip
def test_bad_input_keeps_values_and_explains(client, seals, employee, changes, field, message):
    response = client.post("/seals/new", data=form_data(seals, **changes))
    assert response.status_code == 422
    assert message in error_beside(response.text, field)
    assert_values_kept(response.text, changed=field)
    assert requests_count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("合同.pdf", PDF + b"0" * (25 * 1024 * 1024), "超过 20 MB"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "不支持文件“setup.exe”的类型"),
        ("合同.html", b"<html><script>alert(1)</script></html>", "不支持文件“合同.html”的类型"),
        ("伪装.pdf", b"<html>not a pdf</html>", "不支持文件“伪装.pdf”的类型"),
    ],
)
def test_bad_attachments_are_refused_beside_the_field(
    client, seals, employee, name, content, message
):
    data = form_data(seals, attachments=(io.BytesIO(content), name))
    response = post_multipart(client, "/seals/new", data)
    assert response.status_code == 422
    assert message in error_beside(response.text, "attachments")
    assert_values_kept(response.text)
    assert requests_count() == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_submit_with_attachment_then_nobody_edits(client, seals, employee):
    data = form_data(seals, attachments=(io.BytesIO(PDF), "经销合同.pdf"))
    response = client.post("/seals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    record = db.session.scalar(select(SealRequest))
    assert record.instance.status == Status.IN_PROGRESS and record.copies == 3
    detail = client.get(response.location)
    assert record.instance.number in detail.text and "经销合同.pdf" in detail.text
    assert client.get(f"/seals/{record.id}/edit").status_code == 403
    edit = client.post(f"/seals/{record.id}/edit", data=form_data(seals, document_name="改"))
    assert edit.status_code == 403 and record.document_name == "年度经销合同"


def test_draft_saves_half_filled_and_is_completed_later(client, seals, employee):
    draft = form_data(seals, intent="draft", document_name="", purpose="", copies="")
    response = client.post("/seals/new", data=draft)
    assert response.status_code == 303
    record = db.session.scalar(select(SealRequest))
    assert record.instance.status == Status.DRAFT and record.copies is None
    page = client.get(response.location).text
    assert "草稿尚未填完" in page and "请填写文件名称" in page
    assert 'value="submit"' not in page  # the generic 提交 button waits for a complete draft
    # Out-of-range values are refused even in a draft.
    bad = client.post(f"/seals/{record.id}/edit", data=form_data(seals, intent="draft", copies="0"))
    assert bad.status_code == 422
    done = client.post(f"/seals/{record.id}/edit", data=form_data(seals))
    assert done.status_code == 303 and record.instance.status == Status.IN_PROGRESS


def test_edit_form_shows_saved_values(client, seals, employee):
    client.post("/seals/new", data=form_data(seals, intent="draft"))
    record = db.session.scalar(select(SealRequest))
    page = client.get(f"/seals/{record.id}/edit").text
    assert_values_kept(page)
    assert re.search(
        rf'value="{seals["公章"].id}"[^>]*checked|checked[^>]*value="{seals["公章"].id}"', page
    )


def test_remove_attachment_from_draft(client, seals, employee):
    data = form_data(seals, intent="draft", attachments=(io.BytesIO(PDF), "旧版.pdf"))
    client.post("/seals/new", data=data, content_type="multipart/form-data")
    record = db.session.scalar(select(SealRequest))
    attachment = db.session.scalar(select(Attachment))
    response = client.post(f"/seals/{record.id}/attachments/{attachment.id}/remove")
    assert response.status_code == 303 and attachment.removed_at is not None
    assert "旧版.pdf" not in client.get(f"/seals/{record.id}/edit").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("copies", "0", "份数应在 1 到 999 之间"),
        ("copies", "1000", "份数应在 1 到 999 之间"),
        ("document_name", "", "请填写文件名称"),
        ("seal_ids", None, "请至少选择一枚印章"),
    ],
)
def test_inline_check_returns_just_that_field(client, seals, employee, field, value, message):
    data = form_data(seals, **{field: value, "_validate": field})
    data.pop("intent")
    response = client.post("/seals/new", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in error_beside(response.text, field)
    assert "<form" not in response.text and 'id="field-purpose"' not in response.text
    assert 'hx-post="/seals/new"' in response.text  # the swapped field keeps checking
    assert requests_count() == 0


def test_inline_check_of_a_good_value_clears_the_message(client, seals, employee):
    data = form_data(seals, copies="5", _validate="copies")
    response = client.post("/seals/new", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "has-error" not in response.text


@pytest.fixture
def csrf_client(app):
    """A client of a second app with CSRF protection on (the test config turns it off)."""
    protected = create_app(make_config(WTF_CSRF_ENABLED=True))
    protected.test_client_class = PortalTestClient
    yield protected.test_client()
    with protected.app_context():
        db.engine.dispose()


def test_missing_csrf_token_keeps_values(seals, org, csrf_client):
    client = csrf_client
    with client.session_transaction() as session:
        sessions.stamp(session, org["employee"])
    response = client.post("/seals/new", data=form_data(seals))
    assert response.status_code == 422
    assert "缺少安全令牌" in response.text
    assert_values_kept(response.text)
    assert requests_count() == 0
    # With the token the same post goes through.
    page = client.get("/seals/new").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/seals/new", data={**form_data(seals), "csrf_token": token})
    db.session.rollback()  # end this session's read, to see what the other app's request wrote
    assert response.status_code == 303 and requests_count() == 1
    # Pages without a form of their own keep the global check (400 before the view runs).
    record = db.session.scalar(select(SealRequest))
    response = client.post(f"/seals/{record.id}/attachments/1/remove")
    assert response.status_code == 400 and "CSRF" in response.text
