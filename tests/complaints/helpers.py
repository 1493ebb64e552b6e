"""Complaint test helpers: intake data, a player that brings a complaint to any stage (filling
what each stage page would record), time anchors and pdftotext. Used by tests/complaints and
by the access table tests/access/complaints.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from portal.complaints.models import Complaint
from portal.core import clock
from portal.extensions import db
from portal.files import services as files
from portal.workflow import engine
from portal.workflow.flow import get_flow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPO_PROCEDURE = Path(__file__).resolve().parents[2] / "docs" / "procedures" / "qp-cs-01.md"
# Monday 2026-11-23 10:00 in Shanghai (02:00 UTC)
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def intake(**fields) -> dict:
    """A complete intake (what the form hands to the service)."""
    data = {
        "channel": "phone",
        "received_at": MONDAY_10 - timedelta(hours=1),
        "customer_company": "深圳华强电子有限公司",
        "contact_person": "陈工",
        "phone": "0755-88886666",
        "email": "",
        "address": "",
        "product": "六层PCB板",
        "model": "HQ-6L",
        "batch": "B2611",
        "qty_delivered": 1000,
        "qty_defective": 25,
        "description": "来料检验发现开路不良。",
        "category": "quality",
        "severity": "normal",
        "returned_goods": False,
    }
    data.update(fields)
    return data


# What each stage page records before it completes the step.
FILL = {
    "analysis": {"valid": True, "analysis": "复现开路不良，有效。"},
    "containment": {"containment_actions": "隔离库存和在制品。", "stock_checked": True},
    "reply": {"reply_text": "已确认问题，临时措施已落实。"},
    "reply_send": {"reply_method": "email", "reply_sent_at": "now"},
    "capa": {
        "root_cause": "蚀刻参数漂移。",
        "corrective_action": "调整参数。",
        "preventive_action": "增加监控频次。",
    },
    "verify": {"effective": True, "verification": "三批无复发。"},
    "close": {"closing_note": "结案。", "closed_at": "now"},
    "follow_up": {"satisfaction": 4, "followed_up_at": "now", "second_reason": ""},
    "second_follow_up": {"second_result": "复访属实。"},
    "clarify": {"clarification": "非本公司产品。", "closed_at": "now"},
}
WHO = {
    "analysis": "inspector", "containment": "inspector", "reply": "inspector",
    "reply_approval": "quality", "reply_send": "service", "capa": "quality",
    "capa_action": "producer", "verify": "quality", "close": "quality", "follow_up": "service",
    "second_follow_up": "service", "clarify": "service",
}  # fmt: skip


class Player:
    def __init__(self, org):
        self.org = org

    def fill(self, complaint: Complaint, step: str, **override) -> None:
        values = {**FILL.get(step, {}), **override}
        if step == "capa":
            values.setdefault("capa_department_id", self.org["producer"].department_id)
            values.setdefault("capa_person_id", self.org["producer"].id)
            values.setdefault("capa_due", (clock.now() + timedelta(days=5)).date())
        if step == "clarify":
            checked = files.Checked("确认函.pdf", "application/pdf", PDF)
            files.store(checked, complaint.instance_id, self.org["service"], "confirmation")
        for name, value in values.items():
            setattr(complaint, name, clock.now() if value == "now" else value)

    def act(self, complaint: Complaint, who: str | None = None, **override) -> None:
        """Carry out the current step as its usual owner, with the page's data."""
        step = complaint.instance.step_key
        user = self.org[who or WHO[step]]
        if step == "reply_approval":
            engine.transition(complaint.instance, "approve", user, "同意")
        else:
            self.fill(complaint, step, **override)
            page = get_flow(complaint.instance.form_type).step(step).page
            engine.transition(complaint.instance, "complete", user, "完成", page=page)
        db.session.commit()

    def to(self, complaint: Complaint, step: str, **override) -> Complaint:
        """Act until the complaint's current step is `step`."""
        for _ in range(20):
            if complaint.instance.step_key == step:
                return complaint
            current = complaint.instance.step_key
            if current is None:
                raise AssertionError(f"finished before reaching {step}")
            self.act(complaint, **(override if current == "analysis" else {}))
        raise AssertionError(f"did not reach {step}")
