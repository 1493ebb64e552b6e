"""Demo organisation and accounts for `make run` (password `demo` for everyone).

Idempotent: existing rows are found by their natural keys and left as they are. Domains add
their own demo records through `register_demo_loader`; those run after the organisation.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal.auth import services as auth_services
from portal.auth.models import Department, RoleCode, User
from portal.extensions import db

DEMO_PASSWORD = "demo"

DEPARTMENTS = [
    # code, name, parent code
    ("GMO", "总经理办公室", None),
    ("ADM", "行政部", "GMO"),
    ("SAL", "销售部", "GMO"),
    ("FIN", "财务部", "GMO"),
    ("QA", "品质部", "GMO"),
    ("CS", "客服部", "GMO"),
    ("PRD", "生产部", "GMO"),
]

R = RoleCode
USERS = [
    # username, name, department, roles, head of
    ("admin", "系统管理员", "ADM", [R.SYSADMIN, R.EMPLOYEE], None),
    ("gm", "王总", "GMO", [R.GM, R.EMPLOYEE], "GMO"),
    ("deputy", "李副总", "GMO", [R.EMPLOYEE], None),
    ("employee", "张三", "SAL", [R.EMPLOYEE], None),
    ("head", "赵经理", "SAL", [R.EMPLOYEE], "SAL"),
    ("adminhead", "孙主任", "ADM", [R.ADMIN_HEAD, R.EMPLOYEE], "ADM"),
    ("adminoffice", "周助理", "ADM", [R.ADMIN_STAFF, R.EMPLOYEE], None),
    ("finance", "钱会计", "FIN", [R.FINANCE, R.EMPLOYEE], "FIN"),
    ("quality", "吴经理", "QA", [R.QUALITY, R.EMPLOYEE], "QA"),
    ("inspector", "郑工", "QA", [R.QUALITY, R.EMPLOYEE], None),
    ("service", "冯主管", "CS", [R.SERVICE, R.EMPLOYEE], "CS"),
    ("archivist", "陈档案", "ADM", [R.ARCHIVIST, R.EMPLOYEE], None),
    ("producer", "刘厂长", "PRD", [R.EMPLOYEE], "PRD"),
    ("mgmtrep", "黄代表", "QA", [R.MGMT_REP, R.EMPLOYEE], None),
]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, name, what they are) for the README and the `make run` banner."""
    return [(u, n, f"{d} / {', '.join(r)}") for u, n, d, r, _ in USERS]


def register_demo_loader(app, loader) -> None:
    """loader() -> list[str] summary lines; runs inside the demo load, after the organisation."""
    app.extensions.setdefault("portal_demo_loaders", []).append(loader)


def _departments() -> dict[str, Department]:
    by_code = {d.code: d for d in db.session.scalars(select(Department))}
    for code, name, parent in DEPARTMENTS:
        if code not in by_code:
            by_code[code] = auth_services.save_department(
                None,
                {"code": code, "name": name, "parent_id": by_code[parent].id if parent else None},
            )
    return by_code


def load_demo() -> list[str]:
    summary = load_organisation()
    for loader in current_app.extensions.get("portal_demo_loaders", []):
        summary.extend(loader())
    return summary


def load_organisation() -> list[str]:
    """Departments, demo users and department heads (also the standard org of the tests)."""
    session = db.session
    auth_services.ensure_roles()
    departments = _departments()
    created = 0
    for username, name, dept, roles, head_of in USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = auth_services.create_user(
                username,
                name,
                DEMO_PASSWORD,
                department=departments[dept],
                roles=roles,
                email=f"{username}@example.com",
            )
            created += 1
        if head_of and departments[head_of].head_id is None:
            departments[head_of].head_id = user.id
    session.flush()
    return [f"demo: organisation ready ({created} users created)"]
