"""Revocable sessions (issue 17): a copied session cookie stops opening pages after logout, a
password change, (de)activation, an administrator ending it, the idle timeout and the absolute
lifetime; logging in starts a fresh session."""

from __future__ import annotations

import pytest
from flask import g

from portal.auth import sessions
from portal.extensions import db


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _opens_my(app, cookie: str) -> bool:
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/my").status_code == 200


def _login(app, username="employee", password="demo"):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.text
    return client


def _logout(app, client, org):
    client.post("/logout")


def _change_password(app, client, org):
    response = client.post(
        "/password", data={"current": "demo", "new": "newpass123", "confirm": "newpass123"}
    )
    assert response.status_code == 303


def _password_elsewhere(app, client, org):
    """The same user changes the password in another browser."""
    other = _login(app)
    _change_password(app, other, org)


def _deactivate(app, client, org):
    admin = _login(app, "admin")
    _post_user(admin, org["employee"], active=False)


def _deactivate_then_reactivate(app, client, org):
    admin = _login(app, "admin")
    _post_user(admin, org["employee"], active=False)
    _post_user(admin, org["employee"], active=True)


def _admin_sets_password(app, client, org):
    admin = _login(app, "admin")
    _post_user(admin, org["employee"], active=True, password="reset-by-admin")


def _admin_ends_sessions(app, client, org):
    admin = _login(app, "admin")
    response = admin.post(f"/admin/users/{org['employee'].id}/end-sessions")
    assert response.status_code == 303


def _idle(app, client, org, monkeypatch):
    start = sessions.seconds()
    monkeypatch.setattr(sessions, "seconds", lambda: start + 8 * 3600 + 1)


def _too_old(app, client, org, monkeypatch):
    """Used every hour, but past the absolute lifetime."""
    start = sessions.seconds()
    for hour in range(1, 7 * 24 + 2):
        monkeypatch.setattr(sessions, "seconds", lambda hour=hour: start + hour * 3600)
        if client.get("/my").status_code != 200:
            break


def _post_user(admin, user, *, active: bool, password: str = ""):
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "department_id": user.department_id or 0,
        "roles": sorted(user.role_codes),
        "password": password,
    }
    if active:
        data["active"] = "y"
    response = admin.post(f"/admin/users/{user.id}/edit", data=data)
    assert response.status_code == 303, response.text


ENDINGS = {
    "logout": _logout,
    "password change": _change_password,
    "password change in another browser": _password_elsewhere,
    "deactivation": _deactivate,
    "reactivation": _deactivate_then_reactivate,
    "password set by an administrator": _admin_sets_password,
    "ended by an administrator": _admin_ends_sessions,
}
TIMEOUTS = {"idle timeout": _idle, "absolute lifetime": _too_old}


@pytest.mark.parametrize("ending", ENDINGS, ids=list(ENDINGS))
def test_old_cookie_no_longer_opens_my(app, org, ending):
    client = _login(app)
    stolen = _cookie(client)
    assert _opens_my(app, stolen)
    ENDINGS[ending](app, client, org)
    db.session.expire_all()
    assert not _opens_my(app, stolen)


@pytest.mark.parametrize("timeout", TIMEOUTS, ids=list(TIMEOUTS))
def test_session_times_out(app, org, timeout, monkeypatch):
    client = _login(app)
    stolen = _cookie(client)
    TIMEOUTS[timeout](app, client, org, monkeypatch)
    assert client.get("/my").status_code == 302
    assert not _opens_my(app, stolen)


def test_activity_keeps_a_session_alive_within_the_lifetime(app, org, monkeypatch):
    client = _login(app)
    start = sessions.seconds()
    for step in range(1, 24):  # a request every 7 hours, up to 161 hours after login
        monkeypatch.setattr(sessions, "seconds", lambda step=step: start + step * 7 * 3600)
        assert client.get("/my").status_code == 200, step


def test_password_change_keeps_the_current_session(app, org):
    client = _login(app)
    _change_password(app, client, org)
    assert client.get("/my").status_code == 200


def test_login_starts_a_new_session_without_the_pre_login_csrf_secret(org, make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        page = client.get("/login").text
        before = page.split('"X-CSRFToken": "')[1].split('"')[0]
        with client.session_transaction() as session:
            pre_login_secret = session["csrf_token"]
        response = client.post(
            "/login", data={"username": "employee", "password": "demo", "csrf_token": before}
        )
        assert response.status_code == 303
        with client.session_transaction() as session:
            assert session.get("csrf_token") != pre_login_secret
        g.pop("csrf_token", None)  # the test's app context outlives requests; production's not
        after = client.get("/my").text.split('"X-CSRFToken": "')[1].split('"')[0]
        assert after != before
        with client.session_transaction() as session:
            assert session["csrf_token"] != pre_login_secret


def test_admin_end_sessions_needs_csrf_and_an_administrator(org, make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = app.test_client()
        token = admin.get("/login").text.split('"X-CSRFToken": "')[1].split('"')[0]
        login = {"username": "admin", "password": "demo", "csrf_token": token}
        assert admin.post("/login", data=login).status_code == 303
        g.pop("csrf_token", None)
        url = f"/admin/users/{org['employee'].id}/end-sessions"
        assert admin.post(url).status_code == 400
        page = admin.get(f"/admin/users/{org['employee'].id}/edit")
        assert "结束该用户的所有会话" in page.text
        token = page.text.split('"X-CSRFToken": "')[1].split('"')[0]
        response = admin.post(url, headers={"X-CSRFToken": token})
        assert response.status_code == 303


def test_lifetimes_are_configured(app):
    assert app.config["SESSION_IDLE_MINUTES"] == 8 * 60
    assert app.config["SESSION_MAX_DAYS"] == 7
    assert app.permanent_session_lifetime.days == 7
