"""Notifications go out by e-mail through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from portal.extensions import db
from portal.workflow import engine
from portal.workflow.tick import tick


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp_sink(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield sink
    controller.stop()
    app.config["MAIL_SERVER"] = ""


def test_task_notification_is_mailed_once(make_request, org, smtp_sink):
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
