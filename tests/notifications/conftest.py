"""An SMTP sink on loopback (aiosmtpd) that records what it accepts, or refuses on demand."""

from __future__ import annotations

import email
import socket
import threading
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from tests.workflow.conftest import demo_flow, make_request  # noqa: F401 - shared fixtures


class Sink:
    def __init__(self):
        self.messages = []
        self.attempts = 0  # DATA commands received, accepted or not
        self.refuse = ""  # e.g. "451 4.3.0 try again later": every DATA gets this answer
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
            if self.refuse:
                return self.refuse
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(app):
    port = free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield sink
    controller.stop()
    app.config["MAIL_SERVER"] = ""
