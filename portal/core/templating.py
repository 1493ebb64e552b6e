"""Jinja filters and globals shared by every template."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from flask import Flask, current_app, has_request_context, request, url_for
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache, pass_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from portal.core import generations
from portal.core.clock import format_local
from portal.core.values import text as cell_text
from portal.extensions import db


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    section: str  # first path segment(s) that mark the item active
    admin_only: bool = False


NAV = [
    NavItem("首页", "home.index", "/"),
    NavItem("制度", "procedures.index", "/procedures"),
    NavItem("我的申请", "workflow.mine", "/my"),
    NavItem("待我审批", "workflow.inbox", "/inbox"),
    NavItem("登记簿", "home.registers", "/registers"),
    NavItem("管理", "admin.index", "/admin", admin_only=True),
]


def nav_items() -> list[NavItem]:
    """Navigation entries whose endpoint exists and which the user may see."""
    items = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions:
            continue
        if item.admin_only and not (current_user.is_authenticated and current_user.is_sysadmin):
            continue
        items.append(item)
    return items


def is_active(item: NavItem) -> bool:
    path = request.path
    return path == "/" if item.section == "/" else path.startswith(item.section)


def url_with(**updates) -> str:
    """The current URL with some query arguments replaced (pagination, sorting, filters).

    Query arguments are the client's: those url_for would read as its own (`endpoint`,
    `_method`, `_external`, ...) or that would replace a path argument are dropped."""
    path_args = request.view_args or {}
    args = {
        k: v for k, v in request.args.to_dict().items() if k not in path_args and not _reserved(k)
    }
    args.update({k: v for k, v in updates.items() if v is not None})
    return url_for(request.endpoint, **path_args, **args)


def _reserved(name: str) -> bool:
    return name == "endpoint" or name.startswith("_")


def sentences(messages) -> str:
    """Messages, each possibly ending in 。, as one Chinese sentence: "甲；乙。" (no "。；")."""
    parts = [str(m).strip().rstrip("。；;.") for m in messages]
    parts = [p for p in parts if p]
    return "；".join(parts) + "。" if parts else ""


# A versioned static URL (?v=<content hash>) never changes meaning: browsers keep it a year.
STATIC_MAX_AGE = 365 * 24 * 3600


def _static_version(app: Flask, filename: str) -> str | None:
    """The first 12 hex digits of a static file's SHA-256, computed once per file and process
    (the files change only with a deploy, which restarts the workers; in debug mode the
    file's mtime is checked so an edit shows at once)."""
    folder = app.static_folder
    if not folder:
        return None
    path = os.path.join(folder, filename)
    try:
        stamp = os.stat(path).st_mtime_ns if app.debug else 0
    except OSError:
        return None
    cache = app.extensions.setdefault("portal_static_versions", {})
    key = (filename, stamp)
    if key not in cache:
        try:
            with open(path, "rb") as f:
                cache[key] = hashlib.sha256(f.read()).hexdigest()[:12]
        except OSError:
            return None
    return cache[key]


@pass_context
def static_url(context, filename: str) -> str:
    """A static file's URL: the site's, content-versioned, or relative to the page in the
    static export of the library (which passes `static_export`)."""
    export = context.get("static_export")
    if export:
        return f"{export.root}static/{filename}"
    return url_for("static", filename=filename)


def _init_static(app: Flask) -> None:
    @app.url_defaults
    def version_static(endpoint, values):
        # Every url_for("static", filename=...) carries the file's content hash.
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = _static_version(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            version = request.args.get("v")
            if version and version == _static_version(app, filename):
                response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        return response


def _init_bytecode_cache(app: Flask) -> None:
    """Compiled templates kept on disk: a new worker loads them instead of compiling (~2/3 of
    the first render of a page). Off in tests (each test app would write the folder)."""
    if not app.config.get("JINJA_BYTECODE_CACHE", not app.testing):
        return
    folder = os.path.join(app.instance_path, "jinja-cache")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(folder)


def init_app(app: Flask) -> None:
    _init_static(app)
    _init_bytecode_cache(app)
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["sentences"] = sentences
    app.jinja_env.filters["cell"] = cell_text  # a register or report value as text
    app.jinja_env.filters["localdate"] = lambda value: format_local(value, "%Y-%m-%d")
    app.jinja_env.globals.update(
        nav_items=nav_items,
        nav_active=is_active,
        nav_badges=nav_badge_counts,
        url_with=url_with,
        has_endpoint=lambda name: name in current_app.view_functions,
    )

    @app.context_processor
    def company():
        return {"company_name": current_app.config["COMPANY_NAME"]}


BADGES = "portal.badges"
BADGES_AHEAD = "portal.badges.ahead"


def nav_badge_counts() -> dict[str, int]:
    """The navigation's counts, computed once per request (a view may read them first): read
    with the user when `badge_columns` could (unless the request has written since), else in a
    statement of their own."""
    if not has_request_context():
        return _badges()
    # On the request, not on `g`: an app context may serve several requests (tests, CLI).
    cache = request.environ
    ahead = cache.pop(BADGES_AHEAD, None)
    if BADGES not in cache:
        session = db.session
        fresh = not (session.new or session.dirty or session.deleted)
        cache[BADGES] = ahead if ahead is not None and fresh else _badges()
    return cache[BADGES]


def _providers(user) -> tuple[dict, dict]:
    """The providers' counts: (numbers, scalar SELECTs), each by endpoint."""
    badges: dict = {}
    for provider in current_app.extensions.get("portal_badges", []):
        badges.update(provider(user))
    queries = {k: v for k, v in badges.items() if isinstance(v, ClauseElement)}
    return {k: v for k, v in badges.items() if k not in queries}, queries


def _badges() -> dict[str, int]:
    """Counts shown beside navigation items; domains add providers to app.extensions. A
    provider returns {endpoint: count}, a count being a number or a scalar SELECT; the SELECTs
    of all providers run as one statement."""
    if not current_user.is_authenticated:
        return {}
    badges, queries = _providers(current_user)
    if queries:
        row = db.session.execute(
            select(*(q.label(f"b{i}") for i, q in enumerate(queries.values())))
        ).one()
        badges.update(zip(queries, row, strict=True))
    return badges


@dataclass(frozen=True)
class Subject:
    """The user as the badge providers see them ahead of loading: the id (the providers'
    SELECTs are all about the user's own rows)."""

    id: int
    is_authenticated: bool = True


@dataclass
class BadgesAhead:
    numbers: dict
    keys: list
    columns: list
    used: dict  # the per-worker copies the SELECTs were built from (core/generations.py)

    def keep(self, values) -> None:
        """The counts read with the user: kept for the navigation if the copies they were
        built from were current (`generations.confirm`)."""
        if generations.confirm(self.used):
            request.environ[BADGES_AHEAD] = {
                **self.numbers,
                **dict(zip(self.keys, values, strict=True)),
            }


def badge_columns(user_id: int) -> BadgesAhead | None:
    """The navigation's counts as columns for the statement that loads the user, for a request
    that shows a whole page (a GET without htmx); None when they cannot be built yet (a cache
    the providers read is cold on this worker, or a provider needs more than the user's id)."""
    if request.method != "GET" or request.headers.get("HX-Request"):
        return None
    try:
        with generations.ahead() as used:
            numbers, queries = _providers(Subject(user_id))
    except (generations.Cold, AttributeError, TypeError):
        return None
    columns = [q.label(f"b{i}") for i, q in enumerate(queries.values())]
    return BadgesAhead(numbers, list(queries), columns, dict(used))


@event.listens_for(Session, "after_flush")
def _drop_badges_ahead(*_args) -> None:
    # Counts read before this request wrote anything may be out of date.
    if has_request_context():
        request.environ.pop(BADGES_AHEAD, None)


@event.listens_for(Session, "do_orm_execute")
def _drop_badges_ahead_on_write(state) -> None:
    if not state.is_select:  # a bulk UPDATE/DELETE/INSERT, or SQL text
        _drop_badges_ahead()
