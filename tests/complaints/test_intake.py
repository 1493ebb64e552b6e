"""Intake (/complaints/new): registration gives the KS number and starts the clocks; bad input
keeps the values and explains beside the field; a duplicate warns but does not block."""

from __future__ import annotations

import io
from datetime import timedelta

from werkzeug.test import EnvironBuilder

from portal.complaints.models import Complaint
from portal.core import clock
from portal.extensions import db
from portal.files.models import Attachment
from tests.complaints.helpers import MONDAY_10, PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def form(**fields) -> dict:
    data = {
        "channel": "email",
        "received_at": "2026-11-23T09:30",
        "customer_company": "苏州恒达汽车电子有限公司",
        "contact_person": "李工",
        "phone": "0512-6666 8888",
        "email": "",
        "address": "",
        "product": "汽车控制板",
        "model": "HD-ECU-03",
        "batch": "B2611",
        "qty_delivered": "2000",
        "qty_defective": "36",
        "description": "来料检验发现虚焊。",
        "category": "quality",
        "severity": "normal",
    }
    data.update(fields)
    return data


def post(client, data, url="/complaints/new"):
    """POST multipart at Monday 10:00. werkzeug spools a large body to a temporary file that its
    test client leaves open, so the environ is built and closed here."""
    environ = EnvironBuilder(path=url, method="POST", data=data).get_environ()
    try:
        with clock.frozen(MONDAY_10):
            return client.open(environ)
    finally:
        environ["wsgi.input"].close()


def test_register_gives_number_and_starts_initial_analysis(client, login, org):
    login("service")
    data = form(attachments=[(io.BytesIO(PNG), "不良照片.png")])
    response = post(client, data)
    assert response.status_code == 303
    complaint = db.session.scalar(db.select(Complaint))
    assert complaint.number == "KS-202611-0001"
    assert response.headers["Location"].endswith(f"/complaints/{complaint.id}")
    assert complaint.instance.step_key == "analysis"
    assert sorted(t.assignee.username for t in complaint.instance.open_tasks) == [
        "inspector",
        "quality",
    ]
    assert complaint.instance.open_tasks[0].due_at == MONDAY_10 + timedelta(hours=12)
    assert complaint.defect_rate == 1.8
    assert db.session.scalar(db.select(Attachment)).purpose == "evidence"
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "KS-202611-0001" in page and "1.80%" in page and "不良照片.png" in page


def test_sales_staff_may_register_other_departments_may_not(client, login):
    login("employee")
    assert client.get("/complaints/new").status_code == 200
    login("inspector")
    assert client.get("/complaints/new").status_code == 403


def _error_page(client, data, message):
    response = post(client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="苏州恒达汽车电子有限公司"' in page  # the values are kept
    assert db.session.scalar(db.select(db.func.count(Complaint.id))) == 0
    return page


def test_defective_quantity_larger_than_delivered(client, login):
    login("service")
    page = _error_page(client, form(qty_delivered="100", qty_defective="150"), "不能大于交付数量")
    assert 'id="field-qty_defective"' in page and 'value="150"' in page


def test_received_time_in_the_future(client, login):
    login("service")
    _error_page(client, form(received_at="2026-11-24T09:30"), "时间不能晚于现在")


def test_no_contact_method(client, login):
    login("service")
    _error_page(client, form(phone=""), "请至少填写一种联系方式")
    login("service")
    assert post(client, form(phone="", email="qa@example.com")).status_code == 303


def test_large_and_html_attachments_are_refused(client, login):
    login("service")
    big = PDF + b"0" * (25 * 1024 * 1024)
    page = _error_page(client, form(attachments=[(io.BytesIO(big), "检测报告.pdf")]), "超过 20 MB")
    assert "检测报告.pdf" in page
    html = b"<html><script>alert(1)</script></html>"
    _error_page(client, form(attachments=[(io.BytesIO(html), "邮件.html")]), "不支持文件")
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0


def test_duplicate_open_complaint_warns_and_can_be_confirmed(client, login, make_complaint):
    existing = make_complaint(customer_company="苏州恒达汽车电子有限公司", product="汽车控制板")
    login("service")
    response = post(client, form(customer_company=" 苏州恒达汽车电子有限公司 "))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "已有未结投诉" in page and existing.number in page and "confirm_duplicate" in page
    response = post(client, form(confirm_duplicate="y"))
    assert response.status_code == 303
    newest = db.session.scalars(db.select(Complaint).order_by(Complaint.id.desc())).first()
    assert newest.duplicate_of == existing.number


def test_inline_check_shows_defect_rate_and_duplicates(client, login, make_complaint):
    make_complaint(customer_company="苏州恒达汽车电子有限公司", product="汽车控制板")
    login("service")
    response = post(client, form(_validate="qty_defective", qty_defective="50"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "不良率 2.50%" in page and "已有未结投诉" in page
    response = post(client, form(_validate="qty_defective", qty_defective="5000"))
    assert "不能大于交付数量" in response.get_data(as_text=True)


def test_major_complaint_is_copied_to_gm_and_quality_manager(make_complaint, org):
    complaint = make_complaint(severity="major")
    watchers = {w.user.username for w in complaint.instance.watchers}
    assert watchers == {"gm", "quality"}


def test_returned_complaint_can_be_corrected_and_resubmitted(
    client, login, make_complaint, player, org
):
    complaint = make_complaint()
    player.to(complaint, "reply_approval")
    from portal.workflow import engine

    engine.transition(complaint.instance, "reject", org["quality"], "客户名称有误")
    db.session.commit()
    login("service")
    assert client.get(f"/complaints/{complaint.id}/edit").status_code == 200
    response = post(client, form(customer_company="苏州恒达汽车电子股份有限公司"),
                    url=f"/complaints/{complaint.id}/edit")  # fmt: skip
    assert response.status_code == 303
    assert complaint.customer_company == "苏州恒达汽车电子股份有限公司"
    login("quality")
    assert client.get(f"/complaints/{complaint.id}/edit").status_code == 403
