"""Account services: authentication with throttling, passwords, users, departments, roles.

Services flush; the request (or CLI command) commits once.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.auth import sessions
from portal.auth.models import ROLE_NAMES, Department, LoginAttempt, LoginResult, Role, User
from portal.core import audit
from portal.core.clock import now
from portal.extensions import db


class AuthError(Exception):
    """A login refused; the message is shown to the user as is."""


GENERIC_LOGIN_ERROR = "用户名或密码错误。"
_USERNAME_MAX = 80  # the login log's column; longer names are logged truncated
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password, made with the configured method, so that an unknown user
    costs the same hashing time as a known one."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hashes[method]


def _failures_since_success(column, value: str) -> tuple[int, datetime | None]:
    """Failed (checked) attempts for this username or address since its last success within the
    failure window, and when the latest of them was."""
    window = now() - timedelta(hours=current_app.config["LOGIN_FAILURE_WINDOW_HOURS"])
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.success.is_(True))
    )
    since = max(window, last_success) if last_success else window
    count, latest = db.session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            column == value,
            LoginAttempt.success.is_(False),
            LoginAttempt.result != LoginResult.DELAYED,
            LoginAttempt.at > since,
        )
    ).one()
    return count, latest


def _delay(failures: int, allowed: int) -> int:
    if failures < allowed:
        return 0
    config = current_app.config
    doublings = min(failures - allowed, 30)
    return min(config["LOGIN_DELAY_SECONDS"] * 2**doublings, config["LOGIN_DELAY_MAX_SECONDS"])


def _delays(username: str, ip: str) -> list[tuple[int, datetime | None]]:
    config = current_app.config
    account = _failures_since_success(LoginAttempt.username, username)
    delays = [(_delay(account[0], config["LOGIN_MAX_FAILURES"]), account[1])]
    if ip:
        by_ip = _failures_since_success(LoginAttempt.ip, ip)
        delays.append((_delay(by_ip[0], config["LOGIN_IP_MAX_FAILURES"]), by_ip[1]))
    return delays


def login_delay(username: str, ip: str = "") -> int:
    """The longest delay (seconds) the recent failures of this account or address have earned:
    the next attempt is checked only that long after the latest failure."""
    return max(delay for delay, _ in _delays(username[:_USERNAME_MAX], ip))


def _wait_seconds(username: str, ip: str) -> int:
    waits = [
        (latest + timedelta(seconds=delay) - now()).total_seconds()
        for delay, latest in _delays(username, ip)
        if delay and latest is not None
    ]
    return max([0, *(math.ceil(w) for w in waits)])


def authenticate(username: str, password: str, ip: str = "") -> User:
    """Return the user or raise AuthError. The message never says which part was wrong, and an
    unknown or inactive user costs the same password check as a known one."""
    username = (username or "").strip()[:_USERNAME_MAX]
    wait = _wait_seconds(username, ip)
    if wait:
        _log_attempt(username, ip, LoginResult.DELAYED)
        raise AuthError(f"登录失败次数过多，请 {wait} 秒后再试。")
    user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    password_ok = check_password_hash(stored, password) and user is not None
    if user is None:
        result = LoginResult.UNKNOWN_USER
    elif not password_ok:
        result = LoginResult.WRONG_PASSWORD
    elif not user.active:
        result = LoginResult.INACTIVE
    else:
        result = LoginResult.OK
    _log_attempt(username, ip, result)
    if result != LoginResult.OK:
        raise AuthError(GENERIC_LOGIN_ERROR)
    return user


def _log_attempt(username: str, ip: str, result: str) -> None:
    ok = result == LoginResult.OK
    db.session.add(LoginAttempt(username=username, ip=ip[:64], success=ok, result=result))
    db.session.flush()


def list_login_attempts():
    """The login log, newest first."""
    return select(LoginAttempt).order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password; every session of the user ends (User.set_password)."""
    if not user.check_password(current):
        raise AuthError("当前密码不正确。")
    user.set_password(new)
    db.session.flush()


def ensure_roles() -> dict[str, Role]:
    """Create the fixed role rows if missing; return them by code."""
    existing = {role.code: role for role in db.session.scalars(select(Role))}
    for code, name in ROLE_NAMES.items():
        if code not in existing:
            existing[code] = Role(code=code, name=name)
            db.session.add(existing[code])
    db.session.flush()
    return existing


def roles_by_codes(codes: list[str]) -> list[Role]:
    if not codes:
        return []
    return list(db.session.scalars(select(Role).where(Role.code.in_(codes)).order_by(Role.id)))


def create_user(
    username: str,
    display_name: str,
    password: str,
    *,
    department: Department | None = None,
    roles: list[str] | None = None,
    email: str = "",
    phone: str = "",
) -> User:
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ValueError(f"用户名 {username} 已存在。")
    role_rows = roles_by_codes(roles or [])
    user = User(
        username=username,
        display_name=display_name,
        department=department,
        email=email,
        phone=phone,
        roles=role_rows,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: dict) -> User:
    """Apply an admin edit: plain fields, roles by code, optional new password."""
    user.display_name = data["display_name"].strip()
    user.email = (data.get("email") or "").strip()
    user.phone = (data.get("phone") or "").strip()
    if user.active != bool(data.get("active")):
        # Deactivation ends the user's sessions; so does reactivation, so that none revives.
        user.active = bool(data.get("active"))
        sessions.end_all(user)
    department_id = data.get("department_id")
    user.department = db.session.get(Department, department_id) if department_id else None
    user.roles = roles_by_codes(data.get("roles", []))
    if data.get("password"):
        user.set_password(data["password"])  # ends the user's sessions
    db.session.flush()
    return user


def end_sessions(user: User, actor: User) -> None:
    """An administrator ends every session of `user`; the audit log keeps who and when."""
    sessions.end_all(user)
    audit.record("user", user.id, "end_sessions", actor)


def save_department(department: Department | None, data: dict) -> Department:
    if department is None:
        department = Department()
        db.session.add(department)
    department.code = data["code"].strip().upper()
    department.name = data["name"].strip()
    department.parent_id = data.get("parent_id") or None
    department.head_id = data.get("head_id") or None
    db.session.flush()
    return department


def list_users():
    return select(User).order_by(User.department_id, User.id)


def list_departments():
    return select(Department).order_by(Department.code)


def list_roles():
    return select(Role).order_by(Role.id)


def department_choices() -> list[tuple[int, str]]:
    return [(d.id, f"{d.name}（{d.code}）") for d in db.session.scalars(list_departments())]


def user_choices() -> list[tuple[int, str]]:
    return [(u.id, f"{u.display_name}（{u.username}）") for u in db.session.scalars(list_users())]


def role_choices() -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in db.session.scalars(list_roles())]


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def users_in_role(role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User).join(User.roles).where(Role.id == role.id).order_by(User.id)
        )
    )
