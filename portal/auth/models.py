"""Users, departments (the org chart) and roles."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.core.clock import now
from portal.core.types import UTCDateTime
from portal.extensions import db


class RoleCode:
    """Role codes (stable identifiers; names are what the UI shows)."""

    EMPLOYEE = "employee"
    GM = "gm"
    ADMIN_STAFF = "admin_staff"
    ADMIN_HEAD = "admin_head"
    FINANCE = "finance"
    QUALITY = "quality"
    SERVICE = "service"
    ARCHIVIST = "archivist"
    MGMT_REP = "mgmt_rep"  # 管理者代表: approves quality-system documents
    SYSADMIN = "sysadmin"


ROLE_NAMES = {
    RoleCode.EMPLOYEE: "员工",
    RoleCode.GM: "总经理",
    RoleCode.ADMIN_STAFF: "行政助理",
    RoleCode.ADMIN_HEAD: "行政办主任",
    RoleCode.FINANCE: "财务",
    RoleCode.QUALITY: "品质部",
    RoleCode.SERVICE: "客服",
    RoleCode.ARCHIVIST: "档案管理员",
    RoleCode.MGMT_REP: "管理者代表",
    RoleCode.SYSADMIN: "系统管理员",
}

user_roles = Table(
    "user_roles",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(200), default="")

    def __repr__(self) -> str:
        return f"<Role {self.code}>"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # use_alter: users reference departments and departments reference their head.
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_departments_head_id_users")
    )

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    head: Mapped[User | None] = relationship(foreign_keys=[head_id], post_update=True)
    members: Mapped[list[User]] = relationship(
        back_populates="department", foreign_keys="User.department_id"
    )

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    email: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Hear of every step of one's own requests (else only of the result).
    notify_each_step: Mapped[bool] = mapped_column(default=True, server_default="1")
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    # Sessions carry the generation they were issued in; raising it ends them all
    # (portal/auth/sessions.py).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    department: Mapped[Department | None] = relationship(
        back_populates="members", foreign_keys=[department_id]
    )
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, order_by=Role.id)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users.
        return self.active

    def set_password(self, password: str) -> None:
        # Tests lower the cost through config; production always uses scrypt.
        method = (
            current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
            if has_app_context()
            else "scrypt"
        )
        if self.password_hash:  # a changed password ends the sessions opened with the old one
            self.session_version = (self.session_version or 0) + 1
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def has_role(self, *codes: str) -> bool:
        return any(role.code in codes for role in self.roles)

    @property
    def role_codes(self) -> set[str]:
        return {role.code for role in self.roles}

    @property
    def is_sysadmin(self) -> bool:
        return self.has_role(RoleCode.SYSADMIN)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginResult:
    """What became of a login attempt (shown to administrators on the login log)."""

    OK = "ok"
    WRONG_PASSWORD = "wrong_password"
    UNKNOWN_USER = "unknown_user"
    INACTIVE = "inactive"
    DELAYED = "delayed"  # refused unchecked: too many recent failures


LOGIN_RESULT_LABELS = {
    LoginResult.OK: "成功",
    LoginResult.WRONG_PASSWORD: "密码错误",
    LoginResult.UNKNOWN_USER: "用户不存在",
    LoginResult.INACTIVE: "账号已停用",
    LoginResult.DELAYED: "被延迟拒绝",
}


class LoginAttempt(db.Model):
    """Login attempts, kept in the database so throttling holds across gunicorn workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    success: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str] = mapped_column(String(20), default="", server_default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)


class EndedSession(db.Model):
    """Sessions ended by logging out, refused until they would have expired anyway (the cookie
    is signed, not stored, so ending one session means remembering its id)."""

    __tablename__ = "ended_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def users_with_role(code: str):
    """Active users holding a role, as a select()."""
    return (
        select(User)
        .join(User.roles)
        .where(Role.code == code, User.active.is_(True))
        .order_by(User.id)
    )
