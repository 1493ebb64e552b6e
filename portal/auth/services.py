"""Account services: authentication with throttling, passwords, users, departments, roles.

Services flush; the request (or CLI command) commits once.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.auth.models import ROLE_NAMES, Department, LoginAttempt, Role, User
from portal.core.clock import now
from portal.extensions import db


class AuthError(Exception):
    """A login refused; the message is shown to the user as is."""


GENERIC_LOGIN_ERROR = "用户名或密码错误。"


def _recent_failures(username: str) -> int:
    window = now() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(True)
        )
    )
    since = max(window, last_success) if last_success else window
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == username,
            LoginAttempt.success.is_(False),
            LoginAttempt.at > since,
        )
    )


def authenticate(username: str, password: str, ip: str = "") -> User:
    """Return the user or raise AuthError. The message never says which part was wrong."""
    username = (username or "").strip()
    if _recent_failures(username) >= current_app.config["LOGIN_MAX_FAILURES"]:
        minutes = current_app.config["LOGIN_LOCK_MINUTES"]
        raise AuthError(f"登录失败次数过多，请 {minutes} 分钟后再试。")
    user = db.session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.active and user.check_password(password)
    db.session.add(LoginAttempt(username=username, ip=ip, success=ok))
    db.session.flush()
    if not ok:
        raise AuthError(GENERIC_LOGIN_ERROR)
    return user


def change_password(user: User, current: str, new: str) -> None:
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
    user.active = bool(data.get("active"))
    department_id = data.get("department_id")
    user.department = db.session.get(Department, department_id) if department_id else None
    user.roles = roles_by_codes(data.get("roles", []))
    if data.get("password"):
        user.set_password(data["password"])
    db.session.flush()
    return user


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
