"""Departments as the library names them: code, name and head, read once per request (a page
may ask for names in its text and for heads in its permission checks)."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import select

from portal.auth.models import Department
from portal.extensions import db


def _departments() -> list:
    """(code, name, head id) of every department, read once per request (a page may ask for
    names in its text and for heads in its permission checks)."""
    cache = request.environ if has_request_context() else {}
    if "portal.departments" not in cache:
        query = select(Department.code, Department.name, Department.head_id)
        cache["portal.departments"] = db.session.execute(query).all()
    return cache["portal.departments"]


def department_names() -> dict[str, str]:
    return {code: name for code, name, _ in _departments()}


def department_heads() -> dict[str, int | None]:
    """{department code: the head's user id}."""
    return {code: head for code, _, head in _departments()}
