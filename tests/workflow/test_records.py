"""Record PDFs (text, fonts, trail with 代), verification, attachments and register exports."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, timedelta

import pytest
from flask import request
from flask_login import login_user
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.core import registers
from portal.extensions import db
from portal.files import services as files
from portal.workflow import delegation, engine, records
from portal.workflow.models import Instance
from tests.pdftext import pdftotext

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _approved_by_delegate(make_request, org):
    instance = make_request(title="年度合同盖章")
    delegation.create_delegation(
        org["gm"],
        org["deputy"],
        delegation.today(),
        delegation.today() + timedelta(days=1),
        created_by=org["gm"],
    )
    for action, who in [("submit", "employee"), ("approve", "head"), ("approve", "deputy")]:
        engine.transition(instance, action, org[who], "同意")
    db.session.commit()
    return instance


def test_record_pdf_reads_back_in_chinese_with_trail(make_request, org, app):
    instance = _approved_by_delegate(make_request, org)
    fields = [[{"label": "事项", "value": "年度合同盖章", "span": 3}]]
    data = records.record_pdf(instance, "pdf/base_record.html", "测试申请单", fields)
    text = pdftotext(data)
    assert instance.number in text and "年度合同盖章" in text and "测试申请单" in text
    assert "李副总（代王总）" in text
    fonts = subprocess.run(
        ["pdffonts", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    cjk = [
        line for line in fonts.splitlines() if "Sans" in line and ("CJK" in line or "SC" in line)
    ]
    assert cjk and all(" yes yes " in " ".join(line.split()[-5:]) + " " for line in cjk), fonts


def test_verify_page_matches_until_the_record_changes(make_request, org, client):
    """A form without a registered printer: the v2 hash covers the record's facts."""
    instance = _approved_by_delegate(make_request, org)
    digest = records.record_hash(instance)
    assert digest.startswith("v2:")
    ok = client.get(f"/verify/{instance.number}?h={digest}")
    assert ok.status_code == 200 and "一致" in ok.text and instance.number in ok.text
    engine.transition(instance, "approve", org["quality"], "同意")
    db.session.commit()
    stale = client.get(f"/verify/{instance.number}?h={digest}")
    assert stale.status_code == 404 and "无法核验" in stale.text
    assert instance.number not in stale.text
    assert client.get("/verify/NOPE-1").text == stale.text


@pytest.mark.parametrize(
    ("name", "data", "ok"),
    [
        ("合同.pdf", PDF, True),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, True),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 20, True),
        ("page.html", b"<html><script>alert(1)</script></html>", False),
        ("fake.pdf", b"<html>not a pdf</html>", False),
        ("tool.exe", b"MZ\x90\x00" + b"0" * 20, False),
        ("renamed.pdf", b"MZ\x90\x00", False),
        ("image.pdf", b"\x89PNG\r\n\x1a\n", False),
        ("empty.pdf", b"", False),
    ],
)
def test_upload_type_is_checked_by_content(app, name, data, ok):
    upload = FileStorage(io.BytesIO(data), filename=name)
    if ok:
        assert files.check_upload(upload).name == name
    else:
        with pytest.raises(files.UploadError):
            files.check_upload(upload)


def test_oversize_upload_is_refused(app):
    big = FileStorage(io.BytesIO(PDF + b"0" * (app.config["MAX_UPLOAD_BYTES"])), filename="big.pdf")
    with pytest.raises(files.UploadError, match="MB"):
        files.check_upload(big)


def test_attachment_download_is_an_attachment_and_checked(make_request, org, client, login):
    instance = make_request()
    checked = files.check_upload(FileStorage(io.BytesIO(PDF), filename="文件.pdf"))
    row = files.store(checked, instance.id, org["employee"])
    db.session.commit()
    login("employee")
    response = client.get(f"/files/{row.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()
    login("inspector")
    assert client.get(f"/files/{row.id}").status_code == 403


DEMO_REGISTER = registers.Register(
    key="demo",
    title="测试登记簿",
    columns=(
        registers.Column("number", "编号", lambda r: r.number, sort=Instance.number),
        registers.Column("title", "事项", lambda r: r.title),
        registers.Column("status", "状态", lambda r: r.status_label),
    ),
    base_query=lambda user: select(Instance).where(Instance.form_type == "demo"),
    date_column=Instance.created_at,
    text_columns=(Instance.title, Instance.number),
)


def test_register_exports_csv_xlsx_pdf(make_request, org, app):
    for n in range(3):
        make_request(title=f"中文事项{n}")
    with app.test_request_context("/?q=中文"):
        login_user(org["admin"])
        csv_bytes = registers.export(DEMO_REGISTER, "csv", request.args).get_data()
        xlsx = registers.export(DEMO_REGISTER, "xlsx", request.args).get_data()
        pdf = registers.export(DEMO_REGISTER, "pdf", request.args).get_data()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "事项", "状态"] and {r[1] for r in rows[1:]} == {
        "中文事项0",
        "中文事项1",
        "中文事项2",
    }
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet["B1"].value == "事项" and sheet.max_row == 4
    assert "测试登记簿" in pdftotext(pdf)


def test_register_date_filter_errors_are_reported(app):
    from werkzeug.datastructures import MultiDict

    filters = registers.parse_filters(
        MultiDict({"date_from": "2026-13-01", "date_to": "2026-01-01"})
    )
    assert filters.errors["date_from"].startswith("日期格式")
    filters = registers.parse_filters(
        MultiDict({"date_from": "2026-02-01", "date_to": "2026-01-01"})
    )
    assert "不能早于" in filters.errors["date_to"]
    assert date(2026, 2, 1) == filters.date_from
