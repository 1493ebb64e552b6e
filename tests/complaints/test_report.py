"""The monthly report (figures, SVG chart, PDF, XLSX, bad month input) and the record PDFs."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from portal.complaints import report, services
from portal.complaints.demo import load_demo
from portal.complaints.models import Complaint
from portal.core import clock
from portal.extensions import db
from tests.complaints.helpers import MONDAY_10
from tests.pdftext import pdftotext

H = timedelta(hours=1)


@pytest.fixture
def month(make_complaint, player, org):
    """November 2026: one case closed and followed up (4 points), one late analysis, one
    invalid, and a repeat customer."""
    done = make_complaint()
    with clock.frozen(MONDAY_10 + 2 * H):
        player.to(done, "follow_up")
        player.act(done, satisfaction=4)
    late = make_complaint(
        customer_company="深圳华强电子有限公司", product="双面板", at=MONDAY_10 + H
    )
    with clock.frozen(MONDAY_10 + 20 * H):
        player.act(late)  # analysis 7 h late
    invalid = make_complaint(customer_company="东莞新锐科技有限公司", category="delivery")
    with clock.frozen(MONDAY_10 + 3 * H):
        player.to(invalid, "follow_up", valid=False)
    return {"done": done, "late": late, "invalid": invalid}


def test_figures(month):
    with clock.frozen(MONDAY_10 + 30 * H):
        data = report.build(2026, 11)
    assert data.total == 3
    assert dict(data.by_category)["质量"] == 2 and dict(data.by_category)["交付"] == 1
    assert dict(data.by_department) == {"生产部": 1, "待定": 1, "无效投诉": 1}
    assert dict(data.by_status)["已完成"] == 1
    rates = {r.name: r for r in data.stage_rates}
    assert (rates["初步分析"].on_time, rates["初步分析"].late) == (2, 1)
    assert data.overall.total == 3 and data.overall.on_time == 2
    assert data.closed == 2 and data.mean_close_hours == pytest.approx(2.5)
    assert data.satisfaction_avg == 4 and data.satisfied.percent == 100
    assert data.repeat_customers[0]["customer"] == "深圳华强电子有限公司"
    assert data.repeat_customers[0]["count"] == 2


def test_page_chart_pdf_and_xlsx(client, login, month):
    login("quality")
    with clock.frozen(MONDAY_10 + 30 * H):
        page = client.get("/complaints/report?month=2026-11")
        assert page.status_code == 200
        assert "<svg" in page.text and "各环节按时完成率" in page.text and "目标 90%" in page.text
        assert "<script" not in page.text.split("<main", 1)[1]
        pdf = client.get("/complaints/report.pdf?month=2026-11")
        xlsx = client.get("/complaints/report.xlsx?month=2026-11")
    assert pdf.mimetype == "application/pdf"
    text = pdftotext(pdf.data)
    assert "2026年11月客户投诉统计分析" in text and "深圳华强电子有限公司" in text
    assert "各环节按时完成率" in text and "目标90%" in text  # chart text is real text
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["汇总", "明细"]
    assert book["明细"].max_row == 4


@pytest.mark.parametrize("bad", ["2026-13", "11/2026", "abc", "1999-01"])
def test_bad_month_is_explained(client, login, bad):
    login("service")
    response = client.get(f"/complaints/report?month={bad}")
    assert response.status_code == 422
    assert "请按 YYYY-MM 填写" in response.text
    assert client.get(f"/complaints/report.pdf?month={bad}").status_code == 422


def test_report_is_for_service_quality_and_gm(client, login):
    for who, status in [("gm", 200), ("inspector", 200), ("employee", 403), ("finance", 403)]:
        login(who)
        assert client.get("/complaints/report").status_code == status, who


def test_complaint_pdf_has_timeline_capa_and_signoffs(client, login, month):
    done = month["done"]
    login("service")
    response = client.get(f"/complaints/{done.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data)
    for expected in ("客户投诉处理单", done.number, "处理时限与签核", "原因分析与纠正预防措施",
                     "蚀刻参数漂移", "增加监控频次", "刘厂长", "吴经理", "品质部经理审批", "4分",
                     "4.3.2"):  # fmt: skip
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True, check=True)
    assert "yes" in fonts.stdout.decode()  # embedded


def test_return_and_claim_pdfs(client, login, make_complaint, player, org):
    complaint = player.to(make_complaint(), "capa")
    ret = services.register_return(
        complaint, {"qty_received": 36, "reason": "开路"}, org["service"]
    )
    claim = services.register_claim(complaint, {"claim_type": "delivery", "amount": 520,
        "items": "延误罚款", "countersign": ["PRD", "SAL", "FIN"]}, [], org["service"])  # fmt: skip
    db.session.commit()
    login("service")
    text = pdftotext(client.get(f"/complaints/returns/{ret.id}/pdf").data)
    assert "客户退货处置单" in text and ret.number in text and complaint.number in text
    text = pdftotext(client.get(f"/complaints/claims/{claim.id}/pdf").data)
    assert "客户索赔审批单" in text and "520.00" in text and "交期索赔" in text


def test_demo_loader_is_idempotent_and_covers_every_stage(app, org):
    load_demo()
    db.session.commit()
    first = db.session.scalar(db.select(db.func.count(Complaint.id)))
    assert "0 demo complaints created" in load_demo()[0]
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Complaint.id))) == first
    rows = db.session.scalars(db.select(Complaint)).all()
    steps = {c.instance.step_key for c in rows}
    assert steps >= {"analysis", "clarify", "containment", "reply", "reply_approval", "reply_send", "capa",
                     "capa_action", "verify", "close", "follow_up", "second_follow_up"}  # fmt: skip
    assert any(c.instance.paused_at for c in rows)
    assert any(c.valid is False and c.closed_at for c in rows)
    assert any(c.returns for c in rows) and any(c.claims for c in rows)
    assert any(c.instance.status == "completed" for c in rows)


def test_a_stage_shared_by_several_people_counts_once(make_complaint):
    make_complaint()  # 初步分析 goes to quality and inspector, and is left overdue
    with clock.frozen(MONDAY_10 + 13 * H):
        rates = {r.name: r for r in report.build(2026, 11).stage_rates}
    assert (rates["初步分析"].on_time, rates["初步分析"].late) == (0, 1)
