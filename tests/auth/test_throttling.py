"""Login throttling (issue 17): an exponential delay per account and per client address instead
of a hard lock, the same password-hashing cost for unknown users, and an attempt log the
administrator can read. Time is frozen; the tests count attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth import services
from portal.auth.models import LoginAttempt
from portal.core import clock
from portal.extensions import db

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _post(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def _refused(response) -> bool:
    return response.status_code == 422 and "秒后再试" in response.text


def test_account_delay_starts_after_the_free_failures_and_doubles(app, client, org):
    free = app.config["LOGIN_MAX_FAILURES"]
    base = app.config["LOGIN_DELAY_SECONDS"]
    cap = app.config["LOGIN_DELAY_MAX_SECONDS"]
    at = T0
    with clock.frozen(at):
        for _ in range(free):
            assert not _refused(_post(client, "employee", "wrong"))
        refused = _post(client, "employee", "demo")
        assert _refused(refused) and f"请 {base} 秒后再试" in refused.text
    delays = []
    for _ in range(8):
        with clock.frozen(at):
            delay = services.login_delay("employee", "10.0.0.1")
        delays.append(delay)
        with clock.frozen(at + timedelta(seconds=delay - 1)):
            assert _refused(_post(client, "employee", "demo"))  # not yet, even with the password
        at += timedelta(seconds=delay)
        with clock.frozen(at):
            assert not _refused(_post(client, "employee", "wrong"))
    assert delays == [min(base * 2**n, cap) for n in range(8)]
    # The owner is never locked out for good: after the delay the right password works.
    with clock.frozen(at + timedelta(seconds=cap)):
        assert _post(client, "employee", "demo").status_code == 303
        assert services.login_delay("employee", "10.0.0.1") == 0


def test_refused_attempts_do_not_extend_the_delay(app, client, org):
    free = app.config["LOGIN_MAX_FAILURES"]
    with clock.frozen(T0):
        for _ in range(free):
            _post(client, "employee", "wrong")
        delay = services.login_delay("employee", "10.0.0.1")
        tried = 50
        held = sum(_refused(_post(client, "employee", "wrong")) for _ in range(tried))
        assert held == tried
        assert services.login_delay("employee", "10.0.0.1") == delay
    with clock.frozen(T0 + timedelta(seconds=delay)):
        assert _post(client, "employee", "demo").status_code == 303


def test_one_address_trying_many_usernames_is_slowed_down(app, client, org):
    free = app.config["LOGIN_IP_MAX_FAILURES"]
    names = [f"guess{n}" for n in range(free + 10)]
    with clock.frozen(T0):
        results = [_refused(_post(client, name, "wrong", ip="203.0.113.9")) for name in names]
        assert results == [False] * free + [True] * 10
        # Another address is not affected; nor is the owner of an account from elsewhere.
        assert _post(client, "employee", "demo", ip="10.0.0.2").status_code == 303


def test_unknown_and_inactive_users_cost_one_password_hash(app, client, org, monkeypatch):
    calls = []
    real = services.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    org["finance"].active = False
    db.session.commit()
    method = app.config["PASSWORD_HASH_METHOD"].split(":")[0]
    for username in ("employee", "nobody", "finance"):
        calls.clear()
        with pytest.raises(services.AuthError) as refused:
            services.authenticate(username, "wrong", "10.0.0.3")
        assert str(refused.value) == services.GENERIC_LOGIN_ERROR
        assert len(calls) == 1 and calls[0].startswith(method), username


def test_attempts_are_logged_for_the_administrator(app, client, org):
    with clock.frozen(T0):
        _post(client, "employee", "wrong", ip="198.51.100.7")
        _post(client, "nobody", "x", ip="198.51.100.7")
        _post(client, "employee", "demo", ip="198.51.100.7")
    rows = db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(r.username, r.ip, r.result) for r in rows] == [
        ("employee", "198.51.100.7", "wrong_password"),
        ("nobody", "198.51.100.7", "unknown_user"),
        ("employee", "198.51.100.7", "ok"),
    ]
    assert client.get("/admin/logins").status_code == 403
    client.post("/logout")
    _post(client, "admin", "demo")
    page = client.get("/admin/logins")
    assert page.status_code == 200
    for text in ("198.51.100.7", "nobody", "用户不存在", "密码错误", "成功"):
        assert text in page.text


def test_overlong_username_is_logged_truncated(app, client, org):
    response = _post(client, "x" * 500, "wrong")
    assert response.status_code == 422
    row = db.session.scalar(select(LoginAttempt))
    assert row.username == "x" * 80
