"""The worked example of "How to add a form" (docs/architecture.md): a form type built from the
kit alone works end to end: line items without JavaScript, field and row errors with the user's
values kept, numbering, approval, a step page that alone completes its step, the PDF, the register
and its export, and the one visibility rule."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.workflow import engine
from portal.workflow.models import Status
from tests.conftest import Auth
from tests.kit.travel import TravelClaim
from tests.pdftext import pdftotext

GOOD = {
    "purpose": "上海客户拜访",
    "lines-0-day": "",
    "lines-0-item": "高铁",
    "lines-0-amount": "553",
}


def fill(day: str) -> dict:
    return {**GOOD, "lines-0-day": day}


def today() -> str:
    from portal.core.clock import local_now

    return f"{local_now():%Y-%m-%d}"


def test_rows_are_added_and_removed_with_plain_buttons(travel_app, client, login):
    login("employee")
    page = client.get("/travel/new")
    assert page.status_code == 200 and 'name="lines-0-item"' in page.text
    added = client.post("/travel/new", data={**fill(today()), "_rows": "lines:add"})
    assert added.status_code == 200 and 'name="lines-1-item"' in added.text
    assert 'value="高铁"' in added.text  # what was typed stays
    removed = client.post(
        "/travel/new", data={**fill(today()), "lines-1-item": "", "_rows": "lines:remove:lines-0"}
    )
    assert 'name="lines-0-item"' not in removed.text and 'name="lines-1-item"' in removed.text
    assert db.session.scalar(db.select(db.func.count(TravelClaim.id))) == 0


def test_bad_rows_get_their_own_messages_and_nothing_is_saved(travel_app, client, login):
    login("employee")
    data = {**fill(today()), "lines-1-day": today(), "lines-1-item": "", "lines-1-amount": "1.234"}
    response = client.post("/travel/new", data=data)
    assert response.status_code == 422
    assert "请填写费用项目。" in response.text and "金额最多两位小数。" in response.text
    assert "明细中有需要修改的内容" in response.text
    assert 'value="高铁"' in response.text and 'value="1.234"' in response.text
    assert db.session.scalar(db.select(db.func.count(TravelClaim.id))) == 0


def test_a_claim_from_submit_to_payment(travel_app, client, login, org):
    login("employee")
    two = {
        **fill(today()),
        "lines-1-day": today(),
        "lines-1-item": "住宿",
        "lines-1-amount": "420.50",
    }
    response = client.post("/travel/new", data=two)
    assert response.status_code == 303
    claim = db.session.scalar(db.select(TravelClaim))
    assert re.fullmatch(r"BX-\d{4}-0001", claim.number) and claim.total_fen == 97350
    login("head")
    client.post(f"/workflow/{claim.instance_id}/act", data={"action": "approve"})
    assert claim.instance.step_key == "pay"
    login("finance")
    # The panel's generic 完成 cannot skip the payment page.
    refused = client.post(f"/workflow/{claim.instance_id}/act", data={"action": "complete"})
    assert refused.status_code == 422 and "办理页面" in refused.text
    over = client.post(f"/travel/{claim.id}/pay", data={"paid": "1000", "voucher": "PZ-1"})
    assert over.status_code == 422 and "不能超过报销合计 973.50 元" in over.text
    paid = client.post(f"/travel/{claim.id}/pay", data={"paid": "973.50", "voucher": "PZ-1"})
    assert paid.status_code == 303 and claim.instance.status == Status.COMPLETED
    text = pdftotext(client.get(f"/travel/{claim.id}/pdf").data)
    assert "差旅报销单" in text and "住宿" in text and "973.50" in text and "PZ-1" in text
    csv = client.get("/travel/register.csv").get_data(as_text=True)
    assert claim.number in csv and "上海客户拜访" in csv


def test_one_rule_decides_who_sees_a_claim(travel_app, app, org):
    from portal.core.forms import today as local_today
    from tests.kit.travel import submit_claim

    lines = [{"day": local_today(), "item": "会务费", "amount": 100}]
    claim = submit_claim({"purpose": "培训", "lines": lines}, org["employee"])
    db.session.commit()
    for who, status in {"employee": 200, "head": 200, "finance": 200, "admin": 200,
                        "quality": 403, "deputy": 403}.items():  # fmt: skip
        client = app.test_client()
        Auth(client).as_user(org[who])
        assert client.get(f"/travel/{claim.id}").status_code == status, who
        assert (claim.number in client.get("/travel/").text) == (status == 200), who
    engine.transition(claim.instance, "approve", org["head"])
    db.session.commit()


def test_stale_csrf_keeps_the_rows(make_app, org):
    other = make_app(WTF_CSRF_ENABLED=True)
    from tests.kit import travel

    travel.install(other)
    with other.app_context():
        client = other.test_client()
        Auth(client).as_user(org["employee"])
        response = client.post("/travel/new", data=fill(today()))
        assert response.status_code == 422 and "缺少安全令牌" in response.text
        assert 'value="高铁"' in response.text and 'value="553"' in response.text
