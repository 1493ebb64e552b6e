"""Stage pages over HTTP: who may open them, what they record, and the rules they enforce —
only 品质部 judges validity, only the quality manager approves the reply, an invalid complaint
closes only with the customer's written confirmation, open returns and claims block closing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from portal.complaints.flow import sampled
from portal.complaints.models import ComplaintClaim, ComplaintReturn
from portal.core import clock
from portal.extensions import db
from portal.workflow import engine
from portal.workflow.engine import WorkflowError
from portal.workflow.models import Status
from tests.complaints.helpers import PDF


def url(complaint, page: str) -> str:
    return f"/complaints/{complaint.id}/{page}"


@pytest.mark.parametrize("who", ["service", "employee", "gm", "producer", "admin", "finance"])
def test_only_quality_staff_judge_validity(client, login, make_complaint, who):
    complaint = make_complaint()
    login(who)
    assert client.get(url(complaint, "analysis")).status_code == 403
    response = client.post(url(complaint, "analysis"), data={"valid": "yes", "analysis": "x"})
    assert response.status_code == 403
    assert complaint.instance.step_key == "analysis"


def test_quality_staff_judge_valid_and_containment_follows(client, login, make_complaint):
    complaint = make_complaint()
    login("inspector")
    page = client.get(url(complaint, "analysis"))
    assert page.status_code == 200 and "有效投诉" in page.text
    response = client.post(url(complaint, "analysis"), data={"analysis": "复现"})
    assert response.status_code == 422 and "请判定投诉是否有效" in response.text
    response = client.post(
        url(complaint, "analysis"), data={"valid": "yes", "analysis": "复现开路"}
    )
    assert response.status_code == 303
    assert complaint.valid is True and complaint.instance.step_key == "containment"
    response = client.post(url(complaint, "containment"), data={"containment_actions": "隔离", "stock_checked": "y"})  # fmt: skip
    assert response.status_code == 422 and "已清查库存时请填写清查结果" in response.text
    response = client.post(url(complaint, "containment"), data={
        "containment_actions": "隔离", "stock_checked": "y", "stock_result": "隔离 1200 片",
        "line_stop": "y", "line_stop_note": "蚀刻二线"})  # fmt: skip
    assert response.status_code == 303
    assert complaint.line_stop and complaint.instance.step_key == "reply"


def test_only_the_quality_manager_approves_the_reply(client, login, make_complaint, player):
    complaint = player.to(make_complaint(), "reply_approval")
    act = f"/workflow/{complaint.instance.id}/act"
    for who in ("inspector", "service", "gm"):
        login(who)
        response = client.post(act, data={"action": "approve", "comment": "同意"})
        assert response.status_code in (403, 422), who
        assert complaint.instance.step_key == "reply_approval"
    login("quality")
    detail = client.get(f"/complaints/{complaint.id}")
    assert "批准答复" in detail.text
    response = client.post(act, data={"action": "approve", "comment": "同意发出"})
    assert response.status_code == 303 and complaint.instance.step_key == "reply_send"


def test_reply_sent_back_returns_to_drafting(client, login, make_complaint, player):
    complaint = player.to(make_complaint(), "reply_approval")
    login("quality")
    act = f"/workflow/{complaint.instance.id}/act"
    assert (
        client.post(act, data={"action": "send_back", "comment": "补充改善计划"}).status_code == 303
    )
    assert complaint.instance.step_key == "reply"


def test_invalid_complaint_cannot_close_without_written_confirmation(
    client, login, make_complaint, player
):
    complaint = player.to(make_complaint(), "clarify", valid=False)
    login("service")
    data = {"clarification": "非本公司产品，已提供丝印比对。", "button": "complete"}
    response = client.post(url(complaint, "clarify"), data=data)
    assert response.status_code == 422 and "请上传客户的书面确认" in response.text
    assert complaint.instance.step_key == "clarify" and complaint.closed_at is None
    # Neither the generic “完成” of the panel nor the engine itself can skip the page.
    response = client.post(f"/workflow/{complaint.instance.id}/act", data={"action": "complete"})
    assert response.status_code == 422 and complaint.instance.step_key == "clarify"
    with pytest.raises(WorkflowError, match="办理页面"):
        engine.transition(complaint.instance, "complete", player.org["service"], "结案")
    db.session.rollback()
    # Even through its page, the step's own check wants the letter.
    complaint.clarification = "已澄清"
    with pytest.raises(WorkflowError, match="书面确认"):
        engine.transition(
            complaint.instance, "complete", player.org["service"], "结案", page="complaints.clarify"
        )
    db.session.rollback()
    # Saving without closing keeps the text; closing with the letter attached closes the case.
    response = client.post(url(complaint, "clarify"), data={**data, "button": "save"})
    assert response.status_code == 303 and complaint.instance.step_key == "clarify"
    upload = {**data, "confirmation": [(io.BytesIO(PDF), "客户确认函.pdf")]}
    response = client.post(
        url(complaint, "clarify"), data=upload, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    assert complaint.closed_at is not None and complaint.instance.step_key == "follow_up"


def test_capa_owner_must_belong_to_the_department_and_gets_the_task(
    client, login, make_complaint, player, org
):
    complaint = player.to(make_complaint(), "capa")
    login("quality")
    data = {"root_cause": "参数漂移", "corrective_action": "调整", "preventive_action": "监控",
            "capa_department_id": org["producer"].department_id, "capa_person_id": org["employee"].id,
            "capa_due": f"{clock.local_now() + timedelta(days=30):%Y-%m-%d}"}  # fmt: skip
    response = client.post(url(complaint, "capa"), data=data)
    assert response.status_code == 422 and "责任人应属于所选的责任部门" in response.text
    response = client.post(
        url(complaint, "capa"), data={**data, "capa_person_id": org["producer"].id}
    )
    assert response.status_code == 303
    assert [t.assignee.username for t in complaint.instance.open_tasks] == ["producer"]


def test_ineffective_verification_goes_back_to_the_owner(client, login, make_complaint, player):
    complaint = player.to(make_complaint(), "verify")
    login("quality")
    response = client.post(
        url(complaint, "verify"), data={"effective": "no", "verification": "复发"}
    )
    assert response.status_code == 303
    assert complaint.instance.step_key == "capa_action" and complaint.effective is False


def test_open_return_blocks_closing(client, login, make_complaint, player, org):
    complaint = player.to(make_complaint(), "verify")
    login("service")
    response = client.post(f"/complaints/{complaint.id}/returns/new",
                           data={"qty_received": "36", "reason": "开路"})  # fmt: skip
    assert response.status_code == 303
    record = db.session.scalar(db.select(ComplaintReturn))
    assert record.number.startswith("TH-") and record.instance.step_key == "disposition"
    player.act(complaint)  # verified
    login("quality")
    response = client.post(url(complaint, "close"), data={"closing_note": "结案"})
    assert response.status_code == 422 and record.number in response.text
    assert complaint.closed_at is None
    # Quality disposes (rework), production reworks, then the complaint closes.
    response = client.post(f"/complaints/returns/{record.id}/disposition",
                           data={"inspection_result": "全检", "disposition": "rework"})  # fmt: skip
    assert response.status_code == 303 and record.instance.step_key == "rework"
    login("producer")
    response = client.post(f"/complaints/returns/{record.id}/rework",
                           data={"qty_reworked": "30", "qty_scrapped": "10"})  # fmt: skip
    assert response.status_code == 422 and "不能超过退货数量" in response.text
    response = client.post(f"/complaints/returns/{record.id}/rework",
                           data={"qty_reworked": "34", "qty_scrapped": "2"})  # fmt: skip
    assert response.status_code == 303 and record.instance.status == Status.COMPLETED
    login("quality")
    assert client.post(url(complaint, "close"), data={"closing_note": "结案"}).status_code == 303
    assert complaint.instance.step_key == "follow_up"


def test_claim_countersign_gm_and_finance_write_off(client, login, make_complaint, player):
    complaint = player.to(make_complaint(), "capa")
    login("service")
    response = client.post(f"/complaints/{complaint.id}/claims/new", data={
        "claim_type": "quality", "amount": "18600.50", "items": "返工工时", "countersign": ["QA", "SAL", "FIN"]})  # fmt: skip
    assert response.status_code == 303
    claim = db.session.scalar(db.select(ComplaintClaim))
    assert claim.amount_fen == 1860050 and claim.number.startswith("SP-")
    assert sorted(t.assignee.username for t in claim.instance.open_tasks) == [
        "finance",
        "head",
        "quality",
    ]
    act = f"/workflow/{claim.instance.id}/act"
    for who in ("quality", "head", "finance", "gm"):
        login(who)
        assert client.post(act, data={"action": "approve", "comment": "同意"}).status_code == 303
    assert claim.instance.step_key == "write_off"
    login("finance")
    response = client.post(f"/complaints/claims/{claim.id}/write-off", data={
        "written_off_amount": "18600.50", "deduction_ref": "KK-118", "written_off_on": "2026-11-30"})  # fmt: skip
    assert response.status_code == 303 and claim.instance.status == Status.COMPLETED
    assert "18,600.50" in client.get(f"/complaints/claims/{claim.id}").text


def test_follow_up_low_score_goes_to_the_service_manager(client, login, make_complaint, player):
    complaint = player.to(make_complaint(), "follow_up")
    login("service")
    response = client.post(url(complaint, "follow-up"), data={"satisfaction": "2", "follow_up_method": "phone"})  # fmt: skip
    assert response.status_code == 303
    assert complaint.second_reason == "low_score"
    assert complaint.instance.step_key == "second_follow_up"
    # The service manager made the first call: someone else makes the second (4.8.3).
    response = client.post(url(complaint, "second-follow-up"), data={"second_result": "已复查"})
    assert response.status_code == 403
    assert [t.assignee.username for t in complaint.instance.open_tasks] == ["quality"]
    login("quality")
    response = client.post(url(complaint, "second-follow-up"), data={"second_result": "已复查"})
    assert response.status_code == 303 and complaint.instance.status == Status.COMPLETED


def test_ten_percent_sample_is_deterministic():
    numbers = [f"KS-202611-{n:04d}" for n in range(1, 1001)]
    chosen = [n for n in numbers if sampled(n)]
    assert 70 <= len(chosen) <= 130
    assert chosen == [n for n in numbers if sampled(n)]  # same every time
