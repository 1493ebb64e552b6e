"""Client address and caching (issue 17): the audit log and the login log take the address from
the connection unless PROXY_COUNT trusted proxies are configured (then through ProxyFix), and
pages for a logged-in user are never stored by a browser or proxy cache."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from portal.auth.models import LoginAttempt
from portal.extensions import db

SPOOFED = {"X-Real-IP": "6.6.6.6", "X-Forwarded-For": "7.7.7.7"}


def _login_ip(client) -> str:
    client.post(
        "/login",
        data={"username": "employee", "password": "demo"},
        headers=SPOOFED,
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    return db.session.scalar(select(LoginAttempt.ip).order_by(LoginAttempt.id.desc()))


def test_client_headers_are_ignored_without_proxy_count(app, client, org):
    assert app.config["PROXY_COUNT"] == 0
    assert _login_ip(client) == "192.0.2.10"
    with app.test_request_context(headers=SPOOFED, environ_base={"REMOTE_ADDR": "192.0.2.11"}):
        app.preprocess_request()
        assert g.client_ip == "192.0.2.11"


def test_one_trusted_proxy_gives_the_address_it_saw(org, make_app):
    app = make_app(PROXY_COUNT=1)
    with app.app_context():
        client = app.test_client()
        # The client prepended a fake hop; only the one our proxy appended is believed.
        client.post(
            "/login",
            data={"username": "employee", "password": "demo"},
            headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.4", "X-Real-IP": "6.6.6.6"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        ip = db.session.scalar(select(LoginAttempt.ip).order_by(LoginAttempt.id.desc()))
        assert ip == "198.51.100.4"


PAGES = ["/", "/my", "/password", "/registers", "/admin/users", "/admin/logins"]


@pytest.mark.parametrize("url", PAGES)
def test_authenticated_pages_are_not_stored(client, org, login, url):
    login("admin")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_still_be_cached(client, org, login):
    login("admin")
    response = client.get("/static/css/portal.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()
