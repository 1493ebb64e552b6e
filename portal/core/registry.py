"""What the domains tell the shared pages about themselves: their forms and registers.

Each domain registers a FormType in its `init_app`; the home page, the navigation and the
register index read this list, so adding a form never edits shared templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class FormType:
    key: str  # e.g. "seals"
    name: str  # e.g. "用印申请"
    new_endpoint: str  # e.g. "seals.new"
    register_endpoint: str  # e.g. "seals.index"
    register_name: str  # e.g. "印章使用登记表"
    description: str = ""
    # Who may start one (the home page offers the form only to them); None: every user.
    can_start: Callable[[object], bool] | None = None
    url_args: tuple[tuple[str, str], ...] = ()  # arguments of new_endpoint (a designed form's key)
    group: str = ""


def register_form(app: Flask, form: FormType) -> None:
    app.extensions.setdefault("portal_forms", []).append(form)


def form_types(app: Flask) -> list[FormType]:
    return list(app.extensions.get("portal_forms", []))


def register_form_source(app: Flask, source: Callable[[object], list[FormType]]) -> None:
    """Forms that are data (designed by an administrator): `source(user)` lists those the
    user may start."""
    app.extensions.setdefault("portal_form_sources", []).append(source)


def startable_forms(app: Flask, user) -> list[FormType]:
    """The forms this user may start: what 发起申请 offers."""
    forms = [f for f in form_types(app) if f.can_start is None or f.can_start(user)]
    for source in app.extensions.get("portal_form_sources", []):
        forms.extend(source(user))
    return forms
