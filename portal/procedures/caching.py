"""Conditional GETs of the procedure pages and the controlled-copy PDF: an `ETag` made of what
the response shows, `If-None-Match` answered with 304 before anything is rendered.

The pages are logged-in pages, so they are `private, no-cache` (the browser keeps them and asks
each time) instead of the portal's usual `no-store`. A page's tag covers the revision's text,
the procedure's head and history, the read receipts, the navigation's counts and the user and
session (the page carries the user's name and CSRF token); a pending flash message or an htmx
request gets no tag.
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.core.clock import local_now
from portal.core.templating import nav_badge_counts
from portal.procedures.periodic import control_state

REVALIDATE = "private, no-cache"


def _tag(*parts) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def page_etag(view, user) -> str | None:
    if view.cache_key is None or session.get("_flashes") or request.headers.get("HX-Request"):
        return None
    procedure, revision = view.procedure, view.revision
    acks = view.acks
    generate_csrf()  # the page carries it: make the session's token before it is hashed
    return _tag(
        "page",
        view.cache_key,
        (revision.status, revision.label, revision.title, revision.effective_date),
        (revision.change_note, revision.superseded_at),
        (procedure.title, procedure.category, procedure.reviewed, procedure.truncated),
        (procedure.duplicate_of_id, view.owner_name),
        [(r.id, r.label, r.status, r.effective_date, r.change_note) for r in view.history],
        (acks.has_read, acks.read_at, acks.colleagues_read, acks.colleagues_total)
        if acks
        else None,
        (acks.required, acks.due, acks.overdue) if acks else None,
        control_tag(procedure) if revision.status == "current" else None,
        (user.id, user.session_version, user.display_name, session.get("csrf_token")),
        sorted(nav_badge_counts().items()),
        current_app.config.get("COMPANY_NAME"),
    )


def control_tag(procedure) -> tuple:
    """The document-control box of the page (periodic.control_state)."""
    control = control_state(current_user, procedure)
    review = control.get("review")
    return (
        tuple(sorted((k, v) for k, v in control.items() if k != "review")),
        (review.due, review.days_left) if review else None,
    )


def pdf_etag(revision) -> str:
    """The PDF prints the revision, the procedure's head and the day it was printed (a copy
    printed earlier the same day is as good)."""
    procedure = revision.procedure
    return _tag(
        "pdf",
        revision.id,
        revision.content_hash,
        (revision.status, revision.label, revision.title, revision.effective_date),
        (procedure.code, procedure.title, procedure.category, procedure.owner_department),
        current_app.config.get("COMPANY_NAME"),
        local_now().date(),
    )


def not_modified(tag: str) -> Response:
    response = Response(status=304)
    return revalidated(response, tag)


def revalidated(response: Response, tag: str | None) -> Response:
    if tag is not None:
        response.set_etag(tag)
        response.headers["Cache-Control"] = REVALIDATE
    return response
