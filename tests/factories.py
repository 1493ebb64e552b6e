"""Factory functions with defaults and sequences: tests build exactly the data they need."""

from __future__ import annotations

import itertools

from portal.auth import services as auth_services
from portal.auth.models import Department, User
from portal.extensions import db

_seq = itertools.count(1)


def department(
    code: str | None = None, name: str | None = None, head: User | None = None
) -> Department:
    n = next(_seq)
    dept = auth_services.save_department(
        None,
        {"code": code or f"D{n}", "name": name or f"部门{n}", "head_id": head.id if head else None},
    )
    return dept


def user(
    username: str | None = None,
    name: str | None = None,
    dept: Department | None = None,
    roles: list[str] | None = None,
    password: str = "demo",
) -> User:
    auth_services.ensure_roles()
    n = next(_seq)
    return auth_services.create_user(
        username or f"user{n}",
        name or f"用户{n}",
        password,
        department=dept,
        roles=roles if roles is not None else ["employee"],
        email=f"{username or f'user{n}'}@example.com",
    )


def standard_org() -> dict[str, User]:
    """The demo organisation: admin, employee, head, gm, deputy, adminoffice, finance, ..."""
    from portal.demo import USERS, load_organisation

    load_organisation()
    db.session.commit()
    return {
        u.username: u
        for u in db.session.scalars(db.select(User))
        if u.username in {x[0] for x in USERS}
    }


def bundled_procedure(filename: str):
    """A procedure the portal ships (docs/procedures/<filename>) loaded into the library, for
    the clause links and deadlines a domain reads from it."""
    from portal.procedures import services as procedures

    text = (procedures.DOCS_DIR / filename).read_text(encoding="utf-8")
    result = procedures.load_markdown(text, filename)
    db.session.commit()
    return result.procedure
