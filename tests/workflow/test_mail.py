"""Notifications go out by e-mail through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from portal.extensions import db
from portal.workflow import engine
from portal.workflow.tick import tick
from tests.notifications.conftest import smtp_sink  # noqa: F401 - the one SMTP sink fixture


def test_task_notification_is_mailed_once(make_request, org, smtp_sink):  # noqa: F811
    instance = make_request(title="邮件测试")
    engine.transition(instance, "submit", org["employee"])
    db.session.commit()
    first = tick()
    second = tick()
    db.session.commit()
    assert first.emails >= 1 and second.emails == 0
    to_head = [m for m in smtp_sink.messages if m["To"] == "head@example.com"]
    assert len(to_head) == 1
    body = to_head[0].get_content()
    assert "邮件测试" in body and "待您处理" in body and instance.number in body
