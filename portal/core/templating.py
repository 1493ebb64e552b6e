"""Jinja filters and globals shared by every template."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from flask import Flask, current_app, has_request_context, request, url_for
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache, pass_context
from sqlalchemy import select
from sqlalchemy.sql import ClauseElement

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


def nav_badge_counts() -> dict[str, int]:
    """The navigation's counts, computed once per request (a view may read them first)."""
    if not has_request_context():
        return _badges()
    # On the request, not on `g`: an app context may serve several requests (tests, CLI).
    cache = request.environ
    if "portal.badges" not in cache:
        cache["portal.badges"] = _badges()
    return cache["portal.badges"]


def _badges() -> dict[str, int]:
    """Counts shown beside navigation items; domains add providers to app.extensions. A
    provider returns {endpoint: count}, a count being a number or a scalar SELECT; the SELECTs
    of all providers run as one statement."""
    if not current_user.is_authenticated:
        return {}
    providers = current_app.extensions.get("portal_badges", [])
    badges: dict = {}
    for provider in providers:
        badges.update(provider(current_user))
    queries = {k: v for k, v in badges.items() if isinstance(v, ClauseElement)}
    if queries:
        row = db.session.execute(
            select(*(q.label(f"b{i}") for i, q in enumerate(queries.values())))
        ).one()
        badges.update(zip(queries, row, strict=True))
    return badges
